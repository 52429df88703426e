package render

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

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
//
// The text is appended to a buffer kept between calls and written at once:
// a buffered writer, a row of strings per segment and fmt's boxing, fresh
// for each of a million-span input's traces, were most of what critpath
// allocated.
func CritPath(w io.Writer, st *Styles, a *critpath.Analysis, opt CritPathOptions) error {
	sc := critPathTexts.Get().(*critPathText)
	defer critPathTexts.Put(sc)
	b := sc.out[:0]
	tr := a.Tree
	for pi := range a.Paths {
		p := &a.Paths[pi]
		if pi > 0 {
			b = append(b, '\n')
		}
		b = append(b, st.Bold("trace")...)
		b = append(b, ' ')
		b = termstr.Append(b, tr.TraceIDText())
		b = append(b, "  "...)
		b = append(b, nodeLabel(st, tr, p.Root)...)
		b = append(b, "  "...)
		b = append(b, st.Bold(dag.FormatDuration(p.Duration()))...)
		b = append(b, '\n')
		if opt.WhatIf != nil {
			before, after := p.Duration(), opt.WhatIf.Paths[pi].Duration()
			b = append(b, "  what-if: "...)
			b = dag.AppendDuration(b, before)
			b = append(b, " → "...)
			b = dag.AppendDuration(b, after)
			b = append(b, " ("...)
			b = append(b, change(before, after)...)
			b = append(b, ")\n"...)
		}
		if p.Duration() == 0 {
			b = append(b, "  the root lasts 0ns: nothing to attribute\n"...)
			continue
		}
		// The AT, OWNED and SHARE cells of every segment, back to back in
		// sc.cells (ends: where each ends), and each segment's service.
		cellText, ends, svcs := sc.cells[:0], sc.ends[:0], sc.svcs[:0]
		width := [4]int{len("AT"), len("OWNED"), len("SHARE"), len("SERVICE")}
		for _, s := range p.Segments {
			for k := range 3 {
				from := len(cellText)
				switch k {
				case 0:
					cellText = dag.AppendOffset(cellText, dag.Sub(s.Start, p.Start))
				case 1:
					cellText = dag.AppendDuration(cellText, s.Duration())
				case 2:
					cellText = appendShare(cellText, s.Duration(), p.Duration())
				}
				// Digits, signs, units: one cell a rune.
				width[k] = max(width[k], utf8.RuneCount(cellText[from:]))
				ends = append(ends, int32(len(cellText)))
			}
			svc, _ := nodeNames(tr, s.Node)
			width[3] = max(width[3], cells(svc))
			svcs = append(svcs, svc)
		}
		b = append(b, "  "...)
		b = padLeft(b, "AT", width[0])
		b = append(b, "  "...)
		b = padLeft(b, "OWNED", width[1])
		b = append(b, "  "...)
		b = padLeft(b, "SHARE", width[2])
		b = append(b, "  SERVICE"...)
		b = appendSpaces(b, width[3]-len("SERVICE"))
		b = append(b, "  SPAN\n"...)
		from := int32(0)
		for k, s := range p.Segments {
			b = append(b, ' ', ' ')
			for c := range 3 {
				cell := cellText[from:ends[3*k+c]]
				from = ends[3*k+c]
				b = appendSpaces(b, width[c]-utf8.RuneCount(cell))
				b = append(b, cell...)
				b = append(b, ' ', ' ')
			}
			svc := svcs[k]
			pad := width[3] - cells(svc)
			_, name := nodeNames(tr, s.Node)
			switch {
			case s.Queue:
				// The wait of the asynchronous child named: its service
				// did no work in it.
				b = append(b, st.Faint(string(appendSpaces([]byte(svc), pad)))...)
				name = st.Faint("⋯ queued → " + name)
			case tr.Nodes[s.Node].Span != nil:
				b = appendSpaces(append(b, st.Service(svc)...), pad)
			default:
				b = appendSpaces(append(b, svc...), pad)
				name = st.Faint(name)
			}
			b = append(b, "  "...)
			b = append(b, name...)
			b = append(b, '\n')
		}
		sc.cells, sc.ends, sc.svcs = cellText, ends, svcs
		clear(svcs) // keep no span's strings alive
		key, owned := a.Dominant(p)
		b = append(b, "  "...)
		b = append(b, st.Bold(share(owned, p.Duration()))...)
		b = append(b, " of this trace is "...)
		b = append(b, st.Bold(termstr.Escape(key.String()))...)
		b = append(b, '\n')
	}
	sc.out = b
	_, err := w.Write(b)
	return err
}

// critPathText is CritPath's scratch memory, kept between calls (one per
// trace).
type critPathText struct {
	out, cells []byte
	ends       []int32
	svcs       []string
}

var critPathTexts = sync.Pool{New: func() any { return new(critPathText) }}

// padLeft appends s right-aligned in width cells.
func padLeft(b []byte, s string, width int) []byte {
	return append(appendSpaces(b, width-cells(s)), s...)
}

// appendSpaces appends n spaces (none when n ≤ 0).
func appendSpaces(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
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
	var buf [24]byte
	return string(appendShare(buf[:0], part, whole))
}

// appendShare appends share(part, whole) to b.
func appendShare(b []byte, part, whole int64) []byte {
	if whole == 0 {
		return appendPercent(b, 0)
	}
	return appendPercent(b, float64(part)/float64(whole))
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
// It writes the members by hand, keys as literals and strings with
// jsonstr.AppendHard, so the output needs no second pass to be hardened
// for a terminal (writeJSON): this is the largest JSON tracectl writes, a
// few hundred bytes per span.
func AppendCritPathJSON(b []byte, a *critpath.Analysis, whatIf *critpath.Analysis) []byte {
	tr := a.Tree
	follow := a.Async == critpath.AsyncFollow
	for pi := range a.Paths {
		p := &a.Paths[pi]
		b = append(b, `{"trace_id":`...)
		b = jsonstr.AppendHard(b, tr.TraceIDText())
		if tr.Continued {
			b = append(b, `,"continued":true`...)
		}
		b = append(b, `,"root_span_id":`...)
		b = appendSpanID(b, tr, tr.Nodes[p.Root].ID)
		if follow {
			b = append(b, `,"joined_trace_ids":[`...)
			for k := range tr.Joined {
				if k > 0 {
					b = append(b, ',')
				}
				b = jsonstr.AppendHard(b, tr.JoinedIDText(k))
			}
			b = append(b, ']')
		}
		b = append(b, `,"duration_ns":`...)
		b = strconv.AppendInt(b, p.Duration(), 10)
		if whatIf != nil {
			b = append(b, `,"whatif_duration_ns":`...)
			b = strconv.AppendInt(b, whatIf.Paths[pi].Duration(), 10)
		}
		b = append(b, `,"segments":[`...)
		for k := range p.Segments {
			s := &p.Segments[k]
			if k > 0 {
				b = append(b, ',')
			}
			b = appendNodeJSON(b, tr, s.Node)
			b = append(b, `,"start_unix_nano":`...)
			b = strconv.AppendUint(b, s.Start, 10)
			b = append(b, `,"end_unix_nano":`...)
			b = strconv.AppendUint(b, s.End, 10)
			if s.Queue {
				b = append(b, `,"queue":true`...)
			}
			b = append(b, '}')
		}
		b = append(b, `],"spans":[`...)
		for k, i := range p.Nodes {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendNodeJSON(b, tr, i)
			b = append(b, `,"critical_ns":`...)
			b = strconv.AppendInt(b, a.Critical[i], 10)
			b = append(b, `,"self_ns":`...)
			b = strconv.AppendInt(b, a.Self[i], 10)
			if follow {
				b = append(b, `,"queue_ns":`...)
				b = strconv.AppendInt(b, a.Queue[i], 10)
			}
			b = append(b, '}')
		}
		b = append(b, "]}\n"...)
	}
	return b
}

// appendNodeJSON appends the opening brace and the members that name node
// i: "span_id", "service", "name" (and "trace_id" for a span of a joined
// trace), or "missing":true for a placeholder.
func appendNodeJSON(b []byte, tr *dag.Tree, i int32) []byte {
	n := &tr.Nodes[i]
	b = append(b, `{"span_id":`...)
	b = appendSpanID(b, tr, n.ID)
	if n.Span == nil {
		return append(b, `,"service":"","name":"","missing":true`...)
	}
	b = append(b, `,"service":`...)
	b = jsonstr.AppendHard(b, n.Span.Service())
	b = append(b, `,"name":`...)
	b = jsonstr.AppendHard(b, n.Span.Name())
	if n.Span.TraceID != tr.TraceID {
		b = append(b, `,"trace_id":`...) // a span of a joined trace
		b = jsonstr.AppendHard(b, n.Span.TraceIDText())
	}
	return b
}

// appendSpanID appends tr.IDText(id) as a JSON string: the hex digits of a
// valid id need no escaping.
func appendSpanID(b []byte, tr *dag.Tree, id dag.SpanID) []byte {
	if raw, ok := tr.RawIDText(id); ok {
		return jsonstr.AppendHard(b, raw)
	}
	b = append(b, '"')
	b = hex.AppendEncode(b, id[:])
	return append(b, '"')
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
