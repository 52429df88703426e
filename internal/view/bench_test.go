package view

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/tracectl/tracectl/internal/dag"
)

// bigTrace is a trace of n spans: a root with fan-outs of alike calls,
// each with a few children, as a batch job's trace looks.
func bigTrace(n int) *dag.Tree {
	spans := make([]dag.SpanData, 0, n)
	tid := dag.TraceID{0xbe, 15: 1}
	id := func(k int) dag.SpanID { return dag.SpanID{byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k), 7: 1} }
	spans = append(spans, dag.SpanData{TraceID: tid, SpanID: id(0), Resource: frontend, Name: "batch", Kind: dag.KindServer,
		Start: uint64(epoch), End: uint64(epoch + int64(n)*ms)})
	for k := 1; len(spans) < n; k++ {
		parent := id(0)
		name := "call"
		if k%4 != 1 { // three children under each call
			parent = id(k - (k-1)%4)
			name = "query"
		}
		spans = append(spans, dag.SpanData{TraceID: tid, SpanID: id(k), ParentSpanID: parent, Resource: cart, Name: name,
			Start: uint64(epoch + int64(k)*ms), End: uint64(epoch + int64(k+3)*ms)})
	}
	return build(spans)
}

// BenchmarkOpenTrace is enter on a 100,000-span trace: the critical path,
// the layout, and the first screen.
func BenchmarkOpenTrace(b *testing.B) {
	tr := bigTrace(100_000)
	m := New([]*dag.Tree{tr}, Options{})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	b.ReportAllocs()
	for b.Loop() {
		m.Update(tea.KeyMsg{Type: tea.KeyEnter})
		m.View()
		m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	}
	b.ReportMetric(float64(b.N)*100_000/b.Elapsed().Seconds(), "spans/s")
}

// BenchmarkMoveInTrace is one cursor step and redraw deep in a
// 100,000-span trace: the cost of a key press.
func BenchmarkMoveInTrace(b *testing.B) {
	m := New([]*dag.Tree{bigTrace(100_000)}, Options{})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("L")}) // everything unfolded
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("G")})
	b.ReportAllocs()
	for k := 0; b.Loop(); k++ {
		dir := tea.KeyUp
		if k%2 == 1 {
			dir = tea.KeyDown
		}
		m.Update(tea.KeyMsg{Type: dir})
		m.View()
	}
}

// BenchmarkFoldInTrace is enter (fold/unfold) on a 100,000-span trace: a
// new layout each time.
func BenchmarkFoldInTrace(b *testing.B) {
	m := New([]*dag.Tree{bigTrace(100_000)}, Options{})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	m.Update(tea.KeyMsg{Type: tea.KeyDown})
	b.ReportAllocs()
	for b.Loop() {
		m.Update(tea.KeyMsg{Type: tea.KeyEnter})
		m.View()
	}
}
