package dag

import (
	"cmp"
	"math"
	"slices"
)

// SkewPair is the clock offset estimated between two services from the
// clock_skew relations where a span of ChildService is a child of a span of
// ParentService.
type SkewPair struct {
	ParentService, ChildService string
	// Offset (ns) is what to add to the child service's times to put its
	// spans inside their parents: the median of the per-span shifts.
	Offset int64
	// Spans counts the child spans of this pair found skewed.
	Spans int
	// Explained counts those that the one Offset puts inside their parent
	// (within the tolerance): when it is close to Spans, a constant clock
	// offset explains the pair; when it is far below, the spans disagree
	// (drift, or the relation is not what the kinds say).
	Explained int
}

// SkewEstimator gathers clock_skew relations (give it to Check in
// CheckOptions.Skew) and estimates one offset per service pair. The zero
// value is ready to use; it is not safe for concurrent use.
type SkewEstimator struct {
	pairs pairIndex
	edges [][]skewEdge // per pair
}

// skewEdge is one skewed relation: the shift Jaeger's rule gives it, and
// the range of shifts [lo, hi] that would put the child inside its parent.
type skewEdge struct {
	shift, lo, hi int64
}

func (e *SkewEstimator) add(p, c *Span, shift, tol int64, async bool) {
	k := e.pairs.index(p.Service(), c.Service())
	if k == len(e.edges) {
		e.edges = append(e.edges, nil)
	}
	hi := int64(math.MaxInt64)
	if !async {
		hi = addSat(Sub(p.End, c.End), tol)
	}
	e.edges[k] = append(e.edges[k], skewEdge{shift: shift, lo: addSat(Sub(p.Start, c.Start), -tol), hi: hi})
}

// Pairs returns the estimate for every service pair seen, the pair
// explaining the most spans first (then by name).
func (e *SkewEstimator) Pairs() []SkewPair {
	out := make([]SkewPair, len(e.edges))
	for k, edges := range e.edges {
		shifts := make([]int64, len(edges))
		for i, ed := range edges {
			shifts[i] = ed.shift
		}
		off := median(shifts)
		sp := SkewPair{ParentService: e.pairs.keys[k][0], ChildService: e.pairs.keys[k][1], Offset: off, Spans: len(edges)}
		for _, ed := range edges {
			if ed.lo <= off && off <= ed.hi {
				sp.Explained++
			}
		}
		out[k] = sp
	}
	sortPairs(out, func(p SkewPair) (int, string, string) { return p.Spans, p.ParentService, p.ChildService })
	return out
}

// pairIndex numbers (parent service, child service) pairs in the order
// they are first seen.
type pairIndex struct {
	m    map[[2]string]int
	keys [][2]string
}

// index returns the pair's number; a new pair gets len(keys) before the
// call.
func (x *pairIndex) index(parent, child string) int {
	key := [2]string{parent, child}
	if k, ok := x.m[key]; ok {
		return k
	}
	if x.m == nil {
		x.m = make(map[[2]string]int)
	}
	k := len(x.keys)
	x.m[key] = k
	x.keys = append(x.keys, key)
	return k
}

// sortPairs orders per-pair results the one way every skew table is
// ordered: the pair with the most spans first, then by parent and child
// service.
func sortPairs[T any](xs []T, key func(T) (spans int, parent, child string)) {
	slices.SortStableFunc(xs, func(a, b T) int {
		na, pa, ca := key(a)
		nb, pb, cb := key(b)
		if c := cmp.Compare(nb, na); c != 0 {
			return c
		}
		if c := cmp.Compare(pa, pb); c != 0 {
			return c
		}
		return cmp.Compare(ca, cb)
	})
}

// median sorts xs and returns its middle value (the lower middle for an
// even count, so the result is always one of the observed shifts).
func median(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[(len(xs)-1)/2]
}

// Shift is what a SkewAdjuster moved for one (parent service → child
// service) pair: the subtrees where the clock changes from the parent's
// service to the child's and the child did not fit its (already adjusted)
// parent.
type Shift struct {
	ParentService, ChildService string
	// Subtrees counts the child spans where a shift started; Spans counts
	// every span moved with them (their descendants on the same clock).
	Subtrees, Spans int
	// Min, Median and Max are the shifts applied (ns, added to the times).
	Min, Median, Max int64
}

// AdjustSkew corrects clock skew the way Jaeger's adjuster does: walking
// each tree from its roots, a span on the same clock as its parent moves
// with its parent; a span on another clock (another service or instance)
// is compared with its parent's adjusted times and gets the shift of
// skewShift (no tolerance), which its same-clock descendants inherit.
// Children of placeholders and roots never move.
//
// Spans are shared, read-only input: every moved span is copied (times and
// event times shifted) and the copy replaces the node's Span; the node's
// Start and End, the order of siblings and the tree's extent are updated.
// Findings are left as they are. It returns what moved per service pair,
// the pair that moved the most spans first. It runs in O(n log n) without
// recursion.
func AdjustSkew(tr *Tree) []Shift {
	var a SkewAdjuster
	a.Adjust(tr)
	return a.Shifts()
}

// SkewAdjuster applies AdjustSkew's correction to many trees and sums up
// what moved over all of them. The zero value is ready to use; it is not
// safe for concurrent use.
type SkewAdjuster struct {
	pairs   pairIndex
	shifts  []Shift   // per pair: counts
	applied [][]int64 // per pair: every shift applied
}

// Adjust corrects one tree, as AdjustSkew does.
func (a *SkewAdjuster) Adjust(tr *Tree) {
	order := tr.PreOrder()
	delta := make([]int64, len(tr.Nodes))
	pair := make([]int32, len(tr.Nodes)) // index into a.shifts, or -1
	var (
		cs    clocks
		moved int
	)
	for _, i := range order {
		n := &tr.Nodes[i]
		pair[i] = -1
		if n.Span == nil || n.Parent == None || tr.Nodes[n.Parent].Span == nil {
			continue
		}
		pn := &tr.Nodes[n.Parent]
		p, s := pn.Span, n.Span
		if cs.same(p.Resource(), s.Resource()) {
			delta[i], pair[i] = delta[n.Parent], pair[n.Parent]
		} else if s.End >= s.Start && pn.End >= pn.Start {
			// pn.Start/End are already adjusted: the parent came first.
			d := skewShift(pn.Start, pn.End, s.Start, s.End, asyncRelation(p, s), 0)
			if d != 0 {
				k := a.pairs.index(p.Service(), s.Service())
				if k == len(a.shifts) {
					a.shifts = append(a.shifts, Shift{ParentService: p.Service(), ChildService: s.Service()})
					a.applied = append(a.applied, nil)
				}
				a.shifts[k].Subtrees++
				a.applied[k] = append(a.applied[k], d)
				delta[i], pair[i] = d, int32(k)
			}
		}
		if delta[i] != 0 {
			n.Start = Add(n.Start, delta[i])
			n.End = Add(n.End, delta[i])
			a.shifts[pair[i]].Spans++
			moved++
		}
	}
	if moved == 0 {
		return
	}

	// Copy the moved spans into one slab (those with events, whose times
	// live in their block, packed anew), and re-sort the siblings whose
	// start times changed.
	copies := make([]Span, 0, moved)
	var withEvents []SpanData
	var evNodes []int32
	resort := make([]bool, len(tr.Nodes))
	for _, i := range order {
		d := delta[i]
		if d == 0 {
			continue
		}
		n := &tr.Nodes[i]
		resort[n.Parent] = true
		if n.Span.NumEvents() > 0 {
			sd := n.Span.Data()
			sd.Start, sd.End = Add(sd.Start, d), Add(sd.End, d)
			for k := range sd.Events {
				sd.Events[k].Time = Add(sd.Events[k].Time, d)
			}
			withEvents = append(withEvents, sd)
			evNodes = append(evNodes, i)
			continue
		}
		copies = append(copies, *n.Span)
		s := &copies[len(copies)-1]
		s.Start = Add(s.Start, d)
		s.End = Add(s.End, d)
		n.Span = s
	}
	if len(withEvents) > 0 {
		packed := Pack(withEvents)
		for k, i := range evNodes {
			tr.Nodes[i].Span = &packed[k]
		}
	}
	for i := range tr.Nodes {
		if resort[i] && tr.Nodes[i].NumChildren() > 1 {
			slices.SortFunc(tr.Children(int32(i)), tr.compare)
		}
	}
	tr.laidOut = false // siblings moved
	if tr.x != nil {
		tr.x.preorder = nil
	}
	tr.Start, tr.End = math.MaxUint64, 0
	for i := range tr.Nodes {
		tr.Start, tr.End = min(tr.Start, tr.Nodes[i].Start), max(tr.End, tr.Nodes[i].End)
	}
}

// Shifts returns what moved per service pair over every tree adjusted so
// far, the pair that moved the most spans first (then by name); nil when
// nothing moved.
func (a *SkewAdjuster) Shifts() []Shift {
	if len(a.shifts) == 0 {
		return nil
	}
	out := slices.Clone(a.shifts)
	for k := range out {
		ds := slices.Clone(a.applied[k])
		out[k].Min, out[k].Max = slices.Min(ds), slices.Max(ds)
		out[k].Median = median(ds)
	}
	sortPairs(out, func(s Shift) (int, string, string) { return s.Spans, s.ParentService, s.ChildService })
	return out
}
