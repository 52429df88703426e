package ingest

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// TestTimesAboveInt64Max: times are fixed64 on the wire (DESIGN §2), so a
// time above the int64 maximum is valid and reads the same from JSON
// (string or number) and from protobuf, never wrapping negative.
func TestTimesAboveInt64Max(t *testing.T) {
	const (
		start = uint64(11651379494000000000)
		end   = uint64(11651379494838206464)
		event = uint64(math.MaxUint64)
	)
	traceID, spanID := mustTraceID(t, tid), mustSpanID(t, sid)
	req := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
			TraceId: traceID[:], SpanId: spanID[:], Name: "op",
			StartTimeUnixNano: start, EndTimeUnixNano: end,
			Events: []*tracepb.Span_Event{{Name: "e", TimeUnixNano: event}},
		}}}},
	}}}
	inputs := map[string][]byte{
		"proto":        marshal(t, req),
		"framed proto": frame(marshal(t, req)),
		"json strings": []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"` + tid + `","spanId":"` + sid +
			`","name":"op","startTimeUnixNano":"11651379494000000000","endTimeUnixNano":"11651379494838206464",` +
			`"events":[{"name":"e","timeUnixNano":"18446744073709551615"}]}]}]}]}`),
		"json numbers": []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"` + tid + `","spanId":"` + sid +
			`","name":"op","startTimeUnixNano":11651379494000000000,"endTimeUnixNano":11651379494838206464,` +
			`"events":[{"name":"e","timeUnixNano":18446744073709551615}]}]}]}]}`),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			spans, _, err := decodeAll(t, in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(spans) != 1 {
				t.Fatalf("got %d spans, want 1", len(spans))
			}
			s := spans[0]
			got := []uint64{s.Start, s.End, s.Events[0].Time}
			if diff := cmp.Diff([]uint64{start, end, event}, got); diff != "" {
				t.Errorf("times (-want +got):\n%s", diff)
			}
			if d := s.Duration(); d != int64(end-start) {
				t.Errorf("Duration = %d, want %d", d, end-start)
			}
		})
	}
}
