package dataset

import (
	"bytes"
	"encoding/binary"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestDeterministic(t *testing.T) {
	for _, edge := range []bool{false, true} {
		cfg := Config{Spans: 3000, Seed: 7, EdgeCases: edge}
		a, err := Generate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Generate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.FramedProto(), b.FramedProto()) || !bytes.Equal(a.JSONLines(), b.JSONLines()) {
			t.Errorf("edge=%v: two runs with the same config gave different bytes", edge)
		}
	}
}

func TestFraming(t *testing.T) {
	ds, err := Generate(Config{Spans: 2000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	framed := ds.FramedProto()
	for i, m := range ds.Proto {
		n := binary.BigEndian.Uint32(framed)
		if int(n) != len(m) || !bytes.Equal(framed[4:4+n], m) {
			t.Fatalf("frame %d: bad length or content", i)
		}
		framed = framed[4+n:]
	}
	if len(framed) != 0 {
		t.Fatalf("%d trailing bytes", len(framed))
	}
	lines := bytes.Split(bytes.TrimSuffix(ds.JSONLines(), []byte("\n")), []byte("\n"))
	if len(lines) != len(ds.JSON) {
		t.Fatalf("%d lines, want %d", len(lines), len(ds.JSON))
	}
}

// TestShape checks that the dataset looks like what the benchmark claims:
// SDK-sized batches, eight services, trees about six deep, about eight
// attributes per span, some events, links, errors and trace state, and
// traces spread over several requests.
func TestShape(t *testing.T) {
	ds, err := Generate(Config{Spans: 20000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	type info struct {
		parent pcommon.SpanID
		trace  pcommon.TraceID
	}
	spans := map[pcommon.SpanID]info{}
	services := map[string]bool{}
	batchesOf := map[pcommon.TraceID]map[int]bool{}
	var attrs, events, links, errs, states, withEvents, n int
	for bi, msg := range ds.Proto {
		td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(msg)
		if err != nil {
			t.Fatal(err)
		}
		if c := td.SpanCount(); c != ds.BatchSpans[bi] || c > DefaultBatchSize {
			t.Fatalf("batch %d: %d spans (BatchSpans says %d)", bi, c, ds.BatchSpans[bi])
		}
		rss := td.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			svc, _ := rss.At(i).Resource().Attributes().Get("service.name")
			services[svc.Str()] = true
			sss := rss.At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				ss := sss.At(j).Spans()
				for k := 0; k < ss.Len(); k++ {
					s := ss.At(k)
					n++
					spans[s.SpanID()] = info{s.ParentSpanID(), s.TraceID()}
					attrs += s.Attributes().Len()
					events += s.Events().Len()
					links += s.Links().Len()
					if s.Events().Len() > 0 {
						withEvents++
					}
					if s.Status().Code() == ptrace.StatusCodeError {
						errs++
					}
					if s.TraceState().AsRaw() != "" {
						states++
					}
					if batchesOf[s.TraceID()] == nil {
						batchesOf[s.TraceID()] = map[int]bool{}
					}
					batchesOf[s.TraceID()][bi] = true
				}
			}
		}
	}
	depthHist := map[int]int{}
	maxDepth := 0
	for _, s := range spans {
		d := 1
		for p := s.parent; !p.IsEmpty(); p = spans[p].parent {
			d++
		}
		depthHist[d]++
		maxDepth = max(maxDepth, d)
	}
	spread := 0
	for _, b := range batchesOf {
		if len(b) > 1 {
			spread++
		}
	}
	t.Logf("%d spans, %d traces, %d requests, %d proto bytes (%.0f B/span), %d JSON bytes (%.0f B/span)",
		n, len(batchesOf), len(ds.Proto), len(ds.FramedProto()), float64(len(ds.FramedProto()))/float64(n),
		len(ds.JSONLines()), float64(len(ds.JSONLines()))/float64(n))
	t.Logf("attrs/span %.2f, events %d on %d spans, links %d, errors %d, trace_state %d, depth max %d hist %v, traces over >1 request %d",
		float64(attrs)/float64(n), events, withEvents, links, errs, states, maxDepth, depthHist, spread)
	if len(services) != 8 {
		t.Errorf("services = %v, want 8", services)
	}
	if a := float64(attrs) / float64(n); a < 6.5 || a > 10 {
		t.Errorf("attributes per span = %.2f, want about 8", a)
	}
	if maxDepth < 6 {
		t.Errorf("max depth %d, want at least 6", maxDepth)
	}
	if events == 0 || links == 0 || errs == 0 || states == 0 || spread < len(batchesOf)/4 {
		t.Errorf("want some events, links, errors, trace state and traces spread over requests")
	}
}
