package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/check"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/pii"
	"github.com/tracectl/tracectl/internal/report"
	"github.com/tracectl/tracectl/internal/termstr"
)

type reportOptions struct {
	inputOptions
	asyncOptions
	redactOptions
	Base, Cand []string
	Out        string
	Output     string
	Title      string
	Traces     int
	MaxSpans   int
	PII        bool
}

func newCmdReport(s *streams) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report --out FILE.html FILE... | --base BASE --cand CAND",
		Short: "Write one self-contained HTML report: summary, attribution, flame graph, waterfalls, checks, diff",
		Long: `Write everything tracectl can say about the input as one HTML file that opens
offline (nothing is fetched: it works as a CI artifact):

  - a summary: traces, spans, services, errors, and the end-to-end latency
    distribution as a histogram;
  - where the time goes: attribution per operation and per service (attrib) and a
    flame graph by critical-path time or self time, zoomable;
  - the slowest traces and the traces with errors (one of each kind of error first)
    as waterfalls with the critical path marked, span details on click, and a search
    box;
  - check findings grouped by rule;
  - with --base and --cand, the diff of the candidate against the base (diff), and
    both latency distributions in the histogram.

The page holds the data it draws, bounded for huge inputs: --waterfalls slowest and
--waterfalls erroring traces, --max-spans spans per waterfall; the page says what it
left out. Span attributes are in the file: --redact masks every value check --pii
would report (secrets, personal data) before anything is analysed or written.`,
		Example: `  tracectl report --out report.html traces.json
  tracectl report --out report.html --where '{ status = error }' 'dump-*.pb'
  tracectl report --out pr.html --base main.jsonl --cand pr.jsonl
  tracectl report traces.json > report.html`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			return reportRun(s, opts)
		},
	}
	opts.inputOptions.addFlags(cmd)
	opts.asyncOptions.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.Out, "out", "", "write the report to this file (default: stdout, when it is not a terminal)")
	addOutputFlag(cmd, &opts.Output, "html")
	f.StringArrayVar(&opts.Base, "base", nil, "base input for a diff: file, glob or URL (repeatable; the other inputs are the candidate)")
	f.StringArrayVar(&opts.Cand, "cand", nil, "candidate input for a diff: file, glob or URL (repeatable)")
	f.StringVar(&opts.Title, "title", "", "the page's title (default: tracectl report of the inputs)")
	f.IntVar(&opts.Traces, "waterfalls", report.DefaultTraces, "draw this many of the slowest traces, and as many with errors, as waterfalls")
	addFlagAlias(cmd, "traces", "waterfalls") // query --traces is a switch: one name, one kind of value
	f.IntVar(&opts.MaxSpans, "max-spans", report.DefaultMaxSpans, "draw at most this many spans per waterfall")
	f.BoolVar(&opts.PII, "pii", false, "also check for secrets and personal data (check --pii; with --redact, in what remains)")
	opts.redactOptions.addFlags(cmd)
	return cmd
}

func reportRun(s *streams, opts *reportOptions) error {
	if opts.Traces < 1 || opts.MaxSpans < 1 {
		return usageError{errors.New("--waterfalls and --max-spans must be 1 or more")}
	}
	cand := append(append([]string{}, opts.Files...), opts.Cand...)
	if len(opts.Base) > 0 && len(cand) == 0 {
		return usageError{errors.New("--base needs a candidate: --cand FILE (or FILE arguments)")}
	}
	if len(opts.Cand) > 0 && len(opts.Base) == 0 {
		return usageError{errors.New("--cand needs a base to compare with: --base FILE")}
	}
	if len(cand) == 0 && opts.Jaeger == "" {
		return usageError{errors.New("no input: give one or more files, globs, URLs, or - for stdin (or --base and --cand)")}
	}
	if opts.Out == "" && s.OutTTY {
		return usageError{errors.New("the report is an HTML file: give --out report.html (or redirect stdout)")}
	}
	async, err := opts.asyncOptions.mode(&opts.inputOptions)
	if err != nil {
		return err
	}
	copts := check.Options{PII: opts.PII}
	if len(opts.PIIPatterns) > 0 && !opts.Redact && !opts.PII {
		return usageError{errors.New("--pii-pattern needs --pii or --redact")}
	}
	for _, p := range opts.PIIPatterns {
		pat, err := pii.ParsePattern(p)
		if err != nil {
			return usageError{fmt.Errorf("--pii-pattern: %w", err)}
		}
		copts.Patterns = append(copts.Patterns, pat)
	}
	if opts.Redact {
		// The page holds span attributes: --redact masks what check
		// --pii would report before anything is analysed or written.
		opts.Intercept = func(add func([]dag.Span) error) func([]dag.Span) error {
			redact, _ := opts.redactOptions.wrap(add) // patterns parsed above
			return redact
		}
	}
	load := func(files []string) ([]*dag.Tree, error) {
		in := opts.inputOptions
		in.Files = files
		trees, err := loadTrees(s, &in)
		if err != nil {
			return nil, err
		}
		sortByStart(trees)
		return trees, nil
	}
	var base []*dag.Tree
	if len(opts.Base) > 0 {
		in := opts.inputOptions
		in.searchOptions = searchOptions{} // a --jaeger search is the candidate
		in.Files = opts.Base
		if base, err = loadTrees(s, &in); err != nil {
			return err
		}
		if len(base) == 0 {
			return usageError{fmt.Errorf("base: no traces in %s", strings.Join(opts.Base, ", "))}
		}
		sortByStart(base)
	}
	trees, err := load(cand)
	if err != nil {
		return err
	}
	names := cand
	if search, _ := opts.searchURL(time.Now()); search != "" {
		names = append(names, search)
	}
	title := opts.Title
	if title == "" {
		title = "tracectl report: " + strings.Join(names, ", ")
	}
	page := report.Build(trees, base, report.Options{
		Title: title, Version: version, Inputs: names, Base: opts.Base, Where: opts.Where, Generated: time.Now(),
		Async: async, Slowest: opts.Traces, Erroring: opts.Traces, MaxSpans: opts.MaxSpans,
		Check: copts,
	})
	var size countingWriter
	err = withOutput(s, opts.Out, func(w io.Writer) error {
		size.w = w
		bw := bufio.NewWriter(&size)
		if err := report.Write(bw, page); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err == nil && opts.Out != "" {
		fmt.Fprintf(s.Err, "tracectl: wrote %s (%d KB): %d of %s drawn as waterfalls\n", termstr.Escape(opts.Out), (size.n+512)/1024,
			len(page.Traces), dag.Plural(len(trees), "trace"))
	}
	return err
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
