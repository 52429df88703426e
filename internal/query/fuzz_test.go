package query

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
)

// FuzzParse feeds arbitrary text to the parser: it must never panic or
// hang, every error must be a *SyntaxError pointing inside the input, and
// every query that parses must print in a canonical form that parses back
// to itself and evaluates without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{ }`, `{ name = "GET /cart" && resource.service.name = "cart" && duration > 100ms && status = error }`,
		`{ .a = 1 } >> { span.b != "x" } > { } ~ { kind = server }`, `{ } | count() > 2 | avg(duration) < 200ms`,
		`({ name =~ "a.*" } || { name !~ "b" }) && { span.x = nil }`, `count() > 1`,
		`{ span."a b" = -1.5e3 && !(span.c) } !>> { } !< { }`, "{ name = `raw` }",
	} {
		f.Add(s)
	}
	// The error corpus: every "# input" line of the golden file.
	if fh, err := os.Open(filepath.Join("testdata", "parse_errors.golden")); err == nil {
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "# "); ok && !strings.HasSuffix(line, "...") {
				f.Add(strings.ReplaceAll(line, `\n`, "\n"))
			}
		}
		fh.Close()
	}
	tr := shop(f)
	f.Fuzz(func(t *testing.T, expr string) {
		q, err := Parse(expr)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error %T %v is not a *SyntaxError", expr, err, err)
			}
			if se.Offset < 0 || se.Offset > len(expr) {
				t.Fatalf("Parse(%q): offset %d outside the input", expr, se.Offset)
			}
			_ = se.Error()
			return
		}
		canon := q.String()
		q2, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its canonical form %q does not parse: %v", expr, canon, err)
		}
		if again := q2.String(); again != canon {
			t.Fatalf("canonical form unstable for %q: %q → %q", expr, canon, again)
		}
		r1, r2 := q.Eval(tr), q2.Eval(tr)
		if r1.Matched != r2.Matched || len(r1.Spans) != len(r2.Spans) {
			t.Fatalf("%q and its canonical form %q select different spans", expr, canon)
		}
		if !r1.Matched && len(Explain(q, []*dag.Tree{tr}, 3)) == 0 {
			t.Fatalf("%q matches nothing, but Explain says nothing", expr)
		}
	})
}
