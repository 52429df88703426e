package bench

import (
	"encoding/hex"
	"strconv"

	"github.com/tracectl/tracectl/internal/dag"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// flatSpan is a decoder-neutral view of one span with everything tracectl's
// model keeps, so that pdata's and tracectl's results compare with cmp.Diff.
// Ids are hex, doubles are formatted (so NaN equals NaN and -0 differs from
// 0), bytes are hex.
type flatSpan struct {
	TraceID, SpanID, ParentSpanID string
	TraceState                    string
	Flags                         uint32
	Name                          string
	Kind                          int
	Start, End                    uint64
	StatusCode                    int
	StatusMessage                 string
	Attrs                         []flatAttr
	Events                        []flatEvent
	Links                         []flatLink
	Service                       string
	Resource                      []flatAttr
	ResourceSchemaURL             string
	ScopeName, ScopeVersion       string
	ScopeAttrs                    []flatAttr
}

type flatAttr struct {
	Key   string
	Value flatValue
}

type flatValue struct {
	Type  string
	Str   string
	Array []flatValue
	Map   []flatAttr
}

type flatEvent struct {
	Name  string
	Time  uint64
	Attrs []flatAttr
}

type flatLink struct {
	TraceID, SpanID, TraceState string
	Flags                       uint32
	Attrs                       []flatAttr
}

func fmtDouble(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// ---- pdata ----

func flattenPdata(td ptrace.Traces) []flatSpan {
	var out []flatSpan
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		res := pdataAttrs(rs.Resource().Attributes())
		svc := ""
		if v, ok := rs.Resource().Attributes().Get("service.name"); ok && v.Type() == pcommon.ValueTypeStr {
			svc = v.Str()
		}
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			sc := ss.Scope()
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				s := spans.At(k)
				f := flatSpan{
					TraceID: hexOrEmpty(s.TraceID()), SpanID: hexOrEmpty(s.SpanID()), ParentSpanID: hexOrEmpty(s.ParentSpanID()),
					TraceState: s.TraceState().AsRaw(), Flags: s.Flags(), Name: s.Name(), Kind: int(s.Kind()),
					Start: uint64(s.StartTimestamp()), End: uint64(s.EndTimestamp()),
					StatusCode: int(s.Status().Code()), StatusMessage: s.Status().Message(),
					Attrs: pdataAttrs(s.Attributes()), Service: svc, Resource: res, ResourceSchemaURL: rs.SchemaUrl(),
					ScopeName: sc.Name(), ScopeVersion: sc.Version(), ScopeAttrs: pdataAttrs(sc.Attributes()),
				}
				evs := s.Events()
				for e := 0; e < evs.Len(); e++ {
					ev := evs.At(e)
					f.Events = append(f.Events, flatEvent{Name: ev.Name(), Time: uint64(ev.Timestamp()), Attrs: pdataAttrs(ev.Attributes())})
				}
				lns := s.Links()
				for l := 0; l < lns.Len(); l++ {
					ln := lns.At(l)
					f.Links = append(f.Links, flatLink{TraceID: hexOrEmpty(ln.TraceID()), SpanID: hexOrEmpty(ln.SpanID()),
						TraceState: ln.TraceState().AsRaw(), Flags: ln.Flags(), Attrs: pdataAttrs(ln.Attributes())})
				}
				out = append(out, f)
			}
		}
	}
	return out
}

// hexOrEmpty formats an id as hex; an all-zero id (absent) is "0…0" in
// both models, so it is kept as hex too.
func hexOrEmpty[T pcommon.TraceID | pcommon.SpanID](id T) string {
	switch v := any(id).(type) {
	case pcommon.TraceID:
		return hex.EncodeToString(v[:])
	case pcommon.SpanID:
		return hex.EncodeToString(v[:])
	}
	return ""
}

func pdataAttrs(m pcommon.Map) []flatAttr {
	var out []flatAttr
	for k, v := range m.All() {
		out = append(out, flatAttr{Key: k, Value: pdataValue(v)})
	}
	return out
}

func pdataValue(v pcommon.Value) flatValue {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return flatValue{Type: "string", Str: v.Str()}
	case pcommon.ValueTypeInt:
		return flatValue{Type: "int", Str: strconv.FormatInt(v.Int(), 10)}
	case pcommon.ValueTypeDouble:
		return flatValue{Type: "double", Str: fmtDouble(v.Double())}
	case pcommon.ValueTypeBool:
		return flatValue{Type: "bool", Str: strconv.FormatBool(v.Bool())}
	case pcommon.ValueTypeBytes:
		return flatValue{Type: "bytes", Str: hex.EncodeToString(v.Bytes().AsRaw())}
	case pcommon.ValueTypeSlice:
		out := flatValue{Type: "array"}
		sl := v.Slice()
		for i := 0; i < sl.Len(); i++ {
			out.Array = append(out.Array, pdataValue(sl.At(i)))
		}
		return out
	case pcommon.ValueTypeMap:
		return flatValue{Type: "map", Map: pdataAttrs(v.Map())}
	}
	return flatValue{Type: "empty"}
}

// ---- tracectl ----

func flattenDag(spans []dag.Span) []flatSpan {
	out := make([]flatSpan, 0, len(spans))
	for i := range spans {
		s := &spans[i]
		f := flatSpan{
			TraceID: s.TraceID.String(), SpanID: s.SpanID.String(), ParentSpanID: s.ParentSpanID.String(),
			TraceState: s.TraceState(), Flags: s.Flags, Name: s.Name(), Kind: int(s.Kind), Start: s.Start, End: s.End,
			StatusCode: int(s.Status().Code), StatusMessage: s.Status().Message, Attrs: dagAttrs(s.AttrList()),
		}
		if r := s.Resource(); r != nil {
			f.Service, f.Resource, f.ResourceSchemaURL = r.Service, dagAttrs(r.Attrs), r.SchemaURL
		}
		if sc := s.Scope(); sc != nil {
			f.ScopeName, f.ScopeVersion, f.ScopeAttrs = sc.Name, sc.Version, dagAttrs(sc.Attrs)
		}
		for _, e := range s.Events() {
			f.Events = append(f.Events, flatEvent{Name: e.Name, Time: e.Time, Attrs: dagAttrs(e.Attrs)})
		}
		for _, l := range s.Links() {
			f.Links = append(f.Links, flatLink{TraceID: l.TraceID.String(), SpanID: l.SpanID.String(),
				TraceState: l.TraceState, Flags: l.Flags, Attrs: dagAttrs(l.Attrs)})
		}
		out = append(out, f)
	}
	return out
}

func dagAttrs(attrs []dag.Attr) []flatAttr {
	var out []flatAttr
	for _, a := range attrs {
		out = append(out, flatAttr{Key: a.Key, Value: dagValue(a.Value)})
	}
	return out
}

func dagValue(v dag.Value) flatValue {
	switch v.Type() {
	case dag.ValueString:
		return flatValue{Type: "string", Str: v.Str()}
	case dag.ValueInt:
		return flatValue{Type: "int", Str: strconv.FormatInt(v.Int(), 10)}
	case dag.ValueDouble:
		return flatValue{Type: "double", Str: fmtDouble(v.Double())}
	case dag.ValueBool:
		return flatValue{Type: "bool", Str: strconv.FormatBool(v.Bool())}
	case dag.ValueBytes:
		return flatValue{Type: "bytes", Str: hex.EncodeToString([]byte(v.Bytes()))}
	case dag.ValueArray:
		out := flatValue{Type: "array"}
		for _, e := range v.Array() {
			out.Array = append(out.Array, dagValue(e))
		}
		return out
	case dag.ValueMap:
		return flatValue{Type: "map", Map: dagAttrs(v.Map())}
	}
	return flatValue{Type: "empty"}
}
