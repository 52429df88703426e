package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/query"
)

// inputOptions are the flags every command that reads traces shares.
type inputOptions struct {
	Files    []string
	Format   string
	MaxFrame int
	Where    string // a query: keep only the traces that match it
	Trace    string // a trace id prefix: keep only the one trace it names
	// AdjustSkew shifts child subtrees on other services' clocks into
	// their parents (dag.AdjustSkew) before any analysis.
	AdjustSkew bool
	// Headers are sent with every request for a URL input, after the
	// ones in $TRACECTL_HEADERS.
	Headers     []string
	HTTPTimeout time.Duration
	// Join merges traces continued by a link into one workflow (dag.Join;
	// set by --async follow).
	Join bool
	// MaxMemory is --max-memory: past it, spans are spilled to
	// partitions on disk ("" for the default, half the memory limit).
	MaxMemory string
	// SpillDir is where spill files go ("" for $TMPDIR).
	SpillDir string
	// Reread keeps spilled partitions after a pass over them, for a
	// command that reads its traces twice (diff --why).
	Reread bool
	// A backend search read as one more input (--jaeger …).
	searchOptions
	// Intercept, when set, wraps what is done with each batch of spans
	// read, before they are grouped into traces (report --redact masks
	// secrets there).
	Intercept func(add func([]dag.Span) error) func([]dag.Span) error

	ctx context.Context // the command's: SIGINT and SIGTERM end it
}

// errNoInput is the usage error of a reading command given no input.
var errNoInput = errors.New("no input: give one or more files, globs, URLs, or - for stdin (or --jaeger URL --service S)")

// runOnFiles sets the Args and RunE of a command whose arguments are all
// inputs: at least one, stored in Files before run.
func (o *inputOptions) runOnFiles(cmd *cobra.Command, run func(cmd *cobra.Command) error) {
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return seeHelp(c, errNoInput)
		}
		return nil
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		o.Files, o.ctx = args, cmd.Context()
		return run(cmd)
	}
}

func (o *inputOptions) addFlags(cmd *cobra.Command) {
	o.searchOptions.addFlags(cmd)
	f := cmd.Flags()
	addChoiceFlag(cmd, &o.Format, "format", "", "auto", "input format: auto, json or proto", "auto", "json", "proto").
		alias("jsonl", "json").alias("pb", "proto").alias("protobuf", "proto")
	f.IntVar(&o.MaxFrame, "max-frame", ingest.DefaultMaxFrame, "largest message, frame or JSON line to accept, in bytes")
	f.StringVar(&o.Trace, "trace", "", "only this trace (a unique prefix of its id is enough)")
	f.StringVar(&o.Where, "where", "", `only the traces that match this query, e.g. '{ resource.service.name = "cart" && status = error }'`)
	f.BoolVar(&o.AdjustSkew, "adjust-skew", false, "correct clock skew between services first (Jaeger's adjuster), saying on stderr what moved")
	f.StringArrayVar(&o.Headers, "header", nil, "HTTP header for URL inputs, 'Name: value' (repeatable; also $TRACECTL_HEADERS as name=value,…)")
	f.StringVar(&o.MaxMemory, "max-memory", "", "memory to analyse in, e.g. 512MiB or 2GiB; larger input is partitioned by trace id into temporary files and analysed a part at a time, with the same results (default: $TRACECTL_MAX_MEMORY, else half of RAM or of the cgroup's limit)")
	f.StringVar(&o.SpillDir, "spill-dir", "", "where to put the temporary files when the input is larger than --max-memory (default $TMPDIR or /tmp)")
	f.DurationVar(&o.HTTPTimeout, "http-timeout", ingest.DefaultHTTPTimeout, "for URL inputs: longest wait for an answer, and for each part of its body")
}

// httpOptions are the options for fetching URL inputs: the headers of
// $TRACECTL_HEADERS (the format of OTEL_EXPORTER_OTLP_HEADERS), then
// --header's.
func (o *inputOptions) httpOptions() (ingest.HTTPOptions, error) {
	h := http.Header{}
	if env := os.Getenv("TRACECTL_HEADERS"); env != "" {
		var err error
		if h, err = ingest.ParseHeaderList(env); err != nil {
			return ingest.HTTPOptions{}, usageError{fmt.Errorf("$TRACECTL_HEADERS: %w", err)}
		}
	}
	for _, s := range o.Headers {
		k, v, err := ingest.ParseHeader(s)
		if err != nil {
			return ingest.HTTPOptions{}, usageError{fmt.Errorf("--header: %w", err)}
		}
		h.Add(k, v)
	}
	return ingest.HTTPOptions{Header: h, Timeout: o.HTTPTimeout}, nil
}

// readSpans reads every input and hands fn each batch of spans as it is
// decoded. Warnings (skipped metrics lines, base64 ids) go to stderr once
// each; progress is drawn on p when it is not nil.
func readSpans(s *streams, o *inputOptions, p *progress, fn func([]dag.Span) error) error {
	return readSpansWith(s, o, p, fn, nil)
}

// readSpansWith is readSpans with set, when not nil, changing the reading
// options first.
func readSpansWith(s *streams, o *inputOptions, p *progress, fn func([]dag.Span) error, set func(*ingest.Options)) error {
	files, err := o.inputs()
	if err != nil {
		return err
	}
	format, err := ingest.ParseFormat(o.Format)
	if err != nil {
		return usageError{err}
	}
	httpOpts, err := o.httpOptions()
	if err != nil {
		return err
	}
	opts := ingest.Options{
		Format:   format,
		MaxFrame: o.MaxFrame,
		Warn:     s.warn,
		HTTP:     httpOpts,
	}
	if p == nil {
		p = newProgress(s, files)
	}
	opts.Progress = p.reading
	if set != nil {
		set(&opts)
	}
	err = ingest.ReadFiles(files, s.In, opts, func(batch []dag.Span) error {
		if err := o.interrupted(); err != nil {
			return err
		}
		return fn(batch)
	})
	p.done()
	return err
}

// inputs are the files, globs and URLs to read, with --jaeger's search.
func (o *inputOptions) inputs() ([]string, error) {
	files := o.Files
	search, err := o.searchURL(time.Now())
	if err != nil {
		return nil, err
	}
	if search != "" {
		files = append(slices.Clip(files), search)
	}
	if len(files) == 0 {
		return nil, usageError{errNoInput}
	}
	return files, nil
}

// interrupted is the error that stops a run on SIGINT or SIGTERM (the
// spill files are removed on the way out).
func (o *inputOptions) interrupted() error {
	if o.ctx != nil && o.ctx.Err() != nil {
		return errors.New("interrupted")
	}
	return nil
}

// buildTrees builds every trace's tree once, in first-seen order, on every
// core; every analysis and renderer then works on these. With consume,
// each trace's span list is dropped once its tree is built, so the lists
// and the trees are never all in memory at once (for callers done with the
// traces).
func buildTrees(ts *dag.Traces, consume bool) []*dag.Tree {
	return dag.BuildAll(ts.List(), 0, consume)
}

// loadTrees reads the inputs and builds every trace's tree, all in memory,
// in first-seen order: for view, report and convert, which hold them. With --where, only the trees that match that query
// are kept; with --trace, only the one whose id it starts.
func loadTrees(s *streams, o *inputOptions) ([]*dag.Tree, error) {
	ts, err := openTraces(s, o, false)
	if err != nil {
		return nil, err
	}
	return ts.trees, nil
}

// reportKept says on stderr how many traces a filter (--where, --trace)
// kept of how many, so a filter that matches nothing is never mistaken for
// empty input. Every command that filters says it here, the same way.
func reportKept(s *streams, filter string, kept, total int) {
	noun := "traces"
	if total == 1 {
		noun = "trace"
	}
	fmt.Fprintf(s.Err, "tracectl: %s kept %d of %d %s\n", filter, kept, total, noun)
}

// whereQuery parses --where; nil when it is not set.
func (o *inputOptions) whereQuery() (*query.Query, error) {
	if o.Where == "" {
		return nil, nil
	}
	q, err := query.Parse(o.Where)
	if err != nil {
		return nil, usageError{fmt.Errorf("--where: %w", err)}
	}
	return q, nil
}

// sortByStart orders trees by start time, then trace id, so output does not
// depend on the order of files and lines.
func sortByStart(trees []*dag.Tree) {
	slices.SortStableFunc(trees, func(a, b *dag.Tree) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return slices.Compare(a.TraceID[:], b.TraceID[:])
	})
}
