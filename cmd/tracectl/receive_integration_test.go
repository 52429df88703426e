package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestReceiveTelemetrygen sends spans with telemetrygen, a real peer, over
// OTLP/gRPC and OTLP/HTTP; --out must hold exactly the spans sent. It runs
// only with TRACECTL_INTEGRATION=1 because it installs telemetrygen with
// `go install` (set TELEMETRYGEN to a binary to skip the install).
func TestReceiveTelemetrygen(t *testing.T) {
	if os.Getenv("TRACECTL_INTEGRATION") == "" {
		t.Skip("set TRACECTL_INTEGRATION=1 to run (installs telemetrygen)")
	}
	tg := os.Getenv("TELEMETRYGEN")
	if tg == "" {
		gobin := t.TempDir()
		cmd := exec.Command("go", "install", "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@latest")
		cmd.Env = append(os.Environ(), "GOBIN="+gobin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("installing telemetrygen: %v\n%s", err, out)
		}
		tg = filepath.Join(gobin, "telemetrygen")
	}

	const traces, children = 25, 3 // per run: 25 × (1 root + 3 children) = 100 spans
	out := filepath.Join(t.TempDir(), "out.json")
	r := startReceive(t, &receiveOptions{Out: out, Quiet: true, TraceIdle: time.Second})
	send := func(args ...string) {
		t.Helper()
		cmd := exec.Command(tg, append([]string{"traces", "--otlp-insecure", "--traces", "25", "--child-spans", "3", "--rate", "0", "--service", "integration"}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("telemetrygen %v: %v\n%s", args, err, b)
		}
	}
	send("--otlp-endpoint", r.grpcAddr)
	send("--otlp-http", "--otlp-endpoint", r.httpAddr)
	r.stop()
	if err := r.wait(t); err != nil {
		t.Fatal(err)
	}
	want := 2 * traces * (1 + children)
	if got := len(outSpanNames(t, out)); got != want {
		t.Errorf("--out holds %d spans, want %d", got, want)
	}
	t.Log(r.err.String())
}
