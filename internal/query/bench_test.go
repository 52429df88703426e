package query

import (
	"fmt"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
)

// benchTree is a trace of n spans: a root fanning out to services, each
// with a server span over a few client calls, 8 levels deep at most.
func benchTree(b *testing.B, n int) *dag.Tree {
	b.Helper()
	services := make([]*dag.Resource, 8)
	for i := range services {
		name := fmt.Sprintf("svc-%d", i)
		services[i] = &dag.Resource{Service: name, Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue(name)}}}
	}
	batch := make([]dag.SpanData, n)
	for i := range batch {
		parent := 0
		if i > 0 {
			parent = (i-1)/4 + 1 // a 4-ary tree
		}
		kind := dag.KindClient
		if i%2 == 0 {
			kind = dag.KindServer
		}
		st := dag.StatusUnset
		if i%97 == 0 {
			st = dag.StatusError
		}
		batch[i] = dag.SpanData{
			TraceID: testTraceID, SpanID: sid(i + 1), ParentSpanID: sid(parent), Kind: kind,
			Start: uint64(i), End: uint64(i + 1000 + i%5000), Name: fmt.Sprintf("op-%d", i%50),
			Status: dag.Status{Code: st}, Resource: services[i%len(services)],
			Attrs: []dag.Attr{{Key: "http.response.status_code", Value: dag.IntValue(int64(200 + i%5*100))}, {Key: "db.rows", Value: dag.IntValue(int64(i % 17))}},
		}
	}
	var ts dag.Traces
	ts.Add(dag.Pack(batch))
	return dag.Build(ts.List()[0])
}

func BenchmarkEval(b *testing.B) {
	tr := benchTree(b, 100_000)
	for _, expr := range []string{
		`{ name = "op-7" && resource.service.name = "svc-3" && duration > 2us }`,
		`{ span.http.response.status_code >= 500 || name =~ "op-1.*" }`,
		`{ status = error } >> { kind = client && span.db.rows > 10 }`,
		`{ kind = server } > { kind = client } ~ { name = "op-3" }`,
		`{ kind = client } | count() > 10 | avg(duration) > 1us`,
	} {
		q := MustParse(expr)
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				q.Eval(tr)
			}
			b.ReportMetric(float64(len(tr.Nodes))*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
		})
	}
}

func BenchmarkParse(b *testing.B) {
	const expr = `{ name = "GET /cart" && resource.service.name = "cart" && duration > 100ms && status = error } >> { span.db.system =~ "postgres.*" } | count() > 2`
	for b.Loop() {
		if _, err := Parse(expr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatch runs queries over many small traces, as `--where` and
// `assert` do: the per-trace cost of starting an evaluation counts here.
func BenchmarkMatch(b *testing.B) {
	trees := make([]*dag.Tree, 2000)
	spans := 0
	for i := range trees {
		trees[i] = benchTree(b, 10+i%90)
		spans += len(trees[i].Nodes)
	}
	for _, expr := range []string{
		`{ name = "op-7" && resource.service.name = "svc-3" && duration > 2us }`,
		`{ status = error } >> { kind = client && span.db.rows > 10 }`,
		`{ kind = server } > { kind = client } ~ { name = "op-3" }`,
		`{ name = "op-1" } && { kind = client } | count() > 10`,
	} {
		q := MustParse(expr)
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				for _, t := range trees {
					q.Match(t)
				}
			}
			b.ReportMetric(float64(spans)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
		})
	}
}

// BenchmarkAssert checks expectations that fail over many traces, so that
// the explanation (near misses, the failing part) is part of the cost.
func BenchmarkAssert(b *testing.B) {
	trees := make([]*dag.Tree, 500)
	for i := range trees {
		trees[i] = benchTree(b, 10+i%90)
	}
	for _, line := range []string{
		`{ name = "op-7" && resource.service.name = "svc-3" && duration > 1s }`,
		`{ name = "op-3" } > { name = "op-4" }`,
		`{ kind = client } | count() > 1000`,
	} {
		e, err := ParseExpectation(line, "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(line, func(b *testing.B) {
			for b.Loop() {
				if Assert(e, trees, 3).Passed {
					b.Fatal("passed")
				}
			}
		})
	}
}
