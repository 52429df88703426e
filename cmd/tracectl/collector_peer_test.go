package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCollectorPeer proves tracectl against a real OpenTelemetry Collector:
// the demo goes in through its otlp receiver (`tracectl send`) and comes out
// through (a) the file exporter, format json and format proto, which
// tracectl must read back as the very trees it sent, every field of `tree -o
// json` equal; and (b) the zipkin exporter posting Zipkin v2 JSON to a sink
// in this test, whose bodies tracectl must read as the same span ids,
// parents, services, names and µs times (Zipkin has no INTERNAL kind, no
// status other than an error tag, and no links).
func TestCollectorPeer(t *testing.T) {
	bin := peerBinary(t, "TRACECTL_OTELCOL", "otelcol-mini", "../shared/peers/build-otelcol.sh bin/peers")
	began := time.Now()
	dir := t.TempDir()

	var mu sync.Mutex
	var posts []string
	if d := os.Getenv("KEEPDIR"); d != "" {
		dir = d
	}
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil || r.URL.Path != "/api/v2/spans" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		// Saved as posted: tracectl detects a gzip body from its content.
		f := filepath.Join(dir, fmt.Sprintf("zipkin-%03d.json", len(posts)))
		if err := os.WriteFile(f, b, 0o644); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		posts = append(posts, f)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer sink.Close()

	port := freePorts(t, 1)[0]
	jsonOut, protoOut := filepath.Join(dir, "traces.json"), filepath.Join(dir, "traces.pb")
	config := filepath.Join(dir, "otelcol.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(`receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
processors:
  batch:
    timeout: 200ms
exporters:
  file/json:
    path: %s
    format: json
  file/proto:
    path: %s
    format: proto
  zipkin:
    endpoint: %s/api/v2/spans
    format: json
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/json, file/proto, zipkin]
`, port, jsonOut, protoOut, sink.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	exited, _ := startPeer(t, bin, []string{"OTEL_TRACES_SAMPLER=always_off"}, "--config", config)
	endpoint := fmt.Sprintf("127.0.0.1:%d", port)
	waitUntil(t, exited, time.Minute, "the Collector's otlp receiver", func() bool {
		c, err := net.DialTimeout("tcp", endpoint, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	demoOut, _ := tracectl(t, "ls", "-o", "json", demoFile)
	demoSpans := 0
	for _, r := range lsTraces(t, demoOut) {
		demoSpans += r.Spans
	}
	tracectl(t, "send", "--endpoint", endpoint, demoFile)

	spansIn := func(files ...string) int {
		if len(files) == 0 {
			return 0
		}
		out, _, code := tryTracectl(append([]string{"ls", "-o", "json"}, files...)...)
		if code != 0 {
			return 0
		}
		n := 0
		for _, r := range lsTraces(t, out) {
			n += r.Spans
		}
		return n
	}
	zipkinFiles := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), posts...)
	}
	waitUntil(t, exited, time.Minute, "the Collector to export every span", func() bool {
		return spansIn(jsonOut) == demoSpans && spansIn(protoOut) == demoSpans && spansIn(zipkinFiles()...) == demoSpans
	})

	treeByTrace := func(inputs ...string) map[string]string {
		m := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(treeOut(t, inputs...)), "\n") {
			var tr struct {
				TraceID string `json:"trace_id"`
			}
			if err := json.Unmarshal([]byte(line), &tr); err != nil {
				t.Fatal(err)
			}
			m[tr.TraceID] = line
		}
		return m
	}
	want := treeByTrace(demoFile)
	for _, file := range []string{jsonOut, protoOut} {
		if diff := cmp.Diff(want, treeByTrace(file)); diff != "" {
			t.Errorf("file exporter %s: tree -o json (-sent +read back):\n%s", filepath.Base(file), diff)
		}
	}

	// Zipkin: what the Collector's exporter writes with zipkin-go's
	// marshaller: names lowercased, the start and the duration each rounded
	// to the nearest µs (a duration under 1µs but above 0 becomes 1µs).
	zipkinWant := peerSpans(t, treeOut(t, demoFile), 1)
	for k, s := range zipkinWant {
		s.Name = strings.ToLower(s.Name)
		// Zipkin has no resource: its attributes travel as tags.
		ks := strings.Fields(s.AttributeKeys + " " + s.ResourceKeys)
		ks = slices.DeleteFunc(ks, func(k string) bool { return k == "service.name" })
		slices.Sort(ks)
		s.AttributeKeys, s.ResourceKeys = strings.Join(slices.Compact(ks), " "), "service.name"
		s.Start = (s.Start + 500) / 1000
		if s.Duration > 0 && s.Duration < 1000 {
			s.Duration = 1
		} else {
			s.Duration = (s.Duration + 500) / 1000
		}
		zipkinWant[k] = s
	}
	n := diffSpans(t, "zipkin exporter: spans (-sent +read back)", zipkinWant, peerSpans(t, treeOut(t, zipkinFiles()...), 1000))
	t.Logf("Collector %s: %d spans read back from file/json and file/proto (whole trees) and %d from %d Zipkin posts, in %s",
		bin, demoSpans, n, len(zipkinFiles()), time.Since(began).Round(time.Millisecond))
}

func treeOut(t *testing.T, inputs ...string) string {
	t.Helper()
	out, _ := tracectl(t, append([]string{"tree", "-o", "json"}, inputs...)...)
	return out
}
