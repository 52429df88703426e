package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/receiver"
)

// Bounds on stopping a receiver (ReceiveOptions zero values).
const (
	// DefaultShutdownTimeout bounds the wait for requests in flight when
	// the receiver stops; the connections still open then are cut, and
	// their requests were never acknowledged.
	DefaultShutdownTimeout = 5 * time.Second
	// DefaultDrainTimeout bounds the printing of what is left once the
	// receiver has stopped; traces not printed by then are counted.
	DefaultDrainTimeout = 3 * time.Second
)

// ReceiveOptions configure Receive.
type ReceiveOptions struct {
	// Server sets the addresses and limits; Receive sets its Deliver.
	Server receiver.Options
	// Out, when set, keeps every acknowledged span (receiver.Output); an
	// *os.File is synced when the run ends.
	Out      io.Writer
	OutProto bool
	// Idle and MaxSpans decide when a trace is complete (Assembler).
	Idle     time.Duration
	MaxSpans int
	// Emit prints completed traces, on its own goroutine, never holding up
	// the senders (a lossy Session). Nil: traces are not kept once the
	// spans are written.
	Emit func(traces []*dag.Trace, why Reason) error
	// Until, when set, is asked about each trace every time spans arrive
	// for it; the run ends as soon as it says yes.
	Until func(t *dag.Trace) bool
	// Watch, when set, is called with each trace every time spans arrive
	// for it (SessionOptions.Watch: on the assembling goroutine, and it
	// must be quick): the interactive explorer shows traces as they grow.
	Watch func(t *dag.Trace)
	// Count ends the run once this many spans have been acknowledged;
	// Duration once this long has passed; Timeout likewise, but as a
	// failure (Result.TimedOut).
	Count             int64
	Duration, Timeout time.Duration
	// ShutdownTimeout and DrainTimeout bound stopping (defaults above).
	ShutdownTimeout, DrainTimeout time.Duration
	// Ready is called once the listeners are bound, with their addresses
	// (nil for a disabled one).
	Ready func(grpcAddr, httpAddr net.Addr)
	// Warn prints a warning.
	Warn func(msg string)
}

// ReceiveResult is how a receive run ended and what it did.
type ReceiveResult struct {
	Reason   string // why the run ended, for the summary line
	TimedOut bool   // Timeout elapsed first
	Matched  bool   // Until said yes
	Server   receiver.Stats
	Session  SessionStats
	// Written counts the spans in whole records in Out.
	Written int64
	// Err is what made the run fail: a listener, writing Out, or Emit.
	Err error
}

// Receive runs an OTLP receiver until ctx is done or a stop condition of
// opts holds, and then stops in an order that loses nothing acknowledged:
//
//  1. A request is acknowledged only once its spans are written to Out
//     (when set) and handed to the session; a request whose spans cannot
//     be written is answered 503 / UNAVAILABLE and writing stops for good.
//  2. Stopping: the listeners close and the requests in flight are
//     answered (at most ShutdownTimeout; requests cut then were never
//     acknowledged).
//  3. The session hands on every open trace; printing gets at most
//     DrainTimeout more, then what is not printed is counted and left.
//  4. Out is synced.
//
// Listening errors are returned at once; anything later is in Result.Err.
func Receive(ctx context.Context, opts ReceiveOptions) (*ReceiveResult, error) {
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	var out *receiver.Output
	if opts.Out != nil {
		out = receiver.NewOutput(opts.Out, opts.OutProto)
	}

	stop := make(chan string, 1) // why the run should end
	requestStop := func(why string) {
		select {
		case stop <- why:
		default:
		}
	}
	outFailed := make(chan struct{})
	var outFailOnce sync.Once
	var received atomic.Int64
	var matched atomic.Bool

	var started atomic.Pointer[receiver.Server] // set once Start returns
	sopts := SessionOptions{
		Idle: opts.Idle, MaxSpans: opts.MaxSpans, Emit: opts.Emit, Lossy: true, Warn: opts.Warn,
		Pressure: func() bool { s := started.Load(); return s != nil && s.Pressure() },
	}
	if opts.Until != nil || opts.Watch != nil {
		sopts.Watch = func(t *dag.Trace) {
			if opts.Watch != nil {
				opts.Watch(t)
			}
			if opts.Until != nil && !matched.Load() && opts.Until(t) {
				matched.Store(true)
				requestStop(fmt.Sprintf("trace %s matches --until", t.ID))
			}
		}
	}
	sess := NewSession(sopts)

	serverOpts := opts.Server
	serverOpts.Deliver = func(b *receiver.Batch) error {
		if len(b.Spans) == 0 {
			return nil
		}
		if out != nil {
			if err := out.Write(b); err != nil {
				outFailOnce.Do(func() { close(outFailed) })
				return fmt.Errorf("tracectl cannot keep these spans: %w", err)
			}
		}
		release := b.Retain()
		if err := sess.AddHeld(b.Spans, release); err != nil {
			// Shutting down (a request that outlived ShutdownTimeout) or
			// printing failed. With Out the spans are kept all the same.
			release()
			if out == nil {
				return fmt.Errorf("tracectl is shutting down: %w", err)
			}
		}
		if n := received.Add(int64(len(b.Spans))); opts.Count > 0 && n >= opts.Count {
			requestStop(fmt.Sprintf("received %d spans (--count %d)", n, opts.Count))
		}
		return nil
	}
	srv, err := receiver.Start(serverOpts)
	if err != nil {
		sess.Close(context.Background())
		return nil, err
	}
	started.Store(srv)
	if opts.Ready != nil {
		opts.Ready(srv.GRPCAddr(), srv.HTTPAddr())
	}

	res := &ReceiveResult{}
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
	select {
	case <-ctx.Done():
		res.Reason = "interrupted"
	case res.Reason = <-stop:
	case <-duration:
		res.Reason = fmt.Sprintf("--duration %s elapsed", opts.Duration)
	case <-timeout:
		res.Reason = fmt.Sprintf("--timeout %s elapsed", opts.Timeout)
		res.TimedOut = true
	case err := <-srv.Err():
		res.Reason, res.Err = "listener failed", err
	case <-sess.Failed():
		res.Reason = "printing failed" // Close returns the error
	case <-outFailed:
		res.Reason, res.Err = "writing --out failed", out.Err()
	}

	shutCtx, cancel := context.WithTimeout(context.Background(), opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && opts.Warn != nil {
		opts.Warn(fmt.Sprintf("stopping: %v (requests still in flight were cut, not acknowledged)", err))
	}
	drainCtx, cancelDrain := context.WithTimeout(context.Background(), opts.DrainTimeout)
	defer cancelDrain()
	if err := sess.Close(drainCtx); err != nil && res.Err == nil {
		res.Err = err
	}
	if out != nil {
		if err := out.Err(); err != nil && res.Err == nil {
			res.Reason, res.Err = "writing --out failed", err
		}
		if err := out.Sync(); err != nil && res.Err == nil {
			res.Err = err
		}
		res.Written = out.Spans()
	}
	res.Matched = matched.Load()
	res.Server, res.Session = srv.Stats(), sess.Stats()
	if res.Session.Dropped > 0 && opts.Warn != nil && errors.Is(drainCtx.Err(), context.DeadlineExceeded) {
		opts.Warn(fmt.Sprintf("printing did not finish within %s of stopping", opts.DrainTimeout))
	}
	return res, nil
}
