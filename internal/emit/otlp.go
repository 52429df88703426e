package emit

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// OTLP span flags (trace/v1 SpanFlags): the low byte carries the W3C trace
// flags; bit 8 says whether the remote-ness of the parent is known, bit 9
// that it is remote. The SDK's own OTLP exporters set them the same way.
const (
	flagContextHasIsRemote = 0x100
	flagContextIsRemote    = 0x200
)

// scopeKey identifies an instrumentation scope; attribute.Distinct makes the
// scope's attribute set comparable.
type scopeKey struct {
	name, version, schemaURL string
	attrs                    attribute.Distinct
}

// resourceKey identifies a resource by its attributes and schema URL.
type resourceKey struct {
	attrs     attribute.Distinct
	schemaURL string
}

// ToResourceSpans converts finished SDK spans to OTLP wire types, grouped by
// resource and then by instrumentation scope in first-seen order, as the
// SDK's OTLP exporters group them.
func ToResourceSpans(spans []sdktrace.ReadOnlySpan) []*tracepb.ResourceSpans {
	var (
		out     []*tracepb.ResourceSpans
		byRes   = map[resourceKey]*tracepb.ResourceSpans{}
		byScope = map[resourceKey]map[scopeKey]*tracepb.ScopeSpans{}
	)
	for _, s := range spans {
		if s == nil {
			continue
		}
		res := s.Resource()
		rk := resourceKey{}
		if res != nil {
			rk = resourceKey{attrs: res.Equivalent(), schemaURL: res.SchemaURL()}
		}
		rs, ok := byRes[rk]
		if !ok {
			rs = &tracepb.ResourceSpans{Resource: &resourcepb.Resource{}}
			if res != nil {
				rs.Resource.Attributes = toKeyValues(res.Attributes())
				rs.SchemaUrl = res.SchemaURL()
			}
			byRes[rk] = rs
			byScope[rk] = map[scopeKey]*tracepb.ScopeSpans{}
			out = append(out, rs)
		}
		is := s.InstrumentationScope()
		sk := scopeKey{name: is.Name, version: is.Version, schemaURL: is.SchemaURL, attrs: is.Attributes.Equivalent()}
		ss, ok := byScope[rk][sk]
		if !ok {
			ss = &tracepb.ScopeSpans{
				Scope: &commonpb.InstrumentationScope{
					Name:       is.Name,
					Version:    is.Version,
					Attributes: toKeyValues(is.Attributes.ToSlice()),
				},
				SchemaUrl: is.SchemaURL,
			}
			byScope[rk][sk] = ss
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
		}
		ss.Spans = append(ss.Spans, toSpan(s))
	}
	return out
}

func toSpan(s sdktrace.ReadOnlySpan) *tracepb.Span {
	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	p := &tracepb.Span{
		TraceId:                tid[:],
		SpanId:                 sid[:],
		TraceState:             sc.TraceState().String(),
		Flags:                  spanFlags(sc.TraceFlags(), s.Parent()),
		Name:                   s.Name(),
		Kind:                   toKind(s.SpanKind()),
		StartTimeUnixNano:      unixNano(s.StartTime()),
		EndTimeUnixNano:        unixNano(s.EndTime()),
		Attributes:             toKeyValues(s.Attributes()),
		DroppedAttributesCount: clampUint32(s.DroppedAttributes()),
		DroppedEventsCount:     clampUint32(s.DroppedEvents()),
		DroppedLinksCount:      clampUint32(s.DroppedLinks()),
		Status:                 toStatus(s.Status()),
	}
	if psid := s.Parent().SpanID(); psid.IsValid() {
		p.ParentSpanId = psid[:]
	}
	for _, e := range s.Events() {
		p.Events = append(p.Events, &tracepb.Span_Event{
			TimeUnixNano:           unixNano(e.Time),
			Name:                   e.Name,
			Attributes:             toKeyValues(e.Attributes),
			DroppedAttributesCount: clampUint32(e.DroppedAttributeCount),
		})
	}
	for _, l := range s.Links() {
		ltid, lsid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		p.Links = append(p.Links, &tracepb.Span_Link{
			TraceId:                ltid[:],
			SpanId:                 lsid[:],
			TraceState:             l.SpanContext.TraceState().String(),
			Attributes:             toKeyValues(l.Attributes),
			DroppedAttributesCount: clampUint32(l.DroppedAttributeCount),
			Flags:                  spanFlags(l.SpanContext.TraceFlags(), l.SpanContext),
		})
	}
	return p
}

// spanFlags builds the OTLP flags field: W3C flags plus whether the
// referenced context (the parent, or the linked span) is remote.
func spanFlags(tf trace.TraceFlags, ref trace.SpanContext) uint32 {
	f := uint32(tf) | flagContextHasIsRemote
	if ref.IsRemote() {
		f |= flagContextIsRemote
	}
	return f
}

func toKind(k trace.SpanKind) tracepb.Span_SpanKind {
	switch k {
	case trace.SpanKindInternal:
		return tracepb.Span_SPAN_KIND_INTERNAL
	case trace.SpanKindServer:
		return tracepb.Span_SPAN_KIND_SERVER
	case trace.SpanKindClient:
		return tracepb.Span_SPAN_KIND_CLIENT
	case trace.SpanKindProducer:
		return tracepb.Span_SPAN_KIND_PRODUCER
	case trace.SpanKindConsumer:
		return tracepb.Span_SPAN_KIND_CONSUMER
	}
	return tracepb.Span_SPAN_KIND_UNSPECIFIED
}

func toStatus(st sdktrace.Status) *tracepb.Status {
	s := &tracepb.Status{}
	switch st.Code {
	case codes.Ok:
		s.Code = tracepb.Status_STATUS_CODE_OK
	case codes.Error:
		s.Code = tracepb.Status_STATUS_CODE_ERROR
		s.Message = st.Description
	}
	return s
}

func unixNano(t time.Time) uint64 {
	if t.IsZero() || t.UnixNano() < 0 {
		return 0
	}
	return uint64(t.UnixNano())
}

func clampUint32(n int) uint32 {
	if n < 0 {
		return 0
	}
	if n > int(^uint32(0)) {
		return ^uint32(0)
	}
	return uint32(n)
}

func toKeyValues(kvs []attribute.KeyValue) []*commonpb.KeyValue {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]*commonpb.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, &commonpb.KeyValue{Key: string(kv.Key), Value: toAnyValue(kv.Value)})
	}
	return out
}

func toAnyValue(v attribute.Value) *commonpb.AnyValue {
	av := &commonpb.AnyValue{}
	switch v.Type() {
	case attribute.BOOL:
		av.Value = &commonpb.AnyValue_BoolValue{BoolValue: v.AsBool()}
	case attribute.INT64:
		av.Value = &commonpb.AnyValue_IntValue{IntValue: v.AsInt64()}
	case attribute.FLOAT64:
		av.Value = &commonpb.AnyValue_DoubleValue{DoubleValue: v.AsFloat64()}
	case attribute.STRING:
		av.Value = &commonpb.AnyValue_StringValue{StringValue: v.AsString()}
	case attribute.BYTESLICE:
		av.Value = &commonpb.AnyValue_BytesValue{BytesValue: v.AsByteSlice()}
	case attribute.BOOLSLICE:
		av.Value = arrayOf(v.AsBoolSlice(), attribute.BoolValue)
	case attribute.INT64SLICE:
		av.Value = arrayOf(v.AsInt64Slice(), attribute.Int64Value)
	case attribute.FLOAT64SLICE:
		av.Value = arrayOf(v.AsFloat64Slice(), attribute.Float64Value)
	case attribute.STRINGSLICE:
		av.Value = arrayOf(v.AsStringSlice(), attribute.StringValue)
	case attribute.SLICE:
		av.Value = arrayOf(v.AsSlice(), func(e attribute.Value) attribute.Value { return e })
	case attribute.MAP:
		av.Value = &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: toKeyValues(v.AsMap())}}
	}
	// attribute.EMPTY (and any future type) stays an empty AnyValue, which
	// OTLP defines as the empty value.
	return av
}

// arrayOf converts a slice attribute's elements, each as the attribute
// value value(e) would be, to an OTLP array value.
func arrayOf[T any](vals []T, value func(T) attribute.Value) *commonpb.AnyValue_ArrayValue {
	arr := make([]*commonpb.AnyValue, len(vals))
	for i, e := range vals {
		arr[i] = toAnyValue(value(e))
	}
	return &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: arr}}
}
