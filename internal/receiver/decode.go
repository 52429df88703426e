package receiver

// TEMPORARY until ingest lands: decode with proto.Unmarshal and convert.

import (

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
)


func decodeBody(body []byte, isProto bool) ([]dag.Span, error) {
	var req coltracepb.ExportTraceServiceRequest
	if !isProto {
		return ingest.DecodeJSONRequest(body)
	}
	if err := proto.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	var out []dag.Span
	for _, rs := range req.ResourceSpans {
		res := &dag.Resource{Attrs: tmpAttrs(rs.GetResource().GetAttributes()), SchemaURL: rs.SchemaUrl}
		if v, ok := dag.Lookup(res.Attrs, "service.name"); ok {
			res.Service = v.Str()
		}
		for _, ss := range rs.ScopeSpans {
			sc := &dag.Scope{Name: ss.GetScope().GetName(), Version: ss.GetScope().GetVersion(), Attrs: tmpAttrs(ss.GetScope().GetAttributes())}
			for _, s := range ss.Spans {
				d := dag.Span{Name: s.Name, Kind: dag.Kind(s.Kind), Start: int64(s.StartTimeUnixNano), End: int64(s.EndTimeUnixNano),
					Flags: s.Flags, TraceState: s.TraceState, Resource: res, Scope: sc, Attrs: tmpAttrs(s.Attributes),
					Status: dag.Status{Code: dag.StatusCode(s.GetStatus().GetCode()), Message: s.GetStatus().GetMessage()}}
				copy(d.TraceID[:], s.TraceId)
				copy(d.SpanID[:], s.SpanId)
				copy(d.ParentSpanID[:], s.ParentSpanId)
				for _, e := range s.Events {
					d.Events = append(d.Events, dag.Event{Name: e.Name, Time: int64(e.TimeUnixNano), Attrs: tmpAttrs(e.Attributes)})
				}
				out = append(out, d)
			}
		}
	}
	return out, nil
}

func tmpAttrs(kvs []*commonpb.KeyValue) []dag.Attr {
	var out []dag.Attr
	for _, kv := range kvs {
		out = append(out, dag.Attr{Key: kv.Key, Value: tmpValue(kv.Value)})
	}
	return out
}

func tmpValue(v *commonpb.AnyValue) dag.Value {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return dag.StringValue(x.StringValue)
	case *commonpb.AnyValue_IntValue:
		return dag.IntValue(x.IntValue)
	case *commonpb.AnyValue_BoolValue:
		return dag.BoolValue(x.BoolValue)
	case *commonpb.AnyValue_DoubleValue:
		return dag.DoubleValue(x.DoubleValue)
	}
	return dag.Value{}
}
