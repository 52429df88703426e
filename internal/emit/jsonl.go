package emit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
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
// object (no trailing newline), written by package ingest's encoder, the
// one every tracectl command writes OTLP with: byte for byte what the
// Collector's pdata writes. The request goes through tracectl's span
// model, which does not keep the dropped-item counts; the SDK sets them
// only past its attribute, event and link limits.
func AppendRequestJSON(b []byte, rs []*tracepb.ResourceSpans) []byte {
	return ingest.AppendOTLPJSON(b, toDag(rs))
}

// toDag converts the SDK's spans, as ToResourceSpans builds them, to
// tracectl's span model, sharing one Resource and Scope per group as the
// decoders do.
func toDag(rs []*tracepb.ResourceSpans) []dag.Span {
	var out []dag.SpanData
	for _, r := range rs {
		res := &dag.Resource{Attrs: dagAttrs(r.GetResource().GetAttributes()), SchemaURL: r.GetSchemaUrl()}
		if v, ok := dag.Lookup(res.Attrs, "service.name"); ok {
			res.Service = v.Str()
		}
		for _, ss := range r.GetScopeSpans() {
			sc := &dag.Scope{Name: ss.GetScope().GetName(), Version: ss.GetScope().GetVersion(), Attrs: dagAttrs(ss.GetScope().GetAttributes())}
			for _, s := range ss.GetSpans() {
				sp := dag.SpanData{
					Resource: res, Scope: sc, Name: s.GetName(), Kind: dag.Kind(s.GetKind()),
					Start: s.GetStartTimeUnixNano(), End: s.GetEndTimeUnixNano(),
					TraceState: s.GetTraceState(), Flags: s.GetFlags(), Attrs: dagAttrs(s.GetAttributes()),
					Status: dag.Status{Code: dag.StatusCode(s.GetStatus().GetCode()), Message: s.GetStatus().GetMessage()},
				}
				copy(sp.TraceID[:], s.GetTraceId())
				copy(sp.SpanID[:], s.GetSpanId())
				copy(sp.ParentSpanID[:], s.GetParentSpanId())
				for _, e := range s.GetEvents() {
					sp.Events = append(sp.Events, dag.Event{Name: e.GetName(), Time: e.GetTimeUnixNano(), Attrs: dagAttrs(e.GetAttributes())})
				}
				for _, l := range s.GetLinks() {
					dl := dag.Link{TraceState: l.GetTraceState(), Flags: l.GetFlags(), Attrs: dagAttrs(l.GetAttributes())}
					copy(dl.TraceID[:], l.GetTraceId())
					copy(dl.SpanID[:], l.GetSpanId())
					sp.Links = append(sp.Links, dl)
				}
				out = append(out, sp)
			}
		}
	}
	return dag.Pack(out)
}

func dagAttrs(kvs []*commonpb.KeyValue) []dag.Attr {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]dag.Attr, len(kvs))
	for i, kv := range kvs {
		out[i] = dag.Attr{Key: kv.GetKey(), Value: dagValue(kv.GetValue())}
	}
	return out
}

func dagValue(v *commonpb.AnyValue) dag.Value {
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
		vs := make([]dag.Value, len(x.ArrayValue.GetValues()))
		for i, e := range x.ArrayValue.GetValues() {
			vs[i] = dagValue(e)
		}
		return dag.ArrayValue(vs)
	case *commonpb.AnyValue_KvlistValue:
		return dag.MapValue(dagAttrs(x.KvlistValue.GetValues()))
	}
	return dag.Value{}
}
