package render

import (
	"bufio"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
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
	// Queued is each node's queue wait on the critical path (an
	// `--async follow` analysis, indexed like Tree.Nodes), shown as
	// "⋯ queued 38.0ms" and as a dotted run before the bar; nil when not
	// asked for.
	Queued []int64
	// Fields chooses what each line shows; nil: DefaultTreeFields.
	Fields *TreeFields
	// Details prints each span's details under its line (--attrs, -v):
	// 1 its status message, attributes, events (an exception's stack
	// trace line by line) and links, and its resource's attributes where
	// the resource differs from its parent span's (where the trace
	// enters a service); 2 also the resource and scope of every span.
	Details int
	// Collapsed marks nodes whose subtrees are not drawn (counted in
	// "(+N hidden)"), and Unfolded nodes whose children are never folded
	// (both indexed like Tree.Nodes; nil for none): the interactive
	// explorer's state, laid out by the same code as the printed tree.
	Collapsed, Unfolded []bool
	// KeepBar cuts the names before the bar goes (after the offsets),
	// keeping a fifth of the width for it: for the explorer, whose detail
	// pane shows each name whole.
	KeepBar bool
}

// foldMin is the shortest run of identical siblings that gets folded.
const foldMin = 4

// Tree writes one trace as an indented span tree with a waterfall: per span
// the name, service, kind, start offset, duration and a bar on the trace's
// own timeline; errors in red, marked ✗, with their status message.
//
// It runs in time and memory linear in the number of spans, whatever the
// depth: guides are drawn from a per-level bitmap rather than stored per
// line, and past a depth that would eat half the label column the guides
// of the middle levels give way to a "┆ (depth N)" marker, so every line
// stays within the width. On a narrow line, what gives way, in order: the
// bar shrinks, the offset column goes, then the bar, the names are cut in
// the middle to a readable length, the duration column goes, and the
// names are cut further; the error mark, the span kind, the hidden-span
// count and the queue wait are never cut.
func Tree(w io.Writer, st *Styles, tr *dag.Tree, opt TreeOptions) error {
	bw := bufio.NewWriter(w)
	tw := newTreeWriter(tr, opt)
	tw.w, tw.st = bw, st
	tw.header()
	tw.layout()
	tw.body()
	if err := bw.Flush(); err != nil {
		return err
	}
	return tw.err
}

// newTreeWriter sets up the drawing of tr with opt: the defaults, the
// fields and the plan of the guides (Tree and Waterfall alike).
func newTreeWriter(tr *dag.Tree, opt TreeOptions) *treeWriter {
	tw := &treeWriter{tr: tr, opt: opt, fields: DefaultTreeFields()}
	if tw.opt.Width <= 0 {
		tw.opt.Width = 120
	}
	if opt.Fields != nil {
		tw.fields = *opt.Fields
	}
	tw.plan()
	return tw
}

type treeWriter struct {
	w   *bufio.Writer
	st  *Styles
	tr  *dag.Tree
	opt TreeOptions
	err error

	lines []treeLine
	folds []foldRun

	fields TreeFields

	maxGuides  int    // deepest level drawn with full guides
	keepGuides int    // levels whose guides stay left of the depth marker
	guides     []byte // the current line's guides, reused
	labelW     int    // width of the label column
	barW       int    // width of the waterfall (0: none)
	offsets    bool   // whether the offset column is shown
	durations  bool   // whether the duration column is shown
	extraW     []int  // widths of the extra fields' columns
	rest       bool   // whether anything follows the label column
}

// treeLine is one printed row, planned before drawing so columns align.
// Its guides are not stored: they follow from the lines before it.
type treeLine struct {
	node   int32 // dag.None for a fold summary
	fold   int32 // index into folds for a fold summary
	depth  int32 // 0 for roots
	last   bool  // last of its siblings: └─ rather than ├─
	hidden int   // spans hidden below this one (max depth / min duration)
}

type foldRun struct {
	parent        int32 // the node whose children the run is
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
	id := termstr.Escape(tr.TraceIDText())
	// The root's names and the service list are the parts of the header
	// that grow with the data: they are cut to the width.
	room := max(3, tw.opt.Width-len("Trace ")-cells(id)-2)
	root := "?"
	if r := tr.Root(); r != dag.None {
		if s := tr.Nodes[r].Span; s != nil {
			svc, name := termstr.Escape(s.Service()), termstr.Escape(s.Name())
			sw, nw := cells(svc), cells(name)
			svcRoom := min(sw, max(room/3, room-1-nw))
			svc = truncEnd(svc, sw, svcRoom)
			name = truncMiddle(name, nw, max(1, room-1-cells(svc)))
			root = st.Service(svc) + " " + st.Bold(name)
		} else {
			root = st.Faint(missingSpan(tr.IDText(tr.Nodes[r].ID)))
		}
	}
	tw.printf("%s %s  %s\n", st.Bold("Trace"), id, root)
	if len(tr.Joined) > 0 {
		ids := make([]string, len(tr.Joined))
		for k := range tr.Joined {
			ids[k] = tr.JoinedIDText(k)
		}
		const lead = "joined by links: "
		list := termstr.Join(ids, ", ")
		tw.printf("%s\n", st.Faint(lead+truncEnd(list, cells(list), max(1, tw.opt.Width-len(lead)))))
	}
	if tr.Continued {
		tw.printf("%s\n", st.Faint(continuedNote))
	}
	services := tr.Services()
	head := dag.Plural(tr.SpanCount(), "span") + " · " + dag.Plural(len(services), "service") + " ("
	tail := ") · " + dag.FormatDuration(tr.Duration())
	list := termstr.Join(services, ", ")
	room = max(1, tw.opt.Width-cells(head)-cells(tail))
	tw.printf("%s\n", st.Faint(head+truncEnd(list, cells(list), room)+tail))
}

// continuedNote heads the late spans of a trace printed before
// (dag.Tree.Continued).
const continuedNote = "continued: spans that arrived after this trace was printed"

// plan sizes the guides: up to maxGuides levels are drawn in full; deeper
// lines keep the first keepGuides levels, then a depth marker.
func (tw *treeWriter) plan() {
	tw.maxGuides = max(2, tw.labelCap()/2/guideW)
	tw.keepGuides = max(1, tw.maxGuides/3)
}

// guideW is the width of one level of guides ("│  ", "├─ ").
const guideW = 3

// labelCap is the share of the line the guides are planned against: deep
// lines whose guides would take more than half of it show a depth marker.
func (tw *treeWriter) labelCap() int {
	return max(24, (tw.opt.Width-numbersW)*55/100)
}

// numbersW is the width of the offset and duration columns with their spaces.
const numbersW = 2 * numberW

// layout plans the visible lines (depth limits, hidden spans, folds) with an
// explicit stack, then sizes the columns.
func (tw *treeWriter) layout() {
	tr := tw.tr
	type frame struct {
		node  int32 // dag.None for a fold summary
		fold  int32
		depth int32
		last  bool
	}
	var stack []frame
	var kids []int32
	var items []frame
	for k := len(tr.Roots) - 1; k >= 0; k-- {
		if tw.visible(tr.Roots[k]) {
			stack = append(stack, frame{node: tr.Roots[k], last: true})
		}
	}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		line := treeLine{node: f.node, fold: f.fold, depth: f.depth, last: f.last}
		if f.node == dag.None {
			tw.lines = append(tw.lines, line)
			continue
		}
		n := &tr.Nodes[f.node]
		kids = kids[:0]
		for _, c := range tr.Children(f.node) {
			if tw.visible(c) {
				kids = append(kids, c)
			} else {
				line.hidden += tw.subtreeSize(c)
			}
		}
		if tw.opt.MaxDepth >= 0 && int(n.Depth) >= tw.opt.MaxDepth || isSet(tw.opt.Collapsed, f.node) {
			for _, c := range kids {
				line.hidden += tw.subtreeSize(c)
			}
			kids = kids[:0]
		}
		tw.lines = append(tw.lines, line)

		// Plan the children as frames, folding runs of alike siblings
		// into their first member plus one summary frame.
		items = items[:0]
		for i := 0; i < len(kids); {
			j := i + 1
			for tw.opt.Fold && !isSet(tw.opt.Unfolded, f.node) && j < len(kids) && tw.alike(kids[i], kids[j]) {
				j++
			}
			items = append(items, frame{node: kids[i]})
			if j-i >= foldMin {
				run := foldRun{parent: f.node}
				for _, k := range kids[i+1 : j] {
					run.add(tr.Nodes[k])
				}
				tw.folds = append(tw.folds, run)
				items = append(items, frame{node: dag.None, fold: int32(len(tw.folds) - 1)})
			} else {
				for _, k := range kids[i+1 : j] {
					items = append(items, frame{node: k})
				}
			}
			i = j
		}
		for k := len(items) - 1; k >= 0; k-- {
			items[k].depth = f.depth + 1
			items[k].last = k == len(items)-1
			stack = append(stack, items[k])
		}
	}

	tw.columns()
}

// Widths of the parts of a line besides the label: the offset and
// duration columns (with their leading space), the shortest bar worth
// drawing, and the caps on an extra field's column.
const (
	numberW    = 9
	barMin     = 10
	extraMax   = 32
	extraShort = 12
	extraMin   = 8
)

// columns sizes the label column and decides which columns are shown. The
// label column takes what the longest label needs (a name counts up to
// nameCap, a status message up to msgCap); on a narrow line things give
// way in this order: the bar shrinks to barMin, the offset column goes,
// the bar goes, names are cut to a readable length (and extra fields to
// extraShort), the duration column goes, names are cut to what every line
// must keep (guides, marks, the shortest names), and extra fields go.
func (tw *treeWriter) columns() {
	defer func() {
		tw.rest = tw.opt.Critical != nil || tw.offsets || tw.durations || len(tw.extraW) > 0 || tw.barW > 0
	}()
	limit := tw.opt.Width - 1 // the last cell stays free: no terminal wraps early
	nameCap := max(40, tw.opt.Width/2)
	natural, readable, essential := 0, 0, 0
	for _, l := range tw.lines {
		p := tw.parts(l)
		natural = max(natural, p.width(p.serviceW, min(p.nameW, nameCap), min(p.msgW, msgCap)))
		readable = max(readable, p.readable())
		essential = max(essential, p.essential())
	}
	tw.extraW = make([]int, len(tw.fields.Extra))
	for k, f := range tw.fields.Extra {
		w := 1
		for _, l := range tw.lines {
			if l.node != dag.None {
				w = max(w, cells(f.value(tw.tr, &tw.tr.Nodes[l.node])))
			}
		}
		tw.extraW[k] = min(w, extraMax)
	}
	capExtras := func(n int) {
		for k := range tw.extraW {
			tw.extraW[k] = min(tw.extraW[k], n)
		}
	}
	tw.offsets, tw.durations = tw.fields.Offset, tw.fields.Duration
	// others is the width of everything but the label and the bar.
	others := func() int {
		w := 0
		if tw.opt.Critical != nil {
			w += 2
		}
		if tw.offsets {
			w += numberW
		}
		if tw.durations {
			w += numberW
		}
		for _, e := range tw.extraW {
			w += 1 + e
		}
		return w
	}
	tw.labelW = natural
	bar := func() bool {
		if room := limit - tw.labelW - others() - 1; tw.fields.Bar && room >= barMin {
			tw.barW = room
			return true
		}
		return false
	}
	if bar() {
		return
	}
	if tw.offsets && tw.fields.Bar {
		tw.offsets = false
		if bar() {
			return
		}
	}
	if tw.opt.KeepBar && tw.fields.Bar {
		tw.labelW = max(essential, min(natural, limit-others()-1-max(barMin, tw.opt.Width/5)))
		if bar() {
			return
		}
		tw.labelW = natural
	}
	tw.barW = 0
	fit := func(floor int) bool {
		tw.labelW = max(floor, min(natural, limit-others()))
		return tw.labelW+others() <= limit
	}
	if fit(natural) {
		return
	}
	if tw.offsets { // without a bar, the offsets are still the first to go
		tw.offsets = false
		if fit(natural) {
			return
		}
	}
	capExtras(extraShort)
	if fit(readable) {
		return
	}
	tw.durations = false
	if fit(readable) {
		return
	}
	capExtras(extraMin)
	// Last, extra fields go, the last asked for first.
	for !fit(essential) && len(tw.extraW) > 0 {
		tw.extraW = tw.extraW[:len(tw.extraW)-1]
		tw.fields.Extra = tw.fields.Extra[:len(tw.extraW)]
	}
}

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
		stack = append(stack, tw.tr.Children(k)...)
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
	return na.Span.Name() == nb.Span.Name() && na.Span.Service() == nb.Span.Service() &&
		na.Span.Kind == nb.Span.Kind && na.NumChildren() == nb.NumChildren()
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
	if n.Span != nil && n.Span.Status().Code == dag.StatusError {
		r.errors++
	}
}

// labelParts is a line's label before fitting: escaped text and widths.
// The label reads guides, service, name, kind, queue wait, error mark and
// message, hidden count; of these only the service, the name and the
// message are ever cut.
type labelParts struct {
	guidesW int
	service string // "" for placeholders and folds
	name    string // span name, placeholder or fold summary
	kind    string // " [server]", or ""
	queued  string // " ⋯ queued 38.0ms", or ""
	// queuedShort is queued as it reads on a narrow line: " ⋯38.0ms".
	queuedShort string
	mark        string // " ✗", " 3 errors" (folds), or ""
	msg         string // status message, or ""
	hidden      string // " (+5 hidden)", or ""
	// hiddenShort is hidden as it reads when names would otherwise be cut:
	// " (+5)".
	hiddenShort string

	serviceW, nameW, msgW, fixedW int

	err, faintName bool
}

func (tw *treeWriter) parts(l treeLine) labelParts {
	p := labelParts{guidesW: tw.guidesWidth(l.depth)}
	if l.node == dag.None {
		r := tw.folds[l.fold]
		spread := dag.FormatDuration(r.min)
		if r.max != r.min {
			spread += "–" + dag.FormatDuration(r.max)
		}
		p.name = fmt.Sprintf("× %d more like this (%s each)", r.count, spread)
		p.faintName = true
		if r.errors > 0 {
			p.mark = " " + dag.Plural(r.errors, "error")
		}
	} else {
		n := &tw.tr.Nodes[l.node]
		if s := n.Span; s == nil {
			p.name, p.faintName = missingSpan(tw.tr.IDText(n.ID)), true
		} else {
			if tw.fields.Service {
				p.service = termstr.Escape(s.Service())
			}
			if tw.fields.Name {
				p.name = termstr.Escape(s.Name())
			}
			if tw.fields.Kind && s.Kind != dag.KindInternal && s.Kind != dag.KindUnspecified {
				p.kind = " [" + s.Kind.String() + "]"
			}
			if q := tw.queued(l.node); q > 0 {
				p.queued = " ⋯ queued " + dag.FormatDuration(q)
				p.queuedShort = " ⋯" + dag.FormatDuration(q)
			}
			if s.Status().Code == dag.StatusError {
				p.err = true
				p.mark = errorMark
				p.msg = termstr.Escape(s.Status().Message)
				if p.msg == "" {
					p.msg = "error"
				}
			}
		}
	}
	if l.hidden > 0 {
		p.hidden = " (+" + strconv.Itoa(l.hidden) + " hidden)"
		p.hiddenShort = " (+" + strconv.Itoa(l.hidden) + ")"
	}
	p.serviceW, p.nameW, p.msgW = cells(p.service), cells(p.name), cells(p.msg)
	p.fixedW = p.guidesW + len(p.kind) + len(p.hidden) + cells(p.queued) // kind and hidden are ASCII
	if p.mark == errorMark {
		p.fixedW += errorMarkW
	} else {
		p.fixedW += len(p.mark)
	}
	return p
}

// width is the label's width with the given widths of its flexible parts.
func (p *labelParts) width(service, name, msg int) int {
	w := p.fixedW + name
	if p.service != "" {
		w += service
		if p.name != "" {
			w++
		}
	}
	if msg > 0 {
		w += msg + 1
	}
	return w
}

// Widths names are cut to: readable ones, before the duration column
// gives way, and the shortest, after; msgCap is as much of a status
// message as the label column grows for.
const (
	readableService = 10
	readableName    = 16
	minService      = 3
	minName         = 5
	msgCap          = 32
)

// readable is the label's width with its names cut to a readable length
// and no status message.
func (p *labelParts) readable() int {
	w := p.width(min(p.serviceW, readableService), min(p.nameW, readableName), 0)
	return w - len(p.hidden) + len(p.hiddenShort)
}

func (p *labelParts) essential() int {
	w := p.width(min(p.serviceW, minService), min(p.nameW, minName), 0)
	return w - len(p.hidden) + len(p.hiddenShort) - cells(p.queued) + cells(p.queuedShort)
}

// fit returns the widths of service, name and message within room: the
// message gives way first, then the hidden count's wording (to its short
// form, which fit sets in p.hidden), then the name (to a readable length),
// then the service, then all of them to their minimum. Only when even
// the shortest names would not fit does the queue wait lose its word
// (" ⋯38.0ms", set in p.queued).
func (p *labelParts) fit(room int) (service, name, msg int) {
	service, name, msg = p.serviceW, p.nameW, p.msgW
	if p.width(service, p.nameW, min(msg, 12)) > room && p.hidden != "" {
		p.fixedW -= len(p.hidden) - len(p.hiddenShort)
		p.hidden = p.hiddenShort
	}
	if p.width(min(service, minService), min(p.nameW, minName), 0) > room && p.queued != "" {
		p.fixedW -= cells(p.queued) - cells(p.queuedShort)
		p.queued = p.queuedShort
	}
	steps := [...]struct {
		part  *int
		floor int
	}{{&msg, 12}, {&name, readableName}, {&service, readableService}, {&msg, 0}, {&name, minName}, {&service, minService}}
	for _, s := range steps {
		excess := p.width(service, name, msg) - room
		if excess <= 0 {
			break
		}
		if *s.part > s.floor {
			*s.part -= min(excess, *s.part-s.floor)
		}
	}
	return service, name, msg
}

// errorMark marks a span with error status; it is never cut.
const (
	errorMark  = " ✗"
	errorMarkW = 2
)

// guidesWidth is the width of a line's guides.
func (tw *treeWriter) guidesWidth(depth int32) int {
	d := int(depth)
	if d <= tw.maxGuides {
		return guideW * d
	}
	return guideW*tw.keepGuides + depthMarkerW + decimalDigits(d) + guideW
}

// depthMarkerW is the width of the depth marker ("┆ (depth 1234) "), which
// stands for the guides of the levels a deep line leaves out, without its
// digits.
const depthMarkerW = len("| (depth ) ")

func decimalDigits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// label writes a line's label, fitted to the label column, with guides
// from cont (cont[k]: the ancestor at depth k has siblings below it).
func (tw *treeWriter) label(l treeLine, cont []bool) {
	st, b := tw.st, tw.w
	p := tw.parts(l)

	g := tw.guides[:0]
	d := int(l.depth)
	levels := d - 1
	if d > tw.maxGuides {
		levels = tw.keepGuides
	}
	for k := 1; k <= levels; k++ {
		g = appendGuide(g, cont[k])
	}
	if d > tw.maxGuides {
		g = append(g, "┆ (depth "...)
		g = strconv.AppendInt(g, int64(d), 10)
		g = append(g, ") "...)
	}
	if d > 0 {
		if l.last {
			g = append(g, "└─ "...)
		} else {
			g = append(g, "├─ "...)
		}
	}
	tw.guides = g
	switch {
	case len(g) == 0:
	case st.color:
		b.WriteString(st.Faint(string(g)))
	default:
		b.Write(g)
	}

	service, name, msg := p.fit(tw.labelW)
	used := p.guidesW
	if p.service != "" {
		s := truncEnd(p.service, p.serviceW, service)
		used += cells(s)
		b.WriteString(st.Service(s))
		if p.name != "" {
			b.WriteByte(' ')
			used++
		}
	}
	nameText := truncMiddle(p.name, p.nameW, name)
	used += cells(nameText)
	switch {
	case p.err:
		b.WriteString(st.Error(nameText))
	case p.faintName:
		b.WriteString(st.Faint(nameText))
	default:
		b.WriteString(nameText)
	}
	if p.kind != "" {
		b.WriteString(st.Faint(p.kind))
		used += cells(p.kind)
	}
	if p.queued != "" {
		b.WriteString(st.Faint(p.queued))
		used += cells(p.queued)
	}
	if p.mark != "" {
		text := p.mark
		if msg > 0 {
			text += " " + truncEnd(p.msg, p.msgW, msg)
		}
		used += cells(text)
		b.WriteString(st.Error(text))
	}
	if p.hidden != "" {
		b.WriteString(st.Faint(p.hidden))
		used += cells(p.hidden)
	}
	if tw.rest {
		spaces(b, tw.labelW-used)
	}
}

// spaces writes n spaces (none when n ≤ 0).
func spaces(w *bufio.Writer, n int) {
	const blank = "                                "
	for n > 0 {
		k := min(n, len(blank))
		w.WriteString(blank[:k])
		n -= k
	}
}

// column writes s right-aligned in a column of width cells, after a space.
func column(w *bufio.Writer, s string, width int) {
	spaces(w, 1+width-cells(s))
	w.WriteString(s)
}

func (tw *treeWriter) body() { tw.bodyLines(0, len(tw.lines)) }

// bodyLines draws lines [from, to). The guides of a line follow from the
// lines before it, so those are walked (not drawn) first.
func (tw *treeWriter) bodyLines(from, to int) {
	cont := make([]bool, tw.maxGuides+1)
	w := tw.w
	for k, l := range tw.lines[:to] {
		if d := int(l.depth); d < len(cont) {
			cont[d] = !l.last
		}
		if k < from {
			continue
		}
		tw.label(l, cont)
		var offset, dur, bar string
		if l.node == dag.None {
			f := tw.folds[l.fold]
			offset, dur = dag.FormatOffset(dag.Sub(f.start, tw.tr.Start)), "Σ "+dag.FormatDuration(f.sum)
			bar = tw.bar(f.start, f.end, "─", tw.st.Faint)
		} else {
			n := &tw.tr.Nodes[l.node]
			offset, dur = dag.FormatOffset(dag.Sub(n.Start, tw.tr.Start)), dag.FormatDuration(n.Duration())
			bar = tw.nodeBar(l.node)
		}
		if tw.opt.Critical != nil {
			// The marker has its own column so fitting a long label
			// never hides it.
			if l.node >= 0 && tw.opt.Critical[l.node] {
				w.WriteString(" " + tw.st.Bold("◆"))
			} else {
				w.WriteString("  ")
			}
		}
		if tw.offsets {
			column(w, offset, numberW-1)
		}
		if tw.durations {
			column(w, dur, numberW-1)
		}
		tw.extras(l, bar != "")
		if bar != "" {
			w.WriteByte(' ')
			w.WriteString(bar)
		}
		w.WriteByte('\n')
		if tw.opt.Details > 0 && l.node != dag.None {
			tw.writeDetails(l.node, tw.detailPrefix(k, cont))
		}
	}
}

// extras writes a line's extra fields (--fields span_id, span.KEY…), each
// in its column; without a bar after them, nothing trails the last value.
func (tw *treeWriter) extras(l treeLine, more bool) {
	if len(tw.fields.Extra) == 0 {
		return
	}
	texts := make([]string, len(tw.fields.Extra))
	last := -1
	if l.node != dag.None {
		for k, f := range tw.fields.Extra {
			texts[k] = f.value(tw.tr, &tw.tr.Nodes[l.node])
			if texts[k] != "" {
				last = k
			}
		}
	}
	if more {
		last = len(texts) - 1
	}
	for k, text := range texts[:last+1] {
		text = truncEnd(text, cells(text), tw.extraW[k])
		tw.w.WriteByte(' ')
		tw.w.WriteString(tw.st.Faint(text))
		if k < last || more {
			spaces(tw.w, tw.extraW[k]-cells(text))
		}
	}
}

// detailPrefix is the guides of the lines under line k that belong to its
// span (its details): the ancestors' and its own continuing guides, and
// the bar down to its first child when it has one.
func (tw *treeWriter) detailPrefix(k int, cont []bool) string {
	l := tw.lines[k]
	d := int(l.depth)
	g := make([]byte, 0, guideW*4*(min(d, tw.maxGuides)+2))
	levels := d - 1
	if d > tw.maxGuides {
		levels = tw.keepGuides
	}
	for lv := 1; lv <= levels; lv++ {
		g = appendGuide(g, cont[lv])
	}
	if d > tw.maxGuides {
		g = append(g, "┆"...)
		g = append(g, strings.Repeat(" ", depthMarkerW+decimalDigits(d)-1)...)
	}
	if d > 0 {
		g = appendGuide(g, !l.last)
	}
	return string(appendGuide(g, k+1 < len(tw.lines) && tw.lines[k+1].depth == l.depth+1))
}

// appendGuide appends one level of guides: a line down, or blank.
func appendGuide(g []byte, down bool) []byte {
	if down {
		return append(g, "│  "...)
	}
	return append(g, "   "...)
}

// nodeBar draws a node's bar: its service's colour, red for errors, dashed
// for a placeholder, light for spans off the critical path.
func (tw *treeWriter) nodeBar(i int32) string {
	n := &tw.tr.Nodes[i]
	glyph, style := "█", tw.st.Faint
	switch {
	case n.Span == nil:
		glyph = "┄"
	case n.Span.Status().Code == dag.StatusError:
		style = tw.st.Error
	default:
		style = tw.serviceStyle(n.Span.Service())
	}
	if tw.opt.Critical != nil && n.Span != nil && !tw.opt.Critical[i] {
		glyph = "░"
	}
	b := tw.bar(n.Start, n.End, glyph, style)
	if q := tw.queued(i); q > 0 {
		// The wait leads up to the span's start: a faint dotted run in
		// the blank cells before its bar (bar pads with plain spaces).
		wait := tw.bar(n.Start-min(uint64(q), n.Start), n.Start, "┈", tw.st.Faint)
		if pad := len(b) - len(strings.TrimLeft(b, " ")); pad > 0 {
			lead := len(wait) - len(strings.TrimLeft(wait, " "))
			if lead < pad {
				b = wait[:lead] + tw.st.Faint(strings.Repeat("┈", pad-lead)) + b[pad:]
			}
		}
	}
	return b
}

// queued returns node i's queue wait on the critical path (0 without one).
func (tw *treeWriter) queued(i int32) int64 {
	if tw.opt.Queued == nil {
		return 0
	}
	return tw.opt.Queued[i]
}

// bar draws [start,end] on the trace's timeline, at least one cell wide;
// "" when there is no room for bars. The cell arithmetic is done in 128
// bits so a trace lasting centuries cannot overflow it.
func (tw *treeWriter) bar(start, end uint64, glyph string, style func(string) string) string {
	if tw.barW <= 0 {
		return ""
	}
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
		return plain
	}
	style := tw.st.r.NewStyle().Foreground(ServiceColor(service))
	return func(s string) string { return style.Render(s) }
}

func plain(s string) string { return s }
