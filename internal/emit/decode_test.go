package emit

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// decodeLines reads OTLP JSON lines the way the OTLP spec says to: ids are
// hex. protojson would take them for base64, so the ids are rewritten to
// base64 first and everything else is left to protojson, which also checks
// that every other field is spelled and typed as OTLP/JSON requires.
func decodeLines(t testing.TB, data []byte) []*coltracepb.ExportTraceServiceRequest {
	t.Helper()
	var out []*coltracepb.ExportTraceServiceRequest
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		req, err := decodeRequest(sc.Bytes())
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		out = append(out, req)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func decodeRequest(b []byte) (*coltracepb.ExportTraceServiceRequest, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if err := hexIDsToBase64(v); err != nil {
		return nil, err
	}
	fixed, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	req := &coltracepb.ExportTraceServiceRequest{}
	if err := protojson.Unmarshal(fixed, req); err != nil {
		return nil, err
	}
	return req, nil
}

func hexIDsToBase64(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "traceId", "spanId", "parentSpanId":
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("%s is %T, want a string", k, e)
				}
				raw, err := hex.DecodeString(s)
				if err != nil {
					return fmt.Errorf("%s %q is not hex: %w", k, s, err)
				}
				x[k] = base64.StdEncoding.EncodeToString(raw)
			default:
				if err := hexIDsToBase64(e); err != nil {
					return err
				}
			}
		}
	case []any:
		for _, e := range x {
			if err := hexIDsToBase64(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// flatSpan is a span with the service that emitted it.
type flatSpan struct {
	service string
	*tracepb.Span
}

func flatten(reqs []*coltracepb.ExportTraceServiceRequest) []flatSpan {
	var out []flatSpan
	for _, req := range reqs {
		for _, rs := range req.ResourceSpans {
			svc := stringAttr(rs.GetResource().GetAttributes(), "service.name")
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					out = append(out, flatSpan{service: svc, Span: s})
				}
			}
		}
	}
	return out
}

func findAttr(kvs []*commonpb.KeyValue, key string) (*commonpb.AnyValue, bool) {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

func stringAttr(kvs []*commonpb.KeyValue, key string) string {
	v, _ := findAttr(kvs, key)
	return v.GetStringValue()
}

// TestDecodeLinesReadsCollectorOutput checks the test decoder itself on what
// a real Collector wrote, so the assertions built on it mean something.
func TestDecodeLinesReadsCollectorOutput(t *testing.T) {
	data := readConformance(t, "otelcol-fileexporter/traces.json")
	spans := flatten(decodeLines(t, data))
	if len(spans) != 145 {
		t.Fatalf("decoded %d spans, want 145 (PROVENANCE.md)", len(spans))
	}
	if got := hex.EncodeToString(spans[0].TraceId); got != "877de1cadc7d4887d22eaf84a06cdf8f" {
		t.Errorf("first trace id = %s", got)
	}
}
