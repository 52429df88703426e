package critpath

import (
	"runtime"
	"sync"

	"github.com/tracectl/tracectl/internal/dag"
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
	write  func([]byte) error

	cur   *orderedRun
	added int // traces added so far

	szs   []*Summarizer // one per worker
	seq   *Summarizer   // workers ≤ 1: analyse on the caller's goroutine
	jobs  chan *orderedRun
	limit int // runs in flight at most
	wg    sync.WaitGroup

	mu      sync.Mutex
	room    sync.Cond     // signalled when runs are delivered
	pending []*orderedRun // submitted and not delivered, in order
	free    []*orderedRun
	err     error // the first error of write
}

// orderedRun is a run of consecutive traces on its way through Ordered.
type orderedRun struct {
	trees []*dag.Tree
	first int // the ordinal of trees[0]
	spans int
	out   []byte
	done  bool
}

// orderedRunSpans is about how many spans a full run holds: enough to make
// handing runs around cost nothing, few enough to balance the workers and
// to keep the buffers in flight small.
const orderedRunSpans = 2048

// NewOrdered returns an Ordered computing what opts ask (opts.Workers
// goroutines; 0 means GOMAXPROCS). render, when not nil, appends the
// output of the k-th trace added (from 0) to b and returns it; it runs on
// the workers, so it must be safe for concurrent use, and a and retimed
// are valid only during the call. write is called with the rendered
// output in order, never twice at once; an error it returns stops the
// pipeline and is returned by Add or Close.
func NewOrdered(opts SummaryOptions, render func(b []byte, k int, a, retimed *Analysis) []byte, write func([]byte) error) *Ordered {
	o := &Ordered{opts: opts, render: render, write: write}
	o.room.L = &o.mu
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers <= 1 {
		o.seq = NewSummarizer(opts)
		o.szs = []*Summarizer{o.seq}
		return o
	}
	o.limit = 2 * workers
	o.jobs = make(chan *orderedRun, o.limit)
	o.wg.Add(workers)
	for range workers {
		sz := NewSummarizer(opts)
		o.szs = append(o.szs, sz)
		go func() {
			defer o.wg.Done()
			for r := range o.jobs {
				o.analyse(sz, r)
				o.done(r)
			}
		}()
	}
	return o
}

// Add queues a trace. It returns the first error of write, if any.
func (o *Ordered) Add(tr *dag.Tree) error {
	if o.cur == nil {
		o.cur = o.run()
		o.cur.first = o.added
	}
	o.added++
	r := o.cur
	r.trees = append(r.trees, tr)
	r.spans += len(tr.Nodes)
	if r.spans < orderedRunSpans && !o.idle() {
		return nil
	}
	o.cur = nil
	return o.submit(r)
}

// idle reports whether every run handed on has been written. A run is
// handed on when it is full, or at once when the workers have nothing
// else to do: traces that come slowly (as --stream completes them) are
// written as they come, while a fast producer still fills whole runs.
func (o *Ordered) idle() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.pending) == 0
}

// Close analyses what is left, waits for every run to be written, ends
// the workers and returns the summary of every trace added.
func (o *Ordered) Close() (*Summary, error) {
	var err error
	if r := o.cur; r != nil {
		o.cur = nil
		err = o.submit(r)
	}
	o.mu.Lock()
	for len(o.pending) > 0 {
		o.room.Wait()
	}
	if err == nil {
		err = o.err
	}
	o.mu.Unlock()
	if o.jobs != nil {
		close(o.jobs)
		o.wg.Wait()
		o.jobs = nil
	}
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

// run returns an empty run, reusing the memory of one delivered.
func (o *Ordered) run() *orderedRun {
	o.mu.Lock()
	defer o.mu.Unlock()
	if k := len(o.free); k > 0 {
		r := o.free[k-1]
		o.free = o.free[:k-1]
		return r
	}
	return new(orderedRun)
}

// submit queues r, waiting while too many runs are in flight.
func (o *Ordered) submit(r *orderedRun) error {
	o.mu.Lock()
	for len(o.pending) >= o.limit && o.seq == nil && o.err == nil {
		o.room.Wait()
	}
	if err := o.err; err != nil {
		o.mu.Unlock()
		return err
	}
	o.pending = append(o.pending, r)
	o.mu.Unlock()
	if o.seq != nil {
		o.analyse(o.seq, r)
		o.done(r)
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.err
	}
	o.jobs <- r
	return nil
}

// done marks r analysed and delivers every analysed run at the head of
// the queue: whichever goroutine completes the oldest run writes it, so
// write is never called twice at once.
func (o *Ordered) done(r *orderedRun) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r.done = true
	for len(o.pending) > 0 && o.pending[0].done {
		h := o.pending[0]
		o.pending = o.pending[1:]
		if o.err == nil && len(h.out) > 0 {
			o.err = o.write(h.out)
		}
		clear(h.trees)
		*h = orderedRun{trees: h.trees[:0], out: h.out[:0]}
		o.free = append(o.free, h)
	}
	o.room.Broadcast()
}
