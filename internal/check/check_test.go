package check

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/pii"
)

var (
	front  = &dag.Resource{Service: "frontend"}
	mailer = &dag.Resource{Service: "mailer ops@example.com", Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue("mailer ops@example.com")}}}
)

// span makes a span; times are ns after an epoch far enough from 0 that
// skewed children may start "before" it.
func span(trace byte, id, parent byte, res *dag.Resource, name string, start, end int64) dag.SpanData {
	const epoch = 1_700_000_000_000_000_000
	s := dag.SpanData{TraceID: dag.TraceID{15: trace}, SpanID: dag.SpanID{7: id}, Name: name, Resource: res, Start: uint64(epoch + start), End: uint64(epoch + end)}
	if parent != 0 {
		s.ParentSpanID = dag.SpanID{7: parent}
	}
	return s
}

// trees builds one tree per trace id, in first-seen order.
func trees(spans ...dag.SpanData) []*dag.Tree {
	var ts dag.Traces
	ts.Add(dag.Pack(spans))
	var out []*dag.Tree
	for _, t := range ts.List() {
		out = append(out, dag.Build(t))
	}
	return out
}

// input: trace 1 has a span ending before it starts whose name holds a
// password, a child on another clock 10ms early whose name and service
// hold e-mail addresses, and a second span under an existing id whose
// attribute holds a card number; trace 2 is clean.
func input() []*dag.Tree {
	conflict := span(1, 2, 1, front, "GET /b", 1000, 2000)
	conflict.Attrs = []dag.Attr{{Key: "note", Value: dag.StringValue("card 4111 1111 1111 1111")}}
	return trees(
		span(1, 1, 0, front, "GET /login?password=hunter22", 0, 10_000_000),
		span(1, 2, 1, front, "GET /b", 1000, 3000),
		span(1, 3, 1, mailer, "send to bob@example.com", -10_000_000, -5_000_000),
		conflict,
		span(1, 4, 0, front, "late", 20_000_000, 10_000_000),
		span(2, 1, 0, front, "GET /", 0, 100),
	)
}

type summary struct {
	Findings     []string // "rule span: message"
	Rules        []RuleCount
	Worst        dag.Severity
	Spans        int
	WithFindings int
	Skew         []string
}

func summarize(r Report) summary {
	s := summary{Rules: r.Rules, Worst: r.Worst, Spans: r.Spans, WithFindings: r.WithFindings}
	for _, t := range r.Traces {
		for _, f := range t.Findings {
			s.Findings = append(s.Findings, string(f.Rule)+" "+f.SpanID.String()[14:]+": "+f.Message)
		}
	}
	for _, p := range r.Skew {
		s.Skew = append(s.Skew, p.ParentService+" → "+p.ChildService)
	}
	if len(s.Findings) != r.Findings {
		panic("Findings count disagrees with the findings")
	}
	return s
}

func TestChecker(t *testing.T) {
	emp, err := pii.ParsePattern(`GET /b`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
		want summary
	}{{
		name: "default",
		want: summary{
			Findings: []string{
				`duplicate_span_id 02: span id used by two different spans ("GET /b" and "GET /b"); keeping the first`,
				`multiple_roots 04: 2 root spans: 0000000000000001 "GET /login?password=hunter22", 0000000000000004 "late"`,
				`clock_skew 03: span "send to bob@example.com" (mailer ops@example.com) starts 10.0ms before its parent "GET /login?password=hunter22" (frontend): clock skew, estimated offset +12.5ms`,
				`end_before_start 04: span "late" ends 10.0ms before it starts`,
			},
			Rules: []RuleCount{
				{dag.RuleDuplicateSpanID, dag.SeverityError, 1}, {dag.RuleEndBeforeStart, dag.SeverityError, 1},
				{dag.RuleClockSkew, dag.SeverityWarning, 1}, {dag.RuleMultipleRoots, dag.SeverityWarning, 1},
			},
			Worst: dag.SeverityError, Spans: 5, WithFindings: 1,
			Skew: []string{"frontend → mailer ops@example.com"},
		},
	}, {
		name: "pii masks every message and scans the dropped span",
		opts: Options{PII: true, Skip: []dag.Rule{dag.RuleMultipleRoots}},
		want: summary{
			Findings: []string{
				`duplicate_span_id 02: span id used by two different spans ("GET /b" and "GET /b"); keeping the first`,
				`clock_skew 03: span "send to [REDACTED:email]" (mailer [REDACTED:email]) starts 10.0ms before its parent "GET /login?password=[REDACTED:query_secret]" (frontend): clock skew, estimated offset +12.5ms`,
				`end_before_start 04: span "late" ends 10.0ms before it starts`,
				`pii 01: query_secret (8 characters) in span name`,
				`pii 03: email (15 characters) in span name`,
				`pii 03: email (15 characters) in resource attribute "service.name"`,
				`pii 02: card_number (19 characters) in span attribute "note"`,
			},
			Rules: []RuleCount{
				{dag.RulePII, dag.SeverityError, 4}, {dag.RuleDuplicateSpanID, dag.SeverityError, 1},
				{dag.RuleEndBeforeStart, dag.SeverityError, 1}, {dag.RuleClockSkew, dag.SeverityWarning, 1},
			},
			Worst: dag.SeverityError, Spans: 5, WithFindings: 1,
			Skew: []string{"frontend → mailer [REDACTED:email]"},
		},
	}, {
		name: "only warnings",
		opts: Options{Only: []dag.Rule{dag.RuleClockSkew, dag.RuleMultipleRoots}},
		want: summary{
			Findings: []string{
				`multiple_roots 04: 2 root spans: 0000000000000001 "GET /login?password=hunter22", 0000000000000004 "late"`,
				`clock_skew 03: span "send to bob@example.com" (mailer ops@example.com) starts 10.0ms before its parent "GET /login?password=hunter22" (frontend): clock skew, estimated offset +12.5ms`,
			},
			Rules: []RuleCount{{dag.RuleClockSkew, dag.SeverityWarning, 1}, {dag.RuleMultipleRoots, dag.SeverityWarning, 1}},
			Worst: dag.SeverityWarning, Spans: 5, WithFindings: 1,
			Skew: []string{"frontend → mailer ops@example.com"},
		},
	}, {
		name: "naming the pii rule or giving a pattern asks for the scan",
		opts: Options{Only: []dag.Rule{dag.RulePII}, Patterns: []pii.Pattern{emp}},
		want: summary{
			Findings: []string{
				`pii 01: query_secret (8 characters) in span name`,
				`pii 03: email (15 characters) in span name`,
				`pii 03: email (15 characters) in resource attribute "service.name"`,
				`pii 02: pattern /GET /b/ (6 characters) in span name`,
				`pii 02: pattern /GET /b/ (6 characters) in span name`,
				`pii 02: card_number (19 characters) in span attribute "note"`,
			},
			Rules: []RuleCount{{dag.RulePII, dag.SeverityError, 6}},
			Worst: dag.SeverityError, Spans: 5, WithFindings: 1,
		},
	}, {
		name: "skipping everything",
		opts: Options{Skip: Rules},
		want: summary{Spans: 5},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(tt.opts)
			for _, tr := range input() {
				c.Add(tr)
			}
			got := summarize(c.Report())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tt.opts.PII {
				for _, f := range got.Findings {
					for _, secret := range []string{"hunter22", "bob@", "ops@", "4111"} {
						if strings.Contains(f, secret) {
							t.Errorf("message shows %q: %s", secret, f)
						}
					}
				}
			}
		})
	}
}

func TestParseRules(t *testing.T) {
	got, err := ParseRules([]string{"pii", "clock_skew, missing_parent"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]dag.Rule{dag.RulePII, dag.RuleClockSkew, dag.RuleMissingParent}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ParseRules([]string{"pii,skew"}); err == nil || !strings.Contains(err.Error(), `unknown rule "skew" (rules: invalid_trace_id,`) {
		t.Errorf("error = %v", err)
	}
}
