// Command tracectl reads OpenTelemetry traces — OTLP files, Collector
// file-exporter dumps, stdin, a live OTLP receiver — and answers questions
// about them in the terminal and in CI. This package is cobra wiring only:
// flags become options, options go to the internal packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/tracectl/tracectl/internal/termstr"
)

func main() {
	// A reader that goes away (`tracectl tree big.pb | head`) makes writes
	// fail with EPIPE, which run treats as the end of the job, instead of
	// killing the process before it removes its spill files.
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(run(signalContext(), processStreams(), os.Args[1:]))
}

// processStreams are the process's standard streams and environment.
func processStreams() *streams {
	return &streams{
		In:     os.Stdin,
		Out:    os.Stdout,
		Err:    os.Stderr,
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		Getenv: os.Getenv,
	}
}

// signalContext is done at the first SIGINT or SIGTERM, which every command
// sees as its context ending: long-running ones (receive, tree --follow,
// emit) stop cleanly. The signals are handled here only. After the first,
// the default handling is restored, so a second one kills the process.
func signalContext() context.Context {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	return ctx
}

// run executes the command line and maps the outcome to an exit code:
// 0 success (also when the output's reader closed it early), 1 the analysis found what the user asked to fail on, 2 usage
// error or unreadable input (DESIGN.md §3), 3 spans could not be exported
// (emit, send: the destination refused them, or nothing listens there).
func run(ctx context.Context, s *streams, args []string) int {
	root := newCmdRoot(s)
	root.SetArgs(args)
	stopProfiling := startProfiling(s.Err)
	err := root.ExecuteContext(ctx)
	stopProfiling()
	if err == nil || errors.Is(err, syscall.EPIPE) {
		return 0 // the reader of the output stopped reading: nothing to say
	}
	var fail *failure
	if errors.As(err, &fail) {
		if fail.msg != "" {
			fmt.Fprintln(s.Err, termstr.Text(fail.msg))
		}
		return 1
	}
	// Errors quote input (file names, values, expressions): escaped
	// like span data, so a hostile file cannot drive the terminal.
	fmt.Fprintln(s.Err, "tracectl:", termstr.Text(err.Error()))
	if errors.As(err, new(exportFailure)) {
		return 3
	}
	return 2
}

// failure is returned by a command whose analysis found what the user asked
// it to fail on (a failed assertion, a check finding at the failing
// severity): exit code 1, not an error in the input.
type failure struct{ msg string }

func (f *failure) Error() string { return f.msg }

// errFailed is a failure whose details were already printed.
var errFailed = &failure{}
