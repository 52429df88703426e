package render

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/jsonstr"
	"github.com/tracectl/tracectl/internal/termstr"
)

// CritPathOptions shape `tracectl critpath` text output.
type CritPathOptions struct {
	// WhatIf, when set, is the re-timed analysis of the same trace; its
	// root durations are shown beside the originals.
	WhatIf *critpath.Analysis
}

// CritPath writes the critical path of every root of one trace: a header
// with the root and its duration, one line per segment in time order
// (offset from the root's start, time owned, share of the root's duration,
// service, span name), and a one-line verdict naming the operation that
// owns the most of it.
func CritPath(w io.Writer, st *Styles, a *critpath.Analysis, opt CritPathOptions) error {
	bw := bufio.NewWriter(w)
	tr := a.Tree
	for pi := range a.Paths {
		p := &a.Paths[pi]
		if pi > 0 {
			bw.WriteString("\n")
		}
		fmt.Fprintf(bw, "%s %s  %s  %s\n", st.Bold("trace"), termstr.Escape(tr.TraceIDText()), nodeLabel(st, tr, p.Root), st.Bold(dag.FormatDuration(p.Duration())))
		if tr.Continued {
			fmt.Fprintf(bw, "  %s\n", st.Faint(continuedNote))
		}
		if opt.WhatIf != nil {
			before, after := p.Duration(), opt.WhatIf.Paths[pi].Duration()
			fmt.Fprintf(bw, "  what-if: %s → %s (%s)\n", dag.FormatDuration(before), dag.FormatDuration(after), change(before, after))
		}
		if p.Duration() == 0 {
			bw.WriteString("  the root lasts 0ns: nothing to attribute\n")
			continue
		}
		rows := make([][4]string, 0, len(p.Segments))
		width := [4]int{len("AT"), len("OWNED"), len("SHARE"), len("SERVICE")}
		for _, s := range p.Segments {
			svc, _ := nodeNames(tr, s.Node)
			r := [4]string{dag.FormatOffset(dag.Sub(s.Start, p.Start)), dag.FormatDuration(s.Duration()), share(s.Duration(), p.Duration()), svc}
			for k := range r {
				width[k] = max(width[k], cells(r[k]))
			}
			rows = append(rows, r)
		}
		fmt.Fprintf(bw, "  %*s  %*s  %*s  %-*s  %s\n", width[0], "AT", width[1], "OWNED", width[2], "SHARE", width[3], "SERVICE", "SPAN")
		for k, s := range p.Segments {
			r := rows[k]
			_, name := nodeNames(tr, s.Node)
			pad := strings.Repeat(" ", width[3]-cells(r[3]))
			svc := r[3] + pad
			if s.Queue {
				// The wait of the asynchronous child named: its service
				// did no work in it.
				svc = st.Faint(svc)
				name = st.Faint("⋯ queued → " + name)
			} else if tr.Nodes[s.Node].Span != nil {
				svc = st.Service(r[3]) + pad
			} else {
				name = st.Faint(name)
			}
			fmt.Fprintf(bw, "  %*s  %*s  %*s  %s  %s\n", width[0], r[0], width[1], r[1], width[2], r[2], svc, name)
		}
		key, owned := a.Dominant(p)
		fmt.Fprintf(bw, "  %s of this trace is %s\n", st.Bold(share(owned, p.Duration())), st.Bold(termstr.Escape(key.String())))
	}
	return bw.Flush()
}

// nodeNames returns a node's service and span name, escaped; a placeholder
// has no service and is named for the span it stands for.
func nodeNames(tr *dag.Tree, i int32) (string, string) {
	if s := tr.Nodes[i].Span; s != nil {
		return termstr.Escape(s.Service()), termstr.Escape(s.Name())
	}
	return "?", missingSpan(tr.IDText(tr.Nodes[i].ID))
}

func nodeLabel(st *Styles, tr *dag.Tree, i int32) string {
	if s := tr.Nodes[i].Span; s != nil {
		return st.Service(termstr.Escape(s.Service())) + " " + termstr.Escape(s.Name())
	}
	return st.Faint(missingSpan(tr.IDText(tr.Nodes[i].ID)))
}

// share formats part/whole as a percentage.
func share(part, whole int64) string {
	if whole == 0 {
		return Percent(0)
	}
	return Percent(float64(part) / float64(whole))
}

// change formats the relative change from before to after: "-15.0%".
func change(before, after int64) string {
	if before == 0 {
		return "±0.0%"
	}
	d := 100 * float64(after-before) / float64(before)
	if d > 0 {
		return fmt.Sprintf("+%.1f%%", d)
	}
	if d == 0 {
		return "±0.0%"
	}
	return fmt.Sprintf("%.1f%%", d)
}

// critPathBufs keeps CritPathJSON's buffer between calls (one per trace).
var critPathBufs = sync.Pool{New: func() any { return new([]byte) }}

// CritPathJSON writes one JSON object per root (DESIGN.md §3):
// {"trace_id","root_span_id","duration_ns","segments":[{"span_id","service",
// "name","start_unix_nano","end_unix_nano"}],"spans":[{"span_id","service",
// "name","critical_ns","self_ns"}]}. A placeholder for an absent span has
// empty service and name and "missing":true. With whatIf (the re-timed
// analysis), each object also has "whatif_duration_ns". An AsyncFollow
// analysis adds "joined_trace_ids" (the traces dag.Join merged in, maybe
// none; their spans carry their own "trace_id"), "queue":true on a queue wait's segment (its span is the child that
// waited) and "queue_ns" on every span. The late spans of a trace printed
// before (dag.Tree.Continued) have "continued":true.
func CritPathJSON(w io.Writer, a *critpath.Analysis, whatIf *critpath.Analysis) error {
	// One buffer for every trace, kept between calls: a fresh one per
	// trace was grown and cleared again and again (a third of critpath
	// -o json's CPU on 1M spans).
	bp := critPathBufs.Get().(*[]byte)
	defer critPathBufs.Put(bp)
	*bp = AppendCritPathJSON((*bp)[:0], a, whatIf)
	_, err := w.Write(*bp)
	return err
}

// AppendCritPathJSON appends what CritPathJSON writes to b: for a caller
// that gathers the output of many traces into one buffer (critpath.Ordered).
func AppendCritPathJSON(b []byte, a *critpath.Analysis, whatIf *critpath.Analysis) []byte {
	tr := a.Tree
	for pi := range a.Paths {
		p := &a.Paths[pi]
		start := len(b)
		jb := (*jsonBuf)(&b)
		jb.raw(`{"trace_id":`)
		jb.str(tr.TraceIDText())
		continuedJSON(jb, tr)
		jb.key("root_span_id")
		jb.str(tr.IDText(tr.Nodes[p.Root].ID))
		follow := a.Async == critpath.AsyncFollow
		if follow {
			joinedJSON(jb, tr)
		}
		jb.key("duration_ns")
		jb.int(p.Duration())
		if whatIf != nil {
			jb.key("whatif_duration_ns")
			jb.int(whatIf.Paths[pi].Duration())
		}
		jb.key("segments")
		jb.objects(len(p.Segments), func(k int) {
			s := &p.Segments[k]
			nodeJSON(jb, tr, s.Node)
			jb.key("start_unix_nano")
			jb.uint(s.Start)
			jb.key("end_unix_nano")
			jb.uint(s.End)
			if s.Queue {
				jb.raw(`,"queue":true`)
			}
		})
		jb.key("spans")
		jb.objects(len(p.Nodes), func(k int) {
			i := p.Nodes[k]
			nodeJSON(jb, tr, i)
			jb.key("critical_ns")
			jb.int(a.Critical[i])
			jb.key("self_ns")
			jb.int(a.Self[i])
			if follow {
				jb.key("queue_ns")
				jb.int(a.Queue[i])
			}
		})
		jb.raw("}\n")
		// The characters a terminal might act on, escaped (writeJSON).
		if h := jsonstr.Harden(b[start:]); &h[0] != &b[start] {
			b = append(b[:start], h...)
		}
	}
	return b
}

func nodeJSON(b *jsonBuf, tr *dag.Tree, i int32) {
	n := &tr.Nodes[i]
	b.key("span_id")
	b.str(tr.IDText(n.ID))
	if n.Span == nil {
		b.raw(`,"service":"","name":"","missing":true`)
		return
	}
	b.key("service")
	b.str(n.Span.Service())
	b.key("name")
	b.str(n.Span.Name())
	if n.Span.TraceID != tr.TraceID {
		b.key("trace_id") // a span of a joined trace
		b.str(n.Span.TraceIDText())
	}
}

// Folded writes folded stacks, one "frame;frame;… value" line each, for
// flamegraph.pl, inferno and speedscope. Frames are "service:name" (or
// "service" when grouped by service); ";" and line breaks in names become
// "_" and " " so they cannot split a frame or a line.
func Folded(w io.Writer, f *critpath.Folded) error {
	bw := bufio.NewWriter(w)
	labels := map[critpath.Key]string{}
	err := f.Each(func(stack []critpath.Key, value int64) error {
		for k, key := range stack {
			if k > 0 {
				bw.WriteByte(';')
			}
			l, ok := labels[key]
			if !ok {
				l = frameLabel(key)
				labels[key] = l
			}
			bw.WriteString(l)
		}
		bw.WriteByte(' ')
		bw.WriteString(strconv.FormatInt(value, 10))
		return bw.WriteByte('\n')
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

var frameEscaper = strings.NewReplacer(";", "_")

// frame writes a name as one frame: escaped for the terminal (so a line
// break cannot split a stack either) and without ";".
func frame(name string) string { return frameEscaper.Replace(termstr.Escape(name)) }

func frameLabel(k critpath.Key) string {
	l := frame(k.Service) + ":" + frame(k.Name)
	switch {
	case k.Missing:
		l = dag.MissingSpans
	case k.Name == "":
		l = frame(k.Service)
	}
	if k.Queue {
		l += critpath.QueueSuffix // a queue wait beside the span that waited
	}
	return l
}
