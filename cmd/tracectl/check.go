package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/check"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/pii"
	"github.com/tracectl/tracectl/internal/render"
	"github.com/tracectl/tracectl/internal/spill"
	"github.com/tracectl/tracectl/internal/termstr"
)

type checkOptions struct {
	inputOptions
	streamOptions
	Output      string
	FailOn      string
	Tolerance   time.Duration
	Rules       []string
	SkipRules   []string
	PII         bool
	PIIPatterns []string
	Color       string
	Width       int
}

func newCmdCheck(s *streams) *cobra.Command {
	opts := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check FILE... | -",
		Short: "Validate traces: broken ids and parents, causality, clock skew, secrets (--pii)",
		Long: `Check every trace for structural and happens-before problems and print them
grouped by trace, then a summary (rule, severity, count) and, when services' clocks
disagree, the offset estimated per parent service → child service pair.

Rules (severity): invalid_trace_id, invalid_span_id, duplicate_span_id,
end_before_start, parent_cycle, child_starts_before_parent (error); missing_parent,
multiple_roots, child_ends_after_parent, clock_skew (warning); with --pii also pii (error).

A child that starts before its parent on the same clock (same service instance)
broke causality: an error. Across services it is clock skew: a warning, with the
shift Jaeger's adjuster would apply (centre a shorter child inside its parent, else
align the starts). Children of PRODUCER spans and CONSUMER spans may outlive their
parents. --adjust-skew applies the shifts before checking.

--pii scans span and event names, status messages and span, event, link, resource
and scope attributes of every span read (duplicates too) for credentials and
personal data (authorization and cookie headers, bearer tokens, JWTs, passwords in
URLs and query strings, AWS access and secret keys, GitHub, Slack, Stripe and Google
keys, Slack webhook URLs, private keys, emails, card numbers, IBANs, US SSNs, phone
numbers) and for --pii-pattern regular expressions. Findings name the kind, the
place and the secret's length, never a character of it; with --pii the other rules'
messages show names with their secrets masked ([REDACTED:kind]).

Exit status 1 when a finding at or above --fail-on exists.`,
		Example: `  tracectl check traces.json
  tracectl check --fail-on warning --tolerance 1ms dump.pb
  tracectl check --pii --pii-pattern 'employee_id=EMP-\d{6}' traces.json
  tracectl check -o json --skip-rule missing_parent traces.json | jq -r .rule`,
	}
	opts.inputOptions.runOnFiles(cmd, func(*cobra.Command) error { return checkRun(s, opts) })
	opts.inputOptions.addFlags(cmd)
	opts.streamOptions.addFlags(cmd)
	f := cmd.Flags()
	addOutputFlag(cmd, &opts.Output, "text", "json")
	addChoiceFlag(cmd, &opts.FailOn, "fail-on", "", "error", "exit 1 when a finding at or above this severity exists: error or warning", "error", "warning")
	f.DurationVar(&opts.Tolerance, "tolerance", 0, "how far a child may start before or end after its parent without a finding")
	f.StringArrayVar(&opts.Rules, "rule", nil, "check only this rule (repeatable)")
	f.StringArrayVar(&opts.SkipRules, "skip-rule", nil, "do not report this rule (repeatable)")
	f.BoolVar(&opts.PII, "pii", false, "also scan for secrets and personal data (rule pii)")
	f.StringArrayVar(&opts.PIIPatterns, "pii-pattern", nil, "with --pii, also report values matching NAME=REGEX or REGEX (repeatable)")
	addColorFlag(cmd, &opts.Color)
	addWidthFlag(cmd, &opts.Width)
	for _, name := range []string{"rule", "skip-rule"} {
		if err := cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(check.RuleNames(), cobra.ShellCompDirectiveNoFileComp)); err != nil {
			panic(err)
		}
	}
	return cmd
}

func checkRun(s *streams, opts *checkOptions) error {
	failOn, ok := dag.ParseSeverity(opts.FailOn)
	if !ok {
		return usageError{fmt.Errorf("unknown --fail-on %q (want error or warning)", opts.FailOn)}
	}
	if opts.Tolerance < 0 {
		return usageError{fmt.Errorf("--tolerance %s: must not be negative", opts.Tolerance)}
	}
	copts := check.Options{Tolerance: opts.Tolerance.Nanoseconds(), PII: opts.PII}
	var err error
	if copts.Only, err = check.ParseRules(opts.Rules); err != nil {
		return usageError{fmt.Errorf("--rule: %w", err)}
	}
	if copts.Skip, err = check.ParseRules(opts.SkipRules); err != nil {
		return usageError{fmt.Errorf("--skip-rule: %w", err)}
	}
	for _, p := range opts.PIIPatterns {
		pat, err := pii.ParsePattern(p)
		if err != nil {
			return usageError{fmt.Errorf("--pii-pattern: %w", err)}
		}
		copts.Patterns = append(copts.Patterns, pat)
	}

	ts, err := openPerTrace(s, &opts.inputOptions, &opts.streamOptions)
	if err != nil {
		return err
	}
	defer ts.close()
	c := check.New(copts)
	if opts.Stream {
		return checkStream(s, opts, ts, c, failOn)
	}
	// Traces are checked in any order (a partition at a time when the input
	// is spilled) and reported by start time, then trace id.
	var keys []spill.Key
	err = ts.each(func(tr *dag.Tree) error {
		c.Add(tr)
		keys = append(keys, keyOf(tr))
		return nil
	})
	if err != nil {
		return err
	}
	report := c.Report()
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return keys[a].Compare(keys[b]) })
	traces := make([]check.Trace, len(order))
	for i, k := range order {
		traces[i] = report.Traces[k]
	}
	report.Traces = traces
	if opts.Output == "json" {
		err = render.CheckJSON(s.Out, report)
	} else {
		err = render.Check(s.Out, s.styles(opts.Color, opts.Width), report)
	}
	if err != nil {
		return err
	}
	if report.Worst >= failOn {
		return errFailed
	}
	return nil
}

// checkStream is check --stream: each trace's findings as the trace
// completes, then the summary.
func checkStream(s *streams, opts *checkOptions, ts *traceSet, c *check.Checker, failOn dag.Severity) error {
	st := s.styles(opts.Color, opts.Width)
	groups := 0
	err := ts.each(func(tr *dag.Tree) error {
		t := c.Add(tr)
		if opts.Output == "json" {
			return render.CheckJSON(s.Out, check.Report{Traces: []check.Trace{t}})
		}
		if len(t.Findings) == 0 {
			return nil
		}
		groups++
		return render.CheckTrace(s.Out, st, t, groups > 1)
	})
	if err != nil {
		return err
	}
	report := c.Report()
	if opts.Output != "json" {
		if err := render.CheckSummary(s.Out, st, report); err != nil {
			return err
		}
	}
	if report.Worst >= failOn {
		return errFailed
	}
	return nil
}

// adjustSkew corrects clock skew in every tree (--adjust-skew) and says
// on stderr, once per service pair, what moved.
func adjustSkew(s *streams, trees []*dag.Tree) {
	var adj dag.SkewAdjuster
	for _, tr := range trees {
		adj.Adjust(tr)
	}
	reportShifts(s, &adj)
}

// reportShifts says on stderr, once per service pair, what an adjuster
// moved.
func reportShifts(s *streams, adj *dag.SkewAdjuster) {
	for _, t := range adj.Shifts() {
		by := dag.FormatShift(t.Min)
		if t.Max != t.Min {
			by += " to " + dag.FormatShift(t.Max)
		}
		parent, child := termstr.Escape(t.ParentService), termstr.Escape(t.ChildService)
		fmt.Fprintf(s.Err, "tracectl: adjusted clock skew %s → %s: moved %s of %s (%s under %s) by %s\n",
			parent, child, dag.Plural(t.Spans, "span"), child, dag.Plural(t.Subtrees, "subtree"), parent, by)
	}
}
