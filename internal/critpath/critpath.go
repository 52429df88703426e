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
// Here, when the walk first enters a span, the span's kept children are
// listed once, latest end first in the tie order above (children come by
// start time, so reversed they are already in that order whenever they run
// one after another, and the sort is then a linear check); because cut only
// decreases while the walk is in a span, the next child to take is always
// at or after a cursor into that list, and a child passed over because it
// ends after cut can never be taken later. So the walk itself is linear,
// and sorting the children of overlapping spans dominates.
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
		order:    tr.PreOrder(),
	}
	a.clip()
	a.setPaths(a.order)
	a.walk()
	return a
}

// clip sets Start, End, Dropped and Self in one pass over the pre-order
// (dag lays the nodes out in it, so the pass sweeps memory forwards). It
// keeps the current depth-first path on a stack: a node's parent is on it,
// with the parent's raw and clipped intervals and the running union of the
// children seen so far, so the pass reads each node once and never goes
// back to one. A node's self time is known when it leaves the path.
func (a *Analysis) clip() {
	type frame struct {
		node    int32
		dropped bool
		rs, re  int64 // raw interval, re ≥ rs
		cs, ce  int64 // clipped interval
		runE    int64 // end of the union of children so far (from rs)
		covered int64 // its length
	}
	nodes := a.Tree.Nodes
	stack := make([]frame, 0, 64)
	leave := func() {
		f := &stack[len(stack)-1]
		a.Self[f.node] = (f.re - f.rs) - f.covered
		stack = stack[:len(stack)-1]
	}
	for _, i := range a.order {
		nd := &nodes[i]
		rs, re := nd.Start, max(nd.Start, nd.End)
		for len(stack) > 0 && stack[len(stack)-1].node != nd.Parent {
			leave()
		}
		x := frame{node: i, rs: rs, re: re, cs: rs, ce: re, runE: rs}
		if len(stack) > 0 {
			p := &stack[len(stack)-1]
			if p.dropped || re < p.cs || rs > p.ce {
				x.dropped = true
				a.Dropped[i] = true
			} else {
				x.cs, x.ce = max(rs, p.cs), min(re, p.ce)
			}
			// Self time uses the raw times: children come by start time,
			// so do their starts clipped to the parent, and the union
			// grows at its end.
			cs, ce := max(rs, p.rs), min(re, p.re)
			switch {
			case ce <= cs:
			case cs >= p.runE:
				p.covered += ce - cs
				p.runE = ce
			case ce > p.runE:
				p.covered += ce - p.runE
				p.runE = ce
			}
		}
		a.Start[i], a.End[i] = x.cs, x.ce
		stack = append(stack, x)
	}
	for len(stack) > 0 {
		leave()
	}
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

// sortKids puts a span's kept children in walk order, latest end first.
func (a *Analysis) sortKids(list []int32) {
	sorted := true
	for j := 1; j < len(list) && sorted; j++ {
		sorted = !a.endsAfter(list[j], list[j-1])
	}
	if sorted {
		return
	}
	slices.SortFunc(list, func(x, y int32) int {
		switch {
		case a.endsAfter(x, y):
			return -1
		case a.endsAfter(y, x):
			return 1
		}
		return 0
	})
}

// walk fills Critical and every Path's Segments; Start, End and Dropped
// must be set. The current path of the walk is a stack of spans, each with
// its cut and its cursor into its kept children, which live on one shared
// stack of lists.
func (a *Analysis) walk() {
	type frame struct {
		node             int32
		from, next, stop int32 // the span's children are kids[from:stop], untaken from next
		cut              int64
	}
	var (
		kids  []int32
		stack []frame
		buf   []Segment // every path's segments, one after another
	)
	enter := func(node int32, cut int64) {
		from := len(kids)
		for _, c := range slices.Backward(a.Tree.Nodes[node].Children) {
			if !a.Dropped[c] {
				kids = append(kids, c)
			}
		}
		a.sortKids(kids[from:])
		stack = append(stack, frame{node: node, from: int32(from), next: int32(from), stop: int32(len(kids)), cut: cut})
	}
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
		enter(p.Root, p.End)
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			for f.next < f.stop && a.End[kids[f.next]] > f.cut {
				f.next++
			}
			if f.next < f.stop {
				c := kids[f.next]
				f.next++
				own(f.node, a.End[c], f.cut)
				f.cut = a.Start[c]
				enter(c, a.End[c])
				continue
			}
			own(f.node, a.Start[f.node], f.cut)
			kids = kids[:f.from]
			stack = stack[:len(stack)-1]
		}
		slices.Reverse(segs)
		if len(segs) > 0 {
			p.Segments = segs[:len(segs):len(segs)]
		}
		buf = segs[len(segs):]
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
