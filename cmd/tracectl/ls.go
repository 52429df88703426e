package main

import (
	"cmp"
	"errors"
	"slices"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/render"
)

type lsOptions struct {
	inputOptions
	streamOptions
	Sort   string
	Output string
	Color  string
	Width  int
}

func newCmdLs(s *streams) *cobra.Command {
	opts := &lsOptions{}
	cmd := &cobra.Command{
		Use:   "ls FILE... | -",
		Short: "List the traces in the input, one row each",
		Long: `List what is in the input: one row per trace with its id, root service and span
name, span count, services, error spans, start time and duration, and a total line.
This is the first thing to run on an unknown dump.`,
		Example: `  tracectl ls traces.json
  tracectl ls --sort duration 'traces-*.json'
  tracectl ls -o json dump.pb | jq -r 'select(.errors > 0) | .trace_id'`,
	}
	opts.inputOptions.runOnFiles(cmd, func(*cobra.Command) error { return lsRun(s, opts) })
	opts.inputOptions.addFlags(cmd)
	opts.streamOptions.addFlags(cmd)
	addChoiceFlag(cmd, &opts.Sort, "sort", "", "start", "order rows by start, duration (longest first) or spans (most first)", "start", "duration", "spans")
	addOutputFlag(cmd, &opts.Output, "table", "json")
	addColorFlag(cmd, &opts.Color)
	addWidthFlag(cmd, &opts.Width)
	return cmd
}

func lsRun(s *streams, opts *lsOptions) error {
	var order func(a, b dag.Summary) int
	switch opts.Sort {
	case "duration":
		order = func(a, b dag.Summary) int { return cmp.Compare(b.Duration(), a.Duration()) }
	case "spans":
		order = func(a, b dag.Summary) int { return cmp.Compare(b.Spans, a.Spans) }
	default: // start
		order = func(a, b dag.Summary) int { return cmp.Compare(a.Start, b.Start) }
	}
	if opts.Stream && (opts.Output != "json" || opts.Sort != "start") {
		return usageError{errors.New("--stream prints a row as each trace completes, as JSON lines: add -o json, and leave out --sort (a table and a sort need every row first)")}
	}
	ts, err := openPerTrace(s, &opts.inputOptions, &opts.streamOptions)
	if err != nil {
		return err
	}
	defer ts.close()
	// A compact row per trace: what is kept when the input is spilled.
	sums := make([]dag.Summary, 0, len(ts.trees))
	err = ts.each(func(tr *dag.Tree) error {
		sums = append(sums, dag.Summarize(tr))
		if opts.Stream {
			err := render.LsJSON(s.Out, sums)
			sums = sums[:0]
			return err
		}
		return nil
	})
	if err != nil || opts.Stream {
		return err
	}
	slices.SortStableFunc(sums, func(a, b dag.Summary) int {
		if c := order(a, b); c != 0 {
			return c
		}
		return slices.Compare(a.TraceID[:], b.TraceID[:])
	})
	if opts.Output == "json" {
		return render.LsJSON(s.Out, sums)
	}
	return render.Ls(s.Out, s.styles(opts.Color, opts.Width), sums)
}
