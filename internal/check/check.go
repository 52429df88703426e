// Package check runs `tracectl check` over many traces: it knows the
// rules and which are enabled, runs dag's structural and happens-before
// checks and pii's secret scan on each trace, keeps every message free of
// secrets when the scan is on, estimates clock skew per service pair over
// all traces, and sums up what it found (per rule, worst severity).
//
// It owns the run, not the rules themselves (package dag and package pii
// make the findings) and not their presentation (package render prints a
// Report). A Checker is fed one built tree at a time (Add) and answers
// with a Report at the end.
package check

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/pii"
)

// Rules are the rules check knows, in DESIGN §3's order.
var Rules = []dag.Rule{
	dag.RuleInvalidTraceID, dag.RuleInvalidSpanID, dag.RuleDuplicateSpanID, dag.RuleEndBeforeStart,
	dag.RuleMissingParent, dag.RuleParentCycle, dag.RuleMultipleRoots, dag.RuleChildStartsBeforeParent,
	dag.RuleChildEndsAfterParent, dag.RuleClockSkew, dag.RulePII,
}

// RuleNames are the names of Rules, as --rule takes them.
func RuleNames() []string {
	names := make([]string, len(Rules))
	for i, r := range Rules {
		names[i] = string(r)
	}
	return names
}

// ParseRules parses rule names, each value possibly a comma-separated
// list, as --rule and --skip-rule take them.
func ParseRules(values []string) ([]dag.Rule, error) {
	var out []dag.Rule
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			r := dag.Rule(strings.TrimSpace(part))
			if !slices.Contains(Rules, r) {
				return nil, fmt.Errorf("unknown rule %q (rules: %s)", part, strings.Join(RuleNames(), ", "))
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// Options configure a Checker.
type Options struct {
	// Only, when not empty, limits the report to these rules; Skip
	// removes rules from it.
	Only, Skip []dag.Rule
	// Tolerance (ns) is dag.CheckOptions.Tolerance.
	Tolerance int64
	// PII asks for the secret scan (rule pii). Naming pii in Only, or
	// giving Patterns, asks for it too.
	PII      bool
	Patterns []pii.Pattern
}

// Checker checks traces one at a time and sums up what it found. It is
// not safe for concurrent use.
type Checker struct {
	enabled map[dag.Rule]bool
	tol     int64
	scanner *pii.Scanner         // nil without the pii scan
	skew    *dag.SkewEstimator   // nil when clock_skew is off
	masked  map[string]maskedStr // names already redacted (--pii)
	report  Report
	counts  map[dag.Rule]*RuleCount
}

// maskedStr is a name with its secrets masked, when it held any.
type maskedStr struct {
	text   string
	secret bool
}

// maxMasked bounds the cache of redacted names: span and service names
// repeat across traces, but input decides how many there are.
const maxMasked = 1 << 16

// New returns a Checker for the given options.
func New(opts Options) *Checker {
	c := &Checker{
		enabled: make(map[dag.Rule]bool, len(Rules)),
		tol:     max(opts.Tolerance, 0),
		counts:  make(map[dag.Rule]*RuleCount),
	}
	for _, r := range Rules {
		c.enabled[r] = len(opts.Only) == 0 || slices.Contains(opts.Only, r)
	}
	for _, r := range opts.Skip {
		c.enabled[r] = false
	}
	scanPII := opts.PII || slices.Contains(opts.Only, dag.RulePII) || len(opts.Patterns) > 0
	c.enabled[dag.RulePII] = c.enabled[dag.RulePII] && scanPII
	if c.enabled[dag.RulePII] {
		c.scanner = pii.NewScanner(opts.Patterns...)
		c.masked = make(map[string]maskedStr)
	}
	if c.enabled[dag.RuleClockSkew] {
		c.skew = &dag.SkewEstimator{}
	}
	return c
}

// Add checks one trace and returns its findings. Traces are reported in
// the order they are added.
func (c *Checker) Add(tr *dag.Tree) Trace {
	fs := dag.Check(tr, dag.CheckOptions{Tolerance: c.tol, Skew: c.skew})
	if c.scanner != nil {
		c.maskMessages(tr, fs)
		fs = append(fs, c.scanner.Scan(tr)...)
	}
	fs = slices.DeleteFunc(fs, func(f dag.Finding) bool { return !c.enabled[f.Rule] })
	r := &c.report
	for _, f := range fs {
		r.Worst = max(r.Worst, f.Severity)
		rc := c.counts[f.Rule]
		if rc == nil {
			rc = &RuleCount{Rule: f.Rule, Severity: f.Severity}
			c.counts[f.Rule] = rc
		}
		rc.Count++
	}
	r.Findings += len(fs)
	if len(fs) > 0 {
		r.WithFindings++
	}
	t := Trace{TraceID: tr.TraceID, Findings: fs}
	r.Traces = append(r.Traces, t)
	r.Spans += tr.SpanCount()
	return t
}

// maskMessages rewrites the messages of the other rules, which quote
// span and service names, so that they hold no secret: each name of the
// trace in which the scan finds one is replaced, raw and quoted, by its
// redacted form. Names, not messages, are scanned, so a message shows
// exactly what the pii findings report, whatever text surrounds the name.
func (c *Checker) maskMessages(tr *dag.Tree, fs []dag.Finding) {
	if !slices.ContainsFunc(fs, func(f dag.Finding) bool { return f.Rule != dag.RulePII }) {
		return
	}
	var pairs []string
	seen := make(map[string]bool)
	add := func(name string) {
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		if m := c.mask(name); m.secret {
			// Quoted first: at one position the replacer tries its pairs in
			// order, and a quoted name starts one byte before the raw one.
			pairs = append(pairs, strconv.Quote(name), strconv.Quote(m.text), name, m.text)
		}
	}
	addSpan := func(s *dag.Span) {
		add(s.Name())
		add(s.Service())
	}
	for i := range tr.Nodes {
		if s := tr.Nodes[i].Span; s != nil {
			addSpan(s)
		}
	}
	for _, s := range tr.Conflicts {
		addSpan(s)
	}
	if len(pairs) == 0 {
		return
	}
	r := strings.NewReplacer(pairs...)
	for i := range fs {
		if fs[i].Rule != dag.RulePII {
			fs[i].Message = r.Replace(fs[i].Message)
		}
	}
}

// Report returns what the traces added so far hold.
func (c *Checker) Report() Report {
	r := c.report
	r.Rules = nil
	for _, rc := range c.counts {
		r.Rules = append(r.Rules, *rc)
	}
	// Errors first, then by count, then by name: the table reads as a
	// to-do list.
	slices.SortFunc(r.Rules, func(a, b RuleCount) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Rule, b.Rule)
	})
	if c.skew != nil {
		r.Skew = c.skew.Pairs()
		if c.scanner != nil {
			for i := range r.Skew {
				p := &r.Skew[i]
				p.ParentService, p.ChildService = c.mask(p.ParentService).text, c.mask(p.ChildService).text
			}
		}
	}
	return r
}

// mask returns name with its secrets masked, from the cache when it can.
func (c *Checker) mask(name string) maskedStr {
	m, ok := c.masked[name]
	if !ok {
		m.text, m.secret = c.scanner.Redact(name)
		if len(c.masked) < maxMasked {
			c.masked[name] = m
		}
	}
	return m
}

// Report is what a Checker found.
type Report struct {
	Traces       []Trace // every trace checked, with or without findings
	Spans        int     // spans checked
	Findings     int     // findings in all traces
	WithFindings int     // traces with at least one finding
	// Rules counts the findings per rule, errors first, then the most
	// frequent, then by name.
	Rules []RuleCount
	// Worst is the highest severity found (0 when nothing was).
	Worst dag.Severity
	// Skew is the clock offset per service pair (nil when clock_skew was
	// not checked or not found).
	Skew []dag.SkewPair
}

// Trace is one trace's findings: dag's in tree order, then pii's.
type Trace struct {
	TraceID  dag.TraceID
	Findings []dag.Finding
}

// RuleCount is how many findings one rule made.
type RuleCount struct {
	Rule     dag.Rule
	Severity dag.Severity
	Count    int
}
