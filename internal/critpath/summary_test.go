package critpath

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// TestAnalyzerReuse checks that an Analyzer, and a WhatIf, reused over
// traces of every size and shape answer exactly as a fresh Analyze and
// Retime do.
func TestAnalyzerReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 2026))
	var z Analyzer
	w := WhatIf{Rules: []Speedup{{Service: "a", Factor: 3}, {Service: "c", Name: "op1", Operation: true, Factor: 0.5}}}
	for k := range 300 {
		tr := build(randomTrace(r)...)
		want := Analyze(tr)
		got := z.Analyze(tr)
		wantB, _ := want.Retime(w.Rules)
		gotB := w.Add(got)
		for _, c := range []struct {
			what      string
			want, got any
		}{
			{"paths", want.Paths, got.Paths},
			{"start", want.Start, got.Start},
			{"end", want.End, got.End},
			{"dropped", want.Dropped, got.Dropped},
			{"critical", want.Critical, got.Critical},
			{"self", want.Self, got.Self},
			{"re-timed paths", wantB.Paths, gotB.Paths},
			{"re-timed critical", wantB.Critical, gotB.Critical},
			{"re-timed self", wantB.Self, gotB.Self},
		} {
			if diff := cmp.Diff(c.want, c.got); diff != "" {
				t.Fatalf("trace %d: %s (-fresh +reused):\n%s", k, c.what, diff)
			}
		}
	}
}

// TestSummarizeWorkers checks that the summary does not depend on how many
// workers share the traces.
func TestSummarizeWorkers(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	var trees []*dag.Tree
	for range 400 {
		trees = append(trees, build(randomTrace(r)...))
	}
	for t := range 3 { // a few big ones, so the cuts fall unevenly
		trees = append(trees, build(benchTrace(r, uint64(t), 3000+t*2000)...))
	}
	r.Shuffle(len(trees), func(i, j int) { trees[i], trees[j] = trees[j], trees[i] })

	type result struct {
		Rows     []Row
		EndToEnd int64
		Latency  Percentiles
		WhatIf   WhatIfReport
		Folded   string
	}
	run := func(by By, workers int) result {
		s := Summarize(trees, SummaryOptions{
			By: by, Rules: []Speedup{{Service: "b", Factor: 2}, {Service: "service-3", Factor: 4}},
			Folded: true, Workers: workers,
		})
		res := result{Rows: s.Attribution.Rows(), WhatIf: s.WhatIf.Report()}
		res.EndToEnd, res.Latency = s.Attribution.EndToEnd()
		var b strings.Builder
		s.Folded.Each(func(stack []Key, v int64) error {
			for _, k := range stack {
				b.WriteString(k.String() + ";")
			}
			b.WriteString(" " + strconv.FormatInt(v, 10) + "\n")
			return nil
		})
		res.Folded = b.String()
		return res
	}
	for _, by := range []By{ByOperation, ByService} {
		want := run(by, 1)
		if want.Rows[0].Spans == 0 || want.WhatIf.Traces != len(trees) {
			t.Fatalf("by %d: empty summary: %+v", by, want.Rows[0])
		}
		for _, w := range []int{2, 3, 7} {
			if diff := cmp.Diff(want, run(by, w)); diff != "" {
				t.Errorf("by %d, %d workers (-1 worker +got):\n%s", by, w, diff)
			}
		}
	}
}
