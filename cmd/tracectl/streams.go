package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/tracectl/tracectl/internal/render"
	"github.com/tracectl/tracectl/internal/termstr"
)

// streams are a command's standard streams, injected so tests run commands
// against buffers without a process.
type streams struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	OutTTY bool // stdout is a terminal: colour and terminal width apply
	ErrTTY bool // stderr is a terminal: progress may be drawn
	// Getenv reads the environment (NO_COLOR, TERM, COLUMNS…); nil in
	// tests that run commands against buffers: an empty environment.
	Getenv func(string) string
}

// styles resolves --color and --width for output on stdout: the terminal's
// colour profile (render.ColorProfile) and the width tables are fitted to
// (render.LineWidth; no limit when stdout is no terminal and $COLUMNS is
// unset).
func (s *streams) styles(color string, width int) *render.Styles {
	st := render.NewProfileStyles(s.Out, render.ColorProfile(color, s.OutTTY, s.Getenv))
	st.Width = s.width(width, 0)
	return st
}

// width is render.LineWidth for stdout.
func (s *streams) width(flag, fallback int) int {
	return render.LineWidth(flag, s.Getenv, func() (int, bool) {
		if !s.OutTTY {
			return 0, false
		}
		w, _, err := term.GetSize(int(os.Stdout.Fd()))
		return w, err == nil
	}, fallback)
}

// warn writes a warning on stderr. Warnings quote input, so the message is
// escaped like span data.
func (s *streams) warn(msg string) {
	fmt.Fprintln(s.Err, "tracectl: warning:", termstr.Text(msg))
}
