package render

import (
	"io"
	"strconv"
	"strings"

	"github.com/muesli/termenv"
)

// The terminal output is drawn for: its colour profile and its width. Both
// are resolved once per command, from the flags, the environment and the
// terminal, by the functions here, so every command draws alike.

// ColorProfile resolves --color (auto, always or never) to the colour
// profile output is drawn in. tty tells whether the output is a terminal;
// getenv reads the environment (nil: an empty one).
//
//   - never: no colour.
//   - auto: no colour unless the output is a terminal (or CLICOLOR_FORCE is
//     set); NO_COLOR (https://no-color.org) and CLICOLOR=0 turn it off; the
//     terminal's profile is read from TERM and COLORTERM as termenv (which
//     lipgloss uses) reads it: TERM=dumb or an unknown TERM → none,
//     xterm/linux/*color → 16 colours, *256color → 256, COLORTERM=truecolor
//     → 24-bit.
//   - always: colour even when piped and despite NO_COLOR: the profile the
//     terminal variables describe, or 256 colours when they describe none.
func ColorProfile(mode string, tty bool, getenv func(string) string) termenv.Profile {
	env := environ(getenv)
	switch mode {
	case "never":
		return termenv.Ascii
	case "always":
		if p := termenv.NewOutput(io.Discard, termenv.WithEnvironment(env), termenv.WithTTY(true)).ColorProfile(); p != termenv.Ascii {
			return p
		}
		return termenv.ANSI256
	}
	return termenv.NewOutput(io.Discard, termenv.WithEnvironment(env), termenv.WithTTY(tty)).EnvColorProfile()
}

// LineWidth resolves the width output is fitted to: flag (--width) when
// positive, else $COLUMNS when it is a positive number (as Python's
// shutil.get_terminal_size and GNU ls read it: the user's word beats the
// terminal's), else the terminal's width (term: its size, ok false when the
// output is no terminal), else fallback (0: no limit).
func LineWidth(flag int, getenv func(string) string, term func() (int, bool), fallback int) int {
	if flag > 0 {
		return flag
	}
	if getenv != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n > 0 {
			return n
		}
	}
	if term != nil {
		if n, ok := term(); ok && n > 0 {
			return n
		}
	}
	return fallback
}

// environ adapts a getenv function to termenv's Environ.
type environ func(string) string

func (e environ) Environ() []string { return nil }

func (e environ) Getenv(key string) string {
	if e == nil {
		return ""
	}
	return e(key)
}
