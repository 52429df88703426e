package main

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/live"
	"github.com/tracectl/tracectl/internal/view"
)

type viewOptions struct {
	inputOptions
	asyncOptions
	Color string
}

func newCmdView(s *streams) *cobra.Command {
	opts := &viewOptions{}
	cmd := &cobra.Command{
		Use:   "view FILE... | -",
		Short: "Explore traces interactively, full-screen in the terminal",
		Long: `Open a full-screen explorer on the traces of the inputs (files, globs, URLs, or -
for stdin). The list shows each trace's root, spans, errors, duration and start;
s sorts, / filters as you type (text, or a TraceQL expression starting with {).
Enter opens a trace as the waterfall of 'tracectl tree', with the critical path
marked (c toggles), subtrees that fold and unfold, and a detail pane for the
selected span: attributes, resource, events (stack traces line by line), links
(1-9 jump to the span a link names), self and critical time. / searches span names
and services (or TraceQL), n/N go to the next/previous match, ? lists every key,
q quits.

For live traffic, use 'tracectl receive --view'.`,
		Example: `  tracectl view traces.json
  tracectl view --trace 4bf92f35 dump.pb
  curl -s http://jaeger:16686/api/traces/4bf92f35 | tracectl view -`,
	}
	opts.inputOptions.runOnFiles(cmd, func(cmd *cobra.Command) error { return viewRun(cmd.Context(), s, opts) })
	opts.inputOptions.addFlags(cmd)
	opts.asyncOptions.addFlags(cmd)
	// --trace, every reader's, opens that trace first, the others a key away.
	cmd.Flags().Lookup("trace").Usage = "open this trace first (a unique prefix of its id is enough)"
	addColorFlag(cmd, &opts.Color)
	return cmd
}

// errNoTerminal is view's answer when stdout is not a terminal.
var errNoTerminal = usageError{errors.New("the explorer needs a terminal on stdout (for a pipe or a file, use tracectl tree or tracectl ls)")}

func viewRun(ctx context.Context, s *streams, opts *viewOptions) error {
	mode, err := opts.asyncOptions.mode(&opts.inputOptions)
	if err != nil {
		return err
	}
	if !s.OutTTY {
		return errNoTerminal
	}
	open := opts.Trace
	opts.Trace = "" // load every trace, and open this one first
	trees, err := loadTrees(s, &opts.inputOptions)
	if err != nil {
		return err
	}
	sortByStart(trees)
	vo := view.Options{Styles: s.styles(opts.Color, 0), Async: mode, Source: sourceName(opts.Files)}
	if open != "" {
		match, err := selectTrace(trees, open)
		if err != nil {
			return err
		}
		vo.Open = match[0].TraceID
	}
	return view.Run(ctx, view.New(trees, vo), s.Out)
}

// sourceName names the inputs in the explorer's title.
func sourceName(files []string) string {
	switch {
	case len(files) == 1 && files[0] == "-":
		return "stdin"
	case len(files) == 1:
		return filepath.Base(files[0])
	}
	return dag.Plural(len(files), "input")
}

// receiveView is `tracectl receive --view`.
func receiveView(ctx context.Context, s *streams, opts *receiveOptions, ropts live.ReceiveOptions) (*live.ReceiveResult, error) {
	if !s.OutTTY {
		return nil, errNoTerminal
	}
	return view.Receive(ctx, ropts, opts.MaxSpans, view.Options{Styles: s.styles(opts.Color, 0)}, s.Out)
}
