package view

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/tracectl/tracectl/internal/live"
)

// Run shows the explorer full-screen on out until the user quits or ctx
// is done (SIGINT/SIGTERM, handled at the root), and restores the
// terminal either way. Keys are read from stdin, or from the terminal when
// stdin is not one (`tracectl view -` reads the traces from stdin).
func Run(ctx context.Context, m *Model, out io.Writer) error {
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithoutSignalHandler(), tea.WithOutput(out)}
	p := tea.NewProgram(m, append(opts, testInput...)...)
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // stopped by a signal: a normal end
	}
	return err
}

// testInput, set by tests, gives the program keys from a pipe instead of
// the terminal.
var testInput []tea.ProgramOption

// Receive runs an OTLP receiver (live.Receive with ropts) behind the
// explorer, which shows traces as their spans arrive, holding at most
// maxSpans of them (NewFeed). The receiver's ready line is printed (by
// ropts.Ready) before the explorer takes the screen; its warnings show in
// the explorer. When the user quits (or ctx ends) the receiver stops as on
// SIGINT; when it stops by itself (--count, --duration, --until) the
// explorer says so and stays until the user quits. The result is the
// receiver's.
func Receive(ctx context.Context, ropts live.ReceiveOptions, maxSpans int, opts Options, out io.Writer) (*live.ReceiveResult, error) {
	feed := NewFeed(maxSpans)
	ropts.Watch, ropts.Emit, ropts.Warn = feed.Watch, feed.Done, feed.Warn
	ready := make(chan string, 1)
	announce := ropts.Ready
	ropts.Ready = func(grpcAddr, httpAddr net.Addr) {
		if announce != nil {
			announce(grpcAddr, httpAddr)
		}
		var on []string
		if grpcAddr != nil {
			on = append(on, "grpc "+grpcAddr.String())
		}
		if httpAddr != nil {
			on = append(on, "http "+httpAddr.String())
		}
		ready <- "receiving on " + strings.Join(on, ", ")
	}

	rctx, stop := context.WithCancel(ctx)
	defer stop()
	type outcome struct {
		res *live.ReceiveResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := live.Receive(rctx, ropts)
		if err == nil {
			feed.SetStatus("stopped: " + res.Reason)
		}
		done <- outcome{res, err}
	}()
	select {
	case status := <-ready:
		feed.SetStatus(status)
	case o := <-done: // the listeners could not start
		return o.res, o.err
	}
	viewErr := Run(rctx, NewLive(feed, opts), out)
	stop()
	o := <-done
	if viewErr != nil && o.err == nil {
		o.err = fmt.Errorf("explorer: %w", viewErr)
	}
	return o.res, o.err
}
