package render

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
)

// Ls writes one table row per trace and a total line. The rows are
// formatted as the table is written (twice: to measure, then to write),
// into one reused buffer, so a table of a million traces costs no memory
// per row beyond its Summary.
func Ls(w io.Writer, st *Styles, sums []dag.Summary) error {
	var spans, errors int
	services := map[string]bool{}
	for i := range sums {
		s := &sums[i]
		spans += s.Spans
		errors += s.Errors
		for _, svc := range s.Services {
			services[svc] = true
		}
	}
	footer := []string{dag.Plural(len(sums), "trace"), "", strconv.Itoa(spans), strconv.Itoa(len(services)), strconv.Itoa(errors), "", ""}
	var r rowCells
	row := func(i int) []string {
		s := &sums[i]
		r.reset()
		r.traceCells(st, s)
		r.int(s.Spans)
		r.int(len(s.Services))
		if s.Errors > 0 {
			r.add(st.Error(strconv.Itoa(s.Errors)))
		} else {
			r.add("0")
		}
		r.timeCells(s)
		return r.row()
	}
	return tableOf(w, st, []Col{
		{Name: "trace id"}, {Name: "root", Cut: true}, {Name: "spans", Right: true, Drop: 3}, {Name: "services", Right: true, Drop: 1},
		{Name: "errors", Right: true}, {Name: "start", Drop: 2}, {Name: "duration", Right: true},
	}, len(sums), row, footer)
}

// traceCells appends a summary row's first cells: the trace id and the
// root (rootLabel).
func (r *rowCells) traceCells(st *Styles, s *dag.Summary) {
	if s.RawTraceID != "" {
		r.b = termstr.Append(r.b, s.RawTraceID)
	} else {
		r.b = hex.AppendEncode(r.b, s.TraceID[:])
	}
	r.end()
	r.b = appendRootLabel(r.b, st, s, false)
	r.end()
}

// timeCells appends a summary row's last cells: start and duration.
func (r *rowCells) timeCells(s *dag.Summary) {
	r.b = appendTimestamp(r.b, s.Start)
	r.end()
	r.b = dag.AppendDuration(r.b, s.Duration())
	r.end()
}

// rootLabel names a trace's root span as a summary row shows it: service
// and name, or the placeholder for an absent root.
func rootLabel(st *Styles, s dag.Summary, bold bool) string {
	return string(appendRootLabel(nil, st, &s, bold))
}

// appendRootLabel appends rootLabel(st, *s, bold) to b; without colour it
// allocates nothing.
func appendRootLabel(b []byte, st *Styles, s *dag.Summary, bold bool) []byte {
	if s.RootMissing {
		if s.RootID.IsZero() {
			return append(b, st.Faint(dag.MissingSpans)...)
		}
		return append(b, st.Faint(missingSpan(s.RootIDText()))...)
	}
	b = append(b, st.Service(termstr.Escape(s.RootService))...)
	b = append(b, ' ')
	if bold {
		return append(b, st.Bold(termstr.Escape(s.RootName))...)
	}
	return termstr.Append(b, s.RootName)
}

// Timestamp formats unix nanoseconds as UTC with milliseconds.
func Timestamp(ns uint64) string { return string(appendTimestamp(nil, ns)) }

// appendTimestamp appends Timestamp(ns) to b.
func appendTimestamp(b []byte, ns uint64) []byte {
	return time.Unix(int64(ns/1e9), int64(ns%1e9)).UTC().AppendFormat(b, "2006-01-02 15:04:05.000")
}

type lsJSON struct {
	TraceID       string   `json:"trace_id"`
	RootService   string   `json:"root_service"`
	RootName      string   `json:"root_name"`
	Spans         int      `json:"spans"`
	Services      []string `json:"services"`
	Errors        int      `json:"errors"`
	StartUnixNano uint64   `json:"start_unix_nano"`
	DurationNS    int64    `json:"duration_ns"`
}

// LsJSON writes one JSON object per trace (JSON Lines).
func LsJSON(w io.Writer, sums []dag.Summary) error {
	// Written a few lines at a time from one buffer, never the whole
	// output at once.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, s := range sums {
		if b.Len() >= 64<<10 {
			if err := writeJSON(w, b.Bytes()); err != nil {
				return err
			}
			b.Reset()
		}
		services := s.Services
		if services == nil {
			services = []string{}
		}
		if err := enc.Encode(lsJSON{
			TraceID: s.TraceIDText(), RootService: s.RootService, RootName: s.RootName,
			Spans: s.Spans, Services: services, Errors: s.Errors,
			StartUnixNano: s.Start, DurationNS: s.Duration(),
		}); err != nil {
			return err
		}
	}
	return writeJSON(w, b.Bytes())
}
