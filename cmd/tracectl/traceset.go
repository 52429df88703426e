package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/query"
	"github.com/tracectl/tracectl/internal/spill"
)

// traceSet is the input's traces, ready for analysis: built into trees in
// memory, or — when they would not fit in --max-memory — spilled to disk,
// partitioned by trace id, and built a partition at a time. Commands see
// the same trees in the same order either way: each (any order, for
// commands whose result does not depend on it) or sorted (by start time,
// then trace id, the order of every per-trace output).
type traceSet struct {
	s     *streams
	o     *inputOptions
	where *query.Query
	p     *progress
	// stream is --stream: the input is read while each and sorted hand
	// the traces on (stream.go).
	stream *streamOptions

	trees []*dag.Tree // in memory

	sp       *spill.Spill // spilled
	memLimit int64        // the soft memory limit before reading
	limited  bool         // memLimit is to be restored
	prefix   string       // --trace: only the traces whose id starts with it
	kept     int          // traces kept by --where and --trace
	total    int          // traces read
	passes   int          // passes over the partitions so far

	// seen, when set, is called with every tree kept before any is
	// analysed, and ready after the last: a check over all traces (that
	// --speedup's targets exist) that must pass before output starts.
	seen  func(*dag.Tree)
	ready func() error
}

// openTraces reads the inputs. While what it holds fits the memory budget
// it holds it; past that (and when spillable is set) it moves what it holds
// to partition files and spills the rest of the input there. A caller must
// close the set.
func openTraces(s *streams, o *inputOptions, spillable bool) (*traceSet, error) {
	where, err := o.whereQuery()
	if err != nil {
		return nil, err
	}
	budget, err := o.budget()
	if err != nil {
		return nil, err
	}
	files, err := o.inputs()
	if err != nil {
		return nil, err
	}
	ts := &traceSet{s: s, o: o, where: where, p: newProgress(s, files)}
	if spillable && o.Join {
		// Joining follows links across trace ids, which partitioning by
		// trace id would separate.
		spillable = false
	}
	if spillable {
		// The collector keeps the heap under the budget rather than letting
		// it grow to twice the live data before collecting (not below a
		// floor where it would collect all the time); close restores it.
		ts.memLimit = debug.SetMemoryLimit(max(budget, minMemoryLimit))
		ts.limited = true
	}
	var (
		held     dag.Traces
		batches  [][]dag.Span
		heldSize int64
	)
	total := inputSize(files)
	add := func(batch []dag.Span) error {
		if ts.sp != nil {
			return ts.sp.Add(batch)
		}
		held.Add(batch)
		batches = append(batches, batch)
		heldSize += spill.BatchSize(batch)
		// Spans are a share of what analysing them takes: switch to
		// spilling with room left for trees and output.
		if !spillable || heldSize <= budget/4*3 {
			return nil
		}
		expected := int64(0) // in memory-estimate bytes; unknown for stdin and URLs
		if read := ts.p.bytes; total > 0 && read > 0 {
			expected = int64(float64(heldSize) * float64(total) / float64(read))
		}
		sp, err := spill.New(spill.Options{Dir: o.SpillDir, Budget: budget, Expected: expected, Reread: o.Reread})
		if err != nil {
			return err
		}
		ts.sp = sp
		spills.Add(1)
		for _, b := range batches {
			if err := sp.Add(b); err != nil {
				return err
			}
		}
		held, batches = dag.Traces{}, nil
		return nil
	}
	if o.Intercept != nil {
		add = o.Intercept(add)
	}
	err = readSpans(s, o, ts.p, add)
	if err != nil {
		ts.close()
		return nil, err
	}
	if ts.sp != nil {
		return ts, ts.selectTrace(o.Trace)
	}
	ts.close() // held in memory: no limit while analysing (as without --max-memory)
	// The reading's garbage (JSON's decoded text, above all) is collected
	// before the trees are built, so that they reuse its memory rather than
	// grow the heap further: 1M spans of JSON Lines peaked ~25 MB lower, for
	// one collection of a heap that is nearly all live. Small inputs are
	// not worth a collection.
	if heldSize >= collectAfterReading {
		runtime.GC()
	}
	trees := buildTrees(&held, true)
	if o.AdjustSkew {
		adjustSkew(s, trees)
	}
	if o.Join {
		trees = dag.Join(trees)
	}
	if where != nil {
		total := len(trees)
		trees = slices.DeleteFunc(trees, func(t *dag.Tree) bool { return !where.Match(t) })
		reportKept(s, "--where", len(trees), total)
	}
	ts.trees = trees
	return ts, ts.selectTrace(o.Trace)
}

// collectAfterReading is how much held input makes openTraces collect the
// reading's garbage before building trees.
const collectAfterReading = 64 << 20

// spills counts the runs that spilled to disk (tests check that a tiny
// budget did make them spill).
var spills atomic.Int64

// inputSize is the total size of the inputs when they are all regular
// files (for progress and to size partitions), else 0.
func inputSize(files []string) int64 {
	var n int64
	for _, f := range files {
		if f == "-" || ingest.IsURL(f) {
			return 0
		}
		matches, _ := filepath.Glob(f)
		if len(matches) == 0 {
			matches = []string{f}
		}
		for _, m := range matches {
			if info, err := os.Stat(m); err == nil && info.Mode().IsRegular() {
				n += info.Size()
			}
		}
	}
	return n
}

// budget is --max-memory in bytes, else $TRACECTL_MAX_MEMORY, else half
// the memory this process may use (the cgroup's limit, else RAM).
func (o *inputOptions) budget() (int64, error) {
	flag, what := o.MaxMemory, "--max-memory"
	if flag == "" {
		flag, what = os.Getenv("TRACECTL_MAX_MEMORY"), "$TRACECTL_MAX_MEMORY"
	}
	if flag == "" {
		return spill.DefaultBudget(), nil
	}
	n, err := spill.ParseSize(flag)
	if err == nil && n == 0 {
		err = fmt.Errorf("must be more than 0")
	}
	if err != nil {
		return 0, usageError{fmt.Errorf("%s: %w", what, err)}
	}
	return n, nil
}

// minMemoryLimit is the lowest soft memory limit a spilling run sets.
const minMemoryLimit = 64 << 20

// close removes the spill files, if any, and restores the memory limit.
func (ts *traceSet) close() {
	if ts.sp != nil {
		ts.sp.Remove()
		ts.sp = nil
	}
	if ts.limited {
		debug.SetMemoryLimit(ts.memLimit)
		ts.limited = false
	}
}

// selectTrace narrows the set to the one trace whose id starts with
// prefix (--trace, which openTraces applies; "" keeps them all); it is an
// error when none or several do.
func (ts *traceSet) selectTrace(prefix string) error {
	if prefix == "" {
		return nil
	}
	if ts.sp == nil {
		trees, err := selectTrace(ts.trees, prefix)
		ts.trees = trees
		return err
	}
	ts.prefix = strings.ToLower(prefix)
	return nil
}

// each calls fn with every tree, in an order that depends on how the input
// was held: only for results that do not depend on the order.
func (ts *traceSet) each(fn func(*dag.Tree) error) error {
	if ts.stream != nil { // as each trace completes
		return ts.streamed(fn)
	}
	return ts.batches(func(trees []*dag.Tree) error {
		for _, tr := range trees {
			if err := fn(tr); err != nil {
				return err
			}
		}
		return nil
	})
}

// batches calls fn with the trees in batches (all of them in memory, or a
// partition's), in an order that depends on how the input was held.
func (ts *traceSet) batches(fn func([]*dag.Tree) error) error {
	if ts.sp == nil {
		if err := ts.check(ts.trees); err != nil {
			return err
		}
		return fn(ts.trees)
	}
	return ts.partitions(func(trees []*dag.Tree, _ []*dag.Trace) error { return fn(trees) })
}

// check runs seen and ready over trees held in memory.
func (ts *traceSet) check(trees []*dag.Tree) error {
	if ts.seen != nil {
		for _, tr := range trees {
			ts.seen(tr)
		}
	}
	if ts.ready != nil {
		return ts.ready()
	}
	return nil
}

// sorted calls fn with every tree by start time, then trace id. Spilled,
// each partition's kept traces are written sorted to a run, and the runs
// are merged: output starts once every partition is analysed, and only
// one trace per run is in memory while it is written.
func (ts *traceSet) sorted(fn func(*dag.Tree) error) error {
	if ts.stream != nil { // --stream: in the order traces complete instead
		return ts.streamed(fn)
	}
	if ts.sp == nil {
		if err := ts.check(ts.trees); err != nil {
			return err
		}
		sortByStart(ts.trees)
		for _, tr := range ts.trees {
			if err := fn(tr); err != nil {
				return err
			}
		}
		return nil
	}
	err := ts.partitions(func(trees []*dag.Tree, traces []*dag.Trace) error {
		idx := make([]int, len(trees))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return keyOf(trees[a]).Compare(keyOf(trees[b])) })
		run, err := ts.sp.NewRun()
		if err != nil {
			return err
		}
		for _, i := range idx {
			if err := run.Add(keyOf(trees[i]), traces[i].Spans); err != nil {
				return err
			}
		}
		return ts.sp.CloseRun(run)
	})
	if err != nil {
		return err
	}
	var adj dag.SkewAdjuster // reported in the first pass
	return ts.sp.Merge(func(k spill.Key, spans []dag.Span) error {
		if err := ts.o.interrupted(); err != nil {
			return err
		}
		t := &dag.Trace{ID: k.TraceID, Spans: make([]*dag.Span, len(spans))}
		for i := range spans {
			t.Spans[i] = &spans[i]
		}
		tr := dag.Build(t)
		if ts.o.AdjustSkew {
			adj.Adjust(tr)
		}
		return fn(tr)
	})
}

// admit applies --adjust-skew, --where and --trace to a tree built a
// partition or a completed trace at a time, and calls seen with it when it
// is kept. It reports whether --where kept the tree (always, without
// --where) and whether it is kept.
func (ts *traceSet) admit(tr *dag.Tree, adj *dag.SkewAdjuster) (matchedWhere, kept bool) {
	if ts.o.AdjustSkew {
		adj.Adjust(tr)
	}
	if ts.where != nil && !ts.where.Match(tr) {
		return false, false
	}
	if ts.prefix != "" && !traceHasPrefix(tr, ts.prefix) {
		return true, false
	}
	if ts.seen != nil {
		ts.seen(tr)
	}
	return true, true
}

func keyOf(tr *dag.Tree) spill.Key { return spill.Key{Start: tr.Start, TraceID: tr.TraceID} }

// partitions builds the trees of each partition in turn, applies
// --adjust-skew, --where and --trace as the in-memory path does, and calls
// fn with the trees kept and their traces. At the end of the first pass it
// reports, as the in-memory path does, what --adjust-skew moved and what
// --where kept (a second pass needs inputOptions.Reread).
func (ts *traceSet) partitions(fn func([]*dag.Tree, []*dag.Trace) error) error {
	first := ts.passes == 0
	ts.passes++
	ts.total, ts.kept = 0, 0
	var adj dag.SkewAdjuster
	var matches []*dag.Tree // --trace: the first few by start, for the error
	matched, whereKept := 0, 0
	err := ts.sp.Partitions(func(batches [][]dag.Span, k, n int) error {
		if err := ts.o.interrupted(); err != nil {
			return err
		}
		ts.p.partition(k, n)
		var g dag.Traces
		for _, b := range batches {
			g.Add(b)
		}
		traces := g.List()
		trees := buildTrees(&g, false) // the sorted runs take the traces' spans
		ts.total += len(trees)
		keep := trees[:0]
		keptTraces := traces[:0]
		for i, tr := range trees {
			matchedWhere, kept := ts.admit(tr, &adj)
			if matchedWhere {
				whereKept++
			}
			if kept {
				keep = append(keep, tr)
				keptTraces = append(keptTraces, traces[i])
			}
		}
		ts.kept += len(keep)
		if ts.prefix != "" {
			matched += len(keep)
			matches = append(matches, keep...)
			sortByStart(matches)
			matches = matches[:min(len(matches), 3)]
			if matched > 1 {
				return nil // ambiguous: reported below, once every partition is read
			}
		}
		return fn(keep, keptTraces)
	})
	ts.p.done()
	if err != nil {
		return err
	}
	if ts.o.AdjustSkew && first {
		reportShifts(ts.s, &adj)
	}
	if ts.where != nil && first {
		reportKept(ts.s, "--where", ts.kept, ts.total)
	}
	if ts.prefix != "" && matched != 1 {
		return traceMatchError(ts.prefix, matched, whereKept, matches)
	}
	if ts.ready != nil {
		return ts.ready()
	}
	return nil
}
