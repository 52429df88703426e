package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/critpath"
)

// asyncOptions is the --async flag of the commands that walk critical
// paths (DESIGN.md §4 "Asynchronous edges").
type asyncOptions struct {
	Async string
}

func (o *asyncOptions) addFlags(cmd *cobra.Command) {
	addChoiceFlag(cmd, &o.Async, "async", "", "prune", "asynchronous work (PRODUCER→CONSUMER, FOLLOWS_FROM, a trace linked to another): "+
		"prune it from the critical path as Jaeger UI does, or follow it as one workflow, with queue waits and linked traces joined", "prune", "follow")
}

// mode parses --async ("" is the default, prune) and, with follow, asks
// loadTrees to join traces continued by a link (dag.Join).
func (o *asyncOptions) mode(in *inputOptions) (critpath.Async, error) {
	if o.Async == "" {
		return critpath.AsyncPrune, nil
	}
	m, err := critpath.ParseAsync(o.Async)
	if err != nil {
		return 0, usageError{fmt.Errorf("--async: %w", err)}
	}
	in.Join = m == critpath.AsyncFollow
	return m, nil
}

// checkSpeedupAsync rejects --speedup with --async follow: the what-if
// re-times work, and a queue wait is not work any service does.
func checkSpeedupAsync(rules []critpath.Speedup, m critpath.Async) error {
	if rules != nil && m == critpath.AsyncFollow {
		return usageError{fmt.Errorf("--speedup re-times synchronous work: use it with --async prune")}
	}
	return nil
}
