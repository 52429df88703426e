package main

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.opentelemetry.io/otel/attribute"

	"github.com/tracectl/tracectl/internal/emit"
	"github.com/tracectl/tracectl/internal/receiver"
)

// TestEmitApplyEnv pins the precedence: a flag the user gave wins over the
// environment, which wins over the defaults; headers and attributes merge
// key by key.
func TestEmitApplyEnv(t *testing.T) {
	ratio := 0.5
	yes := true
	env := emit.Env{
		Endpoint: "http://env:4318", EndpointMode: emit.EndpointBase, Protocol: emit.ProtocolHTTPJSON,
		Headers: map[string]string{"authorization": "env", "x-env": "1"}, Insecure: &yes,
		CAFile: "/env-ca.pem", Timeout: 3 * time.Second, Compression: "gzip",
		ResourceAttrs: []attribute.KeyValue{attribute.String("ci.run", "env"), attribute.String("deployment.environment.name", "ci")},
		ServiceName:   "envsvc", Sampler: "always_off", SamplerArg: &ratio,
	}
	tests := []struct {
		name    string
		flags   map[string]bool
		opts    EmitOptions
		want    func(c *emit.Config)
		wantErr string
	}{
		{
			name: "environment only",
			want: func(c *emit.Config) {
				c.Endpoint, c.EndpointMode, c.Protocol = "http://env:4318", emit.EndpointBase, emit.ProtocolHTTPJSON
				c.Headers = map[string]string{"authorization": "env", "x-env": "1"}
				c.Insecure, c.CAFile, c.ExportTimeout, c.Compression = &yes, "/env-ca.pem", 3*time.Second, "gzip"
				c.ResourceAttrs = env.ResourceAttrs
				c.ServiceName, c.Sampler, c.SampleRatio = "envsvc", "always_off", 0.5
			},
		},
		{
			name:  "flags win",
			flags: map[string]bool{"endpoint": true, "protocol": true, "insecure": true, "ca-file": true, "export-timeout": true, "sample-ratio": true, "environment": true},
			opts: EmitOptions{
				Headers: []string{"Authorization=flag%20value", "X-Tenant: a=b"}, Attrs: []string{"ci.run=flag", "service.name=flagsvc"},
				Config: func() emit.Config {
					c := emit.Defaults()
					c.Endpoint, c.Protocol, c.CAFile, c.ExportTimeout, c.SampleRatio, c.Environment = "flag:4317", "grpc", "/flag-ca.pem", time.Second, 0.1, "staging"
					return c
				}(),
			},
			want: func(c *emit.Config) {
				c.Endpoint, c.Protocol = "flag:4317", "grpc"
				c.Headers = map[string]string{"authorization": "flag value", "x-env": "1", "x-tenant": "a=b"}
				no := false
				c.Insecure, c.CAFile, c.ExportTimeout, c.Compression = &no, "/flag-ca.pem", time.Second, "gzip"
				c.ResourceAttrs = append(append([]attribute.KeyValue(nil), env.ResourceAttrs...), attribute.String("ci.run", "flag"),
					attribute.String("deployment.environment.name", "staging"))
				c.ServiceName, c.SampleRatio, c.Environment = "flagsvc", 0.1, "staging"
			},
		},
		{name: "bad header", opts: EmitOptions{Headers: []string{"novalue"}}, wantErr: `--endpoint-header "novalue": want key=value`},
		{name: "bad attr", opts: EmitOptions{Attrs: []string{"=v"}}, wantErr: `--attr "=v": want key=value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if opts.Config.Scenario == "" {
				opts.Config = emit.Defaults()
			}
			opts.Env = env
			opts.Changed = func(f string) bool { return tt.flags[f] }
			got := opts.Config
			err := opts.applyEnv(&got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("applyEnv = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := opts.Config
			tt.want(&want)
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b attribute.KeyValue) bool { return a == b }),
				cmpopts.IgnoreFields(emit.Config{}, "Status", "Out"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

// collector is an in-process `tracectl receive`: the real receiver on
// ephemeral loopback ports, keeping what arrives.
type collector struct {
	srv        *receiver.Server
	grpc, http string
	mu         sync.Mutex
	services   map[string]int
	attrs      map[string]string // resource attributes of the last span
	json       int               // batches with JSON bodies
}

func startCollector(t *testing.T) *collector {
	t.Helper()
	c := &collector{services: map[string]int{}, attrs: map[string]string{}}
	srv, err := receiver.Start(receiver.Options{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Deliver: func(b *receiver.Batch) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !b.Proto {
			c.json++
		}
		for i := range b.Spans {
			s := &b.Spans[i]
			c.services[s.Service()]++
			for _, k := range []string{"ci.run", "deployment.environment.name"} {
				if v, ok := s.ResourceAttr(k); ok {
					c.attrs[k] = v.String()
				}
			}
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(t.Context()) }) //nolint:errcheck
	c.srv, c.grpc, c.http = srv, srv.GRPCAddr().String(), srv.HTTPAddr().String()
	return c
}

// emitCmd runs `tracectl emit ARGS` as main would, with the environment
// the test set.
func emitCmd(t *testing.T, args ...string) (code int, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), &streams{Out: &out, Err: &errOut}, append([]string{"emit", "--scenario", "synthetic", "--requests", "3",
		"--duration", "0", "--rate", "0", "--seed", "1", "--depth", "2", "--fanout", "1"}, args...))
	return code, errOut.String()
}

// TestEmitExportsByEnvironment: only OTel environment variables choose the
// destination, protocol, service name and resource attributes; the real
// receiver gets the spans over each protocol.
func TestEmitExportsByEnvironment(t *testing.T) {
	c := startCollector(t)
	tests := []struct {
		name string
		env  map[string]string
		json bool
	}{
		{"grpc", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + c.grpc, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, false},
		{"http/protobuf", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + c.http, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, false},
		{"http/json, traces endpoint", map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://127.0.0.1:1", // the traces variable wins
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://" + c.http + "/v1/traces",
			"OTEL_EXPORTER_OTLP_PROTOCOL":        "grpc",
			"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json",
		}, true},
		{"grpc, bare loopback endpoint, gzip", map[string]string{
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": c.grpc, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_SERVICE_NAME", "ci")
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "ci.run=42,deployment.environment.name=ci")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c.mu.Lock()
			c.services, c.attrs, c.json = map[string]int{}, map[string]string{}, 0
			c.mu.Unlock()
			code, stderr := emitCmd(t)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if diff := cmp.Diff(map[string]int{"ci-synthetic": 6}, c.services); diff != "" {
				t.Errorf("spans per service (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]string{"ci.run": "42", "deployment.environment.name": "ci"}, c.attrs); diff != "" {
				t.Errorf("resource attributes (-want +got):\n%s", diff)
			}
			if (c.json > 0) != tt.json {
				t.Errorf("%d JSON batches, want JSON %v", c.json, tt.json)
			}
		})
	}
}

// TestEmitExportFailures: an export the destination does not take stops
// emit with exit code 3 and says why in plain words.
func TestEmitExportFailures(t *testing.T) {
	c := startCollector(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"refused", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + dead, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, nil,
			"export to grpc http://" + dead + " failed: nothing is listening there (connection refused)"},
		{"refused http/json", nil, []string{"--endpoint", "http://" + dead, "--protocol", "http/json"},
			"export to http/json http://" + dead + "/v1/traces failed: nothing is listening there (connection refused)"},
		{"grpc to the HTTP port", nil, []string{"--endpoint", c.http, "--protocol", "grpc"},
			"the endpoint does not speak gRPC"},
		{"http to the gRPC port", nil, []string{"--endpoint", "http://" + c.grpc, "--protocol", "http/protobuf"},
			"it may be an OTLP/gRPC endpoint"},
		{"wrong path", nil, []string{"--endpoint", "http://" + c.http + "/otlp", "--protocol", "http/protobuf"},
			"no OTLP receiver at this path (404)"},
		{"TLS to a plaintext receiver", nil, []string{"--endpoint", c.http, "--protocol", "http/protobuf", "--insecure=false"},
			"the endpoint speaks plaintext but TLS was used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "400")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, stderr := emitCmd(t, tt.args...)
			if code != 3 {
				t.Errorf("exit %d, want 3", code)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr)
			}
		})
	}
}

// TestEmitStatusLine: the status line overwrites itself in place and is
// erased before the summary; nothing is drawn when it never was.
func TestEmitStatusLine(t *testing.T) {
	var b bytes.Buffer
	l := &statusLine{w: &b}
	l.clear()
	if b.Len() != 0 {
		t.Errorf("clear before any draw wrote %q", b.String())
	}
	l.draw(emit.Status{Destination: "grpc http://127.0.0.1:4317", Elapsed: 1234 * time.Millisecond, Created: 10, Exported: 8, Failed: 1})
	l.draw(emit.Status{Destination: "grpc http://127.0.0.1:4317", Elapsed: 2 * time.Second, Created: 20, Exported: 20, Flushing: true})
	l.clear()
	want := "\r\x1b[Kemit → grpc http://127.0.0.1:4317: sending 1.2s, 10 spans created, 8 exported, 1 failed" +
		"\r\x1b[Kemit → grpc http://127.0.0.1:4317: flushing 2s, 20 spans created, 20 exported, 0 failed" +
		"\r\x1b[K"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("status line (-want +got):\n%s", diff)
	}
}
