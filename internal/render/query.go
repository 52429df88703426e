package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/query"
	"github.com/tracectl/tracectl/internal/termstr"
)

// QueryMatch is one span a query selected: a node of a tree.
type QueryMatch struct {
	Tree *dag.Tree
	Node int32
}

// QuerySpans writes one row per selected span (service, name, duration,
// trace id, span id) and a total line.
func QuerySpans(w io.Writer, st *Styles, matches []QueryMatch) error {
	rows := make([][]string, 0, len(matches))
	traces := 0
	var last *dag.Tree
	for _, m := range matches {
		s := m.Tree.Nodes[m.Node].Span
		name := termstr.Escape(s.Name())
		if s.Status().Code == dag.StatusError {
			name = st.Error(name)
		}
		rows = append(rows, []string{st.Service(termstr.Escape(s.Service())), name, dag.FormatDuration(s.Duration()),
			termstr.Escape(m.Tree.TraceIDText()), termstr.Escape(s.SpanIDText())})
		if m.Tree != last {
			traces++
			last = m.Tree
		}
	}
	footer := []string{dag.Plural(len(matches), "span") + " in " + dag.Plural(traces, "trace"), "", "", "", ""}
	return Table(w, st, []Col{
		{Name: "service", Cut: true}, {Name: "span", Cut: true}, {Name: "duration", Right: true}, {Name: "trace id"}, {Name: "span id", Drop: 1},
	}, rows, footer)
}

type querySpanJSON struct {
	TraceID       string `json:"trace_id"`
	SpanID        string `json:"span_id"`
	ParentSpanID  string `json:"parent_span_id"`
	Service       string `json:"service"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	StartUnixNano uint64 `json:"start_unix_nano"`
	EndUnixNano   uint64 `json:"end_unix_nano"`
	DurationNS    int64  `json:"duration_ns"`
}

// QuerySpansJSON writes one JSON object per selected span (JSON Lines).
func QuerySpansJSON(w io.Writer, matches []QueryMatch) error {
	return jsonLines(w, len(matches), func(i int) any {
		m := matches[i]
		s := m.Tree.Nodes[m.Node].Span
		return querySpanJSON{
			TraceID: m.Tree.TraceIDText(), SpanID: s.SpanIDText(), ParentSpanID: s.ParentIDText(),
			Service: s.Service(), Name: s.Name(), Kind: s.Kind.String(), Status: s.Status().Code.String(),
			StartUnixNano: s.Start, EndUnixNano: s.End, DurationNS: s.Duration(),
		}
	})
}

// jsonLines writes n JSON objects, one a line; object(i) gives the i-th.
func jsonLines(w io.Writer, n int, object func(i int) any) error {
	var bw bytes.Buffer
	enc := json.NewEncoder(&bw)
	for i := 0; i < n; i++ {
		if err := enc.Encode(object(i)); err != nil {
			return err
		}
	}
	return writeJSON(w, bw.Bytes())
}

// QueryTrace is one trace a query matched.
type QueryTrace struct {
	Summary dag.Summary
	Matched int // spans the query selected in it
}

// QueryTraces writes one row per matching trace and a total line, each
// row formatted as it is written (see Ls).
func QueryTraces(w io.Writer, st *Styles, traces []QueryTrace) error {
	matched := 0
	for i := range traces {
		matched += traces[i].Matched
	}
	footer := []string{dag.Plural(len(traces), "trace"), "", strconv.Itoa(matched), "", "", ""}
	var r rowCells
	return tableOf(w, st, []Col{
		{Name: "trace id"}, {Name: "root", Cut: true}, {Name: "matched", Right: true}, {Name: "spans", Right: true, Drop: 2},
		{Name: "start", Drop: 1}, {Name: "duration", Right: true},
	}, len(traces), func(i int) []string {
		s := &traces[i].Summary
		r.reset()
		r.traceCells(st, s)
		r.int(traces[i].Matched)
		r.int(s.Spans)
		r.timeCells(s)
		return r.row()
	}, footer)
}

type queryTraceJSON struct {
	TraceID       string `json:"trace_id"`
	RootService   string `json:"root_service"`
	RootName      string `json:"root_name"`
	MatchedSpans  int    `json:"matched_spans"`
	Spans         int    `json:"spans"`
	StartUnixNano uint64 `json:"start_unix_nano"`
	DurationNS    int64  `json:"duration_ns"`
}

// QueryTracesJSON writes one JSON object per matching trace (JSON Lines).
func QueryTracesJSON(w io.Writer, traces []QueryTrace) error {
	return jsonLines(w, len(traces), func(i int) any {
		t := traces[i]
		s := t.Summary
		return queryTraceJSON{
			TraceID: s.TraceIDText(), RootService: s.RootService, RootName: s.RootName,
			MatchedSpans: t.Matched, Spans: s.Spans, StartUnixNano: s.Start, DurationNS: s.Duration(),
		}
	})
}

// Assert writes one ✓/✗ line per expectation with its match count; under
// a failure, why: the diagnoses with their closest spans and the
// conditions they failed, the traces that did not match (every), or the
// spans found (absent). A total line ends the report.
func Assert(w io.Writer, st *Styles, outcomes []query.Outcome) error {
	bw := bufio.NewWriter(w)
	failed := 0
	for _, o := range outcomes {
		mark := st.Fg("42", "✓")
		if !o.Passed {
			mark = st.Error("✗")
			failed++
		}
		fmt.Fprintf(bw, "%s %s  %s\n", mark, termstr.Escape(o.Expectation.Label()), st.Faint(OutcomeCounts(o)))
		if !o.Passed {
			writeFailure(bw, st, o, "    ")
		}
	}
	total := fmt.Sprintf("%d passed, %d failed", len(outcomes)-failed, failed)
	if failed > 0 {
		total = st.Error(total)
	}
	fmt.Fprintln(bw, total)
	return bw.Flush()
}

// OutcomeCounts says how many traces matched, in the terms of the
// expectation's mode.
func OutcomeCounts(o query.Outcome) string {
	traces := dag.Plural(o.Traces, "trace")
	switch o.Expectation.Mode {
	case query.Every:
		if o.Passed {
			return fmt.Sprintf("matched all %s (%s)", traces, dag.Plural(o.MatchedSpans, "span"))
		}
		return fmt.Sprintf("matched %d of %s; every trace must match", o.MatchedTraces, traces)
	case query.Absent:
		if o.Passed {
			return "absent from all " + traces
		}
		return fmt.Sprintf("found in %d of %s (%s); must be absent", o.MatchedTraces, traces, dag.Plural(o.MatchedSpans, "span"))
	}
	if o.MatchedTraces == 0 {
		return "matched 0 of " + traces
	}
	return fmt.Sprintf("matched %d of %s (%s)", o.MatchedTraces, traces, dag.Plural(o.MatchedSpans, "span"))
}

// modeQuery is the expression with its every or absent.
func modeQuery(e query.Expectation) string {
	e.Name = ""
	return e.Label()
}

func writeFailure(w io.Writer, st *Styles, o query.Outcome, indent string) {
	e := o.Expectation
	if e.Name != "" {
		fmt.Fprintf(w, "%sexpression: %s\n", indent, termstr.Escape(modeQuery(e)))
	}
	if e.Source != "" && strings.Contains(e.Source, ":") {
		fmt.Fprintf(w, "%sdefined at: %s\n", indent, termstr.Escape(e.Source))
	}
	for _, d := range o.Diagnoses {
		d.Part, d.Summary = termstr.Escape(d.Part), termstr.Escape(d.Summary)
		switch {
		case d.Part != "" && d.Summary != "":
			fmt.Fprintf(w, "%s%s: %s\n", indent, d.Part, d.Summary)
		default:
			fmt.Fprintf(w, "%s%s%s\n", indent, d.Part, d.Summary)
		}
		for _, line := range d.Details {
			fmt.Fprintf(w, "%s  %s\n", indent, termstr.Escape(line))
		}
		for _, m := range d.NearMisses {
			more := ""
			if m.Similar > 0 {
				more = st.Faint(fmt.Sprintf("  (+%d more like it)", m.Similar))
			}
			fmt.Fprintf(w, "%s  closest: %s %s  %s  %s%s\n", indent, st.Service(termstr.Escape(m.Service)), termstr.Escape(m.Name),
				dag.FormatDuration(m.Duration), st.Faint(spanRef(m.TraceIDText(), m.SpanIDText())), more)
			for _, c := range m.Checks {
				if c.Passed {
					fmt.Fprintf(w, "%s    %s %s\n", indent, st.Fg("42", "✓"), termstr.Escape(c.Cond))
					continue
				}
				fmt.Fprintf(w, "%s    %s %s  → %s\n", indent, st.Error("✗"), termstr.Escape(c.Cond), termstr.Escape(c.Actual))
			}
		}
	}
	for _, id := range o.Unmatched {
		text, ok := o.RawUnmatched[id]
		if !ok {
			text = id.String()
		}
		fmt.Fprintf(w, "%sno match in trace %s\n", indent, termstr.Escape(text))
	}
	if n := o.Traces - o.MatchedTraces - len(o.Unmatched); e.Mode == query.Every && n > 0 {
		fmt.Fprintf(w, "%sand %s\n", indent, dag.Plural(n, "more trace"))
	}
	for _, f := range o.Found {
		fmt.Fprintf(w, "%sfound: %s %s  %s  %s\n", indent, st.Service(termstr.Escape(f.Service)), termstr.Escape(f.Name),
			dag.FormatDuration(f.Duration), st.Faint(spanRef(f.TraceIDText(), f.SpanIDText())))
	}
	if n := o.MatchedSpans - len(o.Found); e.Mode == query.Absent && n > 0 {
		fmt.Fprintf(w, "%sand %s\n", indent, dag.Plural(n, "more span"))
	}
}

// spanRef names a span by its trace and span ids, escaped (raw invalid ids
// are kept as read).
func spanRef(trace, span string) string {
	return "trace " + termstr.Escape(trace) + " span " + termstr.Escape(span)
}
