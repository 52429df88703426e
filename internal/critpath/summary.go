package critpath

import (
	"runtime"
	"sync"

	"github.com/tracectl/tracectl/internal/dag"
)

// SummaryOptions say what Summarize computes.
type SummaryOptions struct {
	By By
	// Async is how the critical path treats asynchronous edges.
	Async Async
	// Rules, when set, re-time every trace (WhatIf). Re-timing models
	// synchronous work: rules need AsyncPrune (see Retime).
	Rules []Speedup
	// Folded, when set, folds every trace's stacks, weighted by Weight;
	// with Rules, the re-timed traces are folded.
	Folded bool
	Weight Weight
	// Workers is how many goroutines analyse traces; 0 means GOMAXPROCS.
	Workers int
	// NoAttribution leaves Summary.Attribution nil, for a caller that
	// never shows it (critpath prints paths, a what-if and folded
	// stacks): its per-trace samples are a tenth of a large run's memory.
	NoAttribution bool
}

// Summary is what Summarize computed over every trace.
type Summary struct {
	Attribution *Attribution // nil with NoAttribution
	WhatIf      *WhatIf      // nil without rules
	Folded      *Folded      // nil unless asked for
}

// Summarize analyses every tree and folds it into an attribution, and a
// what-if and folded stacks when opts ask. Traces are independent, so it
// splits them into contiguous runs, one per worker, each with its own
// Analyzer and accumulators, and merges the results in order: the summary
// is the same whatever the number of workers.
func Summarize(trees []*dag.Tree, opts SummaryOptions) *Summary {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Below a few thousand spans a worker costs more than it saves.
	spans := 0
	for _, tr := range trees {
		spans += len(tr.Nodes)
	}
	workers = max(1, min(workers, len(trees), spans/4096))

	// Cut where the span counts even out, not the trace counts.
	cuts := []int{0}
	seen := 0
	for k, tr := range trees {
		seen += len(tr.Nodes)
		if len(cuts) < workers && seen >= spans*len(cuts)/workers {
			cuts = append(cuts, k+1)
		}
	}
	if cuts[len(cuts)-1] < len(trees) || len(cuts) == 1 {
		cuts = append(cuts, len(trees))
	}
	parts := make([]*Summary, len(cuts)-1)
	var wg sync.WaitGroup
	for w := range parts {
		part := trees[cuts[w]:cuts[w+1]]
		wg.Go(func() { parts[w] = summarize(part, opts) })
	}
	wg.Wait()
	sum := parts[0]
	for _, p := range parts[1:] {
		sum.Merge(p)
	}
	return sum
}

// Merge adds what o summed up, as if its traces had been added after
// sum's own (a partition at a time, when the input is spilled to disk):
// the result does not depend on how the traces were split. Both must have
// been computed with the same options.
func (sum *Summary) Merge(o *Summary) {
	if sum.Attribution != nil {
		sum.Attribution.Merge(o.Attribution)
	}
	if sum.WhatIf != nil {
		sum.WhatIf.Merge(o.WhatIf)
	}
	if sum.Folded != nil {
		sum.Folded.Merge(o.Folded)
	}
}

// summarize is one worker's share of Summarize.
func summarize(trees []*dag.Tree, opts SummaryOptions) *Summary {
	sz := NewSummarizer(opts)
	for _, tr := range trees {
		sz.Add(tr)
	}
	return sz.Summary()
}

// A Summarizer folds traces into a Summary one at a time, in the caller's
// order, handing back each trace's analysis on the way: what Summarize
// does on each core, for a command that also prints every trace (like
// `tracectl critpath`). It is not safe for concurrent use.
type Summarizer struct {
	s Summary
	z Analyzer
}

// NewSummarizer returns a Summarizer computing what opts ask.
func NewSummarizer(opts SummaryOptions) *Summarizer {
	sz := &Summarizer{z: Analyzer{Async: opts.Async}}
	if !opts.NoAttribution {
		sz.s.Attribution = NewAttribution(opts.By)
	}
	if opts.Rules != nil {
		sz.s.WhatIf = &WhatIf{Rules: opts.Rules}
	}
	if opts.Folded {
		sz.s.Folded = NewFolded(opts.By, opts.Weight)
	}
	return sz
}

// Add analyses one trace and folds it in. It returns the analysis and,
// with rules, the re-timed one (else nil); both are valid until the next
// Add.
func (sz *Summarizer) Add(tr *dag.Tree) (a, retimed *Analysis) {
	s := &sz.s
	a = sz.z.Analyze(tr)
	if s.Attribution != nil {
		s.Attribution.Add(a)
	}
	if s.WhatIf != nil {
		retimed = s.WhatIf.Add(a)
	}
	if s.Folded != nil {
		if retimed != nil {
			s.Folded.Add(retimed) // folded stacks show the what-if
		} else {
			s.Folded.Add(a)
		}
	}
	return a, retimed
}

// Summary returns what the traces added sum up to.
func (sz *Summarizer) Summary() *Summary { return &sz.s }
