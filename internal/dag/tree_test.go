package dag

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testTrace = TraceID{1}

func sid(n uint64) SpanID {
	var id SpanID
	binary.BigEndian.PutUint64(id[:], n)
	return id
}

// epoch is the time tests count from: above the int64 maximum, so every
// test also checks that times are handled as uint64 (DESIGN §2) and that
// offsets before it never wrap.
const epoch uint64 = 1<<63 + 1_000_000_000

// at returns the time ns after epoch.
func at(ns int64) uint64 { return Add(epoch, ns) }

// rel returns t as nanoseconds after epoch.
func rel(t uint64) int64 { return Sub(t, epoch) }

// sp makes a span with id n, parent p (0 = root), start and end (relative
// to epoch).
func sp(n, p uint64, start, end int64) SpanData {
	return SpanData{TraceID: testTrace, SpanID: sid(n), ParentSpanID: sid(p), Name: fmt.Sprintf("s%d", n), Start: at(start), End: at(end)}
}

// shape renders a tree as indented lines: "s1", "  s2", "missing 0000000000000009".
func shape(tr *Tree) string {
	var b strings.Builder
	for _, i := range tr.PreOrder() {
		n := &tr.Nodes[i]
		b.WriteString(strings.Repeat("  ", int(n.Depth)))
		if n.Missing() {
			fmt.Fprintf(&b, "missing %s\n", n.ID)
		} else {
			b.WriteString(n.Span.Name() + "\n")
		}
	}
	return b.String()
}

func rules(tr *Tree) []string {
	var out []string
	for _, f := range tr.Findings {
		out = append(out, fmt.Sprintf("%s %s %s", f.Rule, f.Severity, f.SpanID))
	}
	return out
}

func build(spans ...SpanData) *Tree {
	return Build(gather(spans))
}

// gather returns spans gathered as one trace, as Build takes it.
func gather(spans []SpanData) *Trace {
	var ts Traces
	ts.Add(Pack(spans))
	return ts.List()[0]
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name  string
		spans []SpanData
		shape string
		rules []string
		dups  int
	}{
		{
			name:  "children ordered by start",
			spans: []SpanData{sp(3, 1, 20, 30), sp(1, 0, 0, 100), sp(2, 1, 10, 20), sp(4, 2, 11, 12)},
			shape: "s1\n  s2\n    s4\n  s3\n",
		},
		{
			name:  "start ties broken by span id",
			spans: []SpanData{sp(1, 0, 0, 100), sp(3, 1, 10, 20), sp(2, 1, 10, 20)},
			shape: "s1\n  s2\n  s3\n",
		},
		{
			name:  "orphans share one placeholder per absent parent",
			spans: []SpanData{sp(1, 0, 0, 100), sp(2, 9, 10, 20), sp(3, 9, 5, 8), sp(4, 8, 50, 60)},
			shape: "s1\n" + "missing 0000000000000009\n  s3\n  s2\n" + "missing 0000000000000008\n  s4\n",
			rules: []string{
				"missing_parent warning 0000000000000002",
				"missing_parent warning 0000000000000003",
				"missing_parent warning 0000000000000004",
			},
		},
		{
			name:  "exact duplicate kept once",
			spans: []SpanData{sp(1, 0, 0, 100), sp(2, 1, 10, 20), sp(2, 1, 10, 20)},
			shape: "s1\n  s2\n",
			dups:  1,
		},
		{
			name:  "same id different content",
			spans: []SpanData{sp(1, 0, 0, 100), sp(2, 1, 10, 20), sp(2, 1, 10, 25)},
			shape: "s1\n  s2\n",
			rules: []string{"duplicate_span_id error 0000000000000002"},
		},
		{
			name:  "two-span cycle broken at earliest",
			spans: []SpanData{sp(1, 0, 0, 100), sp(2, 3, 10, 20), sp(3, 2, 5, 30), sp(4, 2, 11, 12)},
			shape: "s1\ns3\n  s2\n    s4\n",
			rules: []string{"parent_cycle error 0000000000000003"},
		},
		{
			name:  "span is its own parent",
			spans: []SpanData{sp(1, 1, 0, 100), sp(2, 1, 10, 20)},
			shape: "s1\n  s2\n",
			rules: []string{"parent_cycle error 0000000000000001"},
		},
		{
			name:  "multiple roots",
			spans: []SpanData{sp(1, 0, 0, 100), sp(2, 0, 200, 300), sp(3, 2, 210, 220)},
			shape: "s1\ns2\n  s3\n",
			rules: []string{"multiple_roots warning 0000000000000002"},
		},
		{
			name:  "zero span id kept, reported",
			spans: []SpanData{sp(1, 0, 0, 100), sp(0, 1, 10, 20), sp(0, 1, 30, 40)},
			shape: "s1\n  s0\n  s0\n",
			rules: []string{"invalid_span_id error 0000000000000000", "invalid_span_id error 0000000000000000"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := build(tc.spans...)
			if diff := cmp.Diff(tc.shape, shape(tr)); diff != "" {
				t.Errorf("shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.rules, rules(tr)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if tr.Duplicates != tc.dups {
				t.Errorf("Duplicates = %d, want %d", tr.Duplicates, tc.dups)
			}
		})
	}
}

func TestBuildZeroTraceID(t *testing.T) {
	s := sp(1, 0, 0, 10)
	s.TraceID = TraceID{}
	tr := build(s)
	if diff := cmp.Diff([]string{"invalid_trace_id error 0000000000000001"}, rules(tr)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestPlaceholderExtent(t *testing.T) {
	tr := build(sp(2, 9, 10, 20), sp(3, 9, 5, 8))
	r := tr.Nodes[tr.Roots[0]]
	if !r.Missing() || rel(r.Start) != 5 || rel(r.End) != 20 {
		t.Errorf("placeholder = missing %v [%d,%d], want missing [5,20]", r.Missing(), rel(r.Start), rel(r.End))
	}
	if got := tr.Root(); got != tr.Roots[0] {
		t.Errorf("Root() = %d, want the placeholder when there is no real root", got)
	}
}

// chain returns spans 1..n, each the parent of the next, in reverse order
// so parents arrive after children.
func chain(n int) []SpanData {
	spans := make([]SpanData, n)
	for i := range spans {
		id := uint64(n - i)
		spans[i] = sp(id, id-1, int64(id), int64(2*n)-int64(id))
	}
	return spans
}

func TestBuildDeepChain(t *testing.T) {
	const n = 1_000_000
	tr := build(chain(n)...)
	if len(tr.Findings) != 0 {
		t.Fatalf("findings on a clean chain: %v", tr.Findings[:1])
	}
	if len(tr.Roots) != 1 {
		t.Fatalf("roots = %d, want 1", len(tr.Roots))
	}
	deepest := int32(0)
	for i := range tr.Nodes {
		deepest = max(deepest, tr.Nodes[i].Depth)
	}
	if deepest != n-1 {
		t.Errorf("max depth = %d, want %d", deepest, n-1)
	}
}

func TestBuildDeepCycle(t *testing.T) {
	const n = 1_000_000
	spans := chain(n)
	spans[n-1].ParentSpanID = sid(n) // span 1's parent is the last span: one big loop
	tr := build(spans...)
	if diff := cmp.Diff([]string{"parent_cycle error 0000000000000001"}, rules(tr)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		trace := gather(wideTree(n))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Build(trace)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
		})
	}
}

// wideTree makes a tree with fan-out 4, shuffled
// deterministically.
func wideTree(n int) []SpanData {
	spans := make([]SpanData, n)
	for i := range spans {
		id := uint64(i + 1)
		spans[i] = sp(id, (id+2)/4, int64(i), int64(n+i))
	}
	for i := range spans {
		j := (i * 7919) % n
		spans[i], spans[j] = spans[j], spans[i]
	}
	return spans
}

// TestServices checks the first-appearance order of a trace's services,
// below and past the few that Services searches without a map.
func TestServices(t *testing.T) {
	for _, n := range []int{1, 3, 8, 9, 20} {
		var spans []SpanData
		var want []string
		res := map[int]*Resource{}
		for i := range 3 * n {
			k := (i * 7) % n // every service, out of order, three times
			if res[k] == nil {
				res[k] = &Resource{Service: fmt.Sprintf("svc%02d", k)}
				want = append(want, res[k].Service)
			}
			d := SpanData{TraceID: TraceID{1}, SpanID: SpanID{byte(i + 1)}, Start: uint64(i), End: uint64(i + 1), Resource: res[k]}
			if i > 0 {
				d.ParentSpanID = SpanID{byte(i)} // a chain: pre-order is input order
			}
			spans = append(spans, d)
		}
		if diff := cmp.Diff(want, build(spans...).Services()); diff != "" {
			t.Errorf("%d services (-want +got)\n%s", n, diff)
		}
	}
}
