package query

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tracectl/tracectl/internal/dag"
)

func TestParseExpectation(t *testing.T) {
	for _, tc := range []struct {
		line       string
		name, expr string
		mode       Mode
	}{
		{`{ name = "a" }`, "", `{ name = "a" }`, Some},
		{`checkout works: { name = "a" }`, "checkout works", `{ name = "a" }`, Some},
		{`fast:{ duration < 1s }`, "fast", `{ duration < 1s }`, Some},
		{`{ span:duration > 1s }`, "", `{ span:duration > 1s }`, Some},
		{`no errors: absent { status = error }`, "no errors", `{ status = error }`, Absent},
		{`absent { status = error }`, "", `{ status = error }`, Absent},
		{`every trace has a root: every { span:parentID = "" }`, "every trace has a root", `{ span:parentID = "" }`, Every},
		{`few queries: { } | count() < 100`, "few queries", `{ } | count() < 100`, Some},
		{`many: count() > 3`, "many", `count() > 3`, Some},
		{`ratio 1:2: ({ .a = 1 } || { .b = 2 })`, "ratio 1:2", `({ .a = 1 } || { .b = 2 })`, Some},
	} {
		e, err := ParseExpectation(tc.line, "t")
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if e.Name != tc.name || e.Query.Source() != tc.expr || e.Mode != tc.mode {
			t.Errorf("%q: name %q expr %q mode %d, want %q %q %d", tc.line, e.Name, e.Query.Source(), e.Mode, tc.name, tc.expr, tc.mode)
		}
	}
}

func TestParseExpectationsFile(t *testing.T) {
	src := "# shop checks\n\ncheckout: { name = \"GET /checkout\" }\n  # indented comment\nabsent { status = error && name = \"x\" }\r\n"
	es, err := ParseExpectations(strings.NewReader(src), "checks.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, e := range es {
		got = append(got, e.Source+" "+e.Label())
	}
	want := []string{"checks.txt:3 checkout", `checks.txt:5 absent { status = error && name = "x" }`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	_, err = ParseExpectations(strings.NewReader("ok: { }\nslow: { duration > 1 }\n"), "checks.txt")
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a syntax error", err)
	}
	wantMsg := "checks.txt:2: column 20: duration is compared with a duration such as 100ms; found 1\n  slow: { duration > 1 }\n                     ^"
	if err.Error() != wantMsg {
		t.Errorf("error:\n%s\nwant:\n%s", err, wantMsg)
	}
}

func TestAssert(t *testing.T) {
	a := shop(t)
	b := build(t, nil, sp{id: 1, svc: "frontend", name: "GET /", kind: dag.KindServer, start: 0, end: 100})
	trees := []*dag.Tree{a, b}
	ex := func(line string) Expectation {
		e, err := ParseExpectation(line, "t")
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	ignore := cmpopts.IgnoreFields(Outcome{}, "Expectation", "Elapsed", "Diagnoses")
	for _, tc := range []struct {
		line string
		want Outcome
	}{
		{`{ kind = server }`, Outcome{Passed: true, Traces: 2, MatchedTraces: 2, MatchedSpans: 4}},
		{`{ name = "charge" }`, Outcome{Passed: true, Traces: 2, MatchedTraces: 1, MatchedSpans: 1}},
		{`every { name = "charge" }`, Outcome{Traces: 2, MatchedTraces: 1, MatchedSpans: 1, Unmatched: []dag.TraceID{b.TraceID}}},
		{`every { resource.service.name = "frontend" }`, Outcome{Passed: true, Traces: 2, MatchedTraces: 2, MatchedSpans: 3}},
		{`absent { name = "nope" }`, Outcome{Passed: true, Traces: 2}},
		{`absent { status = error }`, Outcome{Traces: 2, MatchedTraces: 1, MatchedSpans: 2, Found: []SpanRef{
			{TraceID: testTraceID, SpanID: sid(1), Service: "frontend", Name: "GET /checkout", Duration: 245e6},
			{TraceID: testTraceID, SpanID: sid(6), Service: "payment", Name: "charge", Duration: 195e6},
		}}},
		{`{ name = "nope" }`, Outcome{Traces: 2}},
	} {
		got := Assert(ex(tc.line), trees, 3)
		if diff := cmp.Diff(tc.want, got, ignore); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.line, diff)
		}
		if !got.Passed && got.Expectation.Mode != Absent && len(got.Diagnoses) == 0 {
			t.Errorf("%s: failed without a diagnosis", tc.line)
		}
	}
	if o := Assert(ex(`every { }`), nil, 3); o.Passed || len(o.Diagnoses) != 1 {
		t.Errorf("every over no traces: passed=%v diagnoses=%v", o.Passed, o.Diagnoses)
	}
}

// requests makes n small traces, each a server span over a client span of
// a service that varies, with starts that tie between some traces.
func requests(n int) []*dag.Tree {
	res := map[string]*dag.Resource{}
	resource := func(svc string) *dag.Resource {
		if res[svc] == nil {
			res[svc] = &dag.Resource{Service: svc, Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue(svc)}}}
		}
		return res[svc]
	}
	var trees []*dag.Tree
	for k := range n {
		tid := dag.TraceID{byte(k * 37), byte(k), 1}
		start := uint64(1_000_000 + k%7*1000)
		child := []string{"cart", "db", "payment"}[k%3]
		batch := []dag.SpanData{
			{TraceID: tid, SpanID: sid(1), Kind: dag.KindServer, Name: "GET /", Resource: resource("frontend"), Start: start, End: start + uint64(k+1)*1e6},
			{TraceID: tid, SpanID: sid(2), ParentSpanID: sid(1), Kind: dag.KindClient, Name: "call " + child, Resource: resource(child),
				Start: start + 1, End: start + uint64(k%5+1)*1e5},
			{TraceID: tid, SpanID: sid(3), ParentSpanID: sid(2), Kind: dag.KindInternal, Name: "work", Resource: resource(child),
				Start: start + 2, End: start + 3},
		}
		var ts dag.Traces
		ts.Add(dag.Pack(batch))
		trees = append(trees, dag.Build(ts.List()[0]))
	}
	return trees
}

// TestAssertionInAnyOrder: fed the traces in any order, an Assertion's
// outcome is Assert's on the traces sorted by start and id: the same
// counts, near misses, traces and spans quoted.
func TestAssertionInAnyOrder(t *testing.T) {
	trees := requests(40)
	sorted := slices.Clone(trees)
	slices.SortStableFunc(sorted, func(a, b *dag.Tree) int { return traceOrder(a).compare(traceOrder(b)) })
	shuffled := slices.Clone(trees)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, line := range []string{
		`{ name = "call payment" && duration > 1s }`,
		`every { resource.service.name = "db" }`,
		`{ name = "work" } > { kind = client }`,
		`every { kind = client } | count() > 1`,
		`{ kind = server } && { name = "nope" }`,
		`absent { name = "work" }`,
		`every { name = "GET /" } | { duration < 3ms }`,
	} {
		e, err := ParseExpectation(line, "t")
		if err != nil {
			t.Fatal(err)
		}
		want := Assert(e, sorted, 3)
		backward := slices.Clone(sorted)
		slices.Reverse(backward)
		for _, order := range [][]*dag.Tree{backward, shuffled} {
			a := NewAssertion(e, 3)
			for _, tr := range order {
				a.Add(tr)
			}
			if diff := cmp.Diff(want, a.Outcome(), cmpopts.IgnoreFields(Outcome{}, "Elapsed"), cmpopts.IgnoreUnexported(Query{})); diff != "" {
				t.Errorf("%s (-sorted +other order):\n%s", line, diff)
			}
		}
	}
}
