package ingest

// The reference for the protobuf decoder's tests: the generated OTLP types
// (go.opentelemetry.io/proto/otlp) and proto.Unmarshal, converted to dag
// spans the obvious way, and a generator of realistic requests.

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/testenv"
)

// protoCmp compares decoded spans: values through dag.Value.Equal,
// resources and scopes by content, nil and empty lists alike.
var protoCmp = cmp.Options{
	cmp.Comparer(func(a, b dag.Value) bool { return a.Equal(b) }),
	cmpopts.EquateEmpty(),
}

// conformanceDir is ../shared/conformance beside the repository (the fuzz
// seeds read it when it is there).
var conformanceDir = testenv.ConformanceDir()

// conformanceFile returns the contents of a conformance file, skipping the
// test (failing it under CI) when the data is absent.
func conformanceFile(t testing.TB, name string) []byte {
	t.Helper()
	return testenv.ReadConformance(t, name)
}

// splitFrames splits length-framed messages (the test data is known good).
func splitFrames(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 4 {
			t.Fatalf("trailing %d bytes", len(b))
		}
		n := binary.BigEndian.Uint32(b)
		if uint64(n) > uint64(len(b)-4) {
			t.Fatalf("frame of %d bytes, %d left", n, len(b)-4)
		}
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	return out
}

// frame length-prefixes each message.
func frame(msgs ...[]byte) []byte {
	var out []byte
	for _, m := range msgs {
		out = binary.BigEndian.AppendUint32(out, uint32(len(m)))
		out = append(out, m...)
	}
	return out
}

// oracleSpans decodes messages with proto.Unmarshal and converts them.
func oracleSpans(t testing.TB, msgs ...[]byte) []dag.SpanData {
	t.Helper()
	var out []dag.SpanData
	for i, m := range msgs {
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(m, &req); err != nil {
			t.Fatalf("message %d: proto.Unmarshal: %v", i, err)
		}
		out = append(out, fromOTLP(&req)...)
	}
	return out
}

func fromOTLP(req *coltracepb.ExportTraceServiceRequest) []dag.SpanData {
	var out []dag.SpanData
	for _, rs := range req.ResourceSpans {
		res := &dag.Resource{Attrs: fromKVs(rs.GetResource().GetAttributes()), SchemaURL: rs.SchemaUrl}
		if v, ok := dag.Lookup(res.Attrs, "service.name"); ok {
			res.Service = v.Str()
		}
		for _, ss := range rs.ScopeSpans {
			sc := &dag.Scope{Name: ss.GetScope().GetName(), Version: ss.GetScope().GetVersion(), Attrs: fromKVs(ss.GetScope().GetAttributes())}
			for _, s := range ss.Spans {
				d := dag.SpanData{
					Kind: dag.Kind(s.Kind), Flags: s.Flags,
					Start: s.StartTimeUnixNano, End: s.EndTimeUnixNano,
					Name: s.Name, TraceState: s.TraceState,
					Status:   dag.Status{Code: dag.StatusCode(s.GetStatus().GetCode()), Message: s.GetStatus().GetMessage()},
					Resource: res, Scope: sc, Attrs: fromKVs(s.Attributes),
				}
				spanIDs(&d, s)
				for _, e := range s.Events {
					d.Events = append(d.Events, dag.Event{Name: e.Name, Time: e.TimeUnixNano, Attrs: fromKVs(e.Attributes)})
				}
				for _, l := range s.Links {
					dl := dag.Link{TraceState: l.TraceState, Attrs: fromKVs(l.Attributes), Flags: l.Flags}
					copyID(dl.TraceID[:], l.TraceId)
					copyID(dl.SpanID[:], l.SpanId)
					d.Links = append(d.Links, dl)
				}
				out = append(out, d)
			}
		}
	}
	return out
}

// copyID copies an id; one of the wrong length is invalid and keeps its
// value as the id dag derives from its bytes (DESIGN §2). It reports
// whether the id was invalid (an empty one is no id: zero, not invalid).
func copyID(dst, src []byte) (bad bool) {
	switch {
	case len(src) == len(dst):
		copy(dst, src)
		return false
	case len(src) == 0:
		return false
	case len(dst) == len(dag.TraceID{}):
		id := dag.DeriveTraceID(src, false)
		copy(dst, id[:])
	default:
		id := dag.DeriveSpanID(src, false)
		copy(dst, id[:])
	}
	return true
}

// spanIDs sets the span's ids and, for invalid ones, their raw hex.
func spanIDs(d *dag.SpanData, s *tracepb.Span) {
	var raw dag.RawIDs
	if copyID(d.TraceID[:], s.TraceId) {
		raw.Invalid, raw.TraceID = raw.Invalid|dag.FieldTraceID, hex.EncodeToString(s.TraceId)
	}
	if copyID(d.SpanID[:], s.SpanId) {
		raw.Invalid, raw.SpanID = raw.Invalid|dag.FieldSpanID, hex.EncodeToString(s.SpanId)
	}
	if len(s.ParentSpanId) > 0 && copyID(d.ParentSpanID[:], s.ParentSpanId) {
		raw.Invalid, raw.ParentSpanID = raw.Invalid|dag.FieldParentSpanID, hex.EncodeToString(s.ParentSpanId)
	}
	if raw.Invalid != 0 {
		d.Raw = &raw
	}
}

func fromKVs(kvs []*commonpb.KeyValue) []dag.Attr {
	var out []dag.Attr
	for _, kv := range kvs {
		out = append(out, dag.Attr{Key: kv.Key, Value: fromAny(kv.Value)})
	}
	return out
}

func fromAny(v *commonpb.AnyValue) dag.Value {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return dag.StringValue(x.StringValue)
	case *commonpb.AnyValue_BoolValue:
		return dag.BoolValue(x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		return dag.IntValue(x.IntValue)
	case *commonpb.AnyValue_DoubleValue:
		return dag.DoubleValue(x.DoubleValue)
	case *commonpb.AnyValue_BytesValue:
		return dag.BytesValue(string(x.BytesValue))
	case *commonpb.AnyValue_ArrayValue:
		var vs []dag.Value
		for _, e := range x.ArrayValue.GetValues() {
			vs = append(vs, fromAny(e))
		}
		return dag.ArrayValue(vs)
	case *commonpb.AnyValue_KvlistValue:
		return dag.MapValue(fromKVs(x.KvlistValue.GetValues()))
	}
	return dag.Value{}
}

func strKV(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func intKV(k string, v int64) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}}
}

// genRequest builds a realistic ExportTraceServiceRequest: one service
// resource, one scope, spans with about 8 attributes of mixed types, an
// event on every fourth span, a link now and then, and errors.
func genRequest(seed uint64, service string, nSpans int) *coltracepb.ExportTraceServiceRequest {
	rng := rand.New(rand.NewPCG(seed, 1))
	id := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	routes := []string{"/api/cart", "/api/checkout", "/api/product/{id}", "/healthz", "/api/user/{id}/orders"}
	t0 := uint64(1_760_000_000_000_000_000)
	var spans []*tracepb.Span
	traceID := id(16)
	var parent []byte
	for i := range nSpans {
		if i%8 == 0 {
			traceID, parent = id(16), nil
		}
		sid := id(8)
		start := t0 + uint64(i)*1_000_000 + uint64(rng.IntN(1000))
		m, r := methods[rng.IntN(len(methods))], routes[rng.IntN(len(routes))]
		s := &tracepb.Span{
			TraceId: traceID, SpanId: sid, ParentSpanId: parent,
			Name: m + " " + r, Kind: tracepb.Span_SpanKind(1 + rng.IntN(5)),
			StartTimeUnixNano: start, EndTimeUnixNano: start + uint64(rng.IntN(50_000_000)),
			Flags: 0x101,
			Attributes: []*commonpb.KeyValue{
				strKV("http.request.method", m),
				strKV("http.route", r),
				strKV("url.full", fmt.Sprintf("https://shop.example.com%s?session=%x", r, id(6))),
				intKV("http.response.status_code", int64([]int{200, 200, 200, 201, 404, 500}[rng.IntN(6)])),
				strKV("server.address", "shop.example.com"),
				intKV("server.port", 443),
				{Key: "http.request.body.size", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: int64(rng.IntN(10000))}}},
				{Key: "sampled", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: true}}},
			},
			Status: &tracepb.Status{},
		}
		if i%4 == 3 {
			s.Events = []*tracepb.Span_Event{{
				Name: "exception", TimeUnixNano: start + 1000,
				Attributes: []*commonpb.KeyValue{
					strKV("exception.type", "*net.OpError"),
					strKV("exception.message", fmt.Sprintf("dial tcp 10.0.%d.%d:5432: connect: connection refused", rng.IntN(256), rng.IntN(256))),
				},
			}}
			s.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "connection refused"}
		}
		if i%16 == 5 {
			s.Links = []*tracepb.Span_Link{{TraceId: id(16), SpanId: id(8), Attributes: []*commonpb.KeyValue{strKV("link.kind", "follows")}}}
		}
		spans = append(spans, s)
		parent = sid
	}
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
			strKV("service.name", service),
			strKV("service.version", "1.4.2"),
			strKV("deployment.environment.name", "production"),
			strKV("host.name", "ip-10-0-3-17"),
			strKV("telemetry.sdk.language", "go"),
			strKV("telemetry.sdk.name", "opentelemetry"),
		}},
		ScopeSpans: []*tracepb.ScopeSpans{{
			Scope: &commonpb.InstrumentationScope{Name: "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", Version: "0.72.0"},
			Spans: spans,
		}},
		SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
	}}}
}

// genMessage is genRequest, marshalled.
func genMessage(t testing.TB, seed uint64, service string, nSpans int) []byte {
	t.Helper()
	b, err := proto.Marshal(genRequest(seed, service, nSpans))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
