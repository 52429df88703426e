package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tracectl/tracectl/internal/emit"
)

func TestEmitRunToStdout(t *testing.T) {
	var out, errOut bytes.Buffer
	opts := &EmitOptions{Out: &out, ErrOut: &errOut, OutPath: "-", Config: emit.Defaults()}
	c := &opts.Config
	c.Requests, c.Duration, c.Rate, c.Latency, c.Seed = 2, 0, 0, "none", 7
	if err := emitRun(context.Background(), opts); err != nil {
		t.Fatalf("emitRun: %v\n%s", err, errOut.String())
	}
	if n := bytes.Count(out.Bytes(), []byte("\n")); n == 0 || !bytes.HasPrefix(out.Bytes(), []byte(`{"resourceSpans":[`)) {
		t.Errorf("stdout is not OTLP JSON lines (%d lines): %.200s", n, out.String())
	}
	if !strings.Contains(errOut.String(), "spans: created") || !strings.Contains(errOut.String(), "seed 7") {
		t.Errorf("summary on stderr:\n%s", errOut.String())
	}
}

func TestEmitCommandFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.jsonl")
	cmd := newCmdEmit(&streams{})
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs([]string{"--out", path, "--requests", "2", "--duration", "0", "--rate", "0",
		"--latency", "none", "--seed", "3", "--no-redact", "--workers", "1"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("emit: %v\n%s", err, errOut.String())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("alice.smith@example.com")) {
		t.Error("--no-redact output lacks the planted e-mail address")
	}
	if out.Len() != 0 {
		t.Errorf("stdout should be empty with --out FILE, got %.200s", out.String())
	}
}

func TestEmitUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		opts EmitOptions
	}{
		{"bad header", EmitOptions{Headers: []string{"novalue"}, Config: emit.Defaults()}},
		{"bad protocol", EmitOptions{Config: func() emit.Config { c := emit.Defaults(); c.Protocol = "udp"; return c }()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			tt.opts.Out, tt.opts.ErrOut = &bytes.Buffer{}, &errOut
			err := emitRun(context.Background(), &tt.opts)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Errorf("error = %v, want a usage error", err)
			}
		})
	}
}

// TestEmitRequestsOverDefaultDuration: an explicit --requests is not cut
// short by the default --duration (issue 11.14); given both, both apply.
func TestEmitRequestsOverDefaultDuration(t *testing.T) {
	tests := []struct {
		args     []string
		requests int
		duration time.Duration
	}{
		{[]string{"--requests", "150"}, 150, 0},
		{[]string{"--requests", "150", "--duration", "2s"}, 150, 2 * time.Second},
		{[]string{"--duration", "2s"}, 0, 2 * time.Second},
		{nil, 0, emit.Defaults().Duration},
	}
	for _, tc := range tests {
		var got emit.Config
		cmd := newCmdEmitRun(&streams{}, func(_ context.Context, o *EmitOptions) error { got = o.Config; return nil })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got.Requests != tc.requests || got.Duration != tc.duration {
			t.Errorf("%v: requests %d, duration %v; want %d, %v", tc.args, got.Requests, got.Duration, tc.requests, tc.duration)
		}
	}
}
