package render

import (
	"encoding/base64"
	"io"
	"math"
	"strconv"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/jsonstr"
)

// writeJSON writes JSON text to w (stdout, perhaps a terminal) with the
// characters a terminal might act on escaped (jsonstr.Harden).
func writeJSON(w io.Writer, b []byte) error {
	_, err := w.Write(jsonstr.Harden(b))
	return err
}

// jsonBuf appends JSON by hand. The tree renderer needs it because nesting
// follows the span tree, which may be 1,000,000 deep: encoding/json would
// recurse once per level.
type jsonBuf []byte

func (b *jsonBuf) raw(s string) { *b = append(*b, s...) }

func (b *jsonBuf) str(s string) { *b = jsonstr.Append(*b, s) }

func (b *jsonBuf) key(k string) {
	if n := len(*b); n > 0 && (*b)[n-1] != '{' && (*b)[n-1] != '[' {
		*b = append(*b, ',')
	}
	*b = jsonstr.Append(*b, k)
	*b = append(*b, ':')
}

func (b *jsonBuf) int(i int64) { *b = strconv.AppendInt(*b, i, 10) }

// uint writes a time: unix nanoseconds are uint64.
func (b *jsonBuf) uint(u uint64) { *b = strconv.AppendUint(*b, u, 10) }

// array writes [item(0),item(1),…], n items.
func (b *jsonBuf) array(n int, item func(k int)) {
	b.raw("[")
	for k := 0; k < n; k++ {
		if k > 0 {
			b.raw(",")
		}
		item(k)
	}
	b.raw("]")
}

// objects writes an array of n objects; members(k) writes the members of the k-th.
func (b *jsonBuf) objects(n int, members func(k int)) {
	b.array(n, func(k int) {
		b.raw("{")
		members(k)
		b.raw("}")
	})
}

// attrs writes attributes as one JSON object, keeping value types.
func (b *jsonBuf) attrs(attrs []dag.Attr) {
	b.raw("{")
	for _, a := range attrs {
		b.key(a.Key)
		b.value(a.Value)
	}
	b.raw("}")
}

func (b *jsonBuf) value(v dag.Value) {
	switch v.Type() {
	case dag.ValueString:
		b.str(v.Str())
	case dag.ValueBool:
		*b = strconv.AppendBool(*b, v.Bool())
	case dag.ValueInt:
		b.int(v.Int())
	case dag.ValueDouble:
		f := v.Double()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			b.str(strconv.FormatFloat(f, 'g', -1, 64)) // JSON has no NaN/Inf
		} else {
			*b = strconv.AppendFloat(*b, f, 'g', -1, 64)
		}
	case dag.ValueBytes:
		b.str(base64.StdEncoding.EncodeToString([]byte(v.Bytes())))
	case dag.ValueArray:
		arr := v.Array()
		b.array(len(arr), func(i int) { b.value(arr[i]) })
	case dag.ValueMap:
		b.attrs(v.Map())
	default:
		b.raw("null")
	}
}

// TreeJSON writes one trace as a JSON object on one line (DESIGN.md §3):
// {"trace_id","roots":[span…]} with spans nested under "children"; a
// placeholder for an absent parent is {"span_id","missing":true,"children"}.
// The late spans of a trace printed before (dag.Tree.Continued) have
// "continued":true.
//
// The encoding streams: it is written out in chunks of about
// treeJSONChunk bytes, cut between spans, so it holds no second copy of
// the tree however large the trace.
func TreeJSON(w io.Writer, tr *dag.Tree) error { return treeJSON(w, tr, treeJSONChunk) }

const treeJSONChunk = 64 << 10

func treeJSON(w io.Writer, tr *dag.Tree, chunk int) error {
	b := make(jsonBuf, 0, min(chunk, treeJSONChunk)+4096)
	var hardened []byte // b made safe for a terminal (jsonstr.Harden), reused
	flush := func() error {
		hardened = jsonstr.AppendHardened(hardened[:0], b)
		_, err := w.Write(hardened)
		b = b[:0]
		return err
	}
	b.raw(`{"trace_id":`)
	b.str(tr.TraceIDText())
	continuedJSON(&b, tr)
	if len(tr.Joined) > 0 {
		joinedJSON(&b, tr)
	}
	b.raw(`,"roots":[`)
	// last is the last byte written, whether still in b or flushed.
	last := byte('[')
	// An explicit stack of node indexes; ^i marks "close node i".
	stack := make([]int32, 0, 64)
	for k := len(tr.Roots) - 1; k >= 0; k-- {
		stack = append(stack, tr.Roots[k])
	}
	for len(stack) > 0 {
		if len(b) >= chunk {
			// A cut between spans is outside any string, where
			// Harden's escapes cannot be split.
			last = b[len(b)-1]
			if err := flush(); err != nil {
				return err
			}
		}
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i < 0 {
			b.raw("]}")
			continue
		}
		if n := len(b); (n > 0 && b[n-1] == '}') || (n == 0 && last == '}') {
			b.raw(",")
		}
		n := &tr.Nodes[i]
		spanJSON(&b, tr, n)
		if n.Span != nil && n.Span.TraceID != tr.TraceID {
			b.key("trace_id") // a span of a joined trace
			b.str(n.Span.TraceIDText())
		}
		b.key("children")
		b.raw("[")
		stack = append(stack, ^i)
		kids := tr.Children(i)
		for c := len(kids) - 1; c >= 0; c-- {
			stack = append(stack, kids[c])
		}
	}
	b.raw("]}\n")
	return flush()
}

// continuedJSON writes ,"continued":true for the late spans of a trace
// printed before (dag.Tree.Continued), and nothing otherwise.
func continuedJSON(b *jsonBuf, tr *dag.Tree) {
	if tr.Continued {
		b.raw(`,"continued":true`)
	}
}

// joinedJSON writes ,"joined_trace_ids":[…], the traces dag.Join merged
// into tr.
func joinedJSON(b *jsonBuf, tr *dag.Tree) {
	b.key("joined_trace_ids")
	b.array(len(tr.Joined), func(k int) { b.str(tr.JoinedIDText(k)) })
}

// spanJSON writes a span's fields, leaving the object open for children.
func spanJSON(b *jsonBuf, tr *dag.Tree, n *dag.Node) {
	b.raw("{")
	b.key("span_id")
	b.str(tr.IDText(n.ID))
	s := n.Span
	if s == nil {
		b.key("missing")
		b.raw("true")
		return
	}
	b.key("parent_span_id")
	b.str(s.ParentIDText())
	b.key("service")
	b.str(s.Service())
	b.key("name")
	b.str(s.Name())
	b.key("kind")
	b.str(s.Kind.String())
	b.key("start_unix_nano")
	b.uint(s.Start)
	b.key("end_unix_nano")
	b.uint(s.End)
	b.key("duration_ns")
	b.int(s.Duration())
	b.key("status")
	b.raw("{")
	b.key("code")
	st := s.Status()
	b.str(st.Code.String())
	if st.Message != "" {
		b.key("message")
		b.str(st.Message)
	}
	b.raw("}")
	b.key("attributes")
	b.attrs(s.AttrList())
	if res := s.Resource(); res != nil && len(res.Attrs) > 0 {
		b.key("resource")
		b.attrs(res.Attrs)
	}
	if sc := s.Scope(); sc != nil && sc.Name != "" {
		b.key("scope")
		b.raw("{")
		b.key("name")
		b.str(sc.Name)
		if sc.Version != "" {
			b.key("version")
			b.str(sc.Version)
		}
		b.raw("}")
	}
	if evs := s.Events(); len(evs) > 0 {
		b.key("events")
		b.objects(len(evs), func(k int) {
			e := &evs[k]
			b.key("name")
			b.str(e.Name)
			b.key("time_unix_nano")
			b.uint(e.Time)
			b.key("attributes")
			b.attrs(e.Attrs)
		})
	}
	if ls := s.Links(); len(ls) > 0 {
		b.key("links")
		b.objects(len(ls), func(k int) {
			l := &ls[k]
			b.key("trace_id")
			b.str(l.TraceID.String())
			b.key("span_id")
			b.str(l.SpanID.String())
			b.key("attributes")
			b.attrs(l.Attrs)
		})
	}
}
