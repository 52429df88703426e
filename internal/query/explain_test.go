package query

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

func TestExplain(t *testing.T) {
	tr := shop(t)
	miss := func(id int, svc, name string, ms int64, similar int, checks ...Check) NearMiss {
		return NearMiss{SpanRef: SpanRef{TraceID: testTraceID, SpanID: sid(id), Service: svc, Name: name, Duration: ms * 1e6}, Similar: similar, Checks: checks}
	}
	pass := func(c string) Check { return Check{Cond: c, Passed: true} }
	fail := func(c, actual string) Check { return Check{Cond: c, Actual: actual} }
	for _, tc := range []struct {
		expr string
		want []Diagnosis
	}{
		{`{ name = "charge" }`, nil},
		{ // right name, wrong service
			`{ name = "charge" && resource.service.name = "billing" }`,
			[]Diagnosis{{Part: `{ name = "charge" && resource.service.name = "billing" }`, Summary: "no span matches",
				NearMisses: []NearMiss{miss(6, "payment", "charge", 195, 0,
					pass(`name = "charge"`), fail(`resource.service.name = "billing"`, `"payment"`))}}},
		},
		{ // right name, wrong service and too slow: the name identifies it
			`{ resource.service.name = "billing" && name = "charge" && duration < 1ms }`,
			[]Diagnosis{{Part: `{ resource.service.name = "billing" && name = "charge" && duration < 1ms }`, Summary: "no span matches",
				NearMisses: []NearMiss{miss(6, "payment", "charge", 195, 0,
					fail(`resource.service.name = "billing"`, `"payment"`), pass(`name = "charge"`), fail("duration < 1ms", "195ms"))}}},
		},
		{ // right span, too slow; the two alike spans are folded
			`{ name = "SELECT items" && duration > 10ms }`,
			[]Diagnosis{{Part: `{ name = "SELECT items" && duration > 10ms }`, Summary: "no span matches",
				NearMisses: []NearMiss{miss(4, "cart", "SELECT items", 4, 1,
					pass(`name = "SELECT items"`), fail(`duration > 10ms`, "4.00ms"))}}},
		},
		{ // a single condition: spans with a similar name
			`{ name = "GET /carts" }`,
			[]Diagnosis{{Part: `{ name = "GET /carts" }`, Summary: "no span matches",
				NearMisses: []NearMiss{
					miss(2, "frontend", "GET /cart", 38, 0, fail(`name = "GET /carts"`, `"GET /cart"`)),
					miss(3, "cart", "GET /cart", 33, 0, fail(`name = "GET /carts"`, `"GET /cart"`)),
				}}},
		},
		{ // a type mismatch is spelled out
			`{ span.http.response.status_code = 200 && resource.service.name = "frontend" }`,
			[]Diagnosis{{Part: `{ span.http.response.status_code = 200 && resource.service.name = "frontend" }`, Summary: "no span matches",
				NearMisses: []NearMiss{
					miss(1, "frontend", "GET /checkout", 245, 0, fail(`span.http.response.status_code = 200`, "500"), pass(`resource.service.name = "frontend"`)),
					miss(2, "frontend", "GET /cart", 38, 0, fail(`span.http.response.status_code = 200`, `"200" (a string)`), pass(`resource.service.name = "frontend"`)),
				}}},
		},
		{ // conditions under || report every field they read
			`{ (span.retry || span.db.rows > 100) && kind = client }`,
			[]Diagnosis{{Part: `{ (span.retry || span.db.rows > 100) && kind = client }`, Summary: "no span matches",
				NearMisses: []NearMiss{
					miss(2, "frontend", "GET /cart", 38, 0, fail(`span.retry || span.db.rows > 100`, "span.retry is missing, span.db.rows is missing"), pass("kind = client")),
					miss(4, "cart", "SELECT items", 4, 1, fail(`span.retry || span.db.rows > 100`, "span.retry is missing, span.db.rows is 3"), pass("kind = client")),
					miss(6, "payment", "charge", 195, 0, pass(`span.retry || span.db.rows > 100`), fail("kind = client", "server")),
				}}},
		},
		{ // both filters match, the relation does not
			`{ name = "charge" } > { name = "SELECT items" }`,
			[]Diagnosis{{Part: `{ name = "charge" } > { name = "SELECT items" }`,
				Summary: "the left side selects 1 span in 1 trace and the right side 2 spans in 1 trace, but no right-side span has a parent matching the left side",
				NearMisses: []NearMiss{miss(4, "cart", "SELECT items", 4, 1,
					fail(`has a parent matching { name = "charge" }`, "parent is cart GET /cart"))}}},
		},
		{
			`{ resource.service.name = "payment" } >> { name = "SELECT items" }`,
			[]Diagnosis{{Part: `{ resource.service.name = "payment" } >> { name = "SELECT items" }`,
				Summary: "the left side selects 2 spans in 1 trace and the right side 2 spans in 1 trace, but no right-side span has an ancestor matching the left side",
				NearMisses: []NearMiss{miss(4, "cart", "SELECT items", 4, 1,
					fail(`has an ancestor matching { resource.service.name = "payment" }`, "ancestors: cart GET /cart › frontend GET /cart › frontend GET /checkout"))}}},
		},
		{
			`{ kind = server } !> { kind = client }`,
			[]Diagnosis{{Part: `{ kind = server } !> { kind = client }`,
				Summary: "the left side selects 3 spans in 1 trace and the right side 3 spans in 1 trace, but every right-side span has a parent matching the left side",
				NearMisses: []NearMiss{
					miss(2, "frontend", "GET /cart", 38, 0, fail(`has no parent matching { kind = server }`, "parent is frontend GET /checkout")),
					miss(4, "cart", "SELECT items", 4, 1, fail(`has no parent matching { kind = server }`, "parent is cart GET /cart")),
				}}},
		},
		{ // a failing leaf is reported before the relation
			`{ name = "charge" } >> { name = "nope" && kind = server }`,
			[]Diagnosis{{Part: `{ name = "nope" && kind = server }`, Summary: "no span matches"}},
		},
		{
			`{ name = "SELECT items" } | count() > 2`,
			[]Diagnosis{{Part: `count() > 2`, Summary: "no trace has count() > 2",
				Details: []string{"trace 5b8efff70102030405060708090a0b0c: count() = 2 over 2 spans"}}},
		},
		{
			`{ kind = server } | avg(duration) > 200ms`,
			[]Diagnosis{{Part: `avg(duration) > 200ms`, Summary: "no trace has avg(duration) > 200ms",
				Details: []string{"trace 5b8efff70102030405060708090a0b0c: avg(duration) = 158ms over 3 spans"}}},
		},
		{
			`{ } | { name = "charge" } | { status = ok }`,
			[]Diagnosis{{Part: `{ status = ok }`, Summary: "no span selected by the stages before matches"}},
		},
		{
			`{ name = "nope" } || { name = "nada" }`,
			[]Diagnosis{{Part: `{ name = "nope" }`, Summary: "no span matches"}, {Part: `{ name = "nada" }`, Summary: "no span matches"}},
		},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			got := Explain(MustParse(tc.expr), []*dag.Tree{tr}, 3)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Explain (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExplainAcrossTraces: spanset && whose sides match in different
// traces.
func TestExplainAcrossTraces(t *testing.T) {
	a := build(t, nil, sp{id: 1, svc: "a", name: "x", start: 0, end: 1})
	b := build(t, nil, sp{id: 1, svc: "b", name: "y", start: 0, end: 1})
	got := Explain(MustParse(`{ name = "x" } && { name = "y" }`), []*dag.Tree{a, b}, 3)
	want := []Diagnosis{{Part: `{ name = "x" } && { name = "y" }`, Summary: "each side selects spans, but never in the same trace",
		Details: []string{`{ name = "x" } selects 1 span in 1 trace`, `{ name = "y" } selects 1 span in 1 trace`}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestExplainStageAfterSetAnd: a stage after a spanset && that emptied
// some traces looks only at the traces where it selected spans.
func TestExplainStageAfterSetAnd(t *testing.T) {
	a := build(t, nil, sp{id: 1, svc: "a", name: "x", start: 0, end: 1}, sp{id: 2, parent: 1, svc: "a", name: "y", start: 0, end: 1})
	b := build(t, nil, sp{id: 1, svc: "b", name: "x", start: 0, end: 1})
	got := Explain(MustParse(`({ name = "x" } && { name = "y" }) | { name = "z" }`), []*dag.Tree{a, b}, 3)
	want := []Diagnosis{{Part: `{ name = "z" }`, Summary: "no span selected by the stages before matches"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestExplainCountsAcrossTraces: an Explainer fed trace by trace counts
// the spans that missed alike over every trace, for each near miss it
// lists (not only the last one listed).
func TestExplainCountsAcrossTraces(t *testing.T) {
	q, err := Parse(`{ name = "fraud-check" } > { kind = client }`)
	if err != nil {
		t.Fatal(err)
	}
	x := NewExplainer(q, 3)
	x.Add(shop(t))
	x.Add(shop(t))
	d := x.Diagnoses()
	if len(d) != 1 {
		t.Fatalf("%d diagnoses, want 1: %+v", len(d), d)
	}
	var got []string
	for _, m := range d[0].NearMisses {
		got = append(got, fmt.Sprintf("%s %s +%d", m.Service, m.Name, m.Similar))
	}
	want := []string{"frontend GET /cart +1", "cart SELECT items +3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("near misses (-want +got):\n%s", diff)
	}
	if want := "the left side selects 2 spans in 2 traces and the right side 6 spans in 2 traces, but no right-side span has a parent matching the left side"; d[0].Summary != want {
		t.Errorf("summary %q, want %q", d[0].Summary, want)
	}
}
