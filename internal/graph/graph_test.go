package graph

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// span is a test span: id n under parent p (0: root) in service svc.
type span struct {
	n, p       uint64
	svc        string
	kind       dag.Kind
	start, end uint64
	err        bool
	attrs      []dag.Attr
	follows    bool // Jaeger FOLLOWS_FROM parent
}

func sid(n uint64) dag.SpanID {
	var id dag.SpanID
	binary.BigEndian.PutUint64(id[:], n)
	return id
}

// trace builds one trace (trace id t) from spans.
func trace(t byte, spans ...span) *dag.Tree {
	res := map[string]*dag.Resource{}
	out := make([]dag.SpanData, len(spans))
	for i, s := range spans {
		r := res[s.svc]
		if r == nil {
			r = &dag.Resource{Service: s.svc}
			res[s.svc] = r
		}
		out[i] = dag.SpanData{TraceID: dag.TraceID{t}, SpanID: sid(s.n), ParentSpanID: sid(s.p), Resource: r,
			Name: "op", Kind: s.kind, Start: s.start, End: s.end, Attrs: s.attrs, AsyncParent: s.follows}
		if s.err {
			out[i].Status.Code = dag.StatusError
		}
	}
	var ts dag.Traces
	ts.Add(dag.Pack(out))
	return dag.Build(ts.List()[0])
}

func str(k, v string) []dag.Attr { return []dag.Attr{{Key: k, Value: dag.StringValue(v)}} }

// shop is a small shop: frontend calls checkout (client/server) which
// calls payment (no kinds: INTERNAL spans from bare instrumentation) and
// publishes to email; checkout also queries a database nobody traces.
func shop() []*dag.Tree {
	return []*dag.Tree{
		trace(1,
			span{n: 1, svc: "frontend", kind: dag.KindServer, start: 0, end: 100},
			span{n: 2, p: 1, svc: "frontend", kind: dag.KindClient, start: 10, end: 90},
			span{n: 3, p: 2, svc: "checkout", kind: dag.KindServer, start: 15, end: 85},
			span{n: 4, p: 3, svc: "checkout", start: 20, end: 50},
			span{n: 5, p: 4, svc: "payment", start: 25, end: 45, err: true},
			span{n: 6, p: 3, svc: "checkout", kind: dag.KindClient, start: 50, end: 60, attrs: str("db.system.name", "postgresql")},
			span{n: 7, p: 3, svc: "checkout", kind: dag.KindProducer, start: 60, end: 62},
			span{n: 8, p: 7, svc: "email", kind: dag.KindConsumer, start: 200, end: 260},
		),
		trace(2,
			span{n: 1, svc: "frontend", kind: dag.KindServer, start: 0, end: 50},
			span{n: 2, p: 1, svc: "frontend", kind: dag.KindClient, start: 5, end: 45, err: true},
			span{n: 3, p: 2, svc: "checkout", kind: dag.KindServer, start: 10, end: 40, err: true},
		),
	}
}

func TestBuild(t *testing.T) {
	got := Build(shop())
	want := &Graph{
		Traces: 2,
		Nodes: []Node{
			{Service: "checkout", Spans: 5, Errors: 1, Traces: 2},
			{Service: "email", Spans: 1, Traces: 1},
			{Service: "frontend", Spans: 4, Errors: 1, Traces: 2},
			{Service: "payment", Spans: 1, Errors: 1, Traces: 1},
			{Service: "postgresql", Traces: 1, Virtual: true},
		},
		Edges: []Edge{
			// The consumer's processing time; a PRODUCER is no client. The
			// message waited from the producer's end (62) to the consumer's
			// start (200).
			{From: "checkout", To: "email", Async: true, Calls: 1, P50: 60, P90: 60, P99: 60, QueueP50: 138, QueueP90: 138, QueueP99: 138, Traces: 1},
			// No kinds: the callee's duration.
			{From: "checkout", To: "payment", Calls: 1, Errors: 1, P50: 20, P90: 20, P99: 20, Traces: 1},
			{From: "checkout", To: "postgresql", Calls: 1, P50: 10, P90: 10, P99: 10, ClientTimed: 1, Traces: 1},
			// The client spans' durations (80 and 40), not the servers'.
			{From: "frontend", To: "checkout", Calls: 2, Errors: 1, P50: 40, P90: 80, P99: 80, ClientTimed: 2, Traces: 2},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Build (-want +got):\n%s", diff)
	}
}

func TestBuildAsyncEdges(t *testing.T) {
	// A FOLLOWS_FROM parent is async whatever the kinds; the same pair
	// called synchronously too is a second edge.
	got := Build([]*dag.Tree{trace(1,
		span{n: 1, svc: "a", start: 0, end: 10},
		span{n: 2, p: 1, svc: "b", start: 1, end: 5},
		span{n: 3, p: 1, svc: "b", start: 20, end: 30, follows: true},
	)}).Edges
	want := []Edge{
		{From: "a", To: "b", Calls: 1, P50: 4, P90: 4, P99: 4, Traces: 1},
		{From: "a", To: "b", Async: true, Calls: 1, P50: 10, P90: 10, P99: 10, QueueP50: 10, QueueP90: 10, QueueP99: 10, Traces: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
}

func TestBuildNoEdge(t *testing.T) {
	// Same-service parent and child, an orphan under a placeholder, and a
	// client span answered by its own service: no edge, no virtual peer.
	got := Build([]*dag.Tree{trace(1,
		span{n: 1, svc: "a", kind: dag.KindServer, start: 0, end: 10},
		span{n: 2, p: 1, svc: "a", kind: dag.KindClient, start: 1, end: 5, attrs: str("peer.service", "a")},
		span{n: 3, p: 99, svc: "b", kind: dag.KindServer, start: 1, end: 5},
	)})
	if len(got.Edges) != 0 {
		t.Errorf("edges = %+v, want none", got.Edges)
	}
	if len(got.Nodes) != 2 {
		t.Errorf("nodes = %+v, want a and b", got.Nodes)
	}
}

// chain is a → b → c → d → e plus x → c (another caller of c) and
// c → y; and b → z, a sibling branch that is not on a chain through c.
func chain() *Graph {
	var spans []span
	add := func(n, p uint64, svc string) { spans = append(spans, span{n: n, p: p, svc: svc, start: 0, end: 1}) }
	add(1, 0, "a")
	add(2, 1, "b")
	add(3, 2, "c")
	add(4, 3, "d")
	add(5, 4, "e")
	add(6, 3, "y")
	add(7, 2, "z")
	t2 := []span{{n: 1, svc: "x", end: 1}, {n: 2, p: 1, svc: "c", end: 1}}
	return Build([]*dag.Tree{trace(1, spans...), trace(2, t2...)})
}

func edgeNames(g *Graph) string {
	var s []string
	for _, e := range g.Edges {
		s = append(s, e.From+">"+e.To)
	}
	return strings.Join(s, " ")
}

func TestAround(t *testing.T) {
	g := chain()
	tests := []struct {
		focus string
		depth int
		want  string
	}{
		{"c", 1, "b>c c>d c>y x>c"},
		{"c", 2, "a>b b>c c>d c>y d>e x>c"},
		{"c", 0, "a>b b>c c>d c>y d>e x>c"},
		{"a", 1, "a>b"},
		{"e", 2, "c>d d>e"},
		{"z", 5, "a>b b>z"},
	}
	for _, tt := range tests {
		got, err := g.Around(tt.focus, tt.depth)
		if err != nil {
			t.Fatal(err)
		}
		if s := edgeNames(got); s != tt.want {
			t.Errorf("Around(%q, %d) = %s, want %s", tt.focus, tt.depth, s, tt.want)
		}
		for _, e := range got.Edges {
			if _, ok := got.Node(e.From); !ok {
				t.Errorf("Around(%q, %d): edge from %q has no node", tt.focus, tt.depth, e.From)
			}
			if _, ok := got.Node(e.To); !ok {
				t.Errorf("Around(%q, %d): edge to %q has no node", tt.focus, tt.depth, e.To)
			}
		}
	}
}

func TestAroundUnknown(t *testing.T) {
	_, err := Build(shop()).Around("chekout", 1)
	want := `no service "chekout" in the input (5 services); nearest: "checkout", "email", "payment"`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	_, err = Build(nil).Around("a", 1)
	if err == nil || !strings.Contains(err.Error(), "no spans") {
		t.Errorf("empty input: err = %v", err)
	}
}

func TestBuildPeerIsAService(t *testing.T) {
	// Trace 1: a's client span names peer "b", whose span is missing (not
	// sampled); trace 2: a calls b, traced. The call of trace 1 is b's
	// too; b stays a real service, in the one trace it has spans in.
	g := Build([]*dag.Tree{
		trace(1,
			span{n: 1, svc: "a", kind: dag.KindServer, end: 10},
			span{n: 2, p: 1, svc: "a", kind: dag.KindClient, start: 1, end: 7, attrs: str("peer.service", "b")},
		),
		trace(2,
			span{n: 1, svc: "a", kind: dag.KindClient, end: 10},
			span{n: 2, p: 1, svc: "b", kind: dag.KindServer, start: 1, end: 9},
		),
	})
	want := &Graph{
		Traces: 2,
		Nodes:  []Node{{Service: "a", Spans: 3, Traces: 2}, {Service: "b", Spans: 1, Traces: 1}},
		Edges:  []Edge{{From: "a", To: "b", Calls: 2, P50: 6, P90: 10, P99: 10, ClientTimed: 2, Traces: 2}},
	}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("Build (-want +got):\n%s", diff)
	}
}

func TestBuildQueueClamped(t *testing.T) {
	// The consumer's clock runs behind: it "starts" before the producer
	// ends. The queue time is 0, not negative.
	e := Build([]*dag.Tree{trace(1,
		span{n: 1, svc: "a", kind: dag.KindProducer, start: 0, end: 50},
		span{n: 2, p: 1, svc: "b", kind: dag.KindConsumer, start: 30, end: 90},
	)}).Edges
	if len(e) != 1 || !e[0].Async || e[0].QueueP99 != 0 || e[0].P99 != 60 {
		t.Errorf("edges = %+v, want one async edge, queue 0, latency 60", e)
	}
}
