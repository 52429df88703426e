package render

import (
	"slices"
	"strings"
	"testing"

	"github.com/muesli/termenv"
)

func TestColorProfile(t *testing.T) {
	tests := []struct {
		mode string
		tty  bool
		env  map[string]string
		want termenv.Profile
	}{
		{"auto", true, map[string]string{"TERM": "xterm-256color"}, termenv.ANSI256},
		{"auto", true, map[string]string{"TERM": "xterm"}, termenv.ANSI},
		{"auto", true, map[string]string{"TERM": "linux"}, termenv.ANSI},
		{"auto", true, map[string]string{"TERM": "screen-16color"}, termenv.ANSI},
		{"auto", true, map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor"}, termenv.TrueColor},
		{"auto", true, map[string]string{"TERM": "dumb"}, termenv.Ascii},
		{"auto", true, nil, termenv.Ascii},
		{"auto", true, map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, termenv.Ascii},
		{"auto", true, map[string]string{"TERM": "xterm-256color", "CLICOLOR": "0"}, termenv.Ascii},
		{"auto", true, map[string]string{"TERM": "xterm-256color", "CI": "true"}, termenv.ANSI256},
		{"auto", false, map[string]string{"TERM": "xterm-256color"}, termenv.Ascii},
		{"auto", false, map[string]string{"TERM": "xterm-256color", "CLICOLOR_FORCE": "1"}, termenv.ANSI},
		{"never", true, map[string]string{"TERM": "xterm-256color"}, termenv.Ascii},
		{"always", false, nil, termenv.ANSI256},
		{"always", false, map[string]string{"TERM": "dumb"}, termenv.ANSI256},
		{"always", false, map[string]string{"TERM": "xterm"}, termenv.ANSI},
		{"always", false, map[string]string{"COLORTERM": "truecolor"}, termenv.TrueColor},
		{"always", true, map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, termenv.ANSI256},
	}
	for _, tc := range tests {
		getenv := func(k string) string { return tc.env[k] }
		if got := ColorProfile(tc.mode, tc.tty, getenv); got != tc.want {
			t.Errorf("ColorProfile(%s, tty %v, %v) = %v, want %v", tc.mode, tc.tty, tc.env, got, tc.want)
		}
	}
}

// TestProfileStyles: the 16-colour profile draws services in the hand-made
// palette (never red, the colour of errors) and errors in bright red; no
// profile draws nothing.
func TestProfileStyles(t *testing.T) {
	for _, svc := range []string{"frontend", "cart", "checkout", "payment", "inventory", "email", "a", "b", "c", "d", "e", "f"} {
		got := NewProfileStyles(nil, termenv.ANSI).Service(svc)
		if got == svc || containsAny(got, "\x1b[31m", "\x1b[91m", "38;5") {
			t.Errorf("16-colour service %s = %q", svc, got)
		}
	}
	if got := NewProfileStyles(nil, termenv.ANSI).Error("x"); got != "\x1b[91mx\x1b[0m" {
		t.Errorf("16-colour error = %q", got)
	}
	if got := NewProfileStyles(nil, termenv.ANSI256).Service("cart"); !containsAny(got, "38;5;") {
		t.Errorf("256-colour service = %q", got)
	}
	if got := NewProfileStyles(nil, termenv.Ascii).Error("x"); got != "x" {
		t.Errorf("no-colour error = %q", got)
	}
}

func containsAny(s string, subs ...string) bool {
	return slices.ContainsFunc(subs, func(sub string) bool { return strings.Contains(s, sub) })
}

func TestLineWidth(t *testing.T) {
	term := func(w int, ok bool) func() (int, bool) { return func() (int, bool) { return w, ok } }
	env := func(cols string) func(string) string {
		return func(k string) string {
			if k == "COLUMNS" {
				return cols
			}
			return ""
		}
	}
	tests := []struct {
		name     string
		flag     int
		getenv   func(string) string
		term     func() (int, bool)
		fallback int
		want     int
	}{
		{"flag wins", 90, env("100"), term(120, true), 0, 90},
		{"COLUMNS before the terminal", 0, env("100"), term(120, true), 0, 100},
		{"terminal", 0, env(""), term(120, true), 0, 120},
		{"bad COLUMNS ignored", 0, env("wide"), term(70, true), 0, 70},
		{"no terminal: fallback", 0, env(""), term(0, false), 120, 120},
		{"no terminal, tables: no limit", 0, nil, nil, 0, 0},
	}
	for _, tc := range tests {
		if got := LineWidth(tc.flag, tc.getenv, tc.term, tc.fallback); got != tc.want {
			t.Errorf("%s: LineWidth = %d, want %d", tc.name, got, tc.want)
		}
	}
}
