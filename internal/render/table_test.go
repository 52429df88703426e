package render

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// lsSummaries returns n trace summaries alike the demo's.
func lsSummaries(n int) []dag.Summary {
	sums := make([]dag.Summary, n)
	services := []string{"frontend", "cart", "checkout", "payment"}
	for i := range sums {
		s := &sums[i]
		s.TraceID[0], s.TraceID[1], s.TraceID[2] = byte(i>>16), byte(i>>8), byte(i)
		s.RootService, s.RootName = "frontend", fmt.Sprintf("POST /api/checkout/%d", i%97)
		s.Spans, s.Services, s.Errors = 10+i%31, services[:1+i%4], i%3
		s.Start = 1_764_000_000_000_000_000 + uint64(i)*1_000_000
		s.End = s.Start + uint64(i%1000)*1_000_000
	}
	return sums
}

// BenchmarkLs100k draws `tracectl ls` for 100,000 traces, piped (no colour,
// no width limit): the cost per row of the table.
func BenchmarkLs100k(b *testing.B) {
	sums := lsSummaries(100_000)
	st := NewStyles(io.Discard, false)
	b.ReportAllocs()
	for b.Loop() {
		if err := Ls(io.Discard, st, sums); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(sums)), "ns/row")
}

func TestTable(t *testing.T) {
	var b strings.Builder
	cols := []Col{{Name: "service"}, {Name: "spans", Right: true}}
	err := Table(&b, NewStyles(nil, false), cols, [][]string{{"frontend", "12"}, {"payment", "3"}}, []string{"total", "15"})
	if err != nil {
		t.Fatal(err)
	}
	want := "" +
		" SERVICE   SPANS \n" +
		"─────────────────\n" +
		" frontend     12 \n" +
		" payment       3 \n" +
		"─────────────────\n" +
		" total        15 \n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestTableFit checks the order columns give way in: cut columns to a
// readable length, then the droppable ones by rank (cut columns growing
// back), then cut columns to their shortest; ids are never cut.
func TestTableFit(t *testing.T) {
	cols := []Col{
		{Name: "id"}, {Name: "name", Cut: true}, {Name: "n", Right: true, Drop: 2}, {Name: "extra", Drop: 1}, {Name: "dur", Right: true},
	}
	rows := [][]string{
		{"4006411d5a216d0de781ab03f10e636f", "frontend POST /api/checkout/confirm", "31", "something else", "543ms"},
		{"b723deed9398d9848e85bb3c47c6aafd", "cart GET", "5", "x", "1.20ms"},
	}
	for _, tc := range []struct {
		width int
		want  []string
	}{
		{0, []string{
			" ID                                NAME                                  N  EXTRA              DUR ",
			" 4006411d5a216d0de781ab03f10e636f  frontend POST /api/checkout/confirm  31  something else   543ms ",
		}},
		{80, []string{ // name cut to a readable length: not enough; extra goes, name grows back
			" ID                                NAME                               N     DUR ",
			" 4006411d5a216d0de781ab03f10e636f  frontend POST /api/ch…ut/confirm  31   543ms ",
		}},
		{70, []string{
			" ID                                NAME                     N     DUR ",
			" 4006411d5a216d0de781ab03f10e636f  frontend POST …confirm  31   543ms ",
		}},
		{60, []string{ // n goes too, then name shrinks below readable
			" ID                                NAME                 DUR ",
			" 4006411d5a216d0de781ab03f10e636f  frontend P…nfirm   543ms ",
		}},
		{20, []string{ // ids and numbers are never cut
			" ID                                NAME         DUR ",
			" 4006411d5a216d0de781ab03f10e636f  front…rm   543ms ",
		}},
	} {
		var b strings.Builder
		st := NewStyles(nil, false)
		st.Width = tc.width
		if err := Table(&b, st, cols, rows, nil); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(b.String(), "\n")
		got := []string{lines[0], lines[2]}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("width %d (-want +got):\n%s", tc.width, diff)
		}
		if tc.width >= 60 {
			for _, l := range lines {
				if n := cells(l); n > tc.width {
					t.Errorf("width %d: line %q is %d cells", tc.width, l, n)
				}
			}
		}
	}
}

// TestTableCutStyled cuts a coloured cell keeping its escape codes whole.
func TestTableCutStyled(t *testing.T) {
	st := NewStyles(nil, true)
	cell := st.Service("frontend") + " POST /api/checkout/confirm"
	got := cutStyled(cell, visibleCells(cell), 16)
	if w := visibleCells(got); w != 16 {
		t.Errorf("cut to %d cells, want 16: %q", w, got)
	}
	if plain := ansi.Strip(got); plain != "frontend P…nfirm" {
		t.Errorf("cut text = %q", plain)
	}
	if !strings.HasPrefix(got, "\x1b[") || strings.Count(got, "\x1b[") < 2 {
		t.Errorf("styles lost: %q", got)
	}
}

// TestTableFooterSpill: a footer label wider than its fitted column runs
// on over the empty footer cells after it instead of being cut.
func TestTableFooterSpill(t *testing.T) {
	cols := []Col{{Name: "operation", Cut: true}, {Name: "spans", Right: true}, {Name: "self", Right: true}}
	rows := [][]string{{"payment/shop.payment.v1.PaymentService/Charge", "89", "2.57s"}}
	st := NewStyles(nil, false)
	st.Width = 40
	var b strings.Builder
	if err := Table(&b, st, cols, rows, []string{"end to end, 90 traces (top 5)", "", "4.40s"}); err != nil {
		t.Fatal(err)
	}
	want := "" +
		" OPERATION                 SPANS   SELF \n" +
		"────────────────────────────────────────\n" +
		" payment/shop.pay…/Charge     89  2.57s \n" +
		"────────────────────────────────────────\n" +
		" end to end, 90 traces (top 5)    4.40s \n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
