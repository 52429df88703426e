package critpath

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// randomTrace makes a small trace with every awkward shape in the mix:
// nested, overlapping, overflowing and wholly outside children, zero-length
// and backwards spans, ties (times come from a small range), orphans under
// absent parents, several roots. Times straddle the int64 maximum (they
// are uint64), so any arithmetic that wraps shows.
func randomTrace(r *rand.Rand) []dag.SpanData {
	const base = 1<<63 - 30
	n := 1 + r.IntN(30)
	ids := r.Perm(n) // span k gets id ids[k]+1: parents are not always smaller
	spans := make([]dag.SpanData, 0, n)
	services := []string{"a", "b", "c"}
	for k := range n {
		var parent uint64
		var lo, hi int64 = 0, 60
		switch x := r.IntN(10); {
		case k == 0 || x == 0:
			// a root
		case x == 1:
			parent = uint64(900 + r.IntN(3)) // absent
		default:
			p := spans[r.IntN(len(spans))]
			parent = binaryID(p.SpanID)
			if r.IntN(4) > 0 { // mostly inside the parent
				lo, hi = dag.Sub(p.Start, base), max(dag.Sub(p.Start, base), dag.Sub(p.End, base))
			}
		}
		start := lo + r.Int64N(hi-lo+1)
		end := start + r.Int64N(hi-start+1)
		switch r.IntN(12) {
		case 0:
			end = start // zero-length
		case 1:
			end = start - 1 - r.Int64N(5) // backwards
		case 2:
			start -= r.Int64N(10) // before the parent
		case 3:
			end += r.Int64N(10) // after the parent
		}
		s := sp(uint64(ids[k]+1), parent, 0, 0)
		s.Start, s.End = dag.Add(base, start), dag.Add(base, end)
		s.Resource = resource(services[r.IntN(len(services))])
		s.Name = fmt.Sprintf("op%d", r.IntN(4))
		spans = append(spans, s)
	}
	r.Shuffle(len(spans), func(i, j int) { spans[i], spans[j] = spans[j], spans[i] })
	return spans
}

func binaryID(id dag.SpanID) uint64 {
	var n uint64
	for _, b := range id {
		n = n<<8 | uint64(b)
	}
	return n
}

// reference is Jaeger UI's algorithm as DESIGN.md §4 states it, written
// the obvious way: recursive clipping, and at every step a scan of all the
// span's children for the last one to finish before cut. Quadratic, and
// only for small trees.
type reference struct {
	tr         *dag.Tree
	start, end []uint64
	dropped    []bool
	taken      []bool
	critical   []int64
	segs       []Segment
}

func newReference(tr *dag.Tree) *reference {
	n := len(tr.Nodes)
	ref := &reference{tr: tr, start: make([]uint64, n), end: make([]uint64, n), dropped: make([]bool, n),
		taken: make([]bool, n), critical: make([]int64, n)}
	var clip func(i int32, ps, pe uint64, root bool)
	clip = func(i int32, ps, pe uint64, root bool) {
		nd := &tr.Nodes[i]
		s, e := nd.Start, nd.End
		if e < s {
			e = s
		}
		if !root {
			if e < ps || s > pe {
				ref.markDropped(i)
				return
			}
			if s < ps {
				s = ps
			}
			if e > pe {
				e = pe
			}
		}
		ref.start[i], ref.end[i] = s, e
		for _, c := range tr.Children(i) {
			clip(c, s, e, false)
		}
	}
	for _, r := range tr.Roots {
		clip(r, 0, 0, true)
	}
	return ref
}

func (ref *reference) markDropped(i int32) {
	ref.dropped[i] = true
	for _, c := range ref.tr.Children(i) {
		ref.markDropped(c)
	}
}

// path returns the root's segments, latest first as found, then reversed
// and merged like Analyze's.
func (ref *reference) path(root int32) []Segment {
	ref.segs = nil
	ref.visit(root, ref.end[root])
	var out []Segment
	for _, s := range slices.Backward(ref.segs) {
		if s.End == s.Start {
			continue
		}
		if k := len(out) - 1; k >= 0 && out[k].Node == s.Node && out[k].End == s.Start {
			out[k].End = s.End
			continue
		}
		out = append(out, s)
	}
	return out
}

func (ref *reference) visit(i int32, cut uint64) {
	for {
		best := int32(-1)
		for _, c := range ref.tr.Children(i) {
			if ref.dropped[c] || ref.taken[c] || ref.end[c] > cut {
				continue
			}
			if best < 0 || ref.later(c, best) {
				best = c
			}
		}
		if best < 0 {
			ref.own(i, ref.start[i], cut)
			return
		}
		ref.taken[best] = true
		ref.own(i, ref.end[best], cut)
		ref.visit(best, ref.end[best])
		cut = ref.start[best]
	}
}

// later reports whether child a is preferred over b: it ends later, or at
// the same time and starts later, or both tie and its id is smaller.
func (ref *reference) later(a, b int32) bool {
	if ref.end[a] != ref.end[b] {
		return ref.end[a] > ref.end[b]
	}
	if ref.start[a] != ref.start[b] {
		return ref.start[a] > ref.start[b]
	}
	return slices.Compare(ref.tr.Nodes[a].ID[:], ref.tr.Nodes[b].ID[:]) < 0
}

func (ref *reference) own(i int32, from, to uint64) {
	ref.critical[i] += dag.Sub(to, from)
	ref.segs = append(ref.segs, Segment{Node: i, Start: from, End: to})
}

// bruteSelf counts, one nanosecond at a time, the span's instants that no
// child covers (times are small in these tests).
func bruteSelf(tr *dag.Tree, i int32) int64 {
	n := &tr.Nodes[i]
	var self int64
	for t := n.Start; t < n.End; t++ {
		covered := false
		for _, c := range tr.Children(i) {
			if cn := &tr.Nodes[c]; cn.Start <= t && t+1 <= cn.End {
				covered = true
				break
			}
		}
		if !covered {
			self++
		}
	}
	return self
}

func TestAnalyzeMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2026))
	for k := range 500 {
		spans := randomTrace(r)
		tr := build(spans...)
		a := Analyze(tr)
		ref := newReference(tr)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("trace %d: %s\nspans: %s", k, fmt.Sprintf(format, args...), describe(spans))
		}
		if diff := cmp.Diff(ref.dropped, a.Dropped); diff != "" {
			fail("dropped (-reference +got):\n%s", diff)
		}
		for pi, p := range a.Paths {
			if diff := cmp.Diff(ref.path(p.Root), p.Segments); diff != "" {
				fail("path %d segments (-reference +got):\n%s", pi, diff)
			}
		}
		if diff := cmp.Diff(ref.critical, a.Critical); diff != "" {
			fail("critical (-reference +got):\n%s", diff)
		}
		for i := range tr.Nodes {
			if want := bruteSelf(tr, int32(i)); a.Self[i] != want {
				fail("node %d: self %d, brute force %d", i, a.Self[i], want)
			}
		}
		checkInvariants(t, a, true)
	}
}

func describe(spans []dag.SpanData) string {
	s := ""
	for _, sp := range spans {
		s += fmt.Sprintf("\n  %d←%d [%d,%d]", binaryID(sp.SpanID), binaryID(sp.ParentSpanID), sp.Start, sp.End)
	}
	return s
}

func TestRetimeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 2026))
	for k := range 500 {
		spans := randomTrace(r)
		a := Analyze(build(spans...))

		// Factor 1 reproduces the (clipped) trace exactly.
		same, _ := a.Retime([]Speedup{{Service: "a", Factor: 1}, {Service: "b", Factor: 1}, {Service: "c", Factor: 1}})
		for i := range a.Dropped {
			if !a.Dropped[i] && (same.Start[i] != a.Start[i] || same.End[i] != a.End[i]) {
				t.Fatalf("trace %d node %d: factor 1 moved [%d,%d] to [%d,%d]%s", k, i,
					a.Start[i], a.End[i], same.Start[i], same.End[i], describe(spans))
			}
		}
		if diff := cmp.Diff(a.Critical, same.Critical); diff != "" {
			t.Fatalf("trace %d: factor 1 changed critical times (-want +got):\n%s", k, diff)
		}

		// Speeding anything up never makes a span, so a trace, longer;
		// slowing down never makes it shorter.
		svc := []string{"a", "b", "c"}[r.IntN(3)]
		factor := 1 + 9*r.Float64()
		fast, _ := a.Retime([]Speedup{{Service: svc, Factor: factor}})
		slow, _ := a.Retime([]Speedup{{Service: svc, Factor: 1 / factor}})
		checkInvariants(t, fast, false)
		checkInvariants(t, slow, false)
		for i := range a.Dropped {
			if a.Dropped[i] {
				continue
			}
			d, df, ds := a.End[i]-a.Start[i], fast.End[i]-fast.Start[i], slow.End[i]-slow.Start[i]
			if df > d || ds < d {
				t.Fatalf("trace %d node %d: duration %d, ×%.2f faster %d, slower %d%s", k, i, d, factor, df, ds, describe(spans))
			}
			if p := a.Tree.Nodes[i].Parent; p != dag.None {
				if fast.Start[i] < fast.Start[p] || fast.End[i] > fast.End[p] {
					t.Fatalf("trace %d node %d: re-timed outside its parent", k, i)
				}
				if fast.Start[i]-fast.Start[p] > a.Start[i]-a.Start[p] {
					t.Fatalf("trace %d node %d: starts later relative to its parent after a speedup", k, i)
				}
			}
		}
		if fast.Duration() > a.Duration() {
			t.Fatalf("trace %d: speedup made it longer: %d → %d", k, a.Duration(), fast.Duration())
		}
	}
}
