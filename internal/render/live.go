package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
)

// TraceLine writes one line describing a completed trace, for the live
// views (`tracectl receive --summary`): start time, trace id, root service
// and name, spans, services, errors and duration.
func TraceLine(w io.Writer, st *Styles, s dag.Summary) error {
	root := st.Faint("missing root")
	if s.RootName != "" {
		root = st.Service(s.RootService) + " " + st.Bold(s.RootName)
	}
	var extra []string
	extra = append(extra, plural(s.Spans, "span"), plural(len(s.Services), "service"))
	if s.Errors > 0 {
		extra = append(extra, st.Error(plural(s.Errors, "error")))
	}
	_, err := fmt.Fprintf(w, "%s  %s  %s  %s  %s\n", Timestamp(s.Start), s.TraceIDText(), root,
		strings.Join(extra, ", "), Duration(s.Duration()))
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
