package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/ingest"
)

const skewExample = "../../testdata/examples/skew.json" // traces aaaa…a1 and bbbb…b2

// complete runs `tracectl __complete ARGS…` as the shell does and returns
// the lines it printed.
func complete(t *testing.T, stdin io.Reader, args ...string) []string {
	t.Helper()
	code, out, stderr := runArgs(stdin, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %v: exit %d: %s", args, code, stderr)
	}
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}

// TestCompleteFromInputs: --trace (and diff's --base-trace, --cand-trace)
// complete the trace ids, --focus the services, of the files named.
func TestCompleteFromInputs(t *testing.T) {
	a := "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1\tfrontend GET /checkout, 6 spans, 100ms"
	b := "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2\tfrontend GET /checkout, 3 spans, 100ms"
	glob := filepath.Join(filepath.Dir(skewExample), "sk*.json")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"all ids, by start", []string{"tree", skewExample, "--trace", ""}, []string{a, b, ":4"}},
		{"a prefix", []string{"critpath", skewExample, "--trace", "bb"}, []string{b, ":4"}},
		{"case-blind", []string{"ls", skewExample, "--trace", "AA"}, []string{a, ":4"}},
		{"a glob", []string{"check", glob, "--trace", "a"}, []string{a, ":4"}},
		{"no match", []string{"tree", skewExample, "--trace", "c"}, []string{":4"}},
		{"no files yet", []string{"tree", "--trace", ""}, []string{":4"}},
		{"query's expression is no file", []string{"query", skewExample, "{ }", "--trace", "b"}, []string{b, ":4"}},
		{"diff --base-trace reads --base", []string{"diff", "--base", skewExample, "--cand", "missing.json", "--base-trace", "b"}, []string{b, ":4"}},
		{"diff --cand-trace reads --cand", []string{"diff", "--cand", skewExample, "--cand-trace", ""}, []string{a, b, ":4"}},
		{"a missing file", []string{"tree", "missing.json", "--trace", ""}, []string{":4"}},
		{"graph --focus: the services", []string{"graph", skewExample, "--focus", ""}, []string{"frontend\tin 2 traces", "payment\tin 2 traces", ":4"}},
		{"graph --focus: a prefix, case-blind", []string{"graph", skewExample, "--focus", "P"}, []string{"payment\tin 2 traces", ":4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, complete(t, nil, tt.args...)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// failingReader fails the test when read: completion must never read
// standard input.
type failingReader struct{ t *testing.T }

func (r failingReader) Read([]byte) (int, error) {
	r.t.Error("completion read standard input")
	return 0, io.EOF
}

// TestCompleteNeverBlocks: stdin, URLs and named pipes on the command line
// are not read to complete a trace id (a pipe nobody writes would hang the
// shell); the files beside them still are.
func TestCompleteNeverBlocks(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	fifo := filepath.Join(t.TempDir(), "pipe.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	got := complete(t, failingReader{t}, "tree", "-", srv.URL+"/api/traces", fifo, skewExample, "--trace", "b")
	if diff := cmp.Diff([]string{"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2\tfrontend GET /checkout, 3 spans, 100ms", ":4"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("completion fetched the URL %d times", n)
	}
}

// TestCompletionBudget: reading stops at the byte, span and time bounds,
// keeping the traces read before.
func TestCompletionBudget(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for _, id := range []string{"01", "02", "03"} {
		lines = append(lines, `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[{"traceId":"000000000000000000000000000000`+id+`","spanId":"00000000000000`+id+`","name":"op","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}`)
	}
	path := filepath.Join(dir, "three.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	lineLen := int64(len(lines[0]) + 1)
	tests := []struct {
		name   string
		budget completionBudget
		want   int
	}{
		{"unbounded", defaultCompletionBudget, 3},
		{"bytes for about two lines", completionBudget{bytes: 2*lineLen + 10, spans: 100, timeout: time.Minute}, 2},
		{"one span", completionBudget{bytes: 1 << 20, spans: 1, timeout: time.Minute}, 1},
		{"no time", completionBudget{bytes: 1 << 20, spans: 100, timeout: 0}, 0},
	}
	for _, tt := range tests {
		ts := readForCompletion([]string{path, path}, ingest.FormatAuto, tt.budget)
		if got := ts.Len(); got != tt.want {
			t.Errorf("%s: %d traces read, want %d", tt.name, got, tt.want)
		}
	}
}

// TestCompleteValues: flags that take no file do not complete file names;
// those that do, do.
func TestCompleteValues(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"tree", "--where", ""}, []string{":4"}},
		{[]string{"receive", "--http-addr", ""}, []string{":4"}},
		{[]string{"convert", "--out", ""}, []string{":0"}},
		{[]string{"assert", "--junit", ""}, []string{":0"}},
		{[]string{"emit", "--ca-file", ""}, []string{":0"}},
		{[]string{"tree", "-o", "j"}, []string{"tree", "json", ":4"}}, // the shell filters by prefix
		{[]string{"tre"}, []string{"tree\tPrint each trace as a span tree with a waterfall", ":4"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, complete(t, nil, tt.args...)); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tt.args, diff)
		}
	}
}

// TestCompletionScripts: cobra's completion command writes a script for
// each shell.
func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash": "__start_tracectl", "zsh": "#compdef tracectl", "fish": "complete -c tracectl", "powershell": "Register-ArgumentCompleter",
	} {
		code, out, stderr := runArgs(nil, "completion", shell)
		if code != 0 || !strings.Contains(out, marker) {
			t.Errorf("completion %s: exit %d, no %q in the script; stderr %s", shell, code, marker, stderr)
		}
	}
}

// BenchmarkCompleteTraceIDs is one key press of `tracectl tree
// shop.jsonl --trace <TAB>` on the demo data (90 traces, 2,171 spans).
func BenchmarkCompleteTraceIDs(b *testing.B) {
	fn := completeFromInputs(traceIDs)
	cmd := newCmdTree(&streams{})
	for b.Loop() {
		if got, _ := fn(cmd, []string{"../../testdata/demo/shop.jsonl"}, ""); len(got) == 0 {
			b.Fatal("no ids")
		}
	}
}
