package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ciStep is one step of the README's GitHub Actions example.
type ciStep struct {
	name   string
	env    map[string]string
	run    string
	always bool // if: always()
}

// parseCISteps reads the steps of testdata/examples/ci.yml: each "- name:"
// item's env map, run command (one line or a "|" block) and if: always().
// It understands the shape of that file, not YAML at large.
func parseCISteps(t *testing.T, yml string) []ciStep {
	t.Helper()
	var steps []ciStep
	var cur *ciStep
	inEnv, inRun, runIndent := false, false, 0
	sc := bufio.NewScanner(strings.NewReader(yml))
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if inRun {
			if trimmed == "" || indent >= runIndent {
				cur.run += strings.TrimPrefix(line, strings.Repeat(" ", runIndent)) + "\n"
				continue
			}
			inRun = false
		}
		switch {
		case strings.HasPrefix(trimmed, "- "):
			steps = append(steps, ciStep{env: map[string]string{}})
			cur = &steps[len(steps)-1]
			inEnv = false
			trimmed = strings.TrimPrefix(trimmed, "- ")
			indent += 2
		case cur == nil:
			continue
		}
		key, val, _ := strings.Cut(trimmed, ":")
		val = strings.TrimSpace(val)
		switch {
		case inEnv && indent > 8:
			cur.env[key] = val
			continue
		case key == "name":
			cur.name = val
		case key == "env":
			inEnv = true
		case key == "if":
			cur.always = val == "always()"
		case key == "run" && val == "|":
			inRun, runIndent = true, indent+2
		case key == "run":
			cur.run = val + "\n"
		}
		if key != "env" {
			inEnv = false
		}
	}
	return steps
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// TestCIExample runs the README's CI example as its steps are written, with
// three substitutions: tracectl is this build, the receiver listens on free
// ports instead of 4317/4318, and the service's tests are `tracectl emit`
// (real OTel-SDK-instrumented services exporting by OTEL_* variables only).
func TestCIExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs receive, emit and assert as processes (not with -short)")
	}
	yml, err := os.ReadFile("../../testdata/examples/ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, yml) {
		t.Fatal("README.md does not show testdata/examples/ci.yml verbatim")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, work := t.TempDir(), t.TempDir()
	if err := os.Symlink(exe, filepath.Join(bin, "tracectl")); err != nil {
		t.Fatal(err)
	}
	expect, err := os.ReadFile("../../testdata/examples/trace-expectations.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "trace-expectations.txt"), expect, 0o644); err != nil {
		t.Fatal(err)
	}
	grpcPort, httpPort := freePort(t), freePort(t)
	// However the test ends, the receiver does not outlive it.
	t.Cleanup(func() {
		if b, err := os.ReadFile(filepath.Join(work, "receive.pid")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL) //nolint:errcheck // may be gone
			}
		}
	})

	steps := parseCISteps(t, string(yml))
	var ran []string
	failed := false
	for _, st := range steps {
		if st.run == "" || st.name == "Install tracectl" {
			continue
		}
		if failed && !st.always {
			continue
		}
		script := st.run
		script = strings.ReplaceAll(script, "tracectl receive ", "tracectl receive --grpc-addr 127.0.0.1:"+grpcPort+" --http-addr 127.0.0.1:"+httpPort+" ")
		script = strings.ReplaceAll(script, "go test ./...", "tracectl emit --requests 12 --duration 0 --rate 0 --latency none --seed 3")
		env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "NO_COLOR=1")
		for k, v := range st.env {
			v = strings.ReplaceAll(v, "127.0.0.1:4317", "127.0.0.1:"+grpcPort)
			v = strings.ReplaceAll(v, "${{ github.run_id }}", "4242")
			env = append(env, k+"="+v)
		}
		// Output goes to a file, not a pipe: the receiver the first step
		// leaves in the background would hold a pipe open.
		outPath := filepath.Join(t.TempDir(), "step.out")
		outFile, err := os.Create(outPath)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, "bash", "-eo", "pipefail", "-c", script)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = work, env, outFile, outFile
		err = cmd.Run()
		cancel()
		outFile.Close()
		out, _ := os.ReadFile(outPath)
		ran = append(ran, st.name)
		if err != nil {
			t.Errorf("step %q: %v\n%s", st.name, err, out)
			failed = true // later steps run only if: always(), as in Actions
		}
	}
	if failed {
		return
	}
	want := []string{"Start a trace receiver", "Run the service's tests, exporting their spans",
		"Stop the receiver (it writes out everything acknowledged)", "Assert on the traces"}
	if strings.Join(ran, "|") != strings.Join(want, "|") {
		t.Errorf("ran steps %q, want %q", ran, want)
	}
	report, err := os.ReadFile(filepath.Join(work, "trace-report.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(report, []byte(`tests="4" failures="0" errors="0"`)) {
		t.Errorf("JUnit report:\n%s", report)
	}
}
