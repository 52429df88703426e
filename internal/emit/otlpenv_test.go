package emit

import (
	"crypto/tls"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.opentelemetry.io/otel/attribute"
)

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func ptr[T any](v T) *T { return &v }

func TestReadEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Env
	}{
		{"nothing set", nil, Env{}},
		{"empty values are unset", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": " ", "OTEL_SERVICE_NAME": ""}, Env{}},
		{
			"generic endpoint is a base URL",
			map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/otlp"},
			Env{Endpoint: "http://collector:4318/otlp", EndpointMode: EndpointBase, EndpointVar: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		},
		{
			"traces endpoint wins over the generic one",
			map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://a:4318",
				"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://b:443/custom/traces",
			},
			Env{Endpoint: "https://b:443/custom/traces", EndpointMode: EndpointSignal, EndpointVar: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		},
		{
			"protocols, signal-specific first",
			map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"},
			Env{Protocol: ProtocolHTTPJSON},
		},
		{"http/protobuf", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "HTTP/Protobuf"}, Env{Protocol: ProtocolHTTPProtobuf}},
		{
			"headers: percent-decoded, keys lowercased, traces variable replaces the generic one",
			map[string]string{
				"OTEL_EXPORTER_OTLP_HEADERS":        "x-generic=1",
				"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "Authorization=Basic%20dXNlcjpwYXNz, x-tenant = acme ,",
			},
			Env{Headers: map[string]string{"authorization": "Basic dXNlcjpwYXNz", "x-tenant": "acme"}},
		},
		{
			"TLS settings",
			map[string]string{
				"OTEL_EXPORTER_OTLP_INSECURE":                  "true",
				"OTEL_EXPORTER_OTLP_TRACES_INSECURE":           "false",
				"OTEL_EXPORTER_OTLP_CERTIFICATE":               "/ca.pem",
				"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE": "/client.pem",
				"OTEL_EXPORTER_OTLP_CLIENT_KEY":                "/client.key",
			},
			Env{Insecure: ptr(false), CAFile: "/ca.pem", ClientCert: "/client.pem", ClientKey: "/client.key"},
		},
		{
			"compression and timeout",
			map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "2500"},
			Env{Compression: "gzip", Timeout: 2500 * time.Millisecond},
		},
		{
			"resource attributes; service.name from them",
			map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=ci,vcs.ref=refs%2Fheads%2Fmain,ci.run=7,ci.run=8"},
			Env{ServiceName: "ci", ResourceAttrs: []attribute.KeyValue{attribute.String("vcs.ref", "refs/heads/main"), attribute.String("ci.run", "8")}},
		},
		{
			"OTEL_SERVICE_NAME wins over the resource attribute",
			map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=a", "OTEL_SERVICE_NAME": "b"},
			Env{ServiceName: "b"},
		},
		{
			"sampler and argument",
			map[string]string{"OTEL_TRACES_SAMPLER": "ParentBased_TraceIdRatio", "OTEL_TRACES_SAMPLER_ARG": "0.25"},
			Env{Sampler: "parentbased_traceidratio", SamplerArg: ptr(0.25)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadEnv(lookupIn(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b attribute.KeyValue) bool { return a == b }), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ReadEnv (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadEnvErrors(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string // the message names the variable and the problem
	}{
		{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "udp"}, `OTEL_EXPORTER_OTLP_PROTOCOL: unknown protocol "udp" (want grpc, http/protobuf, http/json)`},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "ftp://x"}, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint "ftp://x": scheme "ftp"`},
		{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=1,novalue"}, `OTEL_EXPORTER_OTLP_HEADERS: "novalue": want key=value`},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "a=%zz"}, `OTEL_EXPORTER_OTLP_TRACES_HEADERS: "a=%zz": bad percent-encoding`},
		{map[string]string{"OTEL_EXPORTER_OTLP_INSECURE": "yes please"}, `OTEL_EXPORTER_OTLP_INSECURE: "yes please" is not true or false`},
		{map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, `OTEL_EXPORTER_OTLP_COMPRESSION: unknown compression "zstd"`},
		{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, `OTEL_EXPORTER_OTLP_TIMEOUT: "10s" is not a positive number of milliseconds`},
		{map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "=x"}, `OTEL_RESOURCE_ATTRIBUTES: "=x": want key=value`},
		{map[string]string{"OTEL_TRACES_SAMPLER": "jaeger_remote"}, `OTEL_TRACES_SAMPLER: unknown sampler "jaeger_remote"`},
		{map[string]string{"OTEL_TRACES_SAMPLER_ARG": "2"}, `OTEL_TRACES_SAMPLER_ARG: "2" is not a ratio in [0,1]`},
	}
	for _, tt := range tests {
		_, err := ReadEnv(lookupIn(tt.env))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadEnv(%v) = %v, want an error containing %q", tt.env, err, tt.want)
		}
	}
}

func TestTarget(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // Target.String()
		tls  bool
	}{
		{"default grpc", Config{Protocol: ProtocolGRPC}, "grpc http://127.0.0.1:4317", false},
		{"default http", Config{Protocol: ProtocolHTTPProtobuf}, "http/protobuf http://127.0.0.1:4318/v1/traces", false},
		{"loopback bare is plaintext", Config{Protocol: ProtocolGRPC, Endpoint: "localhost:9000"}, "grpc http://localhost:9000", false},
		{"remote bare is TLS", Config{Protocol: ProtocolGRPC, Endpoint: "collector.example:4317"}, "grpc https://collector.example:4317", true},
		{"remote bare with --insecure", Config{Protocol: ProtocolGRPC, Endpoint: "collector.example:4317", Insecure: ptr(true)}, "grpc http://collector.example:4317", false},
		{"loopback bare, insecure=false", Config{Protocol: ProtocolGRPC, Endpoint: "[::1]:4317", Insecure: ptr(false)}, "grpc https://[::1]:4317", true},
		{"scheme wins over insecure", Config{Protocol: ProtocolGRPC, Endpoint: "https://c:4317", Insecure: ptr(true)}, "grpc https://c:4317", true},
		{"default port", Config{Protocol: ProtocolGRPC, Endpoint: "http://c"}, "grpc http://c:4317", false},
		{"flag URL without path", Config{Protocol: ProtocolHTTPJSON, Endpoint: "http://c:4318"}, "http/json http://c:4318/v1/traces", false},
		{"flag URL with path is kept", Config{Protocol: ProtocolHTTPProtobuf, Endpoint: "http://c:4318/ingest"}, "http/protobuf http://c:4318/ingest", false},
		{"base URL gets /v1/traces", Config{Protocol: ProtocolHTTPProtobuf, Endpoint: "http://c:4318/otlp/", EndpointMode: EndpointBase}, "http/protobuf http://c:4318/otlp/v1/traces", false},
		{"signal URL used as is", Config{Protocol: ProtocolHTTPProtobuf, Endpoint: "http://c:4318", EndpointMode: EndpointSignal}, "http/protobuf http://c:4318/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.target()
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want || (got.TLS != nil) != tt.tls {
				t.Errorf("target = %s (TLS %v), want %s (TLS %v)", got, got.TLS != nil, tt.want, tt.tls)
			}
			if got.TLS != nil && (got.TLS.ServerName != got.URL.Hostname() || got.TLS.MinVersion != tls.VersionTLS12) {
				t.Errorf("TLS config %+v", got.TLS)
			}
		})
	}
}

func TestTargetErrors(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Protocol: ProtocolGRPC, Endpoint: "http://c:4317", CAFile: "/ca.pem"}, "is plaintext, but a CA file or client certificate was given"},
		{Config{Protocol: ProtocolGRPC, Endpoint: "https://c:4317", CAFile: "/does/not/exist.pem"}, "CA file: open /does/not/exist.pem"},
		{Config{Protocol: ProtocolGRPC, Endpoint: "https://c:4317", ClientCert: "/c.pem"}, "needs both the certificate and its key"},
		{Config{Protocol: ProtocolGRPC, Endpoint: "c:4317/x"}, "want host:port or a URL"},
	}
	for _, tt := range tests {
		_, err := tt.cfg.target()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("target(%+v) = %v, want an error containing %q", tt.cfg, err, tt.want)
		}
	}
}

func TestDefaultProtocol(t *testing.T) {
	for ep, want := range map[string]string{
		"":                        ProtocolGRPC, // 127.0.0.1:4317
		"http://localhost:4317":   ProtocolGRPC,
		"collector:4317":          ProtocolGRPC,
		"http://localhost:4318":   ProtocolHTTPProtobuf,
		"https://otlp.example.io": ProtocolHTTPProtobuf, // the spec's default
		"127.0.0.1:9000":          ProtocolHTTPProtobuf,
	} {
		if got := defaultProtocol(ep); got != want {
			t.Errorf("defaultProtocol(%q) = %s, want %s", ep, got, want)
		}
	}
}

// TestStatusReportsFinalCounts: the status callback's last call, after the
// flush, carries what the summary reports.
func TestStatusReportsFinalCounts(t *testing.T) {
	cfg := Defaults()
	cfg.Scenario, cfg.Requests, cfg.Duration, cfg.Rate, cfg.Seed = ScenarioSynthetic, 4, 0, 0, 1
	cfg.Out = io.Discard
	var last Status
	calls := 0
	cfg.Status = func(st Status) { last = st; calls++ }
	sum, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Fatal("Status never called")
	}
	want := Status{Destination: "OTLP JSON lines", Created: sum.Spans.Created, Exported: sum.Spans.Exported, Flushing: true}
	last.Elapsed = 0
	if diff := cmp.Diff(want, last); diff != "" {
		t.Errorf("last status (-want +got):\n%s", diff)
	}
}
