package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/live"
	"github.com/tracectl/tracectl/internal/query"
	"github.com/tracectl/tracectl/internal/receiver"
	"github.com/tracectl/tracectl/internal/render"
	"github.com/tracectl/tracectl/internal/spill"
)

type receiveOptions struct {
	GRPCAddr       string
	HTTPAddr       string
	Out            string
	OutFormat      string
	Summary        bool
	Quiet          bool
	Output         string
	Until          string
	Timeout        time.Duration
	Count          int64
	Duration       time.Duration
	TraceIdle      time.Duration
	MaxSpans       int
	MaxRequestSize int64
	MaxMemory      string // a size, as every reader's --max-memory (spill.ParseSize)
	Width          int
	Color          string
	NoFold         bool
	View           bool

	BodyTimeout time.Duration

	// ready, when set (tests), is called once the listeners are up.
	ready func(grpcAddr, httpAddr string)
}

func newCmdReceive(s *streams) *cobra.Command {
	opts := &receiveOptions{}
	cmd := &cobra.Command{
		Use:   "receive",
		Short: "Receive traces over OTLP (gRPC and HTTP) and print each as it completes",
		Long: `Listen for OTLP traces — gRPC TraceService on 127.0.0.1:4317, HTTP POST /v1/traces on
127.0.0.1:4318, protobuf or JSON, gzip — and print each trace's tree once no new span
has arrived for it for --trace-idle (or one line per trace with --summary).

Once both listeners are bound, one line on stderr says where ("tracectl: ready: …");
port 0 picks a free port and that line names it. GET /healthz on the HTTP port
answers 200 while receiving.

--out FILE keeps everything received as Collector file-exporter JSON lines (or framed
protobuf with --out-format proto), which every tracectl command reads back. A request
is acknowledged (200/OK) only once its spans are written to FILE; if FILE cannot be
written (a full disk) the request is answered 503 / UNAVAILABLE, no partial record is
left, the run stops and exits 2 naming how many spans FILE holds.

For CI: --until 'QUERY' exits 0 as soon as a trace matches the query with the spans
received so far; --timeout exits 1 when nothing matched (or --count was not reached)
in time; --count N and --duration D stop after N spans or after D.

Memory is bounded by --max-memory: request bodies (charged as they are read and
decompressed) and the spans held until their trace is printed. Near the limit the
longest-waiting traces are printed early; at it senders get 429 / RESOURCE_EXHAUSTED
with a retry delay. Printing never holds up receiving: traces that a slow terminal
cannot keep up with are left unprinted and counted.

SIGINT/SIGTERM stop accepting, answer the requests in flight (5s at most), print what
is open (3s at most), print a summary on stderr and exit 0.`,
		Example: `  tracectl receive
  tracectl receive --summary --out traces.json
  tracectl receive --until '{ status = error }' --timeout 60s --out ci-traces.json
  tracectl receive --grpc-addr '' --http-addr 127.0.0.1:14318 --count 100`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return receiveRun(cmd.Context(), s, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.GRPCAddr, "grpc-addr", receiver.DefaultGRPCAddr, "OTLP/gRPC listen address (empty disables gRPC)")
	f.StringVar(&opts.HTTPAddr, "http-addr", receiver.DefaultHTTPAddr, "OTLP/HTTP listen address (empty disables HTTP)")
	f.StringVar(&opts.Out, "out", "", "write everything received to this file")
	addChoiceFlag(cmd, &opts.OutFormat, "out-format", "", "otlp-json", "--out format, named as convert --to names it: otlp-json (Collector file-exporter JSON lines) or otlp-proto (length-framed protobuf)",
		"otlp-json", "otlp-proto").alias("json", "otlp-json").alias("proto", "otlp-proto")
	f.BoolVar(&opts.Summary, "summary", false, "print one line per completed trace instead of its tree")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "print no traces, only the final summary on stderr")
	addOutputFlag(cmd, &opts.Output, "tree", "json")
	f.StringVar(&opts.Until, "until", "", "exit 0 as soon as a received trace matches this query")
	f.DurationVar(&opts.Timeout, "timeout", 0, "with --until or --count: exit 1 if not satisfied within this time")
	f.Int64Var(&opts.Count, "count", 0, "stop after receiving this many spans")
	f.DurationVar(&opts.Duration, "duration", 0, "stop after this long")
	f.DurationVar(&opts.TraceIdle, "trace-idle", live.DefaultIdle, "a trace is complete when no span has arrived for it for this long")
	f.IntVar(&opts.MaxSpans, "max-spans", live.DefaultMaxSpans, "most spans held in incomplete traces; beyond it the longest-waiting traces are printed early")
	f.Int64Var(&opts.MaxRequestSize, "max-request-size", receiver.DefaultMaxRequestSize, "largest request body accepted, after decompression, in bytes (413 beyond)")
	f.StringVar(&opts.MaxMemory, "max-memory", "256MiB", "memory for request bodies and the spans held until their trace is printed, in bytes or with a unit (512MiB, 1GB; 429 beyond)")
	f.DurationVar(&opts.BodyTimeout, "body-timeout", receiver.DefaultBodyTimeout, "time an OTLP/HTTP sender has to send a request body (408 beyond)")
	f.IntVar(&opts.Width, "width", 0, "line width (default: terminal width, 120 when not a terminal)")
	addColorFlag(cmd, &opts.Color)
	f.BoolVar(&opts.NoFold, "no-fold", false, "print every span, even runs of alike siblings")
	f.BoolVar(&opts.View, "view", false, "show traces in the interactive explorer (as tracectl view) as their spans arrive, instead of printing them; q stops receiving")
	return cmd
}

// receiveRun checks the flags, runs live.Receive (which owns the pipeline
// and its shutdown order) and turns how it ended into the summary line and
// the exit code.
func receiveRun(ctx context.Context, s *streams, opts *receiveOptions) error {
	var maxMemory int64 // 0: the receiver's default
	if opts.MaxMemory != "" {
		n, err := spill.ParseSize(opts.MaxMemory)
		if err != nil || n <= 0 {
			return usageError{fmt.Errorf("--max-memory %q: want a size such as 256MiB or 1GB", opts.MaxMemory)}
		}
		maxMemory = n
	}
	if opts.View && (opts.Summary || opts.Quiet || opts.Output == "json") {
		return usageError{errors.New("--view shows traces in the explorer: it does not go with --summary, --quiet or -o json")}
	}
	if opts.Timeout > 0 && opts.Until == "" && opts.Count <= 0 {
		return usageError{errors.New("--timeout needs --until or --count: it says how long to wait for them")}
	}
	ropts := live.ReceiveOptions{
		Server: receiver.Options{
			GRPCAddr:       opts.GRPCAddr,
			HTTPAddr:       opts.HTTPAddr,
			MaxRequestSize: opts.MaxRequestSize,
			MaxMemory:      maxMemory,
			BodyTimeout:    opts.BodyTimeout,
		},
		OutProto: opts.OutFormat == "otlp-proto",
		Idle:     opts.TraceIdle,
		MaxSpans: opts.MaxSpans,
		Count:    opts.Count,
		Duration: opts.Duration,
		Timeout:  opts.Timeout,
		Warn:     s.warn,
		Ready: func(grpcAddr, httpAddr net.Addr) {
			// One line a script can wait for (and parse, with :0 ports).
			var parts []string
			if grpcAddr != nil {
				parts = append(parts, "otlp/grpc "+grpcAddr.String())
			}
			if httpAddr != nil {
				parts = append(parts, fmt.Sprintf("otlp/http http://%s%s (health: http://%[1]s%[3]s)", httpAddr, receiver.TracesPath, receiver.HealthPath))
			}
			fmt.Fprintf(s.Err, "tracectl: ready: %s\n", strings.Join(parts, ", "))
			if opts.ready != nil {
				opts.ready(addrString(grpcAddr), addrString(httpAddr))
			}
		},
	}
	var until *query.Query
	if opts.Until != "" {
		q, err := query.Parse(opts.Until)
		if err != nil {
			return usageError{fmt.Errorf("--until: %w", err)}
		}
		until = q
		ropts.Until = func(t *dag.Trace) bool { return until.Match(dag.Build(t)) }
	}
	if !opts.Quiet {
		pr := newTracePrinter(s, opts)
		ropts.Emit = func(traces []*dag.Trace, _ live.Reason) error {
			for _, t := range traces {
				if err := pr.print(dag.Build(t)); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var outFile *os.File
	if opts.Out != "" {
		f, err := os.Create(opts.Out)
		if err != nil {
			return usageError{fmt.Errorf("--out: %w", err)}
		}
		defer f.Close()
		outFile, ropts.Out = f, f
	}

	var res *live.ReceiveResult
	var err error
	if opts.View {
		res, err = receiveView(ctx, s, opts, ropts)
	} else {
		res, err = live.Receive(ctx, ropts)
	}
	if err != nil {
		return err
	}
	runErr := res.Err
	if outFile != nil {
		if err := outFile.Close(); err != nil && runErr == nil {
			runErr = fmt.Errorf("--out: %w", err)
		}
	}

	st, ss := res.Server, res.Session
	n := func(count int64, word string) string { return dag.Plural(int(count), word) }
	msg := fmt.Sprintf("tracectl: %s: received %s in %s (%s), rejected %s, refused %s (memory full), %s",
		res.Reason, n(st.Spans, "span"), n(int64(ss.Traces), "trace"), n(st.Requests, "request"), n(st.Rejected, "span"),
		n(st.Refused, "request"), n(st.Bad, "bad request"))
	if ss.Early > 0 {
		msg += fmt.Sprintf(", %s printed early (--max-spans, --max-memory)", n(int64(ss.Early), "trace"))
	}
	if ss.Dropped > 0 {
		msg += fmt.Sprintf(", %s (%s) not printed (printing fell behind)", n(int64(ss.Dropped), "trace"), n(int64(ss.DroppedSpans), "span"))
	}
	if opts.Out != "" {
		msg += fmt.Sprintf("; wrote %s to %s", n(res.Written, "span"), opts.Out)
	}
	fmt.Fprintln(s.Err, msg)
	if runErr != nil {
		return runErr
	}
	if res.TimedOut {
		if until != nil && !res.Matched {
			return &failure{fmt.Sprintf("tracectl: no trace matched --until %q within %s", opts.Until, opts.Timeout)}
		}
		if opts.Count > 0 && st.Spans < opts.Count {
			return &failure{fmt.Sprintf("tracectl: received %d of --count %d spans within %s", st.Spans, opts.Count, opts.Timeout)}
		}
	}
	if until != nil && !res.Matched && res.Reason != "interrupted" {
		// --duration or --count ended the run before anything matched.
		return &failure{fmt.Sprintf("tracectl: no trace matched --until %q", opts.Until)}
	}
	return nil
}

// tracePrinter prints completed traces the way `tracectl tree` does (the
// tree with its waterfall, or tree JSON), or one summary line each.
type tracePrinter struct {
	tree    *treePrinter
	summary bool
	quiet   bool
}

func newTracePrinter(s *streams, opts *receiveOptions) *tracePrinter {
	tree := &treeOptions{MaxDepth: -1, Width: opts.Width, Color: opts.Color, Output: opts.Output, NoFold: opts.NoFold}
	return &tracePrinter{tree: newTreePrinter(s, tree), summary: opts.Summary, quiet: opts.Quiet}
}

func (p *tracePrinter) print(tr *dag.Tree) error {
	switch {
	case p.quiet:
		return nil
	case p.summary && p.tree.opts.Output != "json":
		return render.TraceLine(p.tree.s.Out, p.tree.st, dag.Summarize(tr))
	}
	return p.tree.print([]*dag.Tree{tr})
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
