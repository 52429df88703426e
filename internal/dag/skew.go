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
	index map[[2]string]int
	pairs []skewEdges
}

type skewEdges struct {
	parent, child string
	edges         []skewEdge
}

// skewEdge is one skewed relation: the shift Jaeger's rule gives it, and
// the range of shifts [lo, hi] that would put the child inside its parent.
type skewEdge struct {
	shift, lo, hi int64
}

func (e *SkewEstimator) add(p, c *Span, shift, tol int64, async bool) {
	key := [2]string{p.Service(), c.Service()}
	if e.index == nil {
		e.index = make(map[[2]string]int)
	}
	k, ok := e.index[key]
	if !ok {
		k = len(e.pairs)
		e.index[key] = k
		e.pairs = append(e.pairs, skewEdges{parent: key[0], child: key[1]})
	}
	hi := int64(math.MaxInt64)
	if !async {
		hi = addSat(Sub(p.End, c.End), tol)
	}
	e.pairs[k].edges = append(e.pairs[k].edges, skewEdge{shift: shift, lo: addSat(Sub(p.Start, c.Start), -tol), hi: hi})
}

// Pairs returns the estimate for every service pair seen, the pair
// explaining the most spans first (then by name).
func (e *SkewEstimator) Pairs() []SkewPair {
	out := make([]SkewPair, 0, len(e.pairs))
	for _, p := range e.pairs {
		shifts := make([]int64, len(p.edges))
		for i, ed := range p.edges {
			shifts[i] = ed.shift
		}
		off := median(shifts)
		sp := SkewPair{ParentService: p.parent, ChildService: p.child, Offset: off, Spans: len(p.edges)}
		for _, ed := range p.edges {
			if ed.lo <= off && off <= ed.hi {
				sp.Explained++
			}
		}
		out = append(out, sp)
	}
	slices.SortFunc(out, func(a, b SkewPair) int {
		if c := cmp.Compare(b.Spans, a.Spans); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ParentService, b.ParentService); c != 0 {
			return c
		}
		return cmp.Compare(a.ChildService, b.ChildService)
	})
	return out
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

// Shift is what AdjustSkew moved for one (parent service → child service)
// pair: the subtrees where the clock changes from the parent's service to
// the child's and the child did not fit its (already adjusted) parent.
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
	order := tr.PreOrder()
	delta := make([]int64, len(tr.Nodes))
	pair := make([]int32, len(tr.Nodes)) // index into shifts, or -1
	var (
		cs      clocks
		index   map[[2]string]int32
		shifts  []Shift
		applied [][]int64
		moved   int
	)
	for _, i := range order {
		n := &tr.Nodes[i]
		pair[i] = -1
		if n.Span == nil || n.Parent == None || tr.Nodes[n.Parent].Span == nil {
			continue
		}
		pn := &tr.Nodes[n.Parent]
		p, s := pn.Span, n.Span
		if cs.same(p.Resource, s.Resource) {
			delta[i], pair[i] = delta[n.Parent], pair[n.Parent]
		} else if s.End >= s.Start && pn.End >= pn.Start {
			// pn.Start/End are already adjusted: the parent came first.
			d := skewShift(pn.Start, pn.End, s.Start, s.End, asyncRelation(p, s), 0)
			if d != 0 {
				key := [2]string{p.Service(), s.Service()}
				if index == nil {
					index = make(map[[2]string]int32)
				}
				k, ok := index[key]
				if !ok {
					k = int32(len(shifts))
					index[key] = k
					shifts = append(shifts, Shift{ParentService: key[0], ChildService: key[1]})
					applied = append(applied, nil)
				}
				shifts[k].Subtrees++
				applied[k] = append(applied[k], d)
				delta[i], pair[i] = d, k
			}
		}
		if delta[i] != 0 {
			n.Start = Add(n.Start, delta[i])
			n.End = Add(n.End, delta[i])
			shifts[pair[i]].Spans++
			moved++
		}
	}
	if moved == 0 {
		return nil
	}

	// Copy the moved spans into one slab, and re-sort the siblings whose
	// start times changed.
	copies := make([]Span, 0, moved)
	resort := make([]bool, len(tr.Nodes))
	for _, i := range order {
		d := delta[i]
		if d == 0 {
			continue
		}
		n := &tr.Nodes[i]
		copies = append(copies, *n.Span)
		s := &copies[len(copies)-1]
		s.Start = Add(s.Start, d)
		s.End = Add(s.End, d)
		if len(s.Events) > 0 {
			ev := make([]Event, len(s.Events))
			copy(ev, s.Events)
			for k := range ev {
				ev[k].Time = Add(ev[k].Time, d)
			}
			s.Events = ev
		}
		n.Span = s
		resort[n.Parent] = true
	}
	for i := range tr.Nodes {
		if resort[i] && len(tr.Nodes[i].Children) > 1 {
			slices.SortFunc(tr.Nodes[i].Children, tr.compare)
		}
	}
	tr.preorder = nil // siblings moved
	tr.Start, tr.End = math.MaxUint64, 0
	for i := range tr.Nodes {
		tr.Start, tr.End = min(tr.Start, tr.Nodes[i].Start), max(tr.End, tr.Nodes[i].End)
	}

	for k := range shifts {
		ds := applied[k]
		slices.Sort(ds)
		shifts[k].Min, shifts[k].Max = ds[0], ds[len(ds)-1]
		shifts[k].Median = ds[(len(ds)-1)/2]
	}
	slices.SortFunc(shifts, func(a, b Shift) int {
		if c := cmp.Compare(b.Spans, a.Spans); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ParentService, b.ParentService); c != 0 {
			return c
		}
		return cmp.Compare(a.ChildService, b.ChildService)
	})
	return shifts
}
