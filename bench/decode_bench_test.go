package bench

import (
	"bytes"
	"io"
	"runtime"
	"sync"
	"testing"

	"github.com/tracectl/tracectl/bench/internal/dataset"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var bench struct {
	once   sync.Once
	ds     *dataset.Dataset
	framed []byte // the file exporter's format: proto
	lines  []byte // the file exporter's format: json
	err    error
}

// benchData returns the full benchmark dataset (DefaultSpans spans, seed 1),
// generated once per process.
func benchData(b *testing.B) *dataset.Dataset {
	b.Helper()
	bench.once.Do(func() {
		bench.ds, bench.err = dataset.Generate(dataset.Config{Seed: 1})
		if bench.err == nil {
			bench.framed, bench.lines = bench.ds.FramedProto(), bench.ds.JSONLines()
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.ds
}

// sink keeps decoded results alive just long enough that the compiler
// cannot drop the work.
var sink any

// BenchmarkDecode decodes one export request per iteration, cycling through
// the dataset's requests, with tracectl and with the Collector's pdata: the
// same bytes, and nothing but the decode on either side.
func BenchmarkDecode(b *testing.B) {
	ds := benchData(b)
	protoU, jsonU := &ptrace.ProtoUnmarshaler{}, &ptrace.JSONUnmarshaler{}
	pdata := func(u ptrace.Unmarshaler) func([]byte) (int, error) {
		return func(m []byte) (int, error) {
			td, err := u.UnmarshalTraces(m)
			sink = td
			return td.SpanCount(), err
		}
	}
	tracectl := func(dec func([]byte) ([]dag.Span, error)) func([]byte) (int, error) {
		return func(m []byte) (int, error) {
			spans, err := dec(m)
			sink = spans
			return len(spans), err
		}
	}
	b.Run("format=proto/decoder=pdata", func(b *testing.B) { perMessage(b, ds.Proto, ds.BatchSpans, pdata(protoU)) })
	b.Run("format=proto/decoder=tracectl", func(b *testing.B) {
		if tracectlProto == nil {
			b.Skip("tracectl's proto decoder is not wired in yet")
		}
		perMessage(b, ds.Proto, ds.BatchSpans, tracectl(tracectlProto))
	})
	b.Run("format=json/decoder=pdata", func(b *testing.B) { perMessage(b, ds.JSON, ds.BatchSpans, pdata(jsonU)) })
	b.Run("format=json/decoder=tracectl", func(b *testing.B) {
		if tracectlJSON == nil {
			b.Skip("tracectl's JSON decoder is not wired in yet")
		}
		perMessage(b, ds.JSON, ds.BatchSpans, tracectl(tracectlJSON))
	})
}

// BenchmarkStream reads the whole file per iteration, as the tool reads a
// file: tracectl through its streaming reader (framing and decoding in one
// pass), pdata through the loop a Collector-based reader would run (split
// frames or lines with a bufio reader, unmarshal each).
func BenchmarkStream(b *testing.B) {
	ds := benchData(b)
	protoU, jsonU := &ptrace.ProtoUnmarshaler{}, &ptrace.JSONUnmarshaler{}
	tracectl := func(format ingest.Format) func(io.Reader) (int, error) {
		return func(r io.Reader) (int, error) {
			n := 0
			err := tracectlStream(r, format, func(spans []dag.Span) error {
				n += len(spans)
				sink = spans
				return nil
			})
			return n, err
		}
	}
	b.Run("format=proto/decoder=pdata", func(b *testing.B) {
		wholeFile(b, bench.framed, ds.Spans, func(r io.Reader) (int, error) { return ReadFramed(r, protoU, keep) })
	})
	b.Run("format=proto/decoder=tracectl", func(b *testing.B) {
		if tracectlStream == nil {
			b.Skip("tracectl's streaming reader is not wired in yet")
		}
		wholeFile(b, bench.framed, ds.Spans, tracectl(ingest.FormatProto))
	})
	b.Run("format=json/decoder=pdata", func(b *testing.B) {
		wholeFile(b, bench.lines, ds.Spans, func(r io.Reader) (int, error) { return ReadLines(r, jsonU, keep) })
	})
	b.Run("format=json/decoder=tracectl", func(b *testing.B) {
		if tracectlStream == nil {
			b.Skip("tracectl's streaming reader is not wired in yet")
		}
		wholeFile(b, bench.lines, ds.Spans, tracectl(ingest.FormatJSON))
	})
}

// keep hands a decoded message to sink, so the decode cannot be dropped.
func keep(td ptrace.Traces) { sink = td }

// perMessage runs decode on msgs[i % len(msgs)] per iteration.
func perMessage(b *testing.B, msgs [][]byte, counts []int, decode func([]byte) (int, error)) {
	total := 0
	for _, m := range msgs {
		total += len(m)
	}
	b.SetBytes(int64(total / len(msgs)))
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	spans, i := 0, 0
	for b.Loop() {
		n, err := decode(msgs[i])
		if err != nil {
			b.Fatalf("request %d: %v", i, err)
		}
		if n != counts[i] {
			b.Fatalf("request %d: %d spans, want %d", i, n, counts[i])
		}
		spans += n
		if i++; i == len(msgs) {
			i = 0
		}
	}
	runtime.ReadMemStats(&ms1)
	report(b, spans, &ms0, &ms1)
}

// wholeFile runs read on the whole file per iteration.
func wholeFile(b *testing.B, file []byte, want int, read func(io.Reader) (int, error)) {
	b.SetBytes(int64(len(file)))
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	spans := 0
	for b.Loop() {
		n, err := read(bytes.NewReader(file))
		if err != nil {
			b.Fatal(err)
		}
		if n != want {
			b.Fatalf("%d spans, want %d", n, want)
		}
		spans += n
	}
	runtime.ReadMemStats(&ms1)
	report(b, spans, &ms0, &ms1)
}

func report(b *testing.B, spans int, ms0, ms1 *runtime.MemStats) {
	b.ReportMetric(float64(spans)/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(spans), "B/span")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(spans), "allocs/span")
}
