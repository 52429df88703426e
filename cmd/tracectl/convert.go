package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
)

type convertOptions struct {
	inputOptions
	redactOptions
	To  string
	Out string
}

func newCmdConvert(s *streams) *cobra.Command {
	opts := &convertOptions{}
	cmd := &cobra.Command{
		Use:   "convert --to FORMAT FILE... | -",
		Short: "Write traces in another format (OTLP JSON or protobuf, Jaeger JSON, Zipkin JSON)",
		Long: `Read traces in any format tracectl reads and write them in another:

  otlp-json     OTLP/JSON Lines, one request per line (the Collector file exporter's format: json)
  otlp-proto    length-framed OTLP protobuf (the file exporter's format: proto)
  jaeger-json   one Jaeger query API v2 answer, {"data":[…]}, which Jaeger UI opens
  zipkin-json   one Zipkin v2 span array, which Zipkin's POST /api/v2/spans takes

Everything tracectl's span model keeps goes through the OTLP formats unchanged. Jaeger
and Zipkin hold less: sub-microsecond time, link attributes (Jaeger keeps the reference
type), schema URLs and, in Zipkin, links, attribute types and resource attributes other
than service.name are lost. Without --where and --adjust-skew the OTLP formats stream,
batch by batch; the others are written when all input is read.

--redact masks every value ` + "`check --pii`" + ` would report (the same detector, and the same
--pii-pattern), and changes nothing else.`,
		Example: `  tracectl convert --to otlp-proto traces.json --out traces.pb
  tracectl convert --to jaeger-json 'http://localhost:16686/api/v3/traces/4bf92f3577b34da6a3ce929d0e0e4736' > trace.json
  tracectl convert --to otlp-json zipkin-export.json --where '{ status = error }'`,
	}
	opts.inputOptions.runOnFiles(cmd, func(*cobra.Command) error { return convertRun(s, opts) })
	opts.inputOptions.addFlags(cmd)
	opts.redactOptions.addFlags(cmd)
	addChoiceFlag(cmd, &opts.To, "to", "", "", "format to write: otlp-json, otlp-proto, jaeger-json or zipkin-json (required)",
		"otlp-json", "otlp-proto", "jaeger-json", "zipkin-json")
	cmd.Flags().StringVar(&opts.Out, "out", "", "write to this file instead of stdout")
	return cmd
}

func convertRun(s *streams, opts *convertOptions) error {
	if opts.To == "" {
		return usageError{errors.New("--to is required: otlp-json, otlp-proto, jaeger-json or zipkin-json")}
	}
	format, err := ingest.ParseOutputFormat(opts.To)
	if err != nil {
		return usageError{fmt.Errorf("--to: %w", err)}
	}
	if format.Binary() && opts.Out == "" && s.OutTTY {
		return usageError{errors.New("not writing protobuf to a terminal: give --out FILE or redirect stdout")}
	}
	check := func([]dag.Span) error { return nil }
	if _, err := opts.redactOptions.wrap(check); err != nil {
		return err // a usage error before --out is created
	}
	return withOutput(s, opts.Out, func(w io.Writer) error {
		wr := ingest.NewWriter(w, format)
		write, _ := opts.redactOptions.wrap(wr.Write)
		if err := convertInto(s, &opts.inputOptions, false, write); err != nil {
			return err
		}
		return wr.Close()
	})
}

// convertInto reads the inputs and hands their spans to write: batch by
// batch as read, or, when wholeTraces is set or --where or --adjust-skew
// or --trace needs them, the spans of each kept trace (skew-adjusted, a copy write may
// modify) once all input is read.
func convertInto(s *streams, o *inputOptions, wholeTraces bool, write func([]dag.Span) error) error {
	if !wholeTraces && o.Where == "" && o.Trace == "" && !o.AdjustSkew {
		return readSpans(s, o, nil, write)
	}
	trees, err := loadTrees(s, o)
	if err != nil {
		return err
	}
	for _, tr := range trees {
		spans := make([]dag.Span, 0, len(tr.Nodes))
		for _, i := range tr.PreOrder() {
			if sp := tr.Nodes[i].Span; sp != nil {
				spans = append(spans, *sp)
			}
		}
		if err := write(spans); err != nil {
			return err
		}
	}
	return nil
}

// withOutput runs fn with the --out file, or stdout when path is empty.
// The file is created only when fn is about to run and removed again when
// fn fails, so a failed conversion leaves no half-written file behind.
func withOutput(s *streams, path string, fn func(io.Writer) error) error {
	if path == "" || path == "-" {
		return fn(s.Out)
	}
	f, err := os.Create(path)
	if err != nil {
		return usageError{fmt.Errorf("--out: %w", err)}
	}
	err = fn(f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s: %w", path, cerr)
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
