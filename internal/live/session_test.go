package live

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

type emitted struct {
	Traces []string
	Why    Reason
}

// recorder collects what a session emits; block, when set, holds Emit
// until it is closed.
type recorder struct {
	mu    sync.Mutex
	got   []emitted
	block chan struct{}
	seen  chan struct{} // gets a value per Emit call
}

func newRecorder() *recorder { return &recorder{seen: make(chan struct{}, 1000)} }

func (r *recorder) emit(ts []*dag.Trace, why Reason) error {
	if r.block != nil {
		<-r.block
	}
	r.mu.Lock()
	r.got = append(r.got, emitted{describe(ts), why})
	r.mu.Unlock()
	r.seen <- struct{}{}
	return nil
}

func (r *recorder) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.seen:
	case <-time.After(time.Minute):
		t.Fatal("nothing emitted")
	}
}

func (r *recorder) all() []emitted {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]emitted(nil), r.got...)
}

func TestSession(t *testing.T) {
	// A tiny idle period on the real clock: only order and reasons are
	// asserted, never timing.
	rec := newRecorder()
	s := NewSession(SessionOptions{Idle: time.Millisecond, MaxSpans: 10, Emit: rec.emit})
	if err := s.Add(dag.Pack(spans(1, 1))); err != nil {
		t.Fatal(err)
	}
	rec.wait(t)                                                                     // trace 1 goes idle while nothing arrives
	if err := s.Add(dag.Pack(spans(2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2))); err != nil { // 11 > 10 spans: handed on early
		t.Fatal(err)
	}
	rec.wait(t)
	if err := s.Add(dag.Pack(spans(3))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rec.all()
	want := []emitted{{[]string{"1:2"}, ReasonIdle}, {[]string{"2:11"}, ReasonEarly}}
	// Trace 3 either went idle before the close or was flushed by it.
	if len(got) != 3 || cmp.Diff([]string{"3:1"}, got[2].Traces) != "" {
		t.Fatalf("emitted %v, want trace 3 last", got)
	}
	if diff := cmp.Diff(want, got[:2]); diff != "" {
		t.Errorf("emitted (-want +got):\n%s", diff)
	}
	if err := s.Add(dag.Pack(spans(4))); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after Close = %v, want ErrClosed", err)
	}
}

func TestSessionEmitError(t *testing.T) {
	boom := errors.New("stdout closed")
	s := NewSession(SessionOptions{MaxSpans: 1, Emit: func([]*dag.Trace, Reason) error { return boom }})
	s.Add(dag.Pack(spans(1, 1)))
	select {
	case <-s.Failed():
	case <-time.After(time.Minute):
		t.Fatal("Failed not closed")
	}
	if err := s.Close(context.Background()); err != boom {
		t.Errorf("Close = %v, want the emit error", err)
	}
}

// TestSessionLossyNeverWaits: with Emit stuck (a trace that takes long to
// print, a terminal that does not read), a lossy session keeps taking
// batches, drops what does not fit and releases its memory, and Close
// returns once its drain context ends.
func TestSessionLossyNeverWaits(t *testing.T) {
	rec := newRecorder()
	rec.block = make(chan struct{})
	defer close(rec.block)
	s := NewSession(SessionOptions{MaxSpans: 1, Emit: rec.emit, Lossy: true, MaxPending: 4})
	var released atomic.Int64
	const batches = 2000
	for i := range batches {
		b := []dag.SpanData{{TraceID: dag.TraceID{14: byte(i >> 8), 15: byte(i)}, SpanID: dag.SpanID{7: 1}}}
		if err := s.AddHeld(dag.Pack(b), func() { released.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time to drain
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Dropped < batches-10 {
		t.Errorf("dropped %d traces, want nearly all %d", st.Dropped, batches)
	}
	// Every batch but those waiting for (or in) the stuck Emit is released.
	if n := released.Load(); n < int64(st.Dropped) {
		t.Errorf("released %d batches, dropped %d traces", n, st.Dropped)
	}
}

// TestSessionHolds: a batch's memory is released only once every trace
// holding one of its spans has been emitted.
func TestSessionHolds(t *testing.T) {
	rec := newRecorder()
	s := NewSession(SessionOptions{Idle: time.Hour, Emit: rec.emit})
	var released atomic.Int32
	if err := s.AddHeld(dag.Pack(spans(1, 2)), func() { released.Add(1) }); err != nil {
		t.Fatal(err)
	}
	if err := s.AddHeld(dag.Pack(spans(2)), func() { released.Add(10) }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // give a wrong early release a chance
	if n := released.Load(); n != 0 {
		t.Fatalf("released %d before any trace completed", n)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := released.Load(); n != 11 {
		t.Errorf("released %d after Close, want 11 (both batches once)", n)
	}
}

// TestSessionPressure: under memory pressure the longest-waiting traces
// are handed on early.
func TestSessionPressure(t *testing.T) {
	rec := newRecorder()
	var calls atomic.Int32 // memory is short after the second batch only
	short := func() bool { return calls.Add(1) == 2 }
	s := NewSession(SessionOptions{Idle: time.Hour, Emit: rec.emit, Pressure: short})
	s.Add(dag.Pack(spans(1, 2, 3, 4)))
	s.Add(dag.Pack(spans(5)))
	rec.wait(t)
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rec.all()
	want := emitted{[]string{"1:1", "2:1", "3:1"}, ReasonEarly}
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("first hand-on (-want +got):\n%s", diff)
	}
	if st := s.Stats(); st.Pressured != 3 {
		t.Errorf("Pressured = %d, want 3", st.Pressured)
	}
}

// TestSessionWatch: Watch sees each trace as soon as a batch adds to it.
func TestSessionWatch(t *testing.T) {
	seen := make(chan string, 10)
	s := NewSession(SessionOptions{Idle: time.Hour, Watch: func(tr *dag.Trace) { seen <- describe([]*dag.Trace{tr})[0] }})
	defer s.Close(context.Background())
	s.Add(dag.Pack(spans(1, 1, 2)))
	s.Add(dag.Pack(spans(1)))
	var got []string
	for range 3 {
		select {
		case v := <-seen:
			got = append(got, v)
		case <-time.After(time.Minute):
			t.Fatal("Watch not called")
		}
	}
	if diff := cmp.Diff([]string{"1:2", "2:1", "1:3"}, got); diff != "" {
		t.Errorf("watched (-want +got):\n%s", diff)
	}
}
