package render

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/diff"
	"github.com/tracectl/tracectl/internal/stats"
)

// hostileReport has a group whose name holds what breaks each format: a
// Markdown cell separator, HTML, a terminal escape and a control
// character XML forbids.
func hostileReport() *diff.Report {
	k := critpath.Key{Service: "svc", Name: "a|b <i>x</i> \x1b[2J\x01"}
	return &diff.Report{
		By: critpath.ByOperation, Alpha: 0.01, MinChange: 0.05, BaseTraces: 100, CandTraces: 100,
		Rows: []diff.Row{
			{Group: diff.EndToEndGroup, EndToEnd: true, Verdict: diff.Regressed, P: 0.001,
				Shift: stats.Shift{Estimate: 5e6, Low: 1e6, High: 9e6}},
			{Group: k.String(), Key: k, Verdict: diff.Regressed, P: 0.002,
				Shift: stats.Shift{Estimate: 5e6, Low: 1e6, High: 9e6}},
		},
	}
}

func TestDiffMarkdownEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := DiffMarkdown(&b, hostileReport()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	row := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| svc/") {
			row = l
		}
	}
	// 10 columns: 11 unescaped pipes.
	if n := strings.Count(row, "|") - strings.Count(row, `\|`); n != 11 {
		t.Errorf("row has %d cell separators, want 11: %q", n, row)
	}
	for _, bad := range []string{"<i>", "\x1b", "\x01"} {
		if strings.Contains(out, bad) {
			t.Errorf("markdown holds %q:\n%s", bad, out)
		}
	}
}

func TestDiffJUnitIsWellFormed(t *testing.T) {
	var b bytes.Buffer
	if err := DiffJUnit(&b, hostileReport(), DiffOptions{Base: []string{"a.json"}, Cand: []string{"b\x02.json"}}); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 2 || doc.Failures != 2 || len(doc.Suites[0].Cases) != 2 {
		t.Errorf("tests %d failures %d cases %d, want 2 2 2", doc.Tests, doc.Failures, len(doc.Suites[0].Cases))
	}
}

func TestDiffTextEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := Diff(&b, NewStyles(&b, false), hostileReport()); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); strings.ContainsAny(out, "\x1b\x01") || !strings.Contains(out, `\x1b[2J\x01`) {
		t.Errorf("text output does not escape control characters:\n%s", out)
	}
}
