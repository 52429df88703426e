package query

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// TestEvalOrphans: a placeholder for an absent parent never matches a
// filter, yet its children are still siblings of one another.
func TestEvalOrphans(t *testing.T) {
	tr := build(t, nil,
		sp{id: 1, svc: "a", name: "root", start: 0, end: 10},
		sp{id: 2, parent: 1, svc: "a", name: "child", start: 1, end: 2},
		sp{id: 3, parent: 99, svc: "b", name: "orphan", start: 3, end: 4},
		sp{id: 4, parent: 99, svc: "b", name: "orphan", start: 5, end: 6},
		sp{id: 5, parent: 3, svc: "b", name: "leaf", start: 3, end: 4},
	)
	for _, tc := range []evalCase{
		{`{ }`, []int{1, 2, 3, 5, 4}}, // pre-order: 1's tree, then the placeholder's
		{`{ } > { name = "orphan" }`, []int{}},
		{`{ } >> { name = "leaf" }`, []int{5}},
		{`{ name = "root" } >> { name = "leaf" }`, []int{}},
		{`{ name = "orphan" } ~ { name = "orphan" }`, []int{3, 4}},
		{`{ name = "root" } ~ { }`, []int{}},
		{`{ } | count() = 5`, []int{1, 2, 3, 5, 4}},
		{`{ name = "leaf" } << { }`, []int{3}},
	} {
		q := MustParse(tc.expr)
		if diff := cmp.Diff(tc.want, ids(tr, q.Eval(tr))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.expr, diff)
		}
	}
}

// TestEvalDeepChain runs structural operators on a 1,000,000-deep parent
// chain: evaluation must neither recurse per level nor walk per pair.
func TestEvalDeepChain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1,000,000-span trace")
	}
	const depth = 1_000_000
	res := &dag.Resource{Service: "deep"}
	batch := make([]dag.SpanData, depth)
	for i := range batch {
		name := "mid"
		switch i {
		case 0:
			name = "top"
		case depth - 1:
			name = "bottom"
		}
		batch[i] = dag.SpanData{TraceID: testTraceID, SpanID: sid(i + 1), ParentSpanID: sid(i),
			Start: uint64(i), End: uint64(2*depth - i), Name: name, Resource: res}
	}
	var ts dag.Traces
	ts.Add(dag.Pack(batch))
	tr := dag.Build(ts.List()[0])

	for _, tc := range []struct {
		expr string
		want int
	}{
		{`{ name = "top" } >> { name = "bottom" }`, 1},
		{`{ name = "bottom" } << { name = "top" }`, 1},
		{`{ name = "top" } >> { }`, depth - 1},
		{`{ name = "bottom" } << { }`, depth - 1},
		{`{ name = "bottom" } !<< { }`, 1},
		{`{ } > { name = "bottom" }`, 1},
		{`{ } ~ { }`, 0},
		{`{ name = "top" } >> { name = "mid" } | count() = 999998`, depth - 2},
		{`{ } !< { }`, 1},
	} {
		got := len(MustParse(tc.expr).Eval(tr).Spans)
		if got != tc.want {
			t.Errorf("%s: %d spans, want %d", tc.expr, got, tc.want)
		}
	}
}

// TestEvalManyTraces checks that one parsed query evaluates each trace on
// its own (no state carried over).
func TestEvalManyTraces(t *testing.T) {
	q := MustParse(`{ trace:rootName = "r2" } | count() = 2`)
	for i := 1; i <= 3; i++ {
		tr := build(t, nil,
			sp{id: 1, svc: "s", name: fmt.Sprintf("r%d", i), start: 0, end: 10},
			sp{id: 2, parent: 1, svc: "s", name: "c", start: 1, end: 2})
		if got, want := q.Match(tr), i == 2; got != want {
			t.Errorf("trace r%d: Match = %v, want %v", i, got, want)
		}
	}
}
