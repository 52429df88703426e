package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/testenv"
)

// orderedTraces writes n traces as OTLP JSON lines the way a Collector's
// file exporter writes a long run: trace k starts k×gap after the first,
// its spans (a root and up to a dozen children, one level deeper each
// third) end within two seconds, and spans are written in batches of
// batch spans by end time, so neighbouring traces interleave. The batches
// are returned too, one JSON line each.
func orderedTraces(t *testing.T, n int, gap time.Duration, batch int) (string, []string) {
	t.Helper()
	res := &dag.Resource{Service: "shop", Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue("shop")}}}
	base := uint64(1_700_000_000_000_000_000)
	var spans []dag.SpanData
	for k := range n {
		tid := dag.TraceID{0: byte(k*37 + 1), 1: byte(k >> 8), 15: byte(k)}
		start := base + uint64(k)*uint64(gap)
		m := 1 + (k*7)%12
		root := dag.SpanData{TraceID: tid, SpanID: dag.SpanID{1, byte(k), byte(k >> 8)}, Resource: res, Name: "GET /", Kind: dag.KindServer,
			Start: start, End: start + uint64(2*time.Second)}
		spans = append(spans, root)
		for i := 1; i <= m; i++ {
			parent := root.SpanID
			if i > 3 {
				parent = dag.SpanID{byte(i / 3), byte(k), byte(k >> 8)}
			}
			s := dag.SpanData{TraceID: tid, SpanID: dag.SpanID{byte(i + 1), byte(k), byte(k >> 8)}, ParentSpanID: parent, Resource: res,
				Name: fmt.Sprintf("op-%d", i%5), Kind: dag.KindInternal,
				Start: start + uint64(i)*uint64(10*time.Millisecond), End: start + uint64(i)*uint64(100*time.Millisecond)}
			if i%5 == 0 {
				s.Status = dag.Status{Code: dag.StatusError, Message: "boom"}
			}
			spans = append(spans, s)
		}
	}
	slices.SortStableFunc(spans, func(a, b dag.SpanData) int {
		switch {
		case a.End < b.End:
			return -1
		case a.End > b.End:
			return 1
		}
		return 0
	})
	var lines []string
	for b := range slices.Chunk(spans, batch) {
		lines = append(lines, string(append(ingest.AppendOTLPJSON(nil, dag.Pack(b)), '\n')))
	}
	path := filepath.Join(t.TempDir(), "ordered.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, lines
}

// streamCommands are the per-trace commands --stream takes, as JSON lines
// (one object per trace, row or finding), and tree's text.
var streamCommands = [][]string{
	{"tree", "-o", "json"}, {"tree", "--width", "100"}, {"critpath", "-o", "json"}, {"critpath"},
	{"check", "-o", "json"}, {"ls", "-o", "json"}, {"query", "-o", "json", "{ status = error }"},
	{"tree", "-o", "json", "--where", "{ status = error }", "--adjust-skew"},
}

// parts splits output into what each trace printed: JSON lines, or the
// blank-line-separated blocks of text, sorted.
func parts(out string) []string {
	var p []string
	if strings.HasPrefix(out, "{") {
		p = strings.SplitAfter(out, "\n")
	} else {
		p = strings.Split(out, "\n\n")
	}
	slices.Sort(p)
	return p
}

// TestStreamSameTraces runs each per-trace command on real files (the
// conformance data) and generated traces with and without --stream: the
// same bytes for each trace, maybe in another order, the same stderr.
func TestStreamSameTraces(t *testing.T) {
	ordered, _ := orderedTraces(t, 200, 3*time.Second, 20)
	inputs := []string{ordered, generatedTraces(t, 100)}
	if testenv.HaveConformance() {
		filepath.WalkDir(testenv.ConformanceDir(), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && slices.Contains([]string{".json", ".jsonl", ".pb"}, filepath.Ext(path)) {
				inputs = append(inputs, path)
			}
			return nil
		})
	}
	for _, in := range inputs {
		for _, c := range streamCommands {
			args := append(slices.Clone(c), in)
			if c[0] == "query" {
				args = append(slices.Clone(c[:len(c)-1]), in, c[len(c)-1])
			}
			t.Run(strings.Join(c, " ")+" "+filepath.Base(in), func(t *testing.T) {
				code1, out1, err1 := runCmd(context.Background(), args...)
				code2, out2, err2 := runCmd(context.Background(), append([]string{args[0], "--stream"}, args[1:]...)...)
				if code1 != code2 || err1 != err2 {
					t.Errorf("exit %d, --stream %d; stderr (-batch +stream):\n%s", code1, code2, cmp.Diff(err1, err2))
				}
				if diff := cmp.Diff(parts(out1), parts(out2)); diff != "" {
					t.Errorf("traces (-batch +stream):\n%s", diff)
				}
			})
		}
	}
}

// TestStreamWindowTooSmall: on interleaved OTLP input a window shorter
// than the traces splits them; no span is lost (each comes once, the late
// ones in a continuation marked continued) and stderr says so once, with
// a window that would have held them.
func TestStreamWindowTooSmall(t *testing.T) {
	in, _ := orderedTraces(t, 60, time.Second, 4)
	_, batch, _ := runCmd(context.Background(), "tree", "-o", "json", in)
	code, out, errs := runCmd(context.Background(), "tree", "--stream", "--stream-window", "50ms", "-o", "json", in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	suggested := regexp.MustCompile(`--stream-window (\S+) \(not \S+\) would have held them`).FindStringSubmatch(errs)
	if n := strings.Count(errs, "\n"); n != 1 || !strings.Contains(errs, "after they were printed") || suggested == nil {
		t.Fatalf("stderr %q: want one note suggesting a --stream-window", errs)
	}
	if !strings.Contains(out, `"continued":true`) {
		t.Error("no continuation marked")
	}
	spansOf := func(out string) []string {
		var ids []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			tid := line[len(`{"trace_id":"`):][:32]
			for _, f := range strings.Split(line, `"span_id":"`)[1:] {
				if !strings.HasPrefix(f[16:], `","missing":true`) { // not a placeholder
					ids = append(ids, tid+"/"+f[:16])
				}
			}
		}
		slices.Sort(ids)
		return ids
	}
	if diff := cmp.Diff(spansOf(batch), spansOf(out)); diff != "" {
		t.Errorf("spans (-batch +stream):\n%s", diff)
	}
	// The window that the note suggests holds every trace whole.
	_, out, errs = runCmd(context.Background(), "tree", "--stream", "--stream-window", suggested[1], "-o", "json", in)
	if errs != "" || strings.Contains(out, "continued") {
		t.Errorf("--stream-window %s: stderr %q, continued %v", suggested[1], errs, strings.Contains(out, "continued"))
	}
}

// TestStreamBeforeTheEnd feeds inputs through a pipe and checks that a
// trace is printed while the input is still open: an OTLP dump once the
// input has moved on by the window, Jaeger and Zipkin answers as each
// envelope closes.
func TestStreamBeforeTheEnd(t *testing.T) {
	_, otlp := orderedTraces(t, 40, 10*time.Second, 20)
	jaeger := func(id string) string {
		return `{"data":[{"traceID":"` + id + `","spans":[{"traceID":"` + id + `","spanID":"1","operationName":"GET","startTime":1,"duration":5,"processID":"p1"}],"processes":{"p1":{"serviceName":"web"}}}]}` + "\n"
	}
	zipkin := func(id string) string {
		return `[[{"traceId":"` + id + `","id":"1","name":"get","timestamp":1,"duration":5,"localEndpoint":{"serviceName":"web"}}]]` + "\n"
	}
	for _, tt := range []struct {
		name  string
		input []string // written one by one; the first must print a trace
		first string   // in the output after the first part
	}{
		{"otlp", []string{strings.Join(otlp[:len(otlp)/2], ""), strings.Join(otlp[len(otlp)/2:], "")}, `"trace_id":"01`},
		{"jaeger", []string{jaeger("aa"), jaeger("bb")}, `"trace_id":"000000000000000000000000000000aa"`},
		{"zipkin", []string{zipkin("cc"), zipkin("dd")}, `"trace_id":"000000000000000000000000000000cc"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			out, errb := &syncBuffer{}, &syncBuffer{}
			done := make(chan int, 1)
			go func() {
				done <- run(context.Background(), &streams{In: pr, Out: out, Err: errb}, []string{"tree", "--stream", "-o", "json", "-"})
			}()
			if _, err := io.WriteString(pw, tt.input[0]); err != nil {
				t.Fatal(err)
			}
			// Bounded wait for the first trace; the input stays open.
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(out.String(), tt.first) && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if !strings.Contains(out.String(), tt.first) {
				t.Errorf("nothing printed before the input ended; stdout %q", out.String())
			}
			for _, part := range tt.input[1:] {
				io.WriteString(pw, part)
			}
			pw.Close()
			if code := <-done; code != 0 {
				t.Errorf("exit %d: %s", code, errb.String())
			}
		})
	}
}

// TestStreamUsage: what --stream cannot do is a usage error that says why.
func TestStreamUsage(t *testing.T) {
	in, _ := orderedTraces(t, 3, time.Second, 20)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"tree", "--stream", "--async", "follow", in}, "--stream cannot join traces"},
		{[]string{"critpath", "--stream", "--async", "follow", in}, "--stream cannot join traces"},
		{[]string{"query", "--stream", in, "{ }"}, "add -o json"},
		{[]string{"ls", "--stream", in}, "add -o json"},
		{[]string{"ls", "--stream", "-o", "json", "--sort", "duration", in}, "leave out --sort"},
		{[]string{"tree", "--stream-window", "10s", in}, "--stream-window is for --stream"},
		{[]string{"tree", "--stream", "--stream-window", "0s", in}, "must be more than 0"},
		{[]string{"tree", "--stream", "--follow", in}, "leave out --stream"},
	} {
		code, _, errs := runCmd(context.Background(), tt.args...)
		if code != 2 || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}
