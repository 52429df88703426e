package emit

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
)

// TestReadableByTracectl: the shop's JSON lines decode with tracectl's own
// OTLP/JSON decoder into the same spans, and every trace rebuilds into one
// tree with no structural finding (no missing parent, no duplicate, one
// root).
func TestReadableByTracectl(t *testing.T) {
	var out bytes.Buffer
	cfg := shopConfig(&out, 10)
	cfg.ErrorRate = 0.3
	sum := runOK(t, cfg)

	var traces dag.Traces
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	sc.Buffer(nil, 64<<20)
	for line := 1; sc.Scan(); line++ {
		spans, err := ingest.DecodeJSONRequest(sc.Bytes())
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		traces.Add(spans)
	}
	if int64(traces.SpanCount()) != sum.Spans.Exported {
		t.Errorf("tracectl decoded %d spans, %d were exported", traces.SpanCount(), sum.Spans.Exported)
	}
	if traces.Len() != 10 {
		t.Errorf("%d traces, want 10", traces.Len())
	}
	for _, tr := range traces.List() {
		tree := dag.Build(tr)
		for _, f := range tree.Findings {
			t.Errorf("trace %s: %s %s: %s", f.TraceID, f.Severity, f.Rule, f.Message)
		}
	}
}
