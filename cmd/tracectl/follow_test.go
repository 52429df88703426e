package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// otlpLine is one Collector file-exporter JSON line holding one root span of
// trace n named name.
func otlpLine(n int, name string) string {
	return fmt.Sprintf(`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[{"traceId":"%032x","spanId":"%016x","name":%q,"kind":2,"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}]}]}]}`+"\n",
		n, n, name, 1_700_000_000_000_000_000+int64(n), 1_700_000_000_100_000_000+int64(n))
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls (bounded) until out contains want.
func waitFor(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	for range 10000 {
		if strings.Contains(out.String(), want) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%q never printed; stdout:\n%s", want, out.String())
}

// followTree starts tree --follow on path in the background. stop cancels
// it and fails the test unless the run ends cleanly within a minute.
func followTree(t *testing.T, path string) (out *syncBuffer, stop func()) {
	t.Helper()
	out = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	opts := &treeOptions{Output: "tree", Color: "never", MaxDepth: -1, Width: 100}
	opts.Files, opts.Format = []string{path}, "auto"
	opts.followOptions = followOptions{Follow: true, TraceIdle: 5 * time.Millisecond, poll: time.Millisecond, ctx: ctx}
	done := make(chan error, 1)
	go func() { done <- treeRun(&streams{Out: out, Err: &syncBuffer{}}, opts) }()
	return out, func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Minute):
			t.Fatal("tree --follow did not stop")
		}
	}
}

// TestTreeFollow follows a file the way the Collector's file exporter
// writes it — appends, then rotation (rename, new file) — and checks each
// trace prints once it is idle, before the run ends.
func TestTreeFollow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "traces.json")
	appendTo(t, path, otlpLine(1, "first"))

	out, stop := followTree(t, path)
	waitFor(t, out, "first")
	appendTo(t, path, otlpLine(2, "second"))
	waitFor(t, out, "second")
	if err := os.Rename(path, filepath.Join(dir, "traces-2026.json")); err != nil {
		t.Fatal(err)
	}
	appendTo(t, path, otlpLine(3, "third"))
	waitFor(t, out, "third")
	stop()
	if n := strings.Count(out.String(), "Trace "); n != 3 {
		t.Errorf("%d traces printed, want 3:\n%s", n, out.String())
	}
}

func TestTreeFollowUsage(t *testing.T) {
	opts := &treeOptions{Output: "tree", Color: "never"}
	opts.Files, opts.Follow = []string{"a.json", "b.json"}, true
	err := treeRun(&streams{Out: &syncBuffer{}, Err: &syncBuffer{}}, opts)
	if _, ok := err.(usageError); !ok {
		t.Errorf("treeRun = %v, want a usage error", err)
	}
}

// TestTreeFollowWaitsForFile: a follower started before the Collector
// creates its file waits for it, like tail -F, instead of failing.
func TestTreeFollowWaitsForFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "later.json")
	out, stop := followTree(t, path)
	appendTo(t, path, otlpLine(1, "late"))
	waitFor(t, out, "late")
	stop()
}
