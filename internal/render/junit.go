package render

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tracectl/tracectl/internal/query"
)

// JUnitOptions describe the test suite a JUnit report holds.
type JUnitOptions struct {
	Suite      string      // suite name, e.g. "tracectl assert"
	Properties [][2]string // name/value pairs, e.g. the input files
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

// junitText is element text kept readable: CDATA, newlines as they are.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// JUnit writes the outcomes as a JUnit XML report, one testcase per
// expectation, as CI systems (GitLab, Jenkins, GitHub test reporters)
// read it. A failure's text is the same explanation Assert prints.
func JUnit(w io.Writer, outcomes []query.Outcome, opt JUnitOptions) error {
	suite := junitSuite{Name: opt.Suite, Tests: len(outcomes)}
	for _, p := range opt.Properties {
		suite.Properties = append(suite.Properties, junitProperty{Name: p[0], Value: p[1]})
	}
	var total time.Duration
	plain := NewStyles(io.Discard, false)
	for _, o := range outcomes {
		total += o.Elapsed
		c := junitCase{
			Name:      o.Expectation.Label(),
			Classname: strings.ReplaceAll(opt.Suite, " ", "."),
			Time:      seconds(o.Elapsed),
			SystemOut: &junitText{xmlSafe(modeQuery(o.Expectation) + "\n" + OutcomeCounts(o) + "\n")},
		}
		if !o.Passed {
			suite.Failures++
			var b strings.Builder
			writeFailure(&b, plain, o, "")
			c.Failure = &junitFailure{Message: OutcomeCounts(o), Type: "AssertionFailed", Text: xmlSafe(b.String())}
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Time = seconds(total)
	return writeJUnit(w, suite)
}

// JUnitError writes a report for a run that could not evaluate its
// expectations (one did not parse, the input was unreadable): each named
// testcase, or one named after the suite when names is empty, carries an
// <error> with the message, so CI shows red tests instead of no tests.
func JUnitError(w io.Writer, names []string, message string, opt JUnitOptions) error {
	if len(names) == 0 {
		names = []string{opt.Suite}
	}
	message = xmlSafe(message)
	first, _, _ := strings.Cut(message, "\n") // the attribute holds one line; the text all
	suite := junitSuite{Name: opt.Suite, Tests: len(names), Errors: len(names), Time: seconds(0)}
	for _, p := range opt.Properties {
		suite.Properties = append(suite.Properties, junitProperty{Name: p[0], Value: p[1]})
	}
	for _, n := range names {
		suite.Cases = append(suite.Cases, junitCase{
			Name:      xmlSafe(n),
			Classname: strings.ReplaceAll(opt.Suite, " ", "."),
			Time:      seconds(0),
			Error:     &junitFailure{Message: first, Type: "Error", Text: message + "\n"},
		})
	}
	return writeJUnit(w, suite)
}

func writeJUnit(w io.Writer, suite junitSuite) error {
	doc := junitSuites{Name: suite.Name, Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// xmlSafe replaces the characters XML 1.0 forbids (most control
// characters, which span names may hold) with U+FFFD: CDATA sections are
// written verbatim.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
