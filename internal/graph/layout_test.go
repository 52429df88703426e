package graph

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
)

// edgesGraph builds a graph with one call per listed edge "a>b".
func edgesGraph(edges ...string) *Graph {
	var trees []*dag.Tree
	for i, e := range edges {
		from, to, _ := strings.Cut(e, ">")
		trees = append(trees, trace(byte(i+1), span{n: 1, svc: from, end: 10}, span{n: 2, p: 1, svc: to, start: 1, end: 9}))
	}
	return Build(trees)
}

func rankOf(l *layout, g *Graph, service string) int {
	for i := range g.Nodes {
		if g.Nodes[i].Service == service {
			return l.nodes[i].rank
		}
	}
	return -1
}

func TestLayoutRanks(t *testing.T) {
	// A diamond with a long edge, and a cycle b → c → d → b: ranks are
	// longest paths from the root once the edge closing the cycle is
	// reversed.
	g := edgesGraph("a>b", "b>c", "c>d", "d>b", "a>d", "a>e", "e>f", "f>g", "a>g")
	l := newLayout(g, nodeWidth, labelWidth)
	want := map[string]int{"a": 0, "b": 1, "c": 2, "d": 3, "e": 1, "f": 2, "g": 3}
	for svc, r := range want {
		if got := rankOf(l, g, svc); got != r {
			t.Errorf("rank(%s) = %d, want %d", svc, got, r)
		}
	}
	// a → g and a → d span three ranks: two dummies each; d → b, drawn
	// along b → d, spans two: one.
	dummies := 0
	for _, n := range l.nodes {
		if n.svc < 0 {
			dummies++
		}
	}
	if dummies != 5 {
		t.Errorf("%d dummies, want 5", dummies)
	}
}

// bruteCrossings counts crossing segment pairs between adjacent columns
// pair by pair.
func bruteCrossings(l *layout, pos []int) int {
	total := 0
	for r := 0; r+1 < len(l.cols); r++ {
		var segs [][2]int
		for _, u := range l.cols[r] {
			for _, v := range l.nodes[u].succ {
				segs = append(segs, [2]int{pos[u], pos[v]})
			}
		}
		for i := range segs {
			for j := i + 1; j < len(segs); j++ {
				a, b := segs[i], segs[j]
				if (a[0] < b[0] && a[1] > b[1]) || (a[0] > b[0] && a[1] < b[1]) {
					total++
				}
			}
		}
	}
	return total
}

func TestCrossings(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    *Graph
	}{
		{"shop", Build(shop())},
		{"chain", chain()},
		{"random", func() *Graph { trees, _ := randomTraces(60, 30, 25); return Build(trees) }()},
	} {
		l := newLayout(tc.g, nodeWidth, labelWidth)
		pos := make([]int, len(l.nodes))
		// The laid-out order, then every column reversed.
		for pass := range 2 {
			for _, col := range l.cols {
				for k, v := range col {
					pos[v] = k
					if pass == 1 {
						pos[v] = len(col) - 1 - k
					}
				}
			}
			if got, want := l.crossings(pos), bruteCrossings(l, pos); got != want {
				t.Errorf("%s pass %d: crossings = %d, want %d", tc.name, pass, got, want)
			}
		}
	}
}

func TestLayoutNoOverlap(t *testing.T) {
	trees, _ := randomTraces(200, 30, 40)
	for _, g := range []*Graph{Build(trees), hostileGraph(), Build(shop())} {
		l := newLayout(g, nodeWidth, labelWidth)
		for r, col := range l.cols {
			for k := 1; k < len(col); k++ {
				a, b := &l.nodes[col[k-1]], &l.nodes[col[k]]
				if b.y-a.y < l.sep(col[k-1], col[k]) {
					t.Errorf("column %d: nodes %d and %d overlap (y %d, %d)", r, col[k-1], col[k], a.y, b.y)
				}
			}
		}
		for i := range l.nodes {
			n := &l.nodes[i]
			if n.x-n.w/2 < 0 || n.x+n.w/2 > l.width || n.y-n.h/2 < 0 || n.y+n.h/2 > l.height {
				t.Errorf("node %d at (%d,%d) %dx%d is outside the %dx%d drawing", i, n.x, n.y, n.w, n.h, l.width, l.height)
			}
		}
	}
}

func TestSVGDeterministic(t *testing.T) {
	trees, _ := randomTraces(100, 30, 30)
	var a, b bytes.Buffer
	if err := Build(trees).SVG(&a); err != nil {
		t.Fatal(err)
	}
	// Trees in another order give the same graph and the same drawing.
	for i, j := 0, len(trees)-1; i < j; i, j = i+1, j-1 {
		trees[i], trees[j] = trees[j], trees[i]
	}
	if err := Build(trees).SVG(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same traces in another order drew another SVG")
	}
}

func TestSVGMostCalledEdges(t *testing.T) {
	// 20 callers × 20 callees = 400 edges, more than maxDrawnEdges; caller
	// c00 calls everything 3 times, so its edges are among those drawn.
	var edges []string
	for i := range 20 {
		for j := range 20 {
			e := fmt.Sprintf("c%02d>s%02d", i, j)
			edges = append(edges, e)
			if i == 0 {
				edges = append(edges, e, e)
			}
		}
	}
	var trees []*dag.Tree
	for i, e := range edges {
		from, to, _ := strings.Cut(e, ">")
		trees = append(trees, trace(byte(i), span{n: 1, svc: from, end: 10}, span{n: 2, p: 1, svc: to, start: 1, end: 9}))
	}
	g := Build(trees)
	var buf bytes.Buffer
	if err := g.SVG(&buf); err != nil {
		t.Fatal(err)
	}
	text, _ := svgText(t, buf.Bytes())
	all := strings.Join(text, "\n")
	if !strings.Contains(all, "showing the 300 most called of 400 edges") {
		t.Error("no note that edges were left out")
	}
	if got := strings.Count(buf.String(), `<g class="edge-label"`); got != maxDrawnEdges {
		t.Errorf("%d edges drawn, want %d", got, maxDrawnEdges)
	}
	if !strings.Contains(buf.String(), `data-from="c00" data-to="s19"`) {
		t.Error("a most called edge (c00 → s19) is not drawn")
	}
	if got := strings.Count(buf.String(), `<g class="node"`); got != len(g.Nodes) {
		t.Errorf("%d services drawn, want all %d", got, len(g.Nodes))
	}
}
