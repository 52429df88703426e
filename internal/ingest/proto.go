package ingest

// The OTLP protobuf decoder: a purpose-built walk over the wire format
// (google.golang.org/protobuf/encoding/protowire) that decodes an
// ExportTraceServiceRequest (or TracesData, which has the same shape)
// straight into dag.SpanData, with no generated message types in between.
//
// Field numbers are those of opentelemetry-proto (go.opentelemetry.io/proto/otlp):
// collector/trace/v1, trace/v1, common/v1 and resource/v1.
//
// What makes it fast and small:
//   - A first pass counts spans, attributes, events and links (tags and
//     lengths only), so each message's SpanData lists are sub-slices of a
//     few slabs (full slice expressions: appending to one never writes
//     into its neighbour), and the slabs are the decoder's, reused from one
//     message to the next.
//   - Strings alias the message: nothing is copied while decoding. The
//     decoded batch is then packed (dag.Packer), which copies what it keeps
//     into the batch's block once — each distinct string and attribute
//     key/value pair of the message once — so packed spans never point
//     into the input and input buffers are reused.

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tracectl/tracectl/internal/dag"
)

// DecodeProto decodes one unframed OTLP protobuf ExportTraceServiceRequest
// (or TracesData), such as an OTLP/HTTP request body, and appends its spans
// to dst. An empty message is an empty request. The spans do not share
// memory with msg, which the caller may reuse.
//
// On bad input it returns dst unchanged and an *Error whose Offset is the
// byte offset in msg. Spans with ids of the wrong length are kept with
// those ids left zero (dag's checks report them). A metrics or logs
// message decodes to no spans and no error.
func DecodeProto(msg []byte, dst []dag.Span) ([]dag.Span, error) {
	d := protoDecoders.Get().(*protoDecoder)
	defer protoDecoders.Put(d)
	d.n, d.name, d.base, d.inFrame = nil, "", 0, false
	out, err := d.decode(msg, d.scratch[:0])
	d.scratch = out[:0]
	if err != nil {
		return dst, d.asError("protobuf message", err)
	}
	return appendPacked(dst, d.packer.Pack(out)), nil
}

// appendPacked appends packed spans to dst, without a copy when dst is
// empty.
func appendPacked(dst, packed []dag.Span) []dag.Span {
	if len(dst) == 0 {
		return packed
	}
	return append(dst, packed...)
}

var protoDecoders = sync.Pool{New: func() any { return new(protoDecoder) }}

// maxProtoDepth bounds the nesting of array and kvlist attribute values,
// which are decoded recursively.
const maxProtoDepth = 64

// protoDecoder holds the state of decoding one message, and what is worth
// keeping from one message to the next of a stream (the string table).
type protoDecoder struct {
	b []byte // the message being decoded

	// Where the message is, for notices and errors: the input's name and
	// the offset of b[0] in it. A message decompressed from a frame has
	// no offsets of its own in the input: inFrame is set, and base is the
	// frame's offset.
	n       *notices
	name    string
	base    int64
	inFrame bool

	spans     []dag.SpanData
	spanAttrs []dag.Attr // slab of span attributes
	attrs     []dag.Attr // slab of resource, scope, event and link attributes
	events    []dag.Event
	links     []dag.Link
	resources []dag.Resource
	scopes    []dag.Scope

	// The memory of the last message's SpanData, which the next one
	// reuses: the spans are packed by then.
	scratch []dag.SpanData
	slabs   struct {
		attrs     []dag.Attr
		events    []dag.Event
		links     []dag.Link
		resources []dag.Resource
		scopes    []dag.Scope
	}
	packer dag.Packer

	// Per message: ids of the wrong length (kept zero), and the first one.
	badIDs   int
	badIDMsg string
	badIDOff int
}

// protoError is a decoding error at a byte offset of the message, with the
// path of fields that leads to it (innermost first).
type protoError struct {
	Offset int
	path   []string
	Err    error
}

func (e *protoError) Error() string {
	var b strings.Builder
	for i := len(e.path) - 1; i >= 0; i-- {
		b.WriteString(e.path[i])
		if i > 0 {
			b.WriteByte('.')
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *protoError) Unwrap() error { return e.Err }

// in adds a path element to a protoError as it unwinds; a nil err stays
// nil, at no cost (decoders pass every child's result through it).
func in(err error, elem string, i int) error {
	if err == nil {
		return nil
	}
	var pe *protoError
	if errors.As(err, &pe) {
		if i >= 0 {
			elem += "[" + strconv.Itoa(i) + "]"
		}
		pe.path = append(pe.path, elem)
	}
	return err
}

func (d *protoDecoder) errAt(p int, err error) error { return &protoError{Offset: p, Err: err} }

// asError converts a decoding error to an *Error naming the input and the
// absolute offset.
func (d *protoDecoder) asError(name string, err error) error {
	var pe *protoError
	if !errors.As(err, &pe) {
		return offsetError(name, d.base, err)
	}
	if d.inFrame {
		return offsetError(name, d.base, fmt.Errorf("in the message decompressed from this frame, at byte %d: %w", pe.Offset, pe))
	}
	return offsetError(name, d.base+int64(pe.Offset), pe)
}

var typeNames = [...]string{"varint", "fixed64", "bytes", "start group", "end group", "fixed32", "wire type 6", "wire type 7"}

func (d *protoDecoder) wrongType(p int, field string, got, want protowire.Type) error {
	return d.errAt(p, fmt.Errorf("field %s has wire type %s, want %s (not OTLP trace data?)", field, typeNames[got&7], typeNames[want&7]))
}

// field reads the field that starts at d.b[p], which must end by end. For
// varint and fixed types, v is the value; for bytes, the payload is
// d.b[v:next]. Groups (long deprecated) are skipped whole, with v = 0.
func (d *protoDecoder) field(p, end int) (num protowire.Number, typ protowire.Type, v uint64, next int, err error) {
	b := d.b[:end]
	start := p
	var tag uint64
	if c := b[p]; c < 0x80 {
		tag = uint64(c)
		p++
	} else {
		t, n := protowire.ConsumeVarint(b[p:])
		if n < 0 {
			return 0, 0, 0, 0, d.errAt(p, fmt.Errorf("bad field tag: %w", protowire.ParseError(n)))
		}
		tag, p = t, p+n
	}
	if tag>>3 == 0 || tag>>3 > uint64(protowire.MaxValidNumber) {
		return 0, 0, 0, 0, d.errAt(start, fmt.Errorf("invalid field number %d (not protobuf?)", tag>>3))
	}
	num, typ = protowire.Number(tag>>3), protowire.Type(tag&7)
	switch typ {
	case protowire.VarintType:
		if p < len(b) && b[p] < 0x80 {
			return num, typ, uint64(b[p]), p + 1, nil
		}
		x, n := protowire.ConsumeVarint(b[p:])
		if n < 0 {
			return 0, 0, 0, 0, d.errAt(p, fmt.Errorf("field %d: bad varint: %w", num, protowire.ParseError(n)))
		}
		return num, typ, x, p + n, nil
	case protowire.Fixed64Type:
		if len(b)-p < 8 {
			return 0, 0, 0, 0, d.errAt(p, fmt.Errorf("field %d: fixed64 truncated", num))
		}
		return num, typ, binary.LittleEndian.Uint64(b[p:]), p + 8, nil
	case protowire.Fixed32Type:
		if len(b)-p < 4 {
			return 0, 0, 0, 0, d.errAt(p, fmt.Errorf("field %d: fixed32 truncated", num))
		}
		return num, typ, uint64(binary.LittleEndian.Uint32(b[p:])), p + 4, nil
	case protowire.BytesType:
		var l uint64
		if p < len(b) && b[p] < 0x80 {
			l = uint64(b[p])
			p++
		} else {
			x, n := protowire.ConsumeVarint(b[p:])
			if n < 0 {
				return 0, 0, 0, 0, d.errAt(p, fmt.Errorf("field %d: bad length: %w", num, protowire.ParseError(n)))
			}
			l, p = x, p+n
		}
		if l > uint64(len(b)-p) {
			return 0, 0, 0, 0, d.errAt(start, fmt.Errorf("field %d: length %d runs past the end of its message (%d bytes left): truncated or not protobuf", num, l, len(b)-p))
		}
		return num, typ, uint64(p), p + int(l), nil
	case protowire.StartGroupType:
		n := protowire.ConsumeFieldValue(num, typ, b[p:])
		if n < 0 {
			return 0, 0, 0, 0, d.errAt(p, fmt.Errorf("field %d: bad group: %w", num, protowire.ParseError(n)))
		}
		return num, typ, 0, p + n, nil
	}
	return 0, 0, 0, 0, d.errAt(start, fmt.Errorf("field %d: unexpected %s (not protobuf?)", num, typeNames[typ&7]))
}

// protoCounts sizes the allocations of one message.
type protoCounts struct {
	resources, scopes, spans, spanAttrs, attrs, events, links int
}

// count is the sizing pass. It is lenient: on malformed input it stops
// counting and leaves the error to the decoding pass, which reports it
// with its offset (the slabs grow if a count was short).
func (d *protoDecoder) count(c *protoCounts) {
	d.forEach(0, len(d.b), 1, func(s, e int) {
		c.resources++
		d.forFields(s, e, func(num protowire.Number, s, e int) {
			switch num {
			case fieldResourceSpansResource:
				c.attrs += d.countField(s, e, fieldResourceAttributes)
			case fieldResourceSpansScopeSpans, fieldResourceSpansLibrarySpans:
				c.scopes++
				d.forFields(s, e, func(num protowire.Number, s, e int) {
					switch num {
					case fieldScopeSpansScope:
						c.attrs += d.countField(s, e, fieldScopeAttributes)
					case fieldScopeSpansSpans:
						c.spans++
						d.countSpan(c, s, e)
					}
				})
			}
		})
	})
}

// countSpan counts a span's attributes, events and links. Every span
// passes through it, so it reads one-byte tags and short lengths inline.
func (d *protoDecoder) countSpan(c *protoCounts, s, e int) {
	b := d.b[:e]
	for p := s; p < e; {
		tag := b[p]
		if tag >= 0x80 {
			// A field number above 15: rare, read it the long way.
			_, _, _, next, err := d.field(p, e)
			if err != nil {
				return
			}
			p = next
			continue
		}
		p++
		switch protowire.Type(tag & 7) {
		case protowire.VarintType:
			for p < e && b[p] >= 0x80 {
				p++
			}
			p++
		case protowire.Fixed64Type:
			p += 8
		case protowire.Fixed32Type:
			p += 4
		case protowire.BytesType:
			l, n := uint64(0), 0
			if p < e && b[p] < 0x80 {
				l, n = uint64(b[p]), 1
			} else if l, n = protowire.ConsumeVarint(b[p:]); n < 0 {
				return
			}
			p += n
			if l > uint64(e-p) {
				return
			}
			switch protowire.Number(tag >> 3) {
			case fieldSpanAttributes:
				c.spanAttrs++
			case fieldSpanEvents:
				c.events++
				c.attrs += d.countField(p, p+int(l), fieldEventAttributes)
			case fieldSpanLinks:
				c.links++
				c.attrs += d.countField(p, p+int(l), fieldLinkAttributes)
			}
			p += int(l)
		default:
			return // malformed: the decoding pass reports it
		}
	}
}

// countField counts the length-delimited fields numbered num in d.b[s:e].
func (d *protoDecoder) countField(s, e int, num protowire.Number) int {
	n := 0
	for p := s; p < e; {
		f, typ, _, next, err := d.field(p, e)
		if err != nil {
			break
		}
		if f == num && typ == protowire.BytesType {
			n++
		}
		p = next
	}
	return n
}

// forEach calls fn with the payload bounds of each length-delimited field
// numbered num in d.b[s:e], stopping at malformed input.
func (d *protoDecoder) forEach(s, e int, num protowire.Number, fn func(s, e int)) {
	d.forFields(s, e, func(f protowire.Number, s, e int) {
		if f == num {
			fn(s, e)
		}
	})
}

// forFields calls fn for each length-delimited field in d.b[s:e], stopping
// at malformed input.
func (d *protoDecoder) forFields(s, e int, fn func(num protowire.Number, s, e int)) {
	for p := s; p < e; {
		num, typ, v, next, err := d.field(p, e)
		if err != nil {
			return
		}
		if typ == protowire.BytesType {
			fn(num, int(v), next)
		}
		p = next
	}
}

// decode decodes the message msg and appends its spans to dst; on error it
// returns dst and a *protoError.
func (d *protoDecoder) decode(msg []byte, dst []dag.SpanData) ([]dag.SpanData, error) {
	d.b = msg
	d.badIDs, d.badIDMsg = 0, ""
	var c protoCounts
	d.count(&c)
	d.spans = slices.Grow(dst, c.spans)
	// One slab for both attribute lists; the full slice expression keeps
	// the span attributes from growing into the others.
	all := reuse(&d.slabs.attrs, c.spanAttrs+c.attrs)
	d.spanAttrs = all[:0:c.spanAttrs]
	d.attrs = all[c.spanAttrs:c.spanAttrs:cap(all)]
	d.events = reuse(&d.slabs.events, c.events)
	d.links = reuse(&d.slabs.links, c.links)
	d.resources = reuse(&d.slabs.resources, c.resources)
	d.scopes = reuse(&d.slabs.scopes, c.scopes)
	err := d.request()
	out := d.spans
	d.b, d.spans, d.spanAttrs, d.attrs, d.events, d.links, d.resources, d.scopes = nil, nil, nil, nil, nil, nil, nil, nil
	if err != nil {
		return dst, err
	}
	return out, nil
}

// reuse returns *slab emptied, with room for n elements, keeping its
// memory from one message to the next: the spans of the last message are
// packed (copied) by the time the next one is decoded.
func reuse[T any](slab *[]T, n int) []T {
	s := (*slab)[:cap(*slab)]
	clear(s) // drop the last message's strings and lists
	if cap(s) < n {
		s = make([]T, 0, n+n/4)
	}
	*slab = s[:0]
	return s[:0]
}

// str returns the bytes b of the message as a string, without a copy:
// decoded spans alias the message until they are packed, which copies
// what it keeps (see dag.Packer). Nothing decoded here outlives that.
func (d *protoDecoder) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// push returns a pointer to a new zero element at the end of *slab. The
// elements from *start on are one list being built: when the slab is full
// they move to a new one, so that the list stays contiguous.
func push[T any](slab *[]T, start *int) *T {
	s := *slab
	if len(s) == cap(s) {
		n := len(s) - *start
		ns := make([]T, n, max(2*n, 8))
		copy(ns, s[*start:])
		s, *start = ns, 0
	}
	s = s[:len(s)+1]
	*slab = s
	return &s[len(s)-1]
}

// list returns the elements of *slab from start on, capped so that an
// append copies (nil when empty).
func list[T any](slab []T, start int) []T {
	if len(slab) == start {
		return nil
	}
	return slab[start:len(slab):len(slab)]
}

// concat appends b to a, sharing b when a is empty: a message field that
// occurs twice merges, as in proto3, and the usual single one costs nothing.
func concat(a, b []dag.Attr) []dag.Attr {
	if len(a) == 0 {
		return b
	}
	return append(a, b...)
}

func (d *protoDecoder) notice(kind, msg string) {
	if d.n != nil {
		d.n.add(kind, msg)
	}
}

// whereAt names a position of the current message for a notice.
func (d *protoDecoder) whereAt(p int) string {
	if d.inFrame {
		p = 0
	}
	return d.name + ": offset " + strconv.FormatInt(d.base+int64(p), 10)
}

// request decodes an ExportTraceServiceRequest or TracesData.
func (d *protoDecoder) request() error {
	traces, unknown := false, false
	for p, i := 0, 0; p < len(d.b); {
		num, typ, v, next, err := d.field(p, len(d.b))
		if err != nil {
			return err
		}
		if num == fieldRequestResourceSpans {
			if typ != protowire.BytesType {
				return d.wrongType(p, "resource_spans", typ, protowire.BytesType)
			}
			traces = true
			if err := d.resourceSpans(int(v), next); err != nil {
				return in(err, "resource_spans", i)
			}
			i++
		} else {
			unknown = true
		}
		p = next
	}
	if unknown && !traces {
		return d.errAt(0, errors.New("no resource_spans: not an OTLP trace message"))
	}
	return nil
}

func (d *protoDecoder) resourceSpans(s, e int) error {
	rs := len(d.resources)
	res := push(&d.resources, &rs)
	ns := 0
	err := d.walk(s, e, resourceSpansFields, func(num protowire.Number, p int, v uint64, next int) error {
		switch num {
		case fieldResourceSpansResource:
			if err := d.resource(res, int(v), next); err != nil {
				return in(err, "resource", -1)
			}
		case fieldResourceSpansScopeSpans, fieldResourceSpansLibrarySpans:
			if err := d.scopeSpans(res, int(v), next); err != nil {
				return in(err, "scope_spans", ns)
			}
			ns++
		case fieldResourceSpansSchemaURL:
			res.SchemaURL = d.str(d.b[v:next])
		}
		return nil
	})
	if err != nil {
		return err
	}
	if v, ok := dag.Lookup(res.Attrs, "service.name"); ok {
		res.Service = v.Str()
	}
	return nil
}

func (d *protoDecoder) resource(res *dag.Resource, s, e int) error {
	start := len(d.attrs)
	err := d.walk(s, e, resourceFields, func(_ protowire.Number, _ int, v uint64, next int) error {
		return d.attr(&start, int(v), next)
	})
	if err != nil {
		return err
	}
	res.Attrs = concat(res.Attrs, list(d.attrs, start))
	return nil
}

func (d *protoDecoder) scopeSpans(res *dag.Resource, s, e int) error {
	ss := len(d.scopes)
	sc := push(&d.scopes, &ss)
	n := 0
	return d.walk(s, e, scopeSpansFields, func(num protowire.Number, _ int, v uint64, next int) error {
		if num == fieldScopeSpansScope {
			return in(d.scope(sc, int(v), next), "scope", -1)
		}
		n++
		return in(d.span(res, sc, int(v), next), "spans", n-1)
	})
}

func (d *protoDecoder) scope(sc *dag.Scope, s, e int) error {
	start := len(d.attrs)
	err := d.walk(s, e, scopeFields, func(num protowire.Number, _ int, v uint64, next int) error {
		switch num {
		case fieldScopeName:
			sc.Name = d.str(d.b[v:next])
		case fieldScopeVersion:
			sc.Version = d.str(d.b[v:next])
		case fieldScopeAttributes:
			return d.attr(&start, int(v), next)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sc.Attrs = concat(sc.Attrs, list(d.attrs, start))
	return nil
}

// span field names, for errors.
var spanFields = [...]string{
	1: "trace_id", 2: "span_id", 3: "trace_state", 4: "parent_span_id", 5: "name", 6: "kind",
	7: "start_time_unix_nano", 8: "end_time_unix_nano", 9: "attributes", 10: "dropped_attributes_count",
	11: "events", 12: "dropped_events_count", 13: "links", 14: "dropped_links_count", 15: "status", 16: "flags",
}

// spanWire is the wire type of each known Span field.
var spanWire = [...]protowire.Type{
	1: protowire.BytesType, 2: protowire.BytesType, 3: protowire.BytesType, 4: protowire.BytesType,
	5: protowire.BytesType, 6: protowire.VarintType, 7: protowire.Fixed64Type, 8: protowire.Fixed64Type,
	9: protowire.BytesType, 10: protowire.VarintType, 11: protowire.BytesType, 12: protowire.VarintType,
	13: protowire.BytesType, 14: protowire.VarintType, 15: protowire.BytesType, 16: protowire.Fixed32Type,
}

func (d *protoDecoder) span(res *dag.Resource, sc *dag.Scope, s, e int) error {
	d.spans = append(d.spans, dag.SpanData{Resource: res, Scope: sc})
	sp := &d.spans[len(d.spans)-1]
	attrStart, evStart, lkStart := len(d.spanAttrs), len(d.events), len(d.links)
	b := d.b[:e]
	for p := s; p < e; {
		var (
			num  protowire.Number
			typ  protowire.Type
			v    uint64
			next int
		)
		// Most span fields have a one-byte tag and are either
		// length-delimited with a one-byte length or fixed64: read those
		// here, the rest with field.
		if tag := b[p]; tag >= 8 && tag < 0x80 && tag&7 == 2 && p+1 < e && b[p+1] < 0x80 && p+2+int(b[p+1]) <= e {
			num, typ, v, next = protowire.Number(tag>>3), protowire.BytesType, uint64(p+2), p+2+int(b[p+1])
		} else if tag >= 8 && tag < 0x80 && tag&7 == 1 && p+9 <= e {
			num, typ, v, next = protowire.Number(tag>>3), protowire.Fixed64Type, binary.LittleEndian.Uint64(b[p+1:]), p+9
		} else {
			var err error
			if num, typ, v, next, err = d.field(p, e); err != nil {
				return err
			}
		}
		if num >= protowire.Number(len(spanWire)) {
			p = next
			continue
		}
		if typ != spanWire[num] {
			return d.wrongType(p, spanFields[num], typ, spanWire[num])
		}
		switch num {
		case fieldSpanTraceID:
			d.spanID(sp, dag.FieldTraceID, sp.TraceID[:], b[v:next], "trace_id", p)
		case fieldSpanSpanID:
			d.spanID(sp, dag.FieldSpanID, sp.SpanID[:], b[v:next], "span_id", p)
		case fieldSpanTraceState:
			sp.TraceState = d.str(b[v:next])
		case fieldSpanParentSpanID:
			if next > int(v) {
				d.spanID(sp, dag.FieldParentSpanID, sp.ParentSpanID[:], b[v:next], "parent_span_id", p)
			} else {
				sp.ParentSpanID = dag.SpanID{} // empty means no parent
				if sp.Raw != nil {
					sp.Raw.Invalid &^= dag.FieldParentSpanID
				}
			}
		case fieldSpanName:
			sp.Name = d.str(b[v:next])
		case fieldSpanKind:
			sp.Kind = enum8[dag.Kind](v)
		case fieldSpanStart:
			sp.Start = v
		case fieldSpanEnd:
			sp.End = v
		case fieldSpanAttributes:
			if err := d.keyValue(push(&d.spanAttrs, &attrStart), int(v), next, 0); err != nil {
				return in(err, "attributes", len(d.spanAttrs)-attrStart-1)
			}
		case fieldSpanEvents:
			if err := d.event(push(&d.events, &evStart), int(v), next); err != nil {
				return in(err, "events", len(d.events)-evStart-1)
			}
		case fieldSpanLinks:
			if err := d.link(push(&d.links, &lkStart), int(v), next); err != nil {
				return in(err, "links", len(d.links)-lkStart-1)
			}
		case fieldSpanStatus:
			if err := d.status(&sp.Status, int(v), next); err != nil {
				return in(err, "status", -1)
			}
		case fieldSpanFlags:
			sp.Flags = uint32(v)
		}
		p = next
	}
	sp.Attrs = list(d.spanAttrs, attrStart)
	sp.Events = list(d.events, evStart)
	sp.Links = list(d.links, lkStart)
	return nil
}

// enum8 converts an OTLP enum value; values beyond the dag type's range
// (never written by a conforming producer) become 0, unspecified.
func enum8[T ~uint8](v uint64) T {
	if v > math.MaxUint8 {
		return 0
	}
	return T(v)
}

// id copies a trace or span id; one of the wrong length is left zero and
// noted (a notice per message, dag's checks report the span).
//
// An id of the wrong length is invalid but keeps its value (DESIGN §2):
// dst gets the id dag derives from its bytes, and id reports it bad; an
// empty one leaves dst zero (no id, as when the field is absent). The
// last occurrence of a field wins, even a bad one.
func (d *protoDecoder) id(dst, src []byte, what string, p int) (bad bool) {
	if len(src) == len(dst) {
		copy(dst, src)
		return false
	}
	if len(src) == 0 {
		clear(dst)
		return false
	}
	setDerived(dst, src, false)
	if d.badIDs == 0 {
		d.badIDMsg = fmt.Sprintf("a %d-byte %s (want %d bytes)", len(src), what, len(dst))
		d.badIDOff = p
	}
	d.badIDs++
	return true
}

// spanID decodes one of a span's own ids (field f, into dst), keeping the
// raw bytes of an invalid one as hex on the span.
func (d *protoDecoder) spanID(sp *dag.SpanData, f dag.IDFields, dst, src []byte, what string, p int) {
	if d.id(dst, src, what, p) {
		setRaw(sp, f, hex.EncodeToString(src))
	} else if sp.Raw != nil && sp.Raw.Invalid&f != 0 {
		setRaw(sp, f, "")
		sp.Raw.Invalid &^= f
	}
}

func (d *protoDecoder) status(st *dag.Status, s, e int) error {
	return d.walk(s, e, statusFields, func(num protowire.Number, _ int, v uint64, next int) error {
		if num == fieldStatusMessage {
			st.Message = d.str(d.b[v:next])
		} else {
			st.Code = enum8[dag.StatusCode](v)
		}
		return nil
	})
}

func (d *protoDecoder) event(ev *dag.Event, s, e int) error {
	start := len(d.attrs)
	err := d.walk(s, e, eventFields, func(num protowire.Number, _ int, v uint64, next int) error {
		switch num {
		case fieldEventTime:
			ev.Time = v
		case fieldEventName:
			ev.Name = d.str(d.b[v:next])
		case fieldEventAttributes:
			return d.attr(&start, int(v), next)
		}
		return nil
	})
	if err != nil {
		return err
	}
	ev.Attrs = list(d.attrs, start)
	return nil
}

func (d *protoDecoder) link(l *dag.Link, s, e int) error {
	start := len(d.attrs)
	err := d.walk(s, e, linkFields, func(num protowire.Number, p int, v uint64, next int) error {
		switch num {
		case fieldLinkTraceID:
			d.id(l.TraceID[:], d.b[v:next], "link trace_id", p)
		case fieldLinkSpanID:
			d.id(l.SpanID[:], d.b[v:next], "link span_id", p)
		case fieldLinkTraceState:
			l.TraceState = d.str(d.b[v:next])
		case fieldLinkAttributes:
			return d.attr(&start, int(v), next)
		case fieldLinkFlags:
			l.Flags = uint32(v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	l.Attrs = list(d.attrs, start)
	return nil
}

// keyValue decodes a KeyValue into a.
func (d *protoDecoder) keyValue(a *dag.Attr, s, e, depth int) error {
	// The fast path: what producers write for a scalar attribute, a short
	// key and a value with one field, in either order (the Collector's
	// pdata writes the value first).
	if b := d.b[s:e]; len(b) >= 4 && b[1] < 0x80 {
		l := int(b[1])
		if 4+l <= len(b) && b[3+l] < 0x80 && 4+l+int(b[3+l]) == len(b) {
			switch {
			case b[0] == 1<<3|2 && b[2+l] == 2<<3|2: // key, value
				if v, ok := d.scalarValue(b[4+l:]); ok {
					a.Key, a.Value = d.str(b[2:2+l]), v
					return nil
				}
			case b[0] == 2<<3|2 && b[2+l] == 1<<3|2: // value, key
				if v, ok := d.scalarValue(b[2 : 2+l]); ok {
					a.Key, a.Value = d.str(b[4+l:]), v
					return nil
				}
			}
		}
	}
	return d.walk(s, e, keyValueFields, func(num protowire.Number, _ int, v uint64, next int) error {
		if num == fieldKeyValueKey {
			a.Key = d.str(d.b[v:next])
			return nil
		}
		var err error
		a.Value, err = d.anyValue(int(v), next, depth)
		return in(err, "value", -1)
	})
}

// scalarValue decodes an AnyValue made of one short string, int, bool or
// double field; ok is false for anything else, left to anyValue.
func (d *protoDecoder) scalarValue(v []byte) (val dag.Value, ok bool) {
	if len(v) < 2 {
		return val, false
	}
	switch v[0] {
	case 1<<3 | 2: // string_value
		if v[1] < 0x80 && 2+int(v[1]) == len(v) {
			return dag.StringValue(d.str(v[2:])), true
		}
	case 3 << 3: // int_value
		if x, n := protowire.ConsumeVarint(v[1:]); n == len(v)-1 {
			return dag.IntValue(int64(x)), true
		}
	case 2 << 3: // bool_value
		if len(v) == 2 && v[1] < 0x80 {
			return dag.BoolValue(v[1] != 0), true
		}
	case 4<<3 | 1: // double_value
		if len(v) == 9 {
			return dag.DoubleValue(math.Float64frombits(binary.LittleEndian.Uint64(v[1:]))), true
		}
	}
	return val, false
}

// anyValue decodes an AnyValue; the last field of its oneof wins, as in
// proto3. An AnyValue with none set is the empty value.
func (d *protoDecoder) anyValue(s, e, depth int) (dag.Value, error) {
	var val dag.Value
	err := d.walk(s, e, anyValueFields, func(num protowire.Number, _ int, v uint64, next int) error {
		switch num {
		case fieldAnyString:
			val = dag.StringValue(d.str(d.b[v:next]))
		case fieldAnyBool:
			val = dag.BoolValue(v != 0)
		case fieldAnyInt:
			val = dag.IntValue(int64(v))
		case fieldAnyDouble:
			val = dag.DoubleValue(math.Float64frombits(v))
		case fieldAnyArray:
			vs, err := d.arrayValue(int(v), next, depth+1)
			if err != nil {
				return in(err, "array_value", -1)
			}
			val = dag.ArrayValue(vs)
		case fieldAnyKVList:
			kvs, err := d.kvlistValue(int(v), next, depth+1)
			if err != nil {
				return in(err, "kvlist_value", -1)
			}
			val = dag.MapValue(kvs)
		case fieldAnyBytes:
			val = dag.BytesValue(d.str(d.b[v:next]))
		}
		return nil
	})
	return val, err
}

// arrayValue and kvlistValue are rare: they allocate their own lists
// rather than take from the message's slabs, whose lists must stay
// contiguous.
func (d *protoDecoder) arrayValue(s, e, depth int) ([]dag.Value, error) {
	var vs []dag.Value
	err := d.listValues(s, e, depth, func(n int) { vs = make([]dag.Value, 0, n) }, func(v uint64, next int) error {
		val, err := d.anyValue(int(v), next, depth)
		if err != nil {
			return in(err, "values", len(vs))
		}
		vs = append(vs, val)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return vs, nil
}

func (d *protoDecoder) kvlistValue(s, e, depth int) ([]dag.Attr, error) {
	var kvs []dag.Attr
	err := d.listValues(s, e, depth, func(n int) { kvs = make([]dag.Attr, 0, n) }, func(v uint64, next int) error {
		kvs = append(kvs, dag.Attr{})
		return in(d.keyValue(&kvs[len(kvs)-1], int(v), next, depth), "values", len(kvs)-1)
	})
	if err != nil {
		return nil, err
	}
	return kvs, nil
}

// listValues walks the values of an ArrayValue or KeyValueList, which
// share their one field: alloc sizes the list (when it has values) before
// value decodes each.
func (d *protoDecoder) listValues(s, e, depth int, alloc func(n int), value func(v uint64, next int) error) error {
	if depth > maxProtoDepth {
		return d.errAt(s, fmt.Errorf("attribute values nested more than %d deep", maxProtoDepth))
	}
	if n := d.countField(s, e, fieldListValues); n > 0 {
		alloc(n)
	}
	return d.walk(s, e, listFields, func(_ protowire.Number, _ int, v uint64, next int) error {
		return value(v, next)
	})
}

// attr decodes a KeyValue into the attribute list being built at the end
// of d.attrs from *start on.
func (d *protoDecoder) attr(start *int, s, e int) error {
	return in(d.keyValue(push(&d.attrs, start), s, e, 0), "attributes", len(d.attrs)-*start-1)
}

// protoField is a field a message decoder knows: its name (for errors) and
// the wire type it must have.
type protoField struct {
	num  protowire.Number
	name string
	wire protowire.Type
}

// walk calls fn for each field of d.b[s:e] that fields lists, with the
// field's start p, its value v (for bytes, the payload is d.b[v:next]) and
// its end; a listed field of another wire type is an error, and unlisted
// fields are skipped. The lists are short: a linear search beats a map.
func (d *protoDecoder) walk(s, e int, fields []protoField, fn func(num protowire.Number, p int, v uint64, next int) error) error {
	for p := s; p < e; {
		num, typ, v, next, err := d.field(p, e)
		if err != nil {
			return err
		}
		for i := range fields {
			if f := &fields[i]; f.num == num {
				if typ != f.wire {
					return d.wrongType(p, f.name, typ, f.wire)
				}
				if err := fn(num, p, v, next); err != nil {
					return err
				}
				break
			}
		}
		p = next
	}
	return nil
}

// The fields each message decoder knows (Span has its own loop, and
// tables indexed by field number, for speed).
var (
	resourceSpansFields = []protoField{
		{fieldResourceSpansResource, "resource", protowire.BytesType},
		{fieldResourceSpansScopeSpans, "scope_spans", protowire.BytesType},
		{fieldResourceSpansLibrarySpans, "scope_spans", protowire.BytesType},
		{fieldResourceSpansSchemaURL, "schema_url", protowire.BytesType},
	}
	resourceFields   = []protoField{{fieldResourceAttributes, "attributes", protowire.BytesType}}
	scopeSpansFields = []protoField{
		{fieldScopeSpansScope, "scope", protowire.BytesType},
		{fieldScopeSpansSpans, "spans", protowire.BytesType},
	}
	scopeFields = []protoField{
		{fieldScopeName, "name", protowire.BytesType},
		{fieldScopeVersion, "version", protowire.BytesType},
		{fieldScopeAttributes, "attributes", protowire.BytesType},
	}
	statusFields = []protoField{
		{fieldStatusMessage, "message", protowire.BytesType},
		{fieldStatusCode, "code", protowire.VarintType},
	}
	eventFields = []protoField{
		{fieldEventTime, "time_unix_nano", protowire.Fixed64Type},
		{fieldEventName, "name", protowire.BytesType},
		{fieldEventAttributes, "attributes", protowire.BytesType},
	}
	linkFields = []protoField{
		{fieldLinkTraceID, "trace_id", protowire.BytesType},
		{fieldLinkSpanID, "span_id", protowire.BytesType},
		{fieldLinkTraceState, "trace_state", protowire.BytesType},
		{fieldLinkAttributes, "attributes", protowire.BytesType},
		{fieldLinkFlags, "flags", protowire.Fixed32Type},
	}
	keyValueFields = []protoField{
		{fieldKeyValueKey, "key", protowire.BytesType},
		{fieldKeyValueValue, "value", protowire.BytesType},
	}
	anyValueFields = []protoField{
		{fieldAnyString, "string_value", protowire.BytesType},
		{fieldAnyBool, "bool_value", protowire.VarintType},
		{fieldAnyInt, "int_value", protowire.VarintType},
		{fieldAnyDouble, "double_value", protowire.Fixed64Type},
		{fieldAnyArray, "array_value", protowire.BytesType},
		{fieldAnyKVList, "kvlist_value", protowire.BytesType},
		{fieldAnyBytes, "bytes_value", protowire.BytesType},
	}
	listFields = []protoField{{fieldListValues, "values", protowire.BytesType}}
)
