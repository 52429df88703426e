package bench

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/tracectl/tracectl/bench/internal/dataset"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestConvertReadByPdata: what `tracectl convert --to otlp-json` and
// `--to otlp-proto` write (ingest.Writer), read back by the Collector's own
// pdata unmarshalers, has every span, id, time, attribute (with its type),
// event, link, status, resource and scope of the input, field by field.
func TestConvertReadByPdata(t *testing.T) {
	for _, edge := range []bool{false, true} {
		ds, err := dataset.Generate(dataset.Config{Spans: 3000, Seed: 11, EdgeCases: edge})
		if err != nil {
			t.Fatal(err)
		}
		var in [][]dag.Span
		var want []flatSpan
		for i, m := range ds.Proto {
			spans, err := tracectlProto(m)
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			in = append(in, spans)
			want = append(want, flattenDag(spans)...)
		}
		for _, f := range []struct {
			format ingest.OutputFormat
			pdata  ptrace.Unmarshaler
			split  func([]byte) [][]byte
		}{
			{ingest.OutputOTLPJSON, &ptrace.JSONUnmarshaler{}, func(b []byte) [][]byte { return bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) }},
			{ingest.OutputOTLPProto, &ptrace.ProtoUnmarshaler{}, splitFrames},
		} {
			t.Run(fmt.Sprintf("%s/edge=%v", f.format, edge), func(t *testing.T) {
				var out bytes.Buffer
				w := ingest.NewWriter(&out, f.format)
				for _, b := range in {
					if err := w.Write(b); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				var got []flatSpan
				for i, msg := range f.split(out.Bytes()) {
					td, err := f.pdata.UnmarshalTraces(msg)
					if err != nil {
						t.Fatalf("pdata, message %d: %v", i, err)
					}
					got = append(got, flattenPdata(td)...)
				}
				compareSpans(t, want, got)
			})
		}
	}
}

func splitFrames(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 4 {
		n := binary.BigEndian.Uint32(b)
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	return out
}
