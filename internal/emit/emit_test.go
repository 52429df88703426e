package emit

import (
	"bytes"
	"context"
	"encoding/hex"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/tracectl/tracectl/internal/testenv"
)

func readConformance(t *testing.T, rel string) []byte {
	t.Helper()
	return testenv.ReadConformance(t, rel)
}

// shopConfig is a small, fast shop run: no simulated latency, a fixed
// seed, a bounded number of requests.
func shopConfig(out *bytes.Buffer, requests int) Config {
	cfg := Defaults()
	cfg.Out = out
	cfg.Rate = 0
	cfg.Duration = 0
	cfg.Requests = requests
	cfg.Workers = 3
	cfg.Latency = "none"
	cfg.Seed = 42
	cfg.BatchTimeout = 50 * time.Millisecond
	return cfg
}

func runOK(t *testing.T, cfg Config) *Summary {
	t.Helper()
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Spans.Failed != 0 || sum.Spans.Dropped() != 0 || len(sum.Errors) != 0 {
		var b strings.Builder
		sum.WriteTo(&b)
		t.Fatalf("spans lost:\n%s", b.String())
	}
	return sum
}

type traceIndex map[string]map[string]flatSpan // trace id → span id → span

func indexTraces(spans []flatSpan) traceIndex {
	idx := traceIndex{}
	for _, s := range spans {
		tid := hex.EncodeToString(s.TraceId)
		if idx[tid] == nil {
			idx[tid] = map[string]flatSpan{}
		}
		idx[tid][hex.EncodeToString(s.SpanId)] = s
	}
	return idx
}

// orphans lists spans whose parent is not in their trace.
func (idx traceIndex) orphans() []string {
	var out []string
	for tid, spans := range idx {
		for sid, s := range spans {
			if len(s.ParentSpanId) == 0 {
				continue
			}
			if _, ok := spans[hex.EncodeToString(s.ParentSpanId)]; !ok {
				out = append(out, tid+"/"+sid+" "+s.service+" "+s.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestShopToFile(t *testing.T) {
	var out bytes.Buffer
	sum := runOK(t, shopConfig(&out, 12))
	if sum.Requests != 12 || sum.Failed != 0 {
		t.Errorf("requests = %d (failed %d), want 12 (0)", sum.Requests, sum.Failed)
	}
	spans := flatten(decodeLines(t, out.Bytes()))
	if int64(len(spans)) != sum.Spans.Exported {
		t.Errorf("file holds %d spans, summary says %d exported", len(spans), sum.Spans.Exported)
	}
	if sum.Spans.Created != sum.Spans.Exported {
		t.Errorf("created %d, exported %d: with ratio 1 every span is exported", sum.Spans.Created, sum.Spans.Exported)
	}

	services := map[string]bool{}
	for _, s := range spans {
		services[s.service] = true
	}
	for _, want := range ShopServices {
		if !services[want] {
			t.Errorf("service %s emitted no spans", want)
		}
	}

	idx := indexTraces(spans)
	if len(idx) != 12 {
		t.Errorf("%d traces, want one per request (12)", len(idx))
	}
	if o := idx.orphans(); len(o) > 0 {
		t.Errorf("spans whose parent is not in their trace:\n%s", strings.Join(o, "\n"))
	}
	for tid, trace := range idx {
		roots := 0
		for _, s := range trace {
			if len(s.ParentSpanId) == 0 {
				roots++
				if s.service != "frontend" || s.Kind != tracepb.Span_SPAN_KIND_SERVER {
					t.Errorf("trace %s: root is %s %s %v, want the frontend SERVER span", tid, s.service, s.Name, s.Kind)
				}
			}
		}
		if roots != 1 {
			t.Errorf("trace %s has %d roots", tid, roots)
		}
	}

	t.Run("db spans", func(t *testing.T) {
		var db []flatSpan
		for _, s := range spans {
			if _, ok := findAttr(s.Attributes, "db.system.name"); ok {
				db = append(db, s)
			}
		}
		if len(db) == 0 {
			t.Fatal("no database spans")
		}
		ops := map[string]bool{}
		for _, s := range db {
			if s.service != "inventory" || s.Kind != tracepb.Span_SPAN_KIND_CLIENT {
				t.Errorf("db span %q: service %s kind %v, want inventory CLIENT", s.Name, s.service, s.Kind)
			}
			if got := stringAttr(s.Attributes, "db.system.name"); got != "sqlite" {
				t.Errorf("db span %q: db.system.name = %q", s.Name, got)
			}
			op := stringAttr(s.Attributes, "db.operation.name")
			ops[op] = true
			if op == "SELECT" || op == "UPDATE" {
				if stringAttr(s.Attributes, "db.query.text") == "" {
					t.Errorf("db span %q has no db.query.text", s.Name)
				}
				if got := stringAttr(s.Attributes, "db.collection.name"); got != "inventory" {
					t.Errorf("db span %q: db.collection.name = %q", s.Name, got)
				}
				if want := op + " inventory"; s.Name != want {
					t.Errorf("db span name = %q, want %q", s.Name, want)
				}
			}
		}
		for _, want := range []string{"BEGIN", "SELECT", "UPDATE", "COMMIT"} {
			if !ops[want] {
				t.Errorf("no %s span among the db spans (have %v)", want, ops)
			}
		}
	})

	t.Run("grpc spans", func(t *testing.T) {
		kinds := map[tracepb.Span_SpanKind]int{}
		for _, s := range spans {
			if s.Name != "shop.payment.v1.PaymentService/Charge" {
				continue
			}
			kinds[s.Kind]++
			if got := stringAttr(s.Attributes, "rpc.system.name"); got != "grpc" {
				t.Errorf("%s %v: rpc.system.name = %q, want grpc", s.service, s.Kind, got)
			}
			if got := stringAttr(s.Attributes, "rpc.method"); !strings.Contains(got, "Charge") {
				t.Errorf("%s %v: rpc.method = %q", s.service, s.Kind, got)
			}
			if _, ok := findAttr(s.Attributes, "rpc.response.status_code"); !ok {
				t.Errorf("%s %v: no rpc.response.status_code", s.service, s.Kind)
			}
			wantSvc := map[tracepb.Span_SpanKind]string{tracepb.Span_SPAN_KIND_CLIENT: "checkout", tracepb.Span_SPAN_KIND_SERVER: "payment"}[s.Kind]
			if s.service != wantSvc {
				t.Errorf("gRPC %v span from %s, want %s", s.Kind, s.service, wantSvc)
			}
		}
		if kinds[tracepb.Span_SPAN_KIND_CLIENT] != 12 || kinds[tracepb.Span_SPAN_KIND_SERVER] != 12 {
			t.Errorf("gRPC spans by kind = %v, want 12 CLIENT and 12 SERVER", kinds)
		}
	})

	t.Run("http spans", func(t *testing.T) {
		n := 0
		for _, s := range spans {
			if s.Kind != tracepb.Span_SPAN_KIND_SERVER || s.service == "payment" {
				continue
			}
			n++
			if stringAttr(s.Attributes, "http.request.method") == "" || stringAttr(s.Attributes, "http.route") == "" {
				t.Errorf("%s %q: no http.request.method or http.route", s.service, s.Name)
			}
			if _, ok := findAttr(s.Attributes, "http.response.status_code"); !ok {
				t.Errorf("%s %q: no http.response.status_code", s.service, s.Name)
			}
		}
		if n == 0 {
			t.Error("no HTTP server spans")
		}
	})

	t.Run("messaging", func(t *testing.T) {
		producers := map[string]flatSpan{}
		for _, s := range spans {
			if s.Kind == tracepb.Span_SPAN_KIND_PRODUCER {
				producers[hex.EncodeToString(s.SpanId)] = s
			}
		}
		consumers := 0
		for _, s := range spans {
			if s.Kind != tracepb.Span_SPAN_KIND_CONSUMER {
				continue
			}
			consumers++
			if s.service != "email" {
				t.Errorf("consumer span from %s", s.service)
			}
			p, ok := producers[hex.EncodeToString(s.ParentSpanId)]
			if !ok {
				t.Errorf("consumer %q: parent is not a producer span", s.Name)
				continue
			}
			if len(s.Links) != 1 || !bytes.Equal(s.Links[0].SpanId, p.SpanId) || !bytes.Equal(s.Links[0].TraceId, p.TraceId) {
				t.Errorf("consumer %q: links = %v, want one link to the producer", s.Name, s.Links)
			}
			if got := stringAttr(s.Attributes, "messaging.destination.name"); got != queueName {
				t.Errorf("consumer messaging.destination.name = %q", got)
			}
		}
		if consumers != 12 || len(producers) != 12 {
			t.Errorf("%d producers, %d consumers, want 12 each", len(producers), consumers)
		}
	})

	t.Run("resource", func(t *testing.T) {
		reqs := decodeLines(t, out.Bytes())
		rs := reqs[0].ResourceSpans[0]
		for _, key := range []string{"service.name", "service.version", "service.instance.id", "deployment.environment.name", "host.name", "process.pid", "process.runtime.name", "telemetry.sdk.language"} {
			if _, ok := findAttr(rs.Resource.Attributes, key); !ok {
				t.Errorf("resource has no %s", key)
			}
		}
		if _, ok := findAttr(rs.Resource.Attributes, "process.command_args"); ok {
			t.Error("resource carries process.command_args (may hold credentials)")
		}
	})

	t.Run("redacted", func(t *testing.T) {
		for _, secret := range plantedSecrets {
			if bytes.Contains(out.Bytes(), []byte(secret)) {
				t.Errorf("output contains planted secret %q", secret)
			}
		}
		if sum.Redactions == 0 {
			t.Error("summary counts no redactions")
		}
		if !bytes.Contains(out.Bytes(), []byte("[REDACTED:card_number]")) || !bytes.Contains(out.Bytes(), []byte(`"[REDACTED:authorization]"`)) {
			t.Error("no redaction markers in the output")
		}
	})
}

func TestShopNoRedact(t *testing.T) {
	var out bytes.Buffer
	cfg := shopConfig(&out, 3)
	cfg.Redact = false
	runOK(t, cfg)
	for _, secret := range plantedSecrets {
		if !bytes.Contains(out.Bytes(), []byte(secret)) {
			t.Errorf("--no-redact output lacks planted secret %q", secret)
		}
	}
	if bytes.Contains(out.Bytes(), []byte("REDACTED")) {
		t.Error("--no-redact output has redaction markers")
	}
}

func TestShopErrorRate(t *testing.T) {
	var out bytes.Buffer
	cfg := shopConfig(&out, 40)
	cfg.ErrorRate = 0.5
	sum := runOK(t, cfg)
	// The faults are decided from the seed, so the count is fixed.
	want := int64(0)
	for n := range uint64(40) {
		if chooseFault(&cfg, n) != "" {
			want++
		}
	}
	if sum.Failed != want || want == 0 {
		t.Errorf("failed requests = %d, want %d from the seed", sum.Failed, want)
	}
	spans := flatten(decodeLines(t, out.Bytes()))
	errRoots := 0
	for _, s := range spans {
		if len(s.ParentSpanId) == 0 && s.Status.GetCode() == tracepb.Status_STATUS_CODE_ERROR {
			errRoots++
		}
	}
	if int64(errRoots) != want {
		t.Errorf("%d root spans with error status, want %d", errRoots, want)
	}
	if o := indexTraces(spans).orphans(); len(o) > 0 {
		t.Errorf("orphans in failing traces:\n%s", strings.Join(o, "\n"))
	}
}

// TestSamplingRatio: ParentBased(TraceIDRatioBased(0.25)) keeps about a
// quarter of 400 traces (seeded, so deterministic; the bound is five
// binomial standard deviations) and only whole traces.
func TestSamplingRatio(t *testing.T) {
	var out bytes.Buffer
	cfg := shopConfig(&out, 0)
	cfg.Scenario = ScenarioSynthetic
	cfg.Requests = 400
	cfg.Depth, cfg.FanOut = 3, 2
	cfg.SampleRatio = 0.25
	sum := runOK(t, cfg)
	spans := flatten(decodeLines(t, out.Bytes()))
	idx := indexTraces(spans)
	mean, sd := 400*0.25, math.Sqrt(400*0.25*0.75)
	if n := float64(len(idx)); math.Abs(n-mean) > 5*sd {
		t.Errorf("kept %v of 400 traces, want %v ± %.0f", n, mean, 5*sd)
	}
	for tid, tr := range idx {
		if len(tr) != 7 {
			t.Errorf("trace %s has %d of its 7 spans", tid, len(tr))
		}
	}
	if sum.Spans.Created != 400*7 || sum.Spans.Sampled != int64(len(spans)) {
		t.Errorf("created %d sampled %d, want %d and %d", sum.Spans.Created, sum.Spans.Sampled, 400*7, len(spans))
	}
}

// TestSamplingWholeShopTraces: across real HTTP, gRPC and queue hops the
// downstream services follow the frontend's decision.
func TestSamplingWholeShopTraces(t *testing.T) {
	var out bytes.Buffer
	cfg := shopConfig(&out, 40)
	cfg.SampleRatio = 0.5
	runOK(t, cfg)
	idx := indexTraces(flatten(decodeLines(t, out.Bytes())))
	if len(idx) == 0 || len(idx) == 40 {
		t.Fatalf("kept %d of 40 traces; want some but not all", len(idx))
	}
	if o := idx.orphans(); len(o) > 0 {
		t.Errorf("partial traces:\n%s", strings.Join(o, "\n"))
	}
	for tid, tr := range idx {
		got := map[string]bool{}
		for _, s := range tr {
			got[s.service] = true
		}
		var missing []string
		for _, svc := range ShopServices {
			if !got[svc] {
				missing = append(missing, svc)
			}
		}
		if len(missing) > 0 {
			t.Errorf("trace %s lacks %v", tid, missing)
		}
	}
}

func TestSeedReproducible(t *testing.T) {
	ids := func() []string {
		var out bytes.Buffer
		cfg := shopConfig(&out, 0)
		cfg.Scenario = ScenarioSynthetic
		cfg.Requests = 20
		cfg.Workers = 1
		runOK(t, cfg)
		var tids []string
		for tid := range indexTraces(flatten(decodeLines(t, out.Bytes()))) {
			tids = append(tids, tid)
		}
		sort.Strings(tids)
		return tids
	}
	if diff := cmp.Diff(ids(), ids()); diff != "" {
		t.Errorf("same seed, different trace ids (-first +second):\n%s", diff)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"scenario", func(c *Config) { c.Scenario = "bank" }, "unknown scenario"},
		{"protocol", func(c *Config) { c.Protocol = "udp" }, "unknown protocol"},
		{"ratio", func(c *Config) { c.SampleRatio = 1.5 }, "sample ratio"},
		{"error rate", func(c *Config) { c.ErrorRate = -1 }, "error rate"},
		{"no bound", func(c *Config) { c.Duration, c.Requests = 0, 0 }, "need a duration"},
		{"latency", func(c *Config) { c.Latency = "slow" }, "latency profile"},
		{"batch", func(c *Config) { c.MaxExportBatchSize = 4096 }, "exceeds max queue"},
		{"tree", func(c *Config) { c.Scenario, c.Depth, c.FanOut = ScenarioSynthetic, 30, 10 }, "spans per trace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Defaults()
			tt.modify(&cfg)
			_, err := Run(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestTreeSize(t *testing.T) {
	tests := []struct{ depth, fanOut, want int }{
		{1, 5, 1}, {2, 3, 4}, {3, 3, 13}, {4, 1, 4}, {3, 0, 1}, {40, 10, maxSyntheticSpans + 1},
	}
	for _, tt := range tests {
		if got := treeSize(tt.depth, tt.fanOut); got != tt.want {
			t.Errorf("treeSize(%d, %d) = %d, want %d", tt.depth, tt.fanOut, got, tt.want)
		}
	}
}
