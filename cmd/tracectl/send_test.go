package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/receiver"
)

// sendFixture is a file of 80 spans in 20 traces (telemetrygen's).
func sendFixture(t *testing.T) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "conformance", "telemetrygen", "traces.jsonl")
	if _, err := filepath.Abs(p); err != nil {
		t.Skip(err)
	}
	return p
}

// TestSendToReceiver replays a file into tracectl's own receiver over
// both protocols and checks that nothing is lost: every span arrives once,
// with its ids, times and attributes.
func TestSendToReceiver(t *testing.T) {
	file := sendFixture(t)
	var want []dag.SpanData
	if err := readSpans(&streams{Err: &bytes.Buffer{}}, &inputOptions{Files: []string{file}, Format: "auto"}, nil, func(packed []dag.Span) error {
		b := dag.Unpack(packed)
		want = append(want, b...)
		return nil
	}); err != nil {
		t.Skipf("conformance data: %v", err)
	}
	for _, protocol := range []string{"grpc", "http"} {
		t.Run(protocol, func(t *testing.T) {
			var mu sync.Mutex
			var got []dag.SpanData
			srv, err := receiver.Start(receiver.Options{
				GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
				MaxRequestSize: receiver.DefaultMaxRequestSize, MaxMemory: receiver.DefaultMaxMemory, RetryAfter: time.Second,
				Deliver: func(b *receiver.Batch) error {
					mu.Lock()
					defer mu.Unlock()
					got = append(got, dag.Unpack(b.Spans)...) // b's memory is reused after Deliver
					return nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown(context.Background())
			addr := srv.GRPCAddr().String()
			if protocol == "http" {
				addr = srv.HTTPAddr().String()
			}
			var errb bytes.Buffer
			opts := &sendOptions{inputOptions: inputOptions{Files: []string{file}, Format: "auto"}, Endpoint: addr, Protocol: protocol, BatchSize: 7, Timeout: 5 * time.Second}
			if err := sendRun(context.Background(), &streams{Err: &errb}, opts); err != nil {
				t.Fatalf("%v\n%s", err, errb.String())
			}
			if want := "80 spans accepted, 0 rejected, in 12 requests"; !strings.Contains(errb.String(), want) {
				t.Errorf("summary %q, want %q", errb.String(), want)
			}
			type key struct {
				ID         string
				Start, End uint64
				Name       string
				Attrs      int
			}
			keys := func(spans []dag.SpanData) map[key]int {
				m := map[key]int{}
				for _, s := range spans {
					m[key{s.TraceID.String() + "/" + s.SpanID.String() + "/" + s.ParentSpanID.String(), s.Start, s.End, s.Name, len(s.Attrs)}]++
				}
				return m
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(keys(want), keys(got)); diff != "" {
				t.Errorf("received (-sent +got):\n%s", diff)
			}
		})
	}
}

// TestSendRetriesAndPartialSuccess: a 503 and a 429 are retried (the
// latter after its Retry-After), a partial success is counted and makes
// the exit status 1, a 400 is not retried.
func TestSendRetriesAndPartialSuccess(t *testing.T) {
	file := sendFixture(t)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case 2:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" || r.Header.Get("X-Token") != "s3cret" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		b, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{PartialSuccess: &coltracepb.ExportTracePartialSuccess{RejectedSpans: 3, ErrorMessage: "too old"}})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(b)
	}))
	defer srv.Close()
	var errb bytes.Buffer
	opts := &sendOptions{inputOptions: inputOptions{Files: []string{file}, Format: "auto"}, Endpoint: srv.URL, Protocol: "http",
		BatchSize: 1000, Timeout: 5 * time.Second, Headers: []string{"X-Token: s3cret"}}
	err := sendRun(context.Background(), &streams{Err: &errb}, opts)
	var f *failure
	if !errors.As(err, &f) || f.msg != "3 spans rejected" {
		t.Errorf("error %v, want 3 spans rejected", err)
	}
	for _, want := range []string{"77 spans accepted, 3 rejected, in 1 request (2 retried)", "the receiver said: too old"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr %q lacks %q", errb.String(), want)
		}
	}

	// Not retryable: one attempt, an error naming the answer.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "nope", http.StatusBadRequest)
	}))
	defer bad.Close()
	calls.Store(0)
	opts.Endpoint = bad.URL + "/custom/path"
	err = sendRun(context.Background(), &streams{Err: &bytes.Buffer{}}, opts)
	if err == nil || !strings.Contains(err.Error(), "400 Bad Request") || !strings.Contains(err.Error(), "/custom/path") || calls.Load() != 1 {
		t.Errorf("error %v after %d calls, want one 400 naming the URL", err, calls.Load())
	}
	// An undelivered batch is exit 3, as emit's failed export: the receiver,
	// not the input, is what went wrong.
	if !errors.As(err, new(exportFailure)) {
		t.Errorf("error %T, want exportFailure (exit 3)", err)
	}
	var errOut bytes.Buffer
	if code := run(context.Background(), &streams{Err: &errOut}, []string{"send", "--protocol", "http", "--endpoint", bad.URL, file}); code != 3 {
		t.Errorf("send to a receiver that answers 400: exit %d, want 3; stderr %s", code, errOut.String())
	}
}

func TestRetimeTrace(t *testing.T) {
	spans := []dag.SpanData{{Start: 100, End: 200, Events: []dag.Event{{Time: 150}}}, {Start: 120, End: 300}}
	packed := dag.Pack(spans)
	retimeTrace(packed, 1000)
	got := [][3]uint64{{packed[0].Start, packed[0].End, packed[0].Events()[0].Time}, {packed[1].Start, packed[1].End, 0}}
	want := [][3]uint64{{800, 900, 850}, {820, 1000, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
