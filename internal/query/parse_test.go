package query

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// TestParseCanonical checks the canonical form of parsed queries, and that
// parsing the canonical form gives it back.
func TestParseCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{}`, `{ }`},
		{`{name="a"}`, `{ name = "a" }`},
		{`{ span:name = "a" && span:duration>1s }`, `{ name = "a" && duration > 1s }`},
		{`{ .a.b = 1 || resource.c != 2.5 && span.d }`, `{ .a.b = 1 || resource.c != 2.5 && span.d }`},
		{`{ (.b = 1 || .c = 2) && .d = 3 }`, `{ (.b = 1 || .c = 2) && .d = 3 }`},
		{`{ !(.a = 1) }`, `{ !.a = 1 }`},
		{`{ !.a }`, `{ !.a }`},
		{`{ !(.a = 1 && .b = 2) }`, `{ !(.a = 1 && .b = 2) }`},
		{`{ status = "error" && kind = "server" }`, `{ status = error && kind = server }`},
		{`{ status != "Ok" }`, `{ status != ok }`},
		{`{ duration > 1500ms && duration < 90m }`, `{ duration > 1.5s && duration < 1h30m0s }`},
		{`{ span.x = -5 && span.y > -1.5e3 && span.z = 2e0 }`, `{ span.x = -5 && span.y > -1500.0 && span.z = 2.0 }`},
		{`{ span."a b" = "c\"d" }`, `{ span."a b" = "c\"d" }`},
		{"{ name = `raw\\n` }", `{ name = "raw\\n" }`},
		{`{ name =~ "GET.*" }`, `{ name =~ "GET.*" }`},
		{`{.a=1}>>{.b=2}>{.c=3}`, `{ .a = 1 } >> { .b = 2 } > { .c = 3 }`},
		{`{.a=1} && {.b=2} || {.c=3}`, `{ .a = 1 } && { .b = 2 } || { .c = 3 }`},
		{`({.a=1} || {.b=2}) && {.c=3}`, `({ .a = 1 } || { .b = 2 }) && { .c = 3 }`},
		{`({.a=1} && {.b=2}) > {.c=3}`, `({ .a = 1 } && { .b = 2 }) > { .c = 3 }`},
		{`{.a=1} > ({.b=2} ~ {.c=3})`, `{ .a = 1 } > ({ .b = 2 } ~ { .c = 3 })`},
		{`(({.a=1}))`, `{ .a = 1 }`},
		{`count()>2`, `{ } | count() > 2`},
		{`{ } | avg(duration) < 200ms | { status = error }`, `{ } | avg(duration) < 200ms | { status = error }`},
		{`({} | count() > 1) && {}`, `({ } | count() > 1) && { }`},
		{`{} !>> {} !> {} !~ {} !<< {} !< {} << {} < {}`, `{ } !>> { } !> { } !~ { } !<< { } !< { } << { } < { }`},
		{"{\n\tname = \"a\"\n}", `{ name = "a" }`},
	} {
		q, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		got := q.String()
		if got != tc.want {
			t.Errorf("Parse(%q).String() = %s, want %s", tc.in, got, tc.want)
			continue
		}
		q2, err := Parse(got)
		if err != nil {
			t.Errorf("Parse(canonical %q): %v", got, err)
		} else if q2.String() != got {
			t.Errorf("canonical form not stable: %s → %s", got, q2.String())
		}
	}
}

// TestParseErrors compares syntax errors with testdata/parse_errors.golden
// (go test -run TestParseErrors -update to rewrite it).
func TestParseErrors(t *testing.T) {
	inputs := []string{
		``,
		`   `,
		`{ name = "GET /cart" && duration > 100ms`,
		`{ name = "GET /cart" duration > 100ms }`,
		`{ name = }`,
		`{ name }`,
		`{ span.cache.hit "x" }`,
		`{ = "a" }`,
		`name = "x"`,
		`{ name = "a" } >> `,
		`{ name = "a" } { name = "b" }`,
		`{ name = "a" } | count() > 2 && { }`,
		`{ status = server }`,
		`{ status = "fine" }`,
		`{ kind = error }`,
		`{ status > error }`,
		`{ duration > "fast" }`,
		`{ duration > 100 }`,
		`{ duration > 5xx }`,
		`{ name = 5 }`,
		`{ name = GET }`,
		`{ foo = 1 }`,
		`{ name =~ "(" }`,
		`{ name =~ span.x }`,
		`{ duration =~ "1.*" }`,
		`{ span.x > true }`,
		`{ name = "unterminated }`,
		`{ name = "a" ) }`,
		`{ (name = "a" }`,
		`{ span. = 1 }`,
		`{ name = "a" } | `,
		`{ } | count(duration) > 1`,
		`{ } | avg() > 1`,
		`{ } | avg(name) > 1`,
		`{ } | avg(duration) > 1`,
		`{ } | count() > 1ms`,
		`{ } | count() =~ "1"`,
		`{ } | count > 1`,
		`{ } | by(name)`,
		`{ count() > 1 }`,
		`{ span:nope = 1 }`,
		`{ name = "a" @ }`,
		`({ name = "a" }`,
		"{ name = \"a\" &&\n  duration > }",
		"{\tname\t= }",
		`{ name = "héllo" && kind = serveur }`,
		strings.Repeat("(", 300) + `{ }` + strings.Repeat(")", 300),
		`{ ` + strings.Repeat("!", 300) + `span.a }`,
	}
	var b strings.Builder
	for _, in := range inputs {
		_, err := Parse(in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", in, err)
			continue
		}
		display := in
		if len(display) > 80 {
			display = display[:77] + "..."
		}
		b.WriteString("# " + strings.ReplaceAll(display, "\n", "\\n") + "\n")
		b.WriteString(err.Error() + "\n\n")
	}
	golden := filepath.Join("testdata", "parse_errors.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("syntax errors differ from %s (-want +got):\n%s", golden, diff)
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	_, err := Parse("{ name = \"é\" &&\n  duration > }")
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("got %v", err)
	}
	if se.Line() != 2 || se.Column() != 14 {
		t.Errorf("line %d column %d, want line 2 column 14", se.Line(), se.Column())
	}
}
