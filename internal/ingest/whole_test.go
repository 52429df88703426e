package ingest

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/testenv"
)

// wholeBatches reads in with Options.WholeTraces set and describes each
// batch as "whole:N" or "part:N" (N spans).
func wholeBatches(t *testing.T, inputs []string, stdin string) []string {
	t.Helper()
	var got []string
	opts := Options{WholeTraces: func(b []dag.Span) error {
		got = append(got, "whole:"+strconv.Itoa(len(b)))
		return nil
	}}
	err := ReadFiles(inputs, strings.NewReader(stdin), opts, func(b []dag.Span) error {
		got = append(got, "part:"+strconv.Itoa(len(b)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestWholeTraces checks which envelopes tell the reader their traces are
// whole (for --stream): the answers backends give for whole traces, never
// a plain OTLP request or a flat Zipkin span list.
func TestWholeTraces(t *testing.T) {
	const otlpSpan = `{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"a","startTimeUnixNano":"1","endTimeUnixNano":"2"}`
	const rs = `{"resourceSpans":[{"scopeSpans":[{"spans":[` + otlpSpan + `]}]}]}`
	const jaegerTrace = `{"traceID":"1","spans":[{"traceID":"1","spanID":"2","operationName":"a","startTime":1,"duration":1,"processID":"p1"}],"processes":{"p1":{"serviceName":"s"}}}`
	const zipkinSpan = `{"traceId":"1","id":"2","name":"a","timestamp":1,"duration":1}`
	tests := []struct {
		name, in string
		want     []string
	}{
		{"OTLP request lines are not whole", rs + "\n" + rs + "\n", []string{"part:1", "part:1"}},
		{"Jaeger v3 result", `{"result":` + rs + `}`, []string{"whole:1"}},
		{"Tempo trace by id", `{"trace":` + rs + `}`, []string{"whole:1"}},
		{"Tempo batches", `{"batches":[{"scopeSpans":[{"spans":[` + otlpSpan + `]}]}]}`, []string{"whole:1"}},
		{"Jaeger data", `{"data":[` + jaegerTrace + `,` + jaegerTrace + `]}`, []string{"whole:2"}},
		{"bare Jaeger trace", jaegerTrace, []string{"whole:1"}},
		{"Zipkin array of traces", `[[` + zipkinSpan + `],[` + zipkinSpan + `]]`, []string{"whole:2"}},
		{"flat Zipkin span list", `[` + zipkinSpan + `]`, []string{"part:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, wholeBatches(t, []string{"-"}, tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestWholeTracesConformance reads real backend answers and dumps.
func TestWholeTracesConformance(t *testing.T) {
	dir := testenv.MustHaveConformance(t)
	for _, tt := range []struct {
		file  string
		whole bool
	}{
		{"jaeger-ui/oltp2jaeger-multi-out.json", true},
		{"jaeger/GetTrace.json", true},
		{"jaeger-ui/otlp2jaeger-in.json", false},
		{"otel-spec-file-exporter/file-exporter-traces.jsonl", false},
		{"otelcol-fileexporter/traces.pb", false},
	} {
		got := wholeBatches(t, []string{filepath.Join(dir, tt.file)}, "")
		if len(got) == 0 {
			t.Fatalf("%s: no batches", tt.file)
		}
		for _, b := range got {
			if strings.HasPrefix(b, "whole:") != tt.whole {
				t.Errorf("%s: batches %v, want whole=%v", tt.file, got, tt.whole)
				break
			}
		}
	}
}
