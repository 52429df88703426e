package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/live"
	"github.com/tracectl/tracectl/internal/query"
	"github.com/tracectl/tracectl/internal/receiver"
	"github.com/tracectl/tracectl/internal/render"
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
	MaxMemory      int64
	Width          int
	Color          string
	NoFold         bool

	// ready, when set (tests), is called once the listeners are up.
	ready func(grpcAddr, httpAddr string)
	// stop, when set (tests), ends the run like SIGINT.
	stop <-chan struct{}
}

func newCmdReceive(s *streams) *cobra.Command {
	opts := &receiveOptions{}
	cmd := &cobra.Command{
		Use:   "receive",
		Short: "Receive traces over OTLP (gRPC and HTTP) and print each as it completes",
		Long: `Listen for OTLP traces — gRPC TraceService on 127.0.0.1:4317, HTTP POST /v1/traces on
127.0.0.1:4318, protobuf or JSON, gzip — and print each trace's tree once no new span
has arrived for it for --trace-idle (or one line per trace with --summary).

--out FILE keeps everything received as Collector file-exporter JSON lines (or framed
protobuf with --out-format proto), which every tracectl command reads back.

For CI: --until 'QUERY' exits 0 as soon as a received trace matches the query;
--timeout exits 1 when nothing matched (or --count was not reached) in time;
--count N and --duration D stop after N spans or after D.

SIGINT/SIGTERM stop accepting, answer the requests in flight, write everything to
--out, print a summary on stderr and exit 0. A span acknowledged with 200/OK is in
--out by then. Memory is bounded: over --max-memory senders get 429 /
RESOURCE_EXHAUSTED with a retry delay; over --max-spans the longest-waiting traces
are printed early.`,
		Example: `  tracectl receive
  tracectl receive --summary --out traces.json
  tracectl receive --until '{ status = error }' --timeout 60s --out ci-traces.json
  tracectl receive --grpc-addr '' --http-addr 127.0.0.1:14318 --count 100`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return receiveRun(s, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.GRPCAddr, "grpc-addr", receiver.DefaultGRPCAddr, "OTLP/gRPC listen address (empty disables gRPC)")
	f.StringVar(&opts.HTTPAddr, "http-addr", receiver.DefaultHTTPAddr, "OTLP/HTTP listen address (empty disables HTTP)")
	f.StringVar(&opts.Out, "out", "", "write everything received to this file")
	f.StringVar(&opts.OutFormat, "out-format", "json", "--out format: json (Collector file-exporter JSON lines) or proto (length-framed protobuf)")
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
	f.Int64Var(&opts.MaxMemory, "max-memory", receiver.DefaultMaxMemory, "memory for requests being decoded or queued, in bytes (429 beyond)")
	f.IntVar(&opts.Width, "width", 0, "line width (default: terminal width, 120 when not a terminal)")
	addColorFlag(cmd, &opts.Color)
	f.BoolVar(&opts.NoFold, "no-fold", false, "print every span, even runs of alike siblings")
	return cmd
}

// receiveRun runs the receiver until a stop condition, then shuts down in
// an order that loses nothing acknowledged:
//
//  1. stop accepting and answer the requests in flight (receiver.Shutdown
//     returns only when every Deliver has returned; Deliver queued the
//     batch before its request was acknowledged);
//  2. close the queue: the consumer writes every queued batch to --out and
//     hands it to the assembler, then closes the assembler's input, which
//     prints every trace still open;
//  3. flush --out to the file and close it.
//
// So a span answered 200/OK is in --out after a clean stop (SIGINT, SIGTERM,
// --until, --count, --duration, --timeout). Acknowledging at "queued"
// rather than "written" keeps encoding and writing off the sender's round
// trip. What a crash or SIGKILL can lose is what is queued (bounded by
// --max-memory) plus --out's buffer, which is flushed every second.
func receiveRun(s *streams, opts *receiveOptions) error {
	if opts.OutFormat != "json" && opts.OutFormat != "proto" {
		return usageError{fmt.Errorf("unknown --out-format %q (want json or proto)", opts.OutFormat)}
	}
	if opts.Timeout > 0 && opts.Until == "" && opts.Count <= 0 {
		return usageError{errors.New("--timeout needs --until or --count: it says how long to wait for them")}
	}
	var until *query.Query
	if opts.Until != "" {
		q, err := query.Parse(opts.Until)
		if err != nil {
			return usageError{fmt.Errorf("--until: %w", err)}
		}
		until = q
	}

	var out *receiver.Output
	var outFile *os.File
	if opts.Out != "" {
		f, err := os.Create(opts.Out)
		if err != nil {
			return usageError{fmt.Errorf("--out: %w", err)}
		}
		outFile = f
		out = receiver.NewOutput(f, opts.OutFormat == "proto")
	}

	pr := newTracePrinter(s, opts)
	asm := live.New(live.Options{Idle: opts.TraceIdle, MaxSpans: opts.MaxSpans})
	// The pipeline: handlers → queue → consumer (writes --out, hands spans
	// to the assembler) → batches → assembler loop (prints, checks --until).
	// A handler acknowledges once its batch is queued; the batch keeps its
	// share of --max-memory (Batch.Retain) until the consumer is done with
	// it, so a slow consumer turns into 429s, not a growing heap.
	queue := make(chan queued, 1024)
	var queueMu sync.RWMutex
	queueClosed := false
	batches := make(chan []dag.Span)
	stop := make(chan string, 4)    // why the run should end
	liveGone := make(chan struct{}) // closed when the assembler loop has returned
	var liveErr, outErr error
	outFailed := make(chan struct{})
	var received atomic.Int64
	var matched atomic.Bool

	srv, err := receiver.Start(receiver.Options{
		GRPCAddr:       opts.GRPCAddr,
		HTTPAddr:       opts.HTTPAddr,
		MaxRequestSize: opts.MaxRequestSize,
		MaxMemory:      opts.MaxMemory,
		Deliver: func(b *receiver.Batch) error {
			if len(b.Spans) == 0 {
				return nil
			}
			// The read lock keeps close(queue) from racing a handler that
			// outlived a timed-out Shutdown.
			queueMu.RLock()
			defer queueMu.RUnlock()
			if queueClosed {
				return errors.New("tracectl is shutting down")
			}
			select {
			case queue <- queued{b, b.Retain()}:
			case <-outFailed:
				return errors.New("tracectl cannot write --out")
			}
			if n := received.Add(int64(len(b.Spans))); opts.Count > 0 && n >= opts.Count {
				select {
				case stop <- fmt.Sprintf("received %d spans (--count %d)", n, opts.Count):
				default:
				}
			}
			return nil
		},
	})
	if err != nil {
		if outFile != nil {
			outFile.Close()
		}
		return err
	}
	grpcAddr, httpAddr := addrString(srv.GRPCAddr()), addrString(srv.HTTPAddr())
	if grpcAddr != "" {
		fmt.Fprintf(s.Err, "tracectl: receiving OTLP/gRPC on %s\n", grpcAddr)
	}
	if httpAddr != "" {
		fmt.Fprintf(s.Err, "tracectl: receiving OTLP/HTTP on http://%s%s\n", httpAddr, receiver.TracesPath)
	}

	// The consumer: --out first, then the assembler. It runs until the
	// queue is closed and drained, whatever fails, so every queued batch
	// releases its memory.
	consumerDone := make(chan struct{})
	go func() {
		defer close(consumerDone)
		defer close(batches)
		for q := range queue {
			if out != nil && outErr == nil {
				if outErr = out.Write(q.batch); outErr != nil {
					close(outFailed)
				}
			}
			select {
			case batches <- q.batch.Spans:
			case <-liveGone:
			}
			q.release()
		}
	}()

	// The assembler loop: prints traces as they complete and checks --until.
	var earlyOnce sync.Once
	go func() {
		defer close(liveGone)
		liveErr = live.Run(asm, batches, func(traces []*dag.Trace, why live.Reason) error {
			if why == live.ReasonEarly {
				earlyOnce.Do(func() {
					fmt.Fprintf(s.Err, "tracectl: warning: more than %d spans in incomplete traces (--max-spans): printing the longest-waiting traces before they are idle; they may be split\n", opts.MaxSpans)
				})
			}
			if pr.quiet && until == nil {
				return nil // nothing reads the trees: do not build them
			}
			for _, t := range traces {
				tr := dag.Build(t)
				if until != nil && !matched.Load() && until.Match(tr) {
					matched.Store(true)
					select {
					case stop <- fmt.Sprintf("trace %s matches --until", tr.TraceID):
					default:
					}
				}
				if err := pr.print(tr); err != nil {
					return err
				}
			}
			return nil
		})
	}()

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	var timeout, duration <-chan time.Time
	if opts.Timeout > 0 {
		t := time.NewTimer(opts.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	if opts.Duration > 0 {
		t := time.NewTimer(opts.Duration)
		defer t.Stop()
		duration = t.C
	}
	flushTick := time.NewTicker(time.Second)
	defer flushTick.Stop()
	if opts.ready != nil {
		opts.ready(grpcAddr, httpAddr)
	}

	var reason string
	timedOut := false
	var runErr error
wait:
	for {
		select {
		case <-ctx.Done():
			reason = "interrupted"
			break wait
		case <-opts.stop:
			reason = "stopped"
			break wait
		case reason = <-stop:
			break wait
		case <-duration:
			reason = fmt.Sprintf("--duration %s elapsed", opts.Duration)
			break wait
		case <-timeout:
			reason = fmt.Sprintf("--timeout %s elapsed", opts.Timeout)
			timedOut = true
			break wait
		case err := <-srv.Err():
			reason, runErr = "listener failed", err
			break wait
		case <-liveGone:
			// Printing failed (stdout closed): stop receiving.
			reason = "output failed"
			break wait
		case <-outFailed:
			reason, runErr = "writing --out failed", outErr
			break wait
		case <-flushTick.C:
			if out != nil {
				if err := out.Flush(); err != nil {
					reason, runErr = "writing --out failed", err
					break wait
				}
			}
		}
	}
	cancel() // a second SIGINT now kills the process the default way

	shutCtx, shutCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer shutCancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		fmt.Fprintf(s.Err, "tracectl: warning: shutdown: %v\n", err)
	}
	queueMu.Lock()
	queueClosed = true
	close(queue)
	queueMu.Unlock()
	<-consumerDone
	<-liveGone
	if out != nil {
		err := out.Flush()
		if cerr := outFile.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("--out: %w", cerr)
		}
		if runErr == nil {
			runErr = err
		}
	}
	if runErr == nil && liveErr != nil {
		runErr = liveErr
	}

	st, as := srv.Stats(), asm.Stats()
	msg := fmt.Sprintf("tracectl: %s: received %d spans in %d traces (%d requests), rejected %d spans, refused %d requests (memory full), %d bad requests",
		reason, st.Spans, as.Traces, st.Requests, st.Rejected, st.Refused, st.Bad)
	if as.Early > 0 {
		msg += fmt.Sprintf(", %d traces printed early (--max-spans)", as.Early)
	}
	if out != nil {
		msg += fmt.Sprintf("; wrote %d spans to %s", out.Spans(), opts.Out)
	}
	fmt.Fprintln(s.Err, msg)
	if runErr != nil {
		return runErr
	}
	if timedOut {
		if until != nil && !matched.Load() {
			return &failure{fmt.Sprintf("tracectl: no trace matched --until %q within %s", opts.Until, opts.Timeout)}
		}
		if opts.Count > 0 && st.Spans < opts.Count {
			return &failure{fmt.Sprintf("tracectl: received %d of --count %d spans within %s", st.Spans, opts.Count, opts.Timeout)}
		}
	}
	if until != nil && !matched.Load() && reason != "interrupted" && reason != "stopped" {
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

// queued is a batch waiting for the consumer, with the function that
// releases its share of --max-memory.
type queued struct {
	batch   *receiver.Batch
	release func()
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
