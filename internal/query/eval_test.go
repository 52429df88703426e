package query

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

type evalCase struct {
	expr string
	want []int // span ids selected, in pre-order; empty: the trace does not match
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	tr := shop(t)
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			q, err := Parse(tc.expr)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			res := q.Eval(tr)
			if diff := cmp.Diff(tc.want, ids(tr, res)); diff != "" {
				t.Errorf("spans (-want +got):\n%s", diff)
			}
			if res.Matched != (len(tc.want) > 0) {
				t.Errorf("Matched = %v with %d spans", res.Matched, len(res.Spans))
			}
			if q.Match(tr) != res.Matched {
				t.Errorf("Match disagrees with Eval")
			}
		})
	}
}

func TestEvalIntrinsics(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`{ }`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`{ name = "GET /cart" }`, []int{2, 3}},
		{`{ span:name = "charge" }`, []int{6}},
		{`{ name != "GET /cart" }`, []int{1, 4, 5, 6, 7}},
		{`{ name < "GET /cart" }`, []int{}},
		{`{ name > "GET /cart" }`, []int{1, 4, 5, 6, 7}},
		{`{ name >= "charge" }`, []int{6, 7}},
		{`{ name <= "GET /cart" }`, []int{2, 3}},
		{`{ status = error }`, []int{1, 6}},
		{`{ status = "error" }`, []int{1, 6}},
		{`{ status != error }`, []int{2, 3, 4, 5, 7}},
		{`{ status = ok }`, []int{}},
		{`{ status = unset }`, []int{2, 3, 4, 5, 7}},
		{`{ kind = server }`, []int{1, 3, 6}},
		{`{ kind = client }`, []int{2, 4, 5}},
		{`{ kind = internal }`, []int{7}},
		{`{ kind != server }`, []int{2, 4, 5, 7}},
		{`{ duration > 100ms }`, []int{1, 6}},
		{`{ duration >= 195ms }`, []int{1, 6}},
		{`{ duration < 5ms }`, []int{4, 5}},
		{`{ duration <= 4ms }`, []int{4, 5}},
		{`{ duration = 4000us }`, []int{4, 5}},
		{`{ duration = 4000000ns }`, []int{4, 5}},
		{`{ duration != 4ms }`, []int{1, 2, 3, 6, 7}},
		{`{ duration > 0.2s }`, []int{1}},
		{`{ duration < 1m && duration < 1h }`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`{ 100ms < duration }`, []int{1, 6}},
		{`{ statusMessage = "card declined" }`, []int{6}},
		{`{ span:childCount = 0 }`, []int{4, 5, 7}},
		{`{ span:childCount > 1 }`, []int{1, 3}},
		{`{ span:id = "0000000000000003" }`, []int{3}},
		{`{ span:parentID = "0000000000000003" }`, []int{4, 5}},
		{`{ trace:rootName = "GET /checkout" && kind = internal }`, []int{7}},
		{`{ trace:rootService = "frontend" && name = "charge" }`, []int{6}},
		{`{ trace:duration = 245ms && span:childCount = 2 }`, []int{1, 3}},
		{`{ trace:id = "5b8efff70102030405060708090a0b0c" && name = "charge" }`, []int{6}},
		{`{ instrumentation:name = "shop" && instrumentation:version = "1.2" && name = "charge" }`, []int{6}},
	})
}

func TestEvalAttributes(t *testing.T) {
	runEvalCases(t, []evalCase{
		// Scopes: .x is span then resource.
		{`{ resource.service.name = "cart" }`, []int{3, 4, 5}},
		{`{ .service.name = "payment" }`, []int{6, 7}},
		{`{ span.service.name = "cart" }`, []int{}},
		{`{ resource.deployment.environment = "prod" }`, []int{1, 2, 3, 4, 5}},
		{`{ span.deployment.environment = "canary" }`, []int{3}},
		{`{ .deployment.environment = "prod" }`, []int{1, 2, 4, 5}}, // span 3's own attribute wins
		{`{ .deployment.environment = "canary" }`, []int{3}},
		{`{ span.db.system.name = "sqlite" }`, []int{4, 5}},
		// int vs int, int vs float, float vs int.
		{`{ span.http.response.status_code = 500 }`, []int{1}},
		{`{ span.http.response.status_code >= 200 }`, []int{1, 3}},
		{`{ span.http.response.status_code = 200.0 }`, []int{3}},
		{`{ span.http.response.status_code < 499.5 }`, []int{3}},
		{`{ span.amount = 12.5 }`, []int{6}},
		{`{ span.amount > 12 }`, []int{6}},
		{`{ span.amount < 13 && span.amount >= 12.5 }`, []int{6}},
		{`{ span.score <= 0.25 }`, []int{7}},
		{`{ span.db.rows > 5 }`, []int{5}},
		{`{ span.db.rows != 3 }`, []int{5}}, // missing never matches !=
		{`{ .db.rows = -3 }`, []int{}},
		// A string "200" is not the number 200, in either direction (Tempo).
		{`{ span.http.response.status_code = "200" }`, []int{2}},
		{`{ span.http.response.status_code = 200 }`, []int{3}},
		{`{ span.http.response.status_code != 200 }`, []int{1}},
		{`{ span.http.response.status_code >= "2" }`, []int{2}},
		// Booleans.
		{`{ span.retry = true }`, []int{6}},
		{`{ span.retry = false }`, []int{7}},
		{`{ span.retry != true }`, []int{7}},
		{`{ span.retry }`, []int{6}},
		{`{ !span.retry }`, []int{1, 2, 3, 4, 5, 7}},
		{`{ span.retry || name = "GET /checkout" }`, []int{1, 6}},
		{`{ span.retry = 1 }`, []int{}},
		// nil.
		{`{ span.retry = nil }`, []int{1, 2, 3, 4, 5}},
		{`{ span.retry != nil }`, []int{6, 7}},
		{`{ nil = span.amount }`, []int{1, 2, 3, 4, 5, 7}},
		// Missing attributes never match, whatever the operator.
		{`{ span.nope != "x" }`, []int{}},
		{`{ span.nope !~ "x" }`, []int{}},
		{`{ span.nope < 1 }`, []int{}},
		{`{ !(span.nope = "x") }`, []int{1, 2, 3, 4, 5, 6, 7}},
		// Arrays: any element for = and =~, no element for != and !~.
		{`{ span.tags = "eu" }`, []int{6}},
		{`{ span.tags != "eu" }`, []int{}},
		{`{ span.tags != "us" }`, []int{6}},
		{`{ span.tags =~ "v.*" }`, []int{6}},
		{`{ span.tags !~ "v.*" }`, []int{}},
		{`{ span.tags !~ "x.*" }`, []int{6}},
		// Quoted attribute names.
		{`{ span."db.rows" = 3 }`, []int{4}},
		{`{ span.db."rows" = 3 }`, []int{4}},
		// Field against field.
		{`{ name = trace:rootName }`, []int{1}},
		{`{ span.db.rows < span:childCount }`, []int{}},
	})
}

func TestEvalRegex(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`{ name =~ "GET" }`, []int{}}, // fully anchored
		{`{ name =~ "GET.*" }`, []int{1, 2, 3}},
		{`{ name =~ "GET /cart" }`, []int{2, 3}}, // a literal: compared as a whole
		{`{ name =~ "GET /car" }`, []int{}},
		{`{ name =~ "" }`, []int{}},
		{`{ name =~ "(?i)get /CART" }`, []int{2, 3}},
		{`{ name =~ "GET /c(art|heckout)" }`, []int{1, 2, 3}},
		{`{ name =~ "GET /cart$" }`, []int{2, 3}},
		{`{ statusMessage =~ "" && kind = server }`, []int{1, 3}},
		{`{ name =~ ".*cart" }`, []int{2, 3}},
		{`{ name =~ "charge|fraud-check" }`, []int{6, 7}},
		{`{ name !~ "GET.*" }`, []int{4, 5, 6, 7}},
		{`{ name !~ "charge|GET /cart" }`, []int{1, 4, 5, 7}},
		{`{ name =~ "(?i)select.*" }`, []int{4, 5}},
		{`{ resource.service.name =~ "ca.t" }`, []int{3, 4, 5}},
		{`{ span.http.response.status_code =~ "2.*" }`, []int{2}}, // only the string one
		{`{ span.nope =~ ".*" }`, []int{}},
	})
}

func TestEvalLogic(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`{ name = "GET /cart" && resource.service.name = "cart" }`, []int{3}},
		{`{ name = "charge" || name = "fraud-check" }`, []int{6, 7}},
		{`{ !(name = "GET /cart") && kind = server }`, []int{1, 6}},
		{`{ !(kind = client || kind = server) }`, []int{7}},
		{`{ (status = error || duration < 5ms) && resource.service.name != "payment" }`, []int{1, 4, 5}},
		{`{ status = error || duration < 5ms && resource.service.name != "payment" }`, []int{1, 4, 5, 6}},
		{`{ true }`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`{ false }`, []int{}},
		{`{ 1 = 1.0 }`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`{ !!(kind = internal) }`, []int{7}},
	})
}

func TestEvalStructural(t *testing.T) {
	runEvalCases(t, []evalCase{
		// Descendant: right-side spans with an ancestor on the left.
		{`{ name = "GET /checkout" } >> { kind = client }`, []int{2, 4, 5}},
		{`{ resource.service.name = "cart" } >> { }`, []int{4, 5}},
		{`{ name = "charge" } >> { name = "SELECT items" }`, []int{}},
		{`{ } >> { name = "GET /checkout" }`, []int{}},
		// Child.
		{`{ name = "GET /checkout" } > { }`, []int{2, 6}},
		{`{ kind = server } > { kind = client }`, []int{2, 4, 5}},
		{`{ name = "GET /checkout" } > { resource.service.name = "cart" }`, []int{}},
		// Sibling: never itself.
		{`{ name = "SELECT items" } ~ { name = "SELECT items" }`, []int{4, 5}},
		{`{ span.db.rows = 3 } ~ { }`, []int{5}},
		{`{ name = "charge" } ~ { }`, []int{2}},
		{`{ name = "GET /checkout" } ~ { }`, []int{}}, // roots have no siblings
		// Ancestor and parent (Tempo's << and <).
		{`{ name = "SELECT items" } << { }`, []int{1, 2, 3}},
		{`{ name = "SELECT items" } < { }`, []int{3}},
		{`{ status = error } < { status = error }`, []int{1}},
		// Negated forms.
		{`{ } !< { }`, []int{4, 5, 7}}, // leaves
		{`{ resource.service.name = "cart" } !>> { }`, []int{1, 2, 3, 6, 7}},
		{`{ name = "GET /checkout" } !> { }`, []int{1, 3, 4, 5, 7}},
		{`{ name = "charge" } !~ { kind = server || kind = client }`, []int{1, 3, 4, 5, 6}},
		{`{ name = "nope" } !>> { kind = internal }`, []int{7}},
		{`{ status = error } !<< { status = error }`, []int{6}},
		// Chains are left-associative.
		{`{ kind = server } > { kind = client } > { kind = server }`, []int{3}},
		{`{ name = "GET /checkout" } >> { name = "GET /cart" } > { }`, []int{3, 4, 5}},
		{`{ } > { } > { } > { }`, []int{4, 5}},
		// Structural binds tighter than spanset && and ||.
		{`{ name = "charge" } > { } && { name = "GET /checkout" } > { name = "GET /cart" }`, []int{2, 7}},
		{`{ name = "x" } > { } || { kind = internal }`, []int{7}},
		{`({ name = "charge" } || { name = "GET /cart" }) > { }`, []int{3, 4, 5, 7}},
	})
}

func TestEvalSpansetOps(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`{ name = "charge" } && { resource.service.name = "cart" }`, []int{3, 4, 5, 6}},
		{`{ name = "charge" } && { name = "nope" }`, []int{}},
		{`{ name = "nope" } && { name = "charge" }`, []int{}},
		{`{ name = "charge" } || { name = "nope" }`, []int{6}},
		{`{ name = "charge" } || { status = error }`, []int{1, 6}},
		{`{ name = "nope" } || { name = "nada" }`, []int{}},
		{`{ resource.deployment.environment = "prod" } && { resource.deployment.environment = "staging" }`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`({ name = "a" } || { name = "charge" }) && { kind = internal }`, []int{6, 7}},
	})
}

func TestEvalAggregates(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`{ } | count() = 7`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`count() > 6`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`count() > 7`, []int{}},
		{`{ name = "SELECT items" } | count() > 1`, []int{4, 5}},
		{`{ name = "SELECT items" } | count() > 2`, []int{}},
		{`{ name = "SELECT items" } | count() >= 2`, []int{4, 5}},
		{`{ name = "SELECT items" } | count() != 2`, []int{}},
		{`{ name = "nope" } | count() < 1`, []int{}}, // an empty spanset never reaches the stage (Tempo)
		{`{ name = "SELECT items" } | avg(duration) = 4ms`, []int{4, 5}},
		{`{ kind = server } | avg(duration) > 150ms`, []int{1, 3, 6}},
		{`{ kind = server } | avg(duration) < 150ms`, []int{}},
		{`{ } | max(duration) = 245ms`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`{ } | min(duration) < 4.5ms`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`{ } | sum(span.db.rows) = 15`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`{ } | avg(span.db.rows) = 7.5`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`{ } | min(span.amount) >= 12.5`, []int{1, 2, 3, 4, 5, 6, 7}},
		{`{ } | sum(span.nope) > 0`, []int{}},
		{`{ } | max(span:childCount) = 2`, []int{1, 2, 3, 4, 5, 6, 7}},
		// Stages run in order; a filter stage narrows the spanset.
		{`{ } | { kind = client } | count() = 3`, []int{2, 4, 5}},
		{`{ } | count() > 3 | { name = "charge" }`, []int{6}},
		{`{ kind = client } | count() = 3 | avg(duration) > 10ms`, []int{2, 4, 5}},
		{`({ name = "SELECT items" } | count() = 2) && { name = "charge" }`, []int{4, 5, 6}},
		{`{ name = "GET /cart" } > ({ } | count() = 7)`, []int{3, 4, 5}},
	})
}
