package ingest

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/tracectl/tracectl/internal/dag"
)

// decodeAll runs Decode over b and returns every span and the warnings.
func decodeAll(t testing.TB, b []byte, opts Options) ([]dag.SpanData, []string, error) {
	t.Helper()
	var spans []dag.SpanData
	var warnings []string
	opts.Warn = func(s string) { warnings = append(warnings, s) }
	err := Decode(bytes.NewReader(b), "in", opts, func(packed []dag.Span) error {
		batch := dag.Unpack(packed)
		if len(batch) == 0 {
			t.Error("empty batch")
		}
		spans = append(spans, batch...)
		return nil
	})
	return spans, warnings, err
}

func zstdCompress(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := zstd.NewWriter(&out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func gzipCompress(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// conformanceCases are the conformance files with their span counts.
var conformanceCases = []struct {
	file  string
	spans int
}{
	{"telemetrygen/traces.pb", 80},
	{"telemetrygen/traces.jsonl", 80},
	{"otelcol-fileexporter/traces.pb", 145},
	{"otelcol-fileexporter/traces-zstd.pb", 145},
	{"otelcol-fileexporter/traces-zstd.json", 145},
	{"otelcol-fileexporter/traces.json", 145},
	{"otlp-proto-examples/trace.json", 1},
}

// TestDecodeConformance reads every conformance file through Decode (format
// sniffed from content), also compressed whole with zstd and gzip, and
// checks ids, names and times against the reference library's reading of
// the protobuf files.
func TestDecodeConformance(t *testing.T) {
	want := map[string][]dag.SpanData{
		"telemetrygen":         oracleSpans(t, conformanceMessages(t, "telemetrygen/traces.pb")...),
		"otelcol-fileexporter": oracleSpans(t, conformanceMessages(t, "otelcol-fileexporter/traces.pb")...),
	}
	for _, tc := range conformanceCases {
		data := conformanceFile(t, tc.file)
		for _, enc := range []struct {
			name string
			fn   func(testing.TB, []byte) []byte
		}{
			{"plain", func(_ testing.TB, b []byte) []byte { return b }},
			{"zstd", zstdCompress},
			{"gzip", gzipCompress},
		} {
			t.Run(tc.file+"/"+enc.name, func(t *testing.T) {
				got, warnings, err := decodeAll(t, enc.fn(t, data), Options{})
				if err != nil {
					t.Fatal(err)
				}
				if len(warnings) > 0 {
					t.Errorf("warnings: %q", warnings)
				}
				if len(got) != tc.spans {
					t.Fatalf("got %d spans, want %d", len(got), tc.spans)
				}
				if w, ok := want[filepath.Dir(tc.file)]; ok {
					if diff := cmp.Diff(summarize(w), summarize(got)); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				}
			})
		}
	}
}

// TestDecodeUppercaseHexIDs: the OTLP spec's example has upper-case hex
// ids; they print as lower case.
func TestDecodeUppercaseHexIDs(t *testing.T) {
	got, _, err := decodeAll(t, conformanceFile(t, "otlp-proto-examples/trace.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d spans", len(got))
	}
	if got[0].TraceID.String() != "5b8efff798038103d269b633813fc60c" || got[0].SpanID.String() != "eee19b7ec3c1b174" {
		t.Errorf("ids %s %s", got[0].TraceID, got[0].SpanID)
	}
}

// spanSummary is what a user sees of a span: ids, service, name, times.
type spanSummary struct {
	Trace, Span, Parent, Service, Name string
	Start, End                         uint64
}

// summarize sorts spans into a canonical order (files hold the same spans
// in different batches).
func summarize(spans []dag.SpanData) []spanSummary {
	out := make([]spanSummary, len(spans))
	for i := range spans {
		s := &spans[i]
		out[i] = spanSummary{s.TraceID.String(), s.SpanID.String(), s.ParentSpanID.String(), s.Service(), s.Name, s.Start, s.End}
	}
	slices.SortFunc(out, func(a, b spanSummary) int { return strings.Compare(a.Trace+a.Span, b.Trace+b.Span) })
	return out
}

func TestDecodeFormats(t *testing.T) {
	a, b := genMessage(t, 1, "a", 5), genMessage(t, 2, "b", 7)
	want, wantA := summarize(oracleSpans(t, a, b)), summarize(oracleSpans(t, a))
	zenc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zenc.Close()
	for _, tc := range []struct {
		name string
		in   []byte
		opts Options
		want []spanSummary
	}{
		{"framed", frame(a, b), Options{}, want},
		{"framed, forced proto", frame(a, b), Options{Format: FormatProto}, want},
		{"unframed", a, Options{}, wantA},
		{"unframed, forced proto", a, Options{Format: FormatProto}, wantA},
		{"legacy per-message zstd", frame(zenc.EncodeAll(a, nil), zenc.EncodeAll(b, nil)), Options{}, want},
		{"mixed compressed and not", frame(a, zenc.EncodeAll(b, nil)), Options{}, want},
		{"whole-stream zstd, framed", zstdCompress(t, frame(a, b)), Options{}, want},
		{"whole-stream gzip, unframed", gzipCompress(t, a), Options{}, wantA},
		{"gzip in zstd", zstdCompress(t, gzipCompress(t, frame(a, b))), Options{}, want},
		{"empty frames", frame(nil, a, nil, b, nil), Options{}, want}, // with a warning; see TestDecodeWarnings
		{"concatenated gzip members", append(gzipCompress(t, frame(a)), gzipCompress(t, frame(b))...), Options{}, want},
		{"empty", nil, Options{}, nil},
		{"empty, forced json", nil, Options{Format: FormatJSON}, nil},
		{"white space", []byte(" \n\t\n"), Options{}, nil},
		{"empty zstd", zstdCompress(t, nil), Options{}, nil},
		{"empty gzip", gzipCompress(t, nil), Options{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings, err := decodeAll(t, tc.in, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 && tc.name != "empty frames" {
				t.Errorf("warnings %q", warnings)
			}
			if diff := cmp.Diff(tc.want, summarize(got), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeNewlineOrTag: 0x0A is JSON's newline and protobuf's
// resource_spans tag; 0x7B, '{', is a length of 123.
func TestDecodeNewlineOrTag(t *testing.T) {
	// A request whose first resource_spans is 123 bytes long.
	var msg []byte
	for pad := 0; pad < 200; pad++ {
		req := genRequest(1, "a", 0)
		req.ResourceSpans[0].Resource.Attributes = nil
		req.ResourceSpans[0].ScopeSpans[0].Spans = []*tracepb.Span{{Name: "x", TraceId: make([]byte, 16), SpanId: make([]byte, 8)}}
		req.ResourceSpans[0].SchemaUrl = strings.Repeat("s", pad)
		if msg = marshal(t, req); msg[1] == '{' {
			break
		}
	}
	if msg[1] != '{' {
		t.Fatal("no padding gives a length of 123")
	}
	for _, tc := range []struct {
		name  string
		in    []byte
		spans int
	}{
		{"protobuf", msg, 1},
		{"JSON after an empty line", []byte("\n{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"x\"}]}]}]}\n"), 1},
		{"pretty JSON after an empty line", []byte("\n{\n  \"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"name\": \"x\"}]}]}]\n}\n"), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := decodeAll(t, tc.in, Options{})
			if err != nil || len(got) != tc.spans {
				t.Errorf("got %d spans, error %v; want %d spans", len(got), err, tc.spans)
			}
		})
	}
}

// TestDecodeSkipsOtherSignals: a file exporter shared by several pipelines
// writes metrics and logs between the traces; they are skipped with one
// warning each, counted.
func TestDecodeSkipsOtherSignals(t *testing.T) {
	tr := genMessage(t, 1, "a", 5)
	in := frame(metricsMessage(t, false), tr, logsMessage(t), metricsMessage(t, true), tr)
	got, warnings, err := decodeAll(t, in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 {
		t.Errorf("got %d spans, want 10", len(got))
	}
	wantWarn := []string{
		"in: offset 4: skipped 1 logs message and 2 metrics messages (not traces)",
	}
	slices.Sort(wantWarn)
	if diff := cmp.Diff(wantWarn, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// TestDecodeWarnings: warnings come once per kind, with a count and the
// first place.
func TestDecodeWarnings(t *testing.T) {
	a := genMessage(t, 1, "a", 1)
	_, warnings, err := decodeAll(t, frame(nil, a, nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"in: offset 0: empty frame (length 0; zero padding?) (3 times in all)"}
	if diff := cmp.Diff(want, warnings); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestDecodeBadInput: every kind of bad input fails with an *Error naming
// the input and where it went bad, and nothing panics.
func TestDecodeBadInput(t *testing.T) {
	good := genMessage(t, 1, "a", 3)
	framed := frame(good, good)
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	garbage[0] = 0x9a // not a frame header, not a compression magic
	corruptZstd := zstdCompress(t, framed)
	corruptZstd[len(corruptZstd)/2] ^= 0xff
	corruptGzip := gzipCompress(t, framed)
	corruptGzip[len(corruptGzip)/2] ^= 0xff
	zenc, _ := zstd.NewWriter(nil)
	defer zenc.Close()
	badFrameZstd := zenc.EncodeAll(good, nil)
	badFrameZstd = badFrameZstd[:len(badFrameZstd)-5]

	for _, tc := range []struct {
		name string
		in   []byte
		opts Options
		want string // the error, or a prefix of it ending in ':' or '…'
	}{
		{"truncated last frame", framed[:len(framed)-10], Options{},
			"in: offset " + strconv.Itoa(4+len(good)) + ": truncated frame: its header says " + strconv.Itoa(len(good)) + " bytes, the input ends after " + strconv.Itoa(len(good)-10)},
		{"truncated header", append(frame(good), 0, 0), Options{},
			"in: offset " + strconv.Itoa(4+len(good)) + ": truncated frame header: 2 of 4 bytes, then end of input"},
		{"length 0xFFFFFFFF", append([]byte{0xff, 0xff, 0xff, 0xff}, good...), Options{Format: FormatProto},
			"in: offset 0: frame length 4294967295 is larger than the limit of 67108864 bytes (not a length-framed OTLP file, or raise the frame limit)"},
		{"length over the limit", append(frame(good), 0, 0x10, 0, 1), Options{MaxFrame: 1 << 20},
			"in: offset " + strconv.Itoa(4+len(good)) + ": frame length 1048577 is larger than the limit of 1048576 bytes…"},
		{"binary garbage", garbage, Options{}, "in: offset "},
		{"length 0xFFFFFFFF alone", []byte{0xff, 0xff, 0xff, 0xff}, Options{},
			"in: offset 0: frame length 4294967295 is larger than the limit of 67108864 bytes (not a length-framed OTLP file, or raise the frame limit)"},
		{"text", []byte("hello, wörld\nthis is not OTLP\n"), Options{}, "in: offset 0: not OTLP: neither JSON (it does not start with '{') nor protobuf"},
		{"JSON, not OTLP", []byte(`{"hello": "world"}`), Options{}, "in: line 1: not traces: a JSON object with members \"hello\"…"},
		{"invalid JSON on line 3", []byte("{}\n{}\n{\"resourceSpans\": [}\n"), Options{}, "in: line 3: "},
		{"JSON forced to proto", []byte(`{"resourceSpans": []}`), Options{Format: FormatProto}, "in: offset 0: the input is JSON, but the format was forced to protobuf"},
		{"corrupt zstd", corruptZstd, Options{}, "in: offset "},
		{"truncated zstd", zstdCompress(t, framed)[:40], Options{}, "in: offset "},
		{"corrupt gzip", corruptGzip, Options{}, "in: offset "},
		{"truncated gzip", gzipCompress(t, framed)[:30], Options{}, "in: offset "},
		{"gzip header only", []byte{0x1f, 0x8b}, Options{}, "in: offset 0: gzip header:"},
		{"corrupt zstd frame", frame(good, badFrameZstd), Options{}, "in: offset " + strconv.Itoa(4+len(good)) + ": zstd-compressed frame:"},
		{"bad message in frame", frame(good, good[:len(good)-1]), Options{}, "in: offset "},
		{"bad JSON in a zstd frame", frame(zenc.EncodeAll([]byte(`{"resourceSpans": [1]}`), nil)), Options{}, "in: offset 0: in the JSON message decompressed from this frame, at byte 19:"},
		{"unframed message over the limit", bytes.Repeat(good, 100), Options{MaxFrame: 1000}, "in: offset 0: input is not OTLP/JSON or length-framed protobuf, and as a single protobuf message it is larger than the limit of 1000 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeAll(t, tc.in, tc.opts)
			if err == nil {
				t.Fatal("no error")
			}
			var ie *Error
			if !errors.As(err, &ie) {
				t.Errorf("error %T (%v), want *Error", err, err)
			}
			got := err.Error()
			switch {
			case strings.HasSuffix(tc.want, "…"):
				if !strings.HasPrefix(got, strings.TrimSuffix(tc.want, "…")) {
					t.Errorf("error\n%s\nwant prefix\n%s", got, tc.want)
				}
			case strings.HasSuffix(tc.want, ": ") || strings.HasSuffix(tc.want, ":") || strings.HasSuffix(tc.want, "offset "):
				if !strings.HasPrefix(got, tc.want) {
					t.Errorf("error\n%s\nwant prefix\n%s", got, tc.want)
				}
			default:
				if got != tc.want {
					t.Errorf("error\n%s\nwant\n%s", got, tc.want)
				}
			}
		})
	}
}

// allocated returns the bytes allocated while fn runs.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDecodeBoundedMemory: a length header, a zstd frame or a whole
// stream that claims or expands to far more than the input holds costs
// memory in proportion to the input or the frame limit, never to the claim.
func TestDecodeBoundedMemory(t *testing.T) {
	const limit = 1 << 20
	zeros := make([]byte, 64<<20)
	zenc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zenc.Close()
	bomb := zenc.EncodeAll(zeros, nil)
	if len(bomb) > 64<<10 {
		t.Fatalf("bomb of %d bytes", len(bomb))
	}
	unframedBomb := gzipCompress(t, append([]byte{0x0a}, zeros...))
	for _, tc := range []struct {
		name string
		in   []byte
		opts Options
		want string
	}{
		{"header claims 64 MiB, 10 bytes follow", append([]byte{0x04, 0, 0, 0}, make([]byte, 10)...), Options{}, "truncated frame"},
		{"header claims 4 GiB", []byte{0xff, 0xff, 0xff, 0xff, 1}, Options{}, "in: offset 0: frame length 4294967295 is larger than the limit"},
		{"zstd frame bomb", frame(bomb), Options{MaxFrame: limit}, "decompressed message is larger than the limit of 1048576 bytes"},
		{"whole-stream zstd bomb", zstdCompress(t, append([]byte{0x00, 0x20, 0, 0}, zeros...)), Options{MaxFrame: limit}, "larger than the limit"},
		{"whole-stream gzip bomb, unframed", unframedBomb, Options{MaxFrame: limit}, "larger than the limit of 1048576 bytes"},
		{"whole-stream zstd bomb, JSON", zstdCompress(t, append([]byte("{\"resourceSpans\":"), bytes.Repeat([]byte(" "), 64<<20)...)), Options{MaxFrame: limit}, "larger than the limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, _, err = decodeAll(t, tc.in, tc.opts) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if n > 24<<20 {
				t.Errorf("allocated %d MiB", n>>20)
			}
		})
	}
}

// TestDecodeStreams: each batch is delivered as soon as its frame or line
// is complete, while the writer has not written the next one (as from
// `tail -f file | tracectl tree -`).
func TestDecodeStreams(t *testing.T) {
	a := genMessage(t, 1, "a", 2)
	jsonLine := []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"x"}]}]}]}` + "\n")
	for _, tc := range []struct {
		name  string
		chunk []byte
		wrap  func(io.Writer) (io.Writer, func() error, func() error)
	}{
		{"framed proto", frame(a), nil},
		{"JSON lines", jsonLine, nil},
		{"zstd framed proto", frame(a), func(w io.Writer) (io.Writer, func() error, func() error) {
			zw, _ := zstd.NewWriter(w)
			return zw, zw.Flush, zw.Close
		}},
		{"gzip JSON lines", jsonLine, func(w io.Writer) (io.Writer, func() error, func() error) {
			gw := gzip.NewWriter(w)
			return gw, gw.Flush, gw.Close
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			var w io.Writer = pw
			flush, closeW := func() error { return nil }, func() error { return nil }
			if tc.wrap != nil {
				w, flush, closeW = tc.wrap(pw)
			}
			batches := make(chan []dag.SpanData)
			done := make(chan error, 1)
			go func() {
				done <- Decode(pr, "pipe", Options{}, func(packed []dag.Span) error {
					b := dag.Unpack(packed)
					batches <- b
					return nil
				})
				close(batches)
			}()
			write := make(chan error, 1)
			for i := range 3 {
				go func() {
					_, err := w.Write(tc.chunk)
					if err == nil {
						err = flush()
					}
					write <- err
				}()
				if err := <-write; err != nil {
					t.Fatal(err)
				}
				select {
				case b := <-batches:
					if len(b) == 0 {
						t.Fatal("empty batch")
					}
				case err := <-done:
					t.Fatalf("Decode returned %v before batch %d", err, i)
				case <-time.After(20 * time.Second): // a hang guard, not a timing assertion
					t.Fatalf("batch %d not delivered while the writer waits", i)
				}
			}
			go func() {
				closeW() // the end of a compressed stream
				pw.Close()
			}()
			for range batches {
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := genMessage(t, 1, "a", 3), genMessage(t, 2, "b", 4)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pa := write("traces-1.pb", frame(a))
	write("traces-2.pb.zst", zstdCompress(t, frame(b, metricsMessage(t, false))))
	write("traces-3.pb.zst", zstdCompress(t, frame(zstdCompress(t, a)))) // per-message zstd inside a zstd stream
	pm := write("metrics.pb", frame(metricsMessage(t, false)))
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}

	var got []dag.SpanData
	var warnings []string
	var progress [][2]int64
	opts := Options{
		Warn:     func(s string) { warnings = append(warnings, s) },
		Progress: func(b, s int64) { progress = append(progress, [2]int64{b, s}) },
	}
	stdin := bytes.NewReader(frame(a))
	err := ReadFiles([]string{filepath.Join(dir, "traces-*"), "-", pm}, stdin, opts, func(packed []dag.Span) error {
		batch := dag.Unpack(packed)
		got = append(got, batch...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var services []string
	for i := range got {
		services = append(services, got[i].Service())
	}
	if want := []string{"a", "a", "a", "b", "b", "b", "b", "a", "a", "a", "a", "a", "a"}; !slices.Equal(services, want) {
		t.Errorf("services in order %v, want %v", services, want)
	}
	if len(warnings) != 1 || !strings.HasSuffix(warnings[0], "skipped 2 metrics messages (not traces)") {
		t.Errorf("warnings %q", warnings)
	}
	if len(progress) == 0 || progress[len(progress)-1][1] != 13 {
		t.Errorf("progress reports %v, want a last one with 13 spans", progress)
	}
	if last := progress[len(progress)-1][0]; last < int64(len(frame(a))) {
		t.Errorf("progress bytes %d", last)
	}
	_ = pa

	for _, tc := range []struct {
		name   string
		inputs []string
		want   string
	}{
		{"no match", []string{pa, filepath.Join(dir, "nothing-*.json")}, filepath.Join(dir, "nothing-*.json") + ": no files match this pattern"},
		{"missing", []string{filepath.Join(dir, "missing.json")}, filepath.Join(dir, "missing.json") + ": no such file or directory"},
		{"directory", []string{filepath.Join(dir, "sub")}, filepath.Join(dir, "sub") + ": is a directory (give the files in it, e.g. DIR/*.json)"},
		{"bad pattern", []string{filepath.Join(dir, "[")}, filepath.Join(dir, "[") + ": bad glob pattern: syntax error in pattern"},
		{"only directories match", []string{filepath.Join(dir, "su*")}, filepath.Join(dir, "su*") + ": no files match this pattern"},
		{"no stdin", []string{"-"}, "stdin: no standard input to read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			err := ReadFiles(tc.inputs, nil, Options{}, func([]dag.Span) error { called = true; return nil })
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %s", err, tc.want)
			}
			if called {
				t.Error("read before every input was checked")
			}
		})
	}

	// An error from fn stops reading and comes back as it is.
	stop := errors.New("stop")
	if err := ReadFiles([]string{pa}, nil, Options{}, func([]dag.Span) error { return stop }); err != stop {
		t.Errorf("error %v, want fn's", err)
	}
}

// TestReadFilesConformance reads every conformance file in one call, as
// `tracectl ls` would, with spans of one trace spread over files.
func TestReadFilesConformance(t *testing.T) {
	var paths []string
	total := 0
	for _, tc := range conformanceCases {
		conformanceFile(t, tc.file) // skips when absent
		paths = append(paths, filepath.Join(conformanceDir, tc.file))
		total += tc.spans
	}
	got := 0
	var warnings []string
	err := ReadFiles(paths, nil, Options{Warn: func(s string) { warnings = append(warnings, s) }}, func(packed []dag.Span) error {
		b := dag.Unpack(packed)
		got += len(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != total || len(warnings) > 0 {
		t.Errorf("got %d spans, want %d; warnings %q", got, total, warnings)
	}
	// The same through a glob.
	got = 0
	if err := ReadFiles([]string{filepath.Join(conformanceDir, "otelcol-fileexporter", "traces*")}, nil, Options{}, func(packed []dag.Span) error {
		b := dag.Unpack(packed)
		got += len(b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got != 4*145 {
		t.Errorf("glob: got %d spans, want %d", got, 4*145)
	}
}

func TestTiles(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want bool
	}{
		{frame([]byte("ab"), nil, []byte("c")), true},
		{nil, true},
		{frame([]byte("ab"))[:5], false},
		{append(frame([]byte("ab")), 0), false},
		{[]byte{0xff, 0xff, 0xff, 0xff}, false},
	} {
		if got := tiles(tc.in, 100); got != tc.want {
			t.Errorf("tiles(%x) = %v", tc.in, got)
		}
	}
}
