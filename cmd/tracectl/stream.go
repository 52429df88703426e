package main

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/live"
	"github.com/tracectl/tracectl/internal/spill"
)

// streamOptions are the flags of the per-trace commands (tree, critpath,
// query, check, ls) for output that starts before the input ends.
type streamOptions struct {
	Stream bool
	Window time.Duration
}

func (o *streamOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.Stream, "stream", false, "print each trace as soon as it is complete, in the order traces complete, instead of all of them by start time once the input ends")
	f.DurationVar(&o.Window, "stream-window", live.DefaultWindow, "with --stream: a trace of an OTLP dump is complete once the input has moved this far, in span end time, past its latest span end")
}

// openPerTrace opens the input of a per-trace command: with --stream, a
// set that reads as it hands traces on (each and sorted then call their
// function as each trace completes); else openTraces.
func openPerTrace(s *streams, o *inputOptions, so *streamOptions) (*traceSet, error) {
	if so == nil { // a command without --stream
		return openTraces(s, o, true)
	}
	if !so.Stream {
		if so.Window != live.DefaultWindow {
			return nil, usageError{errors.New("--stream-window is for --stream")}
		}
		return openTraces(s, o, true)
	}
	if so.Window <= 0 {
		return nil, usageError{fmt.Errorf("--stream-window %s: must be more than 0", so.Window)}
	}
	if o.Join {
		return nil, usageError{errors.New("--stream cannot join traces (--async follow): a trace's links may point to a trace read later; leave out --stream")}
	}
	where, err := o.whereQuery()
	if err != nil {
		return nil, err
	}
	if _, err := o.budget(); err != nil {
		return nil, err
	}
	files, err := o.inputs()
	if err != nil {
		return nil, err
	}
	p := newProgress(s, files)
	if s.OutTTY {
		// Traces appear on the terminal as they complete: that is the
		// progress, and a status line on stderr, drawn from the decoding
		// goroutines, would tangle with them.
		p = &progress{start: p.start}
	}
	return &traceSet{s: s, o: o, where: where, p: p, stream: so, prefix: strings.ToLower(o.Trace)}, nil
}

// streamed reads the inputs and calls fn with each trace kept (--where,
// --trace) as soon as live.Window says it is complete: a backend's answer
// closed, the input moved past it by --stream-window, memory ran short,
// or the input ended. What fn is called with depends only on the input.
// Late spans of a trace already handed on come as a tree of their own,
// marked Continued; at the end stderr says what was split or handed on
// early, and what --where, --trace and --adjust-skew did, as the batch
// path does.
func (ts *traceSet) streamed(fn func(*dag.Tree) error) error {
	budget, _ := ts.o.budget() // checked by openPerTrace
	ts.memLimit = debug.SetMemoryLimit(max(budget, minMemoryLimit))
	ts.limited = true
	w := live.NewWindow(live.WindowOptions{
		Window: ts.stream.Window,
		// Spans are a share of what analysing them takes, as when
		// openTraces decides to spill.
		Budget: budget / 4 * 3,
		Size:   spill.BatchSize,
	})
	var (
		adj      dag.SkewAdjuster
		b        dag.Builder
		matched  int
		matches  []*dag.Tree
		whereFor int // traces --where was asked about
	)
	emit := func(done []live.Completed, end bool) error {
		trees := make([]*dag.Tree, 0, len(done))
		for _, c := range done {
			tr := b.Build(c.Trace)
			tr.Continued = c.Continued
			trees = append(trees, tr)
		}
		if end {
			sortByStart(trees) // what is left at the end comes as the batch path would
		}
		for _, tr := range trees {
			ts.total++
			matchedWhere, kept := ts.admit(tr, &adj)
			if matchedWhere {
				whereFor++
			}
			if !kept {
				continue
			}
			if ts.prefix != "" && !tr.Continued {
				matched++
				matches = append(matches, tr)
			}
			ts.kept++
			if err := fn(tr); err != nil {
				return err
			}
		}
		return nil
	}
	add := func(batch []dag.Span) error { return emit(w.Add(batch), false) }
	whole := func(batch []dag.Span) error { return emit(w.AddWhole(batch), false) }
	if ts.o.Intercept != nil {
		add, whole = ts.o.Intercept(add), ts.o.Intercept(whole)
	}
	err := readSpansWhole(ts.s, ts.o, ts.p, add, whole)
	if err == nil {
		err = emit(w.Flush(), true)
	}
	if err != nil {
		return err
	}
	reportWindow(ts.s, w.Stats(), ts.stream.Window)
	if ts.o.AdjustSkew {
		reportShifts(ts.s, &adj)
	}
	if ts.where != nil {
		reportKept(ts.s, "--where", whereFor, ts.total)
	}
	if ts.prefix != "" && matched != 1 {
		sortByStart(matches)
		return traceMatchError(ts.prefix, matched, whereFor, matches)
	}
	if ts.ready != nil {
		return ts.ready()
	}
	return nil
}

// readSpansWhole is readSpans that hands the batches whose traces the
// input says are whole (ingest.Options.WholeTraces) to whole.
func readSpansWhole(s *streams, o *inputOptions, p *progress, fn, whole func([]dag.Span) error) error {
	return readSpansWith(s, o, p, fn, func(opts *ingest.Options) {
		opts.WholeTraces = func(batch []dag.Span) error {
			if err := o.interrupted(); err != nil {
				return err
			}
			return whole(batch)
		}
	})
}

// reportWindow says on stderr, once, which traces --stream printed in
// parts (late spans) or before they were complete (memory), and what
// would have held them.
func reportWindow(s *streams, st live.WindowStats, window time.Duration) {
	if st.Split > 0 {
		were := "they were"
		if st.Split == 1 {
			were = "it was"
		}
		msg := fmt.Sprintf("tracectl: --stream: %s got %s after %s printed; those follow as continuations (the same trace id, marked continued)",
			dag.Plural(st.Split, "trace"), dag.Plural(st.LateSpans, "span"), were)
		if st.MaxMissed > 0 {
			// The window must be longer than the most it was missed by.
			suggest := st.MaxMissed.Truncate(time.Second) + time.Second
			msg += fmt.Sprintf("; the latest came when the input was %s past its trace's last span end: --stream-window %s (not %s) would have held them",
				dag.FormatDuration(st.MaxMissed.Nanoseconds()), suggest, window)
		}
		fmt.Fprintln(s.Err, msg)
	}
	if st.Early > 0 {
		fmt.Fprintf(s.Err, "tracectl: --stream: printed %s before the window closed, to stay within the memory budget (--max-memory)\n", dag.Plural(st.Early, "trace"))
	}
}
