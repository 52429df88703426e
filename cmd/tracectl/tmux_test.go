package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// tmuxRun runs a tracectl command line in a fresh 80×24 terminal (tmux, on
// a server of the test's own) with the given environment, and returns the
// screen as plain text and with its colours (capture-pane -e).
func tmuxRun(t *testing.T, env []string, args ...string) (plain, styled string) {
	t.Helper()
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed: skipping the real-terminal test (apt-get install tmux to run it)")
	}
	bin, err := exec.LookPath("tracectl") // the test binary, installed by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	socket := fmt.Sprintf("tracectl-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	ctl := func(args ...string) (string, error) {
		out, err := exec.Command(tmux, append([]string{"-L", socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { ctl("kill-server") })
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	// The end mark is printed by the shell after tracectl, so the screen is
	// complete once it shows; sleep keeps the pane open to be captured
	// (kill-server ends it).
	script := fmt.Sprintf("env -u COLUMNS -u NO_COLOR -u CLICOLOR_FORCE -u COLORTERM %s %s %s; printf '\\n__END__'; sleep 60",
		strings.Join(env, " "), bin, strings.Join(quoted, " "))
	if out, err := ctl("new-session", "-d", "-x", "80", "-y", "24", "-s", "t", "sh", "-c", script); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	for range 200 { // at most 10s
		plain, err = ctl("capture-pane", "-p", "-t", "t")
		if err == nil && strings.Contains(plain, "__END__") {
			styled, err = ctl("capture-pane", "-p", "-e", "-t", "t")
			if err != nil {
				t.Fatal(err)
			}
			return plain, styled
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("tracectl did not finish in the terminal within 10s; screen:\n%s", plain)
	return "", ""
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
