package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmuxTerm is a terminal for the explorer's tests as users see it: a
// private tmux server running a shell at a fixed size, typed into with
// send-keys and read with capture-pane. tracectl on its PATH is this test
// binary, which runs as tracectl does (TestMain).
type tmuxTerm struct {
	t    *testing.T
	tmux string
	sock string
}

func newTmuxTerm(t *testing.T, env ...string) *tmuxTerm {
	t.Helper()
	if testing.Short() {
		t.Skip("runs tracectl in tmux (not with -short)")
	}
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed: the explorer's terminal test needs it (apt-get install tmux)")
	}
	exe, err := exec.LookPath("tracectl") // this test binary, installed by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Dir(exe)
	tt := &tmuxTerm{t: t, tmux: tmux, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	t.Cleanup(func() { exec.Command(tmux, "-S", tt.sock, "kill-server").Run() }) //nolint:errcheck // may be gone
	cmd := exec.Command(tmux, "-S", tt.sock, "-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", "-s", "view", "sh")
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "PS1=$ ", "NO_COLOR=", "ENV=")
	cmd.Env = append(cmd.Env, env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	return tt
}

func (tt *tmuxTerm) run(args ...string) string {
	tt.t.Helper()
	out, err := exec.Command(tt.tmux, append([]string{"-S", tt.sock}, args...)...).CombinedOutput()
	if err != nil {
		tt.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys types keys: tmux key names ("Enter", "Escape") or literal text.
func (tt *tmuxTerm) keys(keys ...string) {
	tt.t.Helper()
	tt.run(append([]string{"send-keys", "-t", "view"}, keys...)...)
}

// screen is what the pane shows; with escapes, its colours and attributes.
func (tt *tmuxTerm) screen(escapes bool) string {
	tt.t.Helper()
	args := []string{"capture-pane", "-p", "-t", "view"}
	if escapes {
		args = append(args, "-e")
	}
	return tt.run(args...)
}

// waitFor polls the screen until ok says yes, for at most 15s (the
// machine may be loaded); it fails with the last screen otherwise.
func (tt *tmuxTerm) waitFor(what string, ok func(screen string) bool) string {
	tt.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := tt.screen(false)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			tt.t.Fatalf("waited 15s for %s; the screen:\n%s", what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (tt *tmuxTerm) waitText(texts ...string) string {
	tt.t.Helper()
	return tt.waitFor(strings.Join(texts, ", "), func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

var sgrColor = regexp.MustCompile(`\x1b\[[0-9;]*(38|48);5;`)

func TestViewInTmux(t *testing.T) {
	demo, err := filepath.Abs("../../testdata/demo/shop.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	tt := newTmuxTerm(t)
	tt.keys("TERM=xterm-256color tracectl view "+demo+"; echo exit=$?", "Enter")

	// The list, sorted by start; then by duration, longest first.
	s := tt.waitText("tracectl view · shop.jsonl · 90 traces · 2171 spans", "ROOT", "START▲", "frontend POST /api/checkout")
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) != 24 || !strings.Contains(lines[23], "q quit") {
		t.Errorf("the list fills 24 lines with the keys on the last; got %d lines:\n%s", len(lines), s)
	}
	if !sgrColor.MatchString(tt.screen(true)) {
		t.Error("no 256-colour sequences with TERM=xterm-256color and without NO_COLOR")
	}
	tt.keys("s")
	tt.waitText("DURATION▼")

	// Open the slowest trace: header, waterfall, critical path, details.
	tt.keys("Enter")
	s = tt.waitText("Trace ", "· 543ms", "◆", "── span", "kind ", "critical ", "self ")
	if !strings.Contains(s, "▸ frontend POST /api/") {
		t.Errorf("the cursor starts on the root:\n%s", s)
	}

	// Search: the cursor goes to the first match, n to the next.
	tt.keys("/", "payment", "Enter")
	s = tt.waitText("match 1 of")
	if !regexp.MustCompile(`(?m)^── span.*\n.*payment`).MatchString(strings.ToLower(s)) {
		t.Errorf("after searching for payment the details show a payment span:\n%s", s)
	}
	tt.keys("n")
	tt.waitText("match 2 of")

	// Scroll the details.
	tt.keys("Tab")
	tt.waitText("focused")
	tt.keys("G")
	tt.waitText("service.name: payment", "scope: ")
	tt.keys("Tab")

	// Resize: the screen follows.
	tt.run("resize-window", "-t", "view", "-x", "110", "-y", "30")
	s = tt.waitFor("a 110×30 screen", func(s string) bool {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return len(lines) == 30 && strings.Contains(lines[29], "q quit") && len([]rune(lines[len(lines)-1])) > 80
	})
	for k, l := range strings.Split(s, "\n") {
		if n := len([]rune(l)); n > 110 {
			t.Errorf("line %d is %d wide on a 110-column screen: %q", k, n, l)
		}
	}

	// Back to the list, help, and quit: exit 0, the shell is back.
	tt.keys("Escape")
	tt.waitText("ROOT", "DURATION▼")
	tt.keys("?")
	tt.waitText("tracectl view: keys", "Trace list")
	tt.keys("q")
	s = tt.waitText("exit=0")
	if strings.Contains(s, "ROOT") {
		t.Errorf("the explorer's screen is left behind after q:\n%s", s)
	}
	tt.keys("echo back", "Enter")
	tt.waitText("\nback\n")
}

// NO_COLOR, and traces read from stdin.
func TestViewInTmuxNoColor(t *testing.T) {
	demo, err := filepath.Abs("../../testdata/demo/shop.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	tt := newTmuxTerm(t, "NO_COLOR=1")
	// From stdin: the keys come from the terminal.
	tt.keys("cat "+demo+" | tracectl view -; echo exit=$?", "Enter")
	tt.waitText("tracectl view · stdin · 90 traces")
	tt.keys("Enter")
	tt.waitText("── span")
	if s := tt.screen(true); sgrColor.MatchString(s) || strings.Contains(s, "\x1b[7m") {
		t.Errorf("colour or reverse video with NO_COLOR:\n%q", s)
	}
	tt.keys("q")
	tt.waitText("exit=0")
}

// receive --view: traces sent to the receiver show up as they arrive.
func TestReceiveViewInTmux(t *testing.T) {
	demo, err := filepath.Abs("../../testdata/demo/shop.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	tt := newTmuxTerm(t)
	port := freePort(t)
	tt.keys("tracectl receive --view --grpc-addr '' --http-addr 127.0.0.1:"+port+" --trace-idle 200ms; echo exit=$?", "Enter")
	tt.waitText("receiving on http 127.0.0.1:"+port, "no traces yet")

	if out, err := runTracectl(t, "send", "--protocol", "http", "--endpoint", "127.0.0.1:"+port, demo); err != nil {
		t.Fatalf("tracectl send: %v: %s", err, out)
	}
	tt.waitText("90 traces · 2171 spans")
	tt.keys("Enter")
	tt.waitText("Trace ", "── span")
	tt.keys("q")
	s := tt.waitText("exit=0")
	if !strings.Contains(s, "received 2171 spans in 90 traces") {
		t.Errorf("receive's summary after the explorer closed:\n%s", s)
	}
}

// runTracectl runs tracectl (this test binary, by name) as a process.
func runTracectl(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	exe, err := exec.LookPath("tracectl")
	if err != nil {
		t.Fatal(err)
	}
	return exec.Command(exe, args...).CombinedOutput()
}

// Data is never terminal text: a span name that would retitle the terminal
// and reverse the line shows escaped; bad input is an error before the
// screen is taken.
func TestViewInTmuxHostileInput(t *testing.T) {
	dir := t.TempDir()
	evil := filepath.Join(dir, "evil.json")
	name := `pay\u001b]2;pwned\u0007\u001b[2J\u202egnp.exe`
	doc := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc\u001b[31m"}}]},"scopeSpans":[{"spans":[` +
		`{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"` + name + `","kind":2,` +
		`"startTimeUnixNano":"1764000000000000000","endTimeUnixNano":"1764000000245000000",` +
		`"status":{"code":2,"message":"boom\u001b[H"}}]}]}]}` + "\n"
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(evil, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("{\"resourceSpans\":[\n{oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tt := newTmuxTerm(t)
	tt.run("select-pane", "-t", "view", "-T", "before")
	tt.keys("tracectl view "+bad+"; echo exit=$?", "Enter")
	s := tt.waitText("exit=2")
	if !strings.Contains(s, "bad.json") {
		t.Errorf("the error names the file:\n%s", s)
	}
	tt.keys("clear; tracectl view "+evil+"; echo exit=$?", "Enter")
	tt.waitText(`svc\x1b[3`, `pay\x1b]2;pwned\a`)
	tt.keys("Enter")
	s = tt.waitText(`pay\x1b]2;pwned\a\x1b[2J\u202egnp.exe`, `boom\x1b[H`, `svc\x1b[31m`)
	if title := strings.TrimSpace(tt.run("display-message", "-p", "-t", "view", "#{pane_title}")); title != "before" {
		t.Errorf("the span name retitled the terminal: %q", title)
	}
	if strings.Contains(s, "\u202e") {
		t.Error("a bidi override reached the screen")
	}
	tt.keys("q")
	tt.waitText("exit=0")
}
