package dag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// None is the Parent of a root node.
const None int32 = -1

// Node is one span in a Tree, or a placeholder standing for a parent that
// is absent from the input (Span == nil).
//
// Fields are ordered so a Node is 64 bytes, one cache line: analyses sweep
// Tree.Nodes and are bound by memory traffic.
type Node struct {
	Span     *Span   // nil for a placeholder
	ID       SpanID  // the span's id, or the absent parent's id
	Children []int32 // indexes into Tree.Nodes, by start time then span id
	// Start and End are the span's times; for a placeholder, the extent of
	// its children, so it sorts and draws where the missing span would be.
	Start, End int64
	Parent     int32 // index into Tree.Nodes, or None
	Depth      int32 // 0 for roots
}

// Missing reports whether the node is a placeholder for an absent span.
func (n *Node) Missing() bool { return n.Span == nil }

// Tree is one trace's span tree. Nodes holds each distinct span once
// (exact duplicates are dropped; a second, different span with the same id
// is reported and dropped) and a placeholder per absent parent, laid out in
// pre-order: every parent before its children, each root's subtree one
// contiguous run. So the traversals every analysis makes sweep memory
// forwards instead of jumping around it.
type Tree struct {
	TraceID TraceID
	Nodes   []Node
	// Roots are the nodes without a parent: spans without parent_span_id,
	// placeholders for absent parents, and spans where a parent cycle was
	// broken; by start time.
	Roots []int32
	// Findings are the structural problems met while building: invalid
	// ids, duplicate span ids, missing parents, parent cycles, multiple roots.
	Findings []Finding
	// Duplicates counts exact duplicate spans that were dropped.
	Duplicates int
	// Start and End span every span of the trace.
	Start, End int64

	preorder []int32 // PreOrder's answer, computed once
}

// Build rebuilds the span tree of one trace. It never fails: every
// structural problem becomes a Finding and the shape survives. It runs in
// O(n log n) and uses no recursion.
func Build(t *Trace) *Tree {
	tr := &Tree{TraceID: t.ID, Nodes: make([]Node, 0, len(t.Spans))}
	if t.ID.IsZero() && len(t.Spans) > 0 {
		tr.addFinding(t.Spans[0].SpanID, RuleInvalidTraceID, fmt.Sprintf("trace id is all zeros (%d spans)", len(t.Spans)))
	}
	byID := make(map[SpanID]int32, len(t.Spans))
	for _, s := range t.Spans {
		if s.SpanID.IsZero() {
			tr.addFinding(s.SpanID, RuleInvalidSpanID, fmt.Sprintf("span %q has an all-zero span id", s.Name))
		} else if k, dup := byID[s.SpanID]; dup {
			if tr.Nodes[k].Span.SameContent(s) {
				tr.Duplicates++
			} else {
				tr.addFinding(s.SpanID, RuleDuplicateSpanID, fmt.Sprintf("span id used by two different spans (%q and %q); keeping the first", tr.Nodes[k].Span.Name, s.Name))
			}
			continue
		} else {
			byID[s.SpanID] = int32(len(tr.Nodes))
		}
		tr.Nodes = append(tr.Nodes, Node{Span: s, ID: s.SpanID, Parent: None, Start: s.Start, End: s.End})
	}
	if len(tr.Nodes) > 0 {
		tr.Start, tr.End = tr.Nodes[0].Start, tr.Nodes[0].End
	}
	for i := range tr.Nodes {
		tr.Start, tr.End = min(tr.Start, tr.Nodes[i].Start), max(tr.End, tr.Nodes[i].End)
	}

	tr.linkParents(byID)
	tr.breakCycles()
	tr.linkChildren()
	tr.layOut()
	tr.reportRoots()
	return tr
}

func (tr *Tree) addFinding(span SpanID, rule Rule, msg string) {
	tr.Findings = append(tr.Findings, newFinding(tr.TraceID, span, rule, msg))
}

// linkParents sets Parent for every span, adding one placeholder per absent
// parent id so orphans keep their shape.
func (tr *Tree) linkParents(byID map[SpanID]int32) {
	var missing map[SpanID]int32
	n := len(tr.Nodes)
	for i := 0; i < n; i++ {
		s := tr.Nodes[i].Span
		if s.ParentSpanID.IsZero() {
			continue
		}
		if p, ok := byID[s.ParentSpanID]; ok {
			tr.Nodes[i].Parent = p
			continue
		}
		if missing == nil {
			missing = make(map[SpanID]int32)
		}
		p, ok := missing[s.ParentSpanID]
		if !ok {
			p = int32(len(tr.Nodes))
			missing[s.ParentSpanID] = p
			tr.Nodes = append(tr.Nodes, Node{ID: s.ParentSpanID, Parent: None, Start: s.Start, End: s.End})
		}
		ph := &tr.Nodes[p]
		ph.Start, ph.End = min(ph.Start, s.Start), max(ph.End, s.End)
		tr.Nodes[i].Parent = p
		tr.addFinding(s.SpanID, RuleMissingParent, fmt.Sprintf("parent span %s of %q is not in the input", s.ParentSpanID, s.Name))
	}
}

// breakCycles finds parent chains that loop (A→B→A, or a span that is its
// own parent) and breaks each loop at its earliest-starting span, which
// becomes a root. Parent pointers form a functional graph, so a walk up
// from every node, marking the nodes of the current walk, finds each cycle
// once in O(n).
func (tr *Tree) breakCycles() {
	const (
		unseen = 0
		done   = -1
	)
	mark := make([]int32, len(tr.Nodes)) // unseen, done, or walk number
	var path []int32
	for start := range tr.Nodes {
		if mark[start] != unseen {
			continue
		}
		walk := int32(start + 1)
		path = path[:0]
		i := int32(start)
		for i != None && mark[i] == unseen {
			mark[i] = walk
			path = append(path, i)
			i = tr.Nodes[i].Parent
		}
		if i != None && mark[i] == walk {
			// The cycle is path from i's position to the end.
			k := slices.Index(path, i)
			cycle := path[k:]
			cut := cycle[0]
			for _, c := range cycle[1:] {
				if tr.less(c, cut) {
					cut = c
				}
			}
			names := make([]string, len(cycle))
			for j, c := range cycle {
				names[j] = tr.Nodes[c].ID.String()
			}
			s := tr.Nodes[cut].Span
			tr.addFinding(s.SpanID, RuleParentCycle, fmt.Sprintf("parent chain loops (%s); broken at %q, shown as a root", strings.Join(names, " → "), s.Name))
			tr.Nodes[cut].Parent = None
		}
		for _, p := range path {
			mark[p] = done
		}
	}
}

// less orders nodes by start time, then span id.
func (tr *Tree) less(a, b int32) bool { return tr.compare(a, b) < 0 }

func (tr *Tree) compare(a, b int32) int {
	na, nb := &tr.Nodes[a], &tr.Nodes[b]
	if c := cmp.Compare(na.Start, nb.Start); c != 0 {
		return c
	}
	return slices.Compare(na.ID[:], nb.ID[:])
}

// linkChildren fills Children (all slices share one backing array) and Roots.
func (tr *Tree) linkChildren() {
	counts := make([]int32, len(tr.Nodes))
	for i := range tr.Nodes {
		if p := tr.Nodes[i].Parent; p != None {
			counts[p]++
		}
	}
	backing := make([]int32, 0, len(tr.Nodes))
	for i := range tr.Nodes {
		if counts[i] > 0 {
			off := len(backing)
			backing = backing[:off+int(counts[i])]
			tr.Nodes[i].Children = backing[off : off : off+int(counts[i])]
		}
	}
	for i := range tr.Nodes {
		if p := tr.Nodes[i].Parent; p != None {
			tr.Nodes[p].Children = append(tr.Nodes[p].Children, int32(i))
		} else {
			tr.Roots = append(tr.Roots, int32(i))
		}
	}
	for i := range tr.Nodes {
		if len(tr.Nodes[i].Children) > 1 {
			slices.SortFunc(tr.Nodes[i].Children, tr.compare)
		}
	}
	slices.SortFunc(tr.Roots, tr.compare)
}

// layOut renumbers the nodes in pre-order and sets their depths. Node
// indexes from before are invalid afterwards; only linkChildren's sorting
// of siblings decides the order. The depth-first walk is the one pass that
// jumps around memory: it copies each node as it meets it, and a forward
// pass over the copies then renumbers parents and children.
func (tr *Tree) layOut() {
	old := tr.Nodes
	nodes := make([]Node, 0, len(old))
	pos := make([]int32, len(old)) // old index → new
	stack := make([]int32, 0, 64)
	for _, r := range slices.Backward(tr.Roots) {
		stack = append(stack, r)
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		pos[i] = int32(len(nodes))
		nodes = append(nodes, old[i])
		for _, c := range slices.Backward(old[i].Children) {
			stack = append(stack, c)
		}
	}
	backing := make([]int32, 0, len(nodes))
	order := make([]int32, len(nodes))
	for k := range nodes {
		order[k] = int32(k)
		n := &nodes[k]
		if n.Parent != None {
			n.Parent = pos[n.Parent]
			n.Depth = nodes[n.Parent].Depth + 1
		}
		if len(n.Children) > 0 {
			off := len(backing)
			for _, c := range n.Children {
				backing = append(backing, pos[c])
			}
			n.Children = backing[off:len(backing):len(backing)]
		}
	}
	for j, r := range tr.Roots {
		tr.Roots[j] = pos[r]
	}
	tr.Nodes = nodes
	tr.preorder = order
}

func (tr *Tree) reportRoots() {
	var roots []int32
	for _, r := range tr.Roots {
		if n := &tr.Nodes[r]; n.Span != nil && n.Span.ParentSpanID.IsZero() {
			roots = append(roots, r)
		}
	}
	if len(roots) < 2 {
		return
	}
	names := make([]string, len(roots))
	for j, r := range roots {
		names[j] = fmt.Sprintf("%s %q", tr.Nodes[r].ID, tr.Nodes[r].Span.Name)
	}
	tr.addFinding(tr.Nodes[roots[1]].ID, RuleMultipleRoots, fmt.Sprintf("%d root spans: %s", len(roots), strings.Join(names, ", ")))
}

// PreOrder returns every node index, depth first, roots and children in
// order — the order a tree is printed in, and one where every parent comes
// before its children. Each root's subtree is one contiguous run. Build
// lays Nodes out in this order, so it is 0, 1, 2, … until AdjustSkew
// reorders siblings. It is computed once and shared: callers must not
// modify it.
func (tr *Tree) PreOrder() []int32 {
	if tr.preorder == nil || len(tr.preorder) != len(tr.Nodes) {
		tr.preorder = tr.preOrder()
	}
	return tr.preorder
}

// preOrder walks the tree with an explicit stack.
func (tr *Tree) preOrder() []int32 {
	order := make([]int32, 0, len(tr.Nodes))
	stack := make([]int32, 0, 64)
	for r := len(tr.Roots) - 1; r >= 0; r-- {
		stack = append(stack, tr.Roots[r])
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		order = append(order, i)
		ch := tr.Nodes[i].Children
		for c := len(ch) - 1; c >= 0; c-- {
			stack = append(stack, ch[c])
		}
	}
	return order
}

// SpanCount returns the number of real (non-placeholder) nodes.
func (tr *Tree) SpanCount() int {
	n := 0
	for i := range tr.Nodes {
		if tr.Nodes[i].Span != nil {
			n++
		}
	}
	return n
}

// Services returns the distinct service names of the trace, in order of
// first appearance in PreOrder.
func (tr *Tree) Services() []string {
	var out []string
	seen := map[string]bool{}
	for _, i := range tr.PreOrder() {
		if s := tr.Nodes[i].Span; s != nil && !seen[s.Service()] {
			seen[s.Service()] = true
			out = append(out, s.Service())
		}
	}
	return out
}

// Root returns the trace's main root: the earliest real root span without a
// parent id, else the earliest root of any kind. It returns None for an
// empty tree.
func (tr *Tree) Root() int32 {
	for _, r := range tr.Roots {
		if s := tr.Nodes[r].Span; s != nil && s.ParentSpanID.IsZero() {
			return r
		}
	}
	if len(tr.Roots) > 0 {
		return tr.Roots[0]
	}
	return None
}
