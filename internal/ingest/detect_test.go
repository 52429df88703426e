package ingest

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// jsonLookingRequest returns a request whose first ResourceSpans is 123
// bytes long, so its encoding starts 0A 7B: "\n{", like JSON text.
func jsonLookingRequest(t *testing.T) *coltracepb.ExportTraceServiceRequest {
	t.Helper()
	for n := 0; n < 120; n++ {
		req := genRequest(5, "svc", 1)
		rs := req.ResourceSpans[0]
		rs.Resource = nil
		rs.ScopeSpans[0].Scope = nil
		sp := rs.ScopeSpans[0].Spans[0]
		sp.Attributes, sp.Events, sp.Links, sp.TraceState = nil, nil, nil, ""
		sp.Name = strings.Repeat("n", n)
		if proto.Size(rs) == 123 {
			req.ResourceSpans = append(req.ResourceSpans, genRequest(6, "other", 2).ResourceSpans...)
			return req
		}
	}
	t.Fatal("cannot size a ResourceSpans to 123 bytes")
	return nil
}

// TestDetectProtoThatLooksLikeJSON: a valid protobuf message whose first
// bytes look like JSON is read as protobuf, framed (the file exporter's
// format, and what `receive --out-format proto` writes) or not.
func TestDetectProtoThatLooksLikeJSON(t *testing.T) {
	req := jsonLookingRequest(t)
	msg := marshal(t, req)
	if !bytes.HasPrefix(msg, []byte("\n{")) {
		t.Fatalf("message starts % x, want 0a 7b", msg[:2])
	}
	want := oracleSpans(t, msg)

	for name, in := range map[string][]byte{
		"unframed": msg,
		// receive --out-format proto writes a protobuf body received so.
		"framed":              frame(msg, msg),
		"framed, zstd inside": frame(zstdCompress(t, msg)),
	} {
		t.Run(name, func(t *testing.T) {
			got, _, err := decodeAll(t, in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) < len(want) {
				t.Fatalf("got %d spans, want at least %d", len(got), len(want))
			}
			if diff := cmp.Diff(want, got[:len(want)], protoCmp); diff != "" {
				t.Errorf("spans (-want +got):\n%s", diff)
			}
		})
	}

	// A broken JSON message in a frame is still reported as JSON.
	_, _, err := decodeAll(t, frame([]byte(`{"resourceSpans":[}`)), Options{})
	if err == nil || !strings.Contains(err.Error(), "in the JSON message of this frame") {
		t.Errorf("error = %v, want the JSON error", err)
	}
}

// TestBrokenProtoIsNotMetrics: detecting metrics and logs is positive.
// A broken trace message whose spans have no timestamps (so every field is
// length-delimited, like a metric's) is bad input, not skipped metrics.
func TestBrokenProtoIsNotMetrics(t *testing.T) {
	req := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strKV("service.name", "svc")}},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
			TraceId: make([]byte, 16), SpanId: make([]byte, 8), Name: "op", TraceState: "a=b",
		}}}},
	}}}
	good := marshal(t, req)
	// Break the resource: its attribute's key claims more bytes than there are.
	var res []byte
	res = protowire.AppendTag(res, 1, protowire.BytesType)
	res = protowire.AppendBytes(res, []byte{0x0a, 0x7f, 'k'})
	var rs []byte
	rs = protowire.AppendTag(rs, 1, protowire.BytesType)
	rs = protowire.AppendBytes(rs, res)
	var scope []byte
	protoRS := req.ResourceSpans[0]
	protoRS.Resource = nil
	scope = append(scope, marshal(t, protoRS)...)
	var broken []byte
	broken = protowire.AppendTag(broken, 1, protowire.BytesType)
	broken = protowire.AppendBytes(broken, append(rs, scope...))

	for name, in := range map[string][]byte{"unframed": broken, "framed": frame(good, broken)} {
		t.Run(name, func(t *testing.T) {
			_, warnings, err := decodeAll(t, in, Options{})
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("error = %v (warnings %q), want an input error", err, warnings)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings = %q, want none", warnings)
			}
		})
	}
	// and the real thing is still skipped
	d := &protoDecoder{n: new(notices), name: "in.pb"}
	if got, err := d.decodeMessage(metricsMessage(t, true), nil); err != nil || len(got) != 0 {
		t.Errorf("metrics: %d spans, %v", len(got), err)
	}
}
