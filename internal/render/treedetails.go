package render

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
)

// A span's details (`tree --attrs`), printed under its line and aligned
// with the tree's guides: its status message, attributes, events, links
// and, where the trace enters a service (or for every span at level 2),
// its resource.

// detail is one line of a span's details before fitting: escaped text at
// an indent of two cells per step.
type detail struct {
	indent int
	key    string // "" for a line of a multi-line value
	text   string
	style  func(string) string // for text; nil: plain
}

// Limits that keep one huge attribute (a request body, a minified stack)
// from flooding the terminal; -o json has every byte.
const (
	maxValueLines = 60 // lines of one multi-line value
	maxWrapLines  = 8  // screen lines one long line wraps onto
	detailTab     = "    "
)

// spanDetails lists the details of node i.
func (tw *treeWriter) spanDetails(i int32) []detail {
	n := &tw.tr.Nodes[i]
	s := n.Span
	if s == nil {
		return nil
	}
	var out []detail
	if st := s.Status(); st.Code == dag.StatusError || st.Message != "" {
		style := tw.st.Faint
		if st.Code == dag.StatusError {
			style = tw.st.Error
		}
		status := st.Code.String()
		if st.Message != "" {
			out = tw.appendValue(out, 0, "status", dag.StringValue(status+": "+st.Message), style)
		} else {
			out = tw.appendValue(out, 0, "status", dag.StringValue(status), style)
		}
	}
	for _, a := range s.Attrs() {
		out = tw.appendValue(out, 0, a.Key, a.Value, nil)
	}
	for _, e := range s.Events() {
		head := termstr.Escape(e.Name) + "  " + dag.FormatOffset(dag.Sub(e.Time, s.Start))
		style := tw.st.Bold
		if e.Name == "exception" {
			style = tw.st.Error
		}
		out = append(out, detail{key: "event", text: head, style: style})
		for _, a := range e.Attrs {
			out = tw.appendValue(out, 1, a.Key, a.Value, nil)
		}
	}
	for _, l := range s.Links() {
		text := "trace " + l.TraceID.String() + " span " + l.SpanID.String()
		if l.TraceID == s.TraceID {
			text = "span " + l.SpanID.String() + " (this trace)"
		}
		out = append(out, detail{key: "link", text: text})
		for _, a := range l.Attrs {
			out = tw.appendValue(out, 1, a.Key, a.Value, nil)
		}
	}
	var parent *dag.Span
	if n.Parent != dag.None {
		parent = tw.tr.Nodes[n.Parent].Span
	}
	if r := s.Resource(); r != nil && len(r.Attrs) > 0 && (tw.opt.Details >= 2 || parent == nil || !sameResource(r, parent.Resource())) {
		out = append(out, detail{key: "resource", text: termstr.Escape(s.Service())})
		for _, a := range r.Attrs {
			out = tw.appendValue(out, 1, a.Key, a.Value, nil)
		}
	}
	if sc := s.Scope(); tw.opt.Details >= 2 && sc != nil && sc.Name != "" {
		text := termstr.Escape(sc.Name)
		if sc.Version != "" {
			text += " " + termstr.Escape(sc.Version)
		}
		out = append(out, detail{key: "scope", text: text})
	}
	return out
}

// sameResource reports whether two spans come from the same resource.
func sameResource(a, b *dag.Resource) bool {
	if a == b {
		return true
	}
	return a != nil && b != nil && a.Service == b.Service && dag.MapValue(a.Attrs).Equal(dag.MapValue(b.Attrs))
}

// appendValue appends "key: value"; a multi-line string value (a stack
// trace, a query) goes below its key, one line each, tabs expanded.
func (tw *treeWriter) appendValue(out []detail, indent int, key string, v dag.Value, style func(string) string) []detail {
	key = termstr.Escape(key)
	if v.Type() != dag.ValueString {
		return append(out, detail{indent: indent, key: key, text: termstr.Escape(v.String()), style: style})
	}
	text := strings.ReplaceAll(strings.ReplaceAll(v.Str(), "\r\n", "\n"), "\t", detailTab)
	if !strings.Contains(text, "\n") {
		return append(out, detail{indent: indent, key: key, text: termstr.Escape(text), style: style})
	}
	out = append(out, detail{indent: indent, key: key, style: style})
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for k, line := range lines {
		if k == maxValueLines {
			out = append(out, detail{indent: indent + 1, text: "… " + strconv.Itoa(len(lines)-k) + " more lines", style: tw.st.Faint})
			break
		}
		out = append(out, detail{indent: indent + 1, text: termstr.Escape(line), style: style})
	}
	return out
}

// writeDetails writes node i's details under its line. prefix is the
// guides that continue past the line (the ancestors', the node's own, and
// a child's bar when children follow). A line longer than the width
// wraps, aligned under its value, onto at most maxWrapLines lines.
func (tw *treeWriter) writeDetails(i int32, prefix string) {
	ds := tw.spanDetails(i)
	if len(ds) == 0 {
		return
	}
	b, st := tw.w, tw.st
	room := max(8, tw.opt.Width-1-cells(prefix))
	for _, d := range ds {
		lead := strings.Repeat("  ", d.indent)
		key := ""
		if d.key != "" {
			// A key takes at most two thirds of the room; a longer one
			// is cut in the middle, like a name.
			key = d.key
			if kw, most := cells(key), max(4, (room-len(lead))*2/3); kw > most {
				key = truncMiddle(key, kw, most)
			}
			key += ":"
			if d.text != "" {
				key += " "
			}
		}
		headW := len(lead) + cells(key)
		avail := max(4, room-headW)
		text := d.text
		for line := 0; ; line++ {
			part := text
			if w := cells(text); w > avail {
				if line == maxWrapLines-1 {
					part = truncEnd(text, w, avail)
					text = ""
				} else {
					part, _ = headCells(text, avail)
					next := len(part)
					if sp := strings.LastIndexByte(part, ' '); sp > len(part)/2 {
						part, next = part[:sp], sp+1 // wrap at a word
					}
					if part == "" { // one cluster wider than the room
						_, next = utf8.DecodeRuneInString(text)
						part = text[:next]
					}
					text = text[next:]
				}
			} else {
				text = ""
			}
			b.WriteString(st.Faint(prefix))
			if line == 0 {
				b.WriteString(lead)
				b.WriteString(st.Faint(key))
			} else {
				spaces(b, headW)
			}
			if d.style != nil && part != "" {
				part = d.style(part)
			}
			b.WriteString(part)
			b.WriteByte('\n')
			if text == "" {
				break
			}
		}
	}
}

// SpanDetails writes what `tree --attrs` prints under node i of tr — its
// status message, attributes, events, links and resource (level 1: where
// the trace enters a service; 2: always, with the scope) — without
// guides, wrapped to width: for a detail pane beside a tree.
func SpanDetails(w io.Writer, st *Styles, tr *dag.Tree, i int32, width, level int) error {
	bw := bufio.NewWriter(w)
	tw := &treeWriter{w: bw, st: st, tr: tr, opt: TreeOptions{Width: width, Details: max(1, level)}}
	tw.writeDetails(i, "")
	return bw.Flush()
}
