package spill

// The spill format: a private encoding of dag.Span, written and read only by
// this process, so it owes nothing to any wire format and loses nothing of
// the model (a wire encoder would write the derived id of an invalid raw id,
// losing the raw text).
//
// A file is a sequence of records, each a tag byte and then:
//
//	tagResource  uvarint id, uvarint n, n bytes: attrs, schema URL, service
//	tagScope     uvarint id, uvarint n, n bytes: name, version, attrs
//	tagSpan      uvarint n, n bytes: one span (below)
//	tagTrace     uvarint start, 16 bytes trace id, uvarint spans, uvarint n:
//	             the n bytes of the trace's span records follow (sorted runs)
//
// Resources and scopes are shared by many spans, so a file defines each once
// (by an id the partitioner assigns by content) before the first span that
// uses it; a span refers to them by id+1 (0 for none). A later definition of
// the same id replaces the earlier one (the partitioner's dictionary is
// bounded and starts over when full).
//
// A span: trace id (16 bytes), span id, parent span id (8 bytes each),
// start, end, resource ref, scope ref, name, kind, async-parent, flags,
// trace state, status code and message, attributes, events (name, time,
// attributes), links (trace id, span id, trace state, attributes, flags),
// and the raw ids (a presence byte, then the invalid-fields mask and the
// three raw strings). Integers are uvarints, strings a uvarint length and
// the bytes; a value is its type byte and then its payload.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/tracectl/tracectl/internal/dag"
)

const (
	tagResource = 1 + iota
	tagScope
	tagSpan
	tagTrace
)

// errCorrupt is what decoding reports for bytes this package did not write
// (a spill file damaged on disk, or one from another version).
var errCorrupt = errors.New("spill file is corrupt")

// encoder appends the spill encoding of model values to a buffer.
type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) value(v dag.Value) {
	e.b = append(e.b, byte(v.Type()))
	switch v.Type() {
	case dag.ValueString:
		e.str(v.Str())
	case dag.ValueBytes:
		e.str(v.Bytes())
	case dag.ValueBool:
		if v.Bool() {
			e.b = append(e.b, 1)
		} else {
			e.b = append(e.b, 0)
		}
	case dag.ValueInt:
		e.uvarint(uint64(v.Int()))
	case dag.ValueDouble:
		e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v.Double()))
	case dag.ValueArray:
		a := v.Array()
		e.uvarint(uint64(len(a)))
		for _, x := range a {
			e.value(x)
		}
	case dag.ValueMap:
		e.attrs(v.Map())
	}
}

func (e *encoder) attrs(as []dag.Attr) {
	e.uvarint(uint64(len(as)))
	for i := range as {
		e.str(as[i].Key)
		e.value(as[i].Value)
	}
}

func (e *encoder) resource(r *dag.Resource) {
	e.attrs(r.Attrs)
	e.str(r.SchemaURL)
	e.str(r.Service)
}

func (e *encoder) scope(s *dag.Scope) {
	e.str(s.Name)
	e.str(s.Version)
	e.attrs(s.Attrs)
}

// span appends s, whose resource and scope have the given refs (id+1, 0
// for none).
func (e *encoder) span(sp *dag.Span, res, scope uint64) {
	s := sp.Data()
	e.b = append(e.b, s.TraceID[:]...)
	e.b = append(e.b, s.SpanID[:]...)
	e.b = append(e.b, s.ParentSpanID[:]...)
	e.uvarint(s.Start)
	e.uvarint(s.End)
	e.uvarint(res)
	e.uvarint(scope)
	e.str(s.Name)
	async := byte(0)
	if s.AsyncParent {
		async = 1
	}
	e.b = append(e.b, byte(s.Kind), async)
	e.uvarint(uint64(s.Flags))
	e.str(s.TraceState)
	e.b = append(e.b, byte(s.Status.Code))
	e.str(s.Status.Message)
	e.attrs(s.Attrs)
	e.uvarint(uint64(len(s.Events)))
	for i := range s.Events {
		ev := &s.Events[i]
		e.str(ev.Name)
		e.uvarint(ev.Time)
		e.attrs(ev.Attrs)
	}
	e.uvarint(uint64(len(s.Links)))
	for i := range s.Links {
		l := &s.Links[i]
		e.b = append(e.b, l.TraceID[:]...)
		e.b = append(e.b, l.SpanID[:]...)
		e.str(l.TraceState)
		e.attrs(l.Attrs)
		e.uvarint(uint64(l.Flags))
	}
	if s.Raw == nil {
		e.b = append(e.b, 0)
		return
	}
	e.b = append(e.b, 1, byte(s.Raw.Invalid))
	e.str(s.Raw.TraceID)
	e.str(s.Raw.SpanID)
	e.str(s.Raw.ParentSpanID)
}

// decoder reads model values back from one buffer.
//
// Attribute, event and link strings are substrings of the buffer (no copy):
// they live as long as a span does, within one partition's analysis. Every
// other string — names, keys, services, raw ids, status messages: what an
// analysis may keep past the partition, in a row or a finding — is copied
// and interned, so keeping it never keeps a whole partition's buffer alive.
type decoder struct {
	b      []byte
	s      string // b as a string, for substrings without copies
	off    int
	err    error
	intern map[string]string
}

func newDecoder(b []byte, intern map[string]string) *decoder {
	d := &decoder{b: b, intern: intern}
	if len(b) > 0 {
		d.s = unsafe.String(&b[0], len(b)) // b is never written again
	}
	return d
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.off = len(d.b)
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) byte() byte {
	if d.off >= len(d.b) {
		d.fail()
		return 0
	}
	c := d.b[d.off]
	d.off++
	return c
}

func (d *decoder) fixed(dst []byte) {
	if len(d.b)-d.off < len(dst) {
		d.fail()
		return
	}
	d.off += copy(dst, d.b[d.off:])
}

func (d *decoder) bytes() (int, int) {
	n := d.uvarint()
	if n > uint64(len(d.b)-d.off) {
		d.fail()
		return d.off, d.off
	}
	i := d.off
	d.off += int(n)
	return i, d.off
}

// sub returns the next string as a substring of the buffer.
func (d *decoder) sub() string {
	i, j := d.bytes()
	return d.s[i:j]
}

// str returns the next string copied and interned.
func (d *decoder) str() string {
	i, j := d.bytes()
	if i == j {
		return ""
	}
	if s, ok := d.intern[d.s[i:j]]; ok {
		return s
	}
	s := string(d.b[i:j])
	if len(d.intern) < maxIntern {
		d.intern[s] = s
	}
	return s
}

// maxIntern bounds the interned strings of one partition: names repeat,
// but the input decides how many distinct ones there are.
const maxIntern = 1 << 16

func (d *decoder) value(depth int) dag.Value {
	if depth > maxDepth {
		d.fail()
		return dag.Value{}
	}
	switch t := dag.ValueType(d.byte()); t {
	case dag.ValueEmpty:
		return dag.Value{}
	case dag.ValueString:
		return dag.StringValue(d.sub())
	case dag.ValueBytes:
		return dag.BytesValue(d.sub())
	case dag.ValueBool:
		return dag.BoolValue(d.byte() != 0)
	case dag.ValueInt:
		return dag.IntValue(int64(d.uvarint()))
	case dag.ValueDouble:
		var f [8]byte
		d.fixed(f[:])
		return dag.DoubleValue(math.Float64frombits(binary.LittleEndian.Uint64(f[:])))
	case dag.ValueArray:
		n := d.count()
		vs := make([]dag.Value, n)
		for i := range vs {
			vs[i] = d.value(depth + 1)
		}
		return dag.ArrayValue(vs)
	case dag.ValueMap:
		return dag.MapValue(d.attrs(depth + 1))
	}
	d.fail()
	return dag.Value{}
}

// maxDepth bounds nested arrays and maps (ingest bounds them on input).
const maxDepth = 256

// count reads an element count, which cannot exceed the bytes left (every
// element takes at least one).
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)-d.off) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) attrs(depth int) []dag.Attr {
	n := d.count()
	if n == 0 {
		return nil
	}
	as := make([]dag.Attr, n)
	for i := range as {
		as[i].Key = d.str()
		as[i].Value = d.value(depth)
	}
	return as
}

func (d *decoder) resource() *dag.Resource {
	r := &dag.Resource{Attrs: d.attrs(0)}
	r.SchemaURL = d.str()
	r.Service = d.str()
	return r
}

func (d *decoder) scope() *dag.Scope {
	s := &dag.Scope{Name: d.str(), Version: d.str()}
	s.Attrs = d.attrs(0)
	return s
}

// table holds the resources and scopes a file defined, by id.
type table struct {
	res    map[uint64]*dag.Resource
	scopes map[uint64]*dag.Scope
}

func newTable() *table {
	return &table{res: make(map[uint64]*dag.Resource), scopes: make(map[uint64]*dag.Scope)}
}

func (d *decoder) span(s *dag.SpanData, t *table) {
	d.fixed(s.TraceID[:])
	d.fixed(s.SpanID[:])
	d.fixed(s.ParentSpanID[:])
	s.Start = d.uvarint()
	s.End = d.uvarint()
	if ref := d.uvarint(); ref > 0 {
		if s.Resource = t.res[ref-1]; s.Resource == nil {
			d.fail()
		}
	}
	if ref := d.uvarint(); ref > 0 {
		if s.Scope = t.scopes[ref-1]; s.Scope == nil {
			d.fail()
		}
	}
	s.Name = d.str()
	s.Kind = dag.Kind(d.byte())
	s.AsyncParent = d.byte() != 0
	s.Flags = uint32(d.uvarint())
	s.TraceState = d.str()
	s.Status.Code = dag.StatusCode(d.byte())
	s.Status.Message = d.str()
	s.Attrs = d.attrs(0)
	if n := d.count(); n > 0 {
		s.Events = make([]dag.Event, n)
		for i := range s.Events {
			ev := &s.Events[i]
			ev.Name = d.str()
			ev.Time = d.uvarint()
			ev.Attrs = d.attrs(0)
		}
	}
	if n := d.count(); n > 0 {
		s.Links = make([]dag.Link, n)
		for i := range s.Links {
			l := &s.Links[i]
			d.fixed(l.TraceID[:])
			d.fixed(l.SpanID[:])
			l.TraceState = d.sub()
			l.Attrs = d.attrs(0)
			l.Flags = uint32(d.uvarint())
		}
	}
	if d.byte() != 0 {
		s.Raw = &dag.RawIDs{Invalid: dag.IDFields(d.byte())}
		s.Raw.TraceID = d.str()
		s.Raw.SpanID = d.str()
		s.Raw.ParentSpanID = d.str()
	}
}

// records decodes a buffer of records (a whole partition, or one trace of
// a sorted run) and appends its spans, packed, to spans. Resource and
// scope definitions go into t.
func (d *decoder) records(t *table, spans []dag.Span) ([]dag.Span, error) {
	var data []dag.SpanData
	for d.off < len(d.b) && d.err == nil {
		switch tag := d.byte(); tag {
		case tagResource, tagScope:
			id := d.uvarint()
			i, j := d.bytes()
			sub := &decoder{b: d.b[:j], s: d.s[:j], off: i, intern: d.intern}
			if tag == tagResource {
				t.res[id] = sub.resource()
			} else {
				t.scopes[id] = sub.scope()
			}
			if sub.err != nil || sub.off != j {
				d.fail()
			}
		case tagSpan:
			i, j := d.bytes()
			sub := &decoder{b: d.b[:j], s: d.s[:j], off: i, intern: d.intern}
			data = append(data, dag.SpanData{})
			sub.span(&data[len(data)-1], t)
			if sub.err != nil || sub.off != j {
				d.fail()
			}
		default:
			d.fail()
		}
	}
	if len(data) > 0 {
		spans = append(spans, dag.Pack(data)...)
		data = nil
	}
	if d.err != nil {
		return spans, fmt.Errorf("%w (at byte %d)", d.err, d.off)
	}
	return spans, nil
}
