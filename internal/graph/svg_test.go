package graph

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
)

// hostile are service names that try to break out of every format: quotes
// and brackets of DOT, Mermaid and XML, a newline, ESC, a bidi override,
// markup, wide and combining characters, invalid UTF-8, and a name far too
// long for a box.
var hostile = []string{
	`say "hi"`,
	`back\slash`,
	"two\nlines",
	"esc\x1b[31mred",
	"bidi\u202eevil",
	`<script>alert(1)</script>`,
	`a"] --> b["x`,
	"a|b #35; `tick` &amp; ;",
	"日本語サービス",
	"e\u0301te",
	"bad\xffutf8",
	strings.Repeat("long", 30),
}

// hostileGraph is a chain through every hostile name, with errors, an
// async edge and a virtual peer.
func hostileGraph() *Graph {
	var spans []span
	for i, name := range hostile {
		s := span{n: uint64(i + 1), p: uint64(i), svc: name, kind: dag.KindServer, start: 0, end: 100, err: i%3 == 0}
		if i == 4 {
			s.kind, s.follows = dag.KindConsumer, true
		}
		spans = append(spans, s)
	}
	spans = append(spans, span{n: 99, p: 1, svc: hostile[0], kind: dag.KindClient, start: 1, end: 2, attrs: str("peer.service", "<db \"x\">")})
	return Build([]*dag.Tree{trace(1, spans...)})
}

// svgText parses doc as XML and returns its character data and attribute
// values, failing the test on malformed XML.
func svgText(t *testing.T, doc []byte) (text, attrs []string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	root := true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root && (tok.Name.Local != "svg" || tok.Name.Space != "http://www.w3.org/2000/svg") {
				t.Fatalf("root element %v, want svg in the SVG namespace", tok.Name)
			}
			root = false
			for _, a := range tok.Attr {
				attrs = append(attrs, a.Value)
			}
		case xml.CharData:
			if s := string(tok); s != "\n" { // between our own elements
				text = append(text, s)
			}
		}
	}
	return text, attrs
}

func TestSVGWellFormed(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    *Graph
	}{
		{"shop", Build(shop())},
		{"hostile", hostileGraph()},
		{"chain", chain()},
		{"empty", Build(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.g.SVG(&buf); err != nil {
				t.Fatal(err)
			}
			text, attrs := svgText(t, buf.Bytes())
			all := strings.Join(text, "\n")
			for _, n := range tc.g.Nodes {
				if !strings.Contains(all, displayName(n.Service)) {
					t.Errorf("service %q is not drawn (as %q)", n.Service, displayName(n.Service))
				}
				if !slices.Contains(attrs, termstr.Escape(n.Service)) {
					t.Errorf("service %q has no data-service attribute", n.Service)
				}
			}
			for _, e := range tc.g.Edges {
				if !strings.Contains(all, edgeLabel(&e)) {
					t.Errorf("edge %q → %q: label %q is not drawn", e.From, e.To, edgeLabel(&e))
				}
			}
			for _, s := range append(text, attrs...) {
				if !termstr.Safe(s) {
					t.Errorf("control character reaches the drawing: %q", s)
				}
			}
			if got, want := strings.Count(buf.String(), `<g class="node"`), len(tc.g.Nodes); got != want {
				t.Errorf("%d node groups, want %d", got, want)
			}
			if got, want := strings.Count(buf.String(), `<g class="edge`)-strings.Count(buf.String(), `<g class="edge-label"`), len(tc.g.Edges); got != want {
				t.Errorf("%d edge groups, want %d", got, want)
			}
			if got, want := strings.Count(buf.String(), `<g class="edge-label"`), len(tc.g.Edges); got != want {
				t.Errorf("%d edge labels, want %d", got, want)
			}
		})
	}
}
