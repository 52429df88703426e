package main

import (
	"fmt"
	"io"
	"os"

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
}

// colorEnabled resolves --color auto|always|never, honouring NO_COLOR
// (https://no-color.org) in auto mode.
func (s *streams) colorEnabled(mode string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	return s.OutTTY
}

// warn writes a warning on stderr. Warnings quote input, so the message is
// escaped like span data.
func (s *streams) warn(msg string) {
	fmt.Fprintln(s.Err, "tracectl: warning:", termstr.Text(msg))
}
