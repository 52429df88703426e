package render

import (
	"bufio"
	"io"

	"github.com/charmbracelet/lipgloss"

	"github.com/tracectl/tracectl/internal/dag"
)

// Waterfall is one trace's tree as `tracectl tree` lays it out — guides,
// folds of alike siblings, bars, the critical path — planned once and then
// drawn a window of lines at a time, for the interactive explorer
// (internal/view), which redraws only what fits on the screen.
type Waterfall struct {
	tw *treeWriter
}

// NewWaterfall lays out tr with opt (opt.Collapsed and opt.Unfolded carry
// the explorer's state). Laying out is linear in the spans.
func NewWaterfall(tr *dag.Tree, opt TreeOptions) *Waterfall {
	wf := &Waterfall{tw: newTreeWriter(tr, opt)}
	wf.tw.layout()
	return wf
}

// Len returns the number of lines.
func (wf *Waterfall) Len() int { return len(wf.tw.lines) }

// Line tells what line k shows: a node (an index into Tree.Nodes), or, when
// node is dag.None, the summary of a folded run of alike children of
// parent.
func (wf *Waterfall) Line(k int) (node, parent int32) {
	l := wf.tw.lines[k]
	if l.node == dag.None {
		return dag.None, wf.tw.folds[l.fold].parent
	}
	return l.node, dag.None
}

// Header writes the trace's two header lines as `tracectl tree` does: its
// id and root, then its spans, services and duration.
func (wf *Waterfall) Header(w io.Writer, st *Styles) error {
	return wf.draw(w, st, func(tw *treeWriter) { tw.header() })
}

// Draw writes lines [from, to), each ending in a newline, with st (the
// explorer draws the selected line with plain styles, to highlight it).
func (wf *Waterfall) Draw(w io.Writer, st *Styles, from, to int) error {
	from, to = max(0, from), min(to, wf.Len())
	if from >= to {
		return nil
	}
	return wf.draw(w, st, func(tw *treeWriter) { tw.bodyLines(from, to) })
}

func (wf *Waterfall) draw(w io.Writer, st *Styles, fn func(*treeWriter)) error {
	tw := wf.tw
	bw := bufio.NewWriter(w)
	tw.w, tw.st, tw.err = bw, st, nil
	fn(tw)
	tw.w, tw.st = nil, nil
	if err := bw.Flush(); err != nil {
		return err
	}
	return tw.err
}

// Selected renders text as the selected row of a list: in reverse video
// when colour is on, as is otherwise (the explorer also marks the row with
// a cursor, which shows without colour).
func (st *Styles) Selected(text string) string {
	if !st.color {
		return text
	}
	return st.r.NewStyle().Reverse(true).Render(text)
}

// isSet reads a per-node flag of TreeOptions (false when the slice is nil).
func isSet(flags []bool, i int32) bool { return flags != nil && i >= 0 && flags[i] }

// Renderer returns the lipgloss renderer behind the styles, set to their
// colour profile, for components (the explorer's prompt and help) that
// style text themselves.
func (st *Styles) Renderer() *lipgloss.Renderer { return st.r }

// RootLabel names a trace's root as `tracectl ls` does: its service
// (coloured) and name, or the placeholder for an absent root; escaped.
func RootLabel(st *Styles, s *dag.Summary) string { return rootLabel(st, *s, false) }
