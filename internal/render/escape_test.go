package render

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/tracectl/tracectl/internal/check"
	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/query"
)

// hostile retitles the terminal, rings the bell, clears the screen, turns
// text right to left, injects a C1 CSI and breaks the line.
const hostile = "\x1b]0;pwned\a\x1b[2J\u202e\u009b31m\r\nforged\xff"

// sgr is the one escape sequence text output may hold: our own colours.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// terminalSafe fails the test when out holds anything but text, line feeds
// and (with colour) SGR colour sequences.
func terminalSafe(t *testing.T, name string, out []byte, color bool) {
	t.Helper()
	if color {
		out = sgr.ReplaceAll(out, nil)
	}
	if !utf8.Valid(out) {
		t.Errorf("%s: invalid UTF-8 in output:\n%q", name, out)
	}
	for _, r := range string(out) {
		if (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Errorf("%s: control character %U reaches the terminal:\n%q", name, r, out)
			return
		}
	}
	if bytes.Contains(out, []byte("\nforged")) {
		t.Errorf("%s: span data broke the line:\n%q", name, out)
	}
}

// hostileTree is a trace whose every string is hostile: service, names,
// status message, an attribute, a missing parent.
func hostileTree() *dag.Tree {
	res := &dag.Resource{Service: "svc" + hostile}
	root := span(1, 0, res, "root"+hostile, 0, 100)
	root.Status = dag.Status{Code: dag.StatusError, Message: "boom" + hostile}
	root.Attrs = []dag.Attr{{Key: "k" + hostile, Value: dag.StringValue("v" + hostile)}}
	child := span(2, 1, res, "child"+hostile, 10, 90)
	orphan := span(3, 9, res, "orphan"+hostile, 20, 30)
	return buildTree([]dag.SpanData{root, child, orphan})
}

// TestEscapedEverywhere runs every text renderer on hostile span data,
// with colour on and off: nothing from the data may drive the terminal.
func TestEscapedEverywhere(t *testing.T) {
	tr := hostileTree()
	a := critpath.Analyze(tr)
	at := critpath.NewAttribution(critpath.ByOperation)
	at.Add(a)
	sum := dag.Summarize(tr)
	e, err := query.ParseExpectation(`{ status = error && duration > 1s }`, "-e")
	if err != nil {
		t.Fatal(err)
	}
	outcome := query.Assert(e, []*dag.Tree{tr}, 3)
	findings := dag.Check(tr, dag.CheckOptions{})
	findings = append(findings, tr.Findings...)
	findings = append(findings, dag.Finding{TraceID: tr.TraceID, Rule: dag.RuleClockSkew, Severity: dag.SeverityWarning, Message: "m" + hostile})
	total, lat := at.EndToEnd()
	renderers := map[string]func(*bytes.Buffer, *Styles) error{
		"tree": func(b *bytes.Buffer, st *Styles) error {
			return Tree(b, st, tr, TreeOptions{Width: 100, MaxDepth: -1, Fold: true, Critical: a.OnPath()})
		},
		"tree narrow": func(b *bytes.Buffer, st *Styles) error {
			return Tree(b, st, tr, TreeOptions{Width: 30, MaxDepth: -1})
		},
		"ls":       func(b *bytes.Buffer, st *Styles) error { return Ls(b, st, []dag.Summary{sum}) },
		"live":     func(b *bytes.Buffer, st *Styles) error { return TraceLine(b, st, sum) },
		"critpath": func(b *bytes.Buffer, st *Styles) error { return CritPath(b, st, a, CritPathOptions{}) },
		"attrib": func(b *bytes.Buffer, st *Styles) error {
			return Attrib(b, st, at.Rows(), AttribOptions{Traces: at.Traces(), EndToEnd: total, Latency: lat})
		},
		"query spans": func(b *bytes.Buffer, st *Styles) error {
			return QuerySpans(b, st, []QueryMatch{{tr, 0}, {tr, 1}})
		},
		"query traces": func(b *bytes.Buffer, st *Styles) error {
			return QueryTraces(b, st, []QueryTrace{{Summary: sum, Matched: 1}})
		},
		"assert": func(b *bytes.Buffer, st *Styles) error { return Assert(b, st, []query.Outcome{outcome}) },
		"check": func(b *bytes.Buffer, st *Styles) error {
			return Check(b, st, check.Report{Traces: []check.Trace{{TraceID: tr.TraceID, Findings: findings}}, Spans: 3,
				Findings: len(findings), WithFindings: 1, Rules: []check.RuleCount{{Rule: dag.RuleClockSkew, Severity: dag.SeverityWarning, Count: 1}},
				Skew: []dag.SkewPair{{ParentService: "p" + hostile, ChildService: "c" + hostile, Offset: 5e6, Spans: 1}}})
		},
		"folded": func(b *bytes.Buffer, st *Styles) error {
			f := critpath.NewFolded(critpath.ByOperation, critpath.WeightCritical)
			f.Add(a)
			return Folded(b, f)
		},
	}
	for name, render := range renderers {
		for _, color := range []bool{false, true} {
			var b bytes.Buffer
			if err := render(&b, NewStyles(&b, color)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !bytes.Contains(b.Bytes(), []byte(`\x1b]0`)) && name != "tree narrow" {
				t.Errorf("%s: the hostile text is not shown escaped:\n%s", name, b.Bytes())
			}
			terminalSafe(t, name, b.Bytes(), color)
		}
	}
}

// TestJSONHardened: JSON outputs keep span data exact (it decodes back)
// but write nothing a terminal could act on: control characters, DEL, C1
// and bidi controls all appear as \u escapes.
func TestJSONHardened(t *testing.T) {
	tr := hostileTree()
	a := critpath.Analyze(tr)
	at := critpath.NewAttribution(critpath.ByOperation)
	at.Add(a)
	outputs := map[string]func(*bytes.Buffer) error{
		"tree":     func(b *bytes.Buffer) error { return TreeJSON(b, tr) },
		"ls":       func(b *bytes.Buffer) error { return LsJSON(b, []dag.Summary{dag.Summarize(tr)}) },
		"critpath": func(b *bytes.Buffer) error { return CritPathJSON(b, a, nil) },
		"attrib":   func(b *bytes.Buffer) error { return AttribJSON(b, at, 0) },
		"query":    func(b *bytes.Buffer) error { return QuerySpansJSON(b, []QueryMatch{{tr, 0}}) },
		"check": func(b *bytes.Buffer) error {
			return CheckJSON(b, check.Report{Traces: []check.Trace{{TraceID: tr.TraceID, Findings: []dag.Finding{{Message: "m" + hostile}}}}})
		},
	}
	for name, write := range outputs {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(b.Bytes(), []byte("\n")), []byte("\n")) {
			if !json.Valid(line) {
				t.Errorf("%s: invalid JSON line %s", name, line)
			}
		}
		if !bytes.Contains(b.Bytes(), []byte(`\u001b]0;pwned\u0007\u001b[2J\u202e\u009b31m\r\nforged\ufffd`)) {
			t.Errorf("%s: the hostile text is not kept (escaped):\n%s", name, b.Bytes())
		}
		terminalSafe(t, name, b.Bytes(), false)
	}
}
