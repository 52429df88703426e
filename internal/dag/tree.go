package dag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
)

// None is the Parent of a root node.
const None int32 = -1

// Node is one span in a Tree, or a placeholder standing for a parent that
// is absent from the input (Span == nil).
//
// Fields are ordered so a Node is 64 bytes, one cache line: analyses sweep
// Tree.Nodes and are bound by memory traffic.
type Node struct {
	Span *Span  // nil for a placeholder
	ID   SpanID // the span's id, or the absent parent's id
	// Start and End are the span's times; for a placeholder, the extent of
	// its children, so it sorts and draws where the missing span would be.
	Start, End uint64
	Parent     int32 // index into Tree.Nodes, or None
	Depth      int32 // 0 for roots
	// The node's children are Tree.kids[kids:kids+nKids] (Tree.Children).
	kids, nKids int32
}

// NumChildren returns the number of the node's children.
func (n *Node) NumChildren() int { return int(n.nKids) }

// Children returns the children of node i, as indexes into Nodes, by start
// time then span id. The slice is the tree's: callers must not change it.
func (tr *Tree) Children(i int32) []int32 {
	n := &tr.Nodes[i]
	return tr.kids[n.kids : n.kids+n.nKids : n.kids+n.nKids]
}

// Missing reports whether the node is a placeholder for an absent span.
func (n *Node) Missing() bool { return n.Span == nil }

// Duration returns End-Start in nanoseconds.
func (n *Node) Duration() int64 { return Sub(n.End, n.Start) }

// Tree is one trace's span tree. Nodes holds each distinct span once
// (exact duplicates are dropped; a second, different span with the same id
// is reported and dropped) and a placeholder per absent parent, laid out in
// pre-order: every parent before its children, each root's subtree one
// contiguous run. So the traversals every analysis makes sweep memory
// forwards instead of jumping around it.
type Tree struct {
	TraceID TraceID
	Nodes   []Node
	kids    []int32 // every node's children, node by node (see Children)
	// Roots are the nodes without a parent: spans without parent_span_id,
	// placeholders for absent parents, and spans where a parent cycle was
	// broken; by start time.
	Roots []int32
	// Findings are the structural problems met while building: invalid
	// ids, duplicate span ids, missing parents, parent cycles, multiple roots.
	Findings []Finding
	// Duplicates counts exact duplicate spans that were dropped.
	Duplicates int
	// Conflicts are the spans dropped because an earlier, different span
	// had their id (reported as duplicate_span_id), in input order: not in
	// the tree, but read, and scanned by check --pii.
	Conflicts []*Span
	// Start and End span every span of the trace.
	Start, End uint64
	// Continued marks the late spans of a trace already output (tracectl
	// --stream): spans that arrived after it was printed.
	Continued bool
	// Joined lists the traces Join merged into this one, as asynchronous
	// children of the spans their roots link to; empty for a plain trace.
	Joined []TraceID
	// laidOut is set while Nodes are in pre-order (as Build lays them
	// out), so PreOrder is 0, 1, 2, … and needs no array of its own.
	laidOut bool
	// x holds what few trees need, out of line: a Tree is allocated per
	// trace, and these fields made it half as big again.
	x *treeRare
	// The raw text of the derived span ids of invalid ids (see RawIDs),
	// escaped for display; nil when every span id is valid.
	rawSpanIDs map[SpanID]string
}

// treeRare is the part of a Tree that few trees need.
type treeRare struct {
	// joinedText is JoinedIDText's answer: Joined as output shows it.
	joinedText []string
	preorder   []int32 // PreOrder's answer once siblings moved
	async      []int32 // AsyncChildren's answer, set by layOut
	// The raw text of an invalid trace id, escaped for display.
	rawTrace   string
	badTraceID bool
}

// more returns tr.x, allocating it on first use.
func (tr *Tree) more() *treeRare {
	if tr.x == nil {
		tr.x = &treeRare{}
	}
	return tr.x
}

// rawTraceID returns the raw text of an invalid trace id ("" when valid).
func (tr *Tree) rawTraceID() string {
	if tr.x == nil {
		return ""
	}
	return tr.x.rawTrace
}

// noteRaw records the raw text of a span's invalid ids for IDText.
func (tr *Tree) noteRaw(s *Span, r *RawIDs) {
	if r.TraceID != "" && (tr.x == nil || !tr.x.badTraceID) {
		tr.more().rawTrace, tr.more().badTraceID = displayID(r.TraceID), true
	}
	for _, x := range [...]struct {
		f   IDFields
		id  SpanID
		raw string
	}{{FieldSpanID, s.SpanID, r.SpanID}, {FieldParentSpanID, s.ParentSpanID, r.ParentSpanID}} {
		if r.Invalid&x.f != 0 && x.raw != "" {
			if tr.rawSpanIDs == nil {
				tr.rawSpanIDs = make(map[SpanID]string)
			}
			tr.rawSpanIDs[x.id] = displayID(x.raw)
		}
	}
}

// TraceIDText returns the trace id as output shows it: lowercase hex, or
// the input's raw text when it is invalid (DESIGN §2).
func (tr *Tree) TraceIDText() string {
	if tr.x != nil && tr.x.badTraceID {
		return tr.x.rawTrace
	}
	return tr.TraceID.String()
}

// JoinedIDText returns Joined[k] as output shows it (TraceIDText of the
// joined trace: its raw text when invalid).
func (tr *Tree) JoinedIDText(k int) string {
	if tr.x != nil && k < len(tr.x.joinedText) {
		return tr.x.joinedText[k]
	}
	return tr.Joined[k].String()
}

// IDText returns a span id of the trace (a node's ID, a parent id) as
// output shows it: lowercase hex, or the input's raw text when it is
// invalid.
func (tr *Tree) IDText(id SpanID) string {
	if raw, ok := tr.RawIDText(id); ok {
		return raw
	}
	return id.String()
}

// RawIDText returns the input's raw text of a span id of the trace that is
// invalid (what IDText shows for it), and false for a valid id, whose text
// is its hex digits: for a renderer that writes ids without making
// strings of them.
func (tr *Tree) RawIDText(id SpanID) (string, bool) {
	raw, ok := tr.rawSpanIDs[id]
	return raw, ok
}

// Duration returns End-Start, the trace's extent in nanoseconds.
func (tr *Tree) Duration() int64 { return Sub(tr.End, tr.Start) }

func (tr *Tree) addFinding(span SpanID, rule Rule, msg string) {
	tr.Findings = append(tr.Findings, newFinding(tr, span, rule, msg))
}

// compare orders nodes as siblings are ordered.
func (tr *Tree) compare(a, b int32) int {
	na, nb := &tr.Nodes[a], &tr.Nodes[b]
	return siblingOrder(na.Start, na.ID, nb.Start, nb.ID)
}

// siblingOrder orders spans by start time, then span id.
func siblingOrder(aStart uint64, aID SpanID, bStart uint64, bID SpanID) int {
	if c := cmp.Compare(aStart, bStart); c != 0 {
		return c
	}
	return slices.Compare(aID[:], bID[:])
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
		names[j] = fmt.Sprintf("%s %q", tr.IDText(tr.Nodes[r].ID), tr.Nodes[r].Span.Name())
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
	if tr.laidOut {
		return identity(len(tr.Nodes))
	}
	x := tr.more()
	if x.preorder == nil {
		x.preorder = tr.preOrder()
	}
	return x.preorder
}

// identities is 0, 1, 2, …, shared by every laid-out tree's PreOrder and
// grown to the largest asked for.
var identities atomic.Pointer[[]int32]

// identity returns 0, 1, …, n-1, capped at n.
func identity(n int) []int32 {
	p := identities.Load()
	if p != nil && len(*p) >= n {
		return (*p)[:n:n]
	}
	m := 1024
	if p != nil {
		m = 2 * len(*p)
	}
	s := make([]int32, max(n, m))
	for i := range s {
		s[i] = int32(i)
	}
	identities.Store(&s) // a race stores an equal array: either will do
	return s[:n:n]
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
		ch := tr.Children(i)
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
	var few [8]string // out while it fits: one exact copy is returned
	out := few[:0]
	var seen map[string]bool // past a few services; below, out is searched
	last := ""
	for _, i := range tr.PreOrder() {
		s := tr.Nodes[i].Span
		if s == nil {
			continue
		}
		svc := s.Service()
		switch {
		case svc == last:
			continue
		case seen != nil:
			if seen[svc] {
				continue
			}
			seen[svc] = true
		case slices.Contains(out, svc):
			continue
		case len(out) == 8:
			seen = make(map[string]bool, 16)
			for _, o := range out {
				seen[o] = true
			}
			seen[svc] = true
		}
		last = svc
		out = append(out, svc)
	}
	if len(out) == 0 {
		return nil
	}
	return slices.Clone(out)
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
