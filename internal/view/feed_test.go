package view

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/tracectl/tracectl/internal/dag"
)

// liveTrace is how a session shows a trace to Watch: one *dag.Trace whose
// Spans grow.
func addSpans(t *dag.Trace, spans ...dag.SpanData) {
	packed := dag.Pack(spans)
	for i := range packed {
		t.Spans = append(t.Spans, &packed[i])
	}
}

func TestLiveTracesAppearAndGrow(t *testing.T) {
	feed := NewFeed(0)
	m := NewLive(feed, Options{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	contains(t, screen(t, m), "no traces yet")

	spans := checkout()
	tr := &dag.Trace{ID: spans[0].TraceID}
	addSpans(tr, spans[0], spans[1])
	feed.SetStatus("receiving on otlp/http http://127.0.0.1:4318/v1/traces")
	feed.Watch(tr)
	m.Update(feedMsg{})
	v := screen(t, m)
	contains(t, v, "1 trace · 2 spans", "receiving on otlp/http", "frontend GET /checkout")

	press(t, m, "enter", "j")
	contains(t, cursorLine(t, m), "frontend GET /cart [client]")

	// More spans of the open trace: the tree grows under the cursor.
	addSpans(tr, spans[2:]...)
	feed.Watch(tr)
	other := refund()
	tr2 := &dag.Trace{ID: other[0].TraceID}
	addSpans(tr2, other...)
	feed.Watch(tr2)
	m.Update(feedMsg{})
	v = screen(t, m)
	contains(t, v, "10 spans · 3 services", "payment charge")
	contains(t, cursorLine(t, m), "frontend GET /cart [client]")

	// The session handed the trace on early and a new part began: the
	// explorer still shows one trace.
	late := span(1, 30, 1, frontend, "late work", 241, 244)
	part := &dag.Trace{ID: tr.ID}
	addSpans(part, late)
	feed.Watch(part)
	feed.Warn("more than 10 spans in incomplete traces")
	m.Update(feedMsg{})
	contains(t, screen(t, m), "11 spans", "late work")
	press(t, m, "esc")
	v = screen(t, m)
	contains(t, v, "2 traces · 13 spans", "warning: more than 10 spans")
	// Newest first.
	rows := strings.Split(v, "\n")[2:4]
	if !strings.Contains(rows[0], "POST /refund") {
		t.Errorf("live list starts with the newest trace; rows %q", rows)
	}
}

func TestFeedBound(t *testing.T) {
	feed := NewFeed(5)
	m := NewLive(feed, Options{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	for k := range 4 {
		s := span(byte(k+1), 1, 0, cart, "op", int64(k), int64(k)+1)
		tr := &dag.Trace{ID: s.TraceID}
		addSpans(tr, s, span(byte(k+1), 2, 1, cart, "child", int64(k), int64(k)+1))
		feed.Watch(tr)
	}
	m.Update(feedMsg{})
	contains(t, screen(t, m), "2 traces · 4 spans", "2 older traces let go")
}

// The feed wakes the explorer once per batch of changes, and the
// explorer waits refreshEvery before it waits again.
func TestFeedCommands(t *testing.T) {
	feed := NewFeed(0)
	m := NewLive(feed, Options{})
	feed.SetStatus("x")
	feed.SetStatus("y") // coalesced
	if _, ok := m.Init()().(feedMsg); !ok {
		t.Fatal("Init waits for the feed")
	}
	_, cmd := m.Update(feedMsg{})
	if cmd == nil {
		t.Fatal("no wait after a feed message")
	}
	select {
	case <-feed.notify:
		t.Error("two status changes woke the explorer twice")
	default:
	}
	_, cmd = m.Update(feedWaitMsg{})
	feed.SetStatus("z")
	if _, ok := cmd().(feedMsg); !ok {
		t.Error("feedWaitMsg waits for the feed again")
	}
}

// Watch runs on the session's goroutine while the explorer takes and
// builds: run with -race.
func TestFeedConcurrent(t *testing.T) {
	feed := NewFeed(500)
	m := NewLive(feed, Options{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for k := range 50 {
			tr := &dag.Trace{ID: dag.TraceID{0xcd, 15: byte(k)}}
			for j := range 20 {
				s := span(byte(k), byte(j+1), 0, cart, "op", int64(j), int64(j)+1)
				s.TraceID = tr.ID
				if j > 0 {
					s.ParentSpanID = dag.SpanID{0: byte(k), 7: 1}
				}
				addSpans(tr, s)
				feed.Watch(tr)
			}
		}
	}()
	opened := false
	for {
		select {
		case <-done:
			m.Update(feedMsg{})
			press(t, m, "esc")
			contains(t, screen(t, m), "25 traces · 500 spans", "25 older traces let go")
			return
		default:
		}
		m.Update(feedMsg{})
		if !opened && len(m.list.shown) > 0 {
			press(t, m, "enter")
			opened = true
		}
		m.View()
	}
}

// A trace is marked ● while the session holds it open, until it is
// handed on; a later span opens it again.
func TestLiveReceivingMark(t *testing.T) {
	feed := NewFeed(0)
	m := NewLive(feed, Options{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	spans := refund()
	tr := &dag.Trace{ID: spans[0].TraceID}
	addSpans(tr, spans[0])
	feed.Watch(tr)
	m.Update(feedMsg{})
	contains(t, cursorLine(t, m), "▸●")
	feed.Done([]*dag.Trace{tr}, 0)
	m.Update(feedMsg{})
	lacks(t, screen(t, m), "●")
	part := &dag.Trace{ID: tr.ID}
	addSpans(part, spans[1])
	feed.Watch(part)
	feed.Done([]*dag.Trace{tr}, 0) // an older part: the new one is still open
	m.Update(feedMsg{})
	contains(t, screen(t, m), "▸●", "2 spans")
}
