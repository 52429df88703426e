package view

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/render"
	"github.com/tracectl/tracectl/internal/termstr"
)

// spanRef names a span of the data: its trace (an entry) and its node.
type spanRef struct {
	e    *entry
	node int32
}

// details is what the detail pane shows for one span.
type details struct {
	lines []string // styled, each at most the pane's width
	// links are the spans the span's links point to, in order; a zero
	// spanRef (e == nil) for a link to a span that is not in the data.
	links []spanRef
}

// detailWriter lays out the top of the detail pane: labelled lines,
// wrapped to the width with a hanging indent. All data goes through
// termstr.
type detailWriter struct {
	st    *render.Styles
	width int
	lines []string
}

// line adds one line made of a styled prefix and plain (escaped) text,
// wrapping the text under the prefix's width plus indent.
func (d *detailWriter) line(prefix, text string, style func(string) string, indent int) {
	pw := ansi.StringWidth(prefix)
	room := max(10, d.width-pw)
	wrapped := strings.Split(ansi.Wrap(text, room, ""), "\n")
	for k, w := range wrapped {
		if style != nil {
			w = style(w)
		}
		if k == 0 {
			d.lines = append(d.lines, prefix+w)
			continue
		}
		d.lines = append(d.lines, strings.Repeat(" ", min(pw, indent))+w)
	}
}

func (d *detailWriter) section(title string) {
	d.lines = append(d.lines, "", d.st.Bold(title))
}

// field writes "label  value" with the label column aligned.
func (d *detailWriter) field(label, value string, style func(string) string) {
	const labelW = 10
	d.line(d.st.Faint(pad(label, labelW)), value, style, labelW)
}

// spanDetails describes node i of e's trace: what it is, its ids, times,
// self and critical time, then what `tree -vv` prints under it (status
// message, attributes, events, links, resource, scope), then the links to
// follow. find resolves a link to a span of the data.
func spanDetails(st *render.Styles, e *entry, an *critpath.Analysis, i int32, width int, find func(dag.TraceID, dag.SpanID) spanRef) details {
	tr := e.tree
	d := &detailWriter{st: st, width: width}
	n := &tr.Nodes[i]
	s := n.Span
	if s == nil {
		d.line("", termstr.Escape(dag.MissingSpan(tr.IDText(n.ID))), st.Faint, 0)
		d.line("", "This span's children name it as their parent, but it is not in the input.", st.Faint, 0)
		d.field("children", strconv.Itoa(n.NumChildren()), nil)
		d.field("extent", dag.FormatDuration(n.Duration())+" (of its children)", nil)
		return details{lines: d.lines}
	}

	title := st.Service(termstr.Escape(s.Service())) + " " + st.Bold(termstr.Escape(s.Name()))
	d.line("", title, nil, 0)
	d.field("kind", s.Kind.String(), nil)
	if s.Status().Code != dag.StatusError && s.Status().Message == "" {
		d.field("status", s.Status().Code.String(), nil) // else the details below say it
	}
	d.field("duration", dag.FormatDuration(s.Duration()), st.Bold)
	d.field("start", render.Timestamp(s.Start)+"  ("+dag.FormatOffset(dag.Sub(s.Start, tr.Start))+" in the trace)", nil)
	d.field("end", render.Timestamp(s.End), nil)
	if an != nil {
		d.field("self", dag.FormatDuration(an.Self[i])+" (duration less the time its children ran)", nil)
		crit := dag.FormatDuration(an.Critical[i])
		if total := an.Duration(); total > 0 {
			crit += " (" + render.Percent(float64(an.Critical[i])/float64(total)) + " of the critical path)"
		}
		d.field("critical", crit, nil)
		if an.Queue != nil && an.Queue[i] > 0 {
			d.field("queued", dag.FormatDuration(an.Queue[i])+" (waiting before it started)", nil)
		}
	}
	d.field("trace", termstr.Escape(s.TraceIDText()), nil)
	d.field("span", termstr.Escape(s.SpanIDText()), nil)
	if p := s.ParentIDText(); p != "" {
		d.field("parent", termstr.Escape(p), nil)
	}
	if ts := s.TraceState(); ts != "" {
		d.field("state", termstr.Escape(ts), nil)
	}

	// Status message, attributes, events, links, resource and scope: what
	// `tree -vv` prints under the span, so the two cannot drift apart.
	var b strings.Builder
	render.SpanDetails(&b, st, tr, i, width, 2)
	if b.Len() > 0 {
		d.lines = append(d.lines, "")
		d.lines = append(d.lines, strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")...)
	}

	var links []spanRef
	if ls := s.Links(); len(ls) > 0 {
		d.section("Follow a link")
		for k, l := range ls {
			ref := find(l.TraceID, l.SpanID)
			links = append(links, ref)
			if k >= 9 {
				continue // keys 1-9
			}
			num := "  [" + strconv.Itoa(k+1) + "] "
			if ref.e == nil {
				d.line(num, "span "+l.SpanID.String()+": not in the data", st.Faint, len(num))
				continue
			}
			t := ref.e.tree.Nodes[ref.node].Span
			d.line(num, "→ "+termstr.Escape(t.Service())+" "+termstr.Escape(t.Name()), st.Bold, len(num))
		}
	}
	return details{lines: d.lines, links: links}
}
