package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
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
	stop      <-chan struct{} // tests: ends the run like SIGINT
}

func (o *followOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVarP(&o.Follow, "follow", "f", false, "follow FILE as it grows (and across rotation), printing each trace as it completes")
	f.DurationVar(&o.TraceIdle, "trace-idle", live.DefaultIdle, "with --follow or a pipe on stdin: a trace is complete when no span has arrived for it for this long")
	f.IntVar(&o.MaxSpans, "max-spans", live.DefaultMaxSpans, "with --follow or a pipe on stdin: most spans held in incomplete traces")
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
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	if opts.stop != nil {
		go func() {
			select {
			case <-opts.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
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

	// The decoder runs on its own goroutine: a blocked read of a pipe must
	// not keep the idle timer from printing completed traces, and on
	// SIGINT the run ends without waiting for the read.
	decoded := make(chan []dag.Span)
	decodeErr := make(chan error, 1)
	go func() {
		defer close(decoded)
		decodeErr <- ingest.Decode(r, name, ingest.Options{
			Format:   format,
			MaxFrame: opts.MaxFrame,
			Warn:     s.warn,
		}, func(batch []dag.Span) error {
			select {
			case decoded <- batch:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	in := make(chan []dag.Span)
	go func() {
		defer close(in)
		for {
			select {
			case b, ok := <-decoded:
				if !ok {
					return
				}
				select {
				case in <- b:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()

	where, err := opts.whereQuery()
	if err != nil {
		return err
	}
	pr := newTreePrinter(s, opts)
	asm := live.New(live.Options{Idle: opts.TraceIdle, MaxSpans: opts.MaxSpans})
	warned := false
	err = live.Run(asm, in, func(traces []*dag.Trace, why live.Reason) error {
		if why == live.ReasonEarly && !warned {
			warned = true
			fmt.Fprintf(s.Err, "tracectl: warning: more than %d spans in incomplete traces (--max-spans): printing the longest-waiting traces before they are idle; they may be split\n", opts.MaxSpans)
		}
		trees := make([]*dag.Tree, 0, len(traces))
		for _, t := range traces {
			trees = append(trees, dag.Build(t))
		}
		if opts.AdjustSkew { // before --where, as on the batch path
			adjustSkew(s, trees)
		}
		trees = slices.DeleteFunc(trees, func(tr *dag.Tree) bool {
			return !(opts.Trace == "" || strings.HasPrefix(tr.TraceID.String(), strings.ToLower(opts.Trace))) ||
				(where != nil && !where.Match(tr))
		})
		if why == live.ReasonEnd {
			sortByStart(trees) // what is left at the end prints as the batch path would
		}
		return pr.print(trees)
	})
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil // interrupted: what was open has been printed
	}
	return <-decodeErr
}
