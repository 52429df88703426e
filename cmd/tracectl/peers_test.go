package main

// Interop tests against real peer binaries (Jaeger v2, the OpenTelemetry
// Collector). They run when the binary is found ($TRACECTL_JAEGER,
// $TRACECTL_OTELCOL, else ./bin/peers/…, where `make test-peers` builds
// them, else /tmp/peers/…) and skip with a message saying how to build it
// otherwise; -short skips them too.
// Peers listen on 127.0.0.1 only and are stopped, process group and all,
// when the test ends.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const demoFile = "../../testdata/demo/shop.jsonl"

// peerBinary finds a peer: $env, else ./bin/peers/name (where `make
// test-peers` builds it), else /tmp/peers/name; it skips the test, naming
// the build command, when there is none.
func peerBinary(t *testing.T, env, name, build string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("peer tests are not short")
	}
	candidates := []string{filepath.Join("..", "..", "bin", "peers", name), filepath.Join("/tmp/peers", name)}
	if p := os.Getenv(env); p != "" {
		candidates = []string{p}
	}
	for _, p := range candidates {
		if _, err := os.Stat(p); err == nil {
			abs, err := filepath.Abs(p)
			if err != nil {
				t.Fatal(err)
			}
			return abs
		}
	}
	t.Skipf("no %s at %s (set $%s, or build it: %s; `make test-peers` builds the peers and runs this)", name, strings.Join(candidates, " or "), env, build)
	return ""
}

// freePorts reserves n distinct free TCP ports on 127.0.0.1. They are
// released before the peer binds them; a race with another process is
// possible but rare, and fails the start, never the comparison.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// startPeer starts bin in its own process group, output to a log file that
// is shown when the test fails, and stops the whole group at cleanup
// (SIGTERM, then SIGKILL after 10s).
func startPeer(t *testing.T, bin string, env []string, args ...string) (exited <-chan struct{}, log string) {
	t.Helper()
	log = filepath.Join(t.TempDir(), filepath.Base(bin)+".log")
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); f.Close(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(log)
			if len(b) > 4000 {
				b = b[len(b)-4000:]
			}
			t.Logf("%s log (end):\n%s", filepath.Base(bin), b)
		}
	})
	return done, log
}

// waitUntil calls ok every 200ms until it returns true, the peer exits, or
// the deadline passes (then the test fails with what).
func waitUntil(t *testing.T, exited <-chan struct{}, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		select {
		case <-exited:
			t.Fatalf("the peer exited while waiting for %s", what)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", d, what)
		}
	}
}

// httpGet returns the body of a 200 answer, or an error.
func httpGet(url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s: %.200s", url, resp.Status, b)
	}
	return b, err
}

// tracectl runs the CLI in-process; a non-zero exit fails the test.
func tracectl(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, code := tryTracectl(args...)
	if code != 0 {
		t.Fatalf("tracectl %s: exit %d\n%s", strings.Join(args, " "), code, stderr+stdout)
	}
	return stdout, stderr
}

func tryTracectl(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = run(context.Background(), &streams{Out: &out, Err: &errb}, args)
	return out.String(), errb.String(), code
}

// peerSpan is what a peer must carry over for a span: its place in the tree,
// its identity and its times, at the given precision (Jaeger and Zipkin
// JSON hold µs: start truncated, and the duration truncated on its own).
type peerSpan struct {
	Parent, Service, Name, Kind string
	Status, StatusMessage       string
	Events, Links               string // names; trace/span ids
	AttributeKeys, ResourceKeys string
	Start, Duration             uint64
}

// peerSpans reads `tracectl tree -o json` output into trace id/span id →
// span, times divided by quantum.
func peerSpans(t *testing.T, treeJSON string, quantum uint64) map[string]peerSpan {
	t.Helper()
	type node struct {
		Service, Name, Kind string
		Missing             bool
		Start               uint64 `json:"start_unix_nano"`
		End                 uint64 `json:"end_unix_nano"`
		Status              struct{ Code, Message string }
		Events              []struct{ Name string }
		Links               []struct {
			TraceID string `json:"trace_id"`
			SpanID  string `json:"span_id"`
		}
		Attributes map[string]json.RawMessage
		Resource   map[string]json.RawMessage
		Children   []json.RawMessage
	}
	m := map[string]peerSpan{}
	var walk func(trace string, raw json.RawMessage)
	walk = func(trace string, raw json.RawMessage) {
		var n node
		if err := json.Unmarshal(raw, &n); err != nil {
			t.Fatal(err)
		}
		var ids struct {
			SpanID string `json:"span_id"`
			Parent string `json:"parent_span_id"`
		}
		json.Unmarshal(raw, &ids)
		// Jaeger's query adjusters note what they saw (a duplicate span id,
		// a clock skew left alone) in this attribute: not span data.
		delete(n.Attributes, jaegerWarningsAttr)
		if _, dup := m[trace+"/"+ids.SpanID]; dup && !n.Missing {
			t.Logf("span %s/%s appears twice", trace, ids.SpanID)
		}
		if !n.Missing {
			m[trace+"/"+ids.SpanID] = peerSpan{Parent: ids.Parent, Service: n.Service, Name: n.Name, Kind: n.Kind,
				Status: n.Status.Code, StatusMessage: n.Status.Message, Events: eventNames(n.Events), Links: linkIDs(n.Links), AttributeKeys: strings.Join(keys(n.Attributes), " "),
				ResourceKeys: strings.Join(keys(n.Resource), " "), Start: n.Start / quantum, Duration: (n.End - n.Start) / quantum}
		}
		for _, c := range n.Children {
			walk(trace, c)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(treeJSON), "\n") {
		var tr struct {
			TraceID string `json:"trace_id"`
			Roots   []json.RawMessage
		}
		if err := json.Unmarshal([]byte(line), &tr); err != nil {
			t.Fatalf("tree -o json: %v: %.200s", err, line)
		}
		for _, r := range tr.Roots {
			walk(tr.TraceID, r)
		}
	}
	return m
}

// jaegerWarningsAttr is where Jaeger's query service puts its warnings
// about a span (v3; v2 has a "warnings" field).
const jaegerWarningsAttr = "@jaeger@warnings"

// logJaegerWarnings shows the warnings Jaeger attached to spans of
// `tree -o json` output, counted.
func logJaegerWarnings(t *testing.T, name, treeJSON string) {
	t.Helper()
	seen := map[string]int{}
	for _, m := range regexp.MustCompile(`"@jaeger@warnings":\[([^\]]*)\]`).FindAllStringSubmatch(treeJSON, -1) {
		seen[m[1]]++
	}
	for w, n := range seen {
		t.Logf("%s: Jaeger warned on %d spans: %.300s", name, n, w)
	}
}

// quantizeOTLP rewrites an OTLP JSON file (lines, or {"result": …}
// envelopes) as a µs peer stores it: each span's start truncated to quantum,
// its duration truncated on its own. Critical paths of the result are what
// tracectl must compute from the peer's µs JSON, to the nanosecond.
func quantizeOTLP(t *testing.T, in []byte, quantum uint64, out string) {
	t.Helper()
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			s, sok := v["startTimeUnixNano"].(string)
			e, eok := v["endTimeUnixNano"].(string)
			if sok && eok {
				start, err1 := strconv.ParseUint(s, 10, 64)
				end, err2 := strconv.ParseUint(e, 10, 64)
				if err1 != nil || err2 != nil {
					t.Fatalf("times %q %q", s, e)
				}
				qs := start / quantum * quantum
				v["startTimeUnixNano"] = strconv.FormatUint(qs, 10)
				v["endTimeUnixNano"] = strconv.FormatUint(qs+(end-start)/quantum*quantum, 10)
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	var b bytes.Buffer
	dec := json.NewDecoder(bytes.NewReader(in))
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		walk(v)
		line, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// critpaths reads `critpath -o json` output, one entry per root span.
type critpathJSON struct {
	TraceID    string `json:"trace_id"`
	RootSpanID string `json:"root_span_id"`
	DurationNS int64  `json:"duration_ns"`
	Segments   []struct {
		SpanID, Service, Name string
		Start                 uint64 `json:"start_unix_nano"`
		End                   uint64 `json:"end_unix_nano"`
	}
	Spans []struct {
		SpanID     string `json:"span_id"`
		Service    string
		Name       string
		CriticalNS int64 `json:"critical_ns"`
		SelfNS     int64 `json:"self_ns"`
	}
}

func critpaths(t *testing.T, out string) map[string]critpathJSON {
	t.Helper()
	m := map[string]critpathJSON{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var c critpathJSON
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("critpath -o json: %v: %.200s", err, line)
		}
		sort.Slice(c.Spans, func(i, j int) bool { return c.Spans[i].SpanID < c.Spans[j].SpanID })
		m[c.TraceID+"/"+c.RootSpanID] = c
	}
	return m
}

// lsRow is one trace of `ls -o json`.
type lsRow struct {
	Spans    int
	Services []string
}

// lsTraces reads `ls -o json` output into trace id → row.
func lsTraces(t *testing.T, out string) map[string]lsRow {
	t.Helper()
	m := map[string]lsRow{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var r struct {
			TraceID string `json:"trace_id"`
			lsRow
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("ls -o json: %v: %.200s", err, line)
		}
		m[r.TraceID] = r.lsRow
	}
	return m
}

// diffSpans compares the spans of want and got (same keys), naming the
// first differences; it returns how many spans were compared.
func diffSpans(t *testing.T, what string, want, got map[string]peerSpan) int {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
	return len(want)
}

func eventNames(events []struct{ Name string }) string {
	var names []string
	for _, e := range events {
		names = append(names, e.Name)
	}
	return strings.Join(names, ", ")
}

func linkIDs(links []struct {
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
}) string {
	var ids []string
	for _, l := range links {
		ids = append(ids, l.TraceID+"/"+l.SpanID)
	}
	return strings.Join(ids, " ")
}
