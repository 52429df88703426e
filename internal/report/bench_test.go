package report

import (
	"io"
	"testing"
)

// BenchmarkReport builds and writes the demo's page: the cost of `tracectl
// report` beyond reading the input (compare with critpath's
// BenchmarkSummarize for the analysis alone).
func BenchmarkReport(b *testing.B) {
	trees := readTrees(b, demo, "")
	spans := 0
	for _, tr := range trees {
		spans += tr.SpanCount()
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, Build(trees, nil, fixed)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(spans)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
}
