package render

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
)

// Ls writes one table row per trace and a total line.
func Ls(w io.Writer, st *Styles, sums []dag.Summary) error {
	rows := make([][]string, 0, len(sums))
	var spans, errors int
	services := map[string]bool{}
	for _, s := range sums {
		root := rootLabel(st, s, false)
		errs := strconv.Itoa(s.Errors)
		if s.Errors > 0 {
			errs = st.Error(errs)
		}
		rows = append(rows, []string{
			termstr.Escape(s.TraceIDText()), root, strconv.Itoa(s.Spans), strconv.Itoa(len(s.Services)), errs,
			Timestamp(s.Start), dag.FormatDuration(s.Duration()),
		})
		spans += s.Spans
		errors += s.Errors
		for _, svc := range s.Services {
			services[svc] = true
		}
	}
	footer := []string{dag.Plural(len(sums), "trace"), "", strconv.Itoa(spans), strconv.Itoa(len(services)), strconv.Itoa(errors), "", ""}
	return Table(w, st, []Col{
		{Name: "trace id"}, {Name: "root", Cut: true}, {Name: "spans", Right: true, Drop: 3}, {Name: "services", Right: true, Drop: 1},
		{Name: "errors", Right: true}, {Name: "start", Drop: 2}, {Name: "duration", Right: true},
	}, rows, footer)
}

// rootLabel names a trace's root span as a summary row shows it: service
// and name, or the placeholder for an absent root.
func rootLabel(st *Styles, s dag.Summary, bold bool) string {
	if s.RootMissing {
		if s.RootID.IsZero() {
			return st.Faint(dag.MissingSpans)
		}
		return st.Faint(missingSpan(s.RootIDText()))
	}
	name := termstr.Escape(s.RootName)
	if bold {
		name = st.Bold(name)
	}
	return st.Service(termstr.Escape(s.RootService)) + " " + name
}

// Timestamp formats unix nanoseconds as UTC with milliseconds.
func Timestamp(ns uint64) string {
	return time.Unix(int64(ns/1e9), int64(ns%1e9)).UTC().Format("2006-01-02 15:04:05.000")
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
