package ingest

// The Zipkin v2 JSON encoder, the inverse of zipkin.go: one span array, as
// POST /api/v2/spans takes it and /api/v2/trace/{id} answers. Zipkin's
// model is smaller than OTLP's; what it cannot hold is dropped: links, the
// asynchronous mark of a parent edge, resource attributes other than
// service.name, scope attributes, span flags, attribute types (tags are
// strings: an int 200 comes back as the string "200"), event attributes,
// and time below the microsecond. Fields OTLP has and Zipkin lacks travel
// as the tags the Collector uses for them (otel.status_code,
// otel.status_description, w3c.tracestate, otel.scope.name/version), so
// they survive a round trip through tracectl.

import (
	"encoding/hex"
	"strconv"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/jsonstr"
)

// AppendZipkinJSON appends spans as one Zipkin v2 span array, grouped by
// trace in order of first appearance, with no trailing newline.
func AppendZipkinJSON(b []byte, packed []dag.Span) []byte {
	spans := dag.Unpack(packed)
	b = append(b, '[')
	n := 0
	for _, idx := range groupByTrace(spans) {
		for _, i := range idx {
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendZipkinSpan(b, &spans[i])
		}
	}
	return append(b, ']')
}

var zipkinKinds = [...]string{dag.KindClient: "CLIENT", dag.KindServer: "SERVER", dag.KindProducer: "PRODUCER", dag.KindConsumer: "CONSUMER"}

func appendZipkinSpan(b []byte, s *dag.SpanData) []byte {
	b = append(b, `{"traceId":"`...)
	b = hex.AppendEncode(b, s.TraceID[:])
	b = append(b, '"')
	if !s.ParentSpanID.IsZero() {
		b = append(b, `,"parentId":"`...)
		b = hex.AppendEncode(b, s.ParentSpanID[:])
		b = append(b, '"')
	}
	b = append(b, `,"id":"`...)
	b = hex.AppendEncode(b, s.SpanID[:])
	b = append(b, '"')
	if int(s.Kind) < len(zipkinKinds) && zipkinKinds[s.Kind] != "" {
		b = append(b, `,"kind":"`...)
		b = append(b, zipkinKinds[s.Kind]...)
		b = append(b, '"')
	}
	b = jsonstr.Append(append(b, `,"name":`...), s.Name)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendUint(b, s.Start/1000, 10)
	b = append(b, `,"duration":`...)
	b = strconv.AppendInt(b, micros(s.End)-micros(s.Start), 10)
	if svc := s.Service(); s.Resource != nil && s.Resource.Service != "" {
		b = jsonstr.Append(append(b, `,"localEndpoint":{"serviceName":`...), svc)
		b = append(b, '}')
	}
	if len(s.Events) > 0 {
		b = append(b, `,"annotations":[`...)
		for i := range s.Events {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"timestamp":`...)
			b = strconv.AppendUint(b, s.Events[i].Time/1000, 10)
			b = jsonstr.Append(append(b, `,"value":`...), s.Events[i].Name)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"tags":{`...)
	first := true
	tag := func(k, v string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = jsonstr.Append(b, k)
		b = jsonstr.Append(append(b, ':'), v)
	}
	for _, a := range s.Attrs {
		tag(a.Key, a.Value.String())
	}
	if s.Kind == dag.KindInternal {
		tag(jaegerKindTag, "internal")
	}
	switch s.Status.Code {
	case dag.StatusError:
		tag(jaegerErrorTag, cmpOr(s.Status.Message, "true"))
		tag(jaegerStatusCodeTag, "ERROR")
	case dag.StatusOK:
		tag(jaegerStatusCodeTag, "OK")
	}
	if s.Status.Message != "" {
		tag(jaegerStatusDescTag, s.Status.Message)
	}
	if s.TraceState != "" {
		tag(jaegerTraceStateTag, s.TraceState)
	}
	if sc := s.Scope; sc != nil {
		if sc.Name != "" {
			tag(jaegerScopeNameTag, sc.Name)
		}
		if sc.Version != "" {
			tag(jaegerScopeVerTag, sc.Version)
		}
	}
	return append(b, `}}`...)
}
