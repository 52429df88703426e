package graph

import (
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
)

// randomTraces makes n traces of about spansPer spans over services
// services: each span's parent is a random earlier span, its service the
// parent's or, one time in three, another (a call), with CLIENT/SERVER
// kinds on half of the calls. Seeded: every run builds the same input.
func randomTraces(n, spansPer, services int) ([]*dag.Tree, int) {
	r := rand.New(rand.NewPCG(1, 2))
	res := make([]*dag.Resource, services)
	for i := range res {
		res[i] = &dag.Resource{Service: fmt.Sprintf("svc-%03d", i)}
	}
	trees := make([]*dag.Tree, 0, n)
	total := 0
	for t := range n {
		spans := make([]dag.SpanData, spansPer)
		for i := range spans {
			s := &spans[i]
			s.TraceID = dag.TraceID{byte(t >> 16), byte(t >> 8), byte(t), 1}
			s.SpanID = sid(uint64(i + 1))
			s.Start, s.End = uint64(i*10), uint64(i*10+5+r.IntN(1000))
			s.Resource = res[r.IntN(services)]
			if i > 0 {
				p := &spans[r.IntN(i)]
				s.ParentSpanID = p.SpanID
				if r.IntN(3) != 0 {
					s.Resource = p.Resource
				} else if r.IntN(2) == 0 {
					p.Kind, s.Kind = dag.KindClient, dag.KindServer
				}
			}
			if r.IntN(50) == 0 {
				s.Status.Code = dag.StatusError
			}
		}
		var ts dag.Traces
		ts.Add(dag.Pack(spans))
		trees = append(trees, dag.Build(ts.List()[0]))
		total += spansPer
	}
	return trees, total
}

func BenchmarkBuild(b *testing.B) {
	trees, spans := randomTraces(2000, 50, 40)
	b.ReportAllocs()
	for b.Loop() {
		Build(trees)
	}
	b.ReportMetric(float64(spans)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
}

// BenchmarkSVG lays out and draws a service map far past what anyone
// reads: 120 services calling nearly every other (13,000 edges, of which
// SVG draws the most called maxDrawnEdges).
func BenchmarkSVG(b *testing.B) {
	trees, _ := randomTraces(3000, 40, 120)
	g := Build(trees)
	b.ReportAllocs()
	for b.Loop() {
		if err := g.SVG(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(g.Nodes)), "services")
	b.ReportMetric(float64(len(g.Edges)), "edges")
}
