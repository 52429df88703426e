package query

import (
	"errors"
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
