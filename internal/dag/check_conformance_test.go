package dag_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/testenv"
)

// TestCheckConformance checks traces that real tools wrote (telemetrygen
// through the OTel Go SDK, and a Collector's file exporter): they are well
// formed, so the only finding is the spec example's deliberate orphan.
func TestCheckConformance(t *testing.T) {
	testenv.MustHaveConformance(t)
	tests := []struct {
		file   string
		traces int
		want   []string
	}{
		{file: "telemetrygen/traces.jsonl", traces: 20},
		{file: "telemetrygen/traces.pb", traces: 20},
		{file: "otelcol-fileexporter/traces.json", traces: 40},
		{file: "otelcol-fileexporter/traces.pb", traces: 40},
		{file: "otelcol-fileexporter/traces-zstd.json", traces: 40},
		{file: "otelcol-fileexporter/traces-zstd.pb", traces: 40},
		{
			file:   "otlp-proto-examples/trace.json",
			traces: 1,
			want:   []string{"missing_parent warning eee19b7ec3c1b174"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var ts dag.Traces
			err := ingest.ReadFiles([]string{testenv.ConformanceFile(t, tt.file)}, nil, ingest.Options{}, func(batch []dag.Span) error {
				ts.Add(batch)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if ts.Len() != tt.traces {
				t.Errorf("%d traces, want %d", ts.Len(), tt.traces)
			}
			var got []string
			var est dag.SkewEstimator
			for _, trace := range ts.List() {
				tr := dag.Build(trace)
				for _, f := range dag.Check(tr, dag.CheckOptions{Skew: &est}) {
					got = append(got, fmt.Sprintf("%s %s %s", f.Rule, f.Severity, f.SpanID))
				}
				if shifts := dag.AdjustSkew(tr); shifts != nil {
					t.Errorf("trace %s: AdjustSkew moved %+v", tr.TraceID, shifts)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if p := est.Pairs(); len(p) != 0 {
				t.Errorf("skew pairs %+v, want none", p)
			}
		})
	}
}
