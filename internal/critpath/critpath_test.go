package critpath

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

var testTrace = dag.TraceID{1}

func sid(n uint64) dag.SpanID {
	var id dag.SpanID
	binary.BigEndian.PutUint64(id[:], n)
	return id
}

var resources = map[string]*dag.Resource{}

func resource(svc string) *dag.Resource {
	r, ok := resources[svc]
	if !ok {
		r = &dag.Resource{Service: svc}
		resources[svc] = r
	}
	return r
}

// sp makes span n (named "s<n>", service "svc") under parent p (0: root).
// Times are uint64: negative ones are a mistake in the test.
func sp(n, p uint64, start, end int64) dag.SpanData {
	if start < 0 || end < 0 {
		panic(fmt.Sprintf("sp(%d): negative time", n))
	}
	return dag.SpanData{TraceID: testTrace, SpanID: sid(n), ParentSpanID: sid(p), Name: fmt.Sprintf("s%d", n),
		Start: uint64(start), End: uint64(end), Resource: resource("svc")}
}

// in sets a span's service and name.
func in(s dag.SpanData, svc, name string) dag.SpanData {
	s.Resource, s.Name = resource(svc), name
	return s
}

func build(spans ...dag.SpanData) *dag.Tree {
	var ts dag.Traces
	ts.Add(dag.Pack(spans))
	return dag.Build(ts.List()[0])
}

func label(tr *dag.Tree, i int32) string {
	if n := &tr.Nodes[i]; n.Span != nil {
		return n.Span.Name()
	}
	return "missing " + tr.Nodes[i].ID.String()
}

// pathView is a Path as test expectations spell it: segments as
// "name[start,end]" and spans as "name crit=C self=S" (+ " dropped").
type pathView struct {
	Root     string
	Duration int64
	Segments []string
	Spans    []string
}

func view(a *Analysis) []pathView {
	tr := a.Tree
	var out []pathView
	for _, p := range a.Paths {
		v := pathView{Root: label(tr, p.Root), Duration: p.Duration()}
		for _, s := range p.Segments {
			q := ""
			if s.Queue {
				q = "queue "
			}
			v.Segments = append(v.Segments, fmt.Sprintf("%s%s[%d,%d]", q, label(tr, s.Node), s.Start, s.End))
		}
		for _, i := range p.Nodes {
			s := fmt.Sprintf("%s crit=%d self=%d", label(tr, i), a.Critical[i], a.Self[i])
			if q := queueOf(a, i); q != 0 {
				s += fmt.Sprintf(" queue=%d", q)
			}
			if a.Dropped[i] {
				s += " dropped"
			}
			v.Spans = append(v.Spans, s)
		}
		out = append(out, v)
	}
	return out
}

// The expectations below are worked out by hand from DESIGN.md §4; each
// comment shows the walk.
func TestAnalyzeShapes(t *testing.T) {
	tests := []struct {
		name  string
		spans []dag.SpanData
		want  []pathView
	}{
		{
			// cut 100: s3 ends last → s1 owns [90,100]; s3 owns [50,90];
			// cut 50: s2 → s1 owns [40,50]; s2 [10,40]; cut 10: s1 [0,10].
			name:  "sequential children",
			spans: []dag.SpanData{sp(1, 0, 0, 100), sp(2, 1, 10, 40), sp(3, 1, 50, 90)},
			want: []pathView{{
				Root: "s1", Duration: 100,
				Segments: []string{"s1[0,10]", "s2[10,40]", "s1[40,50]", "s3[50,90]", "s1[90,100]"},
				Spans:    []string{"s1 crit=30 self=30", "s2 crit=30 self=30", "s3 crit=40 self=40"},
			}},
		},
		{
			// cut 100: s3 (ends 80) → s1 [80,100], s3 [20,80]; cut 20:
			// s2 (60) and s4 (50) end after 20 → s1 owns [0,20].
			// self s1 = 100 − |[10,80]| = 30.
			name:  "overlapping children",
			spans: []dag.SpanData{sp(1, 0, 0, 100), sp(2, 1, 10, 60), sp(3, 1, 20, 80), sp(4, 1, 30, 50)},
			want: []pathView{{
				Root: "s1", Duration: 100,
				Segments: []string{"s1[0,20]", "s3[20,80]", "s1[80,100]"},
				Spans:    []string{"s1 crit=40 self=30", "s2 crit=0 self=50", "s3 crit=60 self=60", "s4 crit=0 self=20"},
			}},
		},
		{
			// s2 [50,150] is clipped to [50,100]; cut 100: s2 ends at 100
			// → s1 owns nothing; s2: s3 → s2 [70,100], s3 [60,70], s2
			// [50,60]; back in s1 at 50: [0,50]. Self of s2 uses its own
			// interval: 100 − 10.
			name:  "child ends after parent",
			spans: []dag.SpanData{sp(1, 0, 0, 100), sp(2, 1, 50, 150), sp(3, 2, 60, 70)},
			want: []pathView{{
				Root: "s1", Duration: 100,
				Segments: []string{"s1[0,50]", "s2[50,60]", "s3[60,70]", "s2[70,100]"},
				Spans:    []string{"s1 crit=50 self=50", "s2 crit=40 self=90", "s3 crit=10 self=10"},
			}},
		},
		{
			// s3 [40,80] starts before its parent s2 [50,90]: clipped to
			// [50,80]. cut 100: s2 → s1 [90,100]; s2: s3 → s2 [80,90],
			// s3 [50,80]; s2 owns [50,50] (nothing); s1 [0,50].
			name:  "child starts before parent",
			spans: []dag.SpanData{sp(1, 0, 0, 100), sp(2, 1, 50, 90), sp(3, 2, 40, 80)},
			want: []pathView{{
				Root: "s1", Duration: 100,
				Segments: []string{"s1[0,50]", "s3[50,80]", "s2[80,90]", "s1[90,100]"},
				Spans:    []string{"s1 crit=60 self=60", "s2 crit=10 self=10", "s3 crit=30 self=40"},
			}},
		},
		{
			// s4 ends before s1 starts, s3 starts after s1 ends: both
			// dropped, s5 with its parent s3. Only s2 remains.
			name: "child wholly outside dropped with subtree",
			spans: []dag.SpanData{sp(1, 0, 100, 200), sp(2, 1, 110, 120), sp(3, 1, 250, 300), sp(5, 3, 260, 270),
				sp(4, 1, 50, 90)},
			want: []pathView{{
				Root: "s1", Duration: 100,
				Segments: []string{"s1[100,110]", "s2[110,120]", "s1[120,200]"},
				Spans: []string{"s1 crit=90 self=90", "s4 crit=0 self=40 dropped", "s2 crit=10 self=10",
					"s3 crit=0 self=40 dropped", "s5 crit=0 self=10 dropped"},
			}},
		},
		{
			// A producer s2 [10,20] with two consumers, s3 [30,80] and s4
			// [15,60]: asynchronous children, pruned with AsyncPrune (as
			// Jaeger UI does; async_test.go has the follow mode). cut 100:
			// s2 → s1 [20,100]; s2 has no kept child: s2 [10,20]; s1 [0,10].
			name: "async producer and consumers",
			spans: func() []dag.SpanData {
				prod, c1, c2 := sp(2, 1, 10, 20), sp(3, 2, 30, 80), sp(4, 2, 15, 60)
				prod.Kind, c1.Kind, c2.Kind = dag.KindProducer, dag.KindConsumer, dag.KindConsumer
				return []dag.SpanData{sp(1, 0, 0, 100), prod, c1, c2}
			}(),
			want: []pathView{{
				Root: "s1", Duration: 100,
				Segments: []string{"s1[0,10]", "s2[10,20]", "s1[20,100]"},
				Spans:    []string{"s1 crit=90 self=90", "s2 crit=10 self=5", "s4 crit=0 self=45 dropped", "s3 crit=0 self=50 dropped"},
			}},
		},
		{
			// s2, s3, s4 all end at 50; s3 and s4 start later than s2 and s3
			// has the smaller id → s3 is taken. s5 is zero-length at 50: it
			// ends at 50 too but starts latest, so it is taken first and owns
			// nothing. Then s3, then at cut 20 s2 and s4 end too late.
			name: "ties in end time",
			spans: []dag.SpanData{sp(1, 0, 0, 100), sp(2, 1, 10, 50), sp(4, 1, 20, 50), sp(3, 1, 20, 50),
				sp(5, 1, 50, 50)},
			want: []pathView{{
				Root: "s1", Duration: 100,
				Segments: []string{"s1[0,20]", "s3[20,50]", "s1[50,100]"},
				Spans: []string{"s1 crit=70 self=60", "s2 crit=0 self=40", "s3 crit=30 self=30",
					"s4 crit=0 self=30", "s5 crit=0 self=0"},
			}},
		},
		{
			// A zero-length child splits nothing: s1's two stretches merge.
			name:  "zero-length child merges segments",
			spans: []dag.SpanData{sp(1, 0, 0, 100), sp(2, 1, 50, 50)},
			want: []pathView{{
				Root: "s1", Duration: 100,
				Segments: []string{"s1[0,100]"},
				Spans:    []string{"s1 crit=100 self=100", "s2 crit=0 self=0"},
			}},
		},
		{
			name:  "single span",
			spans: []dag.SpanData{sp(1, 0, 0, 100)},
			want:  []pathView{{Root: "s1", Duration: 100, Segments: []string{"s1[0,100]"}, Spans: []string{"s1 crit=100 self=100"}}},
		},
		{
			// end before start: treated as lasting 0 ns.
			name:  "single span ending before it starts",
			spans: []dag.SpanData{sp(1, 0, 100, 50)},
			want:  []pathView{{Root: "s1", Duration: 0, Spans: []string{"s1 crit=0 self=0"}}},
		},
		{
			name: "multiple roots",
			spans: []dag.SpanData{sp(1, 0, 0, 100), sp(2, 1, 10, 20),
				sp(3, 0, 200, 300), sp(4, 3, 250, 260)},
			want: []pathView{
				{
					Root: "s1", Duration: 100,
					Segments: []string{"s1[0,10]", "s2[10,20]", "s1[20,100]"},
					Spans:    []string{"s1 crit=90 self=90", "s2 crit=10 self=10"},
				},
				{
					Root: "s3", Duration: 100,
					Segments: []string{"s3[200,250]", "s4[250,260]", "s3[260,300]"},
					Spans:    []string{"s3 crit=90 self=90", "s4 crit=10 self=10"},
				},
			},
		},
		{
			// s2 and s3 hang under a placeholder for absent span 9, whose
			// extent is theirs, [10,50]. The gap between them is owned by the
			// missing span.
			name:  "orphans under a placeholder",
			spans: []dag.SpanData{sp(1, 0, 0, 100), sp(2, 9, 10, 30), sp(3, 9, 40, 50)},
			want: []pathView{
				{Root: "s1", Duration: 100, Segments: []string{"s1[0,100]"}, Spans: []string{"s1 crit=100 self=100"}},
				{
					Root: "missing 0000000000000009", Duration: 40,
					Segments: []string{"s2[10,30]", "missing 0000000000000009[30,40]", "s3[40,50]"},
					Spans:    []string{"missing 0000000000000009 crit=10 self=10", "s2 crit=20 self=20", "s3 crit=10 self=10"},
				},
			},
		},
		{
			// A cycle s2 → s3 → s2 is broken at s3 (earliest), which becomes
			// a root of its own.
			name:  "broken parent cycle",
			spans: []dag.SpanData{sp(1, 0, 0, 100), sp(2, 3, 10, 20), sp(3, 2, 5, 30)},
			want: []pathView{
				{Root: "s1", Duration: 100, Segments: []string{"s1[0,100]"}, Spans: []string{"s1 crit=100 self=100"}},
				{
					Root: "s3", Duration: 25,
					Segments: []string{"s3[5,10]", "s2[10,20]", "s3[20,30]"},
					Spans:    []string{"s3 crit=15 self=15", "s2 crit=10 self=10"},
				},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Analyze(build(tc.spans...))
			if diff := cmp.Diff(tc.want, view(a)); diff != "" {
				t.Errorf("analysis (-want +got):\n%s", diff)
			}
			checkInvariants(t, a, true)
		})
	}
}

// queueOf is node i's queue time (Queue is nil with AsyncPrune).
func queueOf(a *Analysis, i int32) int64 {
	if a.Queue == nil {
		return 0
	}
	return a.Queue[i]
}

// checkInvariants verifies what must hold for every analysis: segments
// tile each root exactly, critical and queue times add up to the root's
// duration, and self time lies within [0, duration].
func checkInvariants(t *testing.T, a *Analysis, rawSelf bool) {
	t.Helper()
	tr := a.Tree
	seen := 0
	for pi, p := range a.Paths {
		if p.Root != tr.Roots[pi] || p.Nodes[0] != p.Root {
			t.Fatalf("path %d: root %d, nodes[0] %d, want %d", pi, p.Root, p.Nodes[0], tr.Roots[pi])
		}
		seen += len(p.Nodes)
		at := p.Start
		for k, s := range p.Segments {
			if s.Start != at || s.End <= s.Start {
				t.Fatalf("path %d segment %d = [%d,%d], want it to start at %d and be non-empty", pi, k, s.Start, s.End, at)
			}
			if k > 0 && p.Segments[k-1].Node == s.Node && p.Segments[k-1].Queue == s.Queue {
				t.Fatalf("path %d segments %d and %d both owned by node %d: not merged", pi, k-1, k, s.Node)
			}
			if a.Dropped[s.Node] {
				t.Fatalf("path %d segment %d owned by dropped node %d", pi, k, s.Node)
			}
			at = s.End
		}
		if at != p.End {
			t.Fatalf("path %d: segments end at %d, root ends at %d", pi, at, p.End)
		}
		var sum int64
		for _, i := range p.Nodes {
			sum += a.Critical[i] + queueOf(a, i)
			d := dag.Sub(a.End[i], a.Start[i])
			if rawSelf {
				n := &tr.Nodes[i]
				d = max(n.Duration(), 0)
			}
			if !a.Dropped[i] || rawSelf {
				if a.Self[i] < 0 || a.Self[i] > d {
					t.Fatalf("node %d: self %d outside [0,%d]", i, a.Self[i], d)
				}
			}
			if a.Dropped[i] && a.Critical[i]+queueOf(a, i) != 0 {
				t.Fatalf("dropped node %d has critical time %d, queue time %d", i, a.Critical[i], queueOf(a, i))
			}
		}
		if sum != p.Duration() {
			t.Fatalf("path %d: critical times add up to %d, root lasts %d", pi, sum, p.Duration())
		}
	}
	if seen != len(tr.Nodes) {
		t.Fatalf("paths list %d nodes, tree has %d", seen, len(tr.Nodes))
	}
}

// chain returns spans 1..n, each the parent of the next, span k lasting
// [k, 2n−k]; the last one is zero-length.
func chain(n int) []dag.SpanData {
	spans := make([]dag.SpanData, n)
	for i := range spans {
		id := uint64(n - i)
		spans[i] = sp(id, id-1, int64(id), int64(2*n)-int64(id))
	}
	return spans
}

func TestAnalyzeDeepChain(t *testing.T) {
	const n = 1_000_000
	tr := build(chain(n)...)
	a := Analyze(tr)
	checkInvariants(t, a, true)
	p := a.Paths[0]
	// Spans 1..n−2 own 1 ns at each end; span n−1 owns [n−1, n+1] in one
	// piece because the last span is zero-length.
	if got, want := len(p.Segments), 2*(n-2)+1; got != want {
		t.Fatalf("segments = %d, want %d", got, want)
	}
	want := []string{"s1[1,2]", "s2[2,3]"}
	if diff := cmp.Diff(want, view(a)[0].Segments[:2]); diff != "" {
		t.Errorf("first segments (-want +got):\n%s", diff)
	}
	mid := p.Segments[n-2]
	if got := fmt.Sprintf("%s[%d,%d]", label(tr, mid.Node), mid.Start, mid.End); got != fmt.Sprintf("s%d[%d,%d]", n-1, n-1, n+1) {
		t.Errorf("middle segment = %s", got)
	}
	for _, i := range p.Nodes {
		want := int64(2)
		if tr.Nodes[i].Span.Name() == fmt.Sprint("s", n) {
			want = 0
		}
		if a.Critical[i] != want || a.Self[i] != want {
			t.Fatalf("%s: crit %d self %d, want %d", label(tr, i), a.Critical[i], a.Self[i], want)
		}
	}

	// What-if and aggregation must be iterative too.
	// Every gap is 1 ns; half as fast makes each 2 ns.
	b, m := a.Retime([]Speedup{{Service: "svc", Factor: 0.5}})
	if m != n {
		t.Errorf("matched %d spans, want %d", m, n)
	}
	if got, want := b.Duration(), int64(4*n-4); got != want {
		t.Errorf("re-timed duration = %d, want %d", got, want)
	}
	checkInvariants(t, b, false)
	at := NewAttribution(ByOperation)
	at.Add(a)
	if rows := at.Rows(); len(rows) != n {
		t.Errorf("attribution rows = %d, want %d", len(rows), n)
	}
	f := NewFolded(ByService, WeightCritical)
	f.Add(a)
	lines, depth := 0, 0
	if err := f.Each(func(stack []Key, v int64) error {
		lines++
		depth = max(depth, len(stack))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if lines != n-1 || depth != n-1 {
		t.Errorf("folded: %d lines, max depth %d; want %d, %d", lines, depth, n-1, n-1)
	}
}

func TestOnPath(t *testing.T) {
	a := Analyze(build(sp(1, 0, 0, 100), sp(2, 1, 10, 60), sp(3, 1, 20, 80)))
	got := map[string]bool{}
	for i, on := range a.OnPath() {
		got[label(a.Tree, int32(i))] = on
	}
	want := map[string]bool{"s1": true, "s2": false, "s3": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OnPath (-want +got):\n%s", diff)
	}
}

func TestRetime(t *testing.T) {
	seq := []dag.SpanData{
		in(sp(1, 0, 0, 100), "front", "GET /"),
		in(sp(2, 1, 10, 40), "pay", "charge"),
		in(sp(3, 1, 50, 90), "db", "query"),
	}
	overlap := []dag.SpanData{
		in(sp(1, 0, 0, 100), "front", "GET /"),
		in(sp(2, 1, 10, 60), "pay", "charge"),
		in(sp(3, 1, 20, 80), "db", "query"),
	}
	tests := []struct {
		name    string
		spans   []dag.SpanData
		rules   string
		matched int
		want    []string // "name[start,end]" per node, pre-order
		path    []string
	}{
		{
			name: "factor 1 changes nothing", spans: dag.Unpack(dag.Pack(seq)), rules: "service=front:1", matched: 1,
			want: []string{"GET /[0,100]", "charge[10,40]", "query[50,90]"},
			path: []string{"GET /[0,10]", "charge[10,40]", "GET /[40,50]", "query[50,90]", "GET /[90,100]"},
		},
		{
			// front's three 10 ns gaps halve; its children move up.
			name: "parent self work", spans: dag.Unpack(dag.Pack(seq)), rules: "service=front:2", matched: 1,
			want: []string{"GET /[0,85]", "charge[5,35]", "query[40,80]"},
			path: []string{"GET /[0,5]", "charge[5,35]", "GET /[35,40]", "query[40,80]", "GET /[80,85]"},
		},
		{
			// charge takes 15 instead of 30; query waited on it.
			name: "earlier sibling", spans: dag.Unpack(dag.Pack(seq)), rules: "operation=pay/charge:2", matched: 1,
			want: []string{"GET /[0,85]", "charge[10,25]", "query[35,75]"},
			path: []string{"GET /[0,10]", "charge[10,25]", "GET /[25,35]", "query[35,75]", "GET /[75,85]"},
		},
		{
			// query [20,80] ran alongside charge [10,60]: it keeps its
			// 10 ns offset, ends at 50, and charge becomes critical.
			name: "concurrent sibling", spans: dag.Unpack(dag.Pack(overlap)), rules: "service=db:2", matched: 1,
			want: []string{"GET /[0,80]", "charge[10,60]", "query[20,50]"},
			path: []string{"GET /[0,10]", "charge[10,60]", "GET /[60,80]"},
		},
		{
			// the operation rule wins over the service rule for charge.
			name: "operation beats service", spans: dag.Unpack(dag.Pack(seq)), rules: "operation=pay/charge:3,service=pay:100", matched: 1,
			want: []string{"GET /[0,80]", "charge[10,20]", "query[30,70]"},
			path: []string{"GET /[0,10]", "charge[10,20]", "GET /[20,30]", "query[30,70]", "GET /[70,80]"},
		},
		{
			// twice as slow
			name: "slowdown", spans: dag.Unpack(dag.Pack(seq)), rules: "service=db:0.5", matched: 1,
			want: []string{"GET /[0,140]", "charge[10,40]", "query[50,130]"},
			path: []string{"GET /[0,10]", "charge[10,40]", "GET /[40,50]", "query[50,130]", "GET /[130,140]"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rules []Speedup
			for _, r := range strings.Split(tc.rules, ",") {
				sr, err := ParseSpeedup(r)
				if err != nil {
					t.Fatal(err)
				}
				rules = append(rules, sr)
			}
			a := Analyze(build(tc.spans...))
			b, m := a.Retime(rules)
			if m != tc.matched {
				t.Errorf("matched = %d, want %d", m, tc.matched)
			}
			var got []string
			for _, i := range b.Paths[0].Nodes {
				got = append(got, fmt.Sprintf("%s[%d,%d]", label(b.Tree, i), b.Start[i], b.End[i]))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("re-timed spans (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.path, view(b)[0].Segments); diff != "" {
				t.Errorf("re-timed critical path (-want +got):\n%s", diff)
			}
			checkInvariants(t, b, false)
		})
	}
}

func TestParseSpeedup(t *testing.T) {
	tests := []struct {
		in   string
		want Speedup
		err  string
	}{
		{in: "service=payment:2", want: Speedup{Service: "payment", Factor: 2}},
		{in: "operation=payment/charge:1.5", want: Speedup{Service: "payment", Name: "charge", Operation: true, Factor: 1.5}},
		{in: "operation=frontend/GET /cart:id:4", want: Speedup{Service: "frontend", Name: "GET /cart:id", Operation: true, Factor: 4}},
		{in: "payment:2", err: `speedup "payment:2": want service=NAME:K or operation=SERVICE/SPAN:K`},
		{in: "service=payment", err: `speedup "service=payment": missing :K factor (e.g. service=payment:2)`},
		{in: "service=payment:0", err: `speedup "service=payment:0": factor "0" is not a positive number`},
		{in: "service=payment:x", err: `speedup "service=payment:x": factor "x" is not a positive number`},
		{in: "service=payment:NaN", err: `speedup "service=payment:NaN": factor "NaN" is not a positive number`},
		{in: "operation=payment:2", err: `speedup "operation=payment:2": operation must be SERVICE/SPAN NAME`},
		{in: "host=a:2", err: `speedup "host=a:2": unknown kind "host" (want service or operation)`},
		{in: "service=:2", err: `speedup "service=:2": empty service name`},
	}
	for _, tc := range tests {
		got, err := ParseSpeedup(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseSpeedup(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSpeedup(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseSpeedup(%q) (-want +got):\n%s", tc.in, diff)
		}
		if back, _ := ParseSpeedup(got.String()); back != got {
			t.Errorf("ParseSpeedup(%q).String() = %q does not round-trip", tc.in, got.String())
		}
	}
}

func TestAttribution(t *testing.T) {
	// Two traces: in the first, pay/charge owns 30 of 100 ns; in the
	// second 50 of 100 ns (pay/sign owns 10 inside it), plus an orphan
	// root of 10 ns: 210 ns end to end in all. db/query is in the first
	// only.
	t1 := build(
		in(sp(1, 0, 0, 100), "front", "GET /"),
		in(sp(2, 1, 10, 40), "pay", "charge"),
		in(sp(3, 1, 50, 90), "db", "query"),
	)
	t2 := build(
		in(sp(1, 0, 0, 100), "front", "GET /"),
		in(sp(2, 1, 20, 80), "pay", "charge"),
		in(sp(4, 2, 30, 40), "pay", "sign"),
		in(sp(9, 77, 200, 210), "pay", "late"), // orphan: its own root
	)
	a1, a2 := Analyze(t1), Analyze(t2)

	at := NewAttribution(ByOperation)
	at.Add(a1)
	at.Add(a2)
	want := []Row{
		{Key: Key{Service: "front", Name: "GET /"}, Spans: 2, Traces: 2, Self: 70, SelfShare: 70.0 / 210, Critical: 70,
			CriticalShare: 70.0 / 210, PerTrace: Percentiles{30, 40, 40}, Samples: []int64{30, 40}},
		{Key: Key{Service: "pay", Name: "charge"}, Spans: 2, Traces: 2, Self: 80, SelfShare: 80.0 / 210, Critical: 80,
			CriticalShare: 80.0 / 210, PerTrace: Percentiles{30, 50, 50}, Samples: []int64{30, 50}},
		{Key: Key{Service: "db", Name: "query"}, Spans: 1, Traces: 1, Self: 40, SelfShare: 40.0 / 210, Critical: 40,
			CriticalShare: 40.0 / 210, PerTrace: Percentiles{40, 40, 40}, Samples: []int64{40}},
		{Key: Key{Service: "pay", Name: "late"}, Spans: 1, Traces: 1, Self: 10, SelfShare: 10.0 / 210, Critical: 10,
			CriticalShare: 10.0 / 210, PerTrace: Percentiles{10, 10, 10}, Samples: []int64{10}},
		{Key: Key{Service: "pay", Name: "sign"}, Spans: 1, Traces: 1, Self: 10, SelfShare: 10.0 / 210, Critical: 10,
			CriticalShare: 10.0 / 210, PerTrace: Percentiles{10, 10, 10}, Samples: []int64{10}},
		// Placeholders are not spans: counting them made attrib report one
		// span more than the input has (issue 11.7).
		{Key: Key{Missing: true}, Spans: 0, Traces: 1, PerTrace: Percentiles{0, 0, 0}, Samples: []int64{0}},
	}
	// Sorted by critical time: charge (80) before front (70).
	want[0], want[1] = want[1], want[0]
	if diff := cmp.Diff(want, at.Rows()); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	total, e2e := at.EndToEnd()
	if total != 210 || e2e != (Percentiles{100, 110, 110}) {
		t.Errorf("EndToEnd = %d %v, want 210 {100 110 110}", total, e2e)
	}

	// Read back from its rows and end-to-end times (what attrib -o json
	// writes), it is the same attribution, and merges like one.
	back := NewAttribution(ByOperation)
	for _, r := range at.Rows() {
		if err := back.AddRow(r); err != nil {
			t.Fatalf("AddRow(%v): %v", r.Key, err)
		}
	}
	back.AddEndToEnd(at.EndToEndSamples())
	if diff := cmp.Diff(at.Rows(), back.Rows()); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if back.Traces() != 2 || !slices.Equal(back.EndToEndSamples(), []int64{100, 110}) {
		t.Errorf("read back: %d traces, end to end %v, want 2 [100 110]", back.Traces(), back.EndToEndSamples())
	}
	one := NewAttribution(ByOperation)
	one.Add(a1)
	two := NewAttribution(ByOperation)
	two.Add(a2)
	restored := NewAttribution(ByOperation)
	for _, r := range two.Rows() {
		if err := restored.AddRow(r); err != nil {
			t.Fatal(err)
		}
	}
	restored.AddEndToEnd(two.EndToEndSamples())
	one.Merge(restored)
	if diff := cmp.Diff(want, one.Rows()); diff != "" {
		t.Errorf("merged with a restored attribution (-want +got):\n%s", diff)
	}

	bySvc := NewAttribution(ByService)
	bySvc.Add(a1)
	bySvc.Add(a2)
	var got []string
	for _, r := range bySvc.Rows() {
		got = append(got, fmt.Sprintf("%s spans=%d crit=%d self=%d p50=%d", r.Key, r.Spans, r.Critical, r.Self, r.PerTrace.P50))
	}
	wantSvc := []string{
		"pay spans=4 crit=100 self=100 p50=30",
		"front spans=2 crit=70 self=70 p50=30",
		"db spans=1 crit=40 self=40 p50=40",
		"missing span spans=0 crit=0 self=0 p50=0",
	}
	if diff := cmp.Diff(wantSvc, got); diff != "" {
		t.Errorf("by service (-want +got):\n%s", diff)
	}

	if k, v := a2.Dominant(&a2.Paths[0]); k != (Key{Service: "pay", Name: "charge"}) || v != 50 {
		t.Errorf("Dominant = %v %d, want pay/charge 50", k, v)
	}
}

func TestWhatIf(t *testing.T) {
	w := WhatIf{Rules: []Speedup{{Service: "pay", Factor: 2}}}
	for _, end := range []int64{40, 60, 80} {
		w.Add(Analyze(build(
			in(sp(1, 0, 0, end+10), "front", "GET /"),
			in(sp(2, 1, 10, end), "pay", "charge"),
		)))
	}
	want := WhatIfReport{
		Rules: w.Rules, Traces: 3, MatchedSpans: 3,
		Before: Percentiles{70, 90, 90}, After: Percentiles{45, 55, 55},
		TotalBefore: 210, TotalAfter: 135,
	}
	if diff := cmp.Diff(want, w.Report()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestFolded(t *testing.T) {
	tr := build(
		in(sp(1, 0, 0, 100), "front", "GET /"),
		in(sp(2, 1, 10, 40), "pay", "charge"),
		in(sp(4, 2, 20, 30), "db", "query"),
		in(sp(3, 1, 50, 90), "db", "query"),
	)
	a := Analyze(tr)
	stacks := func(by By, w Weight) []string {
		f := NewFolded(by, w)
		f.Add(a)
		f.Add(a)
		var out []string
		f.Each(func(stack []Key, v int64) error {
			names := make([]string, len(stack))
			for i, k := range stack {
				names[i] = k.String()
			}
			out = append(out, fmt.Sprintf("%s %d", strings.Join(names, ";"), v))
			return nil
		})
		return out
	}
	want := []string{
		"front/GET / 60",
		"front/GET /;db/query 80",
		"front/GET /;pay/charge 40",
		"front/GET /;pay/charge;db/query 20",
	}
	if diff := cmp.Diff(want, stacks(ByOperation, WeightCritical)); diff != "" {
		t.Errorf("critical (-want +got):\n%s", diff)
	}
	want = []string{"front 60", "front;db 80", "front;pay 40", "front;pay;db 20"}
	if diff := cmp.Diff(want, stacks(ByService, WeightSelf)); diff != "" {
		t.Errorf("self by service (-want +got):\n%s", diff)
	}
}

func FuzzParseSpeedup(f *testing.F) {
	for _, s := range []string{"service=payment:2", "operation=payment/charge:1.5", "operation=a/GET /x:y:3", "service=:2", "x", "service=a:1e309"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseSpeedup(s)
		if err != nil {
			return
		}
		if !(r.Factor > 0) || r.Service == "" {
			t.Fatalf("ParseSpeedup(%q) = %+v: accepted a bad rule", s, r)
		}
		back, err := ParseSpeedup(r.String())
		if err != nil || back != r {
			t.Fatalf("ParseSpeedup(%q).String() = %q → %+v, %v: does not round-trip", s, r.String(), back, err)
		}
	})
}

// TestAttributionAddRowRejects: a row read back must be one an Attribution
// could have written; anything else is an error naming the group, not a
// silently wrong merge.
func TestAttributionAddRowRejects(t *testing.T) {
	op := Key{Service: "pay", Name: "charge"}
	ok := Row{Key: op, Spans: 2, Traces: 2, Self: 5, Critical: 30, Samples: []int64{10, 20}}
	tests := []struct {
		name string
		by   By
		edit func(r *Row)
		want string
	}{
		{"samples for fewer traces", ByOperation, func(r *Row) { r.Traces = 3 }, "pay/charge: 2 per-trace times for 3 traces"},
		{"samples do not add up", ByOperation, func(r *Row) { r.Critical = 31 }, "add up to 30 ns, not the critical time 31 ns"},
		{"negative sample", ByOperation, func(r *Row) { r.Samples = []int64{-10, 40} }, "negative per-trace time -10"},
		{"negative self", ByOperation, func(r *Row) { r.Self = -1 }, "negative"},
		{"no traces", ByOperation, func(r *Row) { r.Traces, r.Samples, r.Critical = 0, nil, 0 }, "at least one trace"},
		{"missing with spans", ByOperation, func(r *Row) { r.Key = Key{Missing: true} }, "group of missing spans"},
		{"queue with self time", ByOperation, func(r *Row) { r.Queue = true }, "queue waits have no self time"},
		{"operation by service", ByService, func(r *Row) {}, "an operation in an attribution by service"},
	}
	for _, tc := range tests {
		at := NewAttribution(tc.by)
		r := ok
		r.Samples = slices.Clone(ok.Samples)
		tc.edit(&r)
		err := at.AddRow(r)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: AddRow = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	at := NewAttribution(ByOperation)
	if err := at.AddRow(ok); err != nil {
		t.Fatal(err)
	}
	if err := at.AddRow(ok); err == nil || !strings.Contains(err.Error(), "pay/charge: group given twice") {
		t.Errorf("the same group twice: %v", err)
	}
}

// TestAttributionManySamples checks each group's per-trace samples over
// more traces than a chunk of the sample log holds: added to one
// attribution (read once half way, then twice at the end) or merged from
// several.
func TestAttributionManySamples(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	services := []string{"a", "b", "c"}
	var analyses []*Analysis
	want := map[string][]int64{}
	for i := range 3000 {
		svc := services[r.IntN(len(services))]
		d := int64(1 + r.IntN(1000))
		analyses = append(analyses, Analyze(build(in(sp(uint64(i+1), 0, 0, d), svc, "op"))))
		want[svc] = append(want[svc], d)
	}
	for _, v := range want {
		slices.Sort(v)
	}
	check := func(name string, at *Attribution) {
		t.Helper()
		got := map[string][]int64{}
		for _, row := range at.Rows() {
			got[row.Service] = row.Samples
			if len(row.Samples) != row.Traces {
				t.Errorf("%s: %s: %d samples for %d traces", name, row.Service, len(row.Samples), row.Traces)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: samples (-want +got):\n%s", name, diff)
		}
	}
	one := NewAttribution(ByService)
	for i, a := range analyses {
		if i == len(analyses)/2 {
			one.Rows()
		}
		one.Add(a)
	}
	check("one", one)
	check("one, read again", one)

	merged := NewAttribution(ByService)
	for _, part := range [][]*Analysis{analyses[:700], analyses[700:701], analyses[701:]} {
		at := NewAttribution(ByService)
		for _, a := range part {
			at.Add(a)
		}
		merged.Merge(at)
	}
	check("merged", merged)
}
