package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/testenv"
)

// generatedTraces writes n traces of a few dozen spans each as OTLP JSON
// lines, the traces' spans interleaved across batches as an exporter
// writes them: shared resources, errors, events, links, a producer and an
// asynchronous consumer, orphans and duplicates.
func generatedTraces(t *testing.T, n int) string {
	t.Helper()
	return generatedTracesSlow(t, n, "", 1)
}

// generatedTracesSlow is generatedTraces with the spans of one service
// slower by a factor: the same traces, a regression to find.
func generatedTracesSlow(t *testing.T, n int, service string, factor float64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	services := []*dag.Resource{}
	for _, name := range []string{"frontend", "cart", "payment", "db"} {
		services = append(services, &dag.Resource{Service: name, Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue(name)}}})
	}
	var spans []dag.SpanData
	for k := range n {
		var tid dag.TraceID
		for i := range tid {
			tid[i] = byte(rng.Uint32())
		}
		start := uint64(1_700_000_000_000_000_000) + uint64(rng.IntN(1_000_000_000))
		m := 2 + rng.IntN(40)
		for i := range m {
			s := dag.SpanData{TraceID: tid, SpanID: dag.SpanID{byte(i + 1), byte(k), byte(k >> 8)}, Resource: services[rng.IntN(len(services))],
				Name: fmt.Sprintf("op-%d", rng.IntN(12)), Kind: dag.Kind(1 + rng.IntN(5))}
			if i > 0 {
				s.ParentSpanID = dag.SpanID{byte(rng.IntN(i) + 1), byte(k), byte(k >> 8)}
			}
			if i > 0 && rng.IntN(50) == 0 {
				s.ParentSpanID = dag.SpanID{0xee, byte(k)} // an orphan
			}
			s.Start = start + uint64(rng.IntN(1000))*1000
			s.End = s.Start + uint64(rng.IntN(5_000_000))
			if s.Resource.Service == service {
				s.End = s.Start + uint64(float64(s.End-s.Start)*factor)
			}
			if rng.IntN(10) == 0 {
				s.Status = dag.Status{Code: dag.StatusError, Message: "boom"}
				s.Events = []dag.Event{{Name: "exception", Time: s.Start + 1, Attrs: []dag.Attr{{Key: "exception.message", Value: dag.StringValue("boom")}}}}
			}
			if rng.IntN(20) == 0 {
				s.Links = []dag.Link{{TraceID: tid, SpanID: dag.SpanID{1, byte(k), byte(k >> 8)}}}
			}
			s.Attrs = []dag.Attr{{Key: "n", Value: dag.IntValue(int64(i))}}
			spans = append(spans, s)
			if rng.IntN(30) == 0 {
				spans = append(spans, s) // an exported-twice duplicate
			}
		}
	}
	rng.Shuffle(len(spans), func(i, j int) { spans[i], spans[j] = spans[j], spans[i] })
	var buf bytes.Buffer
	w := ingest.NewWriter(&buf, ingest.OutputOTLPJSON)
	for b := range slices.Chunk(spans, 100) {
		if err := w.Write(dag.Pack(b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "generated-"+service+".jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCmd runs tracectl with args and returns its exit code and output.
func runCmd(ctx context.Context, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(ctx, &streams{In: strings.NewReader(""), Out: &out, Err: &errb}, args)
	return code, out.String(), errb.String()
}

// The file commands with the options that change what they compute.
var spillCommands = [][]string{
	{"ls"}, {"ls", "-o", "json", "--sort", "duration"},
	{"attrib"}, {"attrib", "-o", "json", "--by", "service"}, {"attrib", "-o", "folded", "--weight", "self"},
	{"attrib", "--speedup", "service=cart:2"}, {"attrib", "--async", "follow", "-o", "json"},
	{"check"}, {"check", "-o", "json", "--adjust-skew"}, {"check", "--pii", "-o", "json"},
	{"critpath"}, {"critpath", "-o", "json", "--where", "{ status = error }"},
	{"tree", "--width", "100"}, {"tree", "-o", "json"},
	{"query", "{ kind = server }"}, {"query", "--traces", "-o", "json", "{ status = error }"},
	{"graph"}, {"graph", "-o", "json"}, {"graph", "-o", "dot", "--focus", "cart", "--depth", "0"},
	// diff reads BASE and CAND: the input and, for the generated traces,
	// the same traces with payment three times slower (a regression: exit
	// 1, explained); for the conformance files, the input again.
	{"diff", "--by", "service", "BASE", "CAND"}, {"diff", "-o", "json", "BASE", "CAND"},
	{"diff", "--by", "service", "-o", "markdown", "--why=false", "BASE", "CAND"},
	{"diff", "--where", "{ kind = server }", "-o", "json", "BASE", "CAND"},
	// assert, passing and failing (exit 1 with its explanation: near
	// misses, structure, aggregates, traces that did not match, spans
	// that should not be there).
	{"assert", "-e", "{ kind = server }", "-e", "{ name = \"op-3\" && duration > 1h }", "-e", "{ name = \"op-3\" } >> { name = \"op-4\" && status = error && kind = consumer }"},
	{"assert", "--every-trace", "-e", "{ status = error }", "-e", "{ kind = server } | count() > 40"},
	{"assert", "--near-misses", "5", "--absent", "{ status = error }", "-e", "{ resource.service.name = \"paymnt\" }"},
	{"assert", "--where", "{ kind = client }", "-e", "{ kind = client } ~ { kind = producer && duration > 4ms }", "-e", "{ name =~ \"op-1.*\" } && { name = \"nope\" }"},
}

// TestSpilledOutputIsTheSame runs every file command on real files (the
// conformance data) and generated traces twice, in memory and spilled to
// disk a partition at a time, and compares the bytes of what they print.
func TestSpilledOutputIsTheSame(t *testing.T) {
	inputs := []string{generatedTraces(t, 300)}
	slower := generatedTracesSlow(t, 300, "payment", 3)
	if testenv.HaveConformance() {
		filepath.WalkDir(testenv.ConformanceDir(), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && slices.Contains([]string{".json", ".jsonl", ".pb"}, filepath.Ext(path)) {
				inputs = append(inputs, path)
			}
			return nil
		})
	}
	if testing.Short() {
		inputs = inputs[:1]
	}
	before := spills.Load()
	for _, in := range inputs {
		for _, c := range spillCommands {
			args := append(slices.Clone(c), in)
			if c[0] == "query" { // the query goes last
				args = append(slices.Clone(c[:len(c)-1]), in, c[len(c)-1])
			}
			if c[0] == "diff" {
				cand := in
				if in == inputs[0] {
					cand = slower
				}
				args = slices.Clone(c)
				args[len(args)-2], args[len(args)-1] = in, cand
			}
			name := strings.Join(c, " ") + " " + filepath.Base(in)
			t.Run(name, func(t *testing.T) {
				code1, out1, err1 := runCmd(context.Background(), append([]string{"--max-memory", "4GiB"}, args...)...)
				dir := t.TempDir()
				code2, out2, err2 := runCmd(context.Background(), append([]string{"--max-memory", "8KiB", "--spill-dir", dir}, args...)...)
				if code1 != code2 || out1 != out2 || err1 != err2 {
					t.Errorf("exit %d in memory, %d spilled\nstdout (-memory +spilled):\n%s\nstderr (-memory +spilled):\n%s",
						code1, code2, cmp.Diff(out1, out2), cmp.Diff(err1, err2))
				}
				if left, _ := os.ReadDir(dir); len(left) != 0 {
					t.Errorf("spill files left behind: %v", left)
				}
			})
		}
	}
	if spills.Load() == before {
		t.Error("an 8 KiB budget never made a command spill")
	}
}

// TestSpillInterrupted: SIGINT (the command's context ending) stops a
// spilling run with an error and removes its files.
func TestSpillInterrupted(t *testing.T) {
	in := generatedTraces(t, 50)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, out, errs := runCmd(ctx, "ls", "--max-memory", "4KiB", "--spill-dir", dir, in)
	if code != 2 || out != "" || !strings.Contains(errs, "interrupted") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, interrupted", code, out, errs)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("spill files left behind: %v", left)
	}
}

// brokenPipe is stdout after its reader went away (`| head -1`).
type brokenPipe struct{ writes int }

func (b *brokenPipe) Write(p []byte) (int, error) {
	b.writes++
	return 0, syscall.EPIPE
}

// TestBrokenPipe: when the reader of the output goes away, the command
// stops at its next write and exits 0 without a word, spilled or not.
func TestBrokenPipe(t *testing.T) {
	in := generatedTraces(t, 50)
	for _, mem := range []string{"4GiB", "8KiB"} {
		for _, args := range [][]string{{"tree"}, {"tree", "-o", "json"}, {"critpath", "-o", "json"}} {
			out, errb := &brokenPipe{}, &bytes.Buffer{}
			dir := t.TempDir()
			code := run(context.Background(), &streams{Out: out, Err: errb}, append(args, "--max-memory", mem, "--spill-dir", dir, in))
			if code != 0 || errb.Len() != 0 || out.writes != 1 {
				t.Errorf("%s --max-memory %s: exit %d, stderr %q, %d writes; want 0, nothing, 1 write", args, mem, code, errb, out.writes)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("spill files left behind: %v", left)
			}
		}
	}
}

func TestMaxMemoryFlag(t *testing.T) {
	in := generatedTraces(t, 5)
	for _, bad := range []string{"lots", "0", "-5MiB", "12 parsecs"} {
		code, _, errs := runCmd(context.Background(), "ls", "--max-memory", bad, in)
		if code != 2 || !strings.Contains(errs, "--max-memory") {
			t.Errorf("--max-memory %q: exit %d, stderr %q; want 2 naming the flag", bad, code, errs)
		}
	}
	t.Setenv("TRACECTL_MAX_MEMORY", "nope")
	if code, _, errs := runCmd(context.Background(), "ls", in); code != 2 || !strings.Contains(errs, "$TRACECTL_MAX_MEMORY") {
		t.Errorf("bad $TRACECTL_MAX_MEMORY: exit %d, stderr %q", code, errs)
	}
	code, _, errs := runCmd(context.Background(), "ls", "--max-memory", "4KiB", "--spill-dir", filepath.Join(t.TempDir(), "absent"), in)
	if code != 2 || !strings.Contains(errs, "--spill-dir") {
		t.Errorf("absent --spill-dir: exit %d, stderr %q", code, errs)
	}
}
