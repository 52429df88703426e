package live

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// fakeClock is a manually advanced clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func tid(n byte) dag.TraceID { return dag.TraceID{15: n} }

// spans makes one span per trace number given, e.g. spans(1, 1, 2).
func spans(traces ...byte) []dag.SpanData {
	out := make([]dag.SpanData, len(traces))
	for i, t := range traces {
		out[i] = dag.SpanData{TraceID: tid(t), SpanID: dag.SpanID{7: byte(i + 1)}}
	}
	return out
}

// describe renders traces as "trace:spans" for comparison, e.g. "1:2".
func describe(ts []*dag.Trace) []string {
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%d:%d", t.ID[15], len(t.Spans)))
	}
	return out
}

func TestAssembler(t *testing.T) {
	type step struct {
		advance time.Duration
		add     []byte // trace numbers of one batch
		expire  bool
		flush   bool
		want    []string // traces handed on by this step
	}
	tests := []struct {
		name     string
		maxSpans int
		steps    []step
	}{
		{
			name: "trace completes after idle since its last span",
			steps: []step{
				{add: []byte{1, 1}},
				{advance: time.Second, add: []byte{1}},
				{advance: 1500 * time.Millisecond, expire: true},
				{advance: 500 * time.Millisecond, expire: true, want: []string{"1:3"}},
				{advance: time.Hour, expire: true},
			},
		},
		{
			name: "traces complete independently, least recently active first",
			steps: []step{
				{add: []byte{1, 2}},
				{advance: time.Second, add: []byte{3, 1}},
				{advance: time.Second, expire: true, want: []string{"2:1"}},
				{advance: time.Second, expire: true, want: []string{"3:1", "1:2"}},
			},
		},
		{
			name: "late span after completion starts a new trace",
			steps: []step{
				{add: []byte{1}},
				{advance: 2 * time.Second, expire: true, want: []string{"1:1"}},
				{add: []byte{1}},
				{flush: true, want: []string{"1:1"}},
			},
		},
		{
			name: "flush hands on everything",
			steps: []step{
				{add: []byte{1, 2, 1, 3}},
				{advance: time.Millisecond, add: []byte{2}},
				{flush: true, want: []string{"1:2", "3:1", "2:2"}},
				{flush: true},
			},
		},
		{
			name:     "full buffer hands on the least recently active early",
			maxSpans: 3,
			steps: []step{
				{add: []byte{1, 1}},
				{advance: time.Millisecond, add: []byte{2}},
				{advance: time.Millisecond, add: []byte{3}, want: []string{"1:2"}},
				{advance: time.Millisecond, add: []byte{2, 2}, want: []string{"3:1"}},
				{flush: true, want: []string{"2:3"}},
			},
		},
		{
			name:     "a batch bigger than the buffer is handed on whole",
			maxSpans: 2,
			steps: []step{
				{add: []byte{1, 1, 1}, want: []string{"1:3"}},
				{flush: true},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Unix(1000, 0)}
			a := New(Options{MaxSpans: tc.maxSpans, Now: clock.now})
			for i, st := range tc.steps {
				clock.advance(st.advance)
				var got []*dag.Trace
				if st.add != nil {
					got = append(got, a.Add(dag.Pack(spans(st.add...)))...)
				}
				if st.expire {
					got = append(got, a.Expire()...)
				}
				if st.flush {
					got = append(got, a.Flush()...)
				}
				if diff := cmp.Diff(st.want, describe(got)); diff != "" {
					t.Fatalf("step %d (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

func TestAssemblerStatsAndDeadline(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	a := New(Options{Idle: time.Second, MaxSpans: 2, Now: clock.now})
	if _, ok := a.NextDeadline(); ok {
		t.Error("NextDeadline on an empty assembler: ok = true")
	}
	a.Add(dag.Pack(spans(1)))
	clock.advance(300 * time.Millisecond)
	a.Add(dag.Pack(spans(2)))
	if d, ok := a.NextDeadline(); !ok || !d.Equal(time.Unix(1001, 0)) {
		t.Errorf("NextDeadline = %v, %v; want %v", d, ok, time.Unix(1001, 0))
	}
	a.Add(dag.Pack(spans(3, 3))) // evicts 1 and 2
	want := Stats{Spans: 4, Traces: 2, Early: 2, Buffered: 2, OpenTrace: 1}
	if diff := cmp.Diff(want, a.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

// BenchmarkAssembler feeds batches of 1,000 spans from a steady stream of
// traces while the clock moves 40ms per batch, so about 50 batches' worth
// of traces are open at a time, as under telemetrygen at full speed.
func BenchmarkAssembler(b *testing.B) {
	for _, perTrace := range []int{2, 10} {
		b.Run(fmt.Sprintf("%d-spans-per-trace", perTrace), func(b *testing.B) {
			clock := &fakeClock{t: time.Unix(1000, 0)}
			a := New(Options{Now: clock.now})
			const size = 1000
			b.ReportAllocs()
			next := uint64(0)
			for b.Loop() {
				batch := make([]dag.SpanData, size)
				for i := range batch {
					id := next + uint64(i/perTrace)
					batch[i].SpanID = dag.SpanID{7: byte(i + 1)}
					for k := 0; k < 8; k++ {
						batch[i].TraceID[15-k] = byte(id >> (8 * k))
					}
				}
				next += size / uint64(perTrace)
				a.Add(dag.Pack(batch))
				clock.advance(40 * time.Millisecond)
				a.Expire()
			}
			b.ReportMetric(float64(size*b.N)/b.Elapsed().Seconds(), "spans/s")
		})
	}
}
