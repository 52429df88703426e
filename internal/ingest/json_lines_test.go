package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// jsonLinesRun is what decoding an input gave: the batches (unpacked),
// which of them came as whole traces (Options.WholeTraces), the warnings,
// the error, and the lines JSON was read on from in order.
type jsonLinesRun struct {
	batches  [][]dag.SpanData
	whole    []bool
	warnings []string
	err      string
	readOn   []int
}

func decodeJSONLines(t *testing.T, r io.Reader, parallel, chunkSize int) jsonLinesRun {
	t.Helper()
	var run jsonLinesRun
	opts := Options{
		parallel: parallel, chunkSize: chunkSize,
		Warn:   func(m string) { run.warnings = append(run.warnings, m) },
		readOn: func(line int) { run.readOn = append(run.readOn, line) },
	}
	batch := func(whole bool) func(b []dag.Span) error {
		return func(b []dag.Span) error {
			run.batches = append(run.batches, dag.Unpack(b))
			run.whole = append(run.whole, whole)
			return nil
		}
	}
	opts.WholeTraces = batch(true)
	e := Decode(r, "in.json", opts, batch(false))
	if e != nil {
		run.err = e.Error()
	}
	return run
}

// jsonLinesInput builds JSON Lines with every oddity the file exporter,
// backends and people produce, line by line.
type jsonLinesInput struct {
	lines []string
}

func (in *jsonLinesInput) add(format string, args ...any) int {
	in.lines = append(in.lines, fmt.Sprintf(format, args...))
	return len(in.lines) // its line number, when no earlier line has a newline inside
}

func (in *jsonLinesInput) bytes() []byte { return []byte(strings.Join(in.lines, "\n") + "\n") }

// request is a realistic request of n spans, on one line, its span ids
// starting at a seed's own.
func request(n int, seed uint64) string { return string(genOTLPJSON(n, seed)) }

// badID gives a request's first span an invalid (3-byte) span id, for a
// notice whose first occurrence names its line.
func badID(req string) string {
	i := strings.Index(req, `"spanId":"`) + len(`"spanId":"`)
	return req[:i] + "abcdef" + req[i+16:]
}

// oddJSONLines is valid input of 60-odd lines mixing what the parallel
// reader must handle exactly as the sequential one.
func oddJSONLines(t *testing.T) *jsonLinesInput {
	var in jsonLinesInput
	for i := range 48 {
		req := request(2+i%13, uint64(i))
		switch i % 12 {
		case 1:
			in.add("%s\r", req) // CRLF
		case 2:
			in.add("%s", badID(req))
			in.add("")   // a blank line
			in.add("  ") // and one of spaces
		case 3:
			in.add(`{"resourceMetrics":[{"resource":{}}]}`) // skipped with one notice
			in.add("%s", req)
		case 4:
			in.add(`{"result":%s}`, req) // Jaeger v3 envelope
		case 5:
			in.add(`{"batches":%s`, strings.TrimPrefix(req, `{"resourceSpans":`)) // Tempo
		case 6:
			in.add("%s %s", req, request(2, uint64(1000+i))) // concatenated on one line
		case 7:
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, []byte(req), "", "  "); err != nil {
				t.Fatal(err)
			}
			in.add("%s", pretty.String()) // pretty-printed: many lines
		case 8:
			in.add(`{"resourceLogs":[]}`)
			in.add("%s", req)
		default:
			in.add("%s", req)
		}
	}
	return &in
}

// TestParallelJSONLinesMatchSequential decodes JSON Lines on one goroutine
// (the sequential decoder) and cut into chunks on several: the batches
// (order, content, strings), the warnings and the errors must be the
// same, whatever the chunk size and however the input arrives.
func TestParallelJSONLinesMatchSequential(t *testing.T) {
	odd := oddJSONLines(t)
	valid := odd.bytes()

	// A bad line deep in the file, after chunks that decode fine.
	deep := oddJSONLines(t)
	deep.lines[50] = deep.lines[50][:200] + `,"x":}` + deep.lines[50][200:]
	deepLine := 2 + bytes.Count([]byte(strings.Join(deep.lines[:50], "\n")), newline)

	torn := append(bytes.Clone(valid), request(5, 99)[:300]...)
	long := append(bytes.Clone(valid), []byte(request(1000, 7)+"\n"+request(3, 8)+"\n")...)
	bom := append([]byte("\xef\xbb\xbf"), valid...)
	readErr := func() io.Reader {
		return io.MultiReader(bytes.NewReader(valid[:len(valid)*2/3]), iotest.ErrReader(errors.New("disk on fire")))
	}

	for _, tc := range []struct {
		name    string
		in      func() io.Reader
		wantErr string // in both, when set
	}{
		{"json lines", func() io.Reader { return bytes.NewReader(valid) }, ""},
		{"byte by byte", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(valid)) }, ""},
		{"half reads", func() io.Reader { return iotest.HalfReader(bytes.NewReader(valid)) }, ""},
		{"gzip", func() io.Reader { return bytes.NewReader(gzipCompress(t, valid)) }, ""},
		{"zstd stream", func() io.Reader { return bytes.NewReader(zstdCompress(t, valid)) }, ""},
		{"byte order mark", func() io.Reader { return bytes.NewReader(bom) }, ""},
		{"torn last line", func() io.Reader { return bytes.NewReader(torn) }, ""},
		{"line longer than chunks", func() io.Reader { return bytes.NewReader(long) }, ""},
		{"bad line deep", func() io.Reader { return bytes.NewReader(deep.bytes()) }, fmt.Sprintf("in.json: line %d: ", deepLine)},
		{"bad line deep, zstd", func() io.Reader { return bytes.NewReader(zstdCompress(t, deep.bytes())) }, fmt.Sprintf("in.json: line %d: ", deepLine)},
		{"read error", readErr, "in.json: line "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq := decodeJSONLines(t, tc.in(), 1, 0)
			if tc.wantErr == "" && seq.err != "" || !strings.Contains(seq.err, tc.wantErr) {
				t.Fatalf("sequential error %q, want %q", seq.err, tc.wantErr)
			}
			if len(seq.batches) < 30 || !slices.Contains(seq.whole, true) {
				t.Fatalf("only %d batches, whole ones %v: the test checks little", len(seq.batches), slices.Contains(seq.whole, true))
			}
			for _, chunk := range []int{16 << 10, 48 << 10, 0} {
				for _, workers := range []int{2, 3, 8} {
					par := decodeJSONLines(t, tc.in(), workers, chunk)
					name := fmt.Sprintf("%d workers, %d-byte chunks", workers, chunk)
					if !reflect.DeepEqual(seq.batches, par.batches) { // cmp.Diff alone takes seconds
						if diff := cmp.Diff(seq.batches, par.batches, cmpSpans); diff != "" {
							t.Errorf("%s: batches (-sequential +parallel):\n%s", name, diff)
						}
					}
					if diff := cmp.Diff(seq.whole, par.whole); diff != "" {
						t.Errorf("%s: whole traces (-sequential +parallel):\n%s", name, diff)
					}
					if diff := cmp.Diff(seq.warnings, par.warnings); diff != "" {
						t.Errorf("%s: warnings (-sequential +parallel):\n%s", name, diff)
					}
					if seq.err != par.err {
						t.Errorf("%s: error %q, sequential %q", name, par.err, seq.err)
					}
					checkReadOn(t, name, tc.name, par.readOn, chunk)
				}
			}
		})
	}
}

// checkReadOn checks that reading on in order, by one decoder, happens
// where it must and only there: valid JSON Lines split into chunks that
// decode on their own.
func checkReadOn(t *testing.T, name, input string, readOn []int, chunk int) {
	t.Helper()
	switch input {
	case "json lines", "gzip", "zstd stream", "byte order mark", "torn last line":
		if len(readOn) > 0 {
			t.Errorf("%s: read on in order from line %d: valid JSON Lines should split", name, readOn[0])
		}
	case "line longer than chunks":
		if chunk != 0 && len(readOn) == 0 {
			t.Errorf("%s: a line longer than %d chunks was split", name, jsonChunkGrowth)
		}
	case "bad line deep", "bad line deep, zstd":
		if len(readOn) == 0 || readOn[0] == 1 && chunk != 0 {
			t.Errorf("%s: read on from %v: want the chunk of the bad line, after chunks delivered in parallel", name, readOn)
		}
	}
}

// TestLastCut: where JSON Lines may be cut.
func TestLastCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		from int
		want string // the chunk before the cut; "" for none
	}{
		{"{}\n{}\n{", 0, "{}\n{}\n"},
		{"{}\n{}\n", 0, "{}\n"},                                    // the last break: what follows is unknown
		{"{}\r\n\n  \n\t{", 0, "{}\r\n\n  \n"},                     // blank lines and CRLF
		{"[1]\n[2]\n", 0, "[1]\n"},                                 // Zipkin arrays
		{"{\n  \"a\": {\n  }\n}\n{", 0, "{\n  \"a\": {\n  }\n}\n"}, // pretty: only between objects
		{"{\n  \"a\": [\n    {},\n    {}\n  ]\n}", 0, ""},
		{"{}\n{}\n{", 6, ""}, // the breaks before from are not looked at
		{"\n\n{", 0, ""},     // nothing before
		{"", 0, ""},
	} {
		got := ""
		if cut := lastCut([]byte(tc.in), tc.from); cut > 0 {
			got = tc.in[:cut]
		}
		if got != tc.want {
			t.Errorf("lastCut(%q, %d) = cut after %q, want %q", tc.in, tc.from, got, tc.want)
		}
	}
}

// TestDecodeJSONLinesLive: a line is delivered when it arrives, while the
// writer waits, as with the sequential decoder (TestDecodeStreams does the
// same for one line; this one for many, and a pretty-printed object whose
// inner lines arrive one by one).
func TestDecodeJSONLinesLive(t *testing.T) {
	lines := []string{request(3, 1), request(4, 2), "{\n  \"resourceSpans\": [\n" + strings.TrimPrefix(strings.TrimSuffix(request(2, 3), "]}"), `{"resourceSpans":[`) + "\n  ]\n}", request(5, 4)}
	pr, pw := io.Pipe()
	batches := make(chan int, len(lines)) // the pretty object is complete before its line break is written
	done := make(chan error, 1)
	go func() {
		done <- Decode(pr, "in.json", Options{parallel: 2}, func(b []dag.Span) error {
			batches <- len(b)
			return nil
		})
	}()
	for i, l := range lines {
		for _, part := range strings.SplitAfter(l, "\n") {
			if _, err := pw.Write([]byte(part)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := pw.Write([]byte("\n")); err != nil {
			t.Fatal(err)
		}
		if got, want := <-batches, []int{3, 4, 2, 5}[i]; got != want {
			t.Fatalf("line %d: batch of %d spans, want %d", i+1, got, want)
		}
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestParallelJSONLinesConformance: every JSON file other tools wrote
// (../shared/conformance: the file exporter's JSON Lines, telemetrygen's,
// Jaeger's and its UI's pretty-printed traces, Tempo and Jaeger v3
// answers, metrics and logs files) decodes cut into small chunks as it
// does line by line.
func TestParallelJSONLinesConformance(t *testing.T) {
	conformance(t, "telemetrygen/traces.jsonl") // skips (fails under CI) without the data
	var files []string
	err := filepath.WalkDir(conformanceDir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && (strings.Contains(path, ".json") || strings.HasSuffix(path, ".zst")) {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) < 20 {
		t.Fatalf("%d JSON files in %s: %v", len(files), conformanceDir, err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		seq := decodeJSONLines(t, bytes.NewReader(data), 1, 0)
		for _, chunk := range []int{512, 0} {
			par := decodeJSONLines(t, bytes.NewReader(data), 3, chunk)
			if !reflect.DeepEqual(seq.batches, par.batches) {
				if diff := cmp.Diff(seq.batches, par.batches, cmpSpans); diff != "" {
					t.Errorf("%s, %d-byte chunks: batches (-sequential +parallel):\n%s", path, chunk, diff)
				}
			}
			if !slices.Equal(seq.whole, par.whole) || !slices.Equal(seq.warnings, par.warnings) || seq.err != par.err {
				t.Errorf("%s, %d-byte chunks: whole %v, warnings %q, error %q; sequential %v, %q, %q",
					path, chunk, par.whole, par.warnings, par.err, seq.whole, seq.warnings, seq.err)
			}
		}
	}
}
