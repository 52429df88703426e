package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/render"
)

type treeOptions struct {
	inputOptions
	followOptions
	asyncOptions
	streamOptions
	MaxDepth    int
	MinDuration time.Duration
	Width       int
	Color       string
	Output      string
	NoFold      bool
	Critical    bool
	Attrs       int
	Fields      []string
}

func newCmdTree(s *streams) *cobra.Command {
	opts := &treeOptions{}
	cmd := &cobra.Command{
		Use:   "tree FILE... | -",
		Short: "Print each trace as a span tree with a waterfall",
		Long: `Print each trace as a tree: per span its service, name, kind, start offset and
duration, and a bar on the trace's own timeline. Errors are red with their status
message. Spans whose parent is not in the input hang under a "missing span" placeholder.
Runs of four or more alike siblings fold into one "× N more like this" line.

With --async follow, a trace whose root links to a span of another trace in the
input (a consumer that started a new trace) is shown inside that trace, under the
span it links to, as one workflow; --critical then marks the workflow's critical
path and shows each consumer's wait as "⋯ queued 38ms".`,
		Example: `  tracectl tree traces.json
  tracectl tree --trace 4bf92f35 --max-depth 3 dump.pb
  tracectl tree --stream big.pb | head -40
  otelcol-dump | tracectl tree -o json - | jq .roots[0].name`,
	}
	opts.inputOptions.runOnFiles(cmd, func(*cobra.Command) error { return treeRun(s, opts) })
	opts.inputOptions.addFlags(cmd)
	opts.followOptions.addFlags(cmd)
	opts.asyncOptions.addFlags(cmd)
	opts.streamOptions.addFlags(cmd)
	f := cmd.Flags()
	f.IntVar(&opts.MaxDepth, "max-depth", -1, "deepest level to print (roots are 0; -1 for all)")
	f.DurationVar(&opts.MinDuration, "min-duration", 0, "hide spans shorter than this, with their subtrees")
	f.IntVar(&opts.Width, "width", 0, "line width to fit (default: $COLUMNS, else the terminal's width, else 120)")
	addColorFlag(cmd, &opts.Color)
	addOutputFlag(cmd, &opts.Output, "tree", "json")
	f.BoolVar(&opts.NoFold, "no-fold", false, "print every span, even runs of alike siblings")
	f.BoolVar(&opts.Critical, "critical", false, "mark the critical path (◆); bars off the path are drawn light")
	f.CountVarP(&opts.Attrs, "attrs", "v", "print each span's status message, attributes, events and links under it, and its resource where the trace enters a service; twice (-vv) the resource and scope of every span")
	f.StringSliceVar(&opts.Fields, "fields", nil, "what each line shows, of: service, name, kind, offset, duration, bar, span_id, span.KEY, resource.KEY (default: service,name,kind,offset,duration,bar)")
	return cmd
}

func treeRun(s *streams, opts *treeOptions) error {
	if _, err := opts.asyncOptions.mode(&opts.inputOptions); err != nil {
		return err
	}
	if _, err := opts.treeFields(); err != nil {
		return err
	}
	if opts.Stream && opts.Follow {
		return usageError{errors.New("--follow already prints each trace as it completes: leave out --stream")}
	}
	if !opts.Stream && opts.streaming(s, opts.Files) {
		return treeLive(s, opts)
	}
	ts, err := openPerTrace(s, &opts.inputOptions, &opts.streamOptions)
	if err != nil {
		return err
	}
	defer ts.close()
	p := newTreePrinter(s, opts)
	return ts.sorted(func(tr *dag.Tree) error { return p.print([]*dag.Tree{tr}) })
}

// treePrinter prints trees as `tracectl tree` does, all at once or, on the
// live path, a few at a time as they complete.
type treePrinter struct {
	s       *streams
	opts    *treeOptions
	st      *render.Styles
	ro      render.TreeOptions
	z       critpath.Analyzer // for --critical
	printed int
}

// treeFields parses --fields (nil when absent: the default).
func (opts *treeOptions) treeFields() (*render.TreeFields, error) {
	if opts.Fields == nil {
		return nil, nil
	}
	f, err := render.ParseTreeFields(opts.Fields)
	if err != nil {
		return nil, usageError{fmt.Errorf("--fields: %w", err)}
	}
	return &f, nil
}

func newTreePrinter(s *streams, opts *treeOptions) *treePrinter {
	mode, _ := opts.asyncOptions.mode(&opts.inputOptions) // treeRun checked it
	fields, _ := opts.treeFields()                        // treeRun checked them
	return &treePrinter{
		s:    s,
		opts: opts,
		z:    critpath.Analyzer{Async: mode},
		st:   s.styles(opts.Color, opts.Width),
		ro: render.TreeOptions{
			Width:       s.width(opts.Width, 120),
			MaxDepth:    opts.MaxDepth,
			MinDuration: opts.MinDuration.Nanoseconds(),
			Fold:        !opts.NoFold,
			Fields:      fields,
			Details:     opts.Attrs,
		},
	}
}

func (p *treePrinter) print(trees []*dag.Tree) error {
	for _, tr := range trees {
		if p.opts.Output == "json" {
			if err := render.TreeJSON(p.s.Out, tr); err != nil {
				return err
			}
			continue
		}
		if p.printed > 0 {
			fmt.Fprintln(p.s.Out)
		}
		p.printed++
		ro := p.ro
		if p.opts.Critical {
			a := p.z.Analyze(tr)
			ro.Critical = a.OnPath()
			if a.Async == critpath.AsyncFollow {
				ro.Queued = a.Queue
			}
		}
		if err := render.Tree(p.s.Out, p.st, tr, ro); err != nil {
			return err
		}
	}
	return nil
}

// selectTrace keeps the one trace whose id starts with prefix.
func selectTrace(trees []*dag.Tree, prefix string) ([]*dag.Tree, error) {
	prefix = strings.ToLower(prefix)
	var match []*dag.Tree
	for _, tr := range trees {
		if traceHasPrefix(tr, prefix) {
			match = append(match, tr)
		}
	}
	if len(match) != 1 {
		sortByStart(match)
		return nil, traceMatchError(prefix, len(match), len(trees), match)
	}
	return match, nil
}

// traceHasPrefix reports whether the trace's id starts with prefix (in
// lower case). A workflow (--async follow) is found by any of its traces.
func traceHasPrefix(tr *dag.Tree, prefix string) bool {
	return strings.HasPrefix(strings.ToLower(tr.TraceIDText()), prefix) || slices.ContainsFunc(tr.Joined, func(id dag.TraceID) bool {
		return strings.HasPrefix(id.String(), prefix)
	})
}

// traceMatchError is --trace's error when n of total traces match prefix
// (not one); first holds the first few matches by start time.
func traceMatchError(prefix string, n, total int, first []*dag.Tree) error {
	if n == 0 {
		return usageError{fmt.Errorf("no trace id starts with %q (kept 0 of %d traces)", prefix, total)}
	}
	ids := make([]string, 0, 3)
	for _, tr := range first[:min(3, len(first))] {
		ids = append(ids, tr.TraceIDText())
	}
	return usageError{fmt.Errorf("trace id prefix %q is ambiguous: %d traces match (%s…)", prefix, n, strings.Join(ids, ", "))}
}
