package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// junitReport is the JUnit XML schema as CI systems read it, declared
// here independently of the renderer so the test checks the contract.
type junitReport struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Time       string `xml:"time,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// scriptFile returns a file embedded in a testscript archive.
func scriptFile(t *testing.T, archive, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "script", archive))
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(b), "\n-- "+name+" --\n")
	if !ok {
		t.Fatalf("%s has no %s", archive, name)
	}
	if i := strings.Index(body, "\n-- "); i >= 0 {
		body = body[:i+1]
	}
	return body
}

// TestAssertJUnit runs assert with --junit and reads the report back with
// encoding/xml.
func TestAssertJUnit(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "shop.jsonl")
	if err := os.WriteFile(input, []byte(scriptFile(t, "assert.txtar", "shop.jsonl")), 0o644); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.xml")
	var out, errb bytes.Buffer
	opts := &assertOptions{
		inputOptions: inputOptions{Files: []string{input}, Format: "auto", MaxFrame: 64 << 20},
		Exprs: []string{
			`checkout: { name = "GET /checkout" }`,
			`{ name = "charge" && resource.service.name = "billing" }`,
		},
		Absent:     []string{`{ name = "<&]]>" }`},
		JUnit:      report,
		NearMisses: 3,
		Color:      "never",
	}
	err := assertRun(&streams{Out: &out, Err: &errb}, opts)
	if !errors.Is(err, errFailed) {
		t.Fatalf("assertRun = %v, want errFailed; stderr: %s", err, errb.String())
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitReport
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("report does not parse: %v\n%s", err, b)
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 0 || len(doc.Suites) != 1 {
		t.Fatalf("totals: tests %d failures %d errors %d suites %d", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites))
	}
	s := doc.Suites[0]
	type row struct{ Name, Message string }
	var got []row
	for _, c := range s.Cases {
		r := row{Name: c.Name}
		if c.Failure != nil {
			r.Message = c.Failure.Message
			if c.Failure.Type != "AssertionFailed" || !strings.Contains(c.Failure.Text, `✗ resource.service.name = "billing"  → "payment"`) {
				t.Errorf("failure of %q: type %q text:\n%s", c.Name, c.Failure.Type, c.Failure.Text)
			}
		}
		if c.Classname != "tracectl.assert" || c.Time == "" {
			t.Errorf("case %q: classname %q time %q", c.Name, c.Classname, c.Time)
		}
		got = append(got, r)
	}
	want := []row{
		{Name: "checkout"},
		{Name: `{ name = "charge" && resource.service.name = "billing" }`, Message: "matched 0 of 2 traces"},
		{Name: `absent { name = "<&]]>" }`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("testcases (-want +got):\n%s", diff)
	}
	if s.Tests != 3 || s.Failures != 1 || s.Name != "tracectl assert" {
		t.Errorf("suite %q: tests %d failures %d", s.Name, s.Tests, s.Failures)
	}
	if len(s.Properties) < 2 || s.Properties[0].Name != "inputs" || s.Properties[1] != (struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}{"traces", "2"}) {
		t.Errorf("properties %+v", s.Properties)
	}
	if !strings.Contains(out.String(), "2 passed, 1 failed") {
		t.Errorf("stdout:\n%s", out.String())
	}
}
