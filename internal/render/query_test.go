package render

import (
	"bytes"
	"encoding/xml"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/query"
)

// assertOutcomes runs three expectations over the checkout tree of
// critpath_test.go: one passes, one fails with a near miss, one absent
// expectation finds spans.
func assertOutcomes(t *testing.T) []query.Outcome {
	t.Helper()
	trees := []*dag.Tree{checkout()}
	var out []query.Outcome
	for _, line := range []string{
		`{ }`,
		`charge in billing: { name = "charge" && resource.service.name = "billing" }`,
		`absent { resource.service.name = "payment" }`,
	} {
		e, err := query.ParseExpectation(line, "-e")
		if err != nil {
			t.Fatal(err)
		}
		o := query.Assert(e, trees, 3)
		o.Elapsed = 0
		out = append(out, o)
	}
	return out
}

func TestAssertText(t *testing.T) {
	var b bytes.Buffer
	if err := Assert(&b, NewStyles(&b, false), assertOutcomes(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "assert.txt", b.Bytes())
}

func TestJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := JUnit(&b, assertOutcomes(t), JUnitOptions{Suite: "tracectl assert", Properties: [][2]string{{"inputs", "a.json"}}}); err != nil {
		t.Fatal(err)
	}
	golden(t, "assert.junit.xml", b.Bytes())
	// It must read back as JUnit.
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 3 || doc.Failures != 2 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 3 {
		t.Fatalf("read back %+v", doc)
	}
	if c := doc.Suites[0].Cases[1]; c.Name != "charge in billing" || c.Failure == nil || c.Failure.Message != "matched 0 of 1 trace" {
		t.Errorf("case 1 = %+v", c)
	}
}
