package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/render"
)

type critpathOptions struct {
	inputOptions
	Trace    string
	Output   string
	Weight   string
	Speedups []string
	Color    string
}

func newCmdCritpath(s *streams) *cobra.Command {
	opts := &critpathOptions{}
	cmd := &cobra.Command{
		Use:   "critpath FILE... | -",
		Short: "Show each trace's critical path: which spans the root's latency waited on",
		Long: `Print the critical path of every root span: the chain of work the root's end
waited on, as an ordered list of stretches (offset, time owned, share of the root's
duration, service, span name), and a verdict naming the operation that owns the most.

The walk is Jaeger UI's: children are first clipped to their parent (a child wholly
outside is dropped with its subtree); then, from the root's end, the child that ends
last before the current cut owns the time after it, recursively. Spans under a
missing parent are analysed under a placeholder, which owns the gaps they leave.

--speedup re-times each trace with some work made K times faster (repeatable:
service=NAME:K or operation=SERVICE/SPAN NAME:K) and shows the end-to-end latency
before and after. With -o folded it folds the re-timed traces and prints the what-if
summary on stderr.`,
		Example: `  tracectl critpath traces.json
  tracectl critpath -o json dump.pb | jq '.segments[] | .service'
  tracectl critpath -o folded traces.json | flamegraph.pl > critical.svg
  tracectl critpath --speedup service=payment:2 traces.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			return critpathRun(s, opts)
		},
	}
	opts.inputOptions.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.Trace, "trace", "", "show only this trace (a unique prefix of its id is enough)")
	addOutputFlag(cmd, &opts.Output, "text", "json", "folded")
	f.StringVar(&opts.Weight, "weight", "critical", "folded stacks weighted by critical or self time")
	f.StringArrayVar(&opts.Speedups, "speedup", nil, "what-if: make work K× faster, service=NAME:K or operation=SERVICE/SPAN:K (repeatable)")
	addColorFlag(cmd, &opts.Color)
	return cmd
}

// parseSpeedups parses every --speedup; nil when none was given.
func parseSpeedups(flags []string) ([]critpath.Speedup, error) {
	var rules []critpath.Speedup
	for _, fl := range flags {
		r, err := critpath.ParseSpeedup(fl)
		if err != nil {
			return nil, usageError{fmt.Errorf("--speedup: %w", err)}
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func critpathRun(s *streams, opts *critpathOptions) error {
	weight, err := critpath.ParseWeight(opts.Weight)
	if err != nil {
		return usageError{fmt.Errorf("--weight: %w", err)}
	}
	rules, err := parseSpeedups(opts.Speedups)
	if err != nil {
		return err
	}
	trees, err := loadTrees(s, &opts.inputOptions)
	if err != nil {
		return err
	}
	if opts.Trace != "" {
		if trees, err = selectTrace(trees, opts.Trace); err != nil {
			return err
		}
	}
	sortByStart(trees)

	var whatIf *critpath.WhatIf
	if rules != nil {
		whatIf = &critpath.WhatIf{Rules: rules}
	}
	var folded *critpath.Folded
	if opts.Output == "folded" {
		folded = critpath.NewFolded(critpath.ByOperation, weight)
	}
	st := render.NewStyles(s.Out, s.colorEnabled(opts.Color))
	for k, tr := range trees {
		a := critpath.Analyze(tr)
		var b *critpath.Analysis
		if whatIf != nil {
			b = whatIf.Add(a)
		}
		switch opts.Output {
		case "folded":
			if b != nil {
				a = b
			}
			folded.Add(a)
		case "json":
			if err := render.CritPathJSON(s.Out, a, b); err != nil {
				return err
			}
		default:
			if k > 0 {
				fmt.Fprintln(s.Out)
			}
			if err := render.CritPath(s.Out, st, a, render.CritPathOptions{WhatIf: b}); err != nil {
				return err
			}
		}
	}
	switch opts.Output {
	case "folded":
		if err := render.Folded(s.Out, folded); err != nil {
			return err
		}
		if whatIf != nil {
			return render.WhatIf(s.Err, render.NewStyles(s.Err, false), whatIf.Report())
		}
	case "json":
		if whatIf != nil {
			return render.WhatIfJSON(s.Out, whatIf.Report())
		}
	default:
		if whatIf != nil {
			fmt.Fprintln(s.Out)
			return render.WhatIf(s.Out, st, whatIf.Report())
		}
	}
	return nil
}
