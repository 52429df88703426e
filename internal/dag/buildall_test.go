package dag

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestBuildAllMatchesBuild checks that building on many workers gives, tree
// for tree and in order, what Build gives one trace at a time: traces of
// every size (one giant among small ones), with orphans, duplicates and
// ids that collide across traces.
func TestBuildAllMatchesBuild(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var spans []SpanData
	for tid := range 300 {
		n := 1 + rng.IntN(60)
		if tid == 17 {
			n = 20000 // more than a worker's claim on its own
		}
		for i := range n {
			parent := uint64(0)
			if i > 0 {
				parent = uint64(1 + rng.IntN(i+1)) // now and then an orphan's or its own id
			}
			s := sp(uint64(i+1), parent, int64(rng.IntN(1000)), int64(1000+rng.IntN(1000)))
			s.TraceID = TraceID{byte(tid), byte(tid >> 8)}
			s.Resource = resFront
			spans = append(spans, s)
			if rng.IntN(50) == 0 {
				spans = append(spans, s) // a retry: an exact duplicate
			}
		}
	}
	rng.Shuffle(len(spans), func(i, j int) { spans[i], spans[j] = spans[j], spans[i] })
	var ts Traces
	for len(spans) > 0 {
		k := min(len(spans), 1000)
		ts.Add(Pack(spans[:k]))
		spans = spans[k:]
	}
	var want []*Tree
	for _, tr := range ts.List() {
		want = append(want, Build(tr))
	}
	for _, workers := range []int{1, 2, 7} {
		got := BuildAll(ts.List(), workers, false)
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("%d workers: the trees differ from Build's", workers)
		}
	}
	got := BuildAll(ts.List(), 3, true)
	if !reflect.DeepEqual(want, got) {
		t.Fatal("with release: the trees differ from Build's")
	}
	for _, tr := range ts.List() {
		if tr.Spans != nil {
			t.Fatalf("trace %s: the span list was not released", tr.ID)
		}
	}
	if got := BuildAll(nil, 2, true); len(got) != 0 {
		t.Fatalf("no traces: %d trees", len(got))
	}
}

// BenchmarkBuildAll builds 10,000 traces of 100 spans on one worker and on
// every core (0: GOMAXPROCS).
func BenchmarkBuildAll(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	var ts Traces
	for tid := range 10_000 {
		spans := make([]SpanData, 100)
		for i := range spans {
			spans[i] = sp(uint64(i+1), uint64(rng.IntN(i+1)), int64(rng.IntN(1000)), int64(1000+rng.IntN(1000)))
			spans[i].TraceID = TraceID{byte(tid), byte(tid >> 8)}
			spans[i].Resource = resFront
		}
		ts.Add(Pack(spans))
	}
	for _, workers := range []int{1, 0} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				BuildAll(ts.List(), workers, false)
			}
			b.ReportMetric(float64(ts.SpanCount())*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
		})
	}
}
