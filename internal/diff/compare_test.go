package diff

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
)

// shop is a generated workload: each request is
//
//	frontend/GET /checkout
//	├── cart/GET /cart ×calls, one after another
//	│   └── db/SELECT cart
//	└── payment/charge           (own work before and after the bank call)
//	    └── bank/authorize
//
// with log-normal work everywhere, so both sides of a comparison can be
// drawn from one distribution or from a shifted one.
type shop struct {
	cartCalls    int     // cart calls per request
	chargeWork   float64 // multiplier of payment/charge's own work
	cardShare    float64 // share of requests paid by card
	cardSlowdown float64 // extra multiplier of charge work when paid by card
	errorRate    float64 // share of charges that fail
	tailShare    float64 // share of charges whose own work is 10× slower
}

var baseShop = shop{cartCalls: 1, chargeWork: 1, cardShare: 0.5, cardSlowdown: 1}

var resources = map[string]*dag.Resource{}

func resource(svc string) *dag.Resource {
	r, ok := resources[svc]
	if !ok {
		r = &dag.Resource{Service: svc, Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue(svc)}}}
		resources[svc] = r
	}
	return r
}

// work draws a log-normal duration with median ms milliseconds.
func work(r *rand.Rand, ms float64) uint64 {
	return uint64(ms * 1e6 * math.Exp(0.3*r.NormFloat64()))
}

// traces generates n requests with seed.
func (sh shop) traces(seed uint64, n int) []*dag.Tree {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	trees := make([]*dag.Tree, 0, n)
	for t := range n {
		var tid dag.TraceID
		binary.BigEndian.PutUint64(tid[:], seed)
		binary.BigEndian.PutUint64(tid[8:], uint64(t)+1)
		var spans []*dag.SpanData
		next := uint64(0)
		span := func(parent *dag.SpanData, svc, name string, start, end uint64, attrs ...dag.Attr) *dag.SpanData {
			next++
			s := &dag.SpanData{TraceID: tid, Resource: resource(svc), Name: name, Start: start, End: end, Attrs: attrs, Kind: dag.KindServer}
			binary.BigEndian.PutUint64(s.SpanID[:], next)
			if parent != nil {
				s.ParentSpanID = parent.SpanID
			}
			spans = append(spans, s)
			return s
		}
		root := span(nil, "frontend", "GET /checkout", 0, 0)
		now := root.Start + work(r, 2)
		for range sh.cartCalls {
			c := span(root, "cart", "GET /cart", now, 0)
			q := span(c, "db", "SELECT cart", now+work(r, 0.5), 0)
			q.End = q.Start + work(r, 3)
			c.End = q.End + work(r, 1)
			now = c.End
		}
		now += work(r, 1)
		method := "paypal"
		factor := sh.chargeWork
		if r.Float64() < sh.cardShare {
			method = "card"
			factor *= sh.cardSlowdown
		}
		if r.Float64() < sh.tailShare {
			factor *= 10
		}
		ch := span(root, "payment", "charge", now, 0, dag.Attr{Key: "payment.method", Value: dag.StringValue(method)})
		b := span(ch, "bank", "authorize", ch.Start+uint64(factor*float64(work(r, 8))), 0)
		b.End = b.Start + work(r, 10)
		ch.End = b.End + uint64(factor*float64(work(r, 6)))
		if r.Float64() < sh.errorRate {
			ch.Status.Code = dag.StatusError
		}
		root.End = ch.End + work(r, 1)
		data := make([]dag.SpanData, len(spans))
		for i, s := range spans {
			data[i] = *s
		}
		trees = append(trees, dag.Build(dag.NewTrace(tid, dag.Pack(data))))
	}
	return trees
}

func rowOf(t *testing.T, rep *Report, group string) Row {
	t.Helper()
	for _, r := range rep.Rows {
		if r.Group == group {
			return r
		}
	}
	t.Fatalf("no row %q", group)
	return Row{}
}

func verdicts(rep *Report) map[string]Verdict {
	m := map[string]Verdict{}
	for _, r := range rep.Rows {
		m[r.Group] = r.Verdict
	}
	return m
}

// TestFalseAlarms compares many pairs of samples drawn from the same
// distribution: at alpha 0.01, Holm-corrected over the whole report, a
// run with any regressed row should be rare (at most about 1 in 100).
func TestFalseAlarms(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 40
	}
	alarms, anyReject, tails := 0, 0, 0
	for seed := range uint64(runs) {
		base := baseShop.traces(2*seed+1, 200)
		cand := baseShop.traces(2*seed+2, 200)
		rep := Compare(base, cand, Options{Workers: 1})
		if rep.Regressed() {
			alarms++
		}
		for _, r := range rep.Rows {
			if r.Tail != nil && r.Tail.Grew {
				tails++
				break
			}
		}
		for _, r := range rep.Rows {
			if r.Verdict != Unchanged {
				anyReject++
				break
			}
		}
	}
	rate := float64(alarms) / float64(runs)
	t.Logf("false-alarm rate: %d of %d runs regressed (%.1f%%); %d runs with any verdict other than unchanged; %d with a tail that grew",
		alarms, runs, 100*rate, anyReject, tails)
	// Under the null the expected count is at most runs·alpha; allow three
	// binomial standard deviations above it (6 of 200: probability below
	// 0.02% at alpha 0.01).
	limit := int(float64(runs)*0.01 + 3*math.Sqrt(float64(runs)*0.01))
	if alarms > limit {
		t.Errorf("false alarms in %d of %d runs, want at most about 1%%", alarms, runs)
	}
	if tails > limit {
		t.Errorf("tails grew in %d of %d runs, want at most about 1%%", tails, runs)
	}
}

// TestPower slows payment/charge's own work (14ms of a 33ms request) by
// 25% over 300 traces: the regression is found in that operation and end
// to end, not in its callers (which only waited) nor its callees.
func TestPower(t *testing.T) {
	slow := baseShop
	slow.chargeWork = 1.25
	found := 0
	const runs = 10
	for seed := range uint64(runs) {
		base := baseShop.traces(100+2*seed, 300)
		cand := slow.traces(101+2*seed, 300)
		rep := Compare(base, cand, Options{})
		v := verdicts(rep)
		if v["payment/charge"] == Regressed && v[EndToEndGroup] == Regressed {
			found++
		}
		for _, g := range []string{"frontend/GET /checkout", "bank/authorize", "cart/GET /cart", "db/SELECT cart"} {
			if v[g] != Unchanged {
				t.Errorf("seed %d: %s is %s, want unchanged (only payment/charge's own work changed)", seed, g, v[g])
			}
		}
	}
	t.Logf("found in %d of %d runs", found, runs)
	if found < runs-1 {
		t.Errorf("25%% slowdown of payment/charge found in %d of %d runs", found, runs)
	}
}

func TestShiftAndShare(t *testing.T) {
	slow := baseShop
	slow.chargeWork = 1.5
	rep := Compare(baseShop.traces(7, 400), slow.traces(8, 400), Options{})
	charge := rowOf(t, rep, "payment/charge")
	// The charge's own work has median 14ms; ×1.5 adds about 7ms.
	if charge.Shift.Estimate < 5e6 || charge.Shift.Estimate > 9e6 || charge.Shift.Low <= 0 || charge.Shift.High < charge.Shift.Estimate {
		t.Errorf("charge shift = %+v, want about 3ms with an interval above 0", charge.Shift)
	}
	if charge.Share < 0.8 || charge.Share > 1.2 {
		t.Errorf("charge explains %.2f of the end-to-end shift, want about all of it", charge.Share)
	}
	sum := 0.0
	for _, r := range rep.Rows[1:] {
		sum += r.Share
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("shares add up to %g, want 1", sum)
	}
	if rep.Rows[0].Group != EndToEndGroup || rep.Rows[1].Group != "payment/charge" {
		t.Errorf("rows start %q, %q; want the end to end, then the regression", rep.Rows[0].Group, rep.Rows[1].Group)
	}
}

// TestNPlusOne: ten cart calls where there was one, each as fast as
// before, is a regression of cart's time per request.
func TestNPlusOne(t *testing.T) {
	many := baseShop
	many.cartCalls = 10
	rep := Compare(baseShop.traces(1, 100), many.traces(2, 100), Options{})
	cart := rowOf(t, rep, "cart/GET /cart")
	if cart.Verdict != Regressed || cart.Base.CallsPerTrace != 1 || cart.Cand.CallsPerTrace != 10 {
		t.Errorf("cart: verdict %s, calls %g → %g; want regressed, 1 → 10", cart.Verdict, cart.Base.CallsPerTrace, cart.Cand.CallsPerTrace)
	}
}

func TestNewGoneAndTooSmall(t *testing.T) {
	base := baseShop.traces(1, 30)
	cand := baseShop.traces(2, 30)
	// Rename bank/authorize in the candidate: gone in one name, new in the other.
	for _, tr := range cand {
		for i := range tr.Nodes {
			if s := tr.Nodes[i].Span; s != nil && s.Name() == "authorize" {
				d := s.Data()
				d.Name = "authorize v2"
				tr.Nodes[i].Span = &dag.Pack([]dag.SpanData{d})[0]
			}
		}
	}
	v := verdicts(Compare(base, cand, Options{}))
	if v["bank/authorize"] != Gone || v["bank/authorize v2"] != New {
		t.Errorf("verdicts = %v, want bank/authorize gone and bank/authorize v2 new", v)
	}

	slow := baseShop
	slow.chargeWork = 5
	rep := Compare(baseShop.traces(1, 4), slow.traces(2, 4), Options{})
	for _, r := range rep.Rows {
		if r.Verdict != Unchanged || r.Reason == "" {
			t.Errorf("%s with 4 traces a side: verdict %s, reason %q; want unchanged with a reason", r.Group, r.Verdict, r.Reason)
		}
	}
}

func TestErrorRate(t *testing.T) {
	failing := baseShop
	failing.errorRate = 0.2
	rep := Compare(baseShop.traces(1, 500), failing.traces(2, 500), Options{})
	charge := rowOf(t, rep, "payment/charge")
	if charge.Base.ErrorRate != 0 || charge.Cand.ErrorRate < 0.15 || charge.Cand.ErrorRate > 0.25 {
		t.Errorf("charge error rate %g → %g, want 0 → about 0.2", charge.Base.ErrorRate, charge.Cand.ErrorRate)
	}
}

// TestWhy: only card payments got slower. The explanation names
// payment.method=card and says the charge's own work explains most of the
// end-to-end regression.
func TestWhy(t *testing.T) {
	slow := baseShop
	slow.cardSlowdown = 2
	rep := Compare(baseShop.traces(11, 400), slow.traces(12, 400), Options{Why: true})
	charge := rowOf(t, rep, "payment/charge")
	if charge.Verdict != Regressed || charge.Why == nil {
		t.Fatalf("charge: %s, why %v", charge.Verdict, charge.Why)
	}
	w := charge.Why
	if len(w.Attributes) == 0 || w.Attributes[0].Key != "payment.method" || w.Attributes[0].Value != "card" {
		t.Errorf("attributes = %+v, want payment.method=card first", w.Attributes)
	}
	if !w.Retimed || w.Explained < 0.7 || w.Explained > 1.3 {
		t.Errorf("re-timing explains %.2f (retimed %v), want about all of it", w.Explained, w.Retimed)
	}
	if rowOf(t, rep, "frontend/GET /checkout").Why != nil {
		t.Error("an unchanged row has an explanation")
	}
}

// TestWorkersDoNotMatter: the report is the same however traces are split.
func TestWorkersDoNotMatter(t *testing.T) {
	slow := baseShop
	slow.chargeWork = 1.3
	base, cand := baseShop.traces(3, 300), slow.traces(4, 300)
	one := Compare(base, cand, Options{Workers: 1})
	four := Compare(base, cand, Options{Workers: 4})
	if diff := cmp.Diff(one, four); diff != "" {
		t.Errorf("1 vs 4 workers (-1 +4):\n%s", diff)
	}
}

func TestAnalyzerHook(t *testing.T) {
	calls := 0
	opts := Options{Workers: 1, NewAnalyzer: func() *critpath.Analyzer { calls++; return new(critpath.Analyzer) }}
	Compare(baseShop.traces(1, 10), baseShop.traces(2, 10), opts)
	if calls != 2 {
		t.Errorf("NewAnalyzer called %d times, want once per side", calls)
	}
}

func ExampleCompare() {
	slow := baseShop
	slow.chargeWork = 1.4
	rep := Compare(baseShop.traces(21, 300), slow.traces(22, 300), Options{})
	for _, r := range rep.Rows[:2] {
		fmt.Printf("%s: %s\n", r.Group, r.Verdict)
	}
	// Output:
	// (end to end): regressed
	// payment/charge: regressed
}

// TestTail: one charge in ten is ten times slower. The median barely
// moves, but the tail note sees it, end to end and in the charge.
func TestTail(t *testing.T) {
	tail := baseShop
	tail.tailShare = 0.1
	rep := Compare(baseShop.traces(31, 400), tail.traces(32, 400), Options{})
	for _, g := range []string{EndToEndGroup, "payment/charge"} {
		if r := rowOf(t, rep, g); r.Tail == nil || !r.Tail.Grew || r.Tail.CandAbove < 30 {
			t.Errorf("%s: tail %+v, want grown, with most of the 40 slow charges above the pooled p95", g, r.Tail)
		}
	}
	if r := rowOf(t, rep, "bank/authorize"); r.Tail == nil || r.Tail.Grew {
		t.Errorf("bank/authorize: tail %+v, want tested and not grown", r.Tail)
	}
}

// TestSidesInBatches: a side fed in batches, in another order (as a
// spilled input comes, a partition at a time), compares as Compare does
// on the whole slices.
func TestSidesInBatches(t *testing.T) {
	slow := baseShop
	slow.chargeWork = 1.3
	base, cand := baseShop.traces(5, 400), slow.traces(6, 400)
	want := Compare(base, cand, Options{})
	rng := rand.New(rand.NewPCG(7, 8))
	side := func(trees []*dag.Tree) *SideSummary {
		trees = slices.Clone(trees)
		rng.Shuffle(len(trees), func(i, j int) { trees[i], trees[j] = trees[j], trees[i] })
		s := NewSide(Options{})
		for b := range slices.Chunk(trees, 37) {
			s.Add(b)
		}
		return s
	}
	got := CompareSides(side(base), side(cand), Options{})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("whole vs in shuffled batches (-whole +batches):\n%s", diff)
	}
}

// TestWhyAgainstBase: when charge is slower in nearly every candidate
// trace, too few fast candidate traces are left to compare with, and the
// explanation reads the base traces instead.
func TestWhyAgainstBase(t *testing.T) {
	slow := baseShop
	slow.chargeWork = 4
	base, cand := baseShop.traces(13, 300), slow.traces(14, 300)
	rep := Compare(base, cand, Options{Why: true})
	w := rowOf(t, rep, "payment/charge").Why
	if w == nil || w.Baseline != "base traces" || w.Slow < 290 {
		t.Fatalf("charge's explanation %+v, want one of ~300 slow traces against the base traces", w)
	}
}
