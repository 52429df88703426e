package critpath

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
)

// jaegerTrace reads one Jaeger UI fixture (Jaeger JSON, read directly) from
// ../shared/conformance and analyses its one trace; it skips when the
// directory is absent.
func jaegerTrace(t *testing.T, name string) *Analysis {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "conformance", "jaeger-ui-tracestats", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("conformance file %s not present: %v", name, err)
	}
	var ts dag.Traces
	err := ingest.ReadFiles([]string{p}, nil, ingest.Options{}, func(packed []dag.Span) error {
		b := dag.Unpack(packed)
		ts.Add(dag.Pack(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ts.Len() != 1 {
		t.Fatalf("%s: %d traces, want 1", name, ts.Len())
	}
	return Analyze(dag.Build(ts.List()[0]))
}

// nodeOf returns the node of the span with the given hex id, or the first
// root for "".
func nodeOf(t *testing.T, a *Analysis, id string) int32 {
	t.Helper()
	if id == "" {
		return a.Tree.Roots[0]
	}
	for i := range a.Tree.Nodes {
		n := &a.Tree.Nodes[i]
		if !n.Missing() && n.ID.String() == padID(id) {
			return int32(i)
		}
	}
	t.Fatalf("no span %s", id)
	return 0
}

func padID(id string) string {
	for len(id) < 16 {
		id = "0" + id
	}
	return id
}

// TestJaegerUISelfTimes checks the self times Jaeger UI's Trace Statistics
// tests expect (PROVENANCE.md lists them, in µs) on its own fixtures.
func TestJaegerUISelfTimes(t *testing.T) {
	for _, tc := range []struct {
		file string
		span string // hex id; "" for the root
		want int64  // µs
	}{
		{"traceWithOverlappingChildrenLongerThanParent.json", "", 30},
		{"traceWithTwoNonOverlappingChildren.json", "", 30},
		{"traceWithOverlappingChildren.json", "", 3},
		{"traceWithSingleChildLongerThanParentAndStartsAfterParent.json", "", 40},
		{"traceWithThreeShortChildren.json", "", 5},
		{"traceWithThreeShortOverlappingChildren.json", "", 20},
		{"traceWithTwoChildrenStartedAtTraceStart.json", "", 0},
		{"spansAmongEachOther.json", "6f9bbe751e5fd944", 1665},
		{"spansAmongEachOtherGrouped.json", "6f9bbe751e5fd944", 1625},
		{"spanAmongEachOtherGroupedAndSpans.json", "6f9bbe751e5fd944", 1560},
		{"spanLongerAsParent.json", "6745965d0b964193", 1215},
		{"testTraceNormal.json", "150c193cf155b46b", 2403},
		{"testTraceNormal.json", "22be69e72cbcde0b", 760},
		{"testTraceNormal.json", "e821b549888cbc3b", 1666},
	} {
		t.Run(tc.file+"/"+tc.span, func(t *testing.T) {
			a := jaegerTrace(t, tc.file)
			if got := a.Self[nodeOf(t, a, tc.span)]; got != tc.want*1000 {
				t.Errorf("self time %dns, want %dµs", got, tc.want)
			}
		})
	}
}

// TestJaegerUIServiceTotals checks testTraceNormal's per-service totals
// (Jaeger's tableValues test): api-gateway 7401 µs total, 3163 self;
// customers-service 1812 and 1739.
func TestJaegerUIServiceTotals(t *testing.T) {
	a := jaegerTrace(t, "testTraceNormal.json")
	type totals struct{ Total, Self int64 }
	got := map[string]totals{}
	for i := range a.Tree.Nodes {
		n := &a.Tree.Nodes[i]
		if n.Missing() {
			continue
		}
		s := got[n.Span.Service()]
		s.Total += n.Span.Duration() / 1000
		s.Self += a.Self[i] / 1000
		got[n.Span.Service()] = s
	}
	want := map[string]totals{"api-gateway": {7401, 3163}, "customers-service": {1812, 1739}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per-service totals in µs (-want +got):\n%s", diff)
	}
}

// TestJaegerUICriticalPathTest3 is Jaeger UI's CriticalPath test3: the
// child starts after the root ended, is dropped, and the whole path is the
// root's 40µs.
func TestJaegerUICriticalPathTest3(t *testing.T) {
	a := jaegerTrace(t, "traceWithSingleChildLongerThanParentAndStartsAfterParent.json")
	root := a.Tree.Roots[0]
	if got := a.Tree.Nodes[root].ID.String(); got != "006c3cf93508f205" {
		t.Fatalf("root %s, want 006c3cf93508f205", got)
	}
	rs := a.Tree.Nodes[root].Start
	type seg struct {
		Span       string
		Start, End int64 // µs from the root's start
	}
	var got []seg
	for _, s := range a.Paths[0].Segments {
		got = append(got, seg{a.Tree.Nodes[s.Node].ID.String(), int64(s.Start-rs) / 1000, int64(s.End-rs) / 1000})
	}
	want := []seg{{"006c3cf93508f205", 0, 40}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("critical path (-want +got):\n%s", diff)
	}
	for i := range a.Tree.Nodes {
		if int32(i) != root && !a.Dropped[i] {
			t.Errorf("span %s not dropped", a.Tree.Nodes[i].ID)
		}
	}
}
