package graph

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
)

func TestDOTString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"frontend", `"frontend"`},
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{"two\nlines", `"two\\nlines"`},
		{"esc\x1b[31m", `"esc\\x1b[31m"`},
		{"<b>&amp;", `"<b>&amp;amp;"`},
		{"日本", `"日本"`},
	}
	for _, tt := range tests {
		if got := dotString(tt.in); got != tt.want {
			t.Errorf("dotString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestMermaidText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"frontend", "frontend"},
		{`say "hi"`, "say #quot;hi#quot;"},
		{"<script>", "#60;script#62;"},
		{`a"] --> b`, "a#quot;] --#62; b"},
		{"a|b #1; `t` &", "a#124;b #35;1; #96;t#96; #38;"},
		{"two\nlines", "two#92;nlines"},
		{"日本", "日本"},
	}
	for _, tt := range tests {
		if got := mermaidText(tt.in); got != tt.want {
			t.Errorf("mermaidText(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func graphs() []struct {
	name string
	g    *Graph
} {
	return []struct {
		name string
		g    *Graph
	}{
		{"shop", Build(shop())},
		{"hostile", hostileGraph()},
		{"chain", chain()},
		{"empty", Build(nil)},
	}
}

// TestDOTGraphviz feeds every DOT output to Graphviz: it must parse it
// without a word on stderr and draw one node per service, one edge per
// edge (a quoting mistake merges or splits nodes), with the labels shown.
func TestDOTGraphviz(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz's dot is not installed (apt-get install graphviz): DOT output is not checked by Graphviz")
	}
	for _, tc := range graphs() {
		t.Run(tc.name, func(t *testing.T) {
			var src, out, stderr bytes.Buffer
			if err := tc.g.DOT(&src); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(dot, "-Tsvg")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = &src, &out, &stderr
			if err := cmd.Run(); err != nil || stderr.Len() > 0 {
				t.Fatalf("dot -Tsvg: %v\n%s\ninput:\n%s", err, stderr.String(), src.String())
			}
			text, _ := svgText(t, out.Bytes())
			all := strings.Join(text, "\n")
			if got := strings.Count(out.String(), `class="node"`); got != len(tc.g.Nodes) {
				t.Errorf("Graphviz drew %d nodes, want %d\n%s", got, len(tc.g.Nodes), src.String())
			}
			if got := strings.Count(out.String(), `class="edge"`); got != len(tc.g.Edges) {
				t.Errorf("Graphviz drew %d edges, want %d\n%s", got, len(tc.g.Edges), src.String())
			}
			for _, n := range tc.g.Nodes {
				if !strings.Contains(all, termstr.Escape(n.Service)) {
					t.Errorf("service %q: label %q not drawn", n.Service, termstr.Escape(n.Service))
				}
			}
		})
	}
}

// The lines Mermaid writes, and nothing else: node definitions, edges,
// class and link styles. Quoted text holds no quote, no markup but our
// own <br/>, and no # but an entity.
var (
	mermaidNode  = regexp.MustCompile(`^  (s\d+)\["([^"]*)"\]$`)
	mermaidEdge  = regexp.MustCompile(`^  (s\d+) (-->|-\.->)\|"([^"]*)"\| (s\d+)$`)
	mermaidClass = regexp.MustCompile(`^  (classDef (virtual|failing) [a-z-]+:[ #0-9a-f]+|class (s\d+(,s\d+)*) (virtual|failing)|linkStyle (\d+(,\d+)*) stroke:#[0-9a-f]{6},color:#[0-9a-f]{6})$`)
	mermaidBad   = regexp.MustCompile(`[<>"|\\` + "`" + `]|#[^0-9q]|#q(?:[^u]|$)|#\d+[^\d;]`)
)

func TestMermaidSyntax(t *testing.T) {
	for _, tc := range graphs() {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.g.Mermaid(&buf); err != nil {
				t.Fatal(err)
			}
			checkMermaid(t, buf.String(), tc.g)
		})
	}
}

// checkMermaid checks that src is made only of the lines Mermaid writes,
// with safe labels, one node per service and one link per edge.
func checkMermaid(t *testing.T, src string, g *Graph) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	if lines[0] != "flowchart LR" {
		t.Fatalf("first line %q, want flowchart LR", lines[0])
	}
	ids := map[string]bool{}
	edges := 0
	checkText := func(line, text string) {
		if bad := mermaidBad.FindString(strings.ReplaceAll(text, "<br/>", "")); bad != "" {
			t.Errorf("line %q: label holds syntax %q", line, bad)
		}
		if !termstr.Safe(text) {
			t.Errorf("line %q: control character in a label", line)
		}
	}
	for _, line := range lines[1:] {
		if m := mermaidNode.FindStringSubmatch(line); m != nil {
			ids[m[1]] = true
			checkText(line, m[2])
			continue
		}
		if m := mermaidEdge.FindStringSubmatch(line); m != nil {
			if !ids[m[1]] || !ids[m[4]] {
				t.Errorf("line %q: edge between undefined nodes", line)
			}
			checkText(line, m[3])
			edges++
			continue
		}
		if m := mermaidClass.FindStringSubmatch(line); m != nil {
			for _, id := range strings.Split(m[3], ",") {
				if id != "" && !ids[id] {
					t.Errorf("line %q: class of undefined node %s", line, id)
				}
			}
			for _, k := range strings.Split(m[6], ",") {
				if n, err := strconv.Atoi(k); k != "" && (err != nil || n >= edges) {
					t.Errorf("line %q: linkStyle of edge %s of %d", line, k, edges)
				}
			}
			continue
		}
		t.Errorf("line %q is not a line Mermaid output has", line)
	}
	if len(ids) != len(g.Nodes) || edges != len(g.Edges) {
		t.Errorf("%d nodes and %d edges, want %d and %d", len(ids), edges, len(g.Nodes), len(g.Edges))
	}
}

// dotStmt is a statement of DOT output: a node or an edge, its ids and
// attribute values quoted strings (a backslash escapes the next character).
var (
	dotQuoted = `"(?:[^"\\\x00-\x1f]|\\[^\x00-\x1f])*"`
	dotAttr   = `[a-z]+=(?:` + dotQuoted + `|[a-z]+)`
	dotStmt   = regexp.MustCompile(`^  (` + dotQuoted + `)(?: -> (` + dotQuoted + `))? \[` + dotAttr + `(?:, ` + dotAttr + `)*\];$`)
)

// checkDOT checks DOT output line by line without Graphviz (the fuzz
// target runs it thousands of times): the fixed header, then one statement
// per node and per edge, every string well quoted.
func checkDOT(t *testing.T, src string, g *Graph) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	if len(lines) != 5+len(g.Nodes)+len(g.Edges) || lines[0] != "digraph services {" || lines[len(lines)-1] != "}" {
		t.Fatalf("DOT is not a digraph of %d nodes and %d edges:\n%s", len(g.Nodes), len(g.Edges), src)
	}
	nodes := map[string]bool{}
	for i, line := range lines[4 : len(lines)-1] {
		m := dotStmt.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("DOT line %q is not a well-quoted statement", line)
		}
		if isEdge := i >= len(g.Nodes); isEdge != (m[2] != "") {
			t.Fatalf("DOT line %q: want %d node statements, then edges", line, len(g.Nodes))
		}
		if m[2] == "" {
			nodes[m[1]] = true
		} else if !nodes[m[1]] || !nodes[m[2]] {
			t.Errorf("DOT line %q: an edge to an undeclared node", line)
		}
	}
	if len(nodes) != len(g.Nodes) {
		t.Errorf("%d distinct DOT node ids for %d services", len(nodes), len(g.Nodes))
	}
}

func TestDOTSyntax(t *testing.T) {
	for _, tc := range graphs() {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.g.DOT(&buf); err != nil {
				t.Fatal(err)
			}
			checkDOT(t, buf.String(), tc.g)
		})
	}
}

// FuzzDrawings draws a graph of services with fuzzed names in every
// format and checks each stays well-formed: DOT and Mermaid line by line,
// SVG as XML with every service.
func FuzzDrawings(f *testing.F) {
	for i := 0; i+2 < len(hostile); i++ {
		f.Add(hostile[i], hostile[i+1], hostile[i+2])
	}
	f.Add("a", "a", "")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		g := Build([]*dag.Tree{trace(1,
			span{n: 1, svc: a, kind: dag.KindServer, end: 100},
			span{n: 2, p: 1, svc: b, kind: dag.KindProducer, start: 1, end: 5, err: true},
			span{n: 3, p: 2, svc: c, kind: dag.KindConsumer, start: 6, end: 50},
			span{n: 4, p: 1, svc: a, kind: dag.KindClient, start: 10, end: 20, attrs: str("peer.service", c+b)},
		)})
		var dot, mmd, svg bytes.Buffer
		if err := g.DOT(&dot); err != nil {
			t.Fatal(err)
		}
		checkDOT(t, dot.String(), g)
		if err := g.Mermaid(&mmd); err != nil {
			t.Fatal(err)
		}
		checkMermaid(t, mmd.String(), g)
		if err := g.SVG(&svg); err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(svg.String(), `<g class="node"`); got != len(g.Nodes) {
			t.Errorf("SVG has %d services, want %d", got, len(g.Nodes))
		}
		svgText(t, svg.Bytes())
	})
}

// ExampleGraph_Mermaid is the kind of block README shows.
func ExampleGraph_Mermaid() {
	g := Build(shop())
	g, _ = g.Around("checkout", 1)
	var buf bytes.Buffer
	_ = g.Mermaid(&buf)
	fmt.Print(buf.String())
	// Output:
	// flowchart LR
	//   s0["checkout<br/>5 spans · 1 err"]
	//   s1["email<br/>1 span"]
	//   s2["frontend<br/>4 spans · 1 err"]
	//   s3["payment<br/>1 span · 1 err"]
	//   s4["postgresql<br/>not traced"]
	//   s0 -.->|"1 call · p99 60ns"| s1
	//   s0 -->|"1 call · 1 err · p99 20ns"| s3
	//   s0 -->|"1 call · p99 10ns"| s4
	//   s2 -->|"2 calls · 1 err · p99 80ns"| s0
	//   classDef virtual stroke-dasharray: 4 3
	//   class s4 virtual
	//   classDef failing stroke:#d62728
	//   class s0,s2,s3 failing
	//   linkStyle 1,3 stroke:#d62728,color:#d62728
}
