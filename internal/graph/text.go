package graph

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
)

// The text formats of the drawing: Graphviz DOT and Mermaid. Both carry
// the same labels as the SVG (edgeLabel, nodeStats), one per line.

// dotString quotes s as a DOT string: control characters made visible
// (termstr), then backslashes and quotes escaped, and & written &amp;
// (Graphviz reads HTML entities in text: a service named "a &amp; b" would
// otherwise show as "a & b"). In a label, where Graphviz reads escape
// sequences, the text shows as written; as an id it is one quoted string
// whatever the service is called.
func dotString(s string) string {
	s = termstr.Escape(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// dotLabel joins lines into one DOT label, each line centred (\n).
func dotLabel(lines ...string) string {
	for i, l := range lines {
		q := dotString(l)
		lines[i] = q[1 : len(q)-1]
	}
	return `"` + strings.Join(lines, `\n`) + `"`
}

// DOT writes the graph in Graphviz's language, left to right, services
// quoted by name (`"frontend" -> "checkout"`): boxes with spans and errors,
// edges labelled with calls, errors and p99; async edges dashed, edges and
// services with errors red, virtual services dashed.
func (g *Graph) DOT(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph services {\n")
	bw.WriteString("  rankdir=LR;\n")
	fmt.Fprintf(bw, "  node [shape=box, style=\"rounded,filled\", fillcolor=%q, color=%q, fontname=\"monospace\", fontsize=11];\n", colorFill, colorEdge)
	fmt.Fprintf(bw, "  edge [color=%q, fontname=\"monospace\", fontsize=10];\n", colorEdge)
	for i := range g.Nodes {
		n := &g.Nodes[i]
		var attrs []string
		attrs = append(attrs, "label="+dotLabel(n.Service, nodeStats(n)))
		if n.Virtual {
			attrs = append(attrs, `style="rounded,dashed"`)
		}
		if n.Errors > 0 {
			attrs = append(attrs, fmt.Sprintf("color=%q", colorError))
		}
		attrs = append(attrs, "tooltip="+dotString(nodeTitle(n)))
		fmt.Fprintf(bw, "  %s [%s];\n", dotString(n.Service), strings.Join(attrs, ", "))
	}
	for i := range g.Edges {
		e := &g.Edges[i]
		attrs := []string{"label=" + dotLabel(dotEdgeLines(e)...)}
		if e.Async {
			attrs = append(attrs, "style=dashed")
		}
		if e.Errors > 0 {
			attrs = append(attrs, fmt.Sprintf("color=%q, fontcolor=%q", colorError, colorError))
		}
		attrs = append(attrs, "tooltip="+dotString(edgeTitle(e)))
		fmt.Fprintf(bw, "  %s -> %s [%s];\n", dotString(e.From), dotString(e.To), strings.Join(attrs, ", "))
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// dotEdgeLines is edgeLabel over lines: calls, errors (when any), p99.
func dotEdgeLines(e *Edge) []string {
	lines := []string{dag.Plural(e.Calls, "call")}
	if e.Errors > 0 {
		lines = append(lines, dag.Plural(e.Errors, "error"))
	}
	return append(lines, "p99 "+dag.FormatDuration(e.P99))
}

// mermaidText escapes s for a quoted Mermaid label: control characters made
// visible (termstr), then every character Mermaid or the HTML it renders to
// could read as syntax written as an entity (#quot;, #35; …), so a service
// named `<script>` or `a"] --> b` is only text. Backslashes too: Mermaid
// breaks the line at a `\n`, which is how termstr shows a newline.
func mermaidText(s string) string {
	s = termstr.Escape(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString("#quot;")
		case '#', '<', '>', '&', '|', '`', '\\':
			b.WriteString("#" + strconv.Itoa(int(r)) + ";")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Mermaid writes the graph as a Mermaid flowchart, left to right, that
// GitHub renders in a ```mermaid block: node ids are s0, s1, … (a service
// name may hold anything), labels quoted and escaped (mermaidText); async
// edges dotted, edges with errors red (linkStyle), virtual services
// dashed.
func (g *Graph) Mermaid(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("flowchart LR\n")
	id := make(map[string]string, len(g.Nodes))
	var virtual, failing []string
	for i := range g.Nodes {
		n := &g.Nodes[i]
		id[n.Service] = "s" + strconv.Itoa(i)
		fmt.Fprintf(bw, "  %s[\"%s<br/>%s\"]\n", id[n.Service], mermaidText(n.Service), mermaidText(nodeStats(n)))
		switch {
		case n.Virtual:
			virtual = append(virtual, id[n.Service])
		case n.Errors > 0:
			failing = append(failing, id[n.Service])
		}
	}
	var red []string
	for i := range g.Edges {
		e := &g.Edges[i]
		arrow := "-->"
		if e.Async {
			arrow = "-.->"
		}
		fmt.Fprintf(bw, "  %s %s|\"%s\"| %s\n", id[e.From], arrow, mermaidText(edgeLabel(e)), id[e.To])
		if e.Errors > 0 {
			red = append(red, strconv.Itoa(i))
		}
	}
	if len(virtual) > 0 {
		bw.WriteString("  classDef virtual stroke-dasharray: 4 3\n")
		fmt.Fprintf(bw, "  class %s virtual\n", strings.Join(virtual, ","))
	}
	if len(failing) > 0 {
		fmt.Fprintf(bw, "  classDef failing stroke:%s\n", colorError)
		fmt.Fprintf(bw, "  class %s failing\n", strings.Join(failing, ","))
	}
	if len(red) > 0 {
		fmt.Fprintf(bw, "  linkStyle %s stroke:%s,color:%s\n", strings.Join(red, ","), colorError, colorError)
	}
	return bw.Flush()
}
