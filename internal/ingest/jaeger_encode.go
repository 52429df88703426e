package ingest

// The Jaeger JSON encoder, the inverse of jaeger.go: what the query API v2
// answers, {"data":[trace, …]}, which Jaeger UI opens ("Upload JSON") and
// every Jaeger JSON reader accepts. It is lossless for what Jaeger's model
// can hold; it cannot hold, and so drops: link attributes other than the
// reference type, link trace state and flags, the resource's schema URL and
// scope attributes, and time below the microsecond. Array and map
// attribute values become their JSON text in a string tag, as the
// Collector's translator writes them.

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/jsonstr"
)

// AppendJaegerJSON appends spans as one query API v2 answer,
// {"data":[trace, …]}, one trace per trace id in order of first
// appearance, with no trailing newline.
func AppendJaegerJSON(b []byte, packed []dag.Span) []byte {
	spans := dag.Unpack(packed)
	b = append(b, `{"data":[`...)
	for ti, tr := range groupByTrace(spans) {
		if ti > 0 {
			b = append(b, ',')
		}
		b = appendJaegerTrace(b, spans, tr)
	}
	return append(b, `]}`...)
}

// groupByTrace lists the indexes of spans per trace id, traces in order of
// first appearance.
func groupByTrace(spans []dag.SpanData) [][]int {
	at := map[dag.TraceID]int{}
	var out [][]int
	for i := range spans {
		k, ok := at[spans[i].TraceID]
		if !ok {
			k = len(out)
			at[spans[i].TraceID] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], i)
	}
	return out
}

func appendJaegerTrace(b []byte, spans []dag.SpanData, idx []int) []byte {
	procs := map[*dag.Resource]string{}
	var order []*dag.Resource
	for _, i := range idx {
		r := spans[i].Resource
		if _, ok := procs[r]; !ok {
			procs[r] = "p" + strconv.Itoa(len(order)+1)
			order = append(order, r)
		}
	}
	b = append(b, `{"traceID":"`...)
	b = hex.AppendEncode(b, spans[idx[0]].TraceID[:])
	b = append(b, `","spans":[`...)
	for k, i := range idx {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendJaegerSpan(b, &spans[i], procs[spans[i].Resource])
	}
	b = append(b, `],"processes":{`...)
	for k, r := range order {
		if k > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, procs[r])
		b = append(b, `:{"serviceName":`...)
		var attrs []dag.Attr
		svc := ""
		if r != nil {
			svc, attrs = r.Service, r.Attrs
		}
		b = jsonstr.Append(b, svc)
		b = append(b, `,"tags":[`...)
		first := true
		for _, a := range attrs {
			if a.Key == "service.name" && a.Value.Type() == dag.ValueString && a.Value.Str() == svc {
				continue
			}
			b = appendJaegerTag(b, &first, a.Key, a.Value)
		}
		b = append(b, `]}`...)
	}
	return append(b, `}}`...)
}

func appendJaegerSpan(b []byte, s *dag.SpanData, proc string) []byte {
	b = append(b, `{"traceID":"`...)
	b = hex.AppendEncode(b, s.TraceID[:])
	b = append(b, `","spanID":"`...)
	b = hex.AppendEncode(b, s.SpanID[:])
	b = append(b, `","flags":`...)
	b = strconv.AppendUint(b, uint64(s.Flags), 10)
	b = jsonstr.Append(append(b, `,"operationName":`...), s.Name)
	b = append(b, `,"references":[`...)
	first := true
	if !s.ParentSpanID.IsZero() {
		typ := "CHILD_OF"
		if s.AsyncParent {
			typ = "FOLLOWS_FROM"
		}
		b = appendJaegerRef(b, &first, typ, s.TraceID, s.ParentSpanID)
	}
	for i := range s.Links {
		l := &s.Links[i]
		typ := "FOLLOWS_FROM"
		if v, ok := dag.Lookup(l.Attrs, RefTypeAttr); ok && v.Str() == "child_of" {
			typ = "CHILD_OF"
		}
		b = appendJaegerRef(b, &first, typ, l.TraceID, l.SpanID)
	}
	b = append(b, `],"startTime":`...)
	b = strconv.AppendUint(b, s.Start/1000, 10)
	b = append(b, `,"duration":`...)
	b = strconv.AppendInt(b, micros(s.End)-micros(s.Start), 10)
	b = append(b, `,"tags":[`...)
	first = true
	for _, a := range s.Attrs {
		b = appendJaegerTag(b, &first, a.Key, a.Value)
	}
	if s.Kind != dag.KindUnspecified {
		b = appendJaegerTag(b, &first, jaegerKindTag, dag.StringValue(s.Kind.String()))
	}
	switch s.Status.Code {
	case dag.StatusError:
		b = appendJaegerTag(b, &first, jaegerErrorTag, dag.BoolValue(true))
		b = appendJaegerTag(b, &first, jaegerStatusCodeTag, dag.StringValue("ERROR"))
	case dag.StatusOK:
		b = appendJaegerTag(b, &first, jaegerStatusCodeTag, dag.StringValue("OK"))
	}
	if s.Status.Message != "" {
		b = appendJaegerTag(b, &first, jaegerStatusDescTag, dag.StringValue(s.Status.Message))
	}
	if s.TraceState != "" {
		b = appendJaegerTag(b, &first, jaegerTraceStateTag, dag.StringValue(s.TraceState))
	}
	if sc := s.Scope; sc != nil {
		if sc.Name != "" {
			b = appendJaegerTag(b, &first, jaegerScopeNameTag, dag.StringValue(sc.Name))
		}
		if sc.Version != "" {
			b = appendJaegerTag(b, &first, jaegerScopeVerTag, dag.StringValue(sc.Version))
		}
	}
	b = append(b, `],"logs":[`...)
	for i := range s.Events {
		ev := &s.Events[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"timestamp":`...)
		b = strconv.AppendUint(b, ev.Time/1000, 10)
		b = append(b, `,"fields":[`...)
		first := true
		if ev.Name != "" {
			b = appendJaegerTag(b, &first, jaegerEventNameField, dag.StringValue(ev.Name))
		}
		for _, a := range ev.Attrs {
			b = appendJaegerTag(b, &first, a.Key, a.Value)
		}
		b = append(b, `]}`...)
	}
	b = append(b, `],"processID":`...)
	b = jsonstr.Append(b, proc)
	return append(b, '}')
}

// micros is a time in whole microseconds, as a signed number so that a
// duration (end before start included) is a subtraction; every uint64
// nanosecond time fits.
func micros(ns uint64) int64 { return int64(ns / 1000) }

func appendJaegerRef(b []byte, first *bool, typ string, tid dag.TraceID, sid dag.SpanID) []byte {
	if !*first {
		b = append(b, ',')
	}
	*first = false
	b = append(b, `{"refType":"`...)
	b = append(b, typ...)
	b = append(b, `","traceID":"`...)
	b = hex.AppendEncode(b, tid[:])
	b = append(b, `","spanID":"`...)
	b = hex.AppendEncode(b, sid[:])
	return append(b, `"}`...)
}

// appendJaegerTag appends a typed tag.
func appendJaegerTag(b []byte, first *bool, key string, v dag.Value) []byte {
	if !*first {
		b = append(b, ',')
	}
	*first = false
	b = jsonstr.Append(append(b, `{"key":`...), key)
	switch v.Type() {
	case dag.ValueBool:
		b = strconv.AppendBool(append(b, `,"type":"bool","value":`...), v.Bool())
	case dag.ValueInt:
		b = strconv.AppendInt(append(b, `,"type":"int64","value":`...), v.Int(), 10)
	case dag.ValueDouble:
		b = append(b, `,"type":"float64","value":`...)
		switch f := v.Double(); {
		case math.IsNaN(f):
			b = append(b, `"NaN"`...)
		case math.IsInf(f, 1):
			b = append(b, `"+Inf"`...)
		case math.IsInf(f, -1):
			b = append(b, `"-Inf"`...)
		default:
			b = strconv.AppendFloat(b, f, 'g', -1, 64)
		}
	case dag.ValueBytes:
		b = append(b, `,"type":"binary","value":"`...)
		b = base64.StdEncoding.AppendEncode(b, []byte(v.Bytes()))
		b = append(b, '"')
	case dag.ValueString:
		b = jsonstr.Append(append(b, `,"type":"string","value":`...), v.Str())
	default:
		// Arrays, maps and the empty value have no Jaeger type: their
		// JSON text, as the Collector writes them.
		b = jsonstr.Append(append(b, `,"type":"string","value":`...), v.String())
	}
	return append(b, '}')
}
