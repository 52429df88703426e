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

// Window decides when traces of a finite, roughly time-ordered input are
// complete, on the input's own clock: the highest span end read so far, as
// Tempo's ingesters and the Collector's tail sampler judge a trace done a
// while after its last span, but independent of how fast the input is
// read, so the same input always completes the same traces in the same
// order. A trace completes when the clock has passed its latest span end
// by the window, when the input says it is whole (AddWhole), when the
// held memory needs room (the earliest-ending first) or at the end
// (Flush). Spans of a trace already handed on are not lost: they open a
// continuation of it, handed on like any trace and marked Continued.
//
// The ids of the traces handed on are remembered (an id and a time each)
// to recognise late spans. A Window is not safe for concurrent use.
type Window struct {
	opts  WindowOptions
	clock uint64 // the highest span end read

	open    map[dag.TraceID]*windowEntry
	byEnd   endHeap
	printed map[dag.TraceID]printedTrace
	held    int64
	stats   WindowStats
	seen    []dag.TraceID // AddWhole's traces, reused
}

type windowEntry struct {
	trace     *dag.Trace
	start     uint64 // earliest span start
	last      uint64 // latest span end (or start, when larger)
	index     int    // in byEnd
	holds     []*Hold
	continued bool
}

// printedTrace is what is remembered of a trace handed on: its latest end
// then, and whether it completed on the window (so a late span measures
// how much the window missed it by).
type printedTrace struct {
	last     uint64
	onWindow bool
}

// NewWindow returns an empty Window.
func NewWindow(opts WindowOptions) *Window {
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	return &Window{opts: opts, open: map[dag.TraceID]*windowEntry{}, printed: map[dag.TraceID]printedTrace{}}
}

// Add files the spans of batch and returns the traces that are complete
// after it, in the order they completed: those the clock has passed by
// the window (earliest latest end first, then by trace id), then those
// handed on early to stay within the budget. The Window keeps pointers
// into batch: the caller must not reuse it.
func (w *Window) Add(batch []dag.Span) []Completed {
	w.file(batch)
	done := w.expire(nil)
	return w.trim(done)
}

// AddWhole is Add for a batch whose traces the input says are whole: they
// complete at once, in the order they first appear in batch, after those
// the clock completes.
func (w *Window) AddWhole(batch []dag.Span) []Completed {
	w.file(batch)
	done := w.expire(nil)
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
	entries := slices.Clone(w.byEnd)
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
	return done
}

// Stats returns the counters so far.
func (w *Window) Stats() WindowStats {
	st := w.stats
	st.Open, st.Held = len(w.open), w.held
	return st
}

// file adds batch's spans to their open traces, opening a continuation
// for spans of traces already handed on, and advances the clock.
func (w *Window) file(batch []dag.Span) {
	if len(batch) == 0 {
		return
	}
	var h *Hold
	if w.opts.Size != nil {
		size := w.opts.Size(batch)
		w.held += size
		h = NewHold(func() { w.held -= size })
		h.refs.Add(1) // held by this call until the spans are filed
		defer h.unref()
	}
	clock := w.clock // late spans are measured against the clock before this batch
	var cur *windowEntry
	for i := range batch {
		s := &batch[i]
		end := max(s.Start, s.End)
		w.clock = max(w.clock, end)
		if cur == nil || cur.trace.ID != s.TraceID {
			cur = w.open[s.TraceID]
			if cur == nil {
				cur = &windowEntry{trace: &dag.Trace{ID: s.TraceID}, start: s.Start, last: end}
				if p, ok := w.printed[s.TraceID]; ok {
					cur.continued = true
					w.stats.Split++
					if p.onWindow && clock > p.last {
						w.stats.MaxMissed = max(w.stats.MaxMissed, time.Duration(clock-p.last))
					}
				}
				w.open[s.TraceID] = cur
				heap.Push(&w.byEnd, cur)
			}
			if h != nil && (len(cur.holds) == 0 || cur.holds[len(cur.holds)-1] != h) {
				h.refs.Add(1)
				cur.holds = append(cur.holds, h)
			}
		}
		if cur.continued {
			w.stats.LateSpans++
		}
		cur.trace.Spans = append(cur.trace.Spans, s)
		cur.start = min(cur.start, s.Start)
		if end > cur.last {
			cur.last = end
			heap.Fix(&w.byEnd, cur.index)
		}
	}
}

// expire appends to done the traces the clock has passed by the window.
func (w *Window) expire(done []Completed) []Completed {
	window := uint64(w.opts.Window)
	for len(w.byEnd) > 0 {
		e := w.byEnd[0]
		if w.clock < e.last || w.clock-e.last < window {
			break
		}
		done = append(done, w.remove(e, ReasonWindow))
	}
	return done
}

// trim appends to done the oldest traces while the memory held is over
// the budget.
func (w *Window) trim(done []Completed) []Completed {
	for w.opts.Budget > 0 && w.held > w.opts.Budget && len(w.byEnd) > 0 {
		done = append(done, w.remove(w.byEnd[0], ReasonEarly))
		w.stats.Early++
	}
	return done
}

func (w *Window) remove(e *windowEntry, why Reason) Completed {
	heap.Remove(&w.byEnd, e.index)
	delete(w.open, e.trace.ID)
	p := w.printed[e.trace.ID]
	p.last, p.onWindow = max(p.last, e.last), why == ReasonWindow
	w.printed[e.trace.ID] = p
	ReleaseHolds(e.holds)
	w.stats.Traces++
	return Completed{Trace: e.trace, Continued: e.continued, Why: why}
}

// endHeap orders open traces by latest end, then trace id.
type endHeap []*windowEntry

func (h endHeap) Len() int { return len(h) }
func (h endHeap) Less(i, j int) bool {
	if h[i].last != h[j].last {
		return h[i].last < h[j].last
	}
	return slices.Compare(h[i].trace.ID[:], h[j].trace.ID[:]) < 0
}
func (h endHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *endHeap) Push(x any) {
	e := x.(*windowEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *endHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
