package ingest

import (
	"bytes"
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
	benchDecodeProto(b, msgs, size)
}

// benchDecodeProto decodes msgs, one by one, size bytes in all, per op,
// and reports spans/s and spans/op.
func benchDecodeProto(b *testing.B, msgs [][]byte, size int64) {
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

// BenchmarkDecodeProtoFile decodes the frames of the file named by
// $TRACECTL_BENCH_PROTO (e.g. the bench module's dataset: go run
// ./bench/cmd/gendata -o /tmp/tracedata) with DecodeProto, message by
// message, as the bench module measures pdata.
func BenchmarkDecodeProtoFile(b *testing.B) {
	data := benchFile(b)
	benchDecodeProto(b, splitFrames(b, data), int64(len(data)))
}

// benchFile reads the file named by $TRACECTL_BENCH_PROTO, and skips the
// benchmark when it is not set.
func benchFile(b *testing.B) []byte {
	path := os.Getenv("TRACECTL_BENCH_PROTO")
	if path == "" {
		b.Skip("TRACECTL_BENCH_PROTO not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkDecodeFramed reads a length-framed stream (the file exporter's
// `format: proto`) through Decode: sniffing, framing and decoding, as
// `tracectl` reads a file. The zstd variant is the exporter's whole-stream
// compression.
func BenchmarkDecodeFramed(b *testing.B) {
	var msgs [][]byte
	for i := range 8 {
		msgs = append(msgs, genMessage(b, uint64(i), "checkout", 512))
	}
	plain := frame(msgs...)
	for _, in := range []struct {
		name string
		data []byte
	}{{"plain", plain}, {"zstd", zstdCompress(b, plain)}} {
		b.Run(in.name, func(b *testing.B) { benchDecode(b, in.data) })
	}
}

// BenchmarkDecodeFile is BenchmarkDecodeFramed on the file named by
// $TRACECTL_BENCH_PROTO.
func BenchmarkDecodeFile(b *testing.B) { benchDecode(b, benchFile(b)) }

func benchDecode(b *testing.B, data []byte) {
	spans := 0
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		err := Decode(bytes.NewReader(data), "bench", Options{}, func(packed []dag.Span) error {
			batch := dag.Unpack(packed)
			spans += len(batch)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(spans)/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64(spans)/float64(b.N), "spans/op")
}
