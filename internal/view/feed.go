package view

import (
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/live"
)

// DefaultMaxSpans bounds the spans the explorer holds from live input.
const DefaultMaxSpans = 1_000_000

// Feed carries live spans into the explorer: a receiver's session calls
// Watch with each trace spans were just added to (live.ReceiveOptions.
// Watch, on the session's assembling goroutine), and the explorer takes
// what changed at most every refresh interval. Watch only copies the new
// span pointers under a lock, so receiving never waits for drawing.
//
// The session hands a trace on once it is idle (or early, and then its
// later spans start a new part); the feed keeps collecting by trace id,
// so the explorer shows one trace however it was split. It holds at most
// maxSpans spans: past that the traces seen first are let go (counted).
type Feed struct {
	mu      sync.Mutex
	traces  map[dag.TraceID]*feedTrace
	order   []dag.TraceID // first seen first, for letting go
	dirty   []dag.TraceID
	done    []dag.TraceID // handed on by the session since the last take
	evicted []dag.TraceID
	spans   int
	max     int
	dropped int
	status  string
	warning string

	notify chan struct{} // has a value when something changed
}

type feedTrace struct {
	src   *dag.Trace // the session's trace the spans were last taken from
	seen  int        // how many of src.Spans were taken
	spans []*dag.Span
	dirty bool
}

// NewFeed returns a Feed holding at most maxSpans spans (DefaultMaxSpans
// when maxSpans <= 0).
func NewFeed(maxSpans int) *Feed {
	if maxSpans <= 0 {
		maxSpans = DefaultMaxSpans
	}
	return &Feed{traces: map[dag.TraceID]*feedTrace{}, max: maxSpans, notify: make(chan struct{}, 1)}
}

// Watch takes the spans added to t since it last saw t. It is called on
// the session's goroutine, where reading t is safe. Until Done hands t on,
// the explorer shows the trace as still receiving.
func (f *Feed) Watch(t *dag.Trace) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft := f.traces[t.ID]
	if ft == nil {
		ft = &feedTrace{}
		f.traces[t.ID] = ft
		f.order = append(f.order, t.ID)
	}
	if ft.src != t { // a new part of a trace handed on early
		ft.src, ft.seen = t, 0
	}
	added := t.Spans[ft.seen:]
	if len(added) == 0 {
		return
	}
	ft.seen = len(t.Spans)
	ft.spans = append(ft.spans, added...)
	f.spans += len(added)
	if !ft.dirty {
		ft.dirty = true
		f.dirty = append(f.dirty, t.ID)
	}
	for f.spans > f.max && len(f.order) > 1 {
		id := f.order[0]
		f.order = f.order[1:]
		if old := f.traces[id]; old != nil {
			delete(f.traces, id)
			f.spans -= len(old.spans)
			f.dropped++
			f.evicted = append(f.evicted, id)
		}
	}
	f.signal()
}

// Done is the session's Emit: the traces it hands on are complete (no span
// came for --trace-idle) or handed on early; the explorer stops showing
// them as receiving. A later span of one starts a new part, receiving
// again.
func (f *Feed) Done(traces []*dag.Trace, _ live.Reason) error {
	f.mu.Lock()
	for _, t := range traces {
		if ft := f.traces[t.ID]; ft != nil && ft.src == t {
			f.done = append(f.done, t.ID)
		}
	}
	f.mu.Unlock()
	f.signal()
	return nil
}

// SetStatus says what the input is doing ("receiving on …", "stopped: …").
func (f *Feed) SetStatus(status string) {
	f.mu.Lock()
	f.status = status
	f.mu.Unlock()
	f.signal()
}

// Warn shows a warning (the session's, the receiver's) in the explorer
// instead of on stderr, under the full-screen view.
func (f *Feed) Warn(msg string) {
	f.mu.Lock()
	f.warning = msg
	f.mu.Unlock()
	f.signal()
}

// signal wakes the explorer; called with or without f.mu held.
func (f *Feed) signal() {
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

// feedUpdate is what changed since the last take.
type feedUpdate struct {
	traces  []feedSnapshot
	done    []dag.TraceID // no longer receiving (after traces' updates)
	evicted []dag.TraceID
	dropped int
	status  string
	warning string
}

type feedSnapshot struct {
	id    dag.TraceID
	spans []*dag.Span // every span so far; the explorer may keep it
}

// take returns what changed. The span slices it returns are never written
// again below their length (Watch only appends), so the explorer reads
// them without the lock.
func (f *Feed) take() feedUpdate {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := feedUpdate{done: f.done, evicted: f.evicted, dropped: f.dropped, status: f.status, warning: f.warning}
	for _, id := range f.dirty {
		if ft := f.traces[id]; ft != nil {
			ft.dirty = false
			u.traces = append(u.traces, feedSnapshot{id: id, spans: ft.spans[:len(ft.spans):len(ft.spans)]})
		}
	}
	f.dirty, f.done, f.evicted = nil, nil, nil
	return u
}

// feedMsg says the feed has something new; feedWaitMsg that the explorer
// may wait for the feed again.
type (
	feedMsg     struct{}
	feedWaitMsg struct{}
)

// refreshEvery is how often at most the explorer takes live changes: new
// spans are drawn in batches, not once per request.
const refreshEvery = 200 * time.Millisecond

// wait is a command that returns once the feed has something new.
func (f *Feed) wait() tea.Cmd {
	return func() tea.Msg {
		<-f.notify
		return feedMsg{}
	}
}

// waitLater waits for the feed again after refreshEvery.
func waitLater() tea.Cmd {
	return tea.Tick(refreshEvery, func(time.Time) tea.Msg { return feedWaitMsg{} })
}
