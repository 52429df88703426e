package live

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tracectl/tracectl/internal/dag"
)

// DefaultMaxPending bounds the spans of completed traces waiting to be
// emitted (printed) by a lossy Session.
const DefaultMaxPending = 200_000

// SessionOptions configure a Session.
type SessionOptions struct {
	// Idle and MaxSpans configure the Assembler (zero: the defaults).
	Idle     time.Duration
	MaxSpans int
	// Emit receives the traces handed on, on the session's emitter
	// goroutine (one call at a time, so it needs no locking). Nil: nothing
	// reads the traces and they are let go as soon as they complete. An
	// error from Emit ends the session (Failed is closed).
	Emit func(traces []*dag.Trace, why Reason) error
	// Lossy makes emitting never hold up adding: completed traces wait for
	// Emit in a queue of at most MaxPending spans, and those that find it
	// full are dropped and counted (Stats.Dropped). A receiver sets it so
	// that a slow terminal, or a trace that takes long to print, never
	// makes senders wait. Without it Add waits for Emit (a pipe or a file
	// simply is read more slowly).
	Lossy      bool
	MaxPending int
	// Watch, when set, is called on the assembling goroutine with each
	// open trace a batch added spans to, right after the batch is filed
	// (and with the traces handed on early): for conditions that must hold
	// as soon as the spans are in (`receive --until`). It must be quick.
	Watch func(t *dag.Trace)
	// Pressure, when set, is asked after each batch whether memory is
	// short; while it says so the traces that have waited longest are
	// handed on early, as when MaxSpans is reached.
	Pressure func() bool
	// Warn prints a warning; each kind is warned about once.
	Warn func(msg string)
}

// SessionStats count what a Session did.
type SessionStats struct {
	Stats
	// Pressured counts traces handed on early because memory was short
	// (they are included in Early).
	Pressured int
	// Dropped and DroppedSpans count completed traces a lossy session
	// did not emit because emitting had fallen behind, or because the
	// session was closed before their turn came.
	Dropped, DroppedSpans int
}

// Session is the live pipeline: span batches go in (Add), are grouped into
// traces by an Assembler on one goroutine, and the completed traces are
// handed to Emit on another, so that emitting — printing a tree — never
// holds up assembling. It is used by `tracectl receive` (batches from the
// OTLP receiver) and by `tracectl tree` on a pipe or a followed file
// (batches from a decoder, Run).
//
// Memory: a batch added with a release function (AddHeld) is held until
// every trace that took one of its spans has been emitted or dropped; then
// release runs. So what is held by incomplete traces, and by completed
// traces waiting to be printed, stays charged to the caller's budget.
type Session struct {
	opts SessionOptions
	asm  *Assembler

	mu     sync.RWMutex // guards closed against sends on in
	closed bool
	in     chan input

	pending      chan emitItem
	pendingSpans atomic.Int64

	assembled chan struct{} // closed when the assembling goroutine is done
	emitted   chan struct{} // closed when the emitter goroutine is done
	failed    chan struct{} // closed when Emit failed
	failOnce  sync.Once
	emitErr   error
	cancel    context.CancelFunc // stops waiting for the emitter (Close's drain)

	warnMu sync.Mutex
	warned map[string]bool

	statsMu sync.Mutex
	stats   SessionStats
}

type input struct {
	spans []dag.Span
	hold  *Hold
}

type emitItem struct {
	traces []*dag.Trace
	why    Reason
	holds  []*Hold
	spans  int
}

// ErrClosed is returned by Add once the session is closed.
var ErrClosed = errors.New("live session is closed")

// NewSession starts a session's goroutines. Close it to end them.
func NewSession(opts SessionOptions) *Session {
	if opts.MaxPending <= 0 {
		opts.MaxPending = DefaultMaxPending
	}
	s := &Session{
		opts:      opts,
		asm:       New(Options{Idle: opts.Idle, MaxSpans: opts.MaxSpans}),
		in:        make(chan input, 16),
		pending:   make(chan emitItem, 1024),
		assembled: make(chan struct{}),
		emitted:   make(chan struct{}),
		failed:    make(chan struct{}),
		warned:    map[string]bool{},
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.assemble()
	go s.emit(ctx)
	return s
}

// Add hands a batch to the session; the session keeps pointers into it.
func (s *Session) Add(spans []dag.Span) error { return s.AddHeld(spans, nil) }

// AddHeld is Add for a batch whose memory is released by release once no
// trace holds it any more (release may be nil). When it returns an error
// the batch was not taken and release has not run.
func (s *Session) AddHeld(spans []dag.Span, release func()) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	var h *Hold
	if release != nil {
		h = NewHold(release)
	}
	select {
	case s.in <- input{spans, h}:
		return nil
	case <-s.failed:
		return s.emitErr
	}
}

// Failed is closed when Emit has failed; Close returns the error.
func (s *Session) Failed() <-chan struct{} { return s.failed }

// Close stops taking batches, hands on every open trace (ReasonEnd), and
// waits for Emit to have been called with everything — or, when drain ends
// first, drops what is left (counted) and returns without waiting for an
// Emit call in progress. It returns Emit's error, if any.
func (s *Session) Close(drain context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.in)
	}
	s.mu.Unlock()
	<-s.assembled
	select {
	case <-s.emitted:
	case <-drain.Done():
		// Drop the rest here: the emitter may be stuck in one Emit call
		// (a trace that takes long to print, a terminal that does not
		// read), which is left to finish or not.
		s.cancel()
		for it := range s.pending {
			s.pendingSpans.Add(-int64(it.spans))
			s.drop(it)
		}
	}
	select {
	case <-s.failed:
		return s.emitErr
	default:
		return nil
	}
}

// Stats returns the counters; call it after Close for final figures.
func (s *Session) Stats() SessionStats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return s.stats
}

func (s *Session) warnOnce(kind, msg string) {
	if s.opts.Warn == nil {
		return
	}
	s.warnMu.Lock()
	first := !s.warned[kind]
	s.warned[kind] = true
	s.warnMu.Unlock()
	if first {
		s.opts.Warn(msg)
	}
}

func (s *Session) fail(err error) {
	s.failOnce.Do(func() {
		s.emitErr = err
		close(s.failed)
	})
}

// assemble is the assembling goroutine: it files batches, expires idle
// traces on a timer and queues what is handed on for the emitter.
func (s *Session) assemble() {
	defer close(s.assembled)
	defer close(s.pending)
	a := s.asm
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	rearm := func() {
		if armed {
			timer.Stop()
			armed = false
		}
		if d, ok := a.NextDeadline(); ok {
			timer.Reset(max(d.Sub(a.now()), 0))
			armed = true
		}
	}
	for {
		select {
		case b, ok := <-s.in:
			if !ok {
				s.handOn(a.Flush(), ReasonEnd)
				s.syncStats()
				return
			}
			early := a.AddHeld(b.spans, b.hold)
			if len(early) > 0 {
				s.warnOnce("max-spans", fmt.Sprintf("more than %d spans in incomplete traces (--max-spans): printing the longest-waiting traces before they are idle; they may be split", a.maxSpans))
			}
			if s.opts.Watch != nil {
				s.watch(b.spans, early)
			}
			if s.opts.Pressure != nil && s.opts.Pressure() {
				early = append(early, s.relieve()...)
			}
			s.handOn(early, ReasonEarly)
			if !armed {
				rearm()
			}
		case <-timer.C:
			armed = false
			s.handOn(a.Expire(), ReasonIdle)
			rearm()
		}
		s.syncStats()
	}
}

// watch calls Watch with each trace the batch added to.
func (s *Session) watch(spans []dag.Span, early []*dag.Trace) {
	var last dag.TraceID
	for i := range spans {
		id := spans[i].TraceID
		if i > 0 && id == last {
			continue
		}
		last = id
		if t := s.asm.Lookup(id); t != nil {
			s.opts.Watch(t)
		}
	}
	for _, t := range early {
		s.opts.Watch(t)
	}
}

// relieve hands on the longest-waiting traces until half the buffered
// spans are gone, so their memory can be released once they are emitted.
func (s *Session) relieve() []*dag.Trace {
	a := s.asm
	target := a.buffered / 2
	var out []*dag.Trace
	for a.head != nil && (a.buffered > target || len(out) == 0) {
		out = append(out, a.remove(a.head))
	}
	a.stats.Early += len(out)
	s.statsMu.Lock()
	s.stats.Pressured += len(out)
	s.statsMu.Unlock()
	if len(out) > 0 {
		s.warnOnce("pressure", "memory budget (--max-memory) nearly full: printing the longest-waiting traces before they are idle; they may be split")
	}
	return out
}

// handOn queues traces for the emitter with the holds they release.
func (s *Session) handOn(traces []*dag.Trace, why Reason) {
	holds := s.asm.TakeHolds()
	if len(traces) == 0 {
		ReleaseHolds(holds)
		return
	}
	n := 0
	for _, t := range traces {
		n += len(t.Spans)
	}
	it := emitItem{traces: traces, why: why, holds: holds, spans: n}
	if s.opts.Emit == nil {
		ReleaseHolds(holds)
		return
	}
	if !s.opts.Lossy {
		select {
		case s.pending <- it:
		case <-s.failed:
			ReleaseHolds(holds)
		}
		return
	}
	if s.pendingSpans.Load()+int64(n) <= int64(s.opts.MaxPending) || s.pendingSpans.Load() == 0 {
		select {
		case s.pending <- it:
			s.pendingSpans.Add(int64(n))
			return
		default:
		}
	}
	s.drop(it)
	s.warnOnce("dropped", "printing has fallen behind the spans arriving: traces are being left unprinted (counted in the summary); --out still keeps every span")
}

func (s *Session) drop(it emitItem) {
	ReleaseHolds(it.holds)
	s.statsMu.Lock()
	s.stats.Dropped += len(it.traces)
	s.stats.DroppedSpans += it.spans
	s.statsMu.Unlock()
}

func (s *Session) syncStats() {
	st := s.asm.Stats()
	s.statsMu.Lock()
	s.stats.Stats = st
	s.statsMu.Unlock()
}

// emit is the emitter goroutine. After Emit fails, or once ctx is done
// (Close's drain ran out), it drops what is left.
func (s *Session) emit(ctx context.Context) {
	defer close(s.emitted)
	for it := range s.pending {
		if ctx.Err() != nil || isClosed(s.failed) {
			s.pendingSpans.Add(-int64(it.spans))
			s.drop(it)
			continue
		}
		err := s.opts.Emit(it.traces, it.why)
		s.pendingSpans.Add(-int64(it.spans))
		ReleaseHolds(it.holds)
		if err != nil {
			s.fail(err)
		}
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Source produces span batches for Run: it calls add with each one and
// returns at the end of its input (nil), on an error, or when ctx is done.
type Source func(ctx context.Context, add func([]dag.Span) error) error

// Run feeds src to the session until src ends or ctx is done, then closes
// the session, emitting everything still open. src runs on its own
// goroutine: a read blocked on a quiet pipe must not keep idle traces from
// completing, and when ctx is done Run does not wait for that read.
func (s *Session) Run(ctx context.Context, src Source) error {
	srcErr := make(chan error, 1)
	go func() { srcErr <- src(ctx, s.Add) }()
	var err error
	select {
	case err = <-srcErr:
		if errors.Is(err, ErrClosed) || ctx.Err() != nil {
			err = nil
		}
	case <-ctx.Done():
	case <-s.failed:
	}
	if cerr := s.Close(context.Background()); cerr != nil {
		return cerr
	}
	return err
}
