package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// tmuxRun runs a tracectl command line in a fresh 80×24 terminal (tmuxTerm)
// with the given environment, and returns the screen as plain text and with
// its colours (capture-pane -e), up to the end mark the shell prints after
// tracectl.
func tmuxRun(t *testing.T, env []string, args ...string) (plain, styled string) {
	t.Helper()
	tt := newTmuxTerm(t)
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	// The screen is cleared first so it holds tracectl's output only (not
	// the typed line); the mark is assembled by printf, so the typed line
	// never shows it.
	tt.keys("printf '\\033[H\\033[2J'; env -u COLUMNS -u NO_COLOR -u CLICOLOR_FORCE -u COLORTERM "+
		strings.Join(env, " ")+" tracectl "+strings.Join(quoted, " ")+"; printf '\\n__%s__' END", "Enter")
	plain = tt.waitText("__END__")
	return plain, tt.screen(true)
}

// TestTerminal runs `tracectl tree` in a real 80-column terminal: the width
// comes from the terminal (no line wraps, the same lines as --width 80
// piped), and the colour profile from TERM and NO_COLOR.
func TestTerminal(t *testing.T) {
	file, err := filepath.Abs("../../testdata/demo/shop.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"tree", "--trace", "4006", "--max-depth", "2", file}

	plain, styled := tmuxRun(t, []string{"TERM=xterm-256color"}, args...)
	var want, errb strings.Builder
	if code := run(t.Context(), &streams{Out: &want, Err: &errb}, append(args[:len(args):len(args)], "--width", "80")); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	rows := strings.Split(strings.TrimRight(strings.SplitN(plain, "__END__", 2)[0], "\n"), "\n")
	lines := strings.Split(strings.TrimRight(want.String(), "\n"), "\n")
	if len(rows) != len(lines) {
		t.Fatalf("the terminal shows %d rows for %d lines (a line wrapped?):\n%s", len(rows), len(lines), plain)
	}
	for i := range lines {
		if got := strings.TrimRight(rows[i], " "); got != strings.TrimRight(lines[i], " ") {
			t.Errorf("row %d:\n got %q\nwant %q", i+1, got, lines[i])
		}
		if w := ansi.StringWidth(rows[i]); w > 80 {
			t.Errorf("row %d is %d cells", i+1, w)
		}
	}
	if !strings.Contains(styled, "38;5;") {
		t.Errorf("TERM=xterm-256color: no 256-colour sequences on screen:\n%q", styled)
	}

	for _, tc := range []struct {
		env         []string
		color, want string // a sequence that must (want) or must not show
	}{
		{[]string{"TERM=xterm"}, "\x1b[33m", "38;5;"}, // 16 colours
		{[]string{"TERM=dumb"}, "", "\x1b["},          // none
		{[]string{"TERM=xterm-256color", "NO_COLOR=1"}, "", "\x1b["},
	} {
		_, styled := tmuxRun(t, tc.env, args...)
		screen := strings.SplitN(styled, "__END__", 2)[0]
		if tc.color != "" && !strings.Contains(screen, tc.color) {
			t.Errorf("%v: no %q on screen:\n%q", tc.env, tc.color, screen)
		}
		if strings.Contains(screen, tc.want) {
			t.Errorf("%v: %q on screen:\n%q", tc.env, tc.want, screen)
		}
	}
}
