package render

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
)

// CheckTrace is one trace's findings, in the order Check made them.
type CheckTrace struct {
	TraceID  dag.TraceID
	Findings []dag.Finding
}

// CheckReport is what `tracectl check` found in its inputs.
type CheckReport struct {
	Traces []CheckTrace // every trace checked, with or without findings
	Spans  int          // spans checked
	// Skew is the clock offset per service pair (nil when clock_skew was
	// not checked or not found).
	Skew []dag.SkewPair
}

// Check writes the findings grouped by trace (traces without findings are
// left out), then a summary table (rule, severity, count) and, when there
// is clock skew, the offset estimated per service pair.
func Check(w io.Writer, st *Styles, r CheckReport) error {
	var b strings.Builder
	type ruleCount struct {
		sev   dag.Severity
		count int
	}
	counts := map[dag.Rule]*ruleCount{}
	var order []dag.Rule
	withFindings, total := 0, 0
	for _, t := range r.Traces {
		if len(t.Findings) == 0 {
			continue
		}
		if withFindings > 0 {
			b.WriteByte('\n')
		}
		withFindings++
		fmt.Fprintf(&b, "%s %s\n", st.Bold("Trace"), t.TraceID)
		for _, f := range t.Findings {
			total++
			c := counts[f.Rule]
			if c == nil {
				c = &ruleCount{sev: f.Severity}
				counts[f.Rule] = c
				order = append(order, f.Rule)
			}
			c.count++
			fmt.Fprintf(&b, "  %s %-26s %s  %s\n", severity(st, f.Severity, 7), f.Rule, st.Faint(f.SpanID.String()), f.Message)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if total == 0 {
		_, err := fmt.Fprintf(w, "%s checked (%s): no findings\n", plural(len(r.Traces), "trace"), plural(r.Spans, "span"))
		return err
	}
	fmt.Fprintln(w)

	// Errors first, then by count, then by name: the table reads as a
	// to-do list.
	slices.SortFunc(order, func(a, b dag.Rule) int {
		ca, cb := counts[a], counts[b]
		if c := cmp.Compare(cb.sev, ca.sev); c != 0 {
			return c
		}
		if c := cmp.Compare(cb.count, ca.count); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	rows := make([][]string, 0, len(order))
	for _, rl := range order {
		c := counts[rl]
		rows = append(rows, []string{string(rl), severity(st, c.sev, 0), strconv.Itoa(c.count)})
	}
	if err := Table(w, []string{"rule", "severity", "count"}, rows, nil, 2); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "%s in %d of %s (%s)\n", plural(total, "finding"), withFindings, plural(len(r.Traces), "trace"), plural(r.Spans, "span")); err != nil {
		return err
	}
	if len(r.Skew) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	rows = rows[:0]
	for _, p := range r.Skew {
		rows = append(rows, []string{
			st.Service(p.ParentService) + " → " + st.Service(p.ChildService),
			signedDuration(p.Offset), strconv.Itoa(p.Spans), strconv.Itoa(p.Explained),
		})
	}
	return Table(w, []string{"clock skew (parent → child)", "offset", "spans", "explained"}, rows, nil, 1, 2, 3)
}

// severity pads before colouring, so columns line up with colour on.
func severity(st *Styles, s dag.Severity, width int) string {
	text := s.String()
	if pad := width - len(text); pad > 0 {
		text += strings.Repeat(" ", pad)
	}
	if s == dag.SeverityError {
		return st.Error(text)
	}
	return st.Fg("214", text)
}

// signedDuration is Duration with a sign: how far to shift the child's
// clock.
func signedDuration(ns int64) string {
	if ns > 0 {
		return "+" + Duration(ns)
	}
	return Duration(ns)
}

type findingJSON struct {
	TraceID  string `json:"trace_id"`
	SpanID   string `json:"span_id"`
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// CheckJSON writes one JSON object per finding (JSON Lines, DESIGN §3).
func CheckJSON(w io.Writer, r CheckReport) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, t := range r.Traces {
		for _, f := range t.Findings {
			if err := enc.Encode(findingJSON{
				TraceID: f.TraceID.String(), SpanID: f.SpanID.String(),
				Rule: string(f.Rule), Severity: f.Severity.String(), Message: f.Message,
			}); err != nil {
				return err
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
