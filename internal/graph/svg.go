package graph

import (
	"bufio"
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rivo/uniseg"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
)

// Drawing constants: a monospace font, so text widths are known without
// font metrics (0.6 em a cell, rounded up).
const (
	fontFamily   = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
	nameSize     = 12 // px, service names
	statSize     = 11 // px, node statistics and edge labels
	nodePadX     = 10
	maxNameCells = 32
	portSpacing  = 8 // between the ends of edges on one side of a box
	labelH       = statSize + 5
	colorEdge    = "#6b7280"
	colorError   = "#d62728"
	colorText    = "#111827"
	colorFaint   = "#4b5563"
	colorFill    = "#f3f4f6"
	colorVirtual = "#ffffff"
)

// textWidth is the width in px of text of the given cells at size px.
func textWidth(cells, size int) int { return (cells*size*6 + 9) / 10 }

// displayName is a service name as drawings show it: control characters
// escaped (termstr), cut to maxNameCells with an ellipsis.
func displayName(s string) string {
	s = termstr.Escape(s)
	if uniseg.StringWidth(s) <= maxNameCells {
		return s
	}
	var b strings.Builder
	w := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		if w+g.Width() > maxNameCells-1 {
			break
		}
		w += g.Width()
		b.WriteString(g.Str())
	}
	return b.String() + "…"
}

// nodeStats is the second line of a service's box.
func nodeStats(n *Node) string {
	if n.Virtual {
		return "not traced"
	}
	s := dag.Plural(n.Spans, "span")
	if n.Errors > 0 {
		s += fmt.Sprintf(" · %d err", n.Errors)
	}
	return s
}

// edgeLabel is the label an edge is drawn with: calls, errors when any,
// p99 latency.
func edgeLabel(e *Edge) string {
	s := dag.Plural(e.Calls, "call")
	if e.Errors > 0 {
		s += fmt.Sprintf(" · %d err", e.Errors)
	}
	return s + " · p99 " + dag.FormatDuration(e.P99)
}

// edgeTitle describes an edge in full, for tooltips.
func edgeTitle(e *Edge) string {
	kind := ""
	if e.Async {
		kind = " (async)"
	}
	return fmt.Sprintf("%s → %s%s: %s, %s (%.1f%%), latency p50 %s p90 %s p99 %s, %d of them timed by the client span, in %s",
		termstr.Escape(e.From), termstr.Escape(e.To), kind, dag.Plural(e.Calls, "call"), dag.Plural(e.Errors, "error"),
		100*e.ErrorRate(), dag.FormatDuration(e.P50), dag.FormatDuration(e.P90), dag.FormatDuration(e.P99),
		e.ClientTimed, dag.Plural(e.Traces, "trace"))
}

func nodeTitle(n *Node) string {
	if n.Virtual {
		return fmt.Sprintf("%s: not traced (a peer named by its callers' spans), called in %s", termstr.Escape(n.Service), dag.Plural(n.Traces, "trace"))
	}
	return fmt.Sprintf("%s: %s, %s (%.1f%%), in %s", termstr.Escape(n.Service), dag.Plural(n.Spans, "span"),
		dag.Plural(n.Errors, "error"), 100*n.ErrorRate(), dag.Plural(n.Traces, "trace"))
}

func nodeWidth(n *Node) int {
	name := textWidth(uniseg.StringWidth(displayName(n.Service)), nameSize)
	stats := textWidth(uniseg.StringWidth(nodeStats(n)), statSize)
	return max(name, stats) + 2*nodePadX
}

func labelWidth(e *Edge) int { return textWidth(uniseg.StringWidth(edgeLabel(e)), statSize) }

// point is a position in the drawing.
type point struct{ x, y int }

// SVG draws the graph as a standalone SVG document (also valid inline in
// HTML): a layered layout, callers left of the services they call, one box
// per service with its spans and errors, one arrow per edge labelled with
// calls, errors and p99 latency. Async edges are dashed, edges with errors
// red, virtual services' boxes dashed; every box and arrow has a tooltip
// (<title>) with the full numbers, and class and data-* attributes
// (class "node"/"edge", data-service, data-from, data-to) a page can
// style or script. Text is escaped as every tracectl output escapes it.
func (g *Graph) SVG(w io.Writer) error {
	bw := bufio.NewWriter(w)
	d := g.drawn()
	l := newLayout(d, nodeWidth, labelWidth)
	paths := l.edgePaths(d) // may make room below for labels
	note := ""
	if len(d.Edges) < len(g.Edges) {
		note = fmt.Sprintf("showing the %d most called of %d edges (tracectl graph -o json lists every one)", len(d.Edges), len(g.Edges))
		l.height += labelH
	}
	width, height := max(l.width, 160), max(l.height, 48)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" class="tracectl-graph" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s" role="img">`+"\n",
		width, height, width, height, fontFamily)
	fmt.Fprintf(bw, "<title>service dependency graph: %s, %s</title>\n", dag.Plural(len(g.Nodes), "service"), dag.Plural(len(g.Edges), "edge"))
	fmt.Fprintf(bw, `<defs>`+
		`<marker id="tracectl-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`+
		`<marker id="tracectl-arrow-error" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`+
		"</defs>\n", colorEdge, colorError)
	if len(g.Nodes) == 0 {
		fmt.Fprintf(bw, `<text x="16" y="28" font-size="%d" fill="%s">no spans</text>`+"\n", nameSize, colorFaint)
	}
	// Edges under their labels, labels under the boxes.
	for i := range d.Edges {
		writeEdge(bw, &d.Edges[i], paths[i])
	}
	for i := range d.Edges {
		writeEdgeLabel(bw, &d.Edges[i], paths[i].label)
	}
	for i := range d.Nodes {
		writeNode(bw, &d.Nodes[i], &l.nodes[i])
	}
	if note != "" {
		fmt.Fprintf(bw, `<text class="note" x="%d" y="%d" font-size="%d" fill="%s">%s</text>`+"\n", marginX, height-marginY/2, statSize, colorFaint, esc(note))
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

// maxDrawnEdges bounds the edges SVG draws: past a few hundred a drawing is
// a hairball nobody reads (and a large file), so it shows the most called
// ones, and says so.
const maxDrawnEdges = 300

// drawn returns the graph SVG draws: g, or g with only its maxDrawnEdges
// most called edges (ties in g's order), every service kept.
func (g *Graph) drawn() *Graph {
	if len(g.Edges) <= maxDrawnEdges {
		return g
	}
	d := *g
	d.Edges = slices.Clone(g.Edges)
	slices.SortStableFunc(d.Edges, func(a, b Edge) int { return cmp.Compare(b.Calls, a.Calls) })
	d.Edges = d.Edges[:maxDrawnEdges]
	slices.SortFunc(d.Edges, compareEdges)
	return &d
}

// esc escapes text for XML character data and attribute values: control
// characters first made visible (termstr), then markup.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(termstr.Escape(s))) // a strings.Builder never fails
	return b.String()
}

func writeNode(w *bufio.Writer, n *Node, ln *lnode) {
	stroke, fill, dash, statColor := colorEdge, colorFill, "", colorFaint
	if n.Virtual {
		fill, dash = colorVirtual, ` stroke-dasharray="4 3"`
	}
	if n.Errors > 0 {
		stroke, statColor = colorError, colorError
	}
	x, y := ln.x-ln.w/2, ln.y-ln.h/2
	fmt.Fprintf(w, `<g class="node" data-service="%s"><title>%s</title>`, esc(n.Service), esc(nodeTitle(n)))
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="%s" stroke="%s"%s/>`, x, y, ln.w, ln.h, fill, stroke, dash)
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle" font-size="%d" font-weight="bold" fill="%s">%s</text>`,
		ln.x, ln.y-3, nameSize, colorText, esc(displayName(n.Service)))
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle" font-size="%d" fill="%s">%s</text></g>`+"\n",
		ln.x, ln.y+13, statSize, statColor, esc(nodeStats(n)))
}

// edgePath is how one edge is drawn: its points from caller to callee and
// where its label goes.
type edgePath struct {
	pts   []point
	label point
}

func writeEdge(w *bufio.Writer, e *Edge, p edgePath) {
	color, marker := edgeColor(e)
	class, dash := "edge", ""
	if e.Async {
		class, dash = "edge async", ` stroke-dasharray="6 4"`
	}
	if e.Errors > 0 {
		class += " error"
	}
	fmt.Fprintf(w, `<g class="%s" data-from="%s" data-to="%s"><title>%s</title>`, class, esc(e.From), esc(e.To), esc(edgeTitle(e)))
	fmt.Fprintf(w, `<path d="%s" fill="none" stroke="%s" stroke-width="%s"%s marker-end="url(#%s)"/></g>`+"\n",
		pathData(p.pts), color, strokeWidth(e.Calls), dash, marker)
}

// writeEdgeLabel draws an edge's label on a translucent background, with
// the edge's tooltip.
func writeEdgeLabel(w *bufio.Writer, e *Edge, at point) {
	color, _ := edgeColor(e)
	lw := labelWidth(e)
	fmt.Fprintf(w, `<g class="edge-label" data-from="%s" data-to="%s"><title>%s</title>`, esc(e.From), esc(e.To), esc(edgeTitle(e)))
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" rx="3" fill="#ffffff" fill-opacity="0.85"/>`,
		at.x-lw/2-2, at.y-labelH/2, lw+4, labelH)
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle" font-size="%d" fill="%s">%s</text></g>`+"\n",
		at.x, at.y+statSize/2-1, statSize, color, esc(edgeLabel(e)))
}

// edgeColor is an edge's colour and arrowhead: red when a call failed.
func edgeColor(e *Edge) (color, marker string) {
	if e.Errors > 0 {
		return colorError, "tracectl-arrow-error"
	}
	return colorEdge, "tracectl-arrow"
}

// strokeWidth grows with the number of calls, by steps of a factor of 8.
func strokeWidth(calls int) string {
	tenths := 12
	for c := calls; c >= 8 && tenths < 32; c /= 8 {
		tenths += 5
	}
	return fmt.Sprintf("%d.%d", tenths/10, tenths%10)
}

// pathData is an SVG path through pts: straight runs across columns (the
// even segments) and curves with horizontal tangents between them.
func pathData(pts []point) string {
	var b strings.Builder
	fmt.Fprintf(&b, "M%d,%d", pts[0].x, pts[0].y)
	for k := 1; k < len(pts); k++ {
		a, c := pts[k-1], pts[k]
		if k%2 == 1 {
			fmt.Fprintf(&b, " L%d,%d", c.x, c.y)
			continue
		}
		mid := (a.x + c.x) / 2
		fmt.Fprintf(&b, " C%d,%d %d,%d %d,%d", mid, a.y, mid, c.y, c.x, c.y)
	}
	return b.String()
}

// edgePaths routes every edge along its chain: from the caller's box side
// to its column's edge, a curve across each gap, straight through each
// column a dummy holds, into the callee's box side. Where many edges meet
// one side of a box their ends are spread along it, ordered by where they
// come from; parallel edges through dummies are spread the same way.
func (l *layout) edgePaths(g *Graph) []edgePath {
	index := make(map[string]int, len(g.Nodes))
	for i := range g.Nodes {
		index[g.Nodes[i].Service] = i
	}
	// An end is one edge meeting one side of a box.
	type end struct {
		edge, node int
		right      bool
		other      int // the layout node at the other end of its segment
	}
	var ends []end
	for _, ch := range l.chains {
		first, last := ch.nodes[0], ch.nodes[len(ch.nodes)-1]
		for _, e := range ch.edges {
			ends = append(ends, end{e, first, true, ch.nodes[1]}, end{e, last, false, ch.nodes[len(ch.nodes)-2]})
		}
	}
	slices.SortStableFunc(ends, func(a, b end) int {
		if a.node != b.node || a.right != b.right {
			return cmp.Compare(a.node*2+btoi(a.right), b.node*2+btoi(b.right))
		}
		if c := cmp.Compare(l.nodes[a.other].y, l.nodes[b.other].y); c != 0 {
			return c
		}
		return cmp.Compare(a.edge, b.edge)
	})
	type key struct {
		edge, node int
	}
	port := map[key]int{}
	for i := 0; i < len(ends); {
		j := i
		for j < len(ends) && ends[j].node == ends[i].node && ends[j].right == ends[i].right {
			j++
		}
		offsets := spread(j-i, l.nodes[ends[i].node].h-12)
		for k := i; k < j; k++ {
			port[key{ends[k].edge, ends[k].node}] = offsets[k-i]
		}
		i = j
	}
	paths := make([]edgePath, len(g.Edges))
	gapOf := make([]int, len(g.Edges)) // the rank whose gap holds the label
	for _, ch := range l.chains {
		along := spread(len(ch.edges), len(ch.edges)*6)
		for k, e := range ch.edges {
			var pts []point
			for j, v := range ch.nodes {
				n := &l.nodes[v]
				r := n.rank
				left, right := l.colX[r], l.colX[r]+l.colW[r]
				switch {
				case j == 0:
					y := n.y + port[key{e, v}]
					pts = append(pts, point{n.x + n.w/2, y}, point{right, y})
				case j == len(ch.nodes)-1:
					y := n.y + port[key{e, v}]
					pts = append(pts, point{left, y}, point{n.x - n.w/2, y})
				default:
					y := n.y + along[k]
					pts = append(pts, point{left, y}, point{right, y})
				}
			}
			s := ch.labelSegment()
			a, b := pts[2*s+1], pts[2*s+2]
			label := point{(a.x + b.x) / 2, (a.y + b.y) / 2}
			if index[g.Edges[e].From] != ch.nodes[0] {
				slices.Reverse(pts)
			}
			paths[e] = edgePath{pts, label}
			gapOf[e] = l.nodes[ch.nodes[s]].rank
		}
	}
	l.separateLabels(paths, gapOf)
	return paths
}

// separateLabels moves the labels drawn in one gap apart vertically, in
// the order of their heights, so no two overlap (they are all centred on
// the gap's middle). Each moves as little as the ones above it allow.
func (l *layout) separateLabels(paths []edgePath, gapOf []int) {
	byGap := make([][]int, len(l.cols))
	for e, r := range gapOf {
		byGap[r] = append(byGap[r], e)
	}
	for _, es := range byGap {
		slices.SortStableFunc(es, func(a, b int) int {
			if c := cmp.Compare(paths[a].label.y, paths[b].label.y); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		for k := 1; k < len(es); k++ {
			prev, cur := &paths[es[k-1]].label, &paths[es[k]].label
			cur.y = max(cur.y, prev.y+labelH+1)
		}
		if len(es) > 0 {
			last := paths[es[len(es)-1]].label.y + labelH/2 + marginY
			l.height = max(l.height, last)
		}
	}
}

// spread returns n offsets centred on 0, portSpacing apart or closer so
// they fit in span.
func spread(n, span int) []int {
	out := make([]int, n)
	if n < 2 {
		return out
	}
	step := min(portSpacing, span/(n-1))
	for i := range out {
		out[i] = i*step - (n-1)*step/2
	}
	return out
}
