package live

import (
	"container/heap"
	"slices"
	"time"

	"github.com/tracectl/tracectl/internal/dag"
)

// DefaultWindow is how far the input must move on, in span end time, past
// a trace's latest span end before the trace is complete: the
// OpenTelemetry Collector tail-sampling processor's decision_wait.
const DefaultWindow = 30 * time.Second

// WindowOptions configure a Window.
type WindowOptions struct {
	// Window is how far the input's clock must pass a trace's latest span
	// end before the trace completes; 0 means DefaultWindow.
	Window time.Duration
	// Budget bounds the memory held in open traces, as charged by Size;
	// past it the oldest traces (earliest latest end) complete early.
	// 0 means no bound.
	Budget int64
	// Size is the memory charge of a batch (nil: nothing is charged). A
	// batch's charge ends once every trace holding one of its spans is
	// handed on.
	Size func(batch []dag.Span) int64
}

// Completed is a trace a Window handed on.
type Completed struct {
	Trace *dag.Trace
	// Continued marks late spans: the trace was handed on before, and
	// these spans arrived after it.
	Continued bool
	Why       Reason
}

// WindowStats count what a Window did.
type WindowStats struct {
	Traces int // traces handed on (a split trace counts once per part)
	Early  int // of those, handed on early to stay within the budget
	// Split counts the traces that received spans after they were
	// handed on, LateSpans those spans.
	Split, LateSpans int
	// MaxMissed is the most by which the window was missed: the input's
	// clock when a late span arrived, less the latest end its trace had
	// when it was handed on (on the window; not for traces handed on
	// early or whole).
	MaxMissed time.Duration
	Open      int   // traces open now
	Held      int64 // memory charged now
}

// Window decides when traces of a finite input are complete, on the
// input's own clock (span end times), as Tempo's ingesters and the
// Collector's tail sampler judge a trace done a while after its last span,
// but independent of how fast the input is read, so the same input always
// completes the same traces in the same order. A trace completes when the
// input read since its last span has reached, in span end time, its
// latest span end plus the window; when the input says it is whole
// (AddWhole); when the held memory needs room (the earliest-ending
// first); or at the end (Flush). Measuring from the trace's last span
// rather than from the highest end read so far keeps an input whose time
// runs back (dumps of the same hour one after the other) from completing
// each later trace at its first span. Spans of a trace already handed on
// are not lost: they open a continuation of it, handed on like any trace
// and marked Continued.
//
// The ids of the traces handed on are remembered (an id, a time and a
// batch number each) to recognise late spans. A Window is not safe for
// concurrent use.
type Window struct {
	opts  WindowOptions
	seq   uint64 // batches filed
	clock uint64 // the highest span end read

	open    map[dag.TraceID]*windowEntry
	byEnd   entryHeap // every open trace, for the budget
	printed map[dag.TraceID]printedTrace
	held    int64
	stats   WindowStats
	seen    []dag.TraceID // AddWhole's traces, reused

	// epochs is a stack of the open traces grouped by the highest span
	// end read since their last span, which decreases from the bottom
	// (traces whose last span is oldest) to the top; the top holds the
	// traces of the last batch, for which nothing has been read since.
	epochs []*epoch
}

// epoch is the open traces whose last span came in batches lo..hi, for
// which the highest span end read since is clock (batch hi's highest end:
// an epoch ends with the batch that set its clock).
type epoch struct {
	lo, hi uint64
	clock  uint64
	traces entryHeap
}

type windowEntry struct {
	trace     *dag.Trace
	start     uint64 // earliest span start
	last      uint64 // latest span end (or start, when larger)
	seq       uint64 // the batch of its last span
	ep        *epoch
	epIndex   int // in ep.traces
	endIndex  int // in byEnd
	holds     []*Hold
	continued bool
}

// printedTrace is what is remembered of a trace handed on: its latest end
// and last batch then, and whether it completed on the window (so a late
// span measures how much the window missed it by).
type printedTrace struct {
	last, seq uint64
	onWindow  bool
}

// NewWindow returns an empty Window.
func NewWindow(opts WindowOptions) *Window {
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	return &Window{
		opts:    opts,
		open:    map[dag.TraceID]*windowEntry{},
		printed: map[dag.TraceID]printedTrace{},
		byEnd:   entryHeap{index: func(e *windowEntry) *int { return &e.endIndex }},
	}
}

// Add files the spans of batch and returns the traces that are complete
// after it, in the order they completed: those the input has passed by
// the window (earliest latest end first, then by trace id), then those
// handed on early to stay within the budget. The Window keeps pointers
// into batch: the caller must not reuse it.
func (w *Window) Add(batch []dag.Span) []Completed {
	done := w.file(batch)
	return w.trim(done)
}

// AddWhole is Add for a batch whose traces the input says are whole: they
// complete at once, in the order they first appear in batch, after those
// the window completes.
func (w *Window) AddWhole(batch []dag.Span) []Completed {
	done := w.file(batch)
	w.seen = w.seen[:0]
	for i := range batch {
		if id := batch[i].TraceID; len(w.seen) == 0 || w.seen[len(w.seen)-1] != id {
			if !slices.Contains(w.seen, id) {
				w.seen = append(w.seen, id)
			}
		}
	}
	for _, id := range w.seen {
		if e := w.open[id]; e != nil {
			done = append(done, w.remove(e, ReasonWhole))
		}
	}
	return w.trim(done)
}

// Flush hands on every open trace, by start then trace id, leaving the
// Window empty: the end of the input.
func (w *Window) Flush() []Completed {
	entries := slices.Clone(w.byEnd.list)
	slices.SortFunc(entries, func(a, b *windowEntry) int {
		if a.start != b.start {
			if a.start < b.start {
				return -1
			}
			return 1
		}
		return slices.Compare(a.trace.ID[:], b.trace.ID[:])
	})
	done := make([]Completed, 0, len(entries))
	for _, e := range entries {
		done = append(done, w.remove(e, ReasonEnd))
	}
	w.epochs = w.epochs[:0]
	return done
}

// Stats returns the counters so far.
func (w *Window) Stats() WindowStats {
	st := w.stats
	st.Open, st.Held = len(w.open), w.held
	return st
}

// file adds batch's spans to their traces (opening a continuation for
// spans of traces already handed on), then advances the clock of every
// trace not in batch and returns those it completes.
func (w *Window) file(batch []dag.Span) []Completed {
	if len(batch) == 0 {
		return nil
	}
	w.seq++
	var h *Hold
	if w.opts.Size != nil {
		size := w.opts.Size(batch)
		w.held += size
		h = NewHold(func() { w.held -= size })
		h.refs.Add(1) // held by this call until the spans are filed
		defer h.unref()
	}
	// The traces of this batch wait in a new epoch for what comes after.
	fresh := &epoch{lo: w.seq, hi: w.seq, traces: entryHeap{index: func(e *windowEntry) *int { return &e.epIndex }}}
	var batchEnd uint64
	var cur *windowEntry
	for i := range batch {
		s := &batch[i]
		end := max(s.Start, s.End)
		batchEnd = max(batchEnd, end)
		if cur == nil || cur.trace.ID != s.TraceID {
			cur = w.open[s.TraceID]
			if cur == nil {
				cur = w.openTrace(s, end)
			}
			if h != nil && (len(cur.holds) == 0 || cur.holds[len(cur.holds)-1] != h) {
				h.refs.Add(1)
				cur.holds = append(cur.holds, h)
			}
			if cur.ep != fresh {
				if cur.ep != nil {
					heap.Remove(&cur.ep.traces, cur.epIndex)
				}
				cur.ep, cur.seq = fresh, w.seq
				heap.Push(&fresh.traces, cur)
			}
		}
		if cur.continued {
			w.stats.LateSpans++
		}
		cur.trace.Spans = append(cur.trace.Spans, s)
		cur.start = min(cur.start, s.Start)
		if end > cur.last {
			cur.last = end
			heap.Fix(&w.byEnd, cur.endIndex)
			heap.Fix(&fresh.traces, cur.epIndex)
		}
	}
	w.clock = max(w.clock, batchEnd)
	// Every earlier epoch whose clock this batch passes joins one with
	// this batch's clock; the others keep theirs (higher).
	merged := &epoch{hi: w.seq - 1, clock: batchEnd, traces: entryHeap{index: func(e *windowEntry) *int { return &e.epIndex }}}
	popped := false
	for len(w.epochs) > 0 && w.epochs[len(w.epochs)-1].clock <= batchEnd {
		top := w.epochs[len(w.epochs)-1]
		w.epochs = w.epochs[:len(w.epochs)-1]
		merged.lo, popped = top.lo, true
		merged.absorb(top)
	}
	var done []Completed
	window := uint64(w.opts.Window)
	for len(merged.traces.list) > 0 {
		e := merged.traces.list[0]
		if merged.clock < e.last || merged.clock-e.last < window {
			break
		}
		done = append(done, w.remove(e, ReasonWindow))
	}
	if popped {
		w.epochs = append(w.epochs, merged)
	}
	w.epochs = append(w.epochs, fresh) // its clock is 0: nothing read since
	return done
}

// openTrace opens the trace of span s (ending at end), a continuation when
// the trace was handed on before.
func (w *Window) openTrace(s *dag.Span, end uint64) *windowEntry {
	e := &windowEntry{trace: &dag.Trace{ID: s.TraceID}, start: s.Start, last: end}
	if p, ok := w.printed[s.TraceID]; ok {
		e.continued = true
		w.stats.Split++
		if since := w.clockSince(p.seq); p.onWindow && since > p.last {
			w.stats.MaxMissed = max(w.stats.MaxMissed, time.Duration(since-p.last))
		}
	}
	w.open[s.TraceID] = e
	heap.Push(&w.byEnd, e)
	return e
}

// clockSince is the highest span end read in the batches after seq, before
// the one being filed (0 when none is known).
func (w *Window) clockSince(seq uint64) uint64 {
	// Epochs cover consecutive batches, oldest at the bottom, and each
	// one's clock is the highest of everything after its start.
	k, _ := slices.BinarySearchFunc(w.epochs, seq, func(ep *epoch, target uint64) int {
		if ep.hi < target {
			return -1
		}
		return 1
	})
	if k < len(w.epochs) {
		return w.epochs[k].clock
	}
	return 0
}

// absorb moves the traces of o into ep, the smaller heap into the larger.
func (ep *epoch) absorb(o *epoch) {
	if len(o.traces.list) > len(ep.traces.list) {
		ep.traces.list, o.traces.list = o.traces.list, ep.traces.list
		for _, e := range ep.traces.list {
			e.ep = ep
		}
	}
	for _, e := range o.traces.list {
		e.ep = ep
		heap.Push(&ep.traces, e)
	}
	o.traces.list = nil
}

// trim appends to done the oldest traces while the memory held is over
// the budget.
func (w *Window) trim(done []Completed) []Completed {
	for w.opts.Budget > 0 && w.held > w.opts.Budget && len(w.byEnd.list) > 0 {
		done = append(done, w.remove(w.byEnd.list[0], ReasonEarly))
		w.stats.Early++
	}
	return done
}

func (w *Window) remove(e *windowEntry, why Reason) Completed {
	heap.Remove(&w.byEnd, e.endIndex)
	if e.ep != nil {
		heap.Remove(&e.ep.traces, e.epIndex)
		e.ep = nil
	}
	delete(w.open, e.trace.ID)
	p := w.printed[e.trace.ID]
	p.last, p.seq, p.onWindow = max(p.last, e.last), e.seq, why == ReasonWindow
	w.printed[e.trace.ID] = p
	ReleaseHolds(e.holds)
	w.stats.Traces++
	return Completed{Trace: e.trace, Continued: e.continued, Why: why}
}

// entryHeap orders open traces by latest end, then trace id; index is
// where an entry keeps its position in this heap.
type entryHeap struct {
	list  []*windowEntry
	index func(*windowEntry) *int
}

func (h *entryHeap) Len() int { return len(h.list) }
func (h *entryHeap) Less(i, j int) bool {
	a, b := h.list[i], h.list[j]
	if a.last != b.last {
		return a.last < b.last
	}
	return slices.Compare(a.trace.ID[:], b.trace.ID[:]) < 0
}
func (h *entryHeap) Swap(i, j int) {
	h.list[i], h.list[j] = h.list[j], h.list[i]
	*h.index(h.list[i]), *h.index(h.list[j]) = i, j
}
func (h *entryHeap) Push(x any) {
	e := x.(*windowEntry)
	*h.index(e) = len(h.list)
	h.list = append(h.list, e)
}
func (h *entryHeap) Pop() any {
	e := h.list[len(h.list)-1]
	h.list[len(h.list)-1] = nil
	h.list = h.list[:len(h.list)-1]
	return e
}
