package ingest

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/tracectl/tracectl/internal/dag"
)

func marshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// conformanceMessages returns the messages of a length-framed conformance
// file, decompressing the file exporter's per-message zstd.
func conformanceMessages(t testing.TB, name string) [][]byte {
	t.Helper()
	msgs := splitFrames(t, conformanceFile(t, name))
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for i, m := range msgs {
		if strings.HasPrefix(string(m), string(zstdMagic)) {
			if msgs[i], err = dec.DecodeAll(m, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	return msgs
}

// TestDecodeProtoConformance decodes protobuf written by the Collector and
// by telemetrygen, message by message, and compares every field with what
// the reference library (proto.Unmarshal into the generated OTLP types)
// reads from the same bytes.
func TestDecodeProtoConformance(t *testing.T) {
	for _, tc := range []struct {
		file  string
		spans int
	}{
		{"telemetrygen/traces.pb", 80},
		{"otelcol-fileexporter/traces.pb", 145},
		{"otelcol-fileexporter/traces-zstd.pb", 145},
	} {
		t.Run(tc.file, func(t *testing.T) {
			msgs := conformanceMessages(t, tc.file)
			var got []dag.SpanData
			for i, m := range msgs {
				var err error
				packed, err := DecodeProto(m, nil)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				got = append(got, dag.Unpack(packed)...)
			}
			if len(got) != tc.spans {
				t.Errorf("got %d spans, want %d", len(got), tc.spans)
			}
			if diff := cmp.Diff(oracleSpans(t, msgs...), got, protoCmp); diff != "" {
				t.Errorf("spans differ from proto.Unmarshal's (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeProtoGenerated compares realistic generated requests with the
// reference library's reading, field by field.
func TestDecodeProtoGenerated(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkOracle(t, genMessage(t, seed, "cart", 1+int(seed)*37)) })
	}
}

// TestDecodeProtoNoAliasing checks that decoded strings do not point into
// the message: the caller may reuse its buffer.
func TestDecodeProtoNoAliasing(t *testing.T) {
	msg := genMessage(t, 1, "cart", 20)
	want := oracleSpans(t, msg)
	got, err := DecodeProto(msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range msg {
		msg[i] = 0xff
	}
	if diff := cmp.Diff(want, dag.Unpack(got), protoCmp); diff != "" {
		t.Errorf("spans changed with the input buffer (-want +got):\n%s", diff)
	}
}

// TestDecodeProtoAppends checks that spans are appended to dst and that
// lists of neighbouring spans do not share capacity.
func TestDecodeProtoAppends(t *testing.T) {
	first, err := DecodeProto(genMessage(t, 1, "a", 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeProto(genMessage(t, 2, "b", 4), first)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 || got[0].Service() != "a" || got[6].Service() != "b" {
		t.Fatalf("got %d spans, services %s..%s", len(got), got[0].Service(), got[len(got)-1].Service())
	}
	before := got[1].AttrAt(0)
	_ = append(got[0].AttrList(), dag.Attr{Key: "x"})
	_ = append(got[0].Resource().Attrs, dag.Attr{Key: "x"})
	if got[1].AttrAt(0) != before {
		t.Error("appending to one span's attributes overwrote the next span's")
	}
}

func TestDecodeProtoValues(t *testing.T) {
	any := func(v *commonpb.AnyValue) []*commonpb.KeyValue { return []*commonpb.KeyValue{{Key: "k", Value: v}} }
	nested := &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{
		{Value: &commonpb.AnyValue_StringValue{StringValue: "s"}},
		{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{
			{Key: "n", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: -1}}},
			{Key: "empty"},
		}}}},
		{},
	}}}}
	for name, attrs := range map[string][]*commonpb.KeyValue{
		"string":    any(&commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "héllo"}}),
		"long":      any(&commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: strings.Repeat("x", 10000)}}),
		"bool":      any(&commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: true}}),
		"int":       any(&commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: math.MinInt64}}),
		"double":    any(&commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: math.Inf(-1)}}),
		"bytes":     any(&commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte{0, 1, 2, 0xff}}}),
		"nested":    any(nested),
		"empty":     any(&commonpb.AnyValue{}),
		"no value":  {{Key: "k"}},
		"no key":    {{Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "v"}}}},
		"none":      nil,
		"empty str": any(&commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{}}),
	} {
		t.Run(name, func(t *testing.T) {
			req := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
				Resource: &resourcepb.Resource{Attributes: attrs},
				ScopeSpans: []*tracepb.ScopeSpans{{
					Scope: &commonpb.InstrumentationScope{Name: "s", Attributes: attrs},
					Spans: []*tracepb.Span{{
						TraceId: make([]byte, 16), SpanId: make([]byte, 8), Attributes: attrs,
						Events: []*tracepb.Span_Event{{Name: "e", Attributes: attrs}},
						Links:  []*tracepb.Span_Link{{TraceId: make([]byte, 16), SpanId: make([]byte, 8), Attributes: attrs, Flags: 3, TraceState: "a=b"}},
					}},
				}},
			}}}
			checkOracle(t, marshal(t, req))
		})
	}
}

// checkOracle decodes msg with DecodeProto, and with the generated types
// as the oracle: the spans must be the same.
func checkOracle(t *testing.T, msg []byte) {
	t.Helper()
	got, err := DecodeProto(msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(oracleSpans(t, msg), dag.Unpack(got), protoCmp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestDecodeProtoShapes covers the structure: several resources and scopes,
// missing resource or scope, every span field, TracesData.
func TestDecodeProtoShapes(t *testing.T) {
	span := func(name string) *tracepb.Span {
		return &tracepb.Span{
			TraceId: []byte("0123456789abcdef"), SpanId: []byte("spanid01"), ParentSpanId: []byte("parent01"),
			TraceState: "k=v", Name: name, Kind: tracepb.Span_SPAN_KIND_CONSUMER,
			StartTimeUnixNano: 1, EndTimeUnixNano: math.MaxUint64, Flags: 0x301,
			DroppedAttributesCount: 2, DroppedEventsCount: 3, DroppedLinksCount: 4,
			Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK, Message: "fine"},
		}
	}
	for name, req := range map[string]*coltracepb.ExportTraceServiceRequest{
		"empty":          {},
		"empty resource": {ResourceSpans: []*tracepb.ResourceSpans{{}}},
		"no resource no scope": {ResourceSpans: []*tracepb.ResourceSpans{{
			ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{span("a"), span("b")}}},
		}}},
		"several": {ResourceSpans: []*tracepb.ResourceSpans{
			{
				Resource:   &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strKV("service.name", "one")}},
				ScopeSpans: []*tracepb.ScopeSpans{{Scope: &commonpb.InstrumentationScope{Name: "s1", Version: "v1"}, Spans: []*tracepb.Span{span("a")}}, {Spans: []*tracepb.Span{span("b"), span("c")}}},
				SchemaUrl:  "https://opentelemetry.io/schemas/1.0.0",
			},
			{
				Resource:   &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strKV("service.name", "two"), intKV("n", 1)}, DroppedAttributesCount: 1},
				ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{span("d")}}},
			},
		}},
		"service.name not a string": {ResourceSpans: []*tracepb.ResourceSpans{{
			Resource:   &resourcepb.Resource{Attributes: []*commonpb.KeyValue{intKV("service.name", 7)}},
			ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{span("a")}}},
		}}},
	} {
		t.Run(name, func(t *testing.T) {
			checkOracle(t, marshal(t, req))
		})
	}
}

// TestDecodeProtoWire covers wire-level cases the generated code does not
// write: unknown fields everywhere, fields out of order and repeated
// (merged, as proto3 merges them), the old instrumentation_library_spans.
func TestDecodeProtoWire(t *testing.T) {
	kv := func(k, v string) []byte {
		val := protowire.AppendTag(nil, 1, protowire.BytesType)
		val = protowire.AppendString(val, v)
		b := protowire.AppendTag(nil, 1, protowire.BytesType)
		b = protowire.AppendString(b, k)
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		return protowire.AppendBytes(b, val)
	}
	field := func(b []byte, num protowire.Number, payload []byte) []byte {
		b = protowire.AppendTag(b, num, protowire.BytesType)
		return protowire.AppendBytes(b, payload)
	}
	unknown := func(b []byte) []byte {
		b = protowire.AppendTag(b, 99, protowire.VarintType)
		b = protowire.AppendVarint(b, 12345)
		b = protowire.AppendTag(b, 98, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, 1)
		b = protowire.AppendTag(b, 97, protowire.StartGroupType)
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, 1)
		b = protowire.AppendTag(b, 97, protowire.EndGroupType)
		return field(b, 96, []byte("opaque"))
	}
	var sp []byte
	sp = unknown(sp)
	sp = field(sp, 9, kv("a", "1"))
	sp = field(sp, 5, []byte("name"))
	sp = field(sp, 11, field(unknown(nil), 2, []byte("ev"))) // event between attributes
	sp = field(sp, 9, kv("b", "2"))
	sp = field(sp, 2, []byte("spanid01"))
	sp = field(sp, 1, []byte("0123456789abcdef"))
	sp = field(sp, 15, field(nil, 2, []byte("first")))
	sp = field(sp, 15, unknown(protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 2)))
	scope := unknown(field(field(nil, 1, field(nil, 1, []byte("lib"))), 2, sp))
	rs := field(nil, 1000, scope)                                   // instrumentation_library_spans
	rs = field(rs, 1, field(nil, 1, kv("service.name", "svc")))     // resource after its spans
	rs = field(rs, 1, unknown(field(nil, 1, kv("host.name", "h")))) // a second resource field merges
	msg := unknown(field(nil, 1, unknown(rs)))

	got, err := DecodeProto(msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := &dag.Resource{Service: "svc", Attrs: []dag.Attr{
		{Key: "service.name", Value: dag.StringValue("svc")},
		{Key: "host.name", Value: dag.StringValue("h")},
	}}
	want := []dag.SpanData{{
		TraceID: dag.TraceID([]byte("0123456789abcdef")), SpanID: dag.SpanID([]byte("spanid01")),
		Name:     "name",
		Attrs:    []dag.Attr{{Key: "a", Value: dag.StringValue("1")}, {Key: "b", Value: dag.StringValue("2")}},
		Events:   []dag.Event{{Name: "ev"}},
		Status:   dag.Status{Message: "first", Code: dag.StatusError},
		Resource: res, Scope: &dag.Scope{Name: "lib"},
	}}
	if diff := cmp.Diff(want, dag.Unpack(got), protoCmp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestDecodeProtoBadIDs checks that ids of the wrong length leave the id
// zero with one notice, and do not fail the message.
func TestDecodeProtoBadIDs(t *testing.T) {
	req := genRequest(1, "svc", 3)
	spans := req.ResourceSpans[0].ScopeSpans[0].Spans
	spans[0].TraceId = spans[0].TraceId[:15]
	spans[1].SpanId = []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}
	spans[2].ParentSpanId = []byte{1, 2, 3}
	msg := marshal(t, req)
	var n notices
	d := &protoDecoder{n: &n, name: "in.pb"}
	got, err := d.decodeMessage(msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d spans, want 3", len(got))
	}
	// Bad ids keep their value: derived from the bytes, raw hex on the span.
	if diff := cmp.Diff(oracleSpans(t, msg), got, protoCmp); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
	if got[0].TraceID != dag.DeriveTraceID(spans[0].TraceId, false) || got[0].TraceIDText() != hex.EncodeToString(spans[0].TraceId) {
		t.Errorf("bad trace id: %v %q", got[0].TraceID, got[0].TraceIDText())
	}
	if got[1].SpanIDText() != "010203040506070809" || got[2].ParentIDText() != "010203" {
		t.Errorf("raw ids %q %q", got[1].SpanIDText(), got[2].ParentIDText())
	}
	if got[0].SpanID.IsZero() || got[1].TraceID.IsZero() || got[0].Raw.Invalid != dag.FieldTraceID {
		t.Error("good ids lost")
	}
	want := "in.pb: offset 281: a 15-byte trace_id (want 16 bytes); kept 3 invalid id(s) as written (check reports them)"
	if s := n.String(); !strings.HasPrefix(s, "in.pb: offset ") || !strings.Contains(s, "a 15-byte trace_id (want 16 bytes); kept 3 invalid id(s) as written") {
		t.Errorf("notice = %q, want like %q", s, want)
	}
}

// TestDecodeProtoErrors checks that malformed messages fail with the
// offset and the path of the field that went bad.
func TestDecodeProtoErrors(t *testing.T) {
	good := genMessage(t, 3, "svc", 2)
	for _, tc := range []struct {
		name string
		msg  []byte
		want string // substring of the error
	}{
		{"truncated", good[:len(good)-3], "runs past the end of its message"},
		{"truncated varint", []byte{0x0a, 0x80}, "offset 1: field 1: bad length"},
		{"field number 0", []byte{0x02, 0x00}, "offset 0: invalid field number 0"},
		{"end group", []byte{0x0c}, "unexpected end group"},
		{"bad wire type", []byte{0x0f}, "unexpected wire type 7"},
		{"resource_spans a varint", []byte{0x08, 0x01}, "field resource_spans has wire type varint, want bytes"},
		{"start time as bytes", marshalSpanField(t, 7, protowire.BytesType), "resource_spans[0].scope_spans[0].spans[0]: field start_time_unix_nano has wire type bytes, want fixed64"},
		{"no resource_spans", []byte{0x10, 0x01}, "no resource_spans: not an OTLP trace message"},
		{"too deep", deepValue(100), "nested more than 64 deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := []dag.SpanData{{Name: "keep"}}
			got, err := DecodeProto(tc.msg, dag.Pack(dst))
			if err == nil {
				t.Fatalf("no error; spans %v", got)
			}
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("error %T, want *Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			if len(got) != 1 || got[0].Name() != "keep" {
				t.Errorf("dst not returned unchanged: %v", got)
			}
		})
	}
}

// marshalSpanField is a request with one span whose field num has the
// given (wrong) wire type.
func marshalSpanField(t *testing.T, num protowire.Number, typ protowire.Type) []byte {
	var sp []byte
	sp = protowire.AppendTag(sp, num, typ)
	switch typ {
	case protowire.BytesType:
		sp = protowire.AppendBytes(sp, []byte("x"))
	default:
		sp = protowire.AppendVarint(sp, 1)
	}
	nest := func(num protowire.Number, b []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), b)
	}
	return nest(1, nest(2, nest(2, sp)))
}

// deepValue is a request whose first span attribute nests arrays depth
// deep.
func deepValue(depth int) []byte {
	v := &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 1}}
	for range depth {
		v = &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{v}}}}
	}
	b, _ := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{Attributes: []*commonpb.KeyValue{{Key: "deep", Value: v}}}}}},
	}}})
	return b
}

// metricsMessage and logsMessage are what a Collector file exporter
// shared by several pipelines writes between trace messages.
func metricsMessage(t testing.TB, gaugeOnly bool) []byte {
	t.Helper()
	metrics := []*metricspb.Metric{{
		Name: "http.server.request.duration", Unit: "s",
		Data: &metricspb.Metric_Gauge{Gauge: &metricspb.Gauge{DataPoints: []*metricspb.NumberDataPoint{{
			TimeUnixNano: 5, Value: &metricspb.NumberDataPoint_AsDouble{AsDouble: 1.5},
			Attributes: []*commonpb.KeyValue{strKV("http.route", "/")},
		}}}},
	}}
	if !gaugeOnly {
		metrics = append(metrics, &metricspb.Metric{Name: "requests", Data: &metricspb.Metric_Sum{Sum: &metricspb.Sum{
			DataPoints: []*metricspb.NumberDataPoint{{Value: &metricspb.NumberDataPoint_AsInt{AsInt: 3}}}, IsMonotonic: true,
		}}})
	}
	return marshal(t, &colmetricspb.ExportMetricsServiceRequest{ResourceMetrics: []*metricspb.ResourceMetrics{{
		Resource:     &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strKV("service.name", "svc")}},
		ScopeMetrics: []*metricspb.ScopeMetrics{{Scope: &commonpb.InstrumentationScope{Name: "m"}, Metrics: metrics}},
	}}})
}

func logsMessage(t testing.TB) []byte {
	t.Helper()
	return marshal(t, &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strKV("service.name", "svc")}},
		ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{{
			TimeUnixNano: 7, ObservedTimeUnixNano: 8, SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO,
			SeverityText: "INFO", Body: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "hello"}},
			TraceId: make([]byte, 16), SpanId: make([]byte, 8),
		}}}},
	}}})
}

func TestDecodeProtoOtherSignals(t *testing.T) {
	for _, tc := range []struct {
		name, kind string
		msg        []byte
	}{
		{"metrics", "metrics", metricsMessage(t, false)},
		{"gauges only", "metrics", metricsMessage(t, true)},
		{"logs", "logs", logsMessage(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n notices
			d := &protoDecoder{n: &n, name: "in.pb"}
			got, err := d.decodeMessage(tc.msg, nil)
			if err != nil || len(got) != 0 {
				t.Fatalf("got %d spans, error %v; want it skipped", len(got), err)
			}
			if want := "in.pb: offset 0: skipped 1 " + tc.kind + " message (not traces)"; n.String() != want {
				t.Errorf("notices %q, want %q", n.String(), want)
			}
		})
	}
	// A trace message is never taken for another signal.
	if kind := (&protoDecoder{}).otherSignal(genMessage(t, 1, "svc", 10)); kind != "" {
		t.Errorf("a trace message classified as %s", kind)
	}
}
