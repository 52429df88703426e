package dataset

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// edgeStrings need JSON escapes or are otherwise easy to get wrong.
var edgeStrings = []string{
	"",
	"quote \" backslash \\ slash / tab \t newline \n cr \r",
	"control \x00 \x01 \x1f del \x7f",
	"héllo wörld — 日本語 — 🎉 emoji",
	"<script>alert('&amp;')</script>",
	"\u2028 line separator \u2029 paragraph separator",
	"trailing backslash \\",
	"ÿ€\U0010FFFF",
}

var edgeDoubles = []float64{0, math.Copysign(0, -1), 1, -1.5, 3.141592653589793, 1e-300, 1.7976931348623157e308,
	5e-324, 1e21, 123456789.125, math.NaN(), math.Inf(1), math.Inf(-1)}

var edgeInts = []int64{0, -1, 1, math.MaxInt64, math.MinInt64, 1 << 53, -(1 << 53) - 1, 9007199254740993}

// edge decorates one span of the trace that starts at index first with
// values that are legal OTLP but rare.
func (tr *trace) edge(first int) {
	g := tr.g
	i := first + g.rng.IntN(len(g.spans)-first)
	s := &g.spans[i]
	pick := func(n int) int { return g.rng.IntN(n) }
	s.attrs = append(s.attrs,
		kv{"edge.string", edgeStrings[pick(len(edgeStrings))]},
		kv{"edge.int", edgeInts[pick(len(edgeInts))]},
		kv{"edge.double", edgeDoubles[pick(len(edgeDoubles))]},
		kv{"edge.bool", g.chance(0.5)},
		kv{"edge.bytes", []byte{0, 1, 2, 0xfe, 0xff, byte(pick(256))}},
		kv{"edge.bytes.empty", []byte{}},
		kv{"edge.empty", nil},
		kv{"edge.array", []any{"a", int64(-7), 2.5, true, nil, []byte("xyz"), []any{"nested"}, []kv{{"k", "v"}}}},
		kv{"edge.array.empty", []any{}},
		kv{"edge.map", []kv{{"inner.str", edgeStrings[pick(len(edgeStrings))]}, {"inner.int", int64(42)},
			{"inner.map", []kv{{"deep", []any{int64(1), int64(2)}}}}, {"inner.empty", nil}}},
		kv{"edge.map.empty", []kv{}},
		kv{edgeStrings[1+pick(len(edgeStrings)-1)], "a key that needs escaping"},
	)
	switch pick(8) {
	case 0:
		s.name = ""
	case 1:
		s.kind = ptrace.SpanKindUnspecified
	case 2:
		s.code, s.message = ptrace.StatusCodeOk, "ok, with a message"
	case 3:
		s.code, s.message = ptrace.StatusCodeUnset, "unset, with a message"
	case 4:
		s.end = 0
	case 5:
		s.dropped = 3
	case 6:
		s.flags = 0
	case 7:
		s.name = edgeStrings[pick(len(edgeStrings))]
	}
	s.events = append(s.events,
		genEvent{name: "no attributes", time: s.start},
		genEvent{name: "", time: 0, attrs: []kv{{"edge.event", edgeStrings[pick(len(edgeStrings))]}}, dropped: 2},
	)
	s.links = append(s.links,
		genLink{trace: g.traceID(), span: g.spanID()},
		genLink{trace: tr.id, span: s.parent, traceState: "vendor=a:b,other=c", flags: 0x1,
			attrs: []kv{{"edge.link", int64(-1)}, {"edge.link.map", []kv{{"x", 1.25}}}}},
	)
}

// appendEdgeResources adds resources like those of a Collector batch
// processor's merged request: one without service.name and with two scopes
// (one unnamed, with attributes), one with no attributes at all.
func (g *gen) appendEdgeResources(td ptrace.Traces, idx []int) {
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("host.name", "batch-host")
	rs.Resource().Attributes().PutInt("process.pid", 4242)
	rs.Resource().SetDroppedAttributesCount(1)
	sc := rs.ScopeSpans().AppendEmpty()
	sc.Scope().Attributes().PutStr("scope.attr", "v")
	sc.Scope().Attributes().PutEmptySlice("scope.list").AppendEmpty().SetInt(7)
	sc.Scope().SetDroppedAttributesCount(1)
	for _, i := range idx[:min(3, len(idx))] {
		g.spans[i].put(sc.Spans().AppendEmpty())
	}
	sc2 := rs.ScopeSpans().AppendEmpty()
	sc2.Scope().SetName("second.scope")
	sc2.SetSchemaUrl("https://example.com/schema")
	for _, i := range idx[min(3, len(idx)):min(5, len(idx))] {
		g.spans[i].put(sc2.Spans().AppendEmpty())
	}
	// An empty resource and an empty scope are legal and must decode to nothing.
	rs2 := td.ResourceSpans().AppendEmpty()
	rs2.ScopeSpans().AppendEmpty()
	rs3 := td.ResourceSpans().AppendEmpty()
	sp := rs3.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	var tid pcommon.TraceID
	copy(tid[:], "edge-trace-id-16")
	sp.SetTraceID(tid)
	sp.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	sp.SetName("span of a resource with no attributes")
	sp.SetStartTimestamp(pcommon.Timestamp(baseTime))
	sp.SetEndTimestamp(pcommon.Timestamp(baseTime + 1))
}
