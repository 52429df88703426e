package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/query"
	"github.com/tracectl/tracectl/internal/render"
)

type assertOptions struct {
	inputOptions
	Exprs      []string
	ExpectFile []string
	Absent     []string
	EveryTrace bool
	JUnit      string
	NearMisses int
	Color      string
}

func newCmdAssert(s *streams) *cobra.Command {
	opts := &assertOptions{}
	cmd := &cobra.Command{
		Use:   "assert FILE... | - -e 'EXPR' [-e ...] [-f FILE] [--absent 'EXPR']",
		Short: "Check expectations about traces in CI: exit 1 when one fails",
		Long: `Check each expectation against the traces: it passes when at least one trace
matches the query (every trace with --every-trace); an --absent expectation passes
when no trace matches. Prints ✓ or ✗ per expectation with how many traces matched,
and for a failure the closest spans and the conditions they failed (right name but
wrong service, right span but too slow), the traces that did not match, or the spans
that should not be there.

An expectations file (-f) holds one expectation per line, with an optional "name: "
prefix and "every" or "absent" before the query; blank lines and lines starting with
# are skipped:

  # checkout must work and be fast
  checkout answers: { name = "GET /checkout" && status != error }
  checkout is fast: every { name = "GET /checkout" } | max(duration) < 300ms
  no retries: absent { span.retry = true }

Queries are the TraceQL subset of 'tracectl query --help'. --junit writes a JUnit XML
report (one testcase per expectation) for CI to show. Exit codes: 0 all passed,
1 an expectation failed, 2 a query does not parse or the input is unreadable.`,
		Example: `  tracectl assert traces.json -e '{ name = "GET /checkout" }'
  tracectl assert 'traces-*.json' -f expectations.txt --junit report.xml
  tracectl assert dump.pb --absent '{ status = error }' --every-trace -e '{ kind = server } > { kind = client }'`,
	}
	opts.inputOptions.runOnFiles(cmd, func(*cobra.Command) error { return assertRun(s, opts) })
	opts.inputOptions.addFlags(cmd)
	f := cmd.Flags()
	f.StringArrayVarP(&opts.Exprs, "expect", "e", nil, "an expectation: [NAME: ][every|absent] QUERY (repeatable)")
	f.StringArrayVarP(&opts.ExpectFile, "file", "f", nil, "read expectations from a file, one per line (repeatable)")
	f.StringArrayVar(&opts.Absent, "absent", nil, "a query no trace may match (repeatable)")
	f.BoolVar(&opts.EveryTrace, "every-trace", false, "expectations pass only when every trace matches (not --absent ones)")
	f.StringVar(&opts.JUnit, "junit", "", "also write a JUnit XML report to this file")
	f.IntVar(&opts.NearMisses, "near-misses", 3, "closest spans to show per failure")
	addColorFlag(cmd, &opts.Color)
	return cmd
}

// expectations parses every -e, -f and --absent, in that order. A query
// that does not parse is a usage error (exit 2) naming where it was given.
func (opts *assertOptions) expectations() ([]query.Expectation, error) {
	var out []query.Expectation
	for i, line := range opts.Exprs {
		src := "-e #" + strconv.Itoa(i+1)
		e, err := query.ParseExpectation(line, src)
		if err != nil {
			return nil, usageError{fmt.Errorf("%s: %w", src, err)}
		}
		if opts.EveryTrace && e.Mode == query.Some {
			e.Mode = query.Every
		}
		out = append(out, e)
	}
	for _, path := range opts.ExpectFile {
		fh, err := os.Open(path)
		if err != nil {
			return nil, usageError{err}
		}
		es, err := query.ParseExpectations(fh, path)
		fh.Close()
		if err != nil {
			return nil, usageError{err}
		}
		if len(es) == 0 {
			return nil, usageError{fmt.Errorf("%s: no expectations in the file", path)}
		}
		for _, e := range es {
			if opts.EveryTrace && e.Mode == query.Some {
				e.Mode = query.Every
			}
			out = append(out, e)
		}
	}
	for i, line := range opts.Absent {
		src := "--absent #" + strconv.Itoa(i+1)
		e, err := query.ParseExpectation(line, src)
		if err != nil {
			return nil, usageError{fmt.Errorf("%s: %w", src, err)}
		}
		e.Mode = query.Absent
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, usageError{errors.New("no expectations: give -e QUERY, -f FILE or --absent QUERY")}
	}
	return out, nil
}

// assertRun checks the expectations. With --junit the report is written
// whatever happens: when an expectation does not parse or the input cannot
// be read, it holds testcases in error carrying the message, so CI shows a
// red test rather than "no tests".
func assertRun(s *streams, opts *assertOptions) error {
	var names []string // the expectations' labels, once they parsed
	err := assertEval(s, opts, &names)
	if err == nil || opts.JUnit == "" || errors.As(err, new(*failure)) || errors.As(err, new(junitWriteError)) {
		return err
	}
	fh, ferr := os.Create(opts.JUnit)
	if ferr != nil {
		return errors.Join(err, fmt.Errorf("--junit: %w", ferr))
	}
	werr := render.JUnitError(fh, names, err.Error(), render.JUnitOptions{Suite: "tracectl assert", Properties: opts.junitProperties(-1)})
	if cerr := fh.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return errors.Join(err, fmt.Errorf("--junit %s: %w", opts.JUnit, werr))
	}
	return err
}

func assertEval(s *streams, opts *assertOptions, names *[]string) error {
	if opts.NearMisses < 0 {
		return usageError{fmt.Errorf("--near-misses %d: want 0 or more", opts.NearMisses)}
	}
	exps, err := opts.expectations()
	if err != nil {
		return err
	}
	for _, e := range exps {
		*names = append(*names, e.Label())
	}
	ts, err := openTraces(s, &opts.inputOptions, true)
	if err != nil {
		return err
	}
	defer ts.close()
	// Each expectation is checked trace by trace, a partition at a time
	// when the input does not fit in memory, in any order: the traces and
	// spans a failure quotes are the first by start time either way.
	checks := make([]*query.Assertion, len(exps))
	for i, e := range exps {
		checks[i] = query.NewAssertion(e, opts.NearMisses)
	}
	traces := 0
	err = ts.each(func(tr *dag.Tree) error {
		traces++
		for _, c := range checks {
			c.Add(tr)
		}
		return nil
	})
	if err != nil {
		return err
	}
	outcomes := make([]query.Outcome, len(exps))
	failed := 0
	for i, c := range checks {
		outcomes[i] = c.Outcome()
		if !outcomes[i].Passed {
			failed++
		}
	}
	if err := render.Assert(s.Out, s.styles(opts.Color, 0), outcomes); err != nil {
		return err
	}
	if opts.JUnit != "" {
		if err := writeJUnit(opts, outcomes, traces); err != nil {
			return err
		}
	}
	if failed > 0 {
		return errFailed
	}
	return nil
}

// junitWriteError is a failure to write the --junit report itself, which
// no second report attempt can fix.
type junitWriteError struct{ error }

func (e junitWriteError) Unwrap() error { return e.error }

func writeJUnit(opts *assertOptions, outcomes []query.Outcome, traces int) error {
	fh, err := os.Create(opts.JUnit)
	if err != nil {
		return junitWriteError{fmt.Errorf("--junit: %w", err)}
	}
	err = render.JUnit(fh, outcomes, render.JUnitOptions{Suite: "tracectl assert", Properties: opts.junitProperties(traces)})
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return junitWriteError{fmt.Errorf("--junit %s: %w", opts.JUnit, err)}
	}
	return nil
}

// junitProperties describe the run in the report: inputs, traces read
// (traces < 0: none could be read) and --where.
func (opts *assertOptions) junitProperties(traces int) [][2]string {
	props := [][2]string{{"inputs", strings.Join(opts.Files, " ")}}
	if traces >= 0 {
		props = append(props, [2]string{"traces", strconv.Itoa(traces)})
	}
	if opts.Where != "" {
		props = append(props, [2]string{"where", opts.Where})
	}
	return props
}
