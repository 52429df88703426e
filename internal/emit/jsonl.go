package emit

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/tracectl/tracectl/internal/jsonstr"
)

// LineWriter serialises OTLP JSON lines to one io.Writer for many exporters
// (one per service), a line at a time, so lines never interleave.
type LineWriter struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error
}

// NewLineWriter buffers w; call Flush when every exporter has shut down.
func NewLineWriter(w io.Writer) *LineWriter {
	return &LineWriter{w: bufio.NewWriterSize(w, 256<<10)}
}

func (lw *LineWriter) writeLine(line []byte) error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if lw.err != nil {
		return lw.err
	}
	if _, err := lw.w.Write(line); err != nil {
		lw.err = err
	}
	return lw.err
}

// Flush writes out buffered lines.
func (lw *LineWriter) Flush() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if lw.err != nil {
		return lw.err
	}
	lw.err = lw.w.Flush()
	return lw.err
}

// JSONLExporter is an sdktrace.SpanExporter that writes each batch as one
// OTLP/JSON ExportTraceServiceRequest on its own line: the shape of the
// Collector file exporter's `format: json`, with trace and span ids as
// lowercase hex (OTLP/JSON spec; protojson's base64 would be wrong), 64-bit
// integers as strings and enums as integers.
type JSONLExporter struct {
	lw  *LineWriter
	buf sync.Pool
}

// NewJSONLExporter returns an exporter writing to lw. Shutting it down does
// not flush or close lw, which other exporters may share.
func NewJSONLExporter(lw *LineWriter) *JSONLExporter {
	return &JSONLExporter{lw: lw}
}

// ExportSpans implements sdktrace.SpanExporter.
func (e *JSONLExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	bp, _ := e.buf.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, 64<<10)
		bp = &b
	}
	line := AppendRequestJSON((*bp)[:0], ToResourceSpans(spans))
	line = append(line, '\n')
	err := e.lw.writeLine(line)
	*bp = line
	e.buf.Put(bp)
	if err != nil {
		return fmt.Errorf("write OTLP JSON line: %w", err)
	}
	return nil
}

// Shutdown implements sdktrace.SpanExporter.
func (e *JSONLExporter) Shutdown(context.Context) error { return nil }

// AppendRequestJSON appends rs as an OTLP/JSON ExportTraceServiceRequest
// object (no trailing newline). Empty and zero fields are omitted as
// protojson omits them, except each span's status, which the Collector
// always writes.
func AppendRequestJSON(b []byte, rs []*tracepb.ResourceSpans) []byte {
	b = append(b, `{"resourceSpans":[`...)
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		first := true
		if r.GetResource() != nil {
			b = appendFieldName(b, &first, "resource")
			b = append(b, '{')
			f := true
			b = appendKeyValues(b, &f, "attributes", r.Resource.Attributes)
			b = appendUint32Field(b, &f, "droppedAttributesCount", r.Resource.DroppedAttributesCount)
			b = append(b, '}')
		}
		if len(r.ScopeSpans) > 0 {
			b = appendFieldName(b, &first, "scopeSpans")
			b = append(b, '[')
			for j, ss := range r.ScopeSpans {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendScopeSpans(b, ss)
			}
			b = append(b, ']')
		}
		b = appendStringField(b, &first, "schemaUrl", r.SchemaUrl)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func appendScopeSpans(b []byte, ss *tracepb.ScopeSpans) []byte {
	b = append(b, '{')
	first := true
	if sc := ss.GetScope(); sc != nil {
		b = appendFieldName(b, &first, "scope")
		b = append(b, '{')
		f := true
		b = appendStringField(b, &f, "name", sc.Name)
		b = appendStringField(b, &f, "version", sc.Version)
		b = appendKeyValues(b, &f, "attributes", sc.Attributes)
		b = appendUint32Field(b, &f, "droppedAttributesCount", sc.DroppedAttributesCount)
		b = append(b, '}')
	}
	if len(ss.Spans) > 0 {
		b = appendFieldName(b, &first, "spans")
		b = append(b, '[')
		for i, s := range ss.Spans {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendSpan(b, s)
		}
		b = append(b, ']')
	}
	b = appendStringField(b, &first, "schemaUrl", ss.SchemaUrl)
	return append(b, '}')
}

func appendSpan(b []byte, s *tracepb.Span) []byte {
	b = append(b, '{')
	first := true
	b = appendHexField(b, &first, "traceId", s.TraceId)
	b = appendHexField(b, &first, "spanId", s.SpanId)
	b = appendStringField(b, &first, "traceState", s.TraceState)
	b = appendHexField(b, &first, "parentSpanId", s.ParentSpanId)
	b = appendUint32Field(b, &first, "flags", s.Flags)
	b = appendStringField(b, &first, "name", s.Name)
	b = appendUint32Field(b, &first, "kind", uint32(s.Kind))
	b = appendUint64StringField(b, &first, "startTimeUnixNano", s.StartTimeUnixNano)
	b = appendUint64StringField(b, &first, "endTimeUnixNano", s.EndTimeUnixNano)
	b = appendKeyValues(b, &first, "attributes", s.Attributes)
	b = appendUint32Field(b, &first, "droppedAttributesCount", s.DroppedAttributesCount)
	if len(s.Events) > 0 {
		b = appendFieldName(b, &first, "events")
		b = append(b, '[')
		for i, e := range s.Events {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			f := true
			b = appendUint64StringField(b, &f, "timeUnixNano", e.TimeUnixNano)
			b = appendStringField(b, &f, "name", e.Name)
			b = appendKeyValues(b, &f, "attributes", e.Attributes)
			b = appendUint32Field(b, &f, "droppedAttributesCount", e.DroppedAttributesCount)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendUint32Field(b, &first, "droppedEventsCount", s.DroppedEventsCount)
	if len(s.Links) > 0 {
		b = appendFieldName(b, &first, "links")
		b = append(b, '[')
		for i, l := range s.Links {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			f := true
			b = appendHexField(b, &f, "traceId", l.TraceId)
			b = appendHexField(b, &f, "spanId", l.SpanId)
			b = appendStringField(b, &f, "traceState", l.TraceState)
			b = appendKeyValues(b, &f, "attributes", l.Attributes)
			b = appendUint32Field(b, &f, "droppedAttributesCount", l.DroppedAttributesCount)
			b = appendUint32Field(b, &f, "flags", l.Flags)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendUint32Field(b, &first, "droppedLinksCount", s.DroppedLinksCount)
	b = appendFieldName(b, &first, "status")
	b = append(b, '{')
	f := true
	b = appendStringField(b, &f, "message", s.GetStatus().GetMessage())
	b = appendUint32Field(b, &f, "code", uint32(s.GetStatus().GetCode()))
	b = append(b, '}')
	return append(b, '}')
}

func appendFieldName(b []byte, first *bool, name string) []byte {
	if !*first {
		b = append(b, ',')
	}
	*first = false
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

func appendStringField(b []byte, first *bool, name, v string) []byte {
	if v == "" {
		return b
	}
	b = appendFieldName(b, first, name)
	return jsonstr.Append(b, v)
}

func appendHexField(b []byte, first *bool, name string, id []byte) []byte {
	if len(id) == 0 || allZero(id) {
		return b
	}
	b = appendFieldName(b, first, name)
	b = append(b, '"')
	b = hex.AppendEncode(b, id)
	return append(b, '"')
}

func allZero(p []byte) bool {
	for _, c := range p {
		if c != 0 {
			return false
		}
	}
	return true
}

func appendUint32Field(b []byte, first *bool, name string, v uint32) []byte {
	if v == 0 {
		return b
	}
	b = appendFieldName(b, first, name)
	return strconv.AppendUint(b, uint64(v), 10)
}

// appendUint64StringField writes a 64-bit integer as a JSON string, as
// protojson and the Collector do (JSON numbers lose precision past 2^53).
func appendUint64StringField(b []byte, first *bool, name string, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = appendFieldName(b, first, name)
	b = append(b, '"')
	b = strconv.AppendUint(b, v, 10)
	return append(b, '"')
}

func appendKeyValues(b []byte, first *bool, name string, kvs []*commonpb.KeyValue) []byte {
	if len(kvs) == 0 {
		return b
	}
	b = appendFieldName(b, first, name)
	return appendKeyValueArray(b, kvs)
}

func appendKeyValueArray(b []byte, kvs []*commonpb.KeyValue) []byte {
	b = append(b, '[')
	for i, kv := range kvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		b = jsonstr.Append(b, kv.Key)
		b = append(b, `,"value":`...)
		b = appendAnyValue(b, kv.Value)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendAnyValue(b []byte, v *commonpb.AnyValue) []byte {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		b = append(b, `{"stringValue":`...)
		b = jsonstr.Append(b, x.StringValue)
	case *commonpb.AnyValue_BoolValue:
		b = append(b, `{"boolValue":`...)
		b = strconv.AppendBool(b, x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		b = append(b, `{"intValue":"`...)
		b = strconv.AppendInt(b, x.IntValue, 10)
		b = append(b, '"')
	case *commonpb.AnyValue_DoubleValue:
		b = append(b, `{"doubleValue":`...)
		b = appendDouble(b, x.DoubleValue)
	case *commonpb.AnyValue_BytesValue:
		// bytesValue stays base64: only trace and span ids are hex in OTLP/JSON.
		b = append(b, `{"bytesValue":"`...)
		b = base64.StdEncoding.AppendEncode(b, x.BytesValue)
		b = append(b, '"')
	case *commonpb.AnyValue_ArrayValue:
		b = append(b, `{"arrayValue":{`...)
		if vals := x.ArrayValue.GetValues(); len(vals) > 0 {
			b = append(b, `"values":[`...)
			for i, e := range vals {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendAnyValue(b, e)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	case *commonpb.AnyValue_KvlistValue:
		b = append(b, `{"kvlistValue":{`...)
		if vals := x.KvlistValue.GetValues(); len(vals) > 0 {
			b = append(b, `"values":`...)
			b = appendKeyValueArray(b, vals)
		}
		b = append(b, '}')
	default:
		return append(b, "{}"...)
	}
	return append(b, '}')
}

// appendDouble writes f as protojson does: a JSON number, or the strings
// "NaN", "Infinity", "-Infinity" that JSON numbers cannot express.
func appendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}
