package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/check"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
)

// Check writes the findings grouped by trace (traces without findings are
// left out), then a summary table (rule, severity, count) and, when there
// is clock skew, the offset estimated per service pair.
func Check(w io.Writer, st *Styles, r check.Report) error {
	var b strings.Builder
	withFindings := 0
	for _, t := range r.Traces {
		if len(t.Findings) > 0 {
			checkTrace(&b, st, t, withFindings > 0)
			withFindings++
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return CheckSummary(w, st, r)
}

// CheckTrace writes one trace's findings as Check groups them (nothing
// for a trace without findings), after a blank line when sep is set: for
// output trace by trace (--stream), followed by CheckSummary.
func CheckTrace(w io.Writer, st *Styles, t check.Trace, sep bool) error {
	if len(t.Findings) == 0 {
		return nil
	}
	var b strings.Builder
	checkTrace(&b, st, t, sep)
	_, err := io.WriteString(w, b.String())
	return err
}

func checkTrace(b *strings.Builder, st *Styles, t check.Trace, sep bool) {
	if sep {
		b.WriteByte('\n')
	}
	fmt.Fprintf(b, "%s %s\n", st.Bold("Trace"), termstr.Escape(t.Findings[0].TraceIDText()))
	for _, f := range t.Findings {
		fmt.Fprintf(b, "  %s %-26s %s  %s\n", severity(st, f.Severity, 7), f.Rule, st.Faint(termstr.Escape(f.SpanIDText())), termstr.Escape(f.Message))
	}
}

// CheckSummary writes what follows Check's findings: the summary table
// (rule, severity, count) and the clock skew per service pair, or that
// nothing was found.
func CheckSummary(w io.Writer, st *Styles, r check.Report) error {
	if r.Findings == 0 {
		_, err := fmt.Fprintf(w, "%s checked (%s): no findings\n", dag.Plural(len(r.Traces), "trace"), dag.Plural(r.Spans, "span"))
		return err
	}
	fmt.Fprintln(w)

	rows := make([][]string, 0, len(r.Rules))
	for _, c := range r.Rules {
		rows = append(rows, []string{string(c.Rule), severity(st, c.Severity, 0), strconv.Itoa(c.Count)})
	}
	if err := Table(w, st, []Col{{Name: "rule"}, {Name: "severity"}, {Name: "count", Right: true}}, rows, nil); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "%s in %d of %s (%s)\n", dag.Plural(r.Findings, "finding"), r.WithFindings, dag.Plural(len(r.Traces), "trace"), dag.Plural(r.Spans, "span")); err != nil {
		return err
	}
	if len(r.Skew) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	rows = rows[:0]
	for _, p := range r.Skew {
		rows = append(rows, []string{
			st.Service(termstr.Escape(p.ParentService)) + " → " + st.Service(termstr.Escape(p.ChildService)),
			dag.FormatShift(p.Offset), strconv.Itoa(p.Spans), strconv.Itoa(p.Explained),
		})
	}
	return Table(w, st, []Col{
		{Name: "clock skew (parent → child)", Cut: true}, {Name: "offset", Right: true},
		{Name: "spans", Right: true, Drop: 2}, {Name: "explained", Right: true, Drop: 1},
	}, rows, nil)
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

type findingJSON struct {
	TraceID  string `json:"trace_id"`
	SpanID   string `json:"span_id"`
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// CheckJSON writes one JSON object per finding (JSON Lines, DESIGN §3).
func CheckJSON(w io.Writer, r check.Report) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, t := range r.Traces {
		for _, f := range t.Findings {
			if err := enc.Encode(findingJSON{
				TraceID: f.TraceIDText(), SpanID: f.SpanIDText(),
				Rule: string(f.Rule), Severity: f.Severity.String(), Message: f.Message,
			}); err != nil {
				return err
			}
		}
	}
	return writeJSON(w, []byte(b.String()))
}
