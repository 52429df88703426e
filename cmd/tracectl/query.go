package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/query"
	"github.com/tracectl/tracectl/internal/render"
)

type queryOptions struct {
	inputOptions
	streamOptions
	Expr   string
	Traces bool
	Output string
	Color  string
	Width  int
}

func newCmdQuery(s *streams) *cobra.Command {
	opts := &queryOptions{}
	cmd := &cobra.Command{
		Use:   "query FILE... | - 'EXPR'",
		Short: "Find the spans (or traces) that match a TraceQL-subset query",
		Long: `Evaluate a query on every trace and print the spans it selects: service, span
name, duration, trace id and span id. With --traces, print the matching traces instead.
The expression is the last argument.

The language is a subset of Grafana Tempo's TraceQL:
  { name = "GET /cart" && resource.service.name = "cart" && duration > 100ms }
  { status = error } >> { kind = client }          descendants (also > child, ~ sibling,
                                                   << ancestor, < parent, and !>> etc.)
  { name = "charge" } && { span.retry = true }     both in the same trace (|| either)
  { name = "SELECT" } | count() > 10               aggregates: count avg min max sum
Fields: name, status (ok error unset), kind (server client producer consumer internal
unspecified), duration, span.ATTR, resource.ATTR, .ATTR (span, then resource).
Operators: = != < <= > >= =~ !~ (regular expressions match the whole value), && || !.
A missing attribute matches no comparison, != included; use = nil to find it.`,
		Example: `  tracectl query traces.json '{ status = error }'
  tracectl query --traces dump.pb '{ resource.service.name = "payment" && duration > 500ms }'
  tracectl query -o json traces.json '{ kind = server } > { kind = client }' | jq -r .name`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError{errors.New(`give the input files, then the query: tracectl query FILE... '{ name = "GET /" }'`)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files, opts.Expr, opts.ctx = args[:len(args)-1], args[len(args)-1], cmd.Context()
			return queryRun(s, opts)
		},
	}
	opts.inputOptions.addFlags(cmd)
	opts.streamOptions.addFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&opts.Traces, "traces", false, "print the matching traces, one row each, instead of spans")
	addOutputFlag(cmd, &opts.Output, "table", "json")
	addColorFlag(cmd, &opts.Color)
	addWidthFlag(cmd, &opts.Width)
	return cmd
}

func queryRun(s *streams, opts *queryOptions) error {
	q, err := query.Parse(opts.Expr)
	if err != nil {
		if _, statErr := os.Stat(opts.Expr); statErr == nil {
			return usageError{fmt.Errorf("the query goes last, after the files; %q is a file", opts.Expr)}
		}
		return usageError{fmt.Errorf("query: %w", err)}
	}
	if opts.Stream && opts.Output != "json" {
		return usageError{errors.New("--stream prints rows as traces complete, as JSON lines: add -o json (a table is sized to all its rows)")}
	}
	ts, err := openPerTrace(s, &opts.inputOptions, &opts.streamOptions)
	if err != nil {
		return err
	}
	defer ts.close()
	// Rows of matching traces are compact; a span row points into its
	// trace, so the span table holds the traces that matched.
	var spans []render.QueryMatch
	var traces []render.QueryTrace
	err = ts.sorted(func(tr *dag.Tree) error {
		r := q.Eval(tr)
		if !r.Matched {
			return nil
		}
		if opts.Traces {
			traces = append(traces, render.QueryTrace{Summary: dag.Summarize(tr), Matched: len(r.Spans)})
		} else {
			for _, i := range r.Spans {
				spans = append(spans, render.QueryMatch{Tree: tr, Node: i})
			}
		}
		if opts.Stream { // this trace's rows now
			err := writeQuery(s, opts, spans, traces)
			spans, traces = spans[:0], traces[:0]
			return err
		}
		return nil
	})
	if err != nil || opts.Stream {
		return err
	}
	return writeQuery(s, opts, spans, traces)
}

// writeQuery writes query's rows: the traces with --traces, else the spans.
func writeQuery(s *streams, opts *queryOptions, spans []render.QueryMatch, traces []render.QueryTrace) error {
	st := s.styles(opts.Color, opts.Width)
	switch {
	case opts.Traces && opts.Output == "json":
		return render.QueryTracesJSON(s.Out, traces)
	case opts.Traces:
		return render.QueryTraces(s.Out, st, traces)
	case opts.Output == "json":
		return render.QuerySpansJSON(s.Out, spans)
	}
	return render.QuerySpans(s.Out, st, spans)
}
