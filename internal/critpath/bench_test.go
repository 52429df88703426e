package critpath

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
)

// benchTrace makes one trace of n spans shaped like a service call tree:
// each span's parent is an earlier span (fan-out around 4), children sit
// inside their parent (some overlapping, a few overflowing), 10 services
// and 40 operation names, three attributes per span.
func benchTrace(r *rand.Rand, traceNo uint64, n int) []dag.SpanData {
	var tid dag.TraceID
	binary.BigEndian.PutUint64(tid[:8], traceNo+1)
	binary.BigEndian.PutUint64(tid[8:], r.Uint64())
	spans := make([]dag.SpanData, n)
	for i := range spans {
		s := &spans[i]
		s.TraceID = tid
		binary.BigEndian.PutUint64(s.SpanID[:], uint64(i+1)<<20|r.Uint64N(1<<20))
		svc := r.IntN(len(benchResources))
		s.Resource = benchResources[svc]
		s.Name = benchNames[svc*4+r.IntN(4)]
		s.Kind = dag.KindServer
		s.Attrs = []dag.Attr{
			{Key: "http.request.method", Value: dag.StringValue("GET")},
			{Key: "http.response.status_code", Value: dag.IntValue(200)},
			{Key: "server.address", Value: dag.StringValue("checkout.internal")},
		}
		if i == 0 {
			s.Start, s.End = 1_750_000_000_000_000_000, 1_750_000_000_000_000_000+uint64(n)*1000
			continue
		}
		p := &spans[(i-1)/4]
		if r.IntN(3) == 0 && i > 4 {
			p = &spans[r.IntN(i)]
		}
		s.ParentSpanID = p.SpanID
		d := p.End - p.Start
		s.Start = p.Start + r.Uint64N(d/2+1)
		s.End = s.Start + r.Uint64N(d/2+1)
		if r.IntN(50) == 0 {
			s.End += r.Uint64N(d/4 + 1) // overflows the parent
		}
	}
	return spans
}

var (
	benchResources = func() []*dag.Resource {
		rs := make([]*dag.Resource, 10)
		for i := range rs {
			rs[i] = &dag.Resource{Service: fmt.Sprintf("service-%d", i),
				Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue(fmt.Sprintf("service-%d", i))}}}
		}
		return rs
	}()
	benchNames = func() []string {
		ns := make([]string, 40)
		for i := range ns {
			ns[i] = fmt.Sprintf("GET /api/v1/resource-%d", i)
		}
		return ns
	}()
)

// otlpMessages encodes spans as OTLP ExportTraceServiceRequest messages of
// at most batch spans each, grouped by resource as an SDK or Collector
// would, so decode benchmarks read the same data the analysis works on.
func otlpMessages(b *testing.B, spans []dag.SpanData, batch int) [][]byte {
	var msgs [][]byte
	for lo := 0; lo < len(spans); lo += batch {
		hi := min(lo+batch, len(spans))
		byRes := map[*dag.Resource]*tracepb.ResourceSpans{}
		req := &coltracepb.ExportTraceServiceRequest{}
		for i := lo; i < hi; i++ {
			s := &spans[i]
			rs, ok := byRes[s.Resource]
			if !ok {
				rs = &tracepb.ResourceSpans{
					Resource:   &resourcepb.Resource{Attributes: otlpAttrs(s.Resource.Attrs)},
					ScopeSpans: []*tracepb.ScopeSpans{{Scope: &commonpb.InstrumentationScope{Name: "bench"}}},
				}
				byRes[s.Resource] = rs
				req.ResourceSpans = append(req.ResourceSpans, rs)
			}
			ps := &tracepb.Span{
				TraceId:           s.TraceID[:],
				SpanId:            s.SpanID[:],
				Name:              s.Name,
				Kind:              tracepb.Span_SpanKind(s.Kind),
				StartTimeUnixNano: s.Start,
				EndTimeUnixNano:   s.End,
				Attributes:        otlpAttrs(s.Attrs),
			}
			if !s.ParentSpanID.IsZero() {
				ps.ParentSpanId = s.ParentSpanID[:]
			}
			rs.ScopeSpans[0].Spans = append(rs.ScopeSpans[0].Spans, ps)
		}
		m, err := proto.Marshal(req)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func otlpAttrs(attrs []dag.Attr) []*commonpb.KeyValue {
	out := make([]*commonpb.KeyValue, len(attrs))
	for i, a := range attrs {
		v := &commonpb.AnyValue{}
		switch a.Value.Type() {
		case dag.ValueInt:
			v.Value = &commonpb.AnyValue_IntValue{IntValue: a.Value.Int()}
		default:
			v.Value = &commonpb.AnyValue_StringValue{StringValue: a.Value.Str()}
		}
		out[i] = &commonpb.KeyValue{Key: a.Key, Value: v}
	}
	return out
}

type benchData struct {
	name   string
	spans  int
	trees  []*dag.Tree
	frames [][]byte
	bytes  int
}

func makeBenchData(b *testing.B, name string, traces, perTrace int) *benchData {
	r := rand.New(rand.NewPCG(1, 2))
	d := &benchData{name: name, spans: traces * perTrace}
	var all []dag.SpanData
	for t := range traces {
		spans := benchTrace(r, uint64(t), perTrace)
		var ts dag.Traces
		ts.Add(dag.Pack(spans))
		d.trees = append(d.trees, dag.Build(ts.List()[0]))
		all = append(all, spans...)
	}
	d.frames = otlpMessages(b, all, 10_000)
	for _, f := range d.frames {
		d.bytes += len(f)
	}
	// Making the data leaves gigabytes of garbage; without this the first
	// benchmark timed pays for collecting it.
	runtime.GC()
	return d
}

// benchShapes are the traces BenchmarkCriticalPath analyses and the decode
// benchmarks read: one huge trace, and many of a usual size.
var benchShapes = []struct {
	name             string
	traces, perTrace int
}{
	{"1trace_x_1000000spans", 1, 1_000_000},
	{"10000traces_x_100spans", 10_000, 100},
}

// BenchmarkCriticalPath measures the analysis (critical path, self time and
// attribution by operation) against decoding the same spans from OTLP
// protobuf, in the same run. The bar: analysis ≤ 0.3× decoding.
//
// The decode side is tracectl's own protobuf decoder (ingest.DecodeProto)
// and, for reference, proto.Unmarshal into the generated OTLP types.
func BenchmarkCriticalPath(b *testing.B) {
	for _, shape := range benchShapes {
		d := makeBenchData(b, shape.name, shape.traces, shape.perTrace)
		b.Run(shape.name+"/analyze", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, tr := range d.trees {
					Analyze(tr)
				}
			}
			reportSpansPerSec(b, d.spans)
		})
		b.Run(shape.name+"/analyze+attrib", func(b *testing.B) {
			b.ReportAllocs()
			// As `tracectl attrib` does: one Analyzer reused trace after
			// trace.
			for b.Loop() {
				var z Analyzer
				at := NewAttribution(ByOperation)
				for _, tr := range d.trees {
					at.Add(z.Analyze(tr))
				}
				at.Rows()
			}
			reportSpansPerSec(b, d.spans)
		})
		b.Run(shape.name+"/analyze+attrib-parallel", func(b *testing.B) {
			// All of `tracectl attrib`'s analysis, on every core.
			b.ReportAllocs()
			for b.Loop() {
				Summarize(d.trees, SummaryOptions{By: ByOperation}).Attribution.Rows()
			}
			reportSpansPerSec(b, d.spans)
		})
		for _, workers := range []int{1, 0} {
			// `tracectl critpath`'s pipeline after the read: analysis and
			// attribution with a small rendering per trace, on one worker
			// and on every core (0: GOMAXPROCS), output in order.
			b.Run(fmt.Sprintf("%s/ordered-workers=%d", shape.name, workers), func(b *testing.B) {
				b.ReportAllocs()
				render := func(out []byte, k int, a, _ *Analysis) []byte {
					for _, p := range a.Paths {
						out = strconv.AppendInt(out, int64(len(p.Segments)), 10)
					}
					return append(out, '\n')
				}
				for b.Loop() {
					o := NewOrdered(SummaryOptions{By: ByOperation, Workers: workers}, render, func([]byte) error { return nil })
					for _, tr := range d.trees {
						if err := o.Add(tr); err != nil {
							b.Fatal(err)
						}
					}
					if _, err := o.Close(); err != nil {
						b.Fatal(err)
					}
				}
				reportSpansPerSec(b, d.spans)
			})
		}
		b.Run(shape.name+"/decode-ingest.DecodeProto", func(b *testing.B) {
			benchDecode(b, d.frames, d.bytes, d.spans, func(f []byte) ([]dag.Span, error) { return ingest.DecodeProto(f, nil) })
		})
		b.Run(shape.name+"/decode-proto.Unmarshal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(d.bytes))
			for b.Loop() {
				for _, f := range d.frames {
					var req coltracepb.ExportTraceServiceRequest
					if err := proto.Unmarshal(f, &req); err != nil {
						b.Fatal(err)
					}
				}
			}
			reportSpansPerSec(b, d.spans)
		})
	}
}

// reportSpansPerSec reports the throughput of a benchmark that handles spans
// spans per iteration.
func reportSpansPerSec(b *testing.B, spans int) {
	b.ReportMetric(float64(spans)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
}

// benchDecode measures decode over every message of msgs (size bytes in
// all), checking that they hold spans spans.
func benchDecode(b *testing.B, msgs [][]byte, size, spans int, decode func([]byte) ([]dag.Span, error)) {
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		n := 0
		for _, m := range msgs {
			got, err := decode(m)
			if err != nil {
				b.Fatal(err)
			}
			n += len(got)
		}
		if n != spans {
			b.Fatalf("decoded %d spans, want %d", n, spans)
		}
	}
	reportSpansPerSec(b, spans)
}

// BenchmarkRetime measures a what-if re-timing of every trace.
func BenchmarkRetime(b *testing.B) {
	d := makeBenchData(b, "", 10_000, 100)
	as := make([]*Analysis, len(d.trees))
	for i, tr := range d.trees {
		as[i] = Analyze(tr)
	}
	rules := []Speedup{{Service: "service-3", Factor: 2}}
	b.ReportAllocs()
	for b.Loop() {
		w := WhatIf{Rules: rules}
		for _, a := range as {
			w.Add(a)
		}
		w.Report()
	}
	reportSpansPerSec(b, d.spans)
}
