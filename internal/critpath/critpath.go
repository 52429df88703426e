package critpath

import (
	"slices"

	"github.com/tracectl/tracectl/internal/dag"
)

// Segment is a stretch of a root's interval owned by one node on the
// critical path: [Start, End] in unix nanoseconds, End > Start.
type Segment struct {
	Node       int32 // index into Tree.Nodes
	Start, End int64
}

// Duration returns End-Start.
func (s Segment) Duration() int64 { return s.End - s.Start }

// Path is the critical path of one root.
type Path struct {
	Root int32 // index into Tree.Nodes (a span or a placeholder)
	// Start and End are the root's interval; End-Start is the time the
	// segments tile.
	Start, End int64
	// Segments are in time order and tile [Start, End] exactly: each starts
	// where the previous one ended. Adjacent segments of the same node are
	// merged, and zero-length ones are left out.
	Segments []Segment
	// Nodes lists every node under Root (Root first), depth first in the
	// order dag.Tree.PreOrder gives, including nodes the walk dropped.
	Nodes []int32
}

// Duration returns the root's duration, End-Start.
func (p *Path) Duration() int64 { return p.End - p.Start }

// Analysis is the critical-path analysis of one trace. The per-node slices
// are indexed like Tree.Nodes.
type Analysis struct {
	Tree *dag.Tree
	// Paths holds one Path per entry of Tree.Roots, in that order.
	Paths []Path
	// Start and End are each node's interval as the walk saw it: clipped to
	// its parent's (for a re-timed analysis, the re-timed interval).
	// Meaningless where Dropped is set.
	Start, End []int64
	// Dropped marks nodes that lie wholly outside their parent's (clipped)
	// interval, or under such a node; the walk ignores them.
	Dropped []bool
	order   []int32 // pre-order of every node; Paths[i].Nodes are runs of it
	// Critical is the time each node owns on its root's critical path.
	Critical []int64
	// Self is each node's self time: its duration minus the length of the
	// union of its children's intervals clipped to it (DESIGN.md §4). For
	// the original trace it uses the spans' own times, not the clipped
	// ones, so it describes the span whether or not the walk kept it.
	Self []int64
}

// Duration returns the sum of the root durations: the trace's critical-path
// time, which the Critical values add up to. For the usual trace with one
// root it is that root's duration.
func (a *Analysis) Duration() int64 {
	var d int64
	for i := range a.Paths {
		d += a.Paths[i].Duration()
	}
	return d
}

// OnPath reports, per node (indexed like Tree.Nodes), whether it owns any
// time on its root's critical path. It is what `tree --critical` marks.
func (a *Analysis) OnPath() []bool {
	on := make([]bool, len(a.Critical))
	for i, c := range a.Critical {
		on[i] = c > 0
	}
	return on
}

// Analyze computes the critical path of every root of tr, and every node's
// critical and self time. It runs in O(n log n) time and O(n) memory
// without recursion, so a 1,000,000-deep chain is fine.
//
// The walk is Jaeger UI's: first every child is clipped to its parent's
// interval (already clipped, top-down), and a child that lies wholly
// outside it — it ends before the parent starts or starts after the parent
// ends — is dropped with its subtree. Clipping comes first because the walk
// hands time from a span to its children and back: time a child spends
// outside its parent cannot have delayed the parent, and without clipping
// the segments would not tile the root. Then, from the root with cut =
// root.end: among the span's children that end at or before cut, take the
// one that ends last (ties: the later start, then the smaller span id); the
// span owns [child.end, cut]; walk into the child with cut = child.end, then
// continue in the span with cut = child.start. When no child is left, the
// span owns [span.start, cut] and the walk returns to its parent.
//
// Jaeger UI rescans every child at every step (quadratic on wide spans).
// Here each span's children are sorted once by end, descending, in the tie
// order above; because cut only decreases while the walk is in a span, the
// next child to take is always at or after a cursor into that list, and a
// child passed over because it ends after cut can never be taken later. So
// the walk itself is linear and sorting dominates.
func Analyze(tr *dag.Tree) *Analysis {
	n := len(tr.Nodes)
	times := make([]int64, 4*n) // one allocation for the four per-node slices
	a := &Analysis{
		Tree:     tr,
		Start:    times[0*n : 1*n : 1*n],
		End:      times[1*n : 2*n : 2*n],
		Critical: times[2*n : 3*n : 3*n],
		Self:     times[3*n : 4*n : 4*n],
		Dropped:  make([]bool, n),
		order:    make([]int32, 0, n),
	}
	w := newWalker(a)
	// One depth-first pass, parents before children, does everything that
	// needs a node's children: record the pre-order, clip the children to
	// the node (top-down, so the node is already clipped), compute the
	// node's self time from the raw times, and list its kept children in
	// walk order.
	nodes := tr.Nodes
	stack := make([]int32, 0, 64)
	for _, r := range slices.Backward(tr.Roots) {
		stack = append(stack, r)
		a.Start[r], a.End[r] = nodes[r].Start, max(nodes[r].Start, nodes[r].End)
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		a.order = append(a.order, i)
		nd := &nodes[i]
		s, e, dropped := a.Start[i], a.End[i], a.Dropped[i]
		rs, re := nd.Start, max(nd.Start, nd.End)
		var covered int64
		runS, runE := rs, rs // the current run of overlapping children
		for _, c := range nd.Children {
			cn := &nodes[c]
			cs, ce := cn.Start, max(cn.Start, cn.End)
			if dropped || ce < s || cs > e {
				a.Dropped[c] = true
			} else {
				a.Start[c], a.End[c] = max(cs, s), min(ce, e)
			}
			// Self time: children come by start time, so are their
			// starts clipped to the span, and one pass finds the union.
			cs, ce = max(cs, rs), min(ce, re)
			if ce <= cs {
				continue
			}
			if cs > runE {
				covered += runE - runS
				runS, runE = cs, ce
			} else {
				runE = max(runE, ce)
			}
		}
		covered += runE - runS
		a.Self[i] = (re - rs) - covered
		if !dropped {
			w.addKids(i)
		}
		for _, c := range slices.Backward(nd.Children) {
			stack = append(stack, c)
		}
	}
	a.setPaths(a.order)
	w.walk()
	return a
}

// setPaths cuts the pre-order into one run of nodes per root: PreOrder
// lists each root's subtree contiguously, roots in Tree.Roots order.
func (a *Analysis) setPaths(order []int32) {
	tr := a.Tree
	a.Paths = make([]Path, len(tr.Roots))
	k := 0
	for r := range tr.Roots {
		end := k + 1
		for end < len(order) && tr.Nodes[order[end]].Parent != dag.None {
			end++
		}
		root := order[k]
		a.Paths[r] = Path{Root: root, Start: a.Start[root], End: a.End[root], Nodes: order[k:end:end]}
		k = end
	}
}

// walker runs the critical-path walk over an Analysis whose Start, End and
// Dropped are set.
type walker struct {
	a *Analysis
	// The kept children of node i, in walk order (latest end first), are
	// kids[span[2i]:span[2i+1]].
	kids []int32
	span []int32
}

func newWalker(a *Analysis) *walker {
	return &walker{a: a, kids: make([]int32, 0, len(a.Tree.Nodes)), span: make([]int32, 2*len(a.Tree.Nodes))}
}

// endsAfter orders the walk's candidates: x before y when x ends later, or
// ends at the same time and starts later, or both tie and x has the
// smaller span id.
func (a *Analysis) endsAfter(x, y int32) bool {
	if a.End[x] != a.End[y] {
		return a.End[x] > a.End[y]
	}
	if a.Start[x] != a.Start[y] {
		return a.Start[x] > a.Start[y]
	}
	nx, ny := &a.Tree.Nodes[x].ID, &a.Tree.Nodes[y].ID
	return slices.Compare(nx[:], ny[:]) < 0
}

// addKids lists node i's kept children in walk order.
func (w *walker) addKids(i int32) {
	a := w.a
	from := len(w.kids)
	// Children come by start time; reversed, they are already in walk
	// order whenever they run one after another (the common case), so the
	// insertion sort below is linear there.
	for _, c := range slices.Backward(a.Tree.Nodes[i].Children) {
		if !a.Dropped[c] {
			w.kids = append(w.kids, c)
		}
	}
	w.span[2*i], w.span[2*i+1] = int32(from), int32(len(w.kids))
	list := w.kids[from:]
	if len(list) > 32 {
		slices.SortFunc(list, func(x, y int32) int {
			switch {
			case a.endsAfter(x, y):
				return -1
			case a.endsAfter(y, x):
				return 1
			}
			return 0
		})
		return
	}
	for j := 1; j < len(list); j++ {
		for m := j; m > 0 && a.endsAfter(list[m], list[m-1]); m-- {
			list[m], list[m-1] = list[m-1], list[m]
		}
	}
}

// walk fills Critical and every Path's Segments. addKids must have been
// called for every kept node.
func (w *walker) walk() {
	a := w.a
	kids, span := w.kids, w.span
	var stack []int32
	// Every path's segments share one buffer, sized for the worst case
	// (each kept node owns at most one stretch before its first child and
	// one after each child, and merging only shrinks that) so the walk
	// never grows a slice.
	buf := make([]Segment, 0, 2*len(a.Tree.Nodes)+len(a.Paths))
	for r := range a.Paths {
		p := &a.Paths[r]
		segs := buf[len(buf):]
		own := func(node int32, from, to int64) {
			if to <= from {
				return
			}
			a.Critical[node] += to - from
			// Segments are found latest first: merge with the previous
			// one when the same node owned the stretch just after.
			if k := len(segs) - 1; k >= 0 && segs[k].Node == node && segs[k].Start == to {
				segs[k].Start = from
				return
			}
			segs = append(segs, Segment{Node: node, Start: from, End: to})
		}
		cur, cut := p.Root, p.End
		stack = stack[:0]
		for {
			// span[2*cur] is the walk's cursor into cur's children: a child
			// passed over ends after cut, and cut only decreases.
			k, lim := span[2*cur], span[2*cur+1]
			for k < lim && a.End[kids[k]] > cut {
				k++
			}
			if k < lim {
				c := kids[k]
				span[2*cur] = k + 1
				own(cur, a.End[c], cut)
				stack = append(stack, cur)
				cur, cut = c, a.End[c]
				continue
			}
			span[2*cur] = k
			own(cur, a.Start[cur], cut)
			if len(stack) == 0 {
				break
			}
			cut = a.Start[cur]
			cur = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		}
		slices.Reverse(segs)
		if len(segs) > 0 {
			p.Segments = segs[:len(segs):len(segs)]
		}
		buf = buf[:len(buf)+len(segs)]
	}
}

// selfTimes sets self[i] for every node not in skip: the length of its
// interval not covered by any of its children's (that are not in skip),
// clipped to it. Children are in start order (dag sorts them so, and
// clipping and re-timing keep that order), so one pass per node finds the
// union.
func selfTimes(tr *dag.Tree, self []int64, skip []bool, interval func(int32) (int64, int64)) {
	for i := range tr.Nodes {
		if skip != nil && skip[i] {
			continue
		}
		s, e := interval(int32(i))
		var covered int64
		runS, runE := s, s // current run of overlapping children
		for _, c := range tr.Nodes[i].Children {
			if skip != nil && skip[c] {
				continue
			}
			cs, ce := interval(c)
			cs, ce = max(cs, s), min(ce, e)
			if ce <= cs {
				continue
			}
			if cs > runE {
				covered += runE - runS
				runS, runE = cs, ce
			} else {
				runE = max(runE, ce)
			}
		}
		covered += runE - runS
		self[i] = (e - s) - covered
	}
}
