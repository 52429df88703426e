package main

import (
	"bytes"
	"context"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/testenv"
)

// partitionByTrace writes the spans of in to k files by a hash of their
// trace id, as the Collector's loadbalancing exporter routes them to k
// tracectl receive instances, and returns the files that got spans.
func partitionByTrace(t *testing.T, in string, k int) []string {
	t.Helper()
	parts := make([][]dag.Span, k)
	err := ingest.ReadFiles([]string{in}, nil, ingest.Options{}, func(batch []dag.Span) error {
		for _, s := range batch {
			h := fnv.New32a()
			h.Write(s.TraceID[:])
			i := h.Sum32() % uint32(k)
			parts[i] = append(parts[i], s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for i, spans := range parts {
		if len(spans) == 0 {
			continue
		}
		var buf bytes.Buffer
		w := ingest.NewWriter(&buf, ingest.OutputOTLPJSON)
		if err := w.Write(spans); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		files = append(files, writeTemp(t, filepath.Base(in)+"."+string(rune('a'+i)), buf.Bytes()))
	}
	return files
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tracectlOut runs tracectl with args and returns its stdout; any exit but
// 0 fails the test.
func tracectlOut(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), &streams{Out: &out, Err: &errOut}, args); code != 0 {
		t.Fatalf("tracectl %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.Bytes()
}

// TestAttribMergeEqualsWhole: the attribution of a whole input equals the
// merge of the attributions of its trace-id partitions — every count, time,
// share and percentile, in JSON and in the table — for any number of
// partitions, grouped by operation or by service, with queue waits
// (--async follow), and merged again. (Not with --async follow where links
// join traces into one workflow: the partitions split the workflow, as
// trace-id routing does.)
func TestAttribMergeEqualsWhole(t *testing.T) {
	type input struct {
		path  string
		flags [][]string
	}
	inputs := []input{{"../../testdata/demo/shop.jsonl", [][]string{nil, {"--by", "service"}, {"--async", "follow"}}}}
	if testenv.HaveConformance() {
		inputs = append(inputs, input{filepath.Join(testenv.ConformanceDir(), "otelcol-fileexporter", "traces.json"), [][]string{nil, {"--by", "service"}}})
	}
	for _, inp := range inputs {
		in := inp.path
		for _, flags := range inp.flags {
			whole := tracectlOut(t, append(append([]string{"attrib", "-o", "json"}, flags...), in)...)
			table := tracectlOut(t, append(append([]string{"attrib", "--top", "0"}, flags...), in)...)
			for _, k := range []int{1, 2, 5} {
				var partials []string
				for i, p := range partitionByTrace(t, in, k) {
					out := tracectlOut(t, append(append([]string{"attrib", "-o", "json"}, flags...), p)...)
					partials = append(partials, writeTemp(t, "attrib-"+string(rune('a'+i))+".json", out))
				}
				name := filepath.Base(in) + " " + strings.Join(flags, " ")
				merged := tracectlOut(t, append([]string{"attrib", "--merge", "-o", "json"}, partials...)...)
				if diff := cmp.Diff(string(whole), string(merged)); diff != "" {
					t.Errorf("%s, %d partitions: -o json (-whole +merged):\n%s", name, k, diff)
				}
				mergedTable := tracectlOut(t, append([]string{"attrib", "--merge", "--top", "0"}, partials...)...)
				if diff := cmp.Diff(string(table), string(mergedTable)); diff != "" {
					t.Errorf("%s, %d partitions: table (-whole +merged):\n%s", name, k, diff)
				}
				// A merge is an attribution like any other: it merges again.
				if len(partials) > 1 {
					first := writeTemp(t, "first.json", tracectlOut(t, append([]string{"attrib", "--merge", "-o", "json"}, partials[:2]...)...))
					again := tracectlOut(t, append([]string{"attrib", "--merge", "-o", "json", first}, partials[2:]...)...)
					if diff := cmp.Diff(string(whole), string(again)); diff != "" {
						t.Errorf("%s, %d partitions, merged in two steps (-whole +merged):\n%s", name, k, diff)
					}
				}
			}
		}
	}
}

// TestAttribMergeBadInput: what is not a whole `attrib -o json` output is
// an error naming the file and the line, exit 2 — never a merge of part of
// it.
func TestAttribMergeBadInput(t *testing.T) {
	demo := "../../testdata/demo/shop.jsonl"
	good := tracectlOut(t, "attrib", "-o", "json", demo)
	lines := strings.SplitAfter(strings.TrimSuffix(string(good), "\n"), "\n")
	n := len(lines)
	byService := writeTemp(t, "by-service.json", tracectlOut(t, "attrib", "-o", "json", "--by", "service", demo))
	goodFile := writeTemp(t, "good.json", good)
	tests := []struct {
		name string
		data string
		args []string // default: --merge good.json FILE
		want string   // in stderr, after "FILE: "
	}{
		{name: "traces", data: string(mustRead(t, demo)), want: "line 1: not `attrib -o json` output: neither a group row nor the end_to_end line"},
		{name: "critpath", data: string(tracectlOut(t, "critpath", "-o", "json", demo)), want: "line 1: not `attrib -o json` output"},
		{name: "binary", data: "\x00\x00\x01\x02\n\x1b[31m", want: "line 1: not `attrib -o json` output: invalid character"},
		{name: "cut mid-line", data: string(good[:len(good)-20]), want: "line " + strconv.Itoa(n) + ": not `attrib -o json` output: unexpected end of JSON input"},
		{name: "cut at a line", data: strings.Join(lines[:3], ""), want: "line 3: ends without the end_to_end line"},
		{name: "empty", data: "", want: "empty: not `attrib -o json` output"},
		{name: "top", data: string(tracectlOut(t, "attrib", "-o", "json", "--top", "2", demo)), want: "line 3: 2 of "},
		{name: "speedup", data: string(tracectlOut(t, "attrib", "-o", "json", "--speedup", "service=payment:2", demo)), want: "line " + strconv.Itoa(n+1) + ": a what-if result (--speedup) does not merge"},
		{name: "twice", data: string(good) + string(good), want: "line " + strconv.Itoa(n+1) + ": after the end_to_end line"},
		{name: "row twice", data: lines[0] + string(good), want: "line 2: "},
		{name: "edited", data: strings.Replace(string(good), `"critical_ns":`, `"critical_ns":1`, 1), want: "line 1: "},
		{name: "by service", data: "", args: []string{"--merge", goodFile, byService}, want: "grouped by service, " + goodFile + " by operation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeTemp(t, "bad.json", []byte(tc.data))
			args := tc.args
			if args == nil {
				args = []string{"--merge", goodFile, file}
			}
			var out, errOut bytes.Buffer
			code := run(context.Background(), &streams{Out: &out, Err: &errOut}, append([]string{"attrib"}, args...))
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut.String())
			}
			if out.Len() != 0 {
				t.Errorf("printed a result: %s", out.String())
			}
			want := file + ": " + tc.want
			if tc.args != nil {
				want = tc.want
			}
			if !strings.Contains(errOut.String(), want) {
				t.Errorf("stderr %q, want it to contain %q", errOut.String(), want)
			}
			if strings.ContainsAny(errOut.String(), "\x00\x1b") {
				t.Errorf("a control character reached stderr: %q", errOut.String())
			}
		})
	}
	// Flags that choose how traces are read do not apply to attributions.
	for _, args := range [][]string{
		{"--merge", "--where", "{ status = error }", goodFile},
		{"--merge", "--speedup", "service=payment:2", goodFile},
		{"--merge", "-o", "folded", goodFile},
		{"--merge", "--by", "service", goodFile},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), &streams{Out: &out, Err: &errOut}, append([]string{"attrib"}, args...)); code != 2 || out.Len() != 0 {
			t.Errorf("%v: exit %d, want 2, and output %q", args, code, out.String())
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
