package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/sender"
	"github.com/tracectl/tracectl/internal/termstr"
)

type sendOptions struct {
	inputOptions
	redactOptions
	Endpoint  string
	Protocol  string
	Retime    bool
	BatchSize int
	Timeout   time.Duration
	Headers   []string
}

func newCmdSend(s *streams) *cobra.Command {
	opts := &sendOptions{}
	cmd := &cobra.Command{
		Use:   "send [--endpoint HOST:PORT] [--protocol grpc|http] FILE... | -",
		Short: "Replay traces to an OTLP receiver (Collector, Jaeger, Tempo, tracectl receive)",
		Long: `Read traces in any format tracectl reads and send them to an OTLP receiver, as an
SDK exporter would: OTLP/gRPC (default, port 4317) or OTLP/HTTP with protobuf bodies (port
4318, path /v1/traces), in batches of --batch-size spans. Answers the OTLP specification
calls retryable (HTTP 429/502/503/504, gRPC UNAVAILABLE/RESOURCE_EXHAUSTED) are retried with
exponential backoff, honouring Retry-After; spans a receiver rejects (partial_success) are
counted. A summary goes to stderr. Exit status: 0 all accepted, 1 some spans rejected,
2 not delivered (or bad input).

--retime shifts each trace so that it ends now, keeping its shape: old dumps show up
in a backend's "last hour" search. --redact masks every value ` + "`check --pii`" + ` would
report before anything leaves the machine. Headers for the receiver come from
$OTEL_EXPORTER_OTLP_HEADERS (name=value,…) and --endpoint-header.`,
		Example: `  tracectl send --retime traces.json
  tracectl send --protocol http --endpoint https://otlp.example.com --endpoint-header 'Authorization: Bearer …' dump.pb
  tracectl send --where '{ status = error }' --endpoint localhost:4317 'traces-*.json'`,
	}
	opts.inputOptions.runOnFiles(cmd, func(cmd *cobra.Command) error { return sendRun(cmd.Context(), s, opts) })
	opts.inputOptions.addFlags(cmd)
	opts.redactOptions.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.Endpoint, "endpoint", "", "receiver address, host:port or URL (default localhost:4317 for grpc, localhost:4318 for http)")
	addChoiceFlag(cmd, &opts.Protocol, "protocol", "", sender.GRPC, "OTLP protocol: grpc, or http (protobuf bodies; also spelled http/protobuf)", sender.GRPC, sender.HTTP).
		alias("http/protobuf", sender.HTTP)
	f.BoolVar(&opts.Retime, "retime", false, "shift each trace to end now, keeping its shape")
	f.IntVar(&opts.BatchSize, "batch-size", 512, "spans per export request")
	f.DurationVar(&opts.Timeout, "export-timeout", 10*time.Second, "longest wait for one export request (each retry waits as long again)")
	addFlagAlias(cmd, "timeout", "export-timeout") // --timeout elsewhere is how long a whole run may wait
	f.StringArrayVar(&opts.Headers, "endpoint-header", nil, "header for the receiver, 'Name: value' (repeatable; also $OTEL_EXPORTER_OTLP_HEADERS)")
	return cmd
}

func sendRun(ctx context.Context, s *streams, opts *sendOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.BatchSize < 1 {
		return usageError{errors.New("--batch-size must be at least 1")}
	}
	endpoint := opts.Endpoint
	if endpoint == "" {
		endpoint = map[string]string{sender.GRPC: "localhost:4317", sender.HTTP: "localhost:4318"}[opts.Protocol]
	}
	header := http.Header{}
	if env := os.Getenv("OTEL_EXPORTER_OTLP_HEADERS"); env != "" {
		var err error
		if header, err = ingest.ParseHeaderList(env); err != nil {
			return usageError{fmt.Errorf("$OTEL_EXPORTER_OTLP_HEADERS: %w", err)}
		}
	}
	for _, h := range opts.Headers {
		k, v, err := ingest.ParseHeader(h)
		if err != nil {
			return usageError{fmt.Errorf("--endpoint-header: %w", err)}
		}
		header.Add(k, v)
	}
	snd, err := sender.New(sender.Options{Endpoint: endpoint, Protocol: opts.Protocol, Header: header, Timeout: opts.Timeout})
	if err != nil {
		return usageError{err}
	}
	defer snd.Close()

	var pending []dag.Span
	flush := func() error {
		err := snd.Send(ctx, pending)
		pending = pending[:0]
		if err != nil {
			return exportFailure{err}
		}
		return nil
	}
	write := func(spans []dag.Span) error {
		for len(spans) > 0 {
			n := min(len(spans), opts.BatchSize-len(pending))
			pending = append(pending, spans[:n]...)
			spans = spans[n:]
			if len(pending) == opts.BatchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	write, err = opts.redactOptions.wrap(write)
	if err != nil {
		return err
	}
	var retime func([]dag.Span)
	if opts.Retime {
		now := uint64(time.Now().UnixNano())
		retime = func(spans []dag.Span) { retimeTrace(spans, now) }
	}
	err = sendSpans(s, &opts.inputOptions, retime, write)
	if err == nil {
		err = flush()
	}
	sum := snd.Summary
	fmt.Fprintf(s.Err, "tracectl: sent to %s (%s): %s accepted, %d rejected, in %s", termstr.Escape(endpoint), opts.Protocol,
		dag.Plural(int(sum.Accepted), "span"), sum.Rejected, dag.Plural(int(sum.Requests), "request"))
	if sum.Retries > 0 {
		fmt.Fprintf(s.Err, " (%d retried)", sum.Retries)
	}
	fmt.Fprintln(s.Err)
	for _, m := range sum.Messages {
		// The receiver's words are its own: escaped like span data.
		fmt.Fprintf(s.Err, "tracectl: the receiver said: %s\n", termstr.Escape(m))
	}
	if err != nil {
		return err
	}
	if sum.Rejected > 0 {
		return &failure{msg: fmt.Sprintf("%d spans rejected", sum.Rejected)}
	}
	return nil
}

// sendSpans is convertInto with an optional per-trace transformation,
// which needs whole traces.
func sendSpans(s *streams, o *inputOptions, perTrace func([]dag.Span), write func([]dag.Span) error) error {
	if perTrace == nil {
		return convertInto(s, o, false, write)
	}
	return convertInto(s, o, true, func(spans []dag.Span) error {
		perTrace(spans)
		return write(spans)
	})
}

// retimeTrace shifts the spans of one trace so that the latest end is now.
func retimeTrace(spans []dag.Span, now uint64) {
	var end uint64
	for i := range spans {
		end = max(end, spans[i].End, spans[i].Start)
	}
	d := dag.Sub(now, end)
	for i := range spans {
		sp := &spans[i]
		sp.Start, sp.End = dag.Add(sp.Start, d), dag.Add(sp.End, d)
		if sp.NumEvents() > 0 {
			// Event times live in the span's block: pack a re-timed copy.
			sd := sp.Data()
			for j := range sd.Events {
				sd.Events[j].Time = dag.Add(sd.Events[j].Time, d)
			}
			*sp = dag.Pack([]dag.SpanData{sd})[0]
		}
	}
}
