package diff

import (
	"testing"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
)

// BenchmarkCompare sets Compare beside what `tracectl attrib` does over
// both sides' traces (critpath.Summarize), on the same trees: the cost of
// the statistics over the analysis they share.
func BenchmarkCompare(b *testing.B) {
	slow := baseShop
	slow.chargeWork = 1.3
	base, cand := baseShop.traces(1, 50_000), slow.traces(2, 50_000)
	both := append(append([]*dag.Tree{}, base...), cand...)
	spans := 0
	for _, tr := range both {
		spans += len(tr.Nodes)
	}
	b.Run("attrib", func(b *testing.B) {
		for b.Loop() {
			critpath.Summarize(both, critpath.SummaryOptions{})
		}
		b.ReportMetric(float64(spans)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
	})
	b.Run("diff", func(b *testing.B) {
		for b.Loop() {
			Compare(base, cand, Options{})
		}
		b.ReportMetric(float64(spans)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
	})
	b.Run("diff+why", func(b *testing.B) {
		for b.Loop() {
			Compare(base, cand, Options{Why: true})
		}
		b.ReportMetric(float64(spans)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
	})
}
