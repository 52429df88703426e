package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
)

// AttribOptions shape `tracectl attrib` table output.
type AttribOptions struct {
	By       critpath.By
	Traces   int
	EndToEnd int64 // total end-to-end time
	Latency  critpath.Percentiles
	Top      int // rows shown; 0 for all
}

// Attrib writes attribution rows as a table — group, spans, traces, self
// time and share, critical-path time and share, per-trace critical time
// percentiles — and a footer with the end-to-end totals.
func Attrib(w io.Writer, st *Styles, rows []critpath.Row, opt AttribOptions) error {
	shown := rows
	if opt.Top > 0 && len(shown) > opt.Top {
		shown = shown[:opt.Top]
	}
	group := "operation"
	if opt.By == critpath.ByService {
		group = "service"
	}
	out := make([][]string, 0, len(shown))
	for _, r := range shown {
		var name string
		switch {
		case r.Missing:
			name = st.Faint(dag.MissingSpans)
		case r.Name == "":
			name = st.Service(termstr.Escape(r.Service))
		default:
			name = st.Service(termstr.Escape(r.Service)) + "/" + termstr.Escape(r.Name)
		}
		if r.Queue {
			name += st.Faint(critpath.QueueSuffix)
		}
		out = append(out, []string{
			name, strconv.Itoa(r.Spans), strconv.Itoa(r.Traces),
			dag.FormatDuration(r.Self), Percent(r.SelfShare),
			dag.FormatDuration(r.Critical), Percent(r.CriticalShare),
			dag.FormatDuration(r.PerTrace.P50), dag.FormatDuration(r.PerTrace.P90), dag.FormatDuration(r.PerTrace.P99),
		})
	}
	label := "end to end, " + dag.Plural(opt.Traces, "trace")
	if len(shown) < len(rows) {
		label += fmt.Sprintf(" (top %d of %d rows)", len(shown), len(rows))
	}
	footer := []string{label, "", "", "", "", dag.FormatDuration(opt.EndToEnd), Percent(1),
		dag.FormatDuration(opt.Latency.P50), dag.FormatDuration(opt.Latency.P90), dag.FormatDuration(opt.Latency.P99)}
	return Table(w, st, []Col{
		{Name: group, Cut: true}, {Name: "spans", Right: true, Drop: 3}, {Name: "traces", Right: true, Drop: 1},
		{Name: "self", Right: true, Drop: 5}, {Name: "self%", Right: true}, {Name: "critical", Right: true, Drop: 6},
		{Name: "crit%", Right: true}, {Name: "p50", Right: true, Drop: 4}, {Name: "p90", Right: true, Drop: 2}, {Name: "p99", Right: true},
	}, out, footer)
}

type attribJSON struct {
	Service       string  `json:"service"`
	Name          string  `json:"name,omitempty"`
	Missing       bool    `json:"missing,omitempty"`
	Queue         bool    `json:"queue,omitempty"`
	Spans         int     `json:"spans"`
	Traces        int     `json:"traces"`
	SelfNS        int64   `json:"self_ns"`
	SelfShare     float64 `json:"self_share"`
	CriticalNS    int64   `json:"critical_ns"`
	CriticalShare float64 `json:"critical_share"`
	P50NS         int64   `json:"p50_ns"`
	P90NS         int64   `json:"p90_ns"`
	P99NS         int64   `json:"p99_ns"`
	PerTraceNS    []int64 `json:"per_trace_ns"`
}

type endToEndJSON struct {
	EndToEnd struct {
		By         string  `json:"by"`
		Traces     int     `json:"traces"`
		Rows       int     `json:"rows"`
		TotalNS    int64   `json:"total_ns"`
		P50NS      int64   `json:"p50_ns"`
		P90NS      int64   `json:"p90_ns"`
		P99NS      int64   `json:"p99_ns"`
		PerTraceNS []int64 `json:"per_trace_ns"`
	} `json:"end_to_end"`
}

// AttribJSON writes at as JSON Lines: one object per group, by critical
// share — {"service","name" (operations only),"spans","traces","self_ns",
// "self_share","critical_ns","critical_share","p50_ns","p90_ns","p99_ns",
// "per_trace_ns"} — then one {"end_to_end":{"by","traces","rows",
// "total_ns","p50_ns","p90_ns","p99_ns","per_trace_ns"}}. Shares are
// fractions in [0,1]; the group of placeholders for absent spans has
// "missing":true, and a group's queue waits (`--async follow`)
// "queue":true; per_trace_ns lists, sorted, the group's critical time in
// each trace it appears in (end_to_end's: each trace's end-to-end time),
// which is what ReadAttribJSON needs to merge attributions exactly.
// top > 0 keeps the first top rows (end_to_end's "rows" still counts all).
func AttribJSON(w io.Writer, at *critpath.Attribution, top int) error {
	rows := at.Rows()
	all := len(rows)
	if top > 0 && len(rows) > top {
		rows = rows[:top]
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for _, r := range rows {
		if err := enc.Encode(attribJSON{
			Service: r.Service, Name: r.Name, Missing: r.Missing, Queue: r.Queue, Spans: r.Spans, Traces: r.Traces,
			SelfNS: r.Self, SelfShare: round4(r.SelfShare), CriticalNS: r.Critical, CriticalShare: round4(r.CriticalShare),
			P50NS: r.PerTrace.P50, P90NS: r.PerTrace.P90, P99NS: r.PerTrace.P99, PerTraceNS: r.Samples,
		}); err != nil {
			return err
		}
	}
	var e endToEndJSON
	total, lat := at.EndToEnd()
	e.EndToEnd.By, e.EndToEnd.Traces, e.EndToEnd.Rows, e.EndToEnd.TotalNS = at.By().String(), at.Traces(), all, total
	e.EndToEnd.P50NS, e.EndToEnd.P90NS, e.EndToEnd.P99NS = lat.P50, lat.P90, lat.P99
	e.EndToEnd.PerTraceNS = at.EndToEndSamples()
	if e.EndToEnd.PerTraceNS == nil {
		e.EndToEnd.PerTraceNS = []int64{}
	}
	if err := enc.Encode(e); err != nil {
		return err
	}
	return writeJSON(w, []byte(b.String()))
}

// round4 keeps shares readable and stable across platforms.
func round4(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 4, 64), 64)
	return v
}

// WhatIf writes a what-if report: the rules, how many spans they matched,
// and end-to-end p50/p90/p99 and total before and after.
func WhatIf(w io.Writer, st *Styles, r critpath.WhatIfReport) error {
	rules := make([]string, len(r.Rules))
	for i, sp := range r.Rules {
		rules[i] = termstr.Escape(sp.String())
	}
	if _, err := fmt.Fprintf(w, "%s %s: %s in %s\n", st.Bold("what-if"),
		strings.Join(rules, ", "), dag.Plural(r.MatchedSpans, "matching span"), dag.Plural(r.Traces, "trace")); err != nil {
		return err
	}
	row := func(name string, before, after int64) []string {
		return []string{name, dag.FormatDuration(before), dag.FormatDuration(after), change(before, after)}
	}
	rows := [][]string{
		row("p50", r.Before.P50, r.After.P50),
		row("p90", r.Before.P90, r.After.P90),
		row("p99", r.Before.P99, r.After.P99),
		row("total", r.TotalBefore, r.TotalAfter),
	}
	return Table(w, st, []Col{{Name: "end to end"}, {Name: "before", Right: true}, {Name: "after", Right: true}, {Name: "change", Right: true}}, rows, nil)
}

type percentilesJSON struct {
	P50NS   int64 `json:"p50_ns"`
	P90NS   int64 `json:"p90_ns"`
	P99NS   int64 `json:"p99_ns"`
	TotalNS int64 `json:"total_ns"`
}

type whatIfJSON struct {
	WhatIf struct {
		Rules        []string        `json:"rules"`
		Traces       int             `json:"traces"`
		MatchedSpans int             `json:"matched_spans"`
		Before       percentilesJSON `json:"before"`
		After        percentilesJSON `json:"after"`
	} `json:"whatif"`
}

// WhatIfJSON writes the what-if report as one JSON object:
// {"whatif":{"rules","traces","matched_spans","before":{"p50_ns","p90_ns",
// "p99_ns","total_ns"},"after":{…}}}.
func WhatIfJSON(w io.Writer, r critpath.WhatIfReport) error {
	var out whatIfJSON
	out.WhatIf.Rules = make([]string, len(r.Rules))
	for i, sp := range r.Rules {
		out.WhatIf.Rules[i] = sp.String()
	}
	out.WhatIf.Traces, out.WhatIf.MatchedSpans = r.Traces, r.MatchedSpans
	out.WhatIf.Before = percentilesJSON{r.Before.P50, r.Before.P90, r.Before.P99, r.TotalBefore}
	out.WhatIf.After = percentilesJSON{r.After.P50, r.After.P90, r.After.P99, r.TotalAfter}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return writeJSON(w, append(b, '\n'))
}
