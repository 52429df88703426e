package critpath

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// kind sets a span's kind.
func kind(s dag.SpanData, k dag.Kind) dag.SpanData {
	s.Kind = k
	return s
}

// followsFrom marks a span's parent edge asynchronous, as the Jaeger reader
// does for a FOLLOWS_FROM parent reference.
func followsFrom(s dag.SpanData) dag.SpanData {
	s.AsyncParent = true
	return s
}

func analyzeMode(tr *dag.Tree, mode Async) *Analysis {
	z := Analyzer{Async: mode}
	return z.Analyze(tr)
}

// The expectations are worked out by hand from DESIGN.md §4 "Asynchronous
// edges"; each comment shows the walk.
func TestAnalyzeAsync(t *testing.T) {
	// Jaeger UI's CriticalPath test5 (PROVENANCE.md): A [1,31) producer
	// root; B [10,20) consumer, FOLLOWS_FROM A; C [12,14) under B.
	test5 := []dag.SpanData{
		in(kind(sp(0xa, 0, 1, 31), dag.KindProducer), "svc", "A"),
		in(followsFrom(kind(sp(0xb, 0xa, 10, 20), dag.KindConsumer)), "svc", "B"),
		in(sp(0xc, 0xb, 12, 14), "svc", "C"),
	}
	// The usual messaging workflow in one trace: the frontend's checkout
	// publishes an order and answers; a worker picks it up 50 later.
	shop := []dag.SpanData{
		in(kind(sp(1, 0, 0, 100), dag.KindServer), "frontend", "POST /checkout"),
		in(sp(2, 1, 5, 90), "checkout", "place order"),
		in(kind(sp(3, 2, 60, 70), dag.KindProducer), "checkout", "orders publish"),
		in(kind(sp(4, 3, 120, 200), dag.KindConsumer), "worker", "orders process"),
		in(kind(sp(5, 4, 130, 180), dag.KindClient), "db", "INSERT"),
	}
	tests := []struct {
		name  string
		mode  Async
		spans []dag.SpanData
		want  []pathView
	}{
		{
			// B is pruned with C: A owns all of [1,31].
			name: "jaeger test5 prune", mode: AsyncPrune, spans: dag.Unpack(dag.Pack(test5)),
			want: []pathView{{Root: "A", Duration: 30, Segments: []string{"A[1,31]"},
				Spans: []string{"A crit=30 self=20", "B crit=0 self=8 dropped", "C crit=0 self=2 dropped"}}},
		},
		{
			// Only the FOLLOWS_FROM flag, no kinds: still asynchronous.
			name: "follows_from alone prunes", mode: AsyncPrune,
			spans: []dag.SpanData{in(sp(0xa, 0, 1, 31), "svc", "A"), in(followsFrom(sp(0xb, 0xa, 10, 20)), "svc", "B")},
			want: []pathView{{Root: "A", Duration: 30, Segments: []string{"A[1,31]"},
				Spans: []string{"A crit=30 self=20", "B crit=0 self=10 dropped"}}},
		},
		{
			// A CONSUMER under a non-PRODUCER parent (an RPC server
			// mislabelled) stays synchronous.
			name: "consumer under a client is synchronous", mode: AsyncPrune,
			spans: []dag.SpanData{in(sp(0xa, 0, 1, 31), "svc", "A"), in(kind(sp(0xb, 0xa, 10, 20), dag.KindConsumer), "svc", "B")},
			want: []pathView{{Root: "A", Duration: 30, Segments: []string{"A[1,10]", "B[10,20]", "A[20,31]"},
				Spans: []string{"A crit=20 self=20", "B crit=10 self=10"}}},
		},
		{
			// Extended ends: A 31, B 20 (nothing later under them). A cut
			// 31: B → A [20,31]; B: C → B [14,20], C [12,14], B [10,12];
			// A [1,10]. No span owns time past its real end: no queue.
			name: "jaeger test5 follow", mode: AsyncFollow, spans: dag.Unpack(dag.Pack(test5)),
			want: []pathView{{Root: "A", Duration: 30,
				Segments: []string{"A[1,10]", "B[10,12]", "C[12,14]", "B[14,20]", "A[20,31]"},
				Spans:    []string{"A crit=20 self=20", "B crit=8 self=8", "C crit=2 self=2"}}},
		},
		{
			// frontend [0,100] → place order [5,90]: publish [60,70]; the
			// consumer is dropped. cut 100: place order → frontend
			// [90,100]; place order: publish → [70,90], publish [60,70],
			// place order [5,60]; frontend [0,5].
			name: "workflow prune", mode: AsyncPrune, spans: dag.Unpack(dag.Pack(shop)),
			want: []pathView{{Root: "POST /checkout", Duration: 100,
				Segments: []string{"POST /checkout[0,5]", "place order[5,60]", "orders publish[60,70]", "place order[70,90]", "POST /checkout[90,100]"},
				Spans: []string{"POST /checkout crit=15 self=15", "place order crit=75 self=75", "orders publish crit=10 self=10",
					"orders process crit=0 self=30 dropped", "INSERT crit=0 self=50 dropped"}}},
		},
		{
			// Extended ends: publish, place order and the root all run to
			// 200. Root cut 200: place order ends 200 → root owns nothing;
			// likewise place order into publish, and publish into process
			// (cut becomes 120, the waiter process). process: INSERT →
			// process [180,200], INSERT [130,180], process [120,130]. Back
			// in publish, [60,120] is past its real end 70 from 70 on:
			// publish [60,70], process queued [70,120]. place order at cut
			// 60 owns [5,60] (its real end 90 is later: no queue); the root
			// [0,5]. The frontend's answer at 100 is not on the workflow's
			// path: the worker finishes later.
			name: "workflow follow", mode: AsyncFollow, spans: dag.Unpack(dag.Pack(shop)),
			want: []pathView{{Root: "POST /checkout", Duration: 200,
				Segments: []string{"POST /checkout[0,5]", "place order[5,60]", "orders publish[60,70]", "queue orders process[70,120]",
					"orders process[120,130]", "INSERT[130,180]", "orders process[180,200]"},
				Spans: []string{"POST /checkout crit=5 self=15", "place order crit=55 self=75", "orders publish crit=10 self=10",
					"orders process crit=30 self=30 queue=50", "INSERT crit=50 self=50"}}},
		},
		{
			// A producer s2 [10,20] with consumers s3 [30,80] and s4
			// [15,60]. Extended: s2 [10,80]. Root cut 100: s2 → s1
			// [80,100]; s2 at cut 80: s3 (ends 80) → s2 owns nothing, s3
			// [30,80], cut 30 with waiter s3; s4 ends 60 > 30, passed over.
			// s2 owns [10,30]: [10,20] its own, [20,30] s3's queue wait.
			// s1 [0,10].
			name: "producer with two consumers follow", mode: AsyncFollow,
			spans: []dag.SpanData{sp(1, 0, 0, 100), kind(sp(2, 1, 10, 20), dag.KindProducer),
				kind(sp(3, 2, 30, 80), dag.KindConsumer), kind(sp(4, 2, 15, 60), dag.KindConsumer)},
			want: []pathView{{Root: "s1", Duration: 100,
				Segments: []string{"s1[0,10]", "s2[10,20]", "queue s3[20,30]", "s3[30,80]", "s1[80,100]"},
				Spans:    []string{"s1 crit=30 self=90", "s2 crit=10 self=5", "s4 crit=0 self=45", "s3 crit=50 self=50 queue=10"}}},
		},
		{
			// Two hops: s2 [10,20] → s3 [30,40] → s4 [55,60] (each a
			// consumer that produces the next message). Extended: s3 60,
			// s2 60, s1 60. s1 cut 60 → s2 → s3 → s4 [55,60]; s3 owns
			// [30,55]: [30,40] its own, [40,55] s4 queued; s2 owns
			// [10,30]: [10,20], s3 queued [20,30]; s1 [0,10].
			name: "queue after queue follow", mode: AsyncFollow,
			spans: []dag.SpanData{sp(1, 0, 0, 5), kind(sp(2, 1, 1, 20), dag.KindProducer),
				kind(sp(3, 2, 30, 40), dag.KindConsumer), followsFrom(sp(4, 3, 55, 60))},
			want: []pathView{{Root: "s1", Duration: 60,
				Segments: []string{"s1[0,1]", "s2[1,20]", "queue s3[20,30]", "s3[30,40]", "queue s4[40,55]", "s4[55,60]"},
				Spans:    []string{"s1 crit=1 self=1", "s2 crit=19 self=19", "s3 crit=10 self=10 queue=10", "s4 crit=5 self=5 queue=15"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := analyzeMode(build(tt.spans...), tt.mode)
			if diff := cmp.Diff(tt.want, view(a)); diff != "" {
				t.Errorf("analysis (-want +got):\n%s", diff)
			}
			checkInvariants(t, a, true)
		})
	}
}

// A consumer that starts a new trace with a link to the producer is joined
// to the producer's trace (dag.Join) and then walked like the one-trace
// workflow: the same segments.
func TestAnalyzeJoinedTraces(t *testing.T) {
	producer := dag.TraceID{1}
	consumer := dag.TraceID{2}
	at := func(id dag.TraceID, s dag.SpanData) dag.SpanData { s.TraceID = id; return s }
	process := in(kind(sp(4, 0, 120, 200), dag.KindConsumer), "worker", "orders process")
	process.Links = []dag.Link{{TraceID: producer, SpanID: sid(3)}}
	var ts dag.Traces
	ts.Add(dag.Pack([]dag.SpanData{
		at(producer, in(kind(sp(1, 0, 0, 100), dag.KindServer), "frontend", "POST /checkout")),
		at(producer, in(kind(sp(3, 1, 60, 70), dag.KindProducer), "checkout", "orders publish")),
		at(consumer, process),
		at(consumer, in(kind(sp(5, 4, 130, 180), dag.KindClient), "db", "INSERT")),
	}))
	var trees []*dag.Tree
	for _, tr := range ts.List() {
		trees = append(trees, dag.Build(tr))
	}
	joined := dag.Join(trees)
	if len(joined) != 1 || !slices.Equal(joined[0].Joined, []dag.TraceID{consumer}) {
		t.Fatalf("Join: %d trees, joined %v; want one tree joining %s", len(joined), joined[0].Joined, consumer)
	}
	want := map[Async][]pathView{
		// The joined root hangs under the producer by an asynchronous
		// edge: pruned like a consumer child.
		AsyncPrune: {{Root: "POST /checkout", Duration: 100,
			Segments: []string{"POST /checkout[0,60]", "orders publish[60,70]", "POST /checkout[70,100]"},
			Spans: []string{"POST /checkout crit=90 self=90", "orders publish crit=10 self=10",
				"orders process crit=0 self=30 dropped", "INSERT crit=0 self=50 dropped"}}},
		AsyncFollow: {{Root: "POST /checkout", Duration: 200,
			Segments: []string{"POST /checkout[0,60]", "orders publish[60,70]", "queue orders process[70,120]",
				"orders process[120,130]", "INSERT[130,180]", "orders process[180,200]"},
			Spans: []string{"POST /checkout crit=60 self=90", "orders publish crit=10 self=10",
				"orders process crit=30 self=30 queue=50", "INSERT crit=50 self=50"}}},
	}
	for mode, w := range want {
		a := analyzeMode(joined[0], mode)
		if diff := cmp.Diff(w, view(a)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", mode, diff)
		}
		checkInvariants(t, a, true)
	}
}

// randomAsync makes randomTrace's shapes with producers, consumers and
// FOLLOWS_FROM edges mixed in.
func randomAsync(r *rand.Rand) []dag.SpanData {
	spans := randomTrace(r)
	for i := range spans {
		switch r.IntN(6) {
		case 0:
			spans[i].Kind = dag.KindProducer
		case 1, 2:
			spans[i].Kind = dag.KindConsumer
		case 3:
			spans[i].AsyncParent = true
		}
	}
	return spans
}

// In follow mode the walk is Jaeger UI's walk on the extended intervals:
// the reference run on a copy of the trace whose spans end where their
// subtrees do must find the same segments once each queue wait is given
// back to the span that owned it (the waiter's parent). The segments tile
// [root start, last end under the root], and a queue wait lies past its
// owner's real end and ends where the waiter starts.
func TestFollowMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 2026))
	for k := range 500 {
		spans := randomAsync(r)
		tr := build(spans...)
		a := analyzeMode(tr, AsyncFollow)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("trace %d: %s\nspans: %s", k, fmt.Sprintf(format, args...), describe(spans))
		}
		checkInvariants(t, a, true)

		// Extended ends, the obvious way.
		ext := make(map[dag.SpanID]uint64)
		var extend func(i int32) uint64
		extend = func(i int32) uint64 {
			n := &tr.Nodes[i]
			e := max(n.Start, n.End)
			for _, c := range tr.Children(i) {
				e = max(e, extend(c))
			}
			if n.Span != nil {
				ext[n.ID] = e
			}
			return e
		}
		for pi, root := range tr.Roots {
			last := extend(root)
			if p := a.Paths[pi]; p.End != last {
				fail("path %d ends at %d, its last span at %d", pi, p.End, last)
			}
		}
		extended := slices.Clone(spans)
		for i := range extended {
			if e, ok := ext[extended[i].SpanID]; ok {
				extended[i].End = e
			}
		}
		xt := build(extended...)
		ref := newReference(xt)
		if diff := cmp.Diff(ref.dropped, a.Dropped); diff != "" {
			fail("dropped (-reference +got):\n%s", diff)
		}
		for pi, p := range a.Paths {
			var back []Segment
			for _, s := range p.Segments {
				n := &tr.Nodes[s.Node]
				if s.Queue {
					owner := n.Parent
					if s.End != a.Start[s.Node] || s.Start < max(tr.Nodes[owner].Start, tr.Nodes[owner].End) {
						fail("queue segment %+v: want it after its owner's end and up to the waiter's start %d", s, a.Start[s.Node])
					}
					s = Segment{Node: owner, Start: s.Start, End: s.End}
				} else if s.End > max(n.Start, n.End) {
					fail("segment %+v runs past its span's real end", s)
				}
				if k := len(back) - 1; k >= 0 && back[k].Node == s.Node && back[k].End == s.Start {
					back[k].End = s.End
					continue
				}
				back = append(back, s)
			}
			if diff := cmp.Diff(ref.path(xt.Roots[pi]), back); diff != "" {
				fail("path %d, queue waits given back (-reference +got):\n%s", pi, diff)
			}
		}
	}
}

// An Analyzer switching modes from one trace to the next leaves nothing
// of one mode behind in the other (Queue, extended ends).
func TestAnalyzerReuseAcrossModes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 2026))
	var z Analyzer
	for k := range 200 {
		spans := randomAsync(r)
		tr := build(spans...)
		z.Async = Async(k % 2)
		got := view(z.Analyze(tr))
		want := view(analyzeMode(tr, z.Async))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("trace %d, %s: reused Analyzer (-fresh +reused):\n%s", k, z.Async, diff)
		}
	}
}

// Queue waits are their own attribution rows and folded frames, so the
// rows still add up to the end-to-end total; the verdict can name one.
func TestAsyncAttribution(t *testing.T) {
	// Follow mode of the one-trace workflow of TestAnalyzeAsync, with the
	// queue wait stretched to make it the largest: frontend [0,5], place
	// order [5,60], publish [60,70], process queued [70,300],
	// process [300,310].
	tr := build(
		in(kind(sp(1, 0, 0, 100), dag.KindServer), "frontend", "POST /checkout"),
		in(sp(2, 1, 5, 90), "checkout", "place order"),
		in(kind(sp(3, 2, 60, 70), dag.KindProducer), "checkout", "orders publish"),
		in(kind(sp(4, 3, 300, 310), dag.KindConsumer), "worker", "orders process"),
	)
	a := analyzeMode(tr, AsyncFollow)
	at := NewAttribution(ByOperation)
	at.Add(a)
	var got []string
	var sum int64
	for _, r := range at.Rows() {
		got = append(got, fmt.Sprintf("%s spans=%d crit=%d self=%d", r.Key, r.Spans, r.Critical, r.Self))
		sum += r.Critical
	}
	want := []string{
		"worker/orders process ⋯ queued spans=1 crit=230 self=0",
		"checkout/place order spans=1 crit=55 self=75",
		"checkout/orders publish spans=1 crit=10 self=10",
		"worker/orders process spans=1 crit=10 self=10",
		"frontend/POST /checkout spans=1 crit=5 self=15",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if total, _ := at.EndToEnd(); sum != total || total != 310 {
		t.Errorf("rows add up to %d, end to end %d; want both 310", sum, total)
	}
	if k, v := a.Dominant(&a.Paths[0]); k != (Key{Service: "worker", Name: "orders process", Queue: true}) || v != 230 {
		t.Errorf("Dominant = %v %d, want the queue wait, 230", k, v)
	}

	// Merging keeps queue rows apart from the operation's own row.
	other := NewAttribution(ByService)
	other.Add(a)
	merged := NewAttribution(ByService)
	merged.Merge(other)
	got = got[:0]
	for _, r := range merged.Rows() {
		got = append(got, fmt.Sprintf("%s crit=%d", r.Key, r.Critical))
	}
	want = []string{"worker ⋯ queued crit=230", "checkout crit=65", "worker crit=10", "frontend crit=5"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("by service, merged (-want +got):\n%s", diff)
	}

	f := NewFolded(ByOperation, WeightCritical)
	f.Add(a)
	got = got[:0]
	f.Each(func(stack []Key, v int64) error {
		names := make([]string, len(stack))
		for i, k := range stack {
			names[i] = k.String()
		}
		got = append(got, fmt.Sprintf("%s %d", strings.Join(names, ";"), v))
		return nil
	})
	want = []string{
		"frontend/POST /checkout 5",
		"frontend/POST /checkout;checkout/place order 55",
		"frontend/POST /checkout;checkout/place order;checkout/orders publish 10",
		"frontend/POST /checkout;checkout/place order;checkout/orders publish;worker/orders process 10",
		"frontend/POST /checkout;checkout/place order;checkout/orders publish;worker/orders process ⋯ queued 230",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("folded (-want +got):\n%s", diff)
	}
}
