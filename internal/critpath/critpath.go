package critpath

import (
	"fmt"
	"slices"

	"github.com/tracectl/tracectl/internal/dag"
)

// Async says how the walk treats asynchronous edges (dag.AsyncEdge,
// dag.Tree.AsyncChild): edges whose parent did not wait for the child.
type Async uint8

// Asynchronous modes (DESIGN.md §4 "Asynchronous edges").
const (
	// AsyncPrune (the default, as Jaeger UI) removes an asynchronous child
	// and its subtree from its parent's critical path: they are Dropped,
	// with no critical time and their own self time.
	AsyncPrune Async = iota
	// AsyncFollow treats the trace as one workflow: every span's interval
	// is first extended to the latest end in its subtree, the walk runs on
	// the extended intervals, and what an extended span owns beyond its
	// real end is queue time of the child the walk went into next (the
	// asynchronous child that waited).
	AsyncFollow
)

// ParseAsync accepts "prune" and "follow".
func ParseAsync(s string) (Async, error) {
	switch s {
	case "prune":
		return AsyncPrune, nil
	case "follow":
		return AsyncFollow, nil
	}
	return 0, fmt.Errorf("unknown mode %q (want prune or follow)", s)
}

// String returns the name ParseAsync accepts.
func (m Async) String() string {
	if m == AsyncFollow {
		return "follow"
	}
	return "prune"
}

// Segment is a stretch of a root's interval owned by one node on the
// critical path: [Start, End] in unix nanoseconds, End > Start.
type Segment struct {
	Start, End uint64
	Node       int32 // index into Tree.Nodes
	// Queue marks a queue wait (AsyncFollow only): Node is the child that
	// waited, between the end of the span it hangs under (or of that
	// span's earlier work) and its own start. (Last, so a Segment stays
	// 24 bytes.)
	Queue bool
}

// Duration returns End-Start.
func (s Segment) Duration() int64 { return dag.Sub(s.End, s.Start) }

// Path is the critical path of one root.
type Path struct {
	Root int32 // index into Tree.Nodes (a span or a placeholder)
	// Start and End are the root's interval; End-Start is the time the
	// segments tile.
	Start, End uint64
	// Segments are in time order and tile [Start, End] exactly: each starts
	// where the previous one ended. Adjacent segments of the same node (and
	// both queue waits or both not) are merged, and zero-length ones are
	// left out.
	Segments []Segment
	// Nodes lists every node under Root (Root first), depth first in the
	// order dag.Tree.PreOrder gives, including nodes the walk dropped.
	Nodes []int32
}

// Duration returns the root's duration, End-Start.
func (p *Path) Duration() int64 { return dag.Sub(p.End, p.Start) }

// Analysis is the critical-path analysis of one trace. The per-node slices
// are indexed like Tree.Nodes.
type Analysis struct {
	Tree *dag.Tree
	// Async is the mode the walk ran in.
	Async Async
	// Paths holds one Path per entry of Tree.Roots, in that order.
	Paths []Path
	// Start and End are each node's interval as the walk saw it: clipped to
	// its parent's (for a re-timed analysis, the re-timed interval; with
	// AsyncFollow, the extended interval). Meaningless where Dropped is set.
	Start, End []uint64
	// Dropped marks nodes that lie wholly outside their parent's (clipped)
	// interval, asynchronous children with AsyncPrune, and nodes under
	// either; the walk ignores them.
	Dropped []bool
	// Critical is the time each node owns on its root's critical path.
	Critical []int64
	// Queue is the time each node waited as an asynchronous child on its
	// root's critical path (AsyncFollow; all zero with AsyncPrune). Critical
	// and Queue together add up to the root's duration. Nil with
	// AsyncPrune, where there are no queue waits.
	Queue []int64
	// Self is each node's self time: its duration minus the length of the
	// union of its children's intervals clipped to it (DESIGN.md §4). For
	// the original trace it uses the spans' own times, not the clipped
	// ones, so it describes the span whether or not the walk kept it.
	Self []int64
}

// Duration returns the sum of the root durations: the trace's critical-path
// time, which the Critical and Queue values add up to. For the usual trace with one
// root it is that root's duration.
func (a *Analysis) Duration() int64 {
	var d int64
	for i := range a.Paths {
		d += a.Paths[i].Duration()
	}
	return d
}

// OnPath reports, per node (indexed like Tree.Nodes), whether it owns any
// time on its root's critical path, its own or a queue wait. It is what
// `tree --critical` marks.
func (a *Analysis) OnPath() []bool {
	on := make([]bool, len(a.Critical))
	for i, c := range a.Critical {
		on[i] = c > 0 || a.Queue != nil && a.Queue[i] > 0
	}
	return on
}

// Analyze computes the critical path of every root of tr, and every node's
// critical and self time, pruning asynchronous children (AsyncPrune). It
// runs in O(n log n) time and O(n) memory without recursion, so a
// 1,000,000-deep chain is fine.
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
//
// Asynchronous children (AsyncPrune) are dropped before the walk, as Jaeger
// UI does. With AsyncFollow (an Analyzer's Async) every interval is first
// extended to the latest end in its subtree — a parent that handed work
// off "lasts" until that work is done — and the same clip and walk run on
// the extended intervals. A span then owns time beyond its real end only
// before the start of a later child that it did not wait for: that stretch
// is the child's queue wait, a Queue segment counted in the child's Queue.
// Without asynchronous edges and overhanging children the two modes agree.
func Analyze(tr *dag.Tree) *Analysis {
	var z Analyzer
	return z.Analyze(tr)
}

// Analyzer analyses one trace after another reusing its memory, for the
// commands that fold every trace into a summary and drop its analysis:
// the Analysis its Analyze returns is valid only until the next call. The
// zero Analyzer is ready to use (with AsyncPrune); it is not safe for
// concurrent use.
type Analyzer struct {
	// Async is how the walk treats asynchronous edges.
	Async Async

	a       Analysis
	times   []uint64
	durs    []int64
	queue   []int64
	dropped []bool
	paths   []Path
	segs    []Segment
	ends    []int
	sc      scratch
}

// newAnalysis returns an Analysis of tr whose Start and End are the two halves of
// times and whose Critical and Self are the two halves of durs, each half
// capped so that an append cannot run into the next.
func newAnalysis(tr *dag.Tree, times []uint64, durs []int64) Analysis {
	n := len(tr.Nodes)
	return Analysis{
		Tree:     tr,
		Start:    times[0*n : 1*n : 1*n],
		End:      times[1*n : 2*n : 2*n],
		Critical: durs[0*n : 1*n : 1*n],
		Self:     durs[1*n : 2*n : 2*n],
	}
}

// Analyze is like the package's Analyze, except that the result is
// overwritten by the next call.
func (z *Analyzer) Analyze(tr *dag.Tree) *Analysis {
	n := len(tr.Nodes)
	if cap(z.times) < 2*n {
		// One allocation each for the per-node times and durations.
		z.times, z.durs = make([]uint64, 2*n), make([]int64, 2*n)
		z.dropped = make([]bool, n)
	}
	var queue []int64 // AsyncFollow only: prune spares the memory traffic
	if z.Async == AsyncFollow {
		if cap(z.queue) < n {
			z.queue = make([]int64, n)
		}
		queue = z.queue[:n:n]
		clear(queue)
	}
	if z.sc.kids == nil { // a first use: size the stacks once, not by doubling
		m := min(n, 16)
		z.sc = scratch{clip: make([]clipFrame, 0, m), walk: make([]walkFrame, 0, m), kids: make([]int32, 0, n)}
		z.segs, z.paths = make([]Segment, 0, 2*m), make([]Path, 0, len(tr.Roots))
	}
	times, durs, dropped := z.times[:2*n], z.durs[:2*n], z.dropped[:n]
	clear(durs[:n]) // Critical adds up; clip sets the rest
	clear(dropped)
	z.a = newAnalysis(tr, times, durs)
	z.a.Async, z.a.Queue, z.a.Dropped = z.Async, queue, dropped
	a := &z.a
	if a.Async == AsyncFollow {
		a.extend()
	} else {
		// Prune: clip drops what lies under a dropped node.
		for _, i := range tr.AsyncChildren() {
			dropped[i] = true
		}
	}
	a.clip(&z.sc)
	z.paths = a.setPaths(z.paths[:0])
	z.segs, z.ends = a.walk(&z.sc, z.segs[:0], z.ends[:0])
	return a
}

// realEnd is node i's own end, or its start when it ends before it starts.
func realEnd(n *dag.Node) uint64 { return max(n.Start, n.End) }

// extend sets every End to the latest real end in the node's subtree
// (AsyncFollow): a pass backwards over the pre-order meets every child
// before its parent.
func (a *Analysis) extend() {
	nodes := a.Tree.Nodes
	order := a.Tree.PreOrder()
	for _, i := range order {
		a.End[i] = realEnd(&nodes[i])
	}
	for _, i := range slices.Backward(order) {
		if p := nodes[i].Parent; p != dag.None {
			a.End[p] = max(a.End[p], a.End[i])
		}
	}
}

// clip sets Start, End, Dropped and Self in one pass over the pre-order
// (dag lays the nodes out in it, so the pass sweeps memory forwards). It
// keeps the current depth-first path on a stack indexed by depth: a node's
// parent is the entry above it, with the parent's raw interval and the end
// of the union of the children seen so far, so the pass reads each node
// once and never goes back to one. With AsyncFollow, End holds the extended
// ends on entry, and a node's is read before it is clipped; with AsyncPrune,
// the asynchronous children are already marked Dropped.
func (a *Analysis) clip(sc *scratch) {
	nodes := a.Tree.Nodes
	stack := sc.clip[:0]
	follow := a.Async == AsyncFollow
	for _, i := range a.Tree.PreOrder() {
		nd := &nodes[i]
		rs, re := nd.Start, realEnd(nd)
		xe := re // the end the walk sees
		if follow {
			xe = a.End[i]
		}
		a.Start[i], a.End[i], a.Self[i] = rs, xe, dag.Sub(re, rs)
		if nd.Parent == dag.None {
			stack = append(stack[:0], clipFrame{node: i, rs: rs, re: re, runE: rs})
			continue
		}
		stack = stack[:nd.Depth]
		p := &stack[nd.Depth-1]
		if ps, pe := a.Start[p.node], a.End[p.node]; a.Dropped[i] || a.Dropped[p.node] || xe < ps || rs > pe {
			a.Dropped[i] = true
		} else {
			a.Start[i], a.End[i] = max(rs, ps), min(xe, pe)
		}
		// Self time uses the raw times.
		a.Self[p.node] -= growUnion(&p.runE, p.rs, p.re, rs, re)
		stack = append(stack, clipFrame{node: i, rs: rs, re: re, runE: rs})
	}
	sc.clip = stack[:0]
}

// setPaths cuts the pre-order into one run of nodes per root, appending
// the paths to buf: PreOrder lists each root's subtree contiguously, roots
// in Tree.Roots order.
func (a *Analysis) setPaths(buf []Path) []Path {
	tr := a.Tree
	order := tr.PreOrder()
	k := 0
	for r := range tr.Roots {
		end := len(order) // the common single root owns everything
		if r < len(tr.Roots)-1 {
			for end = k + 1; end < len(order) && tr.Nodes[order[end]].Parent != dag.None; end++ {
			}
		}
		root := order[k]
		buf = append(buf, Path{Root: root, Start: a.Start[root], End: a.End[root], Nodes: order[k:end:end]})
		k = end
	}
	a.Paths = buf[:len(buf):len(buf)]
	return buf
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
	if len(list) <= 16 {
		// Insertion sort: linear when the children ran one after another
		// (the common case), and no closure calls for the few that did not.
		for j := 1; j < len(list); j++ {
			for m := j; m > 0 && a.endsAfter(list[m], list[m-1]); m-- {
				list[m], list[m-1] = list[m-1], list[m]
			}
		}
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
//
// The segments go into buf, which it returns (grown) with ends: path r's
// segments end at buf[ends[r]].
func (a *Analysis) walk(sc *scratch, buf []Segment, ends []int) ([]Segment, []int) {
	kids, stack := sc.kids[:0], sc.walk[:0]
	nodes := a.Tree.Nodes
	follow := a.Async == AsyncFollow
	enter := func(node int32, cut uint64) {
		from := len(kids)
		for _, c := range slices.Backward(a.Tree.Children(node)) {
			if !a.Dropped[c] {
				kids = append(kids, c)
			}
		}
		a.sortKids(kids[from:])
		stack = append(stack, walkFrame{node: node, from: int32(from), next: int32(from), stop: int32(len(kids)), cut: cut, waiter: dag.None})
	}
	for r := range a.Paths {
		p := &a.Paths[r]
		base := len(buf) // this path's segments are buf[base:]
		// add records [from, to] for node; segments are found latest
		// first: merge with the previous one when the same node owned
		// the stretch just after in the same way.
		add := func(node int32, from, to uint64, queue bool) {
			if to <= from {
				return
			}
			if queue {
				a.Queue[node] += dag.Sub(to, from)
			} else {
				a.Critical[node] += dag.Sub(to, from)
			}
			if k := len(buf) - 1; k >= base && buf[k].Node == node && buf[k].Queue == queue && buf[k].Start == to {
				buf[k].Start = from
				return
			}
			buf = append(buf, Segment{Node: node, Start: from, End: to, Queue: queue})
		}
		// own gives node [from, to], except the part after its real end
		// (only an extended span has one): that is the queue wait of
		// waiter, the child the walk went into from this cut.
		own := func(node int32, from, to uint64, waiter int32) {
			if re := realEnd(&nodes[node]); follow && waiter != dag.None && to > re {
				q := max(from, re)
				add(waiter, q, to, true)
				to = q
			}
			add(node, from, to, false)
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
				own(f.node, a.End[c], f.cut, f.waiter)
				f.cut, f.waiter = a.Start[c], c
				enter(c, a.End[c])
				continue
			}
			own(f.node, a.Start[f.node], f.cut, f.waiter)
			kids = kids[:f.from]
			stack = stack[:len(stack)-1]
		}
		slices.Reverse(buf[base:])
		ends = append(ends, len(buf))
	}
	from := 0
	for r, end := range ends {
		if end > from {
			a.Paths[r].Segments = buf[from:end:end]
		}
		from = end
	}
	sc.kids, sc.walk = kids[:0], stack[:0]
	return buf, ends
}

// scratch holds the stacks of one analysis, reused by the next.
type scratch struct {
	clip []clipFrame
	walk []walkFrame
	kids []int32
}

// clipFrame is a node on the depth-first path of clip.
type clipFrame struct {
	node   int32
	rs, re uint64 // raw interval, re ≥ rs
	runE   uint64 // end of the union of the children so far (from rs)
}

// walkFrame is a span on the current path of walk.
type walkFrame struct {
	node             int32
	from, next, stop int32 // the span's children are kids[from:stop], untaken from next
	cut              uint64
	waiter           int32 // the child last walked into, whose start is cut; or None
}

// growUnion adds a child's interval [cs, ce], clipped to its parent's
// [s, e], to the union of the children before it, which ends at runE, and
// returns how much the union grew. Children come by start time (dag sorts
// them so, and clipping and re-timing keep that order), so do their
// clipped starts, and the union only ever grows at its end: one pass over
// a span's children finds the length its self time leaves out.
func growUnion(runE *uint64, s, e, cs, ce uint64) int64 {
	cs, ce = max(cs, s, *runE), min(ce, e)
	if ce <= cs {
		return 0
	}
	*runE = ce
	return dag.Sub(ce, cs)
}
