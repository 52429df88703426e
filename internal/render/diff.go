package render

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/diff"
	"github.com/tracectl/tracectl/internal/termstr"
)

// DiffOptions describe the inputs of a diff report, for its header.
type DiffOptions struct {
	Base, Cand []string // input names, for JUnit properties
}

// arrow formats a before → after pair.
func arrow(before, after string) string { return before + " → " + after }

func pValue(p float64) string {
	switch {
	case p < 0.001:
		return "<0.001"
	case p >= 0.995:
		return "1"
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

func calls(f float64) string { return strconv.FormatFloat(f, 'g', 3, 64) }

func shiftText(r *diff.Row) string {
	return fmt.Sprintf("%s [%s, %s]", dag.FormatShift(r.Shift.Estimate), dag.FormatShift(r.Shift.Low), dag.FormatShift(r.Shift.High))
}

func verdictText(st *Styles, v diff.Verdict) string {
	switch v {
	case diff.Regressed:
		return st.Error(string(v))
	case diff.Improved:
		return st.Fg("42", string(v))
	case diff.New, diff.Gone:
		return st.Fg("220", string(v))
	}
	return st.Faint(string(v))
}

// Diff writes a comparison for people: a header with the sample sizes and
// the rule, one row per group — the end to end first, then regressions
// (largest first), improvements, new, gone and unchanged groups — each
// with p50/p90/p99 before → after, the shift and its 95% interval, the
// corrected p-value, calls per trace, error rate and, for rows that moved,
// the share of the end-to-end shift they explain; then notes on what the
// data cannot tell and, for regressions, why.
func Diff(w io.Writer, st *Styles, rep *diff.Report) error {
	if _, err := fmt.Fprintf(w, "base %d traces, candidate %d traces · per-trace critical time per %s · α = %g (Holm over %d rows) · min change %s of the base median\n\n",
		rep.BaseTraces, rep.CandTraces, rep.By.String(), rep.Alpha, len(rep.Rows), Percent(rep.MinChange)); err != nil {
		return err
	}
	rows := make([][]string, 0, len(rep.Rows))
	for i := range rep.Rows {
		r := &rep.Rows[i]
		name := termstr.Escape(r.Group)
		if !r.EndToEnd && !r.Key.Missing {
			name = st.Service(termstr.Escape(r.Key.Service))
			if r.Key.Name != "" {
				name += "/" + termstr.Escape(r.Key.Name)
			}
		}
		share := ""
		if r.Verdict == diff.Regressed || r.Verdict == diff.Improved || r.Verdict == diff.New || r.Verdict == diff.Gone {
			share = Percent(r.Share)
		}
		rows = append(rows, []string{
			name, verdictText(st, r.Verdict),
			arrow(dag.FormatDuration(r.Base.Latency.P50), dag.FormatDuration(r.Cand.Latency.P50)),
			arrow(dag.FormatDuration(r.Base.Latency.P90), dag.FormatDuration(r.Cand.Latency.P90)),
			arrow(dag.FormatDuration(r.Base.Latency.P99), dag.FormatDuration(r.Cand.Latency.P99)),
			shiftText(r), pValue(r.P),
			arrow(calls(r.Base.CallsPerTrace), calls(r.Cand.CallsPerTrace)),
			arrow(Percent(r.Base.ErrorRate), Percent(r.Cand.ErrorRate)),
			share,
		})
	}
	cols := []Col{
		{Name: rep.By.String(), Cut: true}, {Name: "verdict"}, {Name: "p50", Right: true}, {Name: "p90", Right: true, Drop: 2},
		{Name: "p99", Right: true}, {Name: "shift (95% CI)", Right: true}, {Name: "p", Right: true, Drop: 5},
		{Name: "calls/trace", Right: true, Drop: 1}, {Name: "errors", Right: true, Drop: 3}, {Name: "share", Right: true, Drop: 4},
	}
	if err := Table(w, st, cols, rows, nil); err != nil {
		return err
	}
	_, err := io.WriteString(w, DiffNotes(st, rep))
	return err
}

// DiffNotes is the text below Diff's table: notes on what the data cannot
// tell, tails that grew, why each regression happened, and the verdict
// line. The HTML report shows it below its own table.
func DiffNotes(st *Styles, rep *diff.Report) string {
	var notes strings.Builder
	reasons := map[string]bool{}
	for i := range rep.Rows {
		if r := &rep.Rows[i]; r.Reason != "" && !reasons[r.Reason] {
			reasons[r.Reason] = true
			fmt.Fprintf(&notes, "\n%s %s\n", st.Bold("note:"), r.Reason)
		}
	}
	writeTails(&notes, st, rep)
	for i := range rep.Rows {
		writeWhy(&notes, st, &rep.Rows[i])
	}
	fmt.Fprintf(&notes, "\n%s\n", diffSummary(st, rep))
	return notes.String()
}

// writeTails notes the rows that did not regress but whose tail grew: more
// candidate traces above the pooled p95 than chance allows.
func writeTails(b *strings.Builder, st *Styles, rep *diff.Report) {
	first := true
	for i := range rep.Rows {
		r := &rep.Rows[i]
		t := r.Tail
		if t == nil || !t.Grew || r.Verdict == diff.Regressed {
			continue // a regressed row's tail moved with it
		}
		if first {
			fmt.Fprintf(b, "\n%s grew without a regression of the median (traces above the p95 of both sides pooled; Fisher's exact test, Bonferroni over the rows):\n", st.Bold("tail"))
			first = false
		}
		fmt.Fprintf(b, "  %s: %s of candidate traces above %s vs %s of base traces (p %s)\n", termstr.Escape(r.Group),
			Percent(float64(t.CandAbove)/float64(r.Cand.Traces)), dag.FormatDuration(t.Threshold),
			Percent(float64(t.BaseAbove)/float64(r.Base.Traces)), pValue(t.P))
	}
}

// writeWhy explains one regressed row.
func writeWhy(b *strings.Builder, st *Styles, r *diff.Row) {
	if r.Why == nil {
		return
	}
	y := r.Why
	fmt.Fprintf(b, "\n%s %s %s (p50 %s → %s, %s calls per trace):\n", st.Bold("why"), termstr.Escape(r.Group),
		st.Error("regressed by "+dag.FormatShift(r.Shift.Estimate)), dag.FormatDuration(r.Base.Latency.P50), dag.FormatDuration(r.Cand.Latency.P50),
		arrow(calls(r.Base.CallsPerTrace), calls(r.Cand.CallsPerTrace)))
	switch {
	case y.Retimed:
		fmt.Fprintf(b, "  its own work is %.2f× slower per call; re-timing the candidate with it at base speed removes %s of the end-to-end shift\n",
			y.Factor, Percent(y.Explained))
	case r.Cand.CallsPerTrace > r.Base.CallsPerTrace:
		fmt.Fprintf(b, "  its work per call did not grow; it is called more often\n")
	}
	if len(y.Attributes) == 0 {
		fmt.Fprintf(b, "  no attribute value stands out in the %d candidate traces where it is slower than the base p90\n", y.Slow)
		return
	}
	fmt.Fprintf(b, "  over-represented in the %d candidate traces where it is slower than the base p90 (vs %s):\n", y.Slow, y.Baseline)
	for _, a := range y.Attributes {
		fmt.Fprintf(b, "    %s=%s  %s vs %s\n", termstr.Escape(a.Key), termstr.Escape(a.Value), Percent(a.SlowShare), Percent(a.BaseShare))
	}
}

func diffSummary(st *Styles, rep *diff.Report) string {
	count := map[diff.Verdict]int{}
	var regressed []string
	for i := range rep.Rows {
		r := &rep.Rows[i]
		count[r.Verdict]++
		if r.Verdict == diff.Regressed {
			regressed = append(regressed, termstr.Escape(r.Group))
		}
	}
	s := fmt.Sprintf("%d regressed, %d improved, %d new, %d gone, %d unchanged",
		count[diff.Regressed], count[diff.Improved], count[diff.New], count[diff.Gone], count[diff.Unchanged])
	if len(regressed) > 0 {
		return st.Error("REGRESSED") + ": " + strings.Join(regressed, ", ") + " (" + s + ")"
	}
	return st.Bold("no regression") + " (" + s + ")"
}

type diffRowJSON struct {
	Group             string  `json:"group"`
	BaseTraces        int     `json:"base_traces"`
	CandTraces        int     `json:"cand_traces"`
	BaseCallsPerTrace float64 `json:"base_calls_per_trace"`
	CandCallsPerTrace float64 `json:"cand_calls_per_trace"`
	BaseP50           int64   `json:"base_p50_ns"`
	CandP50           int64   `json:"cand_p50_ns"`
	BaseP90           int64   `json:"base_p90_ns"`
	CandP90           int64   `json:"cand_p90_ns"`
	BaseP99           int64   `json:"base_p99_ns"`
	CandP99           int64   `json:"cand_p99_ns"`
	Shift             int64   `json:"shift_ns"`
	ShiftLow          int64   `json:"shift_low_ns"`
	ShiftHigh         int64   `json:"shift_high_ns"`
	P                 float64 `json:"p_value"`
	BaseErrorRate     float64 `json:"base_error_rate"`
	CandErrorRate     float64 `json:"cand_error_rate"`
	Verdict           string  `json:"verdict"`
}

// roundSig keeps p-values readable and stable across platforms: 4
// significant digits.
func roundSig(f float64) float64 {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return f
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 4, 64), 64)
	return v
}

// DiffJSON writes one JSON object per row (DESIGN.md §3): the end to end
// first ("group":"(end to end)"), then the groups in the order of Diff.
func DiffJSON(w io.Writer, rep *diff.Report) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if err := enc.Encode(diffRowJSON{
			Group: r.Group, BaseTraces: r.Base.Traces, CandTraces: r.Cand.Traces,
			BaseCallsPerTrace: round4(r.Base.CallsPerTrace), CandCallsPerTrace: round4(r.Cand.CallsPerTrace),
			BaseP50: r.Base.Latency.P50, CandP50: r.Cand.Latency.P50,
			BaseP90: r.Base.Latency.P90, CandP90: r.Cand.Latency.P90,
			BaseP99: r.Base.Latency.P99, CandP99: r.Cand.Latency.P99,
			Shift: r.Shift.Estimate, ShiftLow: r.Shift.Low, ShiftHigh: r.Shift.High,
			P: roundSig(r.P), BaseErrorRate: round4(r.Base.ErrorRate), CandErrorRate: round4(r.Cand.ErrorRate),
			Verdict: string(r.Verdict),
		}); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// markdownCell escapes text for a GitHub table cell.
func markdownCell(s string) string {
	s = termstr.Escape(s)
	r := strings.NewReplacer("|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// DiffMarkdown writes the comparison as a GitHub-flavoured Markdown
// section for a pull-request comment: a headline, the table, and the
// notes and explanations of Diff.
func DiffMarkdown(w io.Writer, rep *diff.Report) error {
	var b strings.Builder
	plain := NewStyles(io.Discard, false)
	n := 0
	for i := range rep.Rows {
		if rep.Rows[i].Verdict == diff.Regressed {
			n++
		}
	}
	switch n {
	case 0:
		b.WriteString("### tracectl diff: no regression\n\n")
	case 1:
		b.WriteString("### tracectl diff: 1 regression\n\n")
	default:
		fmt.Fprintf(&b, "### tracectl diff: %d regressions\n\n", n)
	}
	fmt.Fprintf(&b, "Base %d traces, candidate %d traces. Per-trace critical time per %s; α = %g (Holm over %d rows); min change %s of the base median.\n\n",
		rep.BaseTraces, rep.CandTraces, rep.By.String(), rep.Alpha, len(rep.Rows), Percent(rep.MinChange))
	fmt.Fprintf(&b, "| %s | verdict | p50 | p90 | p99 | shift (95%% CI) | p | calls/trace | errors | share |\n", rep.By.String())
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for i := range rep.Rows {
		r := &rep.Rows[i]
		v := string(r.Verdict)
		if r.Verdict == diff.Regressed {
			v = "**regressed**"
		}
		share := ""
		if r.Verdict != diff.Unchanged {
			share = Percent(r.Share)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			markdownCell(r.Group), v,
			arrow(dag.FormatDuration(r.Base.Latency.P50), dag.FormatDuration(r.Cand.Latency.P50)),
			arrow(dag.FormatDuration(r.Base.Latency.P90), dag.FormatDuration(r.Cand.Latency.P90)),
			arrow(dag.FormatDuration(r.Base.Latency.P99), dag.FormatDuration(r.Cand.Latency.P99)),
			shiftText(r), pValue(r.P),
			arrow(calls(r.Base.CallsPerTrace), calls(r.Cand.CallsPerTrace)),
			arrow(Percent(r.Base.ErrorRate), Percent(r.Cand.ErrorRate)), share)
	}
	var notes strings.Builder
	reasons := map[string]bool{}
	for i := range rep.Rows {
		if r := &rep.Rows[i]; r.Reason != "" && !reasons[r.Reason] {
			reasons[r.Reason] = true
			fmt.Fprintf(&notes, "\nnote: %s\n", r.Reason)
		}
	}
	writeTails(&notes, plain, rep)
	for i := range rep.Rows {
		writeWhy(&notes, plain, &rep.Rows[i])
	}
	if notes.Len() > 0 {
		b.WriteString("\n<details><summary>notes</summary>\n\n```" + strings.ReplaceAll(notes.String(), "```", "'''") + "```\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// DiffJUnit writes the comparison as a JUnit XML report: one testcase per
// row, failed when the row regressed, with the row's numbers as output.
func DiffJUnit(w io.Writer, rep *diff.Report, opt DiffOptions) error {
	const name = "tracectl diff"
	suite := junitSuite{Name: name, Tests: len(rep.Rows), Time: seconds(0)}
	for _, f := range opt.Base {
		suite.Properties = append(suite.Properties, junitProperty{Name: "base", Value: xmlSafe(f)})
	}
	for _, f := range opt.Cand {
		suite.Properties = append(suite.Properties, junitProperty{Name: "cand", Value: xmlSafe(f)})
	}
	plain := NewStyles(io.Discard, false)
	for i := range rep.Rows {
		r := &rep.Rows[i]
		summary := fmt.Sprintf("%s: p50 %s, p99 %s, shift %s, p %s, calls/trace %s, errors %s",
			r.Verdict, arrow(dag.FormatDuration(r.Base.Latency.P50), dag.FormatDuration(r.Cand.Latency.P50)),
			arrow(dag.FormatDuration(r.Base.Latency.P99), dag.FormatDuration(r.Cand.Latency.P99)), shiftText(r), pValue(r.P),
			arrow(calls(r.Base.CallsPerTrace), calls(r.Cand.CallsPerTrace)),
			arrow(Percent(r.Base.ErrorRate), Percent(r.Cand.ErrorRate)))
		if r.Reason != "" {
			summary += "\n" + r.Reason
		}
		c := junitCase{Name: xmlSafe(r.Group), Classname: "tracectl.diff." + rep.By.String(), Time: seconds(0),
			SystemOut: &junitText{xmlSafe(summary + "\n")}}
		if r.Verdict == diff.Regressed {
			suite.Failures++
			var why strings.Builder
			writeWhy(&why, plain, r)
			c.Failure = &junitFailure{Message: xmlSafe(fmt.Sprintf("regressed by %s (p %s)", dag.FormatShift(r.Shift.Estimate), pValue(r.P))),
				Type: "Regressed", Text: xmlSafe(summary + "\n" + why.String())}
		}
		suite.Cases = append(suite.Cases, c)
	}
	return writeJUnit(w, suite)
}

// DiffTree writes two aligned traces as one tree: every span with its
// duration and critical time before → after; spans only in the candidate
// marked "+", only in the base "-", changed "~"; and, for spans on both
// sides, "◆" where the span joined the critical path and "◇" where it
// left it.
func DiffTree(w io.Writer, st *Styles, baseID, candID string, spans []diff.SpanDiff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "base %s → candidate %s\n", baseID, candID)
	var counts [4]int
	rows := make([][]string, 0, len(spans))
	for i := range spans {
		d := &spans[i]
		mark := " "
		switch d.Change {
		case diff.Added:
			mark, counts[0] = st.Fg("42", "+"), counts[0]+1
		case diff.Removed:
			mark, counts[1] = st.Error("-"), counts[1]+1
		case diff.Changed:
			mark, counts[2] = "~", counts[2]+1
		default:
			counts[3]++
		}
		label := termstr.Escape(d.Name)
		if d.Service != "" {
			label = st.Service(termstr.Escape(d.Service)) + " " + label
		} else {
			label = st.Faint(label)
		}
		if (d.Change == diff.Changed || d.Change == diff.Same) && d.OnPathChanged() {
			if d.CandCritical > 0 {
				label += " " + st.Bold("◆ now on the critical path")
			} else {
				label += " " + st.Faint("◇ left the critical path")
			}
		}
		dur, crit := "", ""
		switch d.Change {
		case diff.Added:
			dur, crit = dag.FormatDuration(d.CandDuration), dag.FormatDuration(d.CandCritical)
		case diff.Removed:
			dur, crit = dag.FormatDuration(d.BaseDuration), dag.FormatDuration(d.BaseCritical)
		default:
			dur = arrow(dag.FormatDuration(d.BaseDuration), dag.FormatDuration(d.CandDuration))
			crit = arrow(dag.FormatDuration(d.BaseCritical), dag.FormatDuration(d.CandCritical))
		}
		delta := ""
		if d.Change == diff.Changed || d.Change == diff.Added || d.Change == diff.Removed {
			delta = dag.FormatShift(d.CandCritical - d.BaseCritical)
		}
		rows = append(rows, []string{mark + " " + strings.Repeat("  ", min(d.Depth, 40)) + label, dur, crit, delta})
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if err := Table(w, st, []Col{{Name: "span", Cut: true}, {Name: "duration", Right: true, Drop: 1}, {Name: "critical", Right: true}, {Name: "Δ critical", Right: true}}, rows, nil); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d added, %d removed, %d changed, %d same\n", counts[0], counts[1], counts[2], counts[3])
	return err
}

type spanDiffJSON struct {
	Path         string `json:"path"`
	Service      string `json:"service"`
	Name         string `json:"name"`
	Change       string `json:"change"`
	BaseDuration int64  `json:"base_duration_ns"`
	CandDuration int64  `json:"cand_duration_ns"`
	BaseCritical int64  `json:"base_critical_ns"`
	CandCritical int64  `json:"cand_critical_ns"`
}

// DiffTreeJSON writes one JSON object per aligned span (DESIGN.md §3):
// {"path","service","name","change","base_duration_ns","cand_duration_ns",
// "base_critical_ns","cand_critical_ns"}, in tree order.
func DiffTreeJSON(w io.Writer, spans []diff.SpanDiff) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range spans {
		d := &spans[i]
		if err := enc.Encode(spanDiffJSON{
			Path: diff.Path(spans, i), Service: d.Service, Name: d.Name, Change: string(d.Change),
			BaseDuration: d.BaseDuration, CandDuration: d.CandDuration,
			BaseCritical: d.BaseCritical, CandCritical: d.CandCritical,
		}); err != nil {
			return err
		}
	}
	return nil
}
