// Package live is tracectl's pipeline for input that does not end: spans
// arriving from the OTLP receiver (`tracectl receive`), from a pipe
// (`tail -f … | tracectl tree -`) or from a file that keeps growing
// (`tracectl tree --follow`).
//
// Assembler groups span batches by trace id and hands a trace on once no
// new span has arrived for it for an idle period, holding a bounded number
// of spans. Session runs an Assembler on its own goroutine and hands
// completed traces to a callback on another, so printing never holds up
// assembling, and keeps each batch's memory charged until its traces are
// done. Receive runs a Session behind the OTLP receiver (package receiver)
// with --out, the stop conditions and the shutdown order. Follow reads a
// file across rotation, like tail -F. Window completes the traces of a
// finite input on the input's own clock, for output that starts before
// the input ends (`--stream`).
//
// It does not decode input (package ingest), build trees (dag.Build),
// evaluate queries or print: callers pass callbacks for that.
package live

import (
	"sync/atomic"
	"time"

	"github.com/tracectl/tracectl/internal/dag"
)

// DefaultIdle is how long a trace must go without a new span before it is
// considered complete.
const DefaultIdle = 2 * time.Second

// DefaultMaxSpans is the default bound on buffered spans.
const DefaultMaxSpans = 1_000_000

// Options configure an Assembler. The zero value means the defaults.
type Options struct {
	// Idle is how long a trace must receive no span before it completes.
	Idle time.Duration
	// MaxSpans bounds the spans buffered across all open traces. When a
	// batch takes the buffer over it, the traces that have waited longest
	// since their last span are handed on early (and may therefore be split:
	// later spans of such a trace start a new one).
	MaxSpans int
	// Now is the clock; time.Now when nil. Tests inject a fake.
	Now func() time.Time
}

// Stats count what an Assembler has done.
type Stats struct {
	Spans     int // spans added
	Traces    int // traces handed on (a split trace counts once per part)
	Early     int // of those, traces handed on early because the buffer was full
	Buffered  int // spans currently buffered
	OpenTrace int // traces currently open
}

// entry is one open trace, linked into the activity list: the front has
// waited longest since its last span.
type entry struct {
	trace      *dag.Trace
	last       time.Time
	holds      []*Hold // the batches whose spans this trace holds
	prev, next *entry
}

// Hold is the memory of one added batch (its spans, and the request body
// their strings point into), shared by every trace that holds one of its
// spans. Its release function runs once the last of those traces has been
// handed on and its holder calls Release for it: that is when the batch's
// memory can be reused, and so when its charge against a memory budget
// ends.
type Hold struct {
	refs    atomic.Int32
	release func()
}

// NewHold returns a Hold that calls release when its last trace is done.
func NewHold(release func()) *Hold { return &Hold{release: release} }

func (h *Hold) unref() {
	if h.refs.Add(-1) == 0 && h.release != nil {
		h.release()
	}
}

// ReleaseHolds releases the holds Take returned, once the traces they came
// with are no longer used. It is safe to call from any goroutine.
func ReleaseHolds(hs []*Hold) {
	for _, h := range hs {
		h.unref()
	}
}

// Assembler groups spans into traces and decides when a trace is complete.
// It is not safe for concurrent use; Run serialises access for the common
// case of one producer and a ticking clock.
type Assembler struct {
	idle     time.Duration
	maxSpans int
	now      func() time.Time

	open       map[dag.TraceID]*entry
	head, tail *entry // activity list, least recently active first
	buffered   int
	stats      Stats
	done       []*Hold // holds of traces handed on since the last TakeHolds
}

// New returns an empty Assembler.
func New(opts Options) *Assembler {
	a := &Assembler{idle: opts.Idle, maxSpans: opts.MaxSpans, now: opts.Now, open: map[dag.TraceID]*entry{}}
	if a.idle <= 0 {
		a.idle = DefaultIdle
	}
	if a.maxSpans <= 0 {
		a.maxSpans = DefaultMaxSpans
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a
}

// Idle returns the idle period in use.
func (a *Assembler) Idle() time.Duration { return a.idle }

// Add files every span of batch under its trace and returns the traces that
// had to be handed on early to keep the buffer within MaxSpans, least
// recently active first. The Assembler keeps pointers into batch: the
// caller must not reuse it.
func (a *Assembler) Add(batch []dag.Span) (early []*dag.Trace) {
	return a.AddHeld(batch, nil)
}

// AddHeld is Add for a batch whose memory is accounted for by h (nil: none):
// every trace that takes a span of batch holds h until it is handed on and
// its holds are released (TakeHolds, ReleaseHolds).
func (a *Assembler) AddHeld(batch []dag.Span, h *Hold) (early []*dag.Trace) {
	if h != nil {
		h.refs.Add(1) // held by this call until the spans are filed
		defer h.unref()
	}
	if len(batch) == 0 {
		return nil
	}
	now := a.now()
	var cur *entry // spans of a batch usually come in runs of one trace
	for i := range batch {
		s := &batch[i]
		if cur == nil || cur.trace.ID != s.TraceID {
			cur = a.open[s.TraceID]
			if cur == nil {
				cur = &entry{trace: &dag.Trace{ID: s.TraceID}}
				a.open[s.TraceID] = cur
				a.pushBack(cur)
			} else if cur.last != now {
				a.unlink(cur)
				a.pushBack(cur)
			}
			cur.last = now
			if h != nil && (len(cur.holds) == 0 || cur.holds[len(cur.holds)-1] != h) {
				h.refs.Add(1)
				cur.holds = append(cur.holds, h)
			}
		}
		cur.trace.Spans = append(cur.trace.Spans, s)
	}
	a.buffered += len(batch)
	a.stats.Spans += len(batch)
	for a.buffered > a.maxSpans && a.head != nil {
		early = append(early, a.remove(a.head))
	}
	a.stats.Early += len(early)
	return early
}

// Expire returns the traces that have received no span for at least the
// idle period, least recently active first.
func (a *Assembler) Expire() []*dag.Trace {
	now := a.now()
	var done []*dag.Trace
	for a.head != nil && now.Sub(a.head.last) >= a.idle {
		done = append(done, a.remove(a.head))
	}
	return done
}

// Flush returns every open trace, least recently active first, leaving the
// Assembler empty (end of input, or shutdown).
func (a *Assembler) Flush() []*dag.Trace {
	var done []*dag.Trace
	for a.head != nil {
		done = append(done, a.remove(a.head))
	}
	return done
}

// NextDeadline returns when the least recently active trace will go idle;
// ok is false when no trace is open.
func (a *Assembler) NextDeadline() (t time.Time, ok bool) {
	if a.head == nil {
		return time.Time{}, false
	}
	return a.head.last.Add(a.idle), true
}

// Lookup returns the open trace with this id, or nil.
func (a *Assembler) Lookup(id dag.TraceID) *dag.Trace {
	if e := a.open[id]; e != nil {
		return e.trace
	}
	return nil
}

// TakeHolds returns the holds of the traces handed on since the last call,
// for the caller to release (ReleaseHolds) once it is done with them.
func (a *Assembler) TakeHolds() []*Hold {
	hs := a.done
	a.done = nil
	return hs
}

// Stats returns the counters so far.
func (a *Assembler) Stats() Stats {
	st := a.stats
	st.Buffered, st.OpenTrace = a.buffered, len(a.open)
	return st
}

func (a *Assembler) remove(e *entry) *dag.Trace {
	a.unlink(e)
	delete(a.open, e.trace.ID)
	a.buffered -= len(e.trace.Spans)
	a.done = append(a.done, e.holds...)
	a.stats.Traces++
	return e.trace
}

func (a *Assembler) pushBack(e *entry) {
	e.prev, e.next = a.tail, nil
	if a.tail != nil {
		a.tail.next = e
	} else {
		a.head = e
	}
	a.tail = e
}

func (a *Assembler) unlink(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		a.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		a.tail = e.prev
	}
	e.prev, e.next = nil, nil
}
