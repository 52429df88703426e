package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/emit"
)

// EmitOptions are the inputs of `tracectl emit`.
type EmitOptions struct {
	Out    io.Writer // stdout: OTLP JSON lines with --out -, and --bench results
	ErrOut io.Writer // stderr: the summary

	OutPath  string
	NoRedact bool
	Bench    bool
	Headers  []string
	Config   emit.Config
}

func newCmdEmit() *cobra.Command { return newCmdEmitRun(emitRun) }

// newCmdEmitRun is newCmdEmit with the function that runs it, so tests see
// the options the flags made.
func newCmdEmitRun(runF func(context.Context, *EmitOptions) error) *cobra.Command {
	opts := &EmitOptions{Config: emit.Defaults()}
	c := &opts.Config
	cmd := &cobra.Command{
		Use:   "emit",
		Short: "Generate instrumented traffic with the OpenTelemetry SDK and export it",
		Long: `Run a small shop of real services in-process — frontend, cart and checkout over HTTP,
payment over gRPC, inventory on an embedded SQLite database, an e-mail worker fed by
a queue — instrumented with the OpenTelemetry Go SDK and its contrib instrumentation
(otelhttp, otelgrpc, otelsql), drive load at it, and export the traces: OTLP/gRPC
(default 127.0.0.1:4317), OTLP/HTTP, or OTLP JSON lines with --out (what the
Collector's file exporter writes, and what every tracectl command reads).

Each service has its own TracerProvider and Resource, a ParentBased(TraceIDRatio)
sampler, W3C trace-context and baggage propagation, and a batch span processor.
Secrets the services leak onto spans (authorization and cookie headers, tokens in
URLs, e-mail addresses, card numbers) are redacted before export unless --no-redact.

--scenario synthetic makes span trees of --depth levels and --fanout children with
no network hops, for raw throughput. --bench measures the SDK's per-span costs.
A summary of spans created, exported and dropped goes to stderr.`,
		Example: `  tracectl emit --out shop.jsonl --duration 3s && tracectl tree shop.jsonl
  tracectl emit --endpoint 127.0.0.1:4317 --rate 50 --duration 1m --error-rate 0.05
  tracectl emit --protocol http --endpoint http://collector:4318 --latency payment-tail
  tracectl emit --scenario synthetic --rate 0 --workers 4 --duration 10s
  tracectl emit --bench`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Out, opts.ErrOut = cmd.OutOrStdout(), cmd.ErrOrStderr()
			emitDefaults(cmd, opts)
			return runF(cmd.Context(), opts) // SIGINT/SIGTERM end it (main)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Scenario, "scenario", c.Scenario, "traffic: shop (real services) or synthetic (span trees, no network)")
	f.StringVar(&opts.OutPath, "out", "", "write OTLP JSON lines to `FILE` (- for stdout) instead of exporting over OTLP")
	f.StringVar(&c.Endpoint, "endpoint", "", "OTLP endpoint: host:port (plaintext) or URL (default 127.0.0.1:4317 for grpc, 127.0.0.1:4318 for http)")
	f.StringVar(&c.Protocol, "protocol", c.Protocol, "OTLP protocol: grpc or http")
	f.StringArrayVar(&opts.Headers, "header", nil, "`KEY=VALUE` header for every OTLP export request (repeatable)")
	f.Float64Var(&c.Rate, "rate", c.Rate, "requests (synthetic: traces) per second over all workers; 0 for as fast as possible")
	f.DurationVar(&c.Duration, "duration", c.Duration, "how long to send load; with --requests alone, until that many are done")
	f.IntVar(&c.Requests, "requests", 0, "stop after this many requests (synthetic: traces)")
	f.IntVar(&c.Workers, "workers", c.Workers, "concurrent request loops")
	f.Float64Var(&c.ErrorRate, "error-rate", 0, "fraction of requests that fail downstream (payment, inventory or cart)")
	f.StringVar(&c.Latency, "latency", c.Latency, "latency profile: "+strings.Join(emit.LatencyProfiles, ", "))
	f.Uint64Var(&c.Seed, "seed", 0, "seed for request shapes, faults and ids (0: random, printed in the summary)")
	f.Float64Var(&c.SampleRatio, "sample-ratio", c.SampleRatio, "head sampling ratio, ParentBased(TraceIDRatioBased)")
	f.BoolVar(&opts.NoRedact, "no-redact", false, "export secrets and personal data as the services recorded them")
	f.IntVar(&c.Depth, "depth", c.Depth, "synthetic: levels per trace, root included")
	f.IntVar(&c.FanOut, "fanout", c.FanOut, "synthetic: children per non-leaf span")
	f.IntVar(&c.Attributes, "attributes", c.Attributes, "synthetic: string attributes per span")
	f.DurationVar(&c.BatchTimeout, "batch-timeout", c.BatchTimeout, "batch span processor: longest wait before exporting a partial batch")
	f.DurationVar(&c.ExportTimeout, "export-timeout", c.ExportTimeout, "batch span processor: time limit of one export, retries included")
	f.IntVar(&c.MaxQueueSize, "max-queue", c.MaxQueueSize, "batch span processor: queue size; spans beyond it are dropped (and counted)")
	f.IntVar(&c.MaxExportBatchSize, "max-batch", c.MaxExportBatchSize, "batch span processor: spans per export")
	f.BoolVar(&c.BlockOnQueueFull, "block-on-full-queue", false, "wait for queue room instead of dropping spans (default true with --scenario synthetic)")
	f.StringVar(&c.Environment, "environment", c.Environment, "deployment.environment.name of every service")
	f.BoolVar(&c.ConsumerNewTrace, "consumer-new-trace", false, "shop: the queue's consumer starts a new trace linked to the producer instead of continuing its trace")
	f.BoolVar(&opts.Bench, "bench", false, "measure span cost, OTLP bytes per span and batch memory, then exit")
	return cmd
}

// emitDefaults settles the defaults that depend on which flags were given.
func emitDefaults(cmd *cobra.Command, opts *EmitOptions) {
	// A synthetic run is a load generator: a span it makes only to drop is
	// wasted CPU. A shop service drops, as production ones do.
	if !cmd.Flags().Changed("block-on-full-queue") {
		opts.Config.BlockOnQueueFull = opts.Config.Scenario == emit.ScenarioSynthetic
	}
	// An explicit count wins over the default duration: --requests 150
	// sends 150, however long that takes. Given both, the run stops at
	// whichever comes first.
	if cmd.Flags().Changed("requests") && !cmd.Flags().Changed("duration") {
		opts.Config.Duration = 0
	}
}

// emitRun does the work of `tracectl emit` with the parsed options.
func emitRun(ctx context.Context, opts *EmitOptions) error {
	if opts.Bench {
		r, err := emit.Bench(ctx)
		if err != nil {
			return err
		}
		_, err = r.WriteTo(opts.Out)
		return err
	}
	cfg := opts.Config
	cfg.Redact = !opts.NoRedact
	if len(opts.Headers) > 0 {
		cfg.Headers = map[string]string{}
		for _, h := range opts.Headers {
			k, v, ok := strings.Cut(h, "=")
			if !ok || k == "" {
				return usageError{fmt.Errorf("--header %q: want KEY=VALUE", h)}
			}
			cfg.Headers[k] = v
		}
	}
	var file *os.File
	switch opts.OutPath {
	case "":
	case "-":
		cfg.Out = opts.Out
	default:
		f, err := os.Create(opts.OutPath)
		if err != nil {
			return err
		}
		file = f
		cfg.Out = f
	}
	sum, err := emit.Run(ctx, cfg)
	if file != nil {
		if cerr := file.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("%s: %w", opts.OutPath, cerr)
		}
	}
	if sum != nil {
		sum.WriteTo(opts.ErrOut) //nolint:errcheck // stderr
	}
	if err != nil {
		if sum == nil {
			return usageError{err}
		}
		return err
	}
	if sum.Spans.Failed > 0 {
		return errors.New("some spans could not be exported (see the errors above)")
	}
	return nil
}
