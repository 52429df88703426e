package main

import (
	"testing"

	"github.com/google/pprof/profile"
)

func sample(funcs ...[2]string) *profile.Sample {
	s := &profile.Sample{Value: []int64{1}}
	for _, f := range funcs { // innermost first, as in a profile
		s.Location = append(s.Location, &profile.Location{Line: []profile.Line{{Function: &profile.Function{Name: f[0], Filename: f[1]}}}})
	}
	return s
}

// TestStageOf: a sample belongs to GC wherever the collector runs, to I/O
// inside a read or write call, else to the innermost frame of tracectl's
// own code.
func TestStageOf(t *testing.T) {
	const m = module + "internal/"
	tests := []struct {
		sample *profile.Sample
		want   string
	}{
		{sample([2]string{"runtime.memmove", ""}, [2]string{m + "ingest.(*protoDecoder).span", "/x/internal/ingest/proto.go"}), "decode"},
		{sample([2]string{"runtime.scanobject", ""}, [2]string{"runtime.gcDrain", ""}, [2]string{"runtime.gcBgMarkWorker", ""}), "GC"},
		{sample([2]string{"runtime.gcAssistAlloc", ""}, [2]string{"runtime.mallocgc", ""}, [2]string{m + "ingest.Decode", "/x/internal/ingest/read.go"}), "GC"},
		{sample([2]string{"syscall.read", ""}, [2]string{"os.(*File).Read", ""}, [2]string{m + "ingest.Decode", "/x/internal/ingest/read.go"}), "read"},
		{sample([2]string{"syscall.write", ""}, [2]string{m + "render.Table", "/x/internal/render/table.go"}), "write"},
		{sample([2]string{m + "dag.FormatDuration", "/x/internal/dag/format.go"}, [2]string{m + "render.Attrib", "/x/internal/render/attrib.go"}), "rendering"},
		{sample([2]string{m + "dag.(*builder).layOut", "/x/internal/dag/build.go"}), "tree building"},
		{sample([2]string{m + "dag.Check", "/x/internal/dag/check.go"}), "analysis"},
		{sample([2]string{m + "critpath.(*Attribution).Add", "/x/internal/critpath/attrib.go"}), "analysis"},
		{sample([2]string{"slices.SortFunc", ""}, [2]string{module + "cmd/tracectl.sortByStart", "/x/cmd/tracectl/input.go"}), "wiring (cmd)"},
		{sample([2]string{m + "dag.(*Packer).Add", "/x/internal/dag/store.go"}, [2]string{m + "ingest.(*protoDecoder).span", "/x/internal/ingest/proto.go"}), "decode"},
		{sample([2]string{m + "dag.(*Span).Name", "/x/internal/dag/span.go"}, [2]string{m + "critpath.(*Attribution).Add", "/x/internal/critpath/attrib.go"}), "analysis"},
		{sample([2]string{"runtime.futex", ""}, [2]string{"runtime.schedule", ""}), "runtime"},
	}
	for _, tc := range tests {
		if got := stageOf(tc.sample); got != tc.want {
			t.Errorf("%s: stage %q, want %q", tc.sample.Location[0].Line[0].Function.Name, got, tc.want)
		}
	}
}
