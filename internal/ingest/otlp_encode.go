package ingest

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/jsonstr"
)

// The OTLP encoders, the inverse of json_otlp.go and proto.go: dag spans
// written back out as an ExportTraceServiceRequest in OTLP/JSON (hex ids,
// int64 as strings, integer enums, lowerCamelCase keys, every span's status
// even when empty: byte for byte what the Collector's pdata JSONMarshaler
// and so its file exporter write) and in protobuf. Spans are grouped into
// ResourceSpans/ScopeSpans by runs of the same *Resource and *Scope, which
// is how the decoders hand them out. The receiver's --out, emit's JSON
// lines and convert all write through here. OTLP has no field for
// dag.SpanData.AsyncParent: it is not written.

// group is a run of spans sharing one resource and one scope.
type group struct {
	res   *dag.Resource
	scope *dag.Scope
	spans []dag.SpanData
}

// resourceRuns splits spans into runs by resource, each into runs by scope.
func resourceRuns(spans []dag.SpanData) [][]group {
	var out [][]group
	for i := 0; i < len(spans); {
		res := spans[i].Resource
		var groups []group
		for i < len(spans) && spans[i].Resource == res {
			j := i
			for j < len(spans) && spans[j].Resource == res && spans[j].Scope == spans[i].Scope {
				j++
			}
			groups = append(groups, group{res: res, scope: spans[i].Scope, spans: spans[i:j]})
			i = j
		}
		out = append(out, groups)
	}
	return out
}

// AppendOTLPJSON appends spans as one OTLP/JSON ExportTraceServiceRequest,
// no trailing newline.
func AppendOTLPJSON(b []byte, packed []dag.Span) []byte {
	spans := dag.Unpack(packed)
	b = append(b, `{"resourceSpans":[`...)
	for ri, groups := range resourceRuns(spans) {
		if ri > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		res := groups[0].res
		if res != nil {
			b = append(b, `"resource":{`...)
			if len(res.Attrs) > 0 {
				b = appendJSONAttrs(append(b, `"attributes":`...), res.Attrs)
			}
			b = append(b, `},`...)
		}
		b = append(b, `"scopeSpans":[`...)
		for gi, g := range groups {
			if gi > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			if sc := g.scope; sc != nil {
				b = append(b, `"scope":{`...)
				sep := false
				if sc.Name != "" {
					b = jsonstr.Append(append(b, `"name":`...), sc.Name)
					sep = true
				}
				if sc.Version != "" {
					if sep {
						b = append(b, ',')
					}
					b = jsonstr.Append(append(b, `"version":`...), sc.Version)
					sep = true
				}
				if len(sc.Attrs) > 0 {
					if sep {
						b = append(b, ',')
					}
					b = appendJSONAttrs(append(b, `"attributes":`...), sc.Attrs)
				}
				b = append(b, `},`...)
			}
			b = append(b, `"spans":[`...)
			for si := range g.spans {
				if si > 0 {
					b = append(b, ',')
				}
				b = appendJSONSpan(b, &g.spans[si])
			}
			b = append(b, `]}`...)
		}
		b = append(b, ']')
		if res != nil && res.SchemaURL != "" {
			b = jsonstr.Append(append(b, `,"schemaUrl":`...), res.SchemaURL)
		}
		b = append(b, '}')
	}
	return append(b, `]}`...)
}

func appendJSONSpan(b []byte, s *dag.SpanData) []byte {
	b = append(b, `{"traceId":"`...)
	b = hex.AppendEncode(b, s.TraceID[:])
	b = append(b, `","spanId":"`...)
	b = hex.AppendEncode(b, s.SpanID[:])
	b = append(b, '"')
	if !s.ParentSpanID.IsZero() {
		b = append(b, `,"parentSpanId":"`...)
		b = hex.AppendEncode(b, s.ParentSpanID[:])
		b = append(b, '"')
	}
	if s.TraceState != "" {
		b = jsonstr.Append(append(b, `,"traceState":`...), s.TraceState)
	}
	if s.Flags != 0 {
		b = strconv.AppendUint(append(b, `,"flags":`...), uint64(s.Flags), 10)
	}
	b = jsonstr.Append(append(b, `,"name":`...), s.Name)
	if s.Kind != 0 {
		b = strconv.AppendUint(append(b, `,"kind":`...), uint64(s.Kind), 10)
	}
	b = strconv.AppendUint(append(b, `,"startTimeUnixNano":"`...), s.Start, 10)
	b = strconv.AppendUint(append(b, `","endTimeUnixNano":"`...), s.End, 10)
	b = append(b, '"')
	if len(s.Attrs) > 0 {
		b = appendJSONAttrs(append(b, `,"attributes":`...), s.Attrs)
	}
	if len(s.Events) > 0 {
		b = append(b, `,"events":[`...)
		for i := range s.Events {
			e := &s.Events[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(append(b, `{"timeUnixNano":"`...), e.Time, 10)
			b = jsonstr.Append(append(b, `","name":`...), e.Name)
			if len(e.Attrs) > 0 {
				b = appendJSONAttrs(append(b, `,"attributes":`...), e.Attrs)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(s.Links) > 0 {
		b = append(b, `,"links":[`...)
		for i := range s.Links {
			l := &s.Links[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"traceId":"`...)
			b = hex.AppendEncode(b, l.TraceID[:])
			b = append(b, `","spanId":"`...)
			b = hex.AppendEncode(b, l.SpanID[:])
			b = append(b, '"')
			if l.TraceState != "" {
				b = jsonstr.Append(append(b, `,"traceState":`...), l.TraceState)
			}
			if len(l.Attrs) > 0 {
				b = appendJSONAttrs(append(b, `,"attributes":`...), l.Attrs)
			}
			if l.Flags != 0 {
				b = strconv.AppendUint(append(b, `,"flags":`...), uint64(l.Flags), 10)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	{ // always, as pdata writes it
		b = append(b, `,"status":{`...)
		if s.Status.Message != "" {
			b = jsonstr.Append(append(b, `"message":`...), s.Status.Message)
			if s.Status.Code != 0 {
				b = append(b, ',')
			}
		}
		if s.Status.Code != 0 {
			b = strconv.AppendUint(append(b, `"code":`...), uint64(s.Status.Code), 10)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendJSONAttrs(b []byte, attrs []dag.Attr) []byte {
	b = append(b, '[')
	for i := range attrs {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(append(b, `{"key":`...), attrs[i].Key)
		b = appendJSONValue(append(b, `,"value":`...), attrs[i].Value)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendJSONValue(b []byte, v dag.Value) []byte {
	switch v.Type() {
	case dag.ValueString:
		b = jsonstr.Append(append(b, `{"stringValue":`...), v.Str())
	case dag.ValueBool:
		b = strconv.AppendBool(append(b, `{"boolValue":`...), v.Bool())
	case dag.ValueInt:
		b = strconv.AppendInt(append(b, `{"intValue":"`...), v.Int(), 10)
		b = append(b, '"')
	case dag.ValueDouble:
		b = append(b, `{"doubleValue":`...)
		switch f := v.Double(); {
		case math.IsNaN(f):
			b = append(b, `"NaN"`...)
		case math.IsInf(f, 1):
			b = append(b, `"Infinity"`...)
		case math.IsInf(f, -1):
			b = append(b, `"-Infinity"`...)
		default:
			b = strconv.AppendFloat(b, f, 'g', -1, 64)
		}
	case dag.ValueBytes:
		b = append(b, `{"bytesValue":"`...)
		b = base64.StdEncoding.AppendEncode(b, []byte(v.Bytes()))
		b = append(b, '"')
	case dag.ValueArray:
		b = append(b, `{"arrayValue":{"values":[`...)
		for i, e := range v.Array() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONValue(b, e)
		}
		b = append(b, `]}`...)
	case dag.ValueMap:
		b = appendJSONAttrs(append(b, `{"kvlistValue":{"values":`...), v.Map())
		b = append(b, '}')
	default:
		b = append(b, '{')
	}
	return append(b, '}')
}

// Protobuf field numbers of the OTLP trace messages.
const (
	fRequestResourceSpans = 1

	fResourceSpansResource   = 1
	fResourceSpansScopeSpans = 2
	fResourceSpansSchemaURL  = 3
	fResourceAttributes      = 1

	fScopeSpansScope = 1
	fScopeSpansSpans = 2
	fScopeName       = 1
	fScopeVersion    = 2
	fScopeAttributes = 3

	fSpanTraceID    = 1
	fSpanSpanID     = 2
	fSpanTraceState = 3
	fSpanParent     = 4
	fSpanName       = 5
	fSpanKind       = 6
	fSpanStart      = 7
	fSpanEnd        = 8
	fSpanAttributes = 9
	fSpanEvents     = 11
	fSpanLinks      = 13
	fSpanStatus     = 15
	fSpanFlags      = 16

	fEventTime       = 1
	fEventName       = 2
	fEventAttributes = 3

	fLinkTraceID    = 1
	fLinkSpanID     = 2
	fLinkTraceState = 3
	fLinkAttributes = 4
	fLinkFlags      = 6

	fStatusMessage = 2
	fStatusCode    = 3

	fKVKey   = 1
	fKVValue = 2

	fValueString = 1
	fValueBool   = 2
	fValueInt    = 3
	fValueDouble = 4
	fValueArray  = 5
	fValueKVList = 6
	fValueBytes  = 7

	fListValues = 1
)

// AppendOTLPProto appends spans as one protobuf ExportTraceServiceRequest.
func AppendOTLPProto(b []byte, packed []dag.Span) []byte {
	spans := dag.Unpack(packed)
	for _, groups := range resourceRuns(spans) {
		b = appendMessage(b, fRequestResourceSpans, func(b []byte) []byte {
			res := groups[0].res
			if res != nil {
				b = appendMessage(b, fResourceSpansResource, func(b []byte) []byte {
					return appendProtoAttrs(b, fResourceAttributes, res.Attrs)
				})
			}
			for _, g := range groups {
				b = appendMessage(b, fResourceSpansScopeSpans, func(b []byte) []byte {
					if sc := g.scope; sc != nil {
						b = appendMessage(b, fScopeSpansScope, func(b []byte) []byte {
							b = appendProtoString(b, fScopeName, sc.Name)
							b = appendProtoString(b, fScopeVersion, sc.Version)
							return appendProtoAttrs(b, fScopeAttributes, sc.Attrs)
						})
					}
					for i := range g.spans {
						b = appendMessage(b, fScopeSpansSpans, func(b []byte) []byte { return appendProtoSpan(b, &g.spans[i]) })
					}
					return b
				})
			}
			if res != nil {
				b = appendProtoString(b, fResourceSpansSchemaURL, res.SchemaURL)
			}
			return b
		})
	}
	return b
}

func appendProtoSpan(b []byte, s *dag.SpanData) []byte {
	b = appendProtoBytes(b, fSpanTraceID, s.TraceID[:])
	b = appendProtoBytes(b, fSpanSpanID, s.SpanID[:])
	b = appendProtoString(b, fSpanTraceState, s.TraceState)
	if !s.ParentSpanID.IsZero() {
		b = appendProtoBytes(b, fSpanParent, s.ParentSpanID[:])
	}
	b = appendProtoString(b, fSpanName, s.Name)
	if s.Kind != 0 {
		b = protowire.AppendTag(b, fSpanKind, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(s.Kind))
	}
	b = protowire.AppendTag(b, fSpanStart, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, s.Start)
	b = protowire.AppendTag(b, fSpanEnd, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, s.End)
	b = appendProtoAttrs(b, fSpanAttributes, s.Attrs)
	for i := range s.Events {
		e := &s.Events[i]
		b = appendMessage(b, fSpanEvents, func(b []byte) []byte {
			b = protowire.AppendTag(b, fEventTime, protowire.Fixed64Type)
			b = protowire.AppendFixed64(b, e.Time)
			b = appendProtoString(b, fEventName, e.Name)
			return appendProtoAttrs(b, fEventAttributes, e.Attrs)
		})
	}
	for i := range s.Links {
		l := &s.Links[i]
		b = appendMessage(b, fSpanLinks, func(b []byte) []byte {
			b = appendProtoBytes(b, fLinkTraceID, l.TraceID[:])
			b = appendProtoBytes(b, fLinkSpanID, l.SpanID[:])
			b = appendProtoString(b, fLinkTraceState, l.TraceState)
			b = appendProtoAttrs(b, fLinkAttributes, l.Attrs)
			if l.Flags != 0 {
				b = protowire.AppendTag(b, fLinkFlags, protowire.Fixed32Type)
				b = protowire.AppendFixed32(b, l.Flags)
			}
			return b
		})
	}
	{ // always, as pdata writes it
		b = appendMessage(b, fSpanStatus, func(b []byte) []byte {
			b = appendProtoString(b, fStatusMessage, s.Status.Message)
			if s.Status.Code != 0 {
				b = protowire.AppendTag(b, fStatusCode, protowire.VarintType)
				b = protowire.AppendVarint(b, uint64(s.Status.Code))
			}
			return b
		})
	}
	if s.Flags != 0 {
		b = protowire.AppendTag(b, fSpanFlags, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, s.Flags)
	}
	return b
}

func appendProtoAttrs(b []byte, field protowire.Number, attrs []dag.Attr) []byte {
	for i := range attrs {
		kv := &attrs[i]
		b = appendMessage(b, field, func(b []byte) []byte {
			b = appendProtoString(b, fKVKey, kv.Key)
			return appendMessage(b, fKVValue, func(b []byte) []byte { return appendProtoValue(b, kv.Value) })
		})
	}
	return b
}

func appendProtoValue(b []byte, v dag.Value) []byte {
	switch v.Type() {
	case dag.ValueString:
		b = protowire.AppendTag(b, fValueString, protowire.BytesType)
		b = protowire.AppendString(b, validUTF8(v.Str()))
	case dag.ValueBool:
		b = protowire.AppendTag(b, fValueBool, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeBool(v.Bool()))
	case dag.ValueInt:
		b = protowire.AppendTag(b, fValueInt, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(v.Int()))
	case dag.ValueDouble:
		b = protowire.AppendTag(b, fValueDouble, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(v.Double()))
	case dag.ValueBytes:
		b = protowire.AppendTag(b, fValueBytes, protowire.BytesType)
		b = protowire.AppendString(b, v.Bytes())
	case dag.ValueArray:
		b = appendMessage(b, fValueArray, func(b []byte) []byte {
			for _, e := range v.Array() {
				b = appendMessage(b, fListValues, func(b []byte) []byte { return appendProtoValue(b, e) })
			}
			return b
		})
	case dag.ValueMap:
		b = appendMessage(b, fValueKVList, func(b []byte) []byte { return appendProtoAttrs(b, fListValues, v.Map()) })
	}
	return b
}

func appendProtoString(b []byte, field protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendString(b, validUTF8(s))
}

// validUTF8 replaces invalid UTF-8 with U+FFFD: protobuf strings must be
// valid, and the JSON writer does the same.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func appendProtoBytes(b []byte, field protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// appendMessage appends a length-delimited field whose content body
// appends. It reserves one length byte and moves the content when the
// length needs more, which is rare for the small messages of a span.
func appendMessage(b []byte, field protowire.Number, body func([]byte) []byte) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	at := len(b)
	b = append(b, 0)
	b = body(b)
	n := len(b) - at - 1
	size := protowire.SizeVarint(uint64(n))
	if size == 1 {
		b[at] = byte(n)
		return b
	}
	b = append(b, make([]byte, size-1)...)
	copy(b[at+size:], b[at+1:at+1+n])
	protowire.AppendVarint(b[at:at], uint64(n))
	return b
}
