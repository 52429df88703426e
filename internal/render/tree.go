package render

import (
	"fmt"
	"io"
	"math/bits"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/tracectl/tracectl/internal/dag"
)

// TreeOptions shape the terminal tree of `tracectl tree`.
type TreeOptions struct {
	Width       int   // total line width in cells
	MaxDepth    int   // deepest depth printed (roots are 0); < 0 means all
	MinDuration int64 // spans shorter than this are hidden with their subtree
	Fold        bool  // fold runs of identical siblings into one line
	// Critical marks nodes on the critical path (indexed like Tree.Nodes);
	// nil when not asked for. Their bars are drawn with a heavier glyph
	// and the line is tagged.
	Critical []bool
}

// foldMin is the shortest run of identical siblings that gets folded.
const foldMin = 4

// Tree writes one trace as an indented span tree with a waterfall: per span
// the name, service, kind, start offset, duration and a bar on the trace's
// own timeline; errors in red with their status message.
func Tree(w io.Writer, st *Styles, tr *dag.Tree, opt TreeOptions) error {
	tw := &treeWriter{w: w, st: st, tr: tr, opt: opt}
	tw.header()
	tw.layout()
	tw.body()
	return tw.err
}

type treeWriter struct {
	w   io.Writer
	st  *Styles
	tr  *dag.Tree
	opt TreeOptions
	err error

	lines  []treeLine
	labelW int // width of the label column
	barW   int // width of the waterfall
}

// treeLine is one printed row, planned before drawing so columns align.
type treeLine struct {
	prefix string // tree guides
	node   int32  // -1 for a fold summary
	fold   foldRun
	hidden int // spans hidden below this one (max depth / min duration)
}

type foldRun struct {
	count, errors int
	min, max      int64 // shortest and longest duration
	sum           int64
	start, end    uint64 // extent of the run on the timeline
}

func (tw *treeWriter) printf(format string, args ...any) {
	if tw.err == nil {
		_, tw.err = fmt.Fprintf(tw.w, format, args...)
	}
}

func (tw *treeWriter) header() {
	tr, st := tw.tr, tw.st
	root := "?"
	if r := tr.Root(); r != dag.None {
		if s := tr.Nodes[r].Span; s != nil {
			root = st.Service(s.Service()) + " " + st.Bold(s.Name)
		} else {
			root = st.Faint("missing span " + tr.Nodes[r].ID.String())
		}
	}
	services := tr.Services()
	tw.printf("%s %s  %s\n", st.Bold("Trace"), tr.TraceID, root)
	tw.printf("%s\n", st.Faint(fmt.Sprintf("%s · %s (%s) · %s",
		dag.Plural(tr.SpanCount(), "span"), dag.Plural(len(services), "service"), strings.Join(services, ", "), dag.FormatDuration(tr.Duration()))))
}

// layout plans the visible lines (depth limits, hidden spans, folds) with an
// explicit stack, then sizes the columns.
func (tw *treeWriter) layout() {
	tr := tw.tr
	type frame struct {
		node   int32    // None for a fold summary
		fold   *foldRun // the summary, when node is None
		prefix string   // guides for this line
		child  string   // guides for the node's children
	}
	var stack []frame
	for k := len(tr.Roots) - 1; k >= 0; k-- {
		if tw.visible(tr.Roots[k]) {
			stack = append(stack, frame{node: tr.Roots[k]})
		}
	}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if f.node == dag.None {
			tw.lines = append(tw.lines, treeLine{prefix: f.prefix, node: dag.None, fold: *f.fold})
			continue
		}
		line := treeLine{prefix: f.prefix, node: f.node}
		n := &tr.Nodes[f.node]
		var kids []int32
		for _, c := range n.Children {
			if tw.visible(c) {
				kids = append(kids, c)
			} else {
				line.hidden += tw.subtreeSize(c)
			}
		}
		if tw.opt.MaxDepth >= 0 && int(n.Depth) >= tw.opt.MaxDepth {
			for _, c := range kids {
				line.hidden += tw.subtreeSize(c)
			}
			kids = nil
		}
		tw.lines = append(tw.lines, line)

		// Plan the children as frames, folding runs of alike siblings
		// into their first member plus one summary frame.
		var items []frame
		for i := 0; i < len(kids); {
			j := i + 1
			for tw.opt.Fold && j < len(kids) && tw.alike(kids[i], kids[j]) {
				j++
			}
			items = append(items, frame{node: kids[i]})
			if j-i >= foldMin {
				run := &foldRun{}
				for _, k := range kids[i+1 : j] {
					run.add(tr.Nodes[k])
				}
				items = append(items, frame{node: dag.None, fold: run})
			} else {
				for _, k := range kids[i+1 : j] {
					items = append(items, frame{node: k})
				}
			}
			i = j
		}
		for k := len(items) - 1; k >= 0; k-- {
			guide, cont := "├─ ", "│  "
			if k == len(items)-1 {
				guide, cont = "└─ ", "   "
			}
			items[k].prefix, items[k].child = f.child+guide, f.child+cont
			stack = append(stack, items[k])
		}
	}

	w := tw.opt.Width
	if w <= 0 {
		w = 120
	}
	label := 0
	for _, l := range tw.lines {
		label = max(label, lipgloss.Width(tw.label(l, false)))
	}
	tw.labelW = min(label, max(24, (w-numbersW)*55/100))
	tw.barW = max(10, w-tw.labelW-numbersW-2)
	if tw.opt.Critical != nil {
		tw.barW -= 2
	}
}

// numbersW is the width of the offset and duration columns with their spaces.
const numbersW = 2 * 9

// visible reports whether a node passes --min-duration (placeholders always do).
func (tw *treeWriter) visible(i int32) bool {
	n := &tw.tr.Nodes[i]
	return n.Span == nil || n.Duration() >= tw.opt.MinDuration
}

// subtreeSize counts the real spans in the subtree rooted at i.
func (tw *treeWriter) subtreeSize(i int32) int {
	count := 0
	stack := []int32{i}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if tw.tr.Nodes[k].Span != nil {
			count++
		}
		stack = append(stack, tw.tr.Nodes[k].Children...)
	}
	return count
}

// alike reports whether two siblings are repetitions of one another: same
// service, name and kind, both leaves or both with the same number of
// children (a retry loop, a fan-out of identical calls).
func (tw *treeWriter) alike(a, b int32) bool {
	na, nb := &tw.tr.Nodes[a], &tw.tr.Nodes[b]
	if na.Span == nil || nb.Span == nil {
		return false
	}
	return na.Span.Name == nb.Span.Name && na.Span.Service() == nb.Span.Service() &&
		na.Span.Kind == nb.Span.Kind && len(na.Children) == len(nb.Children)
}

func (r *foldRun) add(n dag.Node) {
	d := n.Duration()
	if r.count == 0 || d < r.min {
		r.min = d
	}
	if r.count == 0 || n.Start < r.start {
		r.start = n.Start
	}
	r.max, r.end = max(r.max, d), max(r.end, n.End)
	r.sum += d
	r.count++
	if n.Span != nil && n.Span.Status.Code == dag.StatusError {
		r.errors++
	}
}

// segment is a piece of a label with its style, so labels can be truncated
// to the column width before escape codes are added.
type segment struct {
	text  string
	style func(string) string
}

func (tw *treeWriter) segments(l treeLine) []segment {
	st := tw.st
	plain := func(s string) string { return s }
	segs := []segment{{l.prefix, st.Faint}}
	if l.node == dag.None {
		r := l.fold
		spread := dag.FormatDuration(r.min)
		if r.max != r.min {
			spread += "–" + dag.FormatDuration(r.max)
		}
		text := fmt.Sprintf("× %d more like this (%s each)", r.count, spread)
		segs = append(segs, segment{text, st.Faint})
		if r.errors > 0 {
			segs = append(segs, segment{fmt.Sprintf(" %d errors", r.errors), st.Error})
		}
		return segs
	}
	n := &tw.tr.Nodes[l.node]
	if n.Span == nil {
		segs = append(segs, segment{"missing span " + n.ID.String(), st.Faint})
	} else {
		s := n.Span
		name := plain
		if s.Status.Code == dag.StatusError {
			name = st.Error
		}
		segs = append(segs, segment{s.Service(), st.Service}, segment{" ", plain}, segment{s.Name, name})
		if s.Kind != dag.KindInternal && s.Kind != dag.KindUnspecified {
			segs = append(segs, segment{" [" + s.Kind.String() + "]", st.Faint})
		}
		if s.Status.Code == dag.StatusError {
			msg := "error"
			if s.Status.Message != "" {
				msg = s.Status.Message
			}
			segs = append(segs, segment{" ✗ " + msg, st.Error})
		}
	}
	if l.hidden > 0 {
		segs = append(segs, segment{fmt.Sprintf(" (+%d hidden)", l.hidden), st.Faint})
	}
	return segs
}

// label renders a line's label, truncated to the label column when fit is set.
func (tw *treeWriter) label(l treeLine, fit bool) string {
	var b strings.Builder
	room := tw.labelW
	for _, sg := range tw.segments(l) {
		text := sg.text
		if fit {
			w := lipgloss.Width(text)
			if w > room {
				text = Truncate(text, room)
				w = lipgloss.Width(text)
			}
			room -= w
		}
		if text != "" {
			b.WriteString(sg.style(text))
		}
		if fit && room <= 0 {
			break
		}
	}
	if fit && room > 0 {
		b.WriteString(strings.Repeat(" ", room))
	}
	return b.String()
}

func (tw *treeWriter) body() {
	for _, l := range tw.lines {
		offset, dur, bar := "", "", ""
		if l.node == dag.None {
			f := l.fold
			offset, dur = dag.FormatOffset(dag.Sub(f.start, tw.tr.Start)), "Σ "+dag.FormatDuration(f.sum)
			bar = tw.bar(f.start, f.end, "─", tw.st.Faint)
		} else {
			n := &tw.tr.Nodes[l.node]
			offset, dur = dag.FormatOffset(dag.Sub(n.Start, tw.tr.Start)), dag.FormatDuration(n.Duration())
			bar = tw.nodeBar(l.node)
		}
		if offset == "+0ns" {
			offset = "0"
		}
		mark := ""
		if tw.opt.Critical != nil {
			// The marker has its own column so truncating a long label
			// never hides it.
			mark = "  "
			if l.node >= 0 && tw.opt.Critical[l.node] {
				mark = " " + tw.st.Bold("◆")
			}
		}
		tw.printf("%s%s %8s %8s %s\n", tw.label(l, true), mark, offset, dur, bar)
	}
}

// nodeBar draws a node's bar: its service's colour, red for errors, dashed
// for a placeholder, light for spans off the critical path.
func (tw *treeWriter) nodeBar(i int32) string {
	n := &tw.tr.Nodes[i]
	glyph, style := "█", tw.st.Faint
	switch {
	case n.Span == nil:
		glyph = "┄"
	case n.Span.Status.Code == dag.StatusError:
		style = tw.st.Error
	default:
		style = tw.serviceStyle(n.Span.Service())
	}
	if tw.opt.Critical != nil && n.Span != nil && !tw.opt.Critical[i] {
		glyph = "░"
	}
	return tw.bar(n.Start, n.End, glyph, style)
}

// bar draws [start,end] on the trace's timeline, at least one cell wide.
// The cell arithmetic is done in 128 bits so a trace lasting centuries
// cannot overflow it.
func (tw *treeWriter) bar(start, end uint64, glyph string, style func(string) string) string {
	t0 := tw.tr.Start
	total := max(1, tw.tr.End-t0)
	cells := uint64(tw.barW)
	from := cellOf(max(start, t0)-t0, cells, total, false)
	to := cellOf(max(end, t0)-t0, cells, total, true)
	from = min(from, cells-1)
	to = min(max(to, from+1), cells)
	return strings.Repeat(" ", int(from)) + style(strings.Repeat(glyph, int(to-from)))
}

// cellOf returns min(off, total)*cells/total, rounded up when ceil is set.
func cellOf(off, cells, total uint64, ceil bool) uint64 {
	hi, lo := bits.Mul64(min(off, total), cells)
	q, r := bits.Div64(hi, lo, total)
	if ceil && r != 0 {
		q++
	}
	return q
}

func (tw *treeWriter) serviceStyle(service string) func(string) string {
	if !tw.st.color {
		return func(s string) string { return s }
	}
	style := tw.st.r.NewStyle().Foreground(ServiceColor(service))
	return func(s string) string { return style.Render(s) }
}
