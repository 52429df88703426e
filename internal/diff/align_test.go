package diff

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
)

// tspan is a span of a hand-written trace: id, parent id (0 for root),
// service, name, start and end in ms.
type tspan struct {
	id, parent uint64
	svc, name  string
	start, end int64
}

func build(spans ...tspan) *critpath.Analysis {
	t := &dag.Trace{ID: dag.TraceID{1}}
	for _, s := range spans {
		sp := dag.SpanData{TraceID: t.ID, Resource: resource(s.svc), Name: s.name, Start: uint64(s.start * 1e6), End: uint64(s.end * 1e6)}
		binary.BigEndian.PutUint64(sp.SpanID[:], s.id)
		if s.parent != 0 {
			binary.BigEndian.PutUint64(sp.ParentSpanID[:], s.parent)
		}
		t.Spans = append(t.Spans, &dag.Pack([]dag.SpanData{sp})[0])
	}
	return critpath.Analyze(dag.Build(t))
}

func TestAlign(t *testing.T) {
	base := build(
		tspan{1, 0, "web", "GET /", 0, 100},
		tspan{2, 1, "db", "query", 10, 30},
		tspan{3, 1, "db", "query", 40, 60},
		tspan{4, 1, "cache", "get", 70, 80},
	)
	cand := build(
		tspan{1, 0, "web", "GET /", 0, 120},
		tspan{2, 1, "db", "query", 10, 30},
		tspan{3, 1, "db", "query", 40, 90},
		tspan{5, 1, "db", "query", 95, 110},
	)
	got := Align(base, cand)
	ms := int64(1e6)
	want := []SpanDiff{
		{Label: "web/GET /", Parent: -1, Service: "web", Name: "GET /", Change: Changed,
			BaseDuration: 100 * ms, CandDuration: 120 * ms, BaseCritical: 50 * ms, CandCritical: 35 * ms},
		{Label: "db/query", Depth: 1, Service: "db", Name: "query", Change: Same,
			BaseDuration: 20 * ms, CandDuration: 20 * ms, BaseCritical: 20 * ms, CandCritical: 20 * ms},
		{Label: "db/query#2", Depth: 1, Service: "db", Name: "query", Change: Changed,
			BaseDuration: 20 * ms, CandDuration: 50 * ms, BaseCritical: 20 * ms, CandCritical: 50 * ms},
		{Label: "cache/get", Depth: 1, Service: "cache", Name: "get", Change: Removed,
			BaseDuration: 10 * ms, BaseCritical: 10 * ms},
		{Label: "db/query#3", Depth: 1, Service: "db", Name: "query", Change: Added,
			CandDuration: 15 * ms, CandCritical: 15 * ms},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(SpanDiff{}, "Base", "Cand")); diff != "" {
		t.Errorf("Align (-want +got):\n%s", diff)
	}
	if p := Path(got, 2); p != "web/GET / > db/query#2" {
		t.Errorf("Path = %q", p)
	}
	if got[3].Cand != -1 || got[4].Base != -1 || got[0].Base < 0 || got[0].Cand < 0 {
		t.Errorf("node indexes: %+v", got)
	}
	if !got[3].OnPathChanged() || got[1].OnPathChanged() {
		t.Error("OnPathChanged")
	}
}

// TestAlignDeep: a 100,000-deep chain aligns without recursion.
func TestAlignDeep(t *testing.T) {
	const n = 100_000
	spans := make([]tspan, n)
	for i := range spans {
		spans[i] = tspan{uint64(i + 1), uint64(i), "svc", "step", int64(i), int64(2*n - i)}
	}
	a := build(spans...)
	got := Align(a, a)
	if len(got) != n || got[n-1].Depth != n-1 || got[n-1].Change != Same {
		t.Errorf("got %d rows, last %+v", len(got), got[len(got)-1])
	}
}
