package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/graph"
	"github.com/tracectl/tracectl/internal/render"
)

type graphOptions struct {
	inputOptions
	asyncOptions
	Focus  string
	Depth  int
	Output string
	Out    string
	Color  string
	Width  int
}

func newCmdGraph(s *streams) *cobra.Command {
	opts := &graphOptions{}
	cmd := &cobra.Command{
		Use:   "graph FILE... | -",
		Short: "Draw the service dependency graph: who calls whom, how often, how many fail, how slow",
		Long: `Build the service dependency graph of every trace in the input. A span whose child
span is in another service is one call on the edge caller → callee, whatever the spans'
kinds; a parent and child in the same service are no edge. A PRODUCER → CONSUMER
parent edge and Jaeger's FOLLOWS_FROM are async edges (the caller did not wait), drawn
dashed; with --async follow, a trace whose root links to a span of another trace joins
it the same way (see critpath --help), so a batch consumer's link is an async edge too.
A CLIENT or PRODUCER span that no other service's span answered calls a peer that sent
no spans: when it names one (peer.service, db.system.name, db.system or server.address)
that peer is a "not traced" (virtual) service.

Per edge: calls, errors (callee spans with error status), and p50/p90/p99 latency of a
call, which is the caller's CLIENT span duration when the caller recorded one (what it
waited, network included) and otherwise the callee span's (on an async edge: the
consumer's processing); on an async edge also the queue time, from the end of the
producer's span to the start of the consumer's. Per service: spans, error spans, traces.

--focus SERVICE keeps the edges on call chains through that service: its callers and
theirs upstream, its callees and theirs downstream, at most --depth hops away (0: any).

Output (-o): a terminal table; dot (Graphviz: tracectl graph -o dot f.json | dot -Tsvg);
mermaid (a flowchart GitHub renders in a ` + "```mermaid" + ` block); svg (a standalone
drawing, the one tracectl report embeds); json (JSON Lines: one object per service, then
one per edge, with "type":"node" or "edge").`,
		Example: `  tracectl graph traces.json
  tracectl graph -o dot 'traces-*.json' | dot -Tsvg > services.svg
  tracectl graph -o mermaid --focus checkout --depth 2 dump.pb
  tracectl graph -o svg --out services.svg traces.json
  tracectl graph -o json traces.json | jq -c 'select(.type == "edge" and .errors > 0)'`,
	}
	opts.inputOptions.runOnFiles(cmd, func(*cobra.Command) error { return graphRun(s, opts) })
	opts.inputOptions.addFlags(cmd)
	opts.asyncOptions.addFlags(cmd)
	f := cmd.Flags()
	// The graph prunes nothing: --async only decides whether linked traces
	// join (and add their async edges).
	f.Lookup("async").Usage = "prune: the async edges within each trace; follow: also join a trace whose root links to another trace's span, an async edge from that span's service"
	f.StringVar(&opts.Focus, "focus", "", "only the call chains through this service")
	f.IntVar(&opts.Depth, "depth", 1, "with --focus: hops up and down from the service, 0 for any")
	addOutputFlag(cmd, &opts.Output, "table", "dot", "mermaid", "svg", "json")
	f.StringVar(&opts.Out, "out", "", "write to this file instead of stdout")
	addColorFlag(cmd, &opts.Color)
	addWidthFlag(cmd, &opts.Width)
	return cmd
}

func graphRun(s *streams, opts *graphOptions) error {
	if opts.Depth < 0 {
		return usageError{errors.New("--depth must be 0 (any) or more")}
	}
	if _, err := opts.asyncOptions.mode(&opts.inputOptions); err != nil {
		return err
	}
	ts, err := openTraces(s, &opts.inputOptions, true)
	if err != nil {
		return err
	}
	defer ts.close()
	gb := graph.NewBuilder()
	if err := ts.each(func(tr *dag.Tree) error { gb.Add(tr); return nil }); err != nil {
		return err
	}
	g := gb.Graph()
	if opts.Focus != "" {
		if g, err = g.Around(opts.Focus, opts.Depth); err != nil {
			return usageError{fmt.Errorf("--focus: %w", err)}
		}
	}
	return withOutput(s, opts.Out, func(w io.Writer) error {
		switch opts.Output {
		case "dot":
			return g.DOT(w)
		case "mermaid":
			return g.Mermaid(w)
		case "svg":
			return g.SVG(w)
		case "json":
			return render.GraphJSON(w, g)
		}
		if opts.Out == "" {
			return render.Graph(w, s.styles(opts.Color, opts.Width), g)
		}
		// A file is not a terminal: colour only when forced, no width limit unless asked.
		st := render.NewProfileStyles(w, render.ColorProfile(opts.Color, false, s.Getenv))
		st.Width = opts.Width
		return render.Graph(w, st, g)
	})
}
