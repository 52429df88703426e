package emit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/testing/protocmp"
)

// richSpans makes spans that use every attribute type, events, links,
// statuses and trace state.
func richSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	c := &collector{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(benchResource()), sdktrace.WithSpanProcessor(c))
	tracer := tp.Tracer("rich", trace.WithInstrumentationVersion("1.2.3"),
		trace.WithInstrumentationAttributes(attribute.String("scope.attr", "x")))
	ts, err := trace.ParseTraceState("vendor=abc")
	if err != nil {
		t.Fatal(err)
	}
	ctx := trace.ContextWithSpanContext(context.Background(), trace.SpanContext{}.WithTraceState(ts))
	ctx, root := tracer.Start(ctx, "root \"quoted\" <html> & \u00e9\t\x01", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.Bool("b", true), attribute.Int64("i", math.MinInt64), attribute.Float64("f", 1.5),
			attribute.Float64("nan", math.NaN()), attribute.Float64("inf", math.Inf(-1)),
			attribute.String("s", "line\nbreak \\ \u2028"), attribute.String("bad-utf8", "a\xffb"),
			attribute.BoolSlice("bs", []bool{true, false}), attribute.Int64Slice("is", []int64{1, -2}),
			attribute.Float64Slice("fs", []float64{0.25}), attribute.StringSlice("ss", []string{"a", ""}),
			attribute.KeyValue{Key: "bytes", Value: attribute.ByteSliceValue([]byte{0, 1, 254})},
			attribute.KeyValue{Key: "map", Value: attribute.MapValue(attribute.String("k", "v"))},
		))
	root.AddEvent("ev", trace.WithAttributes(attribute.Int("n", 3)))
	_, child := tracer.Start(ctx, "child", trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithLinks(trace.Link{SpanContext: root.SpanContext(), Attributes: []attribute.KeyValue{attribute.String("l", "1")}}))
	child.SetStatus(codes.Error, "boom")
	child.End()
	root.SetStatus(codes.Ok, "")
	root.End()
	return c.spans
}

// TestJSONLinesRoundTrip: what AppendRequestJSON writes, read back the OTLP
// way (hex ids) through protojson, is the request it was made from.
func TestJSONLinesRoundTrip(t *testing.T) {
	spans := richSpans(t)
	want := &coltracepb.ExportTraceServiceRequest{ResourceSpans: ToResourceSpans(spans)}
	line := AppendRequestJSON(nil, want.ResourceSpans)
	if !json.Valid(line) {
		t.Fatalf("invalid JSON: %s", line)
	}
	reqs := decodeLines(t, line)
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	// Invalid UTF-8 cannot survive JSON (it becomes U+FFFD); everything
	// else must.
	for _, s := range want.ResourceSpans[0].ScopeSpans[0].Spans {
		for _, kv := range s.Attributes {
			if kv.Key == "bad-utf8" {
				kv.Value = &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "a\ufffdb"}}
			}
		}
	}
	got := reqs[0]
	opts := []cmp.Option{protocmp.Transform(), cmp.Comparer(func(a, b float64) bool {
		return a == b || (math.IsNaN(a) && math.IsNaN(b))
	})}
	if diff := cmp.Diff(want, got, opts...); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// The shape the Collector writes: hex ids, 64-bit times as strings,
	// kind as an integer, status always present.
	for _, frag := range []string{`"traceId":"`, `"startTimeUnixNano":"`, `"kind":2`, `"status":{"code":1}`, `"status":{"message":"boom","code":2}`, `"traceState":"vendor=abc"`, `"intValue":"-9223372036854775808"`, `"doubleValue":"NaN"`, `"bytesValue":"AAH+"`} {
		if !bytes.Contains(line, []byte(frag)) {
			t.Errorf("output lacks %s", frag)
		}
	}
}

func TestJSONLExporterWriteError(t *testing.T) {
	lw := NewLineWriter(failingWriter{})
	exp := NewJSONLExporter(lw)
	// The buffer absorbs small writes; the error surfaces at the latest on Flush.
	_ = exp.ExportSpans(context.Background(), richSpans(t))
	if err := lw.Flush(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Flush error = %v, want the writer's", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
