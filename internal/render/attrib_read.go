package render

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/tracectl/tracectl/internal/critpath"
)

// MaxAttribLine is the longest line ReadAttribJSON accepts. A row's
// per_trace_ns holds one number per trace the group appears in: 256 MiB is
// some ten million traces.
const MaxAttribLine = 256 << 20

// attribLineIn is any line AttribJSON or WhatIfJSON writes; pointers tell
// which fields are there.
type attribLineIn struct {
	Service    *string         `json:"service"`
	Name       string          `json:"name"`
	Missing    bool            `json:"missing"`
	Queue      bool            `json:"queue"`
	Spans      *int            `json:"spans"`
	Traces     *int            `json:"traces"`
	SelfNS     *int64          `json:"self_ns"`
	CriticalNS *int64          `json:"critical_ns"`
	PerTraceNS []int64         `json:"per_trace_ns"`
	EndToEnd   *endToEndIn     `json:"end_to_end"`
	WhatIf     json.RawMessage `json:"whatif"`
}

type endToEndIn struct {
	By         string  `json:"by"`
	Traces     *int    `json:"traces"`
	Rows       *int    `json:"rows"`
	TotalNS    *int64  `json:"total_ns"`
	PerTraceNS []int64 `json:"per_trace_ns"`
}

// ReadAttribJSON reads what AttribJSON wrote back into an Attribution, so
// that attributions computed apart (over disjoint sets of traces) merge
// exactly with Attribution.Merge. name is used in errors, which give the
// line. Percentiles and shares are not read: Rows computes them again from
// the per-trace times and the totals. A file that is not `attrib -o json`
// output, was cut short, was written with --top (some rows missing) or
// with --speedup is an error.
func ReadAttribJSON(r io.Reader, name string) (*critpath.Attribution, error) {
	type row struct {
		line int
		row  critpath.Row
	}
	var rows []row
	var end *endToEndIn
	endLine := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, MaxAttribLine)
	line := 0
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: line %d: %s", name, line, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var in attribLineIn
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			return nil, fail("not `attrib -o json` output: %v", err)
		}
		switch {
		case in.WhatIf != nil:
			return nil, fail("a what-if result (--speedup) does not merge: write the attributions without --speedup")
		case end != nil:
			return nil, fail("after the end_to_end line, which ends `attrib -o json` output")
		case in.EndToEnd != nil:
			end, endLine = in.EndToEnd, line
		case in.Service != nil && in.Spans != nil && in.Traces != nil && in.SelfNS != nil && in.CriticalNS != nil:
			if in.PerTraceNS == nil {
				return nil, fail("a row without per_trace_ns (written by an older tracectl?): run `attrib -o json` again")
			}
			rows = append(rows, row{line, critpath.Row{
				Key:   critpath.Key{Service: *in.Service, Name: in.Name, Missing: in.Missing, Queue: in.Queue},
				Spans: *in.Spans, Traces: *in.Traces, Self: *in.SelfNS, Critical: *in.CriticalNS, Samples: in.PerTraceNS,
			}})
		default:
			return nil, fail("not `attrib -o json` output: neither a group row nor the end_to_end line")
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			line++
			return nil, fail("longer than %d bytes", MaxAttribLine)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if end == nil {
		if line == 0 {
			return nil, fmt.Errorf("%s: empty: not `attrib -o json` output", name)
		}
		return nil, fail("ends without the end_to_end line: cut short, or written by an older tracectl")
	}
	line = endLine
	by, err := critpath.ParseBy(end.By)
	if err != nil {
		return nil, fail("end_to_end: %v", err)
	}
	switch {
	case end.Traces == nil || end.Rows == nil || end.TotalNS == nil || end.PerTraceNS == nil:
		return nil, fail("end_to_end lacks traces, rows, total_ns or per_trace_ns")
	case len(end.PerTraceNS) != *end.Traces:
		return nil, fail("end_to_end: %d per-trace times for %d traces", len(end.PerTraceNS), *end.Traces)
	}
	var total int64
	for _, d := range end.PerTraceNS {
		if d < 0 {
			return nil, fail("end_to_end: negative end-to-end time %d", d)
		}
		total += d
	}
	if total != *end.TotalNS {
		return nil, fail("end_to_end: per-trace times add up to %d ns, not total_ns %d", total, *end.TotalNS)
	}
	at := critpath.NewAttribution(by)
	for _, r := range rows {
		line = r.line
		if r.row.Traces > *end.Traces {
			return nil, fail("%s: in %d traces of %d", r.row.Key, r.row.Traces, *end.Traces)
		}
		if err := at.AddRow(r.row); err != nil {
			return nil, fail("%v", err)
		}
	}
	line = endLine
	switch {
	case len(rows) < *end.Rows:
		return nil, fail("%d of %d rows (written with --top?): merging needs every row, `attrib -o json` without --top", len(rows), *end.Rows)
	case len(rows) > *end.Rows:
		return nil, fail("%d rows where end_to_end says %d", len(rows), *end.Rows)
	}
	at.AddEndToEnd(end.PerTraceNS)
	return at, nil
}
