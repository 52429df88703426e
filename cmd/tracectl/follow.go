package main

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/live"
)

// followOptions are the flags of `tree` for input that does not end.
type followOptions struct {
	Follow    bool
	TraceIdle time.Duration
	MaxSpans  int
	poll      time.Duration   // tests shorten it
	ctx       context.Context // ends the run (SIGINT/SIGTERM); the command's context
}

func (o *followOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVarP(&o.Follow, "follow", "f", false, "follow the one FILE given as it grows, across rotation and truncation, waiting for it to exist, printing each trace as it completes (like tail -F)")
	f.DurationVar(&o.TraceIdle, "trace-idle", live.DefaultIdle, "with --follow or a pipe on stdin: a trace is complete when no span has arrived for it for this long")
	f.IntVar(&o.MaxSpans, "max-spans", live.DefaultMaxSpans, "with --follow or a pipe on stdin: most spans held in incomplete traces")
	cmd.PreRun = func(cmd *cobra.Command, _ []string) { o.ctx = cmd.Context() }
}

// streaming reports whether tree should print traces as they complete
// instead of reading all input first: --follow, or `-` when stdin is a pipe
// or a terminal (a regular file redirected to stdin is read as a batch).
func (o *followOptions) streaming(s *streams, files []string) bool {
	if o.Follow {
		return true
	}
	if len(files) != 1 || files[0] != "-" {
		return false
	}
	f, ok := s.In.(*os.File)
	if !ok {
		return false // tests pass buffers: batch
	}
	info, err := f.Stat()
	return err == nil && !info.Mode().IsRegular()
}

// treeLive is `tracectl tree` on input that does not end: each trace is
// printed when no span has arrived for it for --trace-idle; at the end of
// input (or on SIGINT/SIGTERM) the traces still open are printed, by start
// time, as the batch path would.
func treeLive(s *streams, opts *treeOptions) error {
	if opts.Follow && (len(opts.Files) != 1 || opts.Files[0] == "-") {
		return usageError{errors.New("--follow takes exactly one file (for a pipe, use - without --follow)")}
	}
	format, err := ingest.ParseFormat(opts.Format)
	if err != nil {
		return usageError{err}
	}
	where, err := opts.whereQuery()
	if err != nil {
		return err
	}
	ctx := opts.followOptions.ctx
	if ctx == nil {
		ctx = context.Background()
	}

	var r io.Reader = s.In
	name := "stdin"
	if opts.Follow {
		name = opts.Files[0]
		fl, err := live.Follow(ctx, name, opts.poll)
		if err != nil {
			return usageError{err}
		}
		defer fl.Close()
		r = fl
	}
	src := func(ctx context.Context, add func([]dag.Span) error) error {
		return ingest.Decode(r, name, ingest.Options{
			Format:   format,
			MaxFrame: opts.MaxFrame,
			Warn:     s.warn,
		}, add)
	}

	pr := newTreePrinter(s, opts)
	kept, total := 0, 0
	sess := live.NewSession(live.SessionOptions{
		Idle:     opts.TraceIdle,
		MaxSpans: opts.MaxSpans,
		Warn:     s.warn,
		Emit: func(traces []*dag.Trace, why live.Reason) error {
			total += len(traces)
			trees := make([]*dag.Tree, 0, len(traces))
			for _, t := range traces {
				if opts.Trace == "" || strings.HasPrefix(t.ID.String(), strings.ToLower(opts.Trace)) {
					trees = append(trees, dag.Build(t))
				}
			}
			if opts.AdjustSkew { // before --where, as on the batch path
				adjustSkew(s, trees)
			}
			if where != nil {
				trees = slices.DeleteFunc(trees, func(tr *dag.Tree) bool { return !where.Match(tr) })
			}
			kept += len(trees)
			if why == live.ReasonEnd {
				sortByStart(trees) // what is left at the end prints as the batch path would
			}
			return pr.print(trees)
		},
	})
	err = sess.Run(ctx, src)
	if filters := liveFilters(opts.Where, opts.Trace); filters != "" {
		reportKept(s, filters, kept, total)
	}
	return err
}

// liveFilters names the filters the live path applied, for reportKept.
func liveFilters(where, trace string) string {
	var f []string
	if where != "" {
		f = append(f, "--where")
	}
	if trace != "" {
		f = append(f, "--trace "+trace)
	}
	return strings.Join(f, " and ")
}
