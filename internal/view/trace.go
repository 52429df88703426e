package view

import (
	"strings"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/query"
	"github.com/tracectl/tracectl/internal/render"
)

// traceView is one open trace: its waterfall (laid out by render, as
// `tracectl tree` draws it), the cursor, the folded subtrees and the
// search. State that must survive a rebuild of the tree (live input adds
// spans; node indexes change) is kept by span id.
type traceView struct {
	e        *entry
	an       *critpath.Analysis
	async    critpath.Async
	critical bool

	collapsed map[dag.SpanID]bool
	unfolded  map[dag.SpanID]bool

	wf     *render.Waterfall
	header []string // the trace's header lines, drawn once per layout
	width  int
	lineOf []int32 // node → line, or -1 when not on screen (folded away)
	cur    int     // line of the cursor
	top    int     // first line on screen

	search  string  // the search in effect ("" none)
	matches []int32 // nodes it matches, in pre-order
}

func newTraceView(e *entry, async critpath.Async, critical bool, width int) *traceView {
	tv := &traceView{e: e, async: async, critical: critical,
		collapsed: map[dag.SpanID]bool{}, unfolded: map[dag.SpanID]bool{}}
	tv.analyse()
	tv.layout(width)
	return tv
}

func (tv *traceView) tree() *dag.Tree { return tv.e.tree }

// analyse runs the critical-path analysis of the entry's tree.
func (tv *traceView) analyse() {
	z := critpath.Analyzer{Async: tv.async}
	tv.an = z.Analyze(tv.tree())
}

// layout lays the waterfall out again (after a fold, a resize, new spans),
// keeping the cursor on the node it was on.
func (tv *traceView) layout(width int) {
	tr := tv.tree()
	keep := dag.None
	if tv.wf != nil && tv.cur < tv.wf.Len() {
		keep, _ = tv.wf.Line(tv.cur)
	}
	tv.width = width
	opt := render.TreeOptions{Width: width, MaxDepth: -1, Fold: true, KeepBar: true}
	if tv.critical {
		opt.Critical = tv.an.OnPath()
		if tv.an.Async == critpath.AsyncFollow {
			opt.Queued = tv.an.Queue
		}
	}
	if len(tv.collapsed) > 0 || len(tv.unfolded) > 0 {
		opt.Collapsed = make([]bool, len(tr.Nodes))
		opt.Unfolded = make([]bool, len(tr.Nodes))
		for i := range tr.Nodes {
			id := tr.Nodes[i].ID
			opt.Collapsed[i], opt.Unfolded[i] = tv.collapsed[id], tv.unfolded[id]
		}
	}
	tv.wf = render.NewWaterfall(tr, opt)
	tv.header = nil
	if len(tv.lineOf) != len(tr.Nodes) {
		tv.lineOf = make([]int32, len(tr.Nodes))
	}
	for i := range tv.lineOf {
		tv.lineOf[i] = -1
	}
	for k := 0; k < tv.wf.Len(); k++ {
		if n, _ := tv.wf.Line(k); n != dag.None {
			tv.lineOf[n] = int32(k)
		}
	}
	if keep != dag.None {
		tv.cur = max(0, int(tv.lineOf[keep]))
	}
	tv.cur = clamp(tv.cur, 0, tv.wf.Len()-1)
}

// rebuild follows the entry to a new tree (live input: more spans came;
// node indexes change), keeping the cursor on the same span, the folds
// and the search. old is the tree the view was laid out for.
func (tv *traceView) rebuild(old *dag.Tree) {
	var keep dag.SpanID
	n := tv.node()
	if n != dag.None {
		keep = old.Nodes[n].ID
	}
	tv.analyse()
	tv.wf = nil
	tv.layout(tv.width)
	if n != dag.None {
		tr := tv.tree()
		for i := range tr.Nodes {
			if tr.Nodes[i].ID == keep && tv.lineOf[i] >= 0 {
				tv.cur = int(tv.lineOf[i])
				break
			}
		}
	}
	if tv.search != "" {
		tv.find(tv.search)
	}
}

// node is the node under the cursor (dag.None on a fold summary line).
func (tv *traceView) node() int32 {
	if tv.wf.Len() == 0 {
		return dag.None
	}
	n, _ := tv.wf.Line(tv.cur)
	return n
}

func (tv *traceView) move(delta, height int) {
	tv.cur = clamp(tv.cur+delta, 0, tv.wf.Len()-1)
	tv.top = scrollTo(tv.top, tv.cur, height, tv.wf.Len())
}

// goTo puts the cursor on node i, unfolding what hides it.
func (tv *traceView) goTo(i int32, height int) {
	tr := tv.tree()
	if tv.lineOf[i] < 0 {
		for p := tr.Nodes[i].Parent; p != dag.None; p = tr.Nodes[p].Parent {
			delete(tv.collapsed, tr.Nodes[p].ID)
		}
		tv.layout(tv.width)
		if tv.lineOf[i] < 0 { // in a folded run of alike siblings
			if p := tr.Nodes[i].Parent; p != dag.None {
				tv.unfolded[tr.Nodes[p].ID] = true
			}
			tv.layout(tv.width)
		}
	}
	if k := tv.lineOf[i]; k >= 0 {
		tv.cur = int(k)
	}
	// A target off the screen comes into view a third of the way down,
	// with the lines that lead to it above.
	if tv.cur < tv.top || tv.cur >= tv.top+height {
		tv.top = tv.cur - height/3
	}
	tv.top = scrollTo(tv.top, tv.cur, height, tv.wf.Len())
}

// toggle folds or unfolds the subtree under the cursor; on a fold summary
// line it shows the alike siblings one by one.
func (tv *traceView) toggle() {
	n, parent := tv.wf.Line(tv.cur)
	tr := tv.tree()
	switch {
	case n == dag.None:
		tv.unfolded[tr.Nodes[parent].ID] = true
	case len(tr.Children(n)) > 0:
		id := tr.Nodes[n].ID
		tv.collapsed[id] = !tv.collapsed[id]
		if !tv.collapsed[id] {
			delete(tv.collapsed, id)
		}
	default:
		return
	}
	tv.layout(tv.width)
}

// collapse folds the subtree under the cursor, or, when there is nothing
// to fold, moves to the parent.
func (tv *traceView) collapse(height int) {
	n, parent := tv.wf.Line(tv.cur)
	tr := tv.tree()
	if n != dag.None && len(tr.Children(n)) > 0 && !tv.collapsed[tr.Nodes[n].ID] {
		tv.collapsed[tr.Nodes[n].ID] = true
		tv.layout(tv.width)
		return
	}
	if n != dag.None {
		parent = tr.Nodes[n].Parent
	}
	if parent != dag.None {
		tv.goTo(parent, height)
	}
}

// expand unfolds the subtree under the cursor, or, when it is open, moves
// to its first child.
func (tv *traceView) expand(height int) {
	n, _ := tv.wf.Line(tv.cur)
	if n == dag.None {
		tv.toggle()
		return
	}
	tr := tv.tree()
	if tv.collapsed[tr.Nodes[n].ID] {
		delete(tv.collapsed, tr.Nodes[n].ID)
		tv.layout(tv.width)
		return
	}
	if kids := tr.Children(n); len(kids) > 0 {
		tv.goTo(kids[0], height)
	}
}

// expandAll shows every span; collapseAll folds every subtree below the
// roots.
func (tv *traceView) expandAll() {
	clear(tv.collapsed)
	for i := range tv.tree().Nodes {
		tv.unfolded[tv.tree().Nodes[i].ID] = true
	}
	tv.layout(tv.width)
}

func (tv *traceView) collapseAll() {
	tr := tv.tree()
	for _, r := range tr.Roots {
		for _, c := range tr.Children(r) {
			if len(tr.Children(c)) > 0 {
				tv.collapsed[tr.Nodes[c].ID] = true
			}
		}
	}
	tv.layout(tv.width)
}

// setCritical turns the critical-path marks on or off.
func (tv *traceView) setCritical(on bool) {
	tv.critical = on
	tv.layout(tv.width)
}

// find sets the search: a TraceQL expression when it starts with `{`,
// else a case-insensitive text looked for in span names and services.
func (tv *traceView) find(text string) error {
	text = strings.TrimSpace(text)
	tr := tv.tree()
	tv.search, tv.matches = text, nil
	if text == "" {
		return nil
	}
	if strings.HasPrefix(text, "{") {
		q, err := query.Parse(text)
		if err != nil {
			tv.search = ""
			return err
		}
		tv.matches = q.Eval(tr).Spans
		return nil
	}
	needle := strings.ToLower(text)
	for _, i := range tr.PreOrder() {
		s := tr.Nodes[i].Span
		if s != nil && (strings.Contains(strings.ToLower(s.Name()), needle) || strings.Contains(strings.ToLower(s.Service()), needle)) {
			tv.matches = append(tv.matches, i)
		}
	}
	return nil
}

// matchAt returns the position among matches of the next (dir 1) or
// previous (dir -1) match from the cursor, not counting the cursor's own
// node when skipSelf is set; -1 when nothing matches.
func (tv *traceView) matchAt(dir int, skipSelf bool) int {
	if len(tv.matches) == 0 {
		return -1
	}
	pre := tv.preIndex()
	cur := tv.node()
	at := -1
	if cur != dag.None {
		at = pre[cur]
	} else if tv.cur > 0 { // a fold line: just after the line before it
		prev, _ := tv.wf.Line(tv.cur - 1)
		at = pre[prev]
	}
	n := len(tv.matches)
	if dir > 0 {
		for k, m := range tv.matches {
			if pre[m] > at || pre[m] == at && !skipSelf {
				return k
			}
		}
		return 0 // wrap around
	}
	for k := n - 1; k >= 0; k-- {
		if m := tv.matches[k]; pre[m] < at || pre[m] == at && !skipSelf {
			return k
		}
	}
	return n - 1
}

// preIndex maps each node to its position in pre-order.
func (tv *traceView) preIndex() []int {
	tr := tv.tree()
	pre := make([]int, len(tr.Nodes))
	for k, i := range tr.PreOrder() {
		pre[i] = k
	}
	return pre
}

// nextError moves to the next (dir 1) or previous (dir -1) span with error
// status, in pre-order, wrapping around; false when there is none.
func (tv *traceView) nextError(dir, height int) bool {
	tr := tv.tree()
	order := tr.PreOrder()
	pre := tv.preIndex()
	at := -1
	if n := tv.node(); n != dag.None {
		at = pre[n]
	}
	for step := 1; step <= len(order); step++ {
		k := ((at+dir*step)%len(order) + len(order)) % len(order)
		if s := tr.Nodes[order[k]].Span; s != nil && s.Status().Code == dag.StatusError {
			tv.goTo(order[k], height)
			return true
		}
	}
	return false
}
