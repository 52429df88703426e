package ingest

import (
	"bytes"
	"errors"
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

// FuzzDecodeJSONMessage checks that no input panics or hangs the decoder,
// that errors point inside the input, and that the streaming reader, fed one
// byte at a time (so every token is split across refills), agrees with the
// whole-message decoder, and so does Decode cutting it into chunks.
func FuzzDecodeJSONMessage(f *testing.F) {
	for _, rel := range []string{"otlp-proto-examples/trace.json", "telemetrygen/traces.jsonl", "otelcol-fileexporter/traces.json",
		"jaeger-ui-tracestats/testTrace.json", "jaeger-ui/otlp2jaeger-out.json", "jaeger-ui/TraceFlamegraph/testTrace.json"} {
		data, err := os.ReadFile(filepath.Join(conformanceDir, filepath.FromSlash(rel)))
		if err != nil {
			continue // seeds only; the fuzz target works without them
		}
		// One request per seed keeps the seeds small.
		for i, line := range bytes.Split(data, []byte("\n")) {
			if i < 3 && len(bytes.TrimSpace(line)) > 0 {
				f.Add(line)
			}
		}
		if !bytes.Contains(data[:len(data)-1], []byte("}\n{")) {
			f.Add(data) // a pretty-printed file: the whole object
		}
	}
	f.Add([]byte(zipkinRPC))
	for _, s := range []string{
		inRequest(spanWith(`"kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_ERROR","message":"\ud83d\ude00\n"}`)),
		inRequest(spanWith(`"attributes":[{"key":"a","value":{"arrayValue":{"values":[{"kvlistValue":{"values":[{"key":"x","value":{"doubleValue":"NaN"}}]}}]}}}]`)),
		inRequest(`{"traceId":"W47/95gDgQPSabYzgT/GDA==","spanId":"7uGbfsPBsXQ=","startTimeUnixNano":1e3}`),
		inRequest(`{"traceId":"0000000000000001","spanId":"span-1","parentSpanId":"","kind":"3","status":{"code":"2"},"startTimeUnixNano":"18446744073709551615"}`),
		`{"resourceMetrics":[]}` + "\n" + `{"resource_spans":[{"scope_spans":[{"spans":[{"name":"x","events":[{"time_unix_nano":"1"}]}]}]}]}`,
		`{"x":[[[[{"y":[]}]]]],"resourceSpans":[]}`,
		"\xef\xbb\xbf{\"resourceSpans\":null}",
		`{"foo":1}`,
		`[1,2]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var n notices
		spans, err := decodeJSONMessage(data, nil, &n, "fuzz")
		if err != nil {
			var je *jsonError
			if !errors.As(err, &je) {
				t.Fatalf("error %v is %T, not *jsonError", err, err)
			}
			if je.Offset < 0 || je.Offset > len(data) {
				t.Fatalf("offset %d outside the %d-byte input: %v", je.Offset, len(data), err)
			}
		}
		var streamed []dag.SpanData
		serr := readJSONStream(iotest.OneByteReader(bytes.NewReader(data)), "fuzz", len(data)+1, nil, func(b []dag.SpanData) error {
			streamed = append(streamed, b...)
			return nil
		})
		if serr != nil {
			var e *Error
			if !errors.As(serr, &e) || e.Line < 1 || e.Line > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("stream error %v: want an *Error with a line inside the input", serr)
			}
		}
		// Cut into chunks of a few lines on several workers, as the
		// sequential reader, warnings and errors included.
		seq := decodeJSONLines(t, bytes.NewReader(data), 1, 0)
		par := decodeJSONLines(t, bytes.NewReader(data), 3, 64)
		if !reflect.DeepEqual(seq.batches, par.batches) {
			if diff := cmp.Diff(seq.batches, par.batches, cmpSpans); diff != "" {
				t.Fatalf("chunks differ (-sequential +parallel):\n%s", diff)
			}
		}
		if seq.err != par.err || !slices.Equal(seq.warnings, par.warnings) {
			t.Fatalf("chunks: error %q, warnings %q; sequential %q, %q", par.err, par.warnings, seq.err, seq.warnings)
		}
		switch {
		case err == nil && serr != nil:
			t.Fatalf("message decodes, stream fails: %v", serr)
		case err != nil && serr == nil && !strings.Contains(err.Error(), "no JSON object"):
			t.Fatalf("stream decodes, message fails: %v", err)
		case err == nil:
			if diff := cmp.Diff(spans, streamed, cmpSpans); diff != "" {
				t.Fatalf("stream differs from message (-message +stream):\n%s", diff)
			}
		}
	})
}
