package dag

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// BuildAll builds the tree of every trace, on every core: trees[i] is
// traces[i]'s tree, the same whatever the number of workers. Building runs
// after the whole input is read (a trace is whole only then), so on one
// goroutine it would leave the other cores idle for a quarter of a large
// run. Each worker has a Builder of its own and takes the next few traces
// as it goes, so a giant trace does not hold back the rest. With release,
// each trace's span list is dropped once its tree is built, so the lists
// and the trees are never all in memory at once (for callers done with the
// traces). workers ≤ 0 means GOMAXPROCS.
func BuildAll(traces []*Trace, workers int, release bool) []*Tree {
	trees := make([]*Tree, len(traces))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// The traces are cut into runs of about claimSpans spans, and workers
	// claim runs one after another: runs small enough to balance the
	// workers, large enough that claiming them costs nothing.
	const claimSpans = 4096
	cuts := []int{0}
	n := 0
	for k, t := range traces {
		n += len(t.Spans)
		if n >= claimSpans {
			cuts = append(cuts, k+1)
			n = 0
		}
	}
	if cuts[len(cuts)-1] < len(traces) {
		cuts = append(cuts, len(traces))
	}
	workers = max(1, min(workers, len(cuts)-1))
	var next atomic.Int64
	build := func() {
		var b Builder
		for {
			r := int(next.Add(1))
			if r >= len(cuts) {
				return
			}
			for k := cuts[r-1]; k < cuts[r]; k++ {
				trees[k] = b.Build(traces[k])
				if release {
					traces[k].Spans = nil
				}
			}
		}
	}
	if workers == 1 {
		build()
		return trees
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(build)
	}
	wg.Wait()
	return trees
}
