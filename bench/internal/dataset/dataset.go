// Package dataset generates a deterministic, realistic OpenTelemetry trace
// dataset for tracectl's decoder benchmarks and cross-checks, and encodes it
// exactly as the OpenTelemetry Collector's file exporter would write it.
//
// The traffic is that of an eight-service shop (HTTP front end, gRPC
// back ends, PostgreSQL and Redis clients, a Kafka hop) with semantic
// convention attributes, exceptions with stack traces on failed calls,
// log-like events, links and trace state. Every service batches its ended
// spans like the SDK's BatchSpanProcessor (512 spans per
// ExportTraceServiceRequest, one resource and one scope each), so the spans
// of one trace are spread over many requests, and the requests are written in
// the order they would have been exported.
//
// Encoding goes through the Collector's own pdata marshalers
// (ptrace.ProtoMarshaler, ptrace.JSONMarshaler), so the bytes are the ones
// the file exporter writes: `format: proto` frames each message with a 4-byte
// big-endian length, `format: json` writes one message per line.
//
// The same Config always gives the same bytes.
package dataset

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// DefaultSpans is the benchmark dataset's size (at least this many spans;
// whole traces are generated, so a few more).
const DefaultSpans = 150_000

// DefaultBatchSize is the OpenTelemetry SDK BatchSpanProcessor's default
// maximum export batch size.
const DefaultBatchSize = 512

// Config selects the dataset. The zero value of each field means its default.
type Config struct {
	// Spans is the minimum number of spans (default DefaultSpans).
	Spans int
	// Seed drives every random choice (ids, shapes, timings, failures).
	Seed uint64
	// BatchSize is the number of spans per export request (default
	// DefaultBatchSize).
	BatchSize int
	// EdgeCases adds values that are legal OTLP but rare in real traffic:
	// bytes, nested maps and arrays, empty values, extreme ints and doubles
	// (NaN, ±Inf), strings that need JSON escapes, empty names, unspecified
	// kinds, dropped counts, a request with several resources and scopes,
	// a resource without service.name. For correctness checks, not for
	// benchmarks.
	EdgeCases bool
}

func (c Config) withDefaults() Config {
	if c.Spans <= 0 {
		c.Spans = DefaultSpans
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	return c
}

// Dataset is a generated dataset in both wire encodings.
type Dataset struct {
	// Proto holds one ExportTraceServiceRequest per export batch, as
	// pdata's ProtoMarshaler writes it (unframed).
	Proto [][]byte
	// JSON holds the same requests in OTLP/JSON as pdata's JSONMarshaler
	// writes them (hex ids, 64-bit integers as strings), without the
	// trailing newline.
	JSON [][]byte
	// BatchSpans is the number of spans in each request.
	BatchSpans []int
	// Spans and Traces count the whole dataset.
	Spans, Traces int
}

// FramedProto returns the requests as the Collector file exporter writes
// them with `format: proto`: for each, a 4-byte big-endian length and the
// message.
func (d *Dataset) FramedProto() []byte {
	n := 0
	for _, m := range d.Proto {
		n += 4 + len(m)
	}
	out := make([]byte, 0, n)
	for _, m := range d.Proto {
		out = binary.BigEndian.AppendUint32(out, uint32(len(m)))
		out = append(out, m...)
	}
	return out
}

// JSONLines returns the requests as the Collector file exporter writes them
// with `format: json`: one OTLP/JSON message per line.
func (d *Dataset) JSONLines() []byte {
	n := 0
	for _, m := range d.JSON {
		n += len(m) + 1
	}
	out := make([]byte, 0, n)
	for _, m := range d.JSON {
		out = append(out, m...)
		out = append(out, '\n')
	}
	return out
}

// Generate builds the dataset described by cfg.
func Generate(cfg Config) (*Dataset, error) {
	cfg = cfg.withDefaults()
	g := newGen(cfg)
	t := baseTime
	for len(g.spans) < cfg.Spans {
		g.trace(t)
		g.traces++
		// Poisson arrivals, about 700 requests per second across the shop.
		t += int64(g.rng.ExpFloat64() * 1.4e6)
	}
	reqs := g.batches()
	ds := &Dataset{Traces: g.traces}
	var pm ptrace.ProtoMarshaler
	var jm ptrace.JSONMarshaler
	for _, td := range reqs {
		pb, err := pm.MarshalTraces(td)
		if err != nil {
			return nil, fmt.Errorf("marshal proto: %w", err)
		}
		js, err := jm.MarshalTraces(td)
		if err != nil {
			return nil, fmt.Errorf("marshal json: %w", err)
		}
		ds.Proto = append(ds.Proto, pb)
		ds.JSON = append(ds.JSON, js)
		ds.BatchSpans = append(ds.BatchSpans, td.SpanCount())
		ds.Spans += td.SpanCount()
	}
	return ds, nil
}

// baseTime is 2026-01-15T12:00:00Z in unix nanoseconds.
const baseTime int64 = 1768478400_000000000

// kv is one generated attribute. val is a string, int64, float64, bool,
// []byte, []any (an array) or []kv (a map); nil is an empty value.
type kv struct {
	key string
	val any
}

type genEvent struct {
	name    string
	time    int64
	attrs   []kv
	dropped uint32
}

type genLink struct {
	trace      pcommon.TraceID
	span       pcommon.SpanID
	traceState string
	flags      uint32
	attrs      []kv
}

type genSpan struct {
	trace      pcommon.TraceID
	id, parent pcommon.SpanID
	traceState string
	flags      uint32
	name       string
	kind       ptrace.SpanKind
	start, end int64
	attrs      []kv
	events     []genEvent
	links      []genLink
	code       ptrace.StatusCode
	message    string
	svc        int
	dropped    uint32 // dropped attributes count (edge cases only)
}

type gen struct {
	cfg    Config
	rng    *rand.Rand
	svcs   []*service
	spans  []genSpan
	traces int
	// roots remembers recent root spans, for links from a later request of
	// the same session.
	roots []genLink
}

func newGen(cfg Config) *gen {
	g := &gen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x7472616365637463))}
	g.svcs = newServices(g.rng)
	return g
}

// batches groups each service's spans by end time into SDK-sized export
// batches and orders all batches by export time, as a Collector receiving
// them would write them.
func (g *gen) batches() []ptrace.Traces {
	type batch struct {
		at  int64
		svc int
		idx []int
	}
	per := make([][]int, len(g.svcs))
	for i := range g.spans {
		s := g.spans[i].svc
		per[s] = append(per[s], i)
	}
	var all []batch
	for svc, idx := range per {
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(g.spans[a].end, g.spans[b].end) })
		for len(idx) > 0 {
			n := min(g.cfg.BatchSize, len(idx))
			all = append(all, batch{at: g.spans[idx[n-1]].end, svc: svc, idx: idx[:n:n]})
			idx = idx[n:]
		}
	}
	slices.SortStableFunc(all, func(a, b batch) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.svc, b.svc))
	})
	out := make([]ptrace.Traces, 0, len(all)+1)
	for i, b := range all {
		td := ptrace.NewTraces()
		g.appendResourceSpans(td, b.svc, b.idx)
		if g.cfg.EdgeCases && i == len(all)/2 {
			// A Collector batch processor merges requests: one request with
			// several resources, one of them without service.name and
			// with two scopes.
			g.appendEdgeResources(td, all[(i+1)%len(all)].idx)
		}
		out = append(out, td)
	}
	return out
}

func (g *gen) appendResourceSpans(td ptrace.Traces, svc int, idx []int) {
	s := g.svcs[svc]
	rs := td.ResourceSpans().AppendEmpty()
	rs.SetSchemaUrl(schemaURL)
	putAttrs(rs.Resource().Attributes(), s.resource)
	ss := rs.ScopeSpans().AppendEmpty()
	ss.SetSchemaUrl(schemaURL)
	ss.Scope().SetName(s.scopeName)
	ss.Scope().SetVersion(s.scopeVersion)
	spans := ss.Spans()
	spans.EnsureCapacity(len(idx))
	for _, i := range idx {
		g.spans[i].put(spans.AppendEmpty())
	}
}

func (s *genSpan) put(sp ptrace.Span) {
	sp.SetTraceID(s.trace)
	sp.SetSpanID(s.id)
	sp.SetParentSpanID(s.parent)
	sp.TraceState().FromRaw(s.traceState)
	sp.SetFlags(s.flags)
	sp.SetName(s.name)
	sp.SetKind(s.kind)
	sp.SetStartTimestamp(pcommon.Timestamp(s.start))
	sp.SetEndTimestamp(pcommon.Timestamp(s.end))
	putAttrs(sp.Attributes(), s.attrs)
	sp.SetDroppedAttributesCount(s.dropped)
	if len(s.events) > 0 {
		evs := sp.Events()
		evs.EnsureCapacity(len(s.events))
		for _, e := range s.events {
			ev := evs.AppendEmpty()
			ev.SetName(e.name)
			ev.SetTimestamp(pcommon.Timestamp(e.time))
			putAttrs(ev.Attributes(), e.attrs)
			ev.SetDroppedAttributesCount(e.dropped)
		}
	}
	for _, l := range s.links {
		ln := sp.Links().AppendEmpty()
		ln.SetTraceID(l.trace)
		ln.SetSpanID(l.span)
		ln.TraceState().FromRaw(l.traceState)
		ln.SetFlags(l.flags)
		putAttrs(ln.Attributes(), l.attrs)
	}
	sp.Status().SetCode(s.code)
	sp.Status().SetMessage(s.message)
}

func putAttrs(m pcommon.Map, attrs []kv) {
	m.EnsureCapacity(len(attrs))
	for _, a := range attrs {
		putValue(m.PutEmpty(a.key), a.val)
	}
}

func putValue(v pcommon.Value, val any) {
	switch x := val.(type) {
	case nil:
	case string:
		v.SetStr(x)
	case int64:
		v.SetInt(x)
	case int:
		v.SetInt(int64(x))
	case float64:
		v.SetDouble(x)
	case bool:
		v.SetBool(x)
	case []byte:
		v.SetEmptyBytes().FromRaw(x)
	case []any:
		sl := v.SetEmptySlice()
		sl.EnsureCapacity(len(x))
		for _, e := range x {
			putValue(sl.AppendEmpty(), e)
		}
	case []kv:
		putAttrs(v.SetEmptyMap(), x)
	default:
		panic(fmt.Sprintf("dataset: unsupported attribute value %T", val))
	}
}
