package critpath

import "testing"

func BenchmarkTmpWarm(b *testing.B) {
	d := makeBenchData(b, "", 10_000, 100)
	for _, k := range []int{50, 10000} {
		trees := d.trees[:k]
		b.Run("", func(b *testing.B) {
			for b.Loop() {
				for _, tr := range trees {
					Analyze(tr)
				}
			}
			b.ReportMetric(float64(100*k)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
		})
	}
}
