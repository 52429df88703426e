package ingest

import (
	"os"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
)

// BenchmarkDecodeProto decodes SDK-sized requests (512 spans, about 8
// attributes each, events, links) with DecodeProto. Compare with the
// Collector's pdata in the bench module.
func BenchmarkDecodeProto(b *testing.B) {
	var msgs [][]byte
	var size int64
	for i := range 8 {
		m := genMessage(b, uint64(i), "checkout", 512)
		msgs = append(msgs, m)
		size += int64(len(m))
	}
	spans := 0
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			out, err := DecodeProto(m, nil)
			if err != nil {
				b.Fatal(err)
			}
			spans += len(out)
		}
	}
	b.ReportMetric(float64(spans)/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64(spans)/float64(b.N), "spans/op")
}

var benchSink []dag.Span

// BenchmarkDecodeProtoFile decodes the frames of the file named by
// $TRACECTL_BENCH_PROTO (e.g. the bench module's dataset: go run
// ./bench/cmd/gendata -o /tmp/tracedata) with DecodeProto, message by
// message, as the bench module measures pdata.
func BenchmarkDecodeProtoFile(b *testing.B) {
	path := os.Getenv("TRACECTL_BENCH_PROTO")
	if path == "" {
		b.Skip("TRACECTL_BENCH_PROTO not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	msgs := splitFrames(b, data)
	spans := 0
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			out, err := DecodeProto(m, nil)
			if err != nil {
				b.Fatal(err)
			}
			spans += len(out)
		}
	}
	b.ReportMetric(float64(spans)/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64(spans)/float64(b.N), "spans/op")
}
