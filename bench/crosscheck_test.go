package bench

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tracectl/tracectl/bench/internal/dataset"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestCrossCheck decodes a generated dataset with tracectl and with the
// Collector's pdata and requires the same spans, field by field: ids, times,
// names, kind, flags, trace state, status, attributes with their types,
// events, links, resource (service, attributes, schema URL) and scope. The
// edge-case variant adds bytes, nested maps and arrays, empty values, NaN and
// ±Inf, strings that need escapes, several resources per request and more.
func TestCrossCheck(t *testing.T) {
	for _, edge := range []bool{false, true} {
		ds, err := dataset.Generate(dataset.Config{Spans: 6000, Seed: 3, EdgeCases: edge})
		if err != nil {
			t.Fatal(err)
		}
		formats := []struct {
			name   string
			format ingest.Format
			msgs   [][]byte
			file   []byte
			pdata  ptrace.Unmarshaler
			decode func([]byte) ([]dag.Span, error)
		}{
			{"proto", ingest.FormatProto, ds.Proto, ds.FramedProto(), &ptrace.ProtoUnmarshaler{}, tracectlProto},
			{"json", ingest.FormatJSON, ds.JSON, ds.JSONLines(), &ptrace.JSONUnmarshaler{}, tracectlJSON},
		}
		for _, f := range formats {
			t.Run(fmt.Sprintf("%s/edge=%v", f.name, edge), func(t *testing.T) {
				var want []flatSpan
				wantPer := make([][]flatSpan, len(f.msgs))
				for i, m := range f.msgs {
					td, err := f.pdata.UnmarshalTraces(m)
					if err != nil {
						t.Fatalf("pdata, request %d: %v", i, err)
					}
					wantPer[i] = flattenPdata(td)
					want = append(want, wantPer[i]...)
				}
				t.Run("message", func(t *testing.T) {
					if f.decode == nil {
						t.Skip("tracectl's per-message decoder is not wired in yet")
					}
					var got []flatSpan
					for i, m := range f.msgs {
						spans, err := f.decode(m)
						if err != nil {
							t.Fatalf("request %d: %v", i, err)
						}
						got = append(got, flattenDag(spans)...)
					}
					compareSpans(t, want, got)
				})
				// The whole file through the streaming reader: with the
				// format forced, and sniffed from a reader that hands out
				// odd-sized chunks (frames and JSON objects split anywhere).
				for _, sc := range []struct {
					name   string
					format ingest.Format
					chunks bool
				}{{"stream", f.format, false}, {"stream/auto+chunked", ingest.FormatAuto, true}} {
					t.Run(sc.name, func(t *testing.T) {
						if tracectlStream == nil {
							t.Skip("tracectl's streaming reader is not wired in yet")
						}
						var r io.Reader = bytes.NewReader(f.file)
						if sc.chunks {
							r = &chunkReader{data: f.file, rng: rand.New(rand.NewPCG(1, 2))}
						}
						var got []flatSpan
						err := tracectlStream(r, sc.format, func(spans []dag.Span) error {
							got = append(got, flattenDag(spans)...)
							return nil
						})
						if err != nil {
							t.Fatal(err)
						}
						compareSpans(t, want, got)
					})
				}
			})
		}
	}
}

// compareSpans reports the first few differing spans (the diffs are long)
// and how many differ in all.
func compareSpans(t *testing.T, want, got []flatSpan) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%d spans, want %d", len(got), len(want))
	}
	bad, shown := 0, 0
	fields := map[string]int{}
	for i := range min(len(want), len(got)) {
		if reflect.DeepEqual(want[i], got[i]) {
			continue
		}
		d := cmp.Diff(want[i], got[i])
		bad++
		for _, line := range strings.Split(d, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "-") {
				fields[fieldOf(line)]++
			}
		}
		if shown < 3 {
			shown++
			t.Errorf("span %d (trace %s span %s) differs (-pdata +tracectl):\n%s", i, want[i].TraceID, want[i].SpanID, d)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d spans differ; differing lines by field: %v", bad, len(want), fields)
	}
}

// fieldOf names the field of a cmp.Diff line ("Attrs", "Events", ...), for
// a summary of which fields go wrong.
func fieldOf(line string) string {
	s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "-"))
	if i := strings.IndexAny(s, ":{"); i > 0 {
		return s[:i]
	}
	return s
}

// chunkReader returns data in chunks of 1 to 3000 bytes.
type chunkReader struct {
	data []byte
	rng  *rand.Rand
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(r.data), 1+r.rng.IntN(3000))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}
