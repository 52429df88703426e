package critpath

import (
	"runtime"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ordered"
)

// Ordered is a Summarizer spread over every core, for a command that prints
// every trace's analysis (`tracectl critpath`): traces go in with Add, in
// the caller's order; workers analyse and render them a run of traces at a
// time, each run into a buffer of its own; the buffers come out through
// write in the order the traces went in. Each worker folds the traces it
// analysed into a summary of its own, and Close merges them: a Summary
// does not depend on the order its traces were added in (totals and
// counts are sums, percentiles are of sorted samples, rows and stacks are
// sorted by key), so output and Summary are byte for byte what one
// Summarizer adding the traces one by one and rendering each would give,
// whatever the number of workers. Analysing and rendering were half of
// such a command's CPU, on one core after the input was read.
type Ordered struct {
	opts   SummaryOptions
	render func(b []byte, k int, a, retimed *Analysis) []byte

	cur   *orderedRun
	added int // traces added so far

	szs  []*Summarizer // one per worker
	pipe *ordered.Pipeline[*orderedRun]
}

// orderedRun is a run of consecutive traces on its way through Ordered.
type orderedRun struct {
	trees []*dag.Tree
	first int // the ordinal of trees[0]
	spans int
	out   []byte
}

// orderedRunSpans is about how many spans a full run holds: enough to make
// handing runs around cost nothing, few enough to balance the workers and
// to keep the buffers in flight small.
const orderedRunSpans = 2048

// NewOrdered returns an Ordered computing what opts ask (opts.Workers
// goroutines; 0 means GOMAXPROCS; one means on the caller's goroutine).
// render, when not nil, appends the output of the k-th trace added (from
// 0) to b and returns it; it runs on the workers, so it must be safe for
// concurrent use, and a and retimed are valid only during the call. write
// is called with the rendered output in order, never twice at once; an
// error it returns stops the pipeline and is returned by Add or Close.
func NewOrdered(opts SummaryOptions, render func(b []byte, k int, a, retimed *Analysis) []byte, write func([]byte) error) *Ordered {
	o := &Ordered{opts: opts, render: render}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	o.pipe = ordered.New(ordered.Config[*orderedRun]{
		Workers: workers,
		New:     func() *orderedRun { return new(orderedRun) },
		Worker: func() func(*orderedRun) {
			sz := NewSummarizer(opts)
			o.szs = append(o.szs, sz)
			return func(r *orderedRun) { o.analyse(sz, r) }
		},
		Deliver: func(r *orderedRun) error {
			if len(r.out) == 0 {
				return nil
			}
			return write(r.out)
		},
		Recycle: func(r *orderedRun) {
			clear(r.trees)
			*r = orderedRun{trees: r.trees[:0], out: r.out[:0]}
		},
	})
	return o
}

// Add queues a trace. It returns the first error of write, if any.
func (o *Ordered) Add(tr *dag.Tree) error {
	if o.cur == nil {
		o.cur = o.pipe.Get()
		o.cur.first = o.added
	}
	o.added++
	r := o.cur
	r.trees = append(r.trees, tr)
	r.spans += len(tr.Nodes)
	// A run is handed on when it is full, or at once when every run
	// handed on has been written: traces that come slowly (as --stream
	// completes them) are written as they come, while a fast producer
	// still fills whole runs.
	if r.spans < orderedRunSpans && !o.pipe.Idle() {
		return nil
	}
	o.cur = nil
	return o.pipe.Submit(r)
}

// Close analyses what is left, waits for every run to be written, ends
// the workers and returns the summary of every trace added.
func (o *Ordered) Close() (*Summary, error) {
	var err error
	if r := o.cur; r != nil {
		o.cur = nil
		err = o.pipe.Submit(r)
	}
	if derr := o.pipe.Drain(); err == nil {
		err = derr
	}
	o.pipe.Stop()
	sum := o.szs[0].Summary()
	for _, sz := range o.szs[1:] {
		sum.Merge(sz.Summary())
	}
	return sum, err
}

// analyse analyses r's traces with sz, folding them into its summary, and
// renders them.
func (o *Ordered) analyse(sz *Summarizer, r *orderedRun) {
	for i, tr := range r.trees {
		a, retimed := sz.Add(tr)
		if o.render != nil {
			r.out = o.render(r.out, r.first+i, a, retimed)
		}
	}
}
