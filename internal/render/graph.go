package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/graph"
	"github.com/tracectl/tracectl/internal/termstr"
)

// Graph writes a service graph as two tables: its edges (caller → callee,
// "⇢" and "async" for calls the caller did not wait on, with calls, errors,
// error rate, latency percentiles, and the p99 queue time of async edges
// when there are any) and its services (spans, errors, error rate, traces;
// "not traced" for a virtual peer).
func Graph(w io.Writer, st *Styles, g *graph.Graph) error {
	errCell := func(n int, share float64) (string, string) {
		c, p := strconv.Itoa(n), Percent(share)
		if n > 0 {
			c, p = st.Error(c), st.Error(p)
		}
		return c, p
	}
	// The queue column is there when some async edge has a consumer span
	// (a virtual peer has none).
	queued := func(e *graph.Edge) bool {
		n, ok := g.Node(e.To)
		return e.Async && ok && !n.Virtual
	}
	queue := false
	for i := range g.Edges {
		queue = queue || queued(&g.Edges[i])
	}
	rows := make([][]string, 0, len(g.Edges))
	calls := 0
	for i := range g.Edges {
		e := &g.Edges[i]
		arrow, kind := "→", ""
		if e.Async {
			arrow, kind = "⇢", st.Faint("async")
		}
		errs, rate := errCell(e.Errors, e.ErrorRate())
		row := []string{
			st.Service(termstr.Escape(e.From)), arrow, st.Service(termstr.Escape(e.To)), kind,
			strconv.Itoa(e.Calls), errs, rate,
			dag.FormatDuration(e.P50), dag.FormatDuration(e.P90), dag.FormatDuration(e.P99),
		}
		if queue {
			q := ""
			if queued(e) {
				q = dag.FormatDuration(e.QueueP99)
			}
			row = append(row, q)
		}
		rows = append(rows, row)
		calls += e.Calls
	}
	title := st.Bold("service graph")
	if g.Focus != "" {
		depth := "any depth"
		if g.Depth > 0 {
			depth = "depth " + strconv.Itoa(g.Depth)
		}
		title += fmt.Sprintf(" around %s, %s", st.Service(termstr.Escape(g.Focus)), depth)
	}
	if _, err := fmt.Fprintf(w, "%s: %s, %s, %s\n", title, dag.Plural(len(g.Nodes), "service"),
		dag.Plural(len(g.Edges), "edge"), dag.Plural(g.Traces, "trace")); err != nil {
		return err
	}
	if len(rows) > 0 {
		cols := []Col{{Name: "caller", Cut: true}, {}, {Name: "callee", Cut: true}, {},
			{Name: "calls", Right: true}, {Name: "errors", Right: true}, {Name: "err%", Right: true, Drop: 3},
			{Name: "p50", Right: true, Drop: 2}, {Name: "p90", Right: true, Drop: 1}, {Name: "p99", Right: true}}
		footer := []string{dag.Plural(len(g.Edges), "edge"), "", "", "", strconv.Itoa(calls), "", "", "", "", ""}
		if queue {
			cols, footer = append(cols, Col{Name: "queue p99", Right: true, Drop: 4}), append(footer, "")
		}
		if err := Table(w, st, cols, rows, footer); err != nil {
			return err
		}
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
	}
	if len(g.Nodes) == 0 {
		return nil
	}
	rows = rows[:0]
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Virtual {
			rows = append(rows, []string{st.Service(termstr.Escape(n.Service)), st.Faint("not traced"), "", "", strconv.Itoa(n.Traces)})
			continue
		}
		errs, rate := errCell(n.Errors, n.ErrorRate())
		rows = append(rows, []string{st.Service(termstr.Escape(n.Service)), strconv.Itoa(n.Spans), errs, rate, strconv.Itoa(n.Traces)})
	}
	return Table(w, st, []Col{{Name: "service", Cut: true}, {Name: "spans", Right: true},
		{Name: "errors", Right: true}, {Name: "err%", Right: true, Drop: 1}, {Name: "traces", Right: true}}, rows, nil)
}

// GraphJSON writes a service graph as JSON Lines: one object per service,
// then one per edge, in the graph's order, told apart by "type":
// {"type":"node","service","spans","errors","traces"} ("virtual":true for a
// peer known only from its callers) and {"type":"edge","from","to","async",
// "calls","errors","p50_ns","p90_ns","p99_ns","client_timed","traces"}, with
// "queue_p50_ns","queue_p90_ns","queue_p99_ns" on async edges.
// The members are graph.Node's and graph.Edge's JSON form.
func GraphJSON(w io.Writer, g *graph.Graph) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for _, n := range g.Nodes {
		if err := enc.Encode(struct {
			Type string `json:"type"`
			graph.Node
		}{"node", n}); err != nil {
			return err
		}
	}
	for _, e := range g.Edges {
		if err := enc.Encode(struct {
			Type string `json:"type"`
			graph.Edge
		}{"edge", e}); err != nil {
			return err
		}
	}
	return writeJSON(w, []byte(b.String()))
}
