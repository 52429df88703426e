package emit

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// receiver is a minimal OTLP trace receiver: the collector TraceService
// over gRPC, and POST /v1/traces over HTTP (protobuf, as otlptracehttp
// sends it). It keeps what arrived.
type receiver struct {
	coltracepb.UnimplementedTraceServiceServer
	mu   sync.Mutex
	reqs []*coltracepb.ExportTraceServiceRequest
	raw  bytes.Buffer
}

func (r *receiver) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	r.keep(req)
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

func (r *receiver) keep(req *coltracepb.ExportTraceServiceRequest) {
	b, _ := proto.Marshal(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	r.raw.Write(b)
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" {
		http.Error(w, "want POST /v1/traces", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 64<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	msg := &coltracepb.ExportTraceServiceRequest{}
	if err := proto.Unmarshal(body, msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.keep(msg)
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

func (r *receiver) spans() []flatSpan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return flatten(r.reqs)
}

func startGRPCReceiver(t *testing.T) (*receiver, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rcv := &receiver{}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, rcv)
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	return rcv, ln.Addr().String()
}

func TestExportOverOTLP(t *testing.T) {
	tests := []struct {
		name     string
		protocol string
		start    func(t *testing.T) (*receiver, string)
	}{
		{"grpc", ProtocolGRPC, startGRPCReceiver},
		{"http", ProtocolHTTP, func(t *testing.T) (*receiver, string) {
			rcv := &receiver{}
			srv := httptest.NewServer(rcv)
			t.Cleanup(srv.Close)
			return rcv, srv.URL // a URL without a path: /v1/traces is added
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv, endpoint := tt.start(t)
			cfg := shopConfig(nil, 5)
			cfg.Out = nil
			cfg.Protocol = tt.protocol
			cfg.Endpoint = endpoint
			sum := runOK(t, cfg)
			spans := rcv.spans()
			if int64(len(spans)) != sum.Spans.Exported || len(spans) == 0 {
				t.Errorf("receiver got %d spans, summary says %d exported", len(spans), sum.Spans.Exported)
			}
			services := map[string]bool{}
			for _, s := range spans {
				services[s.service] = true
			}
			for _, svc := range ShopServices {
				if !services[svc] {
					t.Errorf("no spans from %s", svc)
				}
			}
			if o := indexTraces(spans).orphans(); len(o) > 0 {
				t.Errorf("orphans: %v", o)
			}
			for _, secret := range plantedSecrets {
				if bytes.Contains(rcv.raw.Bytes(), []byte(secret)) {
					t.Errorf("receiver saw planted secret %q", secret)
				}
			}
		})
	}
}

// TestExportFailureCounted: with nothing listening, the spans are counted
// as failed, the error is reported once per service, not per batch, and Run
// fails with an *ExportError that says in plain words what happened.
func TestExportFailureCounted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	cfg := Defaults()
	cfg.Scenario = ScenarioSynthetic
	cfg.Requests, cfg.Duration, cfg.Rate = 3, 0, 0
	cfg.Endpoint = dead
	cfg.Protocol = ProtocolGRPC
	cfg.ExportTimeout = 300 * time.Millisecond
	cfg.Seed = 1
	sum, err := Run(context.Background(), cfg)
	var ee *ExportError
	if !errors.As(err, &ee) {
		t.Fatalf("Run: %v, want an *ExportError", err)
	}
	if want := "grpc http://" + dead; ee.Target.String() != want {
		t.Errorf("target %q, want %q", ee.Target, want)
	}
	if !strings.Contains(err.Error(), "nothing is listening there (connection refused)") {
		t.Errorf("error does not explain the refusal:\n%v", err)
	}
	if sum == nil {
		t.Fatal("no summary with the export error")
	}
	if sum.Spans.Failed != sum.Spans.Sampled || sum.Spans.Exported != 0 {
		t.Errorf("exported %d failed %d of %d", sum.Spans.Exported, sum.Spans.Failed, sum.Spans.Sampled)
	}
	if len(sum.Errors) == 0 {
		t.Error("no error reported")
	}
}

// TestExportTLSWithCAFile: an https endpoint whose certificate only the CA
// file vouches for; without it the export fails as untrusted.
func TestExportTLSWithCAFile(t *testing.T) {
	rcv := &receiver{}
	srv := httptest.NewUnstartedServer(rcv)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, protocol := range []string{ProtocolHTTPProtobuf} { // this receiver takes protobuf only

		cfg := Defaults()
		cfg.Scenario, cfg.Requests, cfg.Duration, cfg.Rate, cfg.Seed = ScenarioSynthetic, 2, 0, 0, 1
		cfg.Protocol, cfg.Endpoint, cfg.ExportTimeout = protocol, srv.URL, 500*time.Millisecond
		_, err := Run(context.Background(), cfg)
		var ee *ExportError
		if !errors.As(err, &ee) || !strings.Contains(err.Error(), "TLS failed") {
			t.Errorf("%s without the CA file: %v, want a TLS export error", protocol, err)
		}
		cfg.CAFile = ca
		if sum := runOK(t, cfg); sum.Spans.Exported == 0 {
			t.Errorf("%s with the CA file: nothing exported", protocol)
		}
	}
}
