package live

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// at is one span: its trace number and its end time in seconds (it
// starts a second earlier).
type at struct {
	trace byte
	end   uint64
}

func timedBatch(spans ...at) []dag.Span {
	out := make([]dag.SpanData, len(spans))
	for i, s := range spans {
		end := s.end * uint64(time.Second)
		out[i] = dag.SpanData{TraceID: tid(s.trace), SpanID: dag.SpanID{7: byte(i + 1)}, Start: end - uint64(time.Second), End: end}
	}
	return dag.Pack(out)
}

// describeDone renders completed traces as "trace:spans[:why][+]", + for
// a continuation.
func describeDone(cs []Completed) []string {
	var out []string
	for _, c := range cs {
		s := fmt.Sprintf("%d:%d:%s", c.Trace.ID[15], len(c.Trace.Spans), c.Why)
		if c.Continued {
			s += "+"
		}
		out = append(out, s)
	}
	return out
}

func TestWindow(t *testing.T) {
	type step struct {
		add   []at
		whole bool
		flush bool
		want  []string
	}
	tests := []struct {
		name   string
		window time.Duration
		budget int64
		steps  []step
		split  int
		missed time.Duration
	}{
		{
			name:   "a trace completes when the input's clock passes its latest end by the window",
			window: 30 * time.Second,
			steps: []step{
				{add: []at{{1, 100}, {2, 105}}},
				{add: []at{{1, 110}}},
				{add: []at{{3, 135}}, want: []string{"2:1:window"}},
				{add: []at{{3, 140}}, want: []string{"1:2:window"}},
				{flush: true, want: []string{"3:2:end"}},
			},
		},
		{
			name:   "several complete at once: earliest latest end first, ties by trace id",
			window: 10 * time.Second,
			steps: []step{
				{add: []at{{3, 100}, {2, 100}, {1, 101}}},
				{add: []at{{4, 200}}, want: []string{"2:1:window", "3:1:window", "1:1:window"}},
			},
		},
		{
			name:   "the end hands on what is left by start, then trace id",
			window: time.Minute,
			steps: []step{
				{add: []at{{2, 100}, {1, 100}, {3, 99}}},
				{flush: true, want: []string{"3:1:end", "1:1:end", "2:1:end"}},
			},
		},
		{
			name:   "a late span opens a marked continuation and counts how much the window missed",
			window: 10 * time.Second,
			steps: []step{
				{add: []at{{1, 100}}},
				{add: []at{{2, 115}}, want: []string{"1:1:window"}},
				// The continuation waits for input after it, as any trace.
				{add: []at{{1, 101}, {1, 102}}},
				{add: []at{{1, 112}}},
				{flush: true, want: []string{"1:3:end+", "2:1:end"}},
			},
			split:  1,
			missed: 15 * time.Second,
		},
		{
			name:   "when the input's time runs back, a trace is judged by what is read after its last span",
			window: 10 * time.Second,
			steps: []step{
				{add: []at{{1, 100}}},
				{add: []at{{2, 200}}, want: []string{"1:1:window"}},
				// A second dump of an earlier hour: not complete at its first span.
				{add: []at{{3, 50}}},
				{add: []at{{3, 55}}},
				{add: []at{{4, 70}}, want: []string{"3:2:window"}},
				{flush: true, want: []string{"4:1:end", "2:1:end"}},
			},
		},
		{
			name: "a whole batch completes its traces at once, in the order they appear",
			steps: []step{
				{add: []at{{5, 100}}},
				{add: []at{{2, 100}, {2, 101}, {5, 99}, {2, 102}}, whole: true, want: []string{"2:3:whole", "5:2:whole"}},
				{flush: true},
			},
		},
		{
			name:   "past the budget the earliest-ending traces complete early",
			budget: 2, // a span each, charged by the test's Size
			steps: []step{
				{add: []at{{1, 100}}},
				{add: []at{{2, 90}}},
				{add: []at{{3, 95}}, want: []string{"2:1:early"}},
				{add: []at{{1, 101}}, want: []string{"3:1:early"}},
				{flush: true, want: []string{"1:2:end"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWindow(WindowOptions{Window: tt.window, Budget: tt.budget, Size: func(b []dag.Span) int64 { return int64(len(b)) }})
			total := 0
			for i, st := range tt.steps {
				var got []Completed
				switch {
				case st.flush:
					got = w.Flush()
				case st.whole:
					got = w.AddWhole(timedBatch(st.add...))
				default:
					got = w.Add(timedBatch(st.add...))
				}
				total += len(st.add)
				if diff := gocmp.Diff(st.want, describeDone(got)); diff != "" {
					t.Fatalf("step %d (-want +got):\n%s", i, diff)
				}
			}
			stats := w.Stats()
			if stats.Open != 0 && tt.steps[len(tt.steps)-1].flush {
				t.Errorf("%d traces open after Flush", stats.Open)
			}
			if stats.Open == 0 && stats.Held != 0 {
				t.Errorf("%d bytes still charged with no trace open", stats.Held)
			}
			if stats.Split != tt.split || stats.MaxMissed != tt.missed {
				t.Errorf("split %d, missed %s; want %d, %s", stats.Split, stats.MaxMissed, tt.split, tt.missed)
			}
		})
	}
}

// TestWindowKeepsEverySpan feeds interleaved traces through windows of
// several sizes and checks that every span comes out exactly once.
func TestWindowKeepsEverySpan(t *testing.T) {
	for _, window := range []time.Duration{time.Nanosecond, time.Second, 5 * time.Second, time.Hour} {
		w := NewWindow(WindowOptions{Window: window})
		var got []Completed
		want := 0
		for k := range 50 {
			var b []at
			for j := range 7 {
				// Traces overlap and a few spans come back to old traces.
				b = append(b, at{trace: byte((k + j*3) % 17), end: uint64(100 + k + j%3)})
			}
			want += len(b)
			got = append(got, w.Add(timedBatch(b...))...)
		}
		got = append(got, w.Flush()...)
		n := 0
		for _, c := range got {
			n += len(c.Trace.Spans)
		}
		if n != want {
			t.Errorf("window %s: %d spans out, %d in", window, n, want)
		}
	}
}

// BenchmarkWindow files 100,000 spans of 10,000 interleaved traces, in
// batches of 512 by end time as an exporter writes them, through a Window
// with the default window; it reports spans/s and the traces still open
// at the peak.
func BenchmarkWindow(b *testing.B) {
	const traces, perTrace, batchSize = 10_000, 10, 512
	spans := make([]dag.SpanData, 0, traces*perTrace)
	for k := range traces {
		start := uint64(k) * uint64(10*time.Millisecond) // 100 traces a second
		for i := range perTrace {
			end := start + uint64(i+1)*uint64(50*time.Millisecond)
			spans = append(spans, dag.SpanData{TraceID: dag.TraceID{0: byte(k), 1: byte(k >> 8), 15: 1}, SpanID: dag.SpanID{byte(i + 1)}, Start: start, End: end})
		}
	}
	slices.SortStableFunc(spans, func(a, c dag.SpanData) int { return cmp.Compare(a.End, c.End) })
	var batches [][]dag.Span
	for c := range slices.Chunk(spans, batchSize) {
		batches = append(batches, dag.Pack(c))
	}
	b.ReportAllocs()
	b.ResetTimer()
	peak := 0
	for range b.N {
		w := NewWindow(WindowOptions{})
		for _, batch := range batches {
			w.Add(batch)
			peak = max(peak, w.Stats().Open)
		}
		w.Flush()
	}
	b.ReportMetric(float64(len(spans))*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64(peak), "open-traces")
}
