package main

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestJaegerPeer proves tracectl's Jaeger inputs on a real Jaeger v2: the
// demo is sent into it with `tracectl send` and live traffic with `tracectl
// emit` (the OpenTelemetry SDK's exporter), then every trace is read back
// through the query API v2 (Jaeger JSON, saved to a file) and v3 (OTLP JSON
// in {"result": …}, read as a URL). All three — original, v2, v3 — must give
// the same trees: span ids, parents, services, names, kinds, status codes,
// and times (to the ns from v3, which keeps OTLP; to the µs from v2) — and
// the same critical paths. A v3 search read by `tracectl ls` must list every
// demo trace the frontend took part in.
func TestJaegerPeer(t *testing.T) {
	began := time.Now()
	query, otlp, exited := startJaeger(t)

	// The demo, as recorded, and which of its traces the frontend is in.
	demoOut, _ := tracectl(t, "ls", "-o", "json", demoFile)
	demo := lsTraces(t, demoOut)
	demoSpans := 0
	wantFrontend := map[string]lsRow{}
	for id, r := range demo {
		demoSpans += r.Spans
		if slices.Contains(r.Services, "frontend") {
			wantFrontend[id] = r
		}
	}
	_, stderr := tracectl(t, "send", "--endpoint", otlp, demoFile)
	if want := fmt.Sprintf("%d spans accepted, 0 rejected", demoSpans); !strings.Contains(stderr, want) {
		t.Fatalf("send: %q, want %q", stderr, want)
	}
	// A retried batch would be stored twice (Jaeger then marks the spans
	// with @jaeger@warnings "duplicate span IDs"): say so if it happens.
	t.Log(strings.TrimSpace(stderr))
	// Live traffic from the SDK: ids and times Jaeger has never seen in a file.
	_, stderr = tracectl(t, "emit", "--protocol", "grpc", "--endpoint", otlp, "--requests", "12", "--duration", "0", "--rate", "0",
		"--workers", "2", "--error-rate", "0.3", "--seed", "5")
	m := regexp.MustCompile(`spans: created \d+, sampled \d+, exported (\d+), export failed 0`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("emit summary: %s", stderr)
	}
	emitted, _ := strconv.Atoi(m[1])

	// Jaeger's batch processor and storage are asynchronous: poll the v3
	// search until every span is there.
	search := func(from, to time.Time) string {
		return query + "/api/v3/traces?" + url.Values{
			"query.service_name":   {"frontend"},
			"query.start_time_min": {from.UTC().Format(time.RFC3339Nano)},
			"query.start_time_max": {to.UTC().Format(time.RFC3339Nano)},
			"query.num_traces":     {"10000"},
		}.Encode()
	}
	demoSearch := search(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	liveSearch := search(began.Add(-time.Minute), time.Now().Add(time.Minute))
	var gotFrontend, live map[string]lsRow
	waitUntil(t, exited, time.Minute, "Jaeger to store every span", func() bool {
		out, _, code := tryTracectl("ls", "-o", "json", demoSearch)
		if code != 0 {
			return false
		}
		gotFrontend = lsTraces(t, out)
		out, _, code = tryTracectl("ls", "-o", "json", liveSearch)
		if code != 0 {
			return false
		}
		live = lsTraces(t, out)
		n := 0
		for _, r := range live {
			n += r.Spans
		}
		return cmp.Equal(wantFrontend, gotFrontend) && n == emitted
	})
	if len(wantFrontend) == 0 || len(live) == 0 {
		t.Fatalf("%d demo traces with frontend, %d live traces", len(wantFrontend), len(live))
	}

	// The short form builds the same search: --jaeger BASE --service S.
	since := time.Since(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)) + time.Hour
	out, stderr, code := tryTracectl("ls", "-o", "json", "--jaeger", query, "--service", "frontend",
		"--since", since.String(), "--limit", "10000")
	if code != 0 {
		t.Fatalf("ls --jaeger: exit %d: %s", code, stderr)
	}
	if got := lsTraces(t, out); len(got) < len(wantFrontend) {
		t.Errorf("ls --jaeger --service frontend: %d traces, want at least the %d demo ones", len(got), len(wantFrontend))
	}

	demoIDs, liveIDs := keys(demo), keys(live)
	demoData, err := os.ReadFile(demoFile)
	if err != nil {
		t.Fatal(err)
	}
	n := compareJaegerViews(t, query, "demo", demoIDs, demoData)
	// The live traces' original is what Jaeger stored; v3 returns it as OTLP.
	var liveData bytes.Buffer
	for _, id := range liveIDs {
		b, err := httpGet(query + "/api/v3/traces/" + id)
		if err != nil {
			t.Fatal(err)
		}
		liveData.Write(append(bytes.TrimSpace(b), '\n'))
	}
	n += compareJaegerViews(t, query, "emit", liveIDs, liveData.Bytes())
	t.Logf("Jaeger: %d demo + %d live traces, %d spans compared three ways (tree and critical path), in %s",
		len(demoIDs), len(liveIDs), n, time.Since(began).Round(time.Millisecond))
}

// compareJaegerViews reads the traces ids from Jaeger through the query API
// v2 (to files) and v3 (as URLs) and compares them with original (OTLP
// JSON); it returns the number of spans compared.
func compareJaegerViews(t *testing.T, query, name string, ids []string, original []byte) int {
	t.Helper()
	dir := t.TempDir()
	orig := filepath.Join(dir, "original.jsonl")
	if err := os.WriteFile(orig, original, 0o644); err != nil {
		t.Fatal(err)
	}
	var v2, v3 []string
	for _, id := range ids {
		b, err := httpGet(query + "/api/traces/" + id)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, id+".v2.json")
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		v2 = append(v2, f)
		v3 = append(v3, query+"/api/v3/traces/"+id)
	}
	only := func(m map[string]peerSpan) map[string]peerSpan {
		for k := range m {
			if !slices.Contains(ids, k[:strings.IndexByte(k, '/')]) {
				delete(m, k)
			}
		}
		return m
	}
	tree := func(inputs ...string) string {
		out, _ := tracectl(t, append([]string{"tree", "-o", "json"}, inputs...)...)
		return out
	}
	origTree, v2Tree, v3Tree := tree(orig), tree(v2...), tree(v3...)
	logJaegerWarnings(t, name+" v3", v3Tree)
	n := diffSpans(t, name+": v3 URLs vs the original, ns", only(peerSpans(t, origTree, 1)), peerSpans(t, v3Tree, 1))
	// Jaeger JSON has references, not links: Jaeger's translator folds a
	// link to the span's own parent into the parent reference (which
	// becomes FOLLOWS_FROM, as the SDK's consumer spans show), so that link
	// is not in v2; tracectl reads the reference as the (asynchronous)
	// parent, as DESIGN §2 says.
	wantV2 := only(peerSpans(t, origTree, 1000))
	for k, s := range wantV2 {
		trace := k[:strings.IndexByte(k, '/')]
		s.Links = strings.Join(slices.DeleteFunc(strings.Fields(s.Links), func(l string) bool { return l == trace+"/"+s.Parent }), " ")
		wantV2[k] = s
	}
	diffSpans(t, name+": v2 Jaeger JSON vs the original, µs", wantV2, peerSpans(t, v2Tree, 1000))

	critpath := func(inputs ...string) map[string]critpathJSON {
		out, _ := tracectl(t, append([]string{"critpath", "-o", "json"}, inputs...)...)
		m := critpaths(t, out)
		for k := range m {
			if !slices.Contains(ids, k[:strings.IndexByte(k, '/')]) {
				delete(m, k)
			}
		}
		return m
	}
	if diff := cmp.Diff(critpath(orig), critpath(v3...)); diff != "" {
		t.Errorf("%s: critical paths, original vs v3 URLs (-want +got):\n%s", name, diff)
	}
	// Jaeger JSON holds µs: the original truncated as Jaeger stores it must
	// give exactly the critical paths read from v2.
	quantized := filepath.Join(dir, "original.us.jsonl")
	quantizeOTLP(t, original, 1000, quantized)
	if diff := cmp.Diff(critpath(quantized), critpath(v2...)); diff != "" {
		t.Errorf("%s: critical paths, original at µs vs v2 Jaeger JSON (-want +got):\n%s", name, diff)
	}
	return n
}

func keys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// startJaeger starts a Jaeger v2 with in-memory storage on free ports
// (skipping the test when there is no Jaeger or no config) and waits for
// its query API: it returns that API's base URL, its OTLP gRPC endpoint,
// and a channel closed if it exits.
func startJaeger(t *testing.T) (query, otlp string, exited <-chan struct{}) {
	t.Helper()
	bin := peerBinary(t, "TRACECTL_JAEGER", "jaeger", "../shared/peers/build-jaeger.sh bin/peers")
	config, err := filepath.Abs(envOr("TRACECTL_JAEGER_CONFIG", "../../../shared/peers/jaeger.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(config); err != nil {
		t.Skipf("no Jaeger config (set $TRACECTL_JAEGER_CONFIG): %v", err)
	}
	p := freePorts(t, 4)
	exited, _ = startPeer(t, bin, []string{
		"JAEGER_QUERY_PORT=" + strconv.Itoa(p[0]), "JAEGER_QUERY_GRPC_PORT=" + strconv.Itoa(p[1]),
		"JAEGER_OTLP_GRPC_PORT=" + strconv.Itoa(p[2]), "JAEGER_OTLP_HTTP_PORT=" + strconv.Itoa(p[3]),
		// Jaeger traces its own query API and exports that to localhost:4317,
		// which is not there: its shutdown would wait 10s for that flush.
		"OTEL_TRACES_SAMPLER=always_off",
	}, "--config", config)
	query = fmt.Sprintf("http://127.0.0.1:%d", p[0])
	otlp = fmt.Sprintf("127.0.0.1:%d", p[2])
	waitUntil(t, exited, time.Minute, "Jaeger's query API", func() bool {
		_, err := httpGet(query + "/api/services")
		return err == nil
	})
	return query, otlp, exited
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
