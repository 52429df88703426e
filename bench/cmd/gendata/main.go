// Command gendata writes the benchmark dataset to files, byte for byte what
// the OpenTelemetry Collector's file exporter would write:
//
//	DIR/traces.pb     format: proto (4-byte big-endian length + ExportTraceServiceRequest, repeated)
//	DIR/traces.jsonl  format: json  (one OTLP/JSON ExportTraceServiceRequest per line)
//	DIR/traces.pb.zst traces.pb as one zstd stream
//
// Usage:
//
//	go run ./cmd/gendata -o /tmp/tracedata [-spans 150000] [-seed 1] [-edge]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"

	"github.com/tracectl/tracectl/bench/internal/dataset"
)

func main() {
	out := flag.String("o", "", "output directory (created if missing)")
	spans := flag.Int("spans", dataset.DefaultSpans, "minimum number of spans")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same bytes")
	batch := flag.Int("batch", dataset.DefaultBatchSize, "spans per export request")
	edge := flag.Bool("edge", false, "add rare-but-legal OTLP values (for decoder testing, not benchmarks)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gendata -o DIR [-spans N] [-seed N] [-batch N] [-edge]")
		os.Exit(2)
	}
	if err := run(*out, dataset.Config{Spans: *spans, Seed: *seed, BatchSize: *batch, EdgeCases: *edge}); err != nil {
		fmt.Fprintln(os.Stderr, "gendata:", err)
		os.Exit(1)
	}
}

func run(dir string, cfg dataset.Config) error {
	ds, err := dataset.Generate(cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	framed := ds.FramedProto()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{"traces.pb", framed},
		{"traces.jsonl", ds.JSONLines()},
		{"traces.pb.zst", enc.EncodeAll(framed, nil)},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		fmt.Fprintf(os.Stderr, "%s: %d bytes\n", p, len(f.data))
	}
	fmt.Fprintf(os.Stderr, "%d spans in %d traces, %d requests\n", ds.Spans, ds.Traces, len(ds.Proto))
	return nil
}
