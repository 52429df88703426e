package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/tracectl/tracectl/internal/dag"
)

// syncBuffer is a bytes.Buffer safe to read while a run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// receiving runs receiveRun in the background on ephemeral ports and
// returns once it listens.
type receiving struct {
	opts               *receiveOptions
	out, err           *syncBuffer
	grpcAddr, httpAddr string
	stop               context.CancelFunc // ends the run like SIGINT
	done               chan error
}

func startReceive(t *testing.T, opts *receiveOptions) *receiving {
	t.Helper()
	return startReceiveContext(t, context.Background(), opts)
}

// startReceiveContext is startReceive with the run's parent context (the
// command's: done at SIGINT/SIGTERM).
func startReceiveContext(t *testing.T, parent context.Context, opts *receiveOptions) *receiving {
	t.Helper()
	ctx, cancel := context.WithCancel(parent)
	t.Cleanup(cancel)
	r := &receiving{opts: opts, out: &syncBuffer{}, err: &syncBuffer{}, stop: cancel, done: make(chan error, 1)}
	if opts.GRPCAddr == "" && opts.HTTPAddr == "" {
		opts.GRPCAddr, opts.HTTPAddr = "127.0.0.1:0", "127.0.0.1:0"
	}
	if opts.Output == "" {
		opts.Output = "tree"
	}
	if opts.OutFormat == "" {
		opts.OutFormat = "json"
	}
	if opts.Color == "" {
		opts.Color = "never"
	}
	if opts.TraceIdle == 0 {
		opts.TraceIdle = 20 * time.Millisecond
	}
	ready := make(chan struct{})
	opts.ready = func(g, h string) {
		r.grpcAddr, r.httpAddr = g, h
		close(ready)
	}
	s := &streams{Out: r.out, Err: r.err}
	go func() { r.done <- receiveRun(ctx, s, opts) }()
	select {
	case <-ready:
	case err := <-r.done:
		t.Fatalf("receive ended before listening: %v", err)
	}
	return r
}

// wait returns receiveRun's result; the bound only keeps a broken run from
// hanging the test binary.
func (r *receiving) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("receive did not stop")
		return nil
	}
}

// sendTraces sends n two-span traces named prefix-i through the SDK
// exporter and returns the span names; an error status on trace errAt.
func sendTraces(t *testing.T, exp sdktrace.SpanExporter, service, prefix string, n, errAt int) []string {
	t.Helper()
	ctx := context.Background()
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp),
		sdktrace.WithResource(sdkresource.NewSchemaless(attribute.String("service.name", service))))
	tr := tp.Tracer("receive_test")
	var names []string
	for i := range n {
		rctx, root := tr.Start(ctx, fmt.Sprintf("%s-%d", prefix, i))
		_, child := tr.Start(rctx, fmt.Sprintf("%s-%d-db", prefix, i))
		if i == errAt {
			child.SetStatus(codes.Error, "boom")
		}
		child.End()
		root.End()
		names = append(names, fmt.Sprintf("%s-%d", prefix, i), fmt.Sprintf("%s-%d-db", prefix, i))
	}
	if err := tp.Shutdown(ctx); err != nil { // returns once the exports were acknowledged
		t.Fatal(err)
	}
	return names
}

func grpcExporter(t *testing.T, addr string) sdktrace.SpanExporter {
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithInsecure(), otlptracegrpc.WithEndpoint(addr))
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

func httpExporter(t *testing.T, addr string, opts ...otlptracehttp.Option) sdktrace.SpanExporter {
	exp, err := otlptracehttp.New(context.Background(), append([]otlptracehttp.Option{otlptracehttp.WithInsecure(), otlptracehttp.WithEndpoint(addr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// outSpanNames reads --out back with tracectl's own input path.
func outSpanNames(t *testing.T, path string) []string {
	t.Helper()
	var names []string
	err := readSpans(&streams{Err: &bytes.Buffer{}}, &inputOptions{Files: []string{path}, Format: "auto"}, nil, func(b []dag.Span) error {
		for i := range b {
			names = append(names, b[i].Name())
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading --out back: %v", err)
	}
	slices.Sort(names)
	return names
}

// TestReceiveOut sends over gRPC, HTTP protobuf and HTTP JSON with the
// SDK's exporters, stops the run, and checks --out holds exactly the spans
// sent, in both --out formats, and that each trace was printed.
func TestReceiveOut(t *testing.T) {
	for _, format := range []string{"json", "proto"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			r := startReceive(t, &receiveOptions{Out: out, OutFormat: format})
			var want []string
			want = append(want, sendTraces(t, grpcExporter(t, r.grpcAddr), "grpc", "g", 3, -1)...)
			want = append(want, sendTraces(t, httpExporter(t, r.httpAddr), "http", "h", 3, -1)...)
			want = append(want, sendTraces(t, httpExporter(t, r.httpAddr, otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON)), "json", "j", 2, -1)...)
			r.stop()
			if err := r.wait(t); err != nil {
				t.Fatal(err)
			}
			slices.Sort(want)
			if diff := cmp.Diff(want, outSpanNames(t, out)); diff != "" {
				t.Errorf("--out spans (-want +got):\n%s", diff)
			}
			stdout := r.out.String()
			for _, name := range []string{"g-0", "h-2", "j-1"} {
				if !bytes.Contains([]byte(stdout), []byte(name)) {
					t.Errorf("trace %s not printed:\n%s", name, stdout)
				}
			}
			if want := "interrupted: received 16 spans in 8 traces"; !bytes.Contains([]byte(r.err.String()), []byte(want)) {
				t.Errorf("stderr lacks %q:\n%s", want, r.err.String())
			}
		})
	}
}

func TestReceiveUntil(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.json")
	r := startReceive(t, &receiveOptions{Out: out, Summary: true, Until: `{ status = error && name =~ ".*-db" }`, Timeout: time.Minute})
	sendTraces(t, grpcExporter(t, r.grpcAddr), "cart", "ok", 2, -1)
	sendTraces(t, grpcExporter(t, r.grpcAddr), "cart", "bad", 2, 1)
	if err := r.wait(t); err != nil {
		t.Fatalf("receive = %v, want success once a trace matches", err)
	}
	if !bytes.Contains([]byte(r.err.String()), []byte("matches --until")) {
		t.Errorf("stderr:\n%s", r.err.String())
	}
	if got := len(outSpanNames(t, out)); got != 8 {
		t.Errorf("--out holds %d spans, want 8", got)
	}
	// --summary: one line per trace.
	if n := bytes.Count([]byte(r.out.String()), []byte("\n")); n != 4 {
		t.Errorf("stdout has %d lines, want 4:\n%s", n, r.out.String())
	}
}

func TestReceiveTimeout(t *testing.T) {
	r := startReceive(t, &receiveOptions{Quiet: true, Until: `{ name = "never" }`, Timeout: 50 * time.Millisecond})
	err := r.wait(t)
	var f *failure
	if !errors.As(err, &f) {
		t.Fatalf("receive = %v, want a failure (exit 1)", err)
	}
}

func TestReceiveCount(t *testing.T) {
	r := startReceive(t, &receiveOptions{Quiet: true, Count: 4, HTTPAddr: "127.0.0.1:0"})
	sendTraces(t, httpExporter(t, r.httpAddr), "svc", "a", 2, -1)
	if err := r.wait(t); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains([]byte(r.err.String()), []byte("(--count 4)")) {
		t.Errorf("stderr:\n%s", r.err.String())
	}
}

// TestReceiveSIGINT stops the run with a real SIGINT: the acknowledged
// spans are in --out, and a summary is printed.
func TestReceiveSIGINT(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.json")
	r := startReceiveContext(t, signalContext(), &receiveOptions{Out: out, Quiet: true, TraceIdle: time.Hour})
	want := sendTraces(t, grpcExporter(t, r.grpcAddr), "svc", "s", 5, -1)
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := r.wait(t); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, outSpanNames(t, out)); diff != "" {
		t.Errorf("--out spans (-want +got):\n%s", diff)
	}
	if s := r.err.String(); !bytes.Contains([]byte(s), []byte("interrupted: received 10 spans in 5 traces")) {
		t.Errorf("stderr:\n%s", s)
	}
}

func TestReceiveUsage(t *testing.T) {
	tests := []struct {
		name string
		opts receiveOptions
	}{
		{"bad query", receiveOptions{Until: "{ name = ", Output: "tree", OutFormat: "json", Color: "never"}},
		{"timeout alone", receiveOptions{Timeout: time.Second, Output: "tree", OutFormat: "json", Color: "never"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := receiveRun(context.Background(), &streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, &tc.opts)
			var u usageError
			if !errors.As(err, &u) {
				t.Errorf("receiveRun = %v, want a usage error", err)
			}
		})
	}
}

// TestReceiveReadyForCI: with :0 ports the readiness line names the ports
// chosen, /healthz answers 200, and --until answers as soon as the
// matching span is in, without waiting for the trace to go idle.
func TestReceiveReadyForCI(t *testing.T) {
	r := startReceive(t, &receiveOptions{Quiet: true, TraceIdle: time.Hour, Until: `{ status = error }`, Timeout: time.Minute})
	ready := r.err.String()
	want := fmt.Sprintf("tracectl: ready: otlp/grpc %s, otlp/http http://%s/v1/traces (health: http://%[2]s/healthz)\n", r.grpcAddr, r.httpAddr)
	if ready != want || strings.HasSuffix(r.grpcAddr, ":0") {
		t.Errorf("readiness line %q, want %q", ready, want)
	}
	resp, err := http.Get("http://" + r.httpAddr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /healthz: %d, want 200", resp.StatusCode)
	}
	sendTraces(t, grpcExporter(t, r.grpcAddr), "cart", "bad", 1, 0)
	if err := r.wait(t); err != nil { // --trace-idle is an hour: only an early answer ends the run
		t.Fatalf("receive = %v, want success once a trace matches", err)
	}
	if s := r.err.String(); !strings.Contains(s, "matches --until") {
		t.Errorf("stderr:\n%s", s)
	}
}
