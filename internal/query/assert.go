package query

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tracectl/tracectl/internal/dag"
)

// Mode says how many traces an expectation needs to match.
type Mode uint8

const (
	// Some passes when at least one trace matches.
	Some Mode = iota
	// Every passes when every trace matches (and there is one).
	Every
	// Absent passes when no trace matches.
	Absent
)

var modeWords = [...]string{Some: "", Every: "every", Absent: "absent"}

// Expectation is one assertion: a query, how many traces must match it,
// and an optional name.
type Expectation struct {
	Name   string // "" when unnamed
	Query  *Query
	Mode   Mode
	Source string // where it was written, e.g. "checks.txt:3" or "-e #1"
}

// Label is the name, or the expression (with its every or absent) when
// there is none.
func (e Expectation) Label() string {
	if e.Name != "" {
		return e.Name
	}
	if w := modeWords[e.Mode]; w != "" {
		return w + " " + e.Query.Source()
	}
	return e.Query.Source()
}

// ParseExpectation parses one expectation line:
//
//	[name ":"] ["every" | "absent"] query
//
// The name may not contain "{", "(" or a quote, so a colon inside a query
// (span:duration) is never taken for one. A syntax error keeps its column
// relative to the whole line.
func ParseExpectation(line, source string) (Expectation, error) {
	e := Expectation{Source: source}
	rest := strings.TrimLeft(line, " \t")
	// The name ends at the first colon followed by what looks like a
	// query; it may hold other colons ("ratio 1:2: …").
	for i := 0; i < len(line); i++ {
		if strings.ContainsRune(`{("`+"`", rune(line[i])) {
			break
		}
		if line[i] != ':' {
			continue
		}
		after := strings.TrimLeft(line[i+1:], " \t")
		if _, q := cutMode(after); i > 0 && startsQuery(q) {
			e.Name = strings.TrimSpace(line[:i])
			rest = after
			break
		}
	}
	e.Mode, rest = cutMode(rest)
	start := len(line) - len(rest)
	q, err := Parse(rest)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			return e, &SyntaxError{Expr: line, Offset: start + se.Offset, Msg: se.Msg}
		}
		return e, err
	}
	e.Query = q
	return e, nil
}

// cutMode splits a leading "every" or "absent" off s, when a query
// follows it.
func cutMode(s string) (Mode, string) {
	for m, w := range modeWords {
		if w == "" {
			continue
		}
		if tail, ok := strings.CutPrefix(s, w); ok && len(tail) > 0 && (tail[0] == ' ' || tail[0] == '\t') {
			if q := strings.TrimLeft(tail, " \t"); startsQuery(q) {
				return Mode(m), q
			}
		}
	}
	return Some, s
}

// startsQuery reports whether s looks like the start of a query rather than
// more of a name.
func startsQuery(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '{' || s[0] == '(' {
		return true
	}
	for _, n := range aggNames {
		if strings.HasPrefix(s, n+"(") {
			return true
		}
	}
	return false
}

// ParseExpectations reads an expectations file: one expectation per line
// (see ParseExpectation); blank lines and lines starting with # are
// skipped. Errors name the file and line.
func ParseExpectations(r io.Reader, file string) ([]Expectation, error) {
	var out []Expectation
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		source := fmt.Sprintf("%s:%d", file, n)
		e, err := ParseExpectation(line, source)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return out, nil
}

// Outcome is the verdict on one expectation.
type Outcome struct {
	Expectation Expectation
	Passed      bool
	// Traces is how many traces were checked; MatchedTraces and
	// MatchedSpans how many matched, and how many spans they selected.
	Traces, MatchedTraces, MatchedSpans int
	// Diagnoses explain a failed Some or Every expectation (for Every,
	// over the traces that did not match).
	Diagnoses []Diagnosis
	// Unmatched lists traces that did not match a failed Every
	// expectation (at most the limit given to Assert).
	Unmatched []dag.TraceID
	// RawUnmatched holds the raw text of the invalid ids in Unmatched, as
	// output shows them (Tree.TraceIDText); nil when every id is valid.
	RawUnmatched map[dag.TraceID]string
	// Found lists spans that matched a failed Absent expectation (at most
	// the limit given to Assert).
	Found []SpanRef
	// Elapsed is the time the check took.
	Elapsed time.Duration
}

// SpanRef identifies a span for a report.
type SpanRef struct {
	TraceID  dag.TraceID
	SpanID   dag.SpanID
	Service  string
	Name     string
	Duration int64 // nanoseconds
	// IDs hold the raw text of invalid ids.
	IDs RawIDs
}

// RawIDs are a reported span's trace and span id as output shows them
// when one was invalid in the input (Tree.TraceIDText, Tree.IDText: its
// raw text), else "", as in dag.Finding.
type RawIDs struct{ Trace, Span string }

// rawIDs returns the raw text of span id's invalid ids in tr.
// spanRef identifies span s of tree tr for a report.
func spanRef(tr *dag.Tree, s *dag.Span) SpanRef {
	return SpanRef{TraceID: tr.TraceID, SpanID: s.SpanID, Service: s.Service(), Name: s.Name(), Duration: s.Duration(), IDs: rawIDs(tr, s.SpanID)}
}

func rawIDs(tr *dag.Tree, id dag.SpanID) RawIDs {
	var r RawIDs
	if t := tr.TraceIDText(); t != tr.TraceID.String() {
		r.Trace = t
	}
	if s := tr.IDText(id); s != id.String() {
		r.Span = s
	}
	return r
}

// TraceIDText returns the trace id as output shows it.
func (r SpanRef) TraceIDText() string { return idOr(r.IDs.Trace, r.TraceID.String()) }

// SpanIDText returns the span id as output shows it.
func (r SpanRef) SpanIDText() string { return idOr(r.IDs.Span, r.SpanID.String()) }

func idOr(raw, hex string) string {
	if raw != "" {
		return raw
	}
	return hex
}

// Assert evaluates an expectation over all trees. limit bounds the near
// misses per diagnosis and the spans or traces listed.
func Assert(e Expectation, trees []*dag.Tree, limit int) Outcome {
	c := NewAssertion(e, limit)
	for _, t := range trees {
		c.Add(t)
	}
	return c.Outcome()
}

// Assertion is Assert fed one trace at a time, so that the traces need not
// all be in memory at once: it counts, keeps the first few traces or spans
// it lists, and explains the traces that did not match as they come (see
// Explainer). The traces and spans it quotes are the first by the traces'
// start time and id, whatever the order they come in: its Outcome is
// Assert's on the traces sorted so.
type Assertion struct {
	e         Expectation
	limit     int
	o         Outcome
	x         *Explainer // the traces that did not match, while a failure needs them
	unmatched int
	// The first traces that did not match (Every), or spans that should
	// not be there (Absent), at most limit.
	firstTraces []quoted[dag.TraceID]
	firstSpans  []quoted[SpanRef]
	elapsed     time.Duration
}

type quoted[T any] struct {
	at place
	v  T
}

// keepFirst inserts v at its place in list, which holds the first limit.
func keepFirst[T any](list []quoted[T], at place, v T, limit int) []quoted[T] {
	i, _ := slices.BinarySearchFunc(list, at, func(q quoted[T], at place) int { return q.at.compare(at) })
	if i >= limit {
		return list
	}
	list = slices.Insert(list, i, quoted[T]{at, v})
	return list[:min(len(list), limit)]
}

// NewAssertion returns an assertion of e with no trace read.
func NewAssertion(e Expectation, limit int) *Assertion {
	c := &Assertion{e: e, limit: limit, o: Outcome{Expectation: e}}
	if e.Mode != Absent {
		c.x = NewExplainer(e.Query, limit)
	}
	return c
}

// Add evaluates the expectation on one more trace.
func (c *Assertion) Add(t *dag.Tree) {
	start := time.Now()
	defer func() { c.elapsed += time.Since(start) }()
	o, e := &c.o, c.e
	o.Traces++
	r := e.Query.Eval(t)
	if !r.Matched {
		c.unmatched++
		if e.Mode == Every && c.limit > 0 {
			c.firstTraces = keepFirst(c.firstTraces, traceOrder(t), t.TraceID, c.limit)
		}
		if c.x != nil {
			c.x.Add(t)
		}
		return
	}
	o.MatchedTraces++
	o.MatchedSpans += len(r.Spans)
	switch e.Mode {
	case Some:
		c.x = nil // it passes: nothing to explain
	case Absent:
		at := traceOrder(t)
		for k, i := range r.Spans {
			if n := len(c.firstSpans); n == c.limit && (n == 0 || at.in(k).compare(c.firstSpans[n-1].at) > 0) {
				break // the rest of the trace comes later still
			}
			c.firstSpans = keepFirst(c.firstSpans, at.in(k), spanRef(t, t.Nodes[i].Span), c.limit)
		}
	}
}

// Outcome is the verdict on the traces read.
func (c *Assertion) Outcome() Outcome {
	start := time.Now()
	o, e := c.o, c.e
	for _, q := range c.firstTraces {
		o.Unmatched = append(o.Unmatched, q.v)
		if q.at.raw != "" {
			if o.RawUnmatched == nil {
				o.RawUnmatched = make(map[dag.TraceID]string)
			}
			o.RawUnmatched[q.v] = q.at.raw
		}
	}
	for _, q := range c.firstSpans {
		o.Found = append(o.Found, q.v)
	}
	switch e.Mode {
	case Some:
		o.Passed = o.MatchedTraces > 0
	case Every:
		o.Passed = o.Traces > 0 && o.MatchedTraces == o.Traces
	case Absent:
		o.Passed = o.MatchedTraces == 0
	}
	if !o.Passed && e.Mode != Absent {
		if o.Traces == 0 {
			o.Diagnoses = []Diagnosis{{Summary: "the input holds no traces"}}
		} else {
			o.Diagnoses = c.x.Diagnoses()
		}
		if e.Mode == Every && o.MatchedTraces > 0 {
			// Explain saw only the traces that failed; say so, or "no
			// trace has …" would contradict the matched count.
			for i := range o.Diagnoses {
				o.Diagnoses[i].Summary += fmt.Sprintf(" (among the %s that did not match)", dag.Plural(c.unmatched, "trace"))
			}
		}
	}
	o.Elapsed = c.elapsed + time.Since(start)
	return o
}
