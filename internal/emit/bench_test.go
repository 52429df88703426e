package emit

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// BenchmarkSyntheticToJSONL is the whole pipeline without a network: the
// SDK, the batch processor, redaction and the JSON lines writer.
func BenchmarkSyntheticToJSONL(b *testing.B) {
	for _, redact := range []bool{false, true} {
		name := "plain"
		if redact {
			name = "redact"
		}
		b.Run(name, func(b *testing.B) {
			var out bytes.Buffer
			cfg := Defaults()
			cfg.Scenario = ScenarioSynthetic
			cfg.Out = &out
			cfg.Rate, cfg.Duration, cfg.Workers = 0, 0, 1
			cfg.Depth, cfg.FanOut, cfg.Attributes = 2, 9, 10 // 10 spans per trace
			cfg.Requests = b.N
			cfg.Redact = redact
			cfg.BlockOnQueueFull = true
			cfg.Seed = 1
			b.ResetTimer()
			start := time.Now()
			sum, err := Run(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(sum.Spans.Exported)/time.Since(start).Seconds(), "spans/s")
			b.ReportMetric(float64(out.Len())/float64(max(sum.Spans.Exported, 1)), "B/span")
		})
	}
}

func BenchmarkAppendRequestJSON(b *testing.B) {
	spans := benchBatchSpans(benchBatch, 10)
	rs := ToResourceSpans(spans)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRequestJSON(buf[:0], rs)
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "spans/s")
}

func BenchmarkRedactingExporter(b *testing.B) {
	spans := benchBatchSpans(benchBatch, 10)
	red := NewRedactingExporter(discardExporter{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := red.ExportSpans(ctx, spans); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "spans/s")
}
