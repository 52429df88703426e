package critpath

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

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

	run := func(by By, workers int) summaryResult {
		return resultOf(Summarize(trees, SummaryOptions{
			By: by, Rules: []Speedup{{Service: "b", Factor: 2}, {Service: "service-3", Factor: 4}},
			Folded: true, Workers: workers,
		}))
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

// summaryResult is what a Summary shows: the outputs built from it.
type summaryResult struct {
	Rows     []Row
	EndToEnd int64
	Latency  Percentiles
	WhatIf   WhatIfReport
	Folded   string
}

func resultOf(s *Summary) summaryResult {
	res := summaryResult{Rows: s.Attribution.Rows(), WhatIf: s.WhatIf.Report()}
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

// TestOrderedMatchesSummarizer checks that Ordered, on any number of
// workers, writes every trace's rendering in the order the traces were
// added and sums them up exactly as one Summarizer adding them in turn.
func TestOrderedMatchesSummarizer(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 11))
	var trees []*dag.Tree
	for k := range 1500 {
		trees = append(trees, build(randomTrace(r)...))
		if k%500 == 0 { // big ones: a run of a single trace
			trees = append(trees, build(benchTrace(r, uint64(k), 3000+k)...))
		}
	}
	opts := SummaryOptions{By: ByOperation, Rules: []Speedup{{Service: "b", Factor: 2}, {Service: "service-3", Factor: 4}}, Folded: true}
	// render shows what the k-th trace's analysis and its what-if say.
	render := func(b []byte, k int, a, retimed *Analysis) []byte {
		b = fmt.Appendf(b, "%d %s %d→%d", k, a.Tree.TraceID, a.Duration(), retimed.Duration())
		for _, p := range a.Paths {
			for _, s := range p.Segments {
				b = fmt.Appendf(b, " %d:%d-%d", s.Node, dag.Sub(s.End, s.Start), a.Critical[s.Node])
			}
		}
		return append(b, '\n')
	}
	sz := NewSummarizer(opts)
	var want []byte
	for k, tr := range trees {
		a, retimed := sz.Add(tr)
		want = render(want, k, a, retimed)
	}
	wantSum := resultOf(sz.Summary())
	for _, workers := range []int{1, 2, 3, 7} {
		opts.Workers = workers
		var got []byte
		writes := 0
		o := NewOrdered(opts, render, func(b []byte) error {
			got = append(got, b...)
			writes++
			return nil
		})
		for _, tr := range trees {
			if err := o.Add(tr); err != nil {
				t.Fatal(err)
			}
		}
		sum, err := o.Close()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%d workers: output (-one summarizer +ordered):\n%s", workers, diff)
		}
		if writes < 2 {
			t.Errorf("%d workers: %d writes: the traces were not split into runs", workers, writes)
		}
		if diff := cmp.Diff(wantSum, resultOf(sum)); diff != "" {
			t.Errorf("%d workers: summary (-one summarizer +ordered):\n%s", workers, diff)
		}
	}
}

// TestOrderedStopsOnWriteError checks that the first error of write stops
// the output and comes back from Add or Close.
func TestOrderedStopsOnWriteError(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	broken := errors.New("broken pipe")
	for _, workers := range []int{1, 2} {
		writes := 0
		o := NewOrdered(SummaryOptions{Workers: workers}, func(b []byte, _ int, _, _ *Analysis) []byte { return append(b, 'x') },
			func([]byte) error { writes++; return broken })
		var err error
		for range 3000 {
			if err = o.Add(build(benchTrace(r, 1, 40)...)); err != nil {
				break
			}
		}
		if _, cerr := o.Close(); err == nil {
			err = cerr
		}
		if !errors.Is(err, broken) || writes != 1 {
			t.Errorf("%d workers: got %v after %d writes, want %v after 1", workers, err, writes, broken)
		}
	}
}

// TestOrderedWritesSlowInputAtOnce checks that a trace added while the
// workers are idle is written without waiting for a run to fill: output
// keeps up with an input that completes traces slowly (--stream).
func TestOrderedWritesSlowInputAtOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	written := make(chan int, 10)
	o := NewOrdered(SummaryOptions{Workers: 2}, func(b []byte, k int, _, _ *Analysis) []byte { return strconv.AppendInt(b, int64(k), 10) },
		func(b []byte) error {
			k, _ := strconv.Atoi(string(b))
			written <- k
			return nil
		})
	for k := range 5 {
		if err := o.Add(build(randomTrace(r)...)); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-written:
			if got != k {
				t.Fatalf("wrote trace %d, want %d", got, k)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("trace %d not written while the input waits", k)
		}
	}
	if _, err := o.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSummarizeNoAttribution checks that leaving the attribution out
// changes nothing else the summary computes.
func TestSummarizeNoAttribution(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 11))
	var trees []*dag.Tree
	for range 200 {
		trees = append(trees, build(randomTrace(r)...))
	}
	opts := SummaryOptions{Rules: []Speedup{{Service: "b", Factor: 2}}, Folded: true, Workers: 2}
	want := Summarize(trees, opts)
	opts.NoAttribution = true
	got := Summarize(trees, opts)
	if got.Attribution != nil {
		t.Errorf("Attribution = %v, want nil", got.Attribution)
	}
	if diff := cmp.Diff(want.WhatIf.Report(), got.WhatIf.Report()); diff != "" {
		t.Errorf("what-if (-with attribution +without):\n%s", diff)
	}
	folded := func(f *Folded) (out []string) {
		f.Each(func(stack []Key, v int64) error {
			out = append(out, fmt.Sprint(stack, v))
			return nil
		})
		return out
	}
	if diff := cmp.Diff(folded(want.Folded), folded(got.Folded)); diff != "" {
		t.Errorf("folded stacks (-with attribution +without):\n%s", diff)
	}
}
