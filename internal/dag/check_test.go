package dag

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Services of the check tests; one Resource each, as a decoder shares them.
var (
	resFront = &Resource{Service: "frontend"}
	resPay   = &Resource{Service: "payment"}
	resDB    = &Resource{Service: "db"}
)

// on puts a span on a service's resource and gives it a kind.
func on(s SpanData, r *Resource, k Kind) SpanData {
	s.Resource, s.Kind = r, k
	return s
}

// checkRules renders findings as "rule severity spanid", the shape the
// tests compare.
func checkRules(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s", f.Rule, f.Severity, f.SpanID))
	}
	return out
}

// cleanTrace is frontend (server 0–100) → frontend client (10–90) →
// payment server (20–80) → payment internal (30–40), and frontend
// internal (91–99): well formed in every way.
func cleanTrace() []SpanData {
	return []SpanData{
		on(sp(1, 0, 0, 100), resFront, KindServer),
		on(sp(2, 1, 10, 90), resFront, KindClient),
		on(sp(3, 2, 20, 80), resPay, KindServer),
		on(sp(4, 3, 30, 40), resPay, KindInternal),
		on(sp(5, 1, 91, 99), resFront, KindInternal),
	}
}

func TestCheckEachRule(t *testing.T) {
	tests := []struct {
		name   string
		modify func([]SpanData) []SpanData
		tol    int64
		want   []string
	}{
		{name: "clean", modify: func(s []SpanData) []SpanData { return s }},
		{
			name: "invalid_trace_id",
			modify: func(s []SpanData) []SpanData {
				for i := range s {
					s[i].TraceID = TraceID{}
				}
				return s
			},
			want: []string{"invalid_trace_id error 0000000000000001"},
		},
		{
			name: "invalid_span_id",
			// a leaf with an all-zero id: nothing else refers to it
			modify: func(s []SpanData) []SpanData { s[4].SpanID = SpanID{}; return s },
			want:   []string{"invalid_span_id error 0000000000000000"},
		},
		{
			name: "duplicate_span_id",
			modify: func(s []SpanData) []SpanData {
				d := s[4]
				d.Name = "other"
				return append(s, d)
			},
			want: []string{"duplicate_span_id error 0000000000000005"},
		},
		{
			name:   "end_before_start",
			modify: func(s []SpanData) []SpanData { s[3].End = at(25); return s },
			want:   []string{"end_before_start error 0000000000000004"},
		},
		{
			name:   "missing_parent",
			modify: func(s []SpanData) []SpanData { return append(s[:1:1], s[2:]...) }, // drop span 2
			want:   []string{"missing_parent warning 0000000000000003"},
		},
		{
			name: "parent_cycle",
			modify: func(s []SpanData) []SpanData {
				c1 := on(sp(10, 11, 40, 50), resPay, KindInternal)
				c2 := on(sp(11, 10, 41, 49), resPay, KindInternal)
				return append(s, c1, c2)
			},
			want: []string{"parent_cycle error 000000000000000a"},
		},
		{
			name:   "multiple_roots",
			modify: func(s []SpanData) []SpanData { return append(s, on(sp(9, 0, 200, 300), resFront, KindServer)) },
			want:   []string{"multiple_roots warning 0000000000000009"},
		},
		{
			name:   "child_starts_before_parent",
			modify: func(s []SpanData) []SpanData { s[3].Start = at(15); return s }, // payment internal before payment server
			want:   []string{"child_starts_before_parent error 0000000000000004"},
		},
		{
			name:   "child_ends_after_parent",
			modify: func(s []SpanData) []SpanData { s[4].End = at(105); return s }, // frontend internal outlives the frontend server
			want:   []string{"child_ends_after_parent warning 0000000000000005"},
		},
		{
			name: "clock_skew",
			// the payment subtree 25 behind: its server starts before the client
			modify: func(s []SpanData) []SpanData {
				for _, i := range []int{2, 3} {
					s[i].Start = Add(s[i].Start, -25)
					s[i].End = Add(s[i].End, -25)
				}
				return s
			},
			want: []string{"clock_skew warning 0000000000000003"},
		},
		{
			name:   "within tolerance",
			modify: func(s []SpanData) []SpanData { s[3].Start = at(19); s[4].End = at(101); return s },
			tol:    1,
		},
		{
			name:   "one past tolerance",
			modify: func(s []SpanData) []SpanData { s[3].Start = at(18); s[4].End = at(102); return s },
			tol:    1,
			want: []string{
				"child_starts_before_parent error 0000000000000004",
				"child_ends_after_parent warning 0000000000000005",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := build(tt.modify(cleanTrace())...)
			got := checkRules(Check(tr, CheckOptions{Tolerance: tt.tol}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckRelations(t *testing.T) {
	tests := []struct {
		name  string
		spans []SpanData
		want  []string // "rule spanid: message"
	}{
		{
			name: "consumer may outlive its producer",
			spans: []SpanData{
				on(sp(1, 0, 0, 10), resFront, KindProducer),
				on(sp(2, 1, 5, 500), resPay, KindConsumer),
				on(sp(3, 2, 6, 400), resPay, KindInternal),
			},
		},
		{
			name: "any child may outlive a producer, on its own clock",
			spans: []SpanData{
				on(sp(1, 0, 0, 10), resFront, KindProducer),
				on(sp(2, 1, 5, 500), resFront, KindInternal),
			},
		},
		{
			name: "a consumer that starts before its producer on one clock is still broken causality",
			spans: []SpanData{
				on(sp(1, 0, 10, 20), resFront, KindProducer),
				on(sp(2, 1, 5, 500), resFront, KindConsumer),
			},
			want: []string{`child_starts_before_parent 0000000000000002: span "s2" starts 5ns before its parent "s1" on the same clock (service frontend)`},
		},
		{
			name: "a consumer before its producer across services is skew: starts aligned",
			spans: []SpanData{
				on(sp(1, 0, 100, 110), resFront, KindProducer),
				on(sp(2, 1, 40, 500), resPay, KindConsumer),
			},
			want: []string{`clock_skew 0000000000000002: span "s2" (payment) starts 60ns before its parent "s1" (frontend): clock skew, estimated offset +60ns`},
		},
		{
			name: "a shorter child on another clock is centred",
			spans: []SpanData{
				on(sp(1, 0, 100, 200), resFront, KindClient),
				on(sp(2, 1, 150, 230), resPay, KindServer), // 80 long, ends 30 late: centred at 110
			},
			want: []string{`clock_skew 0000000000000002: span "s2" (payment) ends 30ns after its parent "s1" (frontend): clock skew, estimated offset -40ns`},
		},
		{
			name: "a longer child on another clock that starts early is aligned, and still outlives",
			spans: []SpanData{
				on(sp(1, 0, 100, 200), resFront, KindClient),
				on(sp(2, 1, 90, 250), resPay, KindServer),
			},
			want: []string{
				`clock_skew 0000000000000002: span "s2" (payment) starts 10ns before its parent "s1" (frontend): clock skew, estimated offset +10ns`,
				`child_ends_after_parent 0000000000000002: span "s2" (payment) ends 60ns after its parent "s1" (frontend) even after the clock-skew shift of +10ns`,
			},
		},
		{
			name: "a longer child on another clock that starts inside outlives its parent: no skew to see",
			spans: []SpanData{
				on(sp(1, 0, 100, 200), resFront, KindClient),
				on(sp(2, 1, 110, 250), resPay, KindServer),
			},
			want: []string{`child_ends_after_parent 0000000000000002: span "s2" (payment) ends 50ns after its parent "s1" (frontend)`},
		},
		{
			name: "same service, other instance: another clock",
			spans: []SpanData{
				on(sp(1, 0, 100, 200), &Resource{Service: "cart", Attrs: []Attr{{Key: "service.instance.id", Value: StringValue("a")}}}, KindClient),
				on(sp(2, 1, 90, 150), &Resource{Service: "cart", Attrs: []Attr{{Key: "service.instance.id", Value: StringValue("b")}}}, KindServer),
			},
			want: []string{`clock_skew 0000000000000002: span "s2" (cart) starts 10ns before its parent "s1" (cart): clock skew, estimated offset +30ns`},
		},
		{
			name: "same service on two resources of the same instance: one clock",
			spans: []SpanData{
				on(sp(1, 0, 100, 200), &Resource{Service: "cart"}, KindServer),
				on(sp(2, 1, 90, 150), &Resource{Service: "cart"}, KindInternal),
			},
			want: []string{`child_starts_before_parent 0000000000000002: span "s2" starts 10ns before its parent "s1" on the same clock (service cart)`},
		},
		{
			name: "children of a missing parent are not compared with the placeholder",
			spans: []SpanData{
				on(sp(2, 1, 100, 200), resFront, KindServer),
				on(sp(3, 1, 50, 300), resPay, KindServer),
			},
			want: []string{
				`missing_parent 0000000000000002: parent span 0000000000000001 of "s2" is not in the input`,
				`missing_parent 0000000000000003: parent span 0000000000000001 of "s3" is not in the input`,
			},
		},
		{
			name: "a parent that ends before it starts is reported once, its children are not compared",
			spans: []SpanData{
				on(sp(1, 0, 100, 50), resFront, KindServer),
				on(sp(2, 1, 0, 300), resFront, KindInternal),
			},
			want: []string{`end_before_start 0000000000000001: span "s1" ends 50ns before it starts`},
		},
		{
			name: "messages round durations",
			spans: []SpanData{
				on(sp(1, 0, 0, 3_000_000_000), resFront, KindServer),
				on(sp(2, 1, 1_000_000, 3_001_234_567), resFront, KindInternal),
			},
			want: []string{`child_ends_after_parent 0000000000000002: span "s2" ends 1.23ms after its parent "s1" (server → internal)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range Check(build(tt.spans...), CheckOptions{}) {
				got = append(got, fmt.Sprintf("%s %s: %s", f.Rule, f.SpanID, f.Message))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckKeepsTreeFindings(t *testing.T) {
	tr := build(on(sp(2, 1, 0, 10), resFront, KindServer))
	before := append([]Finding(nil), tr.Findings...)
	fs := Check(tr, CheckOptions{})
	fs[0].Message = "changed"
	if diff := cmp.Diff(before, tr.Findings); diff != "" {
		t.Errorf("Check changed tr.Findings (-want +got):\n%s", diff)
	}
}

// skewedTrace has three frontend→payment calls whose payment servers
// are 1000 behind (one of them 1500), and a payment→db call 200 ahead.
func skewedTrace() []SpanData {
	return []SpanData{
		on(sp(1, 0, 0, 10_000), resFront, KindServer),
		on(sp(2, 1, 100, 1_100), resFront, KindClient),
		on(sp(3, 2, 100+50-1000, 1_100-50-1000), resPay, KindServer), // 900 long inside 1000: should start at 150
		on(sp(4, 3, 200-1000, 300-1000), resPay, KindInternal),
		on(sp(5, 1, 2_000, 3_000), resFront, KindClient),
		on(sp(6, 5, 2_050-1000, 2_950-1000), resPay, KindServer),
		on(sp(7, 1, 4_000, 5_000), resFront, KindClient),
		on(sp(8, 7, 4_050-1500, 4_950-1500), resPay, KindServer),
		on(sp(9, 8, 4_100-1500, 4_900-1500), resPay, KindClient),
		on(sp(10, 9, 4_150-1500+200, 4_850-1500+200), resDB, KindServer),
	}
}

func TestSkewEstimator(t *testing.T) {
	var est SkewEstimator
	tr := build(skewedTrace()...)
	fs := Check(tr, CheckOptions{Skew: &est})
	if diff := cmp.Diff([]string{
		"clock_skew warning 0000000000000003",
		"clock_skew warning 0000000000000006",
		"clock_skew warning 0000000000000008",
		"clock_skew warning 000000000000000a",
	}, checkRules(fs)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	want := []SkewPair{
		// shifts 1000, 1000, 1500: the median 1000 puts the first two in
		// their parents, not the third (it needs ≥ 1450).
		{ParentService: "frontend", ChildService: "payment", Offset: 1000, Spans: 3, Explained: 2},
		{ParentService: "payment", ChildService: "db", Offset: -200, Spans: 1, Explained: 1},
	}
	if diff := cmp.Diff(want, est.Pairs()); diff != "" {
		t.Errorf("Pairs (-want +got):\n%s", diff)
	}
}

func TestAdjustSkew(t *testing.T) {
	spans := skewedTrace()
	spans[3].Events = []Event{{Name: "e", Time: at(250 - 1000)}}
	original := append([]SpanData(nil), spans...)
	tr := build(spans...)
	shifts := AdjustSkew(tr)

	want := []Shift{
		// span 3 and its child 4 by +1000, span 6 by +1000, span 8 and its
		// client 9 by +1500; the db server 10 is compared with the adjusted
		// client 9, so its shift is the total: +1500 - 200.
		{ParentService: "frontend", ChildService: "payment", Subtrees: 3, Spans: 5, Min: 1000, Median: 1000, Max: 1500},
		{ParentService: "payment", ChildService: "db", Subtrees: 1, Spans: 1, Min: 1300, Median: 1300, Max: 1300},
	}
	if diff := cmp.Diff(want, shifts); diff != "" {
		t.Errorf("shifts (-want +got):\n%s", diff)
	}
	got := map[uint64][2]int64{}
	for i := range tr.Nodes {
		n := &tr.Nodes[i]
		if n.Start != n.Span.Start || n.End != n.Span.End {
			t.Errorf("node %s: times %d–%d, span %d–%d", n.ID, n.Start, n.End, n.Span.Start, n.Span.End)
		}
		var id uint64
		for _, b := range n.ID {
			id = id<<8 | uint64(b)
		}
		got[id] = [2]int64{rel(n.Start), rel(n.End)}
	}
	wantTimes := map[uint64][2]int64{
		1: {0, 10_000}, 2: {100, 1_100}, 3: {150, 1_050}, 4: {200, 300},
		5: {2_000, 3_000}, 6: {2_050, 2_950}, 7: {4_000, 5_000}, 8: {4_050, 4_950}, 9: {4_100, 4_900},
		10: {4_150, 4_850},
	}
	if diff := cmp.Diff(wantTimes, got); diff != "" {
		t.Errorf("adjusted times (-want +got):\n%s", diff)
	}
	if ev := tr.Nodes[3].Span.Events(); len(ev) != 1 || rel(ev[0].Time) != 250 {
		t.Errorf("event of span 4 = %v, want shifted to 250", ev)
	}
	if diff := cmp.Diff(original, spans); diff != "" {
		t.Errorf("AdjustSkew changed its input spans (-want +got):\n%s", diff)
	}
	if fs := Check(tr, CheckOptions{}); len(fs) != 0 {
		t.Errorf("findings after AdjustSkew: %v", checkRules(fs))
	}
	if again := AdjustSkew(tr); again != nil {
		t.Errorf("second AdjustSkew moved %v", again)
	}
}

func TestAdjustSkewResortsSiblings(t *testing.T) {
	// payment's server is 500 behind, so it sorts before the frontend
	// internal span that really came first.
	tr := build(
		on(sp(1, 0, 0, 1_000), resFront, KindServer),
		on(sp(2, 1, 100, 200), resFront, KindInternal),
		on(sp(3, 1, 300-500, 900-500), resPay, KindServer),
	)
	if got := shape(tr); got != "s1\n  s3\n  s2\n" {
		t.Fatalf("shape before = %q", got)
	}
	AdjustSkew(tr)
	if diff := cmp.Diff("s1\n  s2\n  s3\n", shape(tr)); diff != "" {
		t.Errorf("shape after (-want +got):\n%s", diff)
	}
	if rel(tr.Start) != 0 || rel(tr.End) != 1_000 {
		t.Errorf("extent = %d–%d, want 0–1000", rel(tr.Start), rel(tr.End))
	}
}

func TestAdjustSkewCleanTraceUntouched(t *testing.T) {
	tr := build(cleanTrace()...)
	spans := make([]*Span, len(tr.Nodes))
	for i := range tr.Nodes {
		spans[i] = tr.Nodes[i].Span
	}
	if shifts := AdjustSkew(tr); shifts != nil {
		t.Errorf("shifts = %v, want none", shifts)
	}
	for i := range tr.Nodes {
		if tr.Nodes[i].Span != spans[i] {
			t.Errorf("node %d: span replaced", i)
		}
	}
}

// skewedChain is a 1-deep-per-span chain alternating two services, every
// hop on the second service 7 behind and every span 1 shorter than its
// parent at each end.
func skewedChain(n int) []SpanData {
	spans := make([]SpanData, n)
	for i := range spans {
		id := uint64(i + 1)
		s := sp(id, id-1, int64(i), int64(2*n-i))
		s.Resource = resFront
		if i%2 == 1 {
			s.Resource = resPay
			s.Start = Add(s.Start, -7)
			s.End = Add(s.End, -7)
		}
		spans[i] = s
	}
	return spans
}

func TestCheckDeepChain(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000,000-span chain")
	}
	const n = 1_000_000
	tr := build(skewedChain(n)...)
	var est SkewEstimator
	fs := Check(tr, CheckOptions{Skew: &est})
	// frontend→payment hops start 6 before their parent; payment→frontend
	// hops end 6 after theirs.
	if len(fs) != n-1 {
		t.Fatalf("%d findings, want %d", len(fs), n-1)
	}
	for _, f := range fs {
		if f.Rule != RuleClockSkew {
			t.Fatalf("finding %s: %s", f.Rule, f.Message)
		}
	}
	if diff := cmp.Diff([]SkewPair{
		{ParentService: "frontend", ChildService: "payment", Offset: 7, Spans: n / 2, Explained: n / 2},
		{ParentService: "payment", ChildService: "frontend", Offset: -7, Spans: n/2 - 1, Explained: n/2 - 1},
	}, est.Pairs()); diff != "" {
		t.Errorf("Pairs (-want +got):\n%s", diff)
	}
	shifts := AdjustSkew(tr)
	if len(shifts) != 1 || shifts[0].Spans != n/2 {
		t.Errorf("shifts = %+v, want the payment half moved", shifts)
	}
	if fs := Check(tr, CheckOptions{}); len(fs) != 0 {
		t.Errorf("%d findings after AdjustSkew, first %s", len(fs), fs[0].Message)
	}
}

// BenchmarkCheck checks a clean tree (no findings) and a skewed one (a
// finding, with its message, on about half of the spans).
func BenchmarkCheck(b *testing.B) {
	for _, skew := range []int64{0, 3} {
		for _, n := range []int{10_000, 100_000, 1_000_000} {
			tr := build(skewedWideTree(n, skew)...)
			b.Run(fmt.Sprintf("skew=%d/%d", skew, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					var est SkewEstimator
					Check(tr, CheckOptions{Skew: &est})
					est.Pairs()
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
			})
		}
	}
}

func BenchmarkAdjustSkew(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		trace := gather(skewedWideTree(n, 3))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				tr := Build(trace)
				b.StartTimer()
				AdjustSkew(tr)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
		})
	}
}

// skewedWideTree is a tree with fan-out 4 whose spans nest (a span at depth
// d runs from d to 1000-d), shuffled deterministically, with every fourth
// span on a service whose clock is skew behind: about half of the relations
// cross services, and are skewed unless skew is 0.
func skewedWideTree(n int, skew int64) []SpanData {
	spans := make([]SpanData, n)
	depth := make([]int64, n+1)
	for i := range spans {
		id := uint64(i + 1)
		parent := (id + 2) / 4
		if parent > 0 {
			depth[id] = depth[parent] + 1
		}
		d := depth[id]
		spans[i] = sp(id, parent, d, 1000-d)
		spans[i].Resource = resFront
		if id%4 == 0 {
			spans[i].Resource = resPay
			spans[i].Start = Add(spans[i].Start, -skew)
			spans[i].End = Add(spans[i].End, -skew)
		}
	}
	for i := range spans {
		j := (i * 7919) % n
		spans[i], spans[j] = spans[j], spans[i]
	}
	return spans
}

// TestSkewAdjusterSumsTrees: over many trees, what moved per pair is summed
// (spans, subtrees), the range and median taken over every shift applied,
// and pairs ordered as in one tree.
func TestSkewAdjusterSumsTrees(t *testing.T) {
	var a SkewAdjuster
	a.Adjust(build(skewedTrace()...))
	// A second trace with one payment server 4000 behind its frontend parent.
	second := []SpanData{
		on(sp(1, 0, 0, 1_000), resFront, KindServer),
		on(sp(2, 1, 100-4_000, 200-4_000), resPay, KindServer),
	}
	for i := range second {
		second[i].TraceID = TraceID{1}
	}
	a.Adjust(build(second...))
	want := []Shift{
		{ParentService: "frontend", ChildService: "payment", Subtrees: 4, Spans: 6, Min: 1000, Median: 1000, Max: 4350},
		{ParentService: "payment", ChildService: "db", Subtrees: 1, Spans: 1, Min: 1300, Median: 1300, Max: 1300},
	}
	if diff := cmp.Diff(want, a.Shifts()); diff != "" {
		t.Errorf("Shifts (-want +got):\n%s", diff)
	}
	var none SkewAdjuster
	if got := none.Shifts(); got != nil {
		t.Errorf("Shifts of nothing = %v", got)
	}
}
