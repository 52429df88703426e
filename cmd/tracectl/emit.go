package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"

	"github.com/tracectl/tracectl/internal/emit"
)

// EmitOptions are the inputs of `tracectl emit`.
type EmitOptions struct {
	Out    io.Writer // stdout: OTLP JSON lines with --out -, and --bench results
	ErrOut io.Writer // stderr: the summary
	ErrTTY bool      // stderr is a terminal: draw a status line

	OutPath  string
	NoRedact bool
	Bench    bool
	Headers  []string
	Attrs    []string
	Insecure bool
	Config   emit.Config
	// Env is what the OpenTelemetry SDK variables set; a flag the user
	// gave wins over it (Changed reports which flags were given).
	Env     emit.Env
	Changed func(flag string) bool
}

func newCmdEmit(s *streams) *cobra.Command { return newCmdEmitRun(s, emitRun) }

// newCmdEmitRun is newCmdEmit with the function that runs it, so tests see
// the options the flags made.
func newCmdEmitRun(s *streams, runF func(context.Context, *EmitOptions) error) *cobra.Command {
	opts := &EmitOptions{Config: emit.Defaults()}
	c := &opts.Config
	cmd := &cobra.Command{
		Use:   "emit",
		Short: "Generate instrumented traffic with the OpenTelemetry SDK and export it",
		Long: `Run a small shop of real services in-process — frontend, cart and checkout over HTTP,
payment over gRPC, inventory on an embedded SQLite database, an e-mail worker fed by
a queue — instrumented with the OpenTelemetry Go SDK and its contrib instrumentation
(otelhttp, otelgrpc, otelsql), drive load at it, and export the traces: OTLP/gRPC
(default 127.0.0.1:4317), OTLP/HTTP (protobuf or JSON), or OTLP JSON lines with --out
(what the Collector's file exporter writes, and what every tracectl command reads).

Each service has its own TracerProvider and Resource, a ParentBased(TraceIDRatio)
sampler, W3C trace-context and baggage propagation, and a batch span processor.
Secrets the services leak onto spans (authorization and cookie headers, tokens in
URLs, e-mail addresses, card numbers) are redacted before export unless --no-redact.

--scenario synthetic makes span trees of --depth levels and --fanout children with
no network hops, for raw throughput. --bench measures the SDK's per-span costs.
A summary of spans created, exported and dropped goes to stderr, and a status line
while it runs when stderr is a terminal.

Configured like every OpenTelemetry SDK, flags winning over the environment:
OTEL_EXPORTER_OTLP_ENDPOINT (a base URL: /v1/traces is appended for HTTP),
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is), OTEL_EXPORTER_OTLP_PROTOCOL (grpc,
http/protobuf, http/json), _HEADERS, _INSECURE, _CERTIFICATE, _CLIENT_CERTIFICATE,
_CLIENT_KEY, _COMPRESSION, _TIMEOUT (each also as OTEL_EXPORTER_OTLP_TRACES_*, which
wins over the generic one), OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME,
OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG. With no protocol set, the default
endpoint and port 4317 mean grpc, any other endpoint http/protobuf (the spec's
default). OTEL_SERVICE_NAME (or service.name in the resource attributes or --attr)
prefixes the shop's service names: OTEL_SERVICE_NAME=ci gives ci-frontend, ci-cart
and so on. An endpoint without a scheme is plaintext on a loopback host and TLS
elsewhere, unless --insecure.

The first export the destination does not accept (after retries within
--export-timeout) stops the run, and the reason is printed in plain words
(nothing listening, the other protocol, TLS on one side only, a wrong path,
rejected credentials). Exit code 3: the export failed.`,
		Example: `  tracectl emit --out shop.jsonl --duration 3s && tracectl tree shop.jsonl
  tracectl emit --endpoint 127.0.0.1:4317 --rate 50 --duration 1m --error-rate 0.05
  tracectl emit --endpoint http://collector:4318 --protocol http/json --latency payment-tail
  OTEL_EXPORTER_OTLP_ENDPOINT=https://otlp.example.com OTEL_EXPORTER_OTLP_HEADERS=x-api-key=KEY tracectl emit
  tracectl emit --endpoint collector.internal:4317 --ca-file ca.pem --attr ci.run_id=$RUN_ID
  tracectl emit --scenario synthetic --rate 0 --workers 4 --duration 10s
  tracectl emit --bench`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Out, opts.ErrOut, opts.ErrTTY = cmd.OutOrStdout(), cmd.ErrOrStderr(), s.ErrTTY
			env, err := emit.ReadEnv(os.LookupEnv)
			if err != nil {
				return usageError{err}
			}
			opts.Env, opts.Changed = env, cmd.Flags().Changed
			emitDefaults(cmd, opts)
			return runF(cmd.Context(), opts) // SIGINT/SIGTERM end it (main)
		},
	}
	f := cmd.Flags()
	addChoiceFlag(cmd, &c.Scenario, "scenario", "", c.Scenario, "traffic: shop (real services) or synthetic (span trees, no network)", emit.ScenarioShop, emit.ScenarioSynthetic)
	f.StringVar(&opts.OutPath, "out", "", "write OTLP JSON lines to `FILE` (- for stdout) instead of exporting over OTLP")
	f.StringVar(&c.Endpoint, "endpoint", "", "OTLP endpoint: a URL (http:// plaintext, https:// TLS) or host:port (default 127.0.0.1:4317 for grpc, 127.0.0.1:4318 for http)")
	addChoiceFlag(cmd, &c.Protocol, "protocol", "", "", "OTLP protocol: grpc, http/protobuf (or http) or http/json (default: grpc for port 4317 and the default endpoint, else http/protobuf)", emit.Protocols...).
		alias(emit.ProtocolHTTP, emit.ProtocolHTTPProtobuf)
	f.StringArrayVar(&opts.Headers, "endpoint-header", nil, "`KEY=VALUE` (or 'Key: Value') header for every OTLP export request, over OTEL_EXPORTER_OTLP_HEADERS (repeatable)")
	addFlagAlias(cmd, "header", "endpoint-header") // its name until send's --endpoint-header came
	f.BoolVar(&opts.Insecure, "insecure", false, "plaintext to an endpoint given as host:port without a scheme (default: plaintext only for loopback hosts)")
	f.StringVar(&c.CAFile, "ca-file", "", "verify the endpoint's TLS certificate with the CA certificates in this PEM `FILE`")
	f.StringVar(&c.ClientCert, "client-cert", "", "client certificate (PEM `FILE`) for mutual TLS, with --client-key")
	f.StringVar(&c.ClientKey, "client-key", "", "client private key (PEM `FILE`) for mutual TLS")
	f.StringArrayVar(&opts.Attrs, "attr", nil, "`KEY=VALUE` resource attribute for every service, over OTEL_RESOURCE_ATTRIBUTES; service.name=X prefixes the service names (repeatable)")
	f.Float64Var(&c.Rate, "rate", c.Rate, "requests (synthetic: traces) per second over all workers; 0 for as fast as possible")
	f.DurationVar(&c.Duration, "duration", c.Duration, "how long to send load; with --requests alone, until that many are done")
	f.IntVar(&c.Requests, "requests", 0, "stop after this many requests (synthetic: traces)")
	f.IntVar(&c.Workers, "workers", c.Workers, "concurrent request loops")
	f.Float64Var(&c.ErrorRate, "error-rate", 0, "fraction of requests that fail downstream (payment, inventory or cart)")
	addChoiceFlag(cmd, &c.Latency, "latency", "", c.Latency, "latency profile: "+strings.Join(emit.LatencyProfiles, ", "), emit.LatencyProfiles...)
	f.Uint64Var(&c.Seed, "seed", 0, "seed for request shapes, faults and ids (0: random, printed in the summary)")
	addChoiceFlag(cmd, &c.Sampler, "sampler", "", "", "head sampler: "+strings.Join(emit.Samplers, ", ")+" (default parentbased_traceidratio)", emit.Samplers...)
	f.Float64Var(&c.SampleRatio, "sample-ratio", c.SampleRatio, "ratio of the traceidratio samplers")
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
	if err := opts.applyEnv(&cfg); err != nil {
		return usageError{err}
	}
	// net/http's transport logs protocol oddities (a gRPC server's
	// SETTINGS frame read as an HTTP/1 response) through the standard
	// logger; the export error already says what they mean.
	prevLog := log.Writer()
	log.SetOutput(io.Discard)
	defer log.SetOutput(prevLog)
	var status *statusLine
	if opts.ErrTTY {
		status = &statusLine{w: opts.ErrOut}
		cfg.Status = status.draw
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
	status.clear()
	if sum != nil {
		sum.WriteTo(opts.ErrOut) //nolint:errcheck // stderr
	}
	var exportErr *emit.ExportError
	switch {
	case errors.As(err, &exportErr):
		return exportFailure{exportErr}
	case err != nil && sum == nil:
		return usageError{err}
	case err != nil:
		return err
	case sum.Spans.Failed > 0:
		return errors.New("some spans could not be exported (see the errors above)")
	}
	return nil
}

// applyEnv merges the OpenTelemetry SDK environment into cfg: each setting
// comes from its flag when the user gave one, else from the environment,
// else it keeps its default. Headers and resource attributes merge key by
// key, the flags' over the environment's.
func (opts *EmitOptions) applyEnv(cfg *emit.Config) error {
	env := opts.Env
	changed := opts.Changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	if !changed("endpoint") && env.Endpoint != "" {
		cfg.Endpoint, cfg.EndpointMode = env.Endpoint, env.EndpointMode
	}
	if !changed("protocol") && env.Protocol != "" {
		cfg.Protocol = env.Protocol
	}
	cfg.Headers = map[string]string{}
	for k, v := range env.Headers {
		cfg.Headers[k] = v
	}
	for _, h := range opts.Headers {
		// KEY=VALUE, or "Key: Value" as the reading commands' --header and
		// curl take it: whichever separator comes first.
		if i := strings.IndexAny(h, ":="); i > 0 && h[i] == ':' {
			cfg.Headers[strings.ToLower(strings.TrimSpace(h[:i]))] = strings.TrimSpace(h[i+1:])
			continue
		}
		kv, err := emit.ParseAttribute(h)
		if err != nil {
			return fmt.Errorf("--endpoint-header %w", err)
		}
		cfg.Headers[strings.ToLower(string(kv.Key))] = kv.Value.AsString()
	}
	if changed("insecure") {
		cfg.Insecure = &opts.Insecure
	} else {
		cfg.Insecure = env.Insecure
	}
	for _, f := range []struct {
		flag string
		dst  *string
		env  string
	}{{"ca-file", &cfg.CAFile, env.CAFile}, {"client-cert", &cfg.ClientCert, env.ClientCert}, {"client-key", &cfg.ClientKey, env.ClientKey}} {
		if !changed(f.flag) && f.env != "" {
			*f.dst = f.env
		}
	}
	if env.Compression == "gzip" {
		cfg.Compression = "gzip"
	}
	if !changed("export-timeout") && env.Timeout > 0 {
		cfg.ExportTimeout = env.Timeout
	}
	cfg.ServiceName = env.ServiceName
	cfg.ResourceAttrs = append([]attribute.KeyValue(nil), env.ResourceAttrs...)
	for _, a := range opts.Attrs {
		kv, err := emit.ParseAttribute(a)
		if err != nil {
			return fmt.Errorf("--attr %w", err)
		}
		if kv.Key == "service.name" {
			cfg.ServiceName = kv.Value.AsString()
			continue
		}
		cfg.ResourceAttrs = append(cfg.ResourceAttrs, kv)
	}
	if changed("environment") { // the flag beats OTEL_RESOURCE_ATTRIBUTES
		cfg.ResourceAttrs = append(cfg.ResourceAttrs, attribute.String("deployment.environment.name", cfg.Environment))
	}
	// --sampler or --sample-ratio on the command line replace the
	// environment's sampler (--sample-ratio alone: parentbased_traceidratio).
	if !changed("sampler") && !changed("sample-ratio") && env.Sampler != "" {
		cfg.Sampler = env.Sampler
	}
	if !changed("sample-ratio") && env.SamplerArg != nil {
		cfg.SampleRatio = *env.SamplerArg
	}
	return nil
}

// statusLine draws emit's progress on a terminal stderr: one line,
// overwritten in place, erased before the summary.
type statusLine struct {
	w     io.Writer
	drawn bool
}

func (l *statusLine) draw(st emit.Status) {
	phase := "sending"
	if st.Flushing {
		phase = "flushing"
	}
	fmt.Fprintf(l.w, "\r\x1b[Kemit → %s: %s %s, %d spans created, %d exported, %d failed",
		st.Destination, phase, st.Elapsed.Round(100*time.Millisecond), st.Created, st.Exported, st.Failed)
	l.drawn = true
}

func (l *statusLine) clear() {
	if l != nil && l.drawn {
		fmt.Fprint(l.w, "\r\x1b[K")
	}
}

// exportFailure is an export the destination did not accept (emit, send):
// neither bad input (2) nor a finding (1) but exit code 3, so CI can tell
// "the receiver was not there" from "the data was wrong".
type exportFailure struct{ err error }

func (e exportFailure) Error() string { return e.err.Error() }
func (e exportFailure) Unwrap() error { return e.err }
