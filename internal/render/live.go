package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
)

// TraceLine writes one line describing a completed trace, for the live
// views (`tracectl receive --summary`): start time, trace id, root service
// and name, spans, services, errors and duration.
func TraceLine(w io.Writer, st *Styles, s dag.Summary) error {
	root := rootLabel(st, s, true)
	var extra []string
	extra = append(extra, dag.Plural(s.Spans, "span"), dag.Plural(len(s.Services), "service"))
	if s.Errors > 0 {
		extra = append(extra, st.Error(dag.Plural(s.Errors, "error")))
	}
	_, err := fmt.Fprintf(w, "%s  %s  %s  %s  %s\n", Timestamp(s.Start), termstr.Escape(s.TraceIDText()), root,
		strings.Join(extra, ", "), dag.FormatDuration(s.Duration()))
	return err
}
