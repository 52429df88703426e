package view

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/tracectl/tracectl/internal/live"
	"github.com/tracectl/tracectl/internal/receiver"
)

// Receive behind the explorer: spans posted to the receiver reach the
// screen, q stops both, and the receiver's result says what came (run with
// -race: the receiver, the session and the program run concurrently).
func TestReceive(t *testing.T) {
	keys, typing := io.Pipe()
	testInput = []tea.ProgramOption{tea.WithInput(keys)}
	t.Cleanup(func() { testInput = nil })
	var screen syncBuffer
	addr := make(chan net.Addr, 1)
	ropts := live.ReceiveOptions{
		Server: receiver.Options{HTTPAddr: "127.0.0.1:0"},
		Idle:   50 * time.Millisecond,
		Ready:  func(_, httpAddr net.Addr) { addr <- httpAddr },
	}
	type result struct {
		res *live.ReceiveResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := Receive(context.Background(), ropts, 0, Options{}, &screen)
		done <- result{res, err}
	}()
	var a net.Addr
	select {
	case a = <-addr:
	case <-time.After(10 * time.Second):
		t.Fatal("the receiver did not start")
	}
	body := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},"scopeSpans":[{"spans":[` +
		`{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"GET /checkout","kind":2,` +
		`"startTimeUnixNano":"1764000000000000000","endTimeUnixNano":"1764000000245000000"}]}]}]}`
	resp, err := http.Post("http://"+a.String()+receiver.TracesPath, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST: %s", resp.Status)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(screen.String(), "GET /checkout") {
		if time.Now().After(deadline) {
			t.Fatalf("the trace did not reach the screen; it shows:\n%q", screen.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	typing.Write([]byte("q"))
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.res.Server.Spans != 1 || r.res.Reason != "interrupted" {
			t.Errorf("received %d spans, ended %q; want 1, interrupted", r.res.Server.Spans, r.res.Reason)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("q did not stop the explorer and the receiver")
	}
}

// syncBuffer is a bytes.Buffer the program writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
