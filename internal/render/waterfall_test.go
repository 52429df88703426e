package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// The explorer's waterfall is `tracectl tree`: drawn whole it is the
// tree's output, and any window of it is the same lines.
func TestWaterfallIsTree(t *testing.T) {
	for _, color := range []bool{false, true} {
		tr := buildTree(shopTrace())
		opt := TreeOptions{Width: 90, MaxDepth: -1, Fold: true, Critical: make([]bool, len(tr.Nodes))}
		opt.Critical[0] = true
		var tree bytes.Buffer
		st := NewStyles(&tree, color)
		if err := Tree(&tree, st, tr, opt); err != nil {
			t.Fatal(err)
		}
		wf := NewWaterfall(tr, opt)
		var head, body bytes.Buffer
		if err := wf.Header(&head, st); err != nil {
			t.Fatal(err)
		}
		if err := wf.Draw(&body, st, 0, wf.Len()); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tree.String(), head.String()+body.String()); diff != "" {
			t.Errorf("color=%v: waterfall differs from tree (-tree +waterfall):\n%s", color, diff)
		}
		lines := strings.SplitAfter(body.String(), "\n")
		for from := 0; from < wf.Len(); from++ {
			var win bytes.Buffer
			wf.Draw(&win, st, from, from+3)
			want := strings.Join(lines[from:min(from+3, wf.Len())], "")
			if diff := cmp.Diff(want, win.String()); diff != "" {
				t.Errorf("color=%v: window from line %d (-want +got):\n%s", color, from, diff)
			}
		}
	}
}

func TestWaterfallCollapsedUnfolded(t *testing.T) {
	tr := buildTree(shopTrace())
	lineNames := func(opt TreeOptions) []string {
		wf := NewWaterfall(tr, opt)
		var names []string
		for k := 0; k < wf.Len(); k++ {
			n, parent := wf.Line(k)
			if n == dag.None {
				names = append(names, "fold of "+tr.Nodes[parent].Span.Name())
				continue
			}
			names = append(names, tr.Nodes[n].Span.Name())
		}
		return names
	}
	base := TreeOptions{Width: 90, MaxDepth: -1, Fold: true}
	if diff := cmp.Diff([]string{"GET /checkout", "GET /cart", "GET /cart", "SELECT items", "fold of GET /cart", "charge"}, lineNames(base)); diff != "" {
		t.Errorf("folded (-want +got):\n%s", diff)
	}
	opt := base
	opt.Unfolded = make([]bool, len(tr.Nodes))
	opt.Unfolded[2] = true // the cart server span: its SELECTs one by one
	if got := len(lineNames(opt)); got != 10 {
		t.Errorf("unfolded: %d lines, want 10: %v", got, lineNames(opt))
	}
	opt = base
	opt.Collapsed = make([]bool, len(tr.Nodes))
	opt.Collapsed[1] = true // the cart call
	if diff := cmp.Diff([]string{"GET /checkout", "GET /cart", "charge"}, lineNames(opt)); diff != "" {
		t.Errorf("collapsed (-want +got):\n%s", diff)
	}
	var b bytes.Buffer
	wf := NewWaterfall(tr, opt)
	wf.Draw(&b, NewStyles(&b, false), 1, 2)
	if !strings.Contains(b.String(), "(+7") {
		t.Errorf("a collapsed subtree says how much it hides; got %q", b.String())
	}
}

// The explorer keeps the bar on a narrow screen and cuts the names, which
// its detail pane shows whole.
func TestWaterfallKeepBar(t *testing.T) {
	spans := shopTrace()
	spans[2].Name = "GET /cart/{user}/items/with/a/rather/long/route/name"
	tr := buildTree(spans)
	for _, keep := range []bool{false, true} {
		wf := NewWaterfall(tr, TreeOptions{Width: 60, MaxDepth: -1, Fold: true, KeepBar: keep})
		var b bytes.Buffer
		wf.Draw(&b, NewStyles(&b, false), 0, wf.Len())
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		bars := 0
		for _, l := range lines {
			if cells(l) > 59 {
				t.Errorf("keep=%v: line wider than 59 cells: %q", keep, l)
			}
			if strings.Contains(l, "█") {
				bars++
			}
		}
		if keep && bars != len(lines)-1 { // every span but the fold line
			t.Errorf("KeepBar: %d of %d lines have a bar:\n%s", bars, len(lines), b.String())
		}
		if !keep && bars != 0 {
			t.Errorf("without KeepBar the long name wins over the bar at 60 columns:\n%s", b.String())
		}
	}
}
