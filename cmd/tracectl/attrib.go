package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/render"
)

type attribOptions struct {
	inputOptions
	asyncOptions
	By       string
	Top      int
	TopSet   bool // --top was given: it applies to -o json too
	Output   string
	Weight   string
	Speedups []string
	Color    string
	Width    int
	Merge    bool // the arguments are `attrib -o json` outputs to merge
}

func newCmdAttrib(s *streams) *cobra.Command {
	opts := &attribOptions{}
	cmd := &cobra.Command{
		Use:   "attrib FILE... | -",
		Short: "Attribute latency over many traces to services or operations",
		Long: `Over every trace in the input, per operation (service + span name) or per service:
spans, self time (total and share), critical-path time (total and share of the
end-to-end total) and p50/p90/p99 of the critical time per trace, over the traces it
appears in. Sorted by critical share: the first row is what the latency waits on.

With --async follow, asynchronous work is on the path (see critpath --help), and the
time each consumer operation waited in a queue is its own row, "… ⋯ queued".

--speedup re-times each trace with some work made K times faster (repeatable:
service=NAME:K or operation=SERVICE/SPAN NAME:K) and reports end-to-end p50/p90/p99
before and after. With -o folded it folds the re-timed traces and prints the
what-if summary on stderr.

--merge reads attributions instead of traces: the -o json outputs of attrib over
disjoint sets of traces (e.g. the files of several tracectl receive instances behind
the Collector's loadbalancing exporter, which routes by trace id), and prints their
attribution over all those traces, exactly as attrib over all of them would.`,
		Example: `  tracectl attrib 'traces-*.json'
  tracectl attrib --by service --top 5 dump.pb
  tracectl attrib --speedup service=payment:2 --speedup operation=cart/GET\ /cart:3 traces.json
  tracectl attrib -o folded --weight self traces.json | inferno-flamegraph > self.svg
  tracectl attrib --merge attrib-1.json attrib-2.json attrib-3.json`,
	}
	opts.inputOptions.runOnFiles(cmd, func(cmd *cobra.Command) error {
		opts.TopSet = cmd.Flags().Changed("top")
		if opts.Merge {
			return attribMergeRun(s, cmd, opts)
		}
		return attribRun(s, opts)
	})
	opts.inputOptions.addFlags(cmd)
	opts.asyncOptions.addFlags(cmd)
	f := cmd.Flags()
	addChoiceFlag(cmd, &opts.By, "by", "", "operation", "group by operation (service + span name) or service", "operation", "service")
	f.IntVar(&opts.Top, "top", 20, "show the first N rows, 0 for all (-o json lists every row unless --top is given)")
	addOutputFlag(cmd, &opts.Output, "table", "json", "folded")
	addChoiceFlag(cmd, &opts.Weight, "weight", "", "critical", "folded stacks weighted by critical or self time", "critical", "self")
	f.StringArrayVar(&opts.Speedups, "speedup", nil, "what-if: make work K× faster, service=NAME:K or operation=SERVICE/SPAN:K (repeatable)")
	addColorFlag(cmd, &opts.Color)
	addWidthFlag(cmd, &opts.Width)
	f.BoolVar(&opts.Merge, "merge", false, "the arguments are attrib -o json outputs over disjoint traces: print their merged attribution")
	return cmd
}

func attribRun(s *streams, opts *attribOptions) error {
	by, err := critpath.ParseBy(opts.By)
	if err != nil {
		return usageError{fmt.Errorf("--by: %w", err)}
	}
	if opts.Top < 0 {
		return usageError{errors.New("--top must be 0 (all) or more")}
	}
	so, ts, err := loadWhatIf(s, &opts.inputOptions, &opts.asyncOptions, nil, opts.Weight, opts.Speedups)
	if err != nil {
		return err
	}
	defer ts.close()
	so.By, so.Folded = by, opts.Output == "folded"
	// A partition at a time when the input is spilled: summaries merge
	// to what one summary of every trace would be.
	var sum *critpath.Summary
	err = ts.batches(func(trees []*dag.Tree) error {
		part := critpath.Summarize(trees, so)
		if sum == nil {
			sum = part
		} else {
			sum.Merge(part)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if sum == nil { // every partition was empty
		sum = critpath.Summarize(nil, so)
	}
	st := s.styles(opts.Color, opts.Width)
	return writeSummary(s, st, opts.Output, sum, func() error { return writeAttribution(s, st, opts, sum.Attribution) })
}

// writeAttribution prints at as a table or, with -o json, as JSON Lines.
func writeAttribution(s *streams, st *render.Styles, opts *attribOptions, at *critpath.Attribution) error {
	if opts.Output == "json" {
		top := 0 // a script gets every row unless it asked for fewer
		if opts.TopSet {
			top = opts.Top
		}
		return render.AttribJSON(s.Out, at, top)
	}
	total, lat := at.EndToEnd()
	return render.Attrib(s.Out, st, at.Rows(), render.AttribOptions{
		By: at.By(), Traces: at.Traces(), EndToEnd: total, Latency: lat, Top: opts.Top,
	})
}
