package view

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/query"
	"github.com/tracectl/tracectl/internal/render"
)

// entry is one trace of the list.
type entry struct {
	tree *dag.Tree
	sum  dag.Summary
	seq  int // arrival order: ties in every sort fall back to it
	// text is what filtering as you type looks in, lower case: the trace
	// id, the services and the span names (the first maxNames distinct).
	text string
	// spans are the spans received so far (live input only): the trace is
	// rebuilt from them as more arrive.
	spans []*dag.Span
	// receiving is set while the live session holds the trace open (spans
	// may still come): the list marks it ●.
	receiving bool
}

// maxNames bounds the span names an entry's filter text holds.
const maxNames = 200

func newEntry(tr *dag.Tree, seq int) *entry {
	e := &entry{seq: seq}
	e.set(tr)
	return e
}

// set (re)computes what the list shows of a trace.
func (e *entry) set(tr *dag.Tree) {
	e.tree, e.sum = tr, dag.Summarize(tr)
	var b strings.Builder
	b.WriteString(tr.TraceIDText())
	for _, s := range e.sum.Services {
		b.WriteByte(' ')
		b.WriteString(s)
	}
	seen := map[string]bool{}
	for i := range tr.Nodes {
		if s := tr.Nodes[i].Span; s != nil && !seen[s.Name()] && len(seen) < maxNames {
			seen[s.Name()] = true
			b.WriteByte(' ')
			b.WriteString(s.Name())
		}
	}
	e.text = strings.ToLower(b.String())
}

// sortKey is a column the list can be sorted by.
type sortKey int

const (
	byStart sortKey = iota
	byDuration
	bySpans
	byErrors
	byRoot
	sortKeys
)

var sortNames = [sortKeys]string{"start", "duration", "spans", "errors", "root"}

func (k sortKey) String() string { return sortNames[k] }

func compareEntries(a, b *entry, by sortKey) int {
	var c int
	switch by {
	case byDuration:
		c = cmp.Compare(a.sum.Duration(), b.sum.Duration())
	case bySpans:
		c = cmp.Compare(a.sum.Spans, b.sum.Spans)
	case byErrors:
		c = cmp.Compare(a.sum.Errors, b.sum.Errors)
	case byRoot:
		c = cmp.Or(cmp.Compare(a.sum.RootService, b.sum.RootService), cmp.Compare(a.sum.RootName, b.sum.RootName))
	}
	return cmp.Or(c, cmp.Compare(a.sum.Start, b.sum.Start), cmp.Compare(a.seq, b.seq))
}

// traceList is the list of traces: every entry, and the ones shown
// (filtered, sorted) with a cursor.
type traceList struct {
	all   []*entry
	shown []*entry
	by    sortKey
	desc  bool

	filter  string       // what was typed after `/`
	query   *query.Query // the filter, when it is a TraceQL expression
	cursor  int
	top     int // first row on screen
	spans   int // spans in all
	errored int // traces with an error
}

// matches reports whether e passes the filter.
func (l *traceList) matches(e *entry) bool {
	switch {
	case l.query != nil:
		return l.query.Match(e.tree)
	case l.filter == "":
		return true
	}
	return strings.Contains(e.text, strings.ToLower(l.filter))
}

// setFilter filters by text, or by a TraceQL expression when it starts
// with `{`; an expression that does not parse (yet: it is being typed)
// leaves the list as it was and returns the error.
func (l *traceList) setFilter(text string) error {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "{") {
		q, err := query.Parse(text)
		if err != nil {
			return err
		}
		l.filter, l.query = text, q
	} else {
		l.filter, l.query = text, nil
	}
	l.refresh()
	return nil
}

// refresh recomputes the shown entries, keeping the cursor on the trace it
// was on when that is still shown.
func (l *traceList) refresh() {
	var cur *entry
	if l.cursor < len(l.shown) {
		cur = l.shown[l.cursor]
	}
	l.shown = l.shown[:0]
	l.spans, l.errored = 0, 0
	for _, e := range l.all {
		l.spans += e.sum.Spans
		if e.sum.Errors > 0 {
			l.errored++
		}
		if l.matches(e) {
			l.shown = append(l.shown, e)
		}
	}
	slices.SortStableFunc(l.shown, func(a, b *entry) int {
		c := compareEntries(a, b, l.by)
		if l.desc {
			return -c
		}
		return c
	})
	l.cursor = 0
	if cur != nil {
		if k := slices.Index(l.shown, cur); k >= 0 {
			l.cursor = k
		}
	}
}

// resort sorts again after the order changed and puts the cursor on the
// first row: sorting asks "which come first?".
func (l *traceList) resort() {
	l.refresh()
	l.cursor, l.top = 0, 0
}

func (l *traceList) move(delta, height int) {
	l.cursor = clamp(l.cursor+delta, 0, len(l.shown)-1)
	l.scroll(height)
}

// scroll keeps the cursor on screen.
func (l *traceList) scroll(height int) {
	l.top = scrollTo(l.top, l.cursor, height, len(l.shown))
}

// selected is the entry under the cursor, or nil.
func (l *traceList) selected() *entry {
	if l.cursor < len(l.shown) {
		return l.shown[l.cursor]
	}
	return nil
}

// Column widths of the list (cells), without the root column, which takes
// the rest.
const (
	gutterW   = 2
	spansW    = 6
	errorsW   = 6
	durationW = 9
	dateW     = 23 // render.Timestamp: 2006-01-02 15:04:05.000
	timeW     = 12 // its time of day
)

// header is the column header line, marking the sort column.
func (l *traceList) header(st *render.Styles, width int) string {
	mark := "▲"
	if l.desc {
		mark = "▼"
	}
	name := func(k sortKey, s string) string {
		if k == l.by {
			return s + mark
		}
		return s
	}
	startW, rootW := l.columns(width)
	line := strings.Repeat(" ", gutterW) + pad(name(byRoot, "ROOT"), rootW) +
		lpad(name(bySpans, "SPANS"), spansW+1) + lpad(name(byErrors, "ERRORS"), errorsW+1) +
		lpad(name(byDuration, "DURATION"), durationW+1) + " " + pad(name(byStart, "START"), startW)
	return st.Bold(ansi.Truncate(line, width, ""))
}

// columns sizes the start and root columns for a width: the date goes
// before the root column gets narrower than 20 cells.
func (l *traceList) columns(width int) (startW, rootW int) {
	fixed := gutterW + spansW + 1 + errorsW + 1 + durationW + 1 + 1
	startW = dateW
	if width-fixed-startW < 20 {
		startW = timeW
	}
	return startW, max(8, width-fixed-startW)
}

// row draws one entry; the selected one is reverse video (with colour) and
// carries the cursor.
func (l *traceList) row(st, plain *render.Styles, e *entry, selected bool, width int) string {
	startW, rootW := l.columns(width)
	s := st
	if selected {
		s = plain
	}
	root := rootLabel(s, &e.sum, rootW)
	errs := strconv.Itoa(e.sum.Errors)
	errsCell := strings.Repeat(" ", errorsW+1-len(errs)) + errs
	if e.sum.Errors > 0 {
		errsCell = strings.Repeat(" ", errorsW+1-len(errs)) + s.Error(errs)
	}
	start := render.Timestamp(e.sum.Start)
	if startW == timeW {
		start = start[len(start)-timeW:]
	}
	cursor := "  "
	if selected {
		cursor = "▸ "
	}
	if e.receiving {
		cursor = cursor[:len(cursor)-1] + "●"
	}
	line := cursor + root + lpad(strconv.Itoa(e.sum.Spans), spansW+1) + errsCell +
		lpad(dag.FormatDuration(e.sum.Duration()), durationW+1) + " " + start
	line = ansi.Truncate(line, width, "")
	if selected {
		line = st.Selected(pad(line, width))
	}
	return line
}

// rootLabel is a trace's root as `tracectl ls` names it, cut to w cells
// and padded to w.
func rootLabel(st *render.Styles, s *dag.Summary, w int) string {
	return pad(ansi.Truncate(render.RootLabel(st, s), w, "…"), w)
}

// pad fills s (plain or styled) with spaces to w cells.
func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

// lpad right-aligns s in w cells.
func lpad(s string, w int) string {
	return strings.Repeat(" ", max(0, w-ansi.StringWidth(s))) + s
}

func clamp(v, lo, hi int) int {
	if hi < lo {
		return lo
	}
	return min(max(v, lo), hi)
}

// scrollTo returns the first line to show so that line cur is on a screen
// of height lines out of n, moving top as little as possible.
func scrollTo(top, cur, height, n int) int {
	if height <= 0 {
		return 0
	}
	if cur < top {
		top = cur
	}
	if cur >= top+height {
		top = cur - height + 1
	}
	return clamp(top, 0, max(0, n-height))
}
