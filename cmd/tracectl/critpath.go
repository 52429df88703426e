package main

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/render"
)

type critpathOptions struct {
	inputOptions
	asyncOptions
	streamOptions
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

Asynchronous work — a CONSUMER under a PRODUCER, a Jaeger FOLLOWS_FROM child — did
not make its parent wait: --async prune (the default, as Jaeger UI) leaves it off the
path. --async follow treats the trace as one workflow that ends with its last span:
the path runs from the producer through the queue ("⋯ queued → process") into the
consumer, and a trace whose root links to a span of another trace in the input (a
consumer that started a new trace) is joined to that trace.

--speedup re-times each trace with some work made K times faster (repeatable:
service=NAME:K or operation=SERVICE/SPAN NAME:K) and shows the end-to-end latency
before and after. With -o folded it folds the re-timed traces and prints the what-if
summary on stderr.`,
		Example: `  tracectl critpath traces.json
  tracectl critpath -o json dump.pb | jq '.segments[] | .service'
  tracectl critpath -o folded traces.json | flamegraph.pl > critical.svg
  tracectl critpath --speedup service=payment:2 traces.json
  tracectl critpath --async follow -o json orders.json | jq '.segments[] | select(.queue)'`,
	}
	opts.inputOptions.runOnFiles(cmd, func(*cobra.Command) error { return critpathRun(s, opts) })
	opts.inputOptions.addFlags(cmd)
	opts.asyncOptions.addFlags(cmd)
	opts.streamOptions.addFlags(cmd)
	f := cmd.Flags()
	addOutputFlag(cmd, &opts.Output, "text", "json", "folded")
	addChoiceFlag(cmd, &opts.Weight, "weight", "", "critical", "folded stacks weighted by critical or self time", "critical", "self")
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

// loadWhatIf is the start critpath and attrib share: --weight, --speedup and --async
// parsed and checked against each other, the traces opened (narrowed by --where and
// --trace), and every --speedup target checked against those traces before any output
// (with --stream, once the input has ended; stream is nil for attrib). The options it
// returns hold Weight, Rules and Async; the caller adds the rest, and closes the set.
func loadWhatIf(s *streams, in *inputOptions, async *asyncOptions, stream *streamOptions, weightFlag string, speedupFlags []string) (critpath.SummaryOptions, *traceSet, error) {
	var so critpath.SummaryOptions
	weight, err := critpath.ParseWeight(weightFlag)
	if err != nil {
		return so, nil, usageError{fmt.Errorf("--weight: %w", err)}
	}
	rules, err := parseSpeedups(speedupFlags)
	if err != nil {
		return so, nil, err
	}
	mode, err := async.mode(in)
	if err != nil {
		return so, nil, err
	}
	if err := checkSpeedupAsync(rules, mode); err != nil {
		return so, nil, err
	}
	ts, err := openPerTrace(s, in, stream)
	if err != nil {
		return so, nil, err
	}
	if rules != nil {
		var targets critpath.Targets
		ts.seen = targets.Add
		ts.ready = func() error {
			if err := targets.Check(rules); err != nil {
				return usageError{fmt.Errorf("--speedup %w", err)}
			}
			return nil
		}
	}
	so.Weight, so.Rules, so.Async = weight, rules, mode
	return so, ts, nil
}

func critpathRun(s *streams, opts *critpathOptions) error {
	so, ts, err := loadWhatIf(s, &opts.inputOptions, &opts.asyncOptions, &opts.streamOptions, opts.Weight, opts.Speedups)
	if err != nil {
		return err
	}
	defer ts.close()

	st := s.styles(opts.Color, 0)
	so.Folded = opts.Output == "folded"
	so.NoAttribution = true // writeSummary shows the what-if and folded stacks only
	var each func(b []byte, k int, a, retimed *critpath.Analysis) []byte
	switch opts.Output {
	case "json":
		each = func(b []byte, _ int, a, retimed *critpath.Analysis) []byte {
			return render.AppendCritPathJSON(b, a, retimed)
		}
	case "text":
		each = func(b []byte, k int, a, retimed *critpath.Analysis) []byte {
			buf := bytes.NewBuffer(b)
			if k > 0 {
				buf.WriteByte('\n')
			}
			render.CritPath(buf, st, a, render.CritPathOptions{WhatIf: retimed}) // a bytes.Buffer does not fail
			return buf.Bytes()
		}
	}
	pipe := critpath.NewOrdered(so, each, func(b []byte) error {
		_, err := s.Out.Write(b)
		return err
	})
	err = ts.sorted(pipe.Add)
	sum, cerr := pipe.Close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return writeSummary(s, st, opts.Output, sum, nil)
}

// writeSummary ends the output of critpath and attrib: folded stacks (the
// what-if on stderr), or the what-if after the JSON lines or the text.
// table, when set, writes the text or JSON that comes before the what-if.
func writeSummary(s *streams, st *render.Styles, output string, sum *critpath.Summary, table func() error) error {
	if output == "folded" {
		if err := render.Folded(s.Out, sum.Folded); err != nil {
			return err
		}
		if sum.WhatIf != nil {
			return render.WhatIf(s.Err, render.NewStyles(s.Err, false), sum.WhatIf.Report())
		}
		return nil
	}
	if table != nil {
		if err := table(); err != nil {
			return err
		}
	}
	switch {
	case sum.WhatIf == nil:
		return nil
	case output == "json":
		return render.WhatIfJSON(s.Out, sum.WhatIf.Report())
	}
	fmt.Fprintln(s.Out)
	return render.WhatIf(s.Out, st, sum.WhatIf.Report())
}
