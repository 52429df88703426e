package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/diff"
	"github.com/tracectl/tracectl/internal/render"
)

type diffOptions struct {
	inputOptions // shared by both sides; Files unused
	Base, Cand   []string
	BaseTrace    string
	CandTrace    string
	By           string
	Output       string
	JUnit        string
	FailOn       string
	Alpha        float64
	MinChange    string
	MinShift     time.Duration
	Why          bool
	Color        string
	Width        int
}

func newCmdDiff(s *streams) *cobra.Command {
	opts := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff BASE CAND",
		Short: "Compare two sets of traces: what got slower, where, and is it significant",
		Long: `Compare the traces of a base (before) with those of a candidate (after). BASE and
CAND are each a file, glob or URL; --base and --cand add more (repeatable).

Many traces per side: per operation (or --by service) and end to end, the
distribution of critical-path time per trace — the time the request waited on that
group's own work, 0 in traces without it — is compared: p50/p90/p99 before → after,
the Hodges–Lehmann shift (cand − base) with its 95% interval, a two-sided
Mann–Whitney U p-value Holm-corrected over every row, calls per trace and error
rate. A row is regressed when p < --alpha, the interval lies above 0 and the shift
is at least --min-change of the base median (and --min-shift); improved is the
mirror image; new and
gone are groups seen on one side only. Critical time blames the operation that did
the work, not its callers that waited; summing per trace makes an N+1 show. For a
regression, tracectl says why where the data shows it: how much of the end-to-end
shift re-timing that group's own work at base speed removes, and which attribute
values are over-represented in the candidate traces where it is slow. A tail that
grew while the median stayed (more traces above the base p99 than chance allows) is
noted below the table; it does not change the verdict.

One trace per side (or --base-trace/--cand-trace, or --trace for the same trace id on
both sides): the two trees are aligned by
path of (service, span name, occurrence among same-named siblings) and printed as
one tree: added (+), removed (-) and changed (~) spans, durations and critical time
before → after, spans that joined or left the critical path.

Exit 1 when any row regressed (the CI gate), unless --fail-on none.`,
		Example: `  tracectl diff baseline.json 'candidate-*.json'
  tracectl diff --base main.pb --cand pr.pb -o markdown > comment.md
  tracectl diff base.json cand.json --where '{ name = "GET /checkout" }' --junit diff.xml
  tracectl diff dump.json dump.json --base-trace 4bf92f --cand-trace 0af765`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 0 && len(args) != 2 {
				return usageError{fmt.Errorf("want BASE and CAND (or --base and --cand), got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 2 {
				opts.Base = append([]string{args[0]}, opts.Base...)
				opts.Cand = append([]string{args[1]}, opts.Cand...)
			}
			return diffRun(s, opts)
		},
	}
	opts.inputOptions.addFlags(cmd)
	f := cmd.Flags()
	f.StringArrayVar(&opts.Base, "base", nil, "base input: file, glob or URL (repeatable)")
	f.StringArrayVar(&opts.Cand, "cand", nil, "candidate input: file, glob or URL (repeatable)")
	f.StringVar(&opts.BaseTrace, "base-trace", "", "compare this one base trace (a unique id prefix) span by span")
	f.StringVar(&opts.CandTrace, "cand-trace", "", "compare this one candidate trace (a unique id prefix) span by span")
	f.Lookup("trace").Usage = "compare this one trace, found on both sides (e.g. as two backends stored it), span by span"
	addChoiceFlag(cmd, &opts.By, "by", "", "operation", "group by operation (service + span name) or service", "operation", "service")
	addOutputFlag(cmd, &opts.Output, "text", "json", "markdown")
	f.StringVar(&opts.JUnit, "junit", "", "also write a JUnit XML report to this file (one testcase per group)")
	addChoiceFlag(cmd, &opts.FailOn, "fail-on", "", "regressed", "exit 1 when a row is regressed, or none to only report", "regressed", "none")
	f.Float64Var(&opts.Alpha, "alpha", 0.01, "significance level, over all rows together (Holm)")
	f.StringVar(&opts.MinChange, "min-change", "5%", "smallest shift that counts, as a share of the base median (5% or 0.05)")
	f.DurationVar(&opts.MinShift, "min-shift", 0, "smallest shift that counts, as a duration (e.g. 1ms; 0 for no floor)")
	f.BoolVar(&opts.Why, "why", true, "explain regressions (re-timing, over-represented attribute values)")
	addColorFlag(cmd, &opts.Color)
	addWidthFlag(cmd, &opts.Width)
	return cmd
}

// parseShare reads "5%" or "0.05" as 0.05.
func parseShare(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	switch {
	case err != nil || !(v >= 0) || math.IsInf(v, 0):
		return 0, fmt.Errorf("%q is not a share (want e.g. 5%% or 0.05)", s)
	case pct:
		return v / 100, nil
	case v > 1:
		return 0, fmt.Errorf("%q is more than 1: did you mean %s%%?", s, t)
	}
	return v, nil
}

func diffRun(s *streams, opts *diffOptions) error {
	if len(opts.Base) == 0 || len(opts.Cand) == 0 {
		return usageError{errors.New("give BASE and CAND, or --base and --cand")}
	}
	if opts.Jaeger != "" {
		return usageError{errors.New("--jaeger: diff compares two inputs; give each side's search as a URL to --base and --cand")}
	}
	stdin := 0
	for _, f := range append(append([]string{}, opts.Base...), opts.Cand...) {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usageError{errors.New("stdin (-) can be read only once: give it for one side at most")}
	}
	by, err := critpath.ParseBy(opts.By)
	if err != nil {
		return usageError{fmt.Errorf("--by: %w", err)}
	}
	if !(opts.Alpha > 0 && opts.Alpha < 1) {
		return usageError{fmt.Errorf("--alpha %g: want a number between 0 and 1", opts.Alpha)}
	}
	minChange, err := parseShare(opts.MinChange)
	if err != nil {
		return usageError{fmt.Errorf("--min-change: %w", err)}
	}
	if opts.MinShift < 0 {
		return usageError{fmt.Errorf("--min-shift %s: want 0 or more", opts.MinShift)}
	}

	budget, err := opts.budget()
	if err != nil {
		return err
	}
	dopts := diff.Options{By: by, Alpha: opts.Alpha, MinChange: minChangeOption(minChange),
		MinShift: int64(opts.MinShift), Why: opts.Why}
	oneTrace := opts.BaseTrace != "" || opts.CandTrace != "" || opts.Trace != ""
	read := func(files []string, trace, name string) (*diffSide, error) {
		in := opts.inputOptions
		in.Files, in.Trace = files, ""
		// Both sides are open at once (--why reads them again): each
		// has half the budget.
		in.MaxMemory = strconv.FormatInt(max(budget/2, 1), 10)
		in.Reread = opts.Why && !oneTrace
		flag := "--" + name + "-trace"
		if trace == "" {
			flag, trace = "--trace", opts.Trace
		}
		d := &diffSide{name: name, files: files}
		if !oneTrace {
			d.sum = diff.NewSide(dopts)
		}
		if err := d.read(s, &in, trace, flag); err != nil {
			d.close()
			return nil, err
		}
		return d, nil
	}
	base, err := read(opts.Base, opts.BaseTrace, "base")
	if err != nil {
		return err
	}
	defer base.close()
	cand, err := read(opts.Cand, opts.CandTrace, "cand")
	if err != nil {
		return err
	}
	defer cand.close()
	st := s.styles(opts.Color, opts.Width)

	if oneTrace || (base.traces == 1 && cand.traces == 1) {
		if base.traces != 1 || cand.traces != 1 {
			return usageError{fmt.Errorf("comparing one trace per side, but base has %d and cand %d: give --base-trace and --cand-trace", base.traces, cand.traces)}
		}
		if opts.JUnit != "" {
			return usageError{errors.New("--junit reports groups: it needs many traces per side, not one")}
		}
		if opts.Output == "markdown" {
			return usageError{errors.New("-o markdown reports groups: use text or json for one trace per side")}
		}
		spans := diff.Align(critpath.Analyze(base.first[0]), critpath.Analyze(cand.first[0]))
		if opts.Output == "json" {
			return render.DiffTreeJSON(s.Out, spans)
		}
		return render.DiffTree(s.Out, st, base.first[0].TraceIDText(), cand.first[0].TraceIDText(), spans)
	}

	rep := diff.CompareSides(base.sum, cand.sum, dopts)
	if x := diff.NewExplainer(rep, dopts); x != nil {
		// The explanation's counts are bounded and so depend on the order
		// of the traces: they come sorted, as in memory.
		err := cand.ts.sorted(func(tr *dag.Tree) error { x.AddCand([]*dag.Tree{tr}); return nil })
		if err == nil && x.NeedBase() {
			err = base.ts.sorted(func(tr *dag.Tree) error { x.AddBase([]*dag.Tree{tr}); return nil })
		}
		if err != nil {
			return err
		}
		x.Finish()
	}
	switch opts.Output {
	case "json":
		err = render.DiffJSON(s.Out, rep)
	case "markdown":
		err = render.DiffMarkdown(s.Out, rep)
	default:
		err = render.Diff(s.Out, st, rep)
	}
	if err != nil {
		return err
	}
	if opts.JUnit != "" {
		if err := writeDiffJUnit(opts, rep); err != nil {
			return err
		}
	}
	if rep.Regressed() && opts.FailOn == "regressed" {
		return errFailed
	}
	return nil
}

// diffSide is one side of a diff, read through the spilling path: its
// traces folded into a summary (many traces per side), and the first few
// trees that match its trace id prefix (one trace per side).
type diffSide struct {
	name   string
	files  []string
	ts     *traceSet
	sum    *diff.SideSummary // nil when comparing one trace per side
	traces int               // traces matching the prefix
	first  []*dag.Tree       // the first few of them by start (one is the one compared)
}

// read reads the side's inputs and goes over its traces once, a partition
// at a time when they do not fit in memory.
func (d *diffSide) read(s *streams, in *inputOptions, prefix, flag string) error {
	ts, err := openTraces(s, in, true)
	if err != nil {
		return err
	}
	d.ts = ts
	prefix = strings.ToLower(prefix)
	total := 0
	err = ts.batches(func(trees []*dag.Tree) error {
		total += len(trees)
		for _, tr := range trees {
			if prefix != "" && !traceHasPrefix(tr, prefix) {
				continue
			}
			d.traces++
			// Only the one trace compared, or the ids an ambiguous prefix
			// quotes, are kept: a tree holds its partition's spans.
			if d.traces == 1 || prefix != "" {
				d.first = append(d.first, tr)
				sortByStart(d.first)
				d.first = d.first[:min(len(d.first), 3)]
			} else {
				d.first = nil
			}
		}
		if d.sum != nil {
			d.sum.Add(trees)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if prefix != "" && d.traces != 1 {
		return fmt.Errorf("%s: %s: %w", d.name, flag, traceMatchError(prefix, d.traces, total, d.first))
	}
	if d.traces == 0 {
		what := "no traces"
		if in.Where != "" {
			what = "no traces match --where"
		}
		return usageError{fmt.Errorf("%s: %s in %s", d.name, what, strings.Join(d.files, ", "))}
	}
	return nil
}

func (d *diffSide) close() {
	if d.ts != nil {
		d.ts.close()
	}
}

// minChangeOption maps the flag's 0 (any shift counts) to diff's "none".
func minChangeOption(v float64) float64 {
	if v == 0 {
		return -1
	}
	return v
}

func writeDiffJUnit(opts *diffOptions, rep *diff.Report) error {
	f, err := os.Create(opts.JUnit)
	if err != nil {
		return fmt.Errorf("--junit: %w", err)
	}
	if err := render.DiffJUnit(f, rep, render.DiffOptions{Base: opts.Base, Cand: opts.Cand}); err != nil {
		f.Close()
		return fmt.Errorf("--junit %s: %w", opts.JUnit, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--junit %s: %w", opts.JUnit, err)
	}
	return nil
}
