package dag

import (
	"hash/maphash"
	"iter"
	"math"
	"unsafe"
)

// How spans are stored.
//
// A decoded batch of spans (one OTLP request, one file-exporter frame or
// line) shares one block: a byte slab holding every string of the batch
// once, a table of the distinct attribute key/value pairs, and the
// attribute lists of the spans as indexes into that table. A Span is a
// fixed-size record of ids, times, kind and status plus offsets into its
// block; its one pointer is to the block. Fields most spans lack (events,
// links, trace state, a status message, the raw text of invalid ids) sit
// out of line, in the block's rare records.
//
// Every slab of a block is free of Go pointers except the few resources,
// scopes and array/map values, so the garbage collector scans almost
// nothing of a million spans, and a span costs its record (88 bytes), four
// bytes per attribute, and its share of the distinct strings and pairs of
// its batch. A block never points into the input it was decoded from.

// strRef is a string of a block: bytes [off, off+n) of its slab.
type strRef struct{ off, n uint32 }

// pair is an attribute: its key (an index into block.keys) and value. A
// string or bytes value is a strRef in val (offset in the low half); an
// array or map is an index into block.comps.
type pair struct {
	val uint64
	key uint32
	typ ValueType
}

// block is the shared storage of one batch of spans.
type block struct {
	strs  []byte
	names []strRef // span names
	keys  []strRef
	pairs []pair
	lists []uint32 // attribute lists: indexes into pairs
	// lists16 replaces lists when every index fits in 16 bits (a batch
	// of fewer than 65,536 distinct pairs: nearly always).
	lists16 []uint16
	rare    []rareFields
	raws    []rawIDs
	events  []eventRec
	links   []linkRec
	scopes  []scopeRef
	comps   []Value // array and map values (they hold Go pointers; rare)
}

// rareFields are the fields of a span that most spans lack.
type rareFields struct {
	traceState, statusMsg strRef
	events, nEvents       uint32 // block.events[events:events+nEvents]
	links, nLinks         uint32
	raw                   uint32 // 1 + index into block.raws; 0 when every id is valid
	nAttrs                uint32 // the attribute count, when Span.nAttrs is manyAttrs
}

// manyAttrs in Span.nAttrs says the count is in rareFields.nAttrs.
const manyAttrs = math.MaxUint16

// maxScopes bounds the (resource, scope) pairs of a block (Span.scope is
// 16 bits); a batch with more is split into several blocks.
const maxScopes = math.MaxUint16

// rawIDs is the raw text of a span's invalid trace, span and parent ids.
type rawIDs struct {
	ids     [3]strRef
	invalid IDFields
}

type eventRec struct {
	time   uint64
	name   strRef
	attrs  uint32 // block.lists[attrs:attrs+nAttrs]
	nAttrs uint32
}

type linkRec struct {
	traceID    TraceID
	spanID     SpanID
	traceState strRef
	attrs      uint32
	nAttrs     uint32
	flags      uint32
}

type scopeRef struct {
	res   *Resource
	scope *Scope
}

func (b *block) str(r strRef) string {
	if r.n == 0 {
		return ""
	}
	return unsafe.String(&b.strs[r.off], int(r.n))
}

func (b *block) value(p *pair) Value {
	switch p.typ {
	case ValueString, ValueBytes:
		return Value{typ: p.typ, str: b.str(strRef{off: uint32(p.val), n: uint32(p.val >> 32)})}
	case ValueArray, ValueMap:
		return b.comps[p.val]
	}
	return Value{typ: p.typ, num: p.val}
}

// pairAt returns the i-th entry of the attribute lists.
func (b *block) pairAt(i uint32) *pair {
	if b.lists16 != nil {
		return &b.pairs[b.lists16[i]]
	}
	return &b.pairs[b.lists[i]]
}

func (b *block) attr(i uint32) Attr {
	p := b.pairAt(i)
	return Attr{Key: b.str(b.keys[p.key]), Value: b.value(p)}
}

func (b *block) attrList(off, n uint32) []Attr {
	if n == 0 {
		return nil
	}
	out := make([]Attr, n)
	for i := range out {
		out[i] = b.attr(off + uint32(i))
	}
	return out
}

// Attrs returns the span's attributes, in input order, for a range loop:
// `for _, a := range s.Attrs()`. The strings point into the span's block;
// nothing is allocated.
func (s *Span) Attrs() iter.Seq2[int, Attr] {
	return func(yield func(int, Attr) bool) {
		for i := range s.numAttrs() {
			if !yield(int(i), s.blk.attr(s.attrs+i)) {
				return
			}
		}
	}
}

func (s *Span) numAttrs() uint32 {
	if s.nAttrs == manyAttrs {
		return s.blk.rare[s.rare-1].nAttrs
	}
	return uint32(s.nAttrs)
}

// NumAttrs returns the number of span attributes.
func (s *Span) NumAttrs() int { return int(s.numAttrs()) }

// AttrAt returns the i-th span attribute (0 ≤ i < NumAttrs).
func (s *Span) AttrAt(i int) Attr { return s.blk.attr(s.attrs + uint32(i)) }

// AttrList returns the span attributes as a new slice.
func (s *Span) AttrList() []Attr {
	if s.blk == nil {
		return nil
	}
	return s.blk.attrList(s.attrs, s.numAttrs())
}

// Attr returns the span attribute with the given key (the first, if the
// input repeated it).
func (s *Span) Attr(key string) (Value, bool) {
	b := s.blk
	for i := s.attrs; i < s.attrs+s.numAttrs(); i++ {
		p := b.pairAt(i)
		if b.str(b.keys[p.key]) == key {
			return b.value(p), true
		}
	}
	return Value{}, false
}

func (s *Span) rareFields() *rareFields {
	if s.rare == 0 {
		return nil
	}
	return &s.blk.rare[s.rare-1]
}

// Name returns the span's name.
func (s *Span) Name() string {
	if s.blk == nil {
		return ""
	}
	return s.blk.str(s.blk.names[s.name])
}

// Resource returns the resource that produced the span (nil when the
// input had none).
func (s *Span) Resource() *Resource {
	if s.blk == nil {
		return nil
	}
	return s.blk.scopes[s.scope].res
}

// Scope returns the span's instrumentation scope (nil when none).
func (s *Span) Scope() *Scope {
	if s.blk == nil {
		return nil
	}
	return s.blk.scopes[s.scope].scope
}

// Status returns the span's status.
func (s *Span) Status() Status {
	st := Status{Code: s.code}
	if r := s.rareFields(); r != nil {
		st.Message = s.blk.str(r.statusMsg)
	}
	return st
}

// TraceState returns the span's W3C trace state ("" when none).
func (s *Span) TraceState() string {
	if r := s.rareFields(); r != nil {
		return s.blk.str(r.traceState)
	}
	return ""
}

// NumEvents returns the number of the span's events.
func (s *Span) NumEvents() int {
	if r := s.rareFields(); r != nil {
		return int(r.nEvents)
	}
	return 0
}

// Events returns the span's events as a new slice (nil when none).
func (s *Span) Events() []Event {
	r := s.rareFields()
	if r == nil || r.nEvents == 0 {
		return nil
	}
	out := make([]Event, r.nEvents)
	for i := range out {
		e := &s.blk.events[r.events+uint32(i)]
		out[i] = Event{Name: s.blk.str(e.name), Time: e.time, Attrs: s.blk.attrList(e.attrs, e.nAttrs)}
	}
	return out
}

// NumLinks returns the number of the span's links.
func (s *Span) NumLinks() int {
	if r := s.rareFields(); r != nil {
		return int(r.nLinks)
	}
	return 0
}

// Links returns the span's links as a new slice (nil when none).
func (s *Span) Links() []Link {
	r := s.rareFields()
	if r == nil || r.nLinks == 0 {
		return nil
	}
	out := make([]Link, r.nLinks)
	for i := range out {
		l := &s.blk.links[r.links+uint32(i)]
		out[i] = Link{TraceID: l.traceID, SpanID: l.spanID, TraceState: s.blk.str(l.traceState),
			Attrs: s.blk.attrList(l.attrs, l.nAttrs), Flags: l.flags}
	}
	return out
}

// Raw returns what the input said for the span's invalid ids; nil when
// every id is valid (see RawIDs).
func (s *Span) Raw() *RawIDs {
	r := s.rawIDs()
	if r == nil {
		return nil
	}
	return &RawIDs{TraceID: s.blk.str(r.ids[0]), SpanID: s.blk.str(r.ids[1]), ParentSpanID: s.blk.str(r.ids[2]), Invalid: r.invalid}
}

func (s *Span) rawIDs() *rawIDs {
	if r := s.rareFields(); r != nil && r.raw != 0 {
		return &s.blk.raws[r.raw-1]
	}
	return nil
}

// Data returns the span in the long form, for code that changes spans
// (redaction, re-timing): change it, then Pack it again.
func (s *Span) Data() SpanData {
	return SpanData{
		TraceID: s.TraceID, SpanID: s.SpanID, ParentSpanID: s.ParentSpanID,
		Start: s.Start, End: s.End, Resource: s.Resource(), Scope: s.Scope(),
		Name: s.Name(), Kind: s.Kind, AsyncParent: s.AsyncParent, Flags: s.Flags,
		TraceState: s.TraceState(), Status: s.Status(), Attrs: s.AttrList(),
		Events: s.Events(), Links: s.Links(), Raw: s.Raw(),
	}
}

// Pack stores spans compactly (see Span), copying the strings of the
// spans themselves. Unlike Packer.Pack it keeps the resources and scopes
// as they are, shared with the input, so spans packed in several calls
// (a redacted copy, a re-timed one) still share them: it is for callers
// whose resources do not point into a buffer they reuse.
func Pack(spans []SpanData) []Span {
	p := Packer{keepShared: true}
	return p.Pack(spans)
}

// Packer turns batches of SpanData into Spans. It keeps its scratch
// memory from one batch to the next, so a decoder that packs every
// message allocates only what the packed spans keep. The zero value is
// ready to use; a Packer is not safe for concurrent use.
type Packer struct {
	b       block
	strIdx  internTable // strings: index → strRef, via b.keys's sibling strs
	strs    []strRef
	nameIdx internTable
	keyIdx  internTable
	pairs   internTable
	res     map[*Resource]*Resource
	scopes  map[scopeRef]uint32
	// keepShared keeps resources and scopes as they are (see Pack).
	keepShared bool
}

// maxBlockStrings bounds a block's byte slab, whose offsets are 32-bit;
// a batch with more string bytes than that is split into several blocks.
const maxBlockStrings = math.MaxUint32

// Pack stores a batch of spans. The spans share one new block; the input
// is not kept (its strings may point into a buffer the caller reuses).
func (p *Packer) Pack(spans []SpanData) []Span {
	out := make([]Span, len(spans))
	p.reset()
	first := 0
	for i := range spans {
		if len(p.b.strs)+spanStringBytes(&spans[i]) > maxBlockStrings || len(p.b.scopes) >= maxScopes {
			p.finish(out[first:i])
			p.reset()
			first = i
		}
		p.span(&out[i], &spans[i])
	}
	p.finish(out[first:])
	return out
}

// spanStringBytes bounds the string bytes a span adds to a block.
func spanStringBytes(d *SpanData) int {
	n := len(d.Name) + len(d.TraceState) + len(d.Status.Message) + attrBytes(d.Attrs)
	for i := range d.Events {
		n += len(d.Events[i].Name) + attrBytes(d.Events[i].Attrs)
	}
	for i := range d.Links {
		n += len(d.Links[i].TraceState) + attrBytes(d.Links[i].Attrs)
	}
	if d.Raw != nil {
		n += len(d.Raw.TraceID) + len(d.Raw.SpanID) + len(d.Raw.ParentSpanID)
	}
	return n
}

func attrBytes(as []Attr) int {
	n := 0
	for i := range as {
		n += len(as[i].Key) + len(as[i].Value.str)
	}
	return n
}

func (p *Packer) reset() {
	p.b = block{strs: p.b.strs[:0], names: p.b.names[:0], keys: p.b.keys[:0], pairs: p.b.pairs[:0], lists: p.b.lists[:0],
		rare: p.b.rare[:0], raws: p.b.raws[:0], events: p.b.events[:0], links: p.b.links[:0], scopes: p.b.scopes[:0]}
	p.strs = p.strs[:0]
	p.strIdx.reset()
	p.nameIdx.reset()
	p.keyIdx.reset()
	p.pairs.reset()
	clear(p.res)
	clear(p.scopes)
}

// finish copies the scratch block into a block of its own, exactly
// sized, and points spans at it.
func (p *Packer) finish(spans []Span) {
	b := &block{
		strs:   clip(p.b.strs),
		names:  clip(p.b.names),
		keys:   clip(p.b.keys),
		pairs:  clip(p.b.pairs),
		lists:  narrow(p.b.lists, len(p.b.pairs)),
		rare:   clip(p.b.rare),
		raws:   clip(p.b.raws),
		events: clip(p.b.events),
		links:  clip(p.b.links),
		scopes: clip(p.b.scopes),
		comps:  p.b.comps,
	}
	if b.lists == nil && len(p.b.lists) > 0 {
		b.lists16 = make([]uint16, len(p.b.lists))
		for i, k := range p.b.lists {
			b.lists16[i] = uint16(k)
		}
	}
	p.b.comps = nil
	for i := range spans {
		spans[i].blk = b
	}
}

// narrow returns an exactly sized copy of lists, or nil when every index
// into pairs fits in 16 bits (finish stores them as lists16 then).
func narrow(lists []uint32, pairs int) []uint32 {
	if pairs <= math.MaxUint16+1 {
		return nil
	}
	return clip(lists)
}

// clip returns an exactly sized copy of s (nil when empty).
func clip[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

func (p *Packer) span(s *Span, d *SpanData) {
	s.TraceID, s.SpanID, s.ParentSpanID = d.TraceID, d.SpanID, d.ParentSpanID
	s.Start, s.End, s.Kind, s.code, s.AsyncParent, s.Flags = d.Start, d.End, d.Kind, d.Status.Code, d.AsyncParent, d.Flags
	s.name = p.name(d.Name)
	s.scope = uint16(p.scope(d.Resource, d.Scope))
	attrs, n := p.attrs(d.Attrs)
	s.attrs, s.nAttrs = attrs, uint16(min(n, manyAttrs))
	if d.TraceState == "" && d.Status.Message == "" && len(d.Events) == 0 && len(d.Links) == 0 && d.Raw == nil && n < manyAttrs {
		return
	}
	r := rareFields{traceState: p.str(d.TraceState), statusMsg: p.str(d.Status.Message), nAttrs: n}
	r.events, r.nEvents = uint32(len(p.b.events)), uint32(len(d.Events))
	for i := range d.Events {
		e := &d.Events[i]
		off, n := p.attrs(e.Attrs)
		p.b.events = append(p.b.events, eventRec{time: e.Time, name: p.str(e.Name), attrs: off, nAttrs: n})
	}
	r.links, r.nLinks = uint32(len(p.b.links)), uint32(len(d.Links))
	for i := range d.Links {
		l := &d.Links[i]
		off, n := p.attrs(l.Attrs)
		p.b.links = append(p.b.links, linkRec{traceID: l.TraceID, spanID: l.SpanID, traceState: p.str(l.TraceState), attrs: off, nAttrs: n, flags: l.Flags})
	}
	if d.Raw != nil {
		p.b.raws = append(p.b.raws, rawIDs{ids: [3]strRef{p.str(d.Raw.TraceID), p.str(d.Raw.SpanID), p.str(d.Raw.ParentSpanID)}, invalid: d.Raw.Invalid})
		r.raw = uint32(len(p.b.raws))
	}
	p.b.rare = append(p.b.rare, r)
	s.rare = uint32(len(p.b.rare))
}

// maxInterned is the longest string looked up before it is stored: keys,
// names and enum-like values repeat, long values (stack traces, queries)
// rarely do.
const maxInterned = 128

// str stores a string in the block, once per batch when it is short.
func (p *Packer) str(s string) strRef {
	if s == "" {
		return strRef{}
	}
	if len(s) > maxInterned {
		return p.appendStr(s)
	}
	h := hashString(s, 0)
	slot, found := p.strIdx.find(h, func(i uint32) bool { return p.b.str(p.strs[i]) == s })
	if found {
		return p.strs[*slot-1]
	}
	r := p.appendStr(s)
	p.strs = append(p.strs, r)
	p.strIdx.insert(slot, uint32(len(p.strs)))
	return r
}

// name returns the index of a span name in block.names.
func (p *Packer) name(n string) uint32 {
	h := hashString(n, 2)
	slot, found := p.nameIdx.find(h, func(i uint32) bool { return p.b.str(p.b.names[i]) == n })
	if found {
		return *slot - 1
	}
	p.b.names = append(p.b.names, p.str(n))
	p.nameIdx.insert(slot, uint32(len(p.b.names)))
	return uint32(len(p.b.names) - 1)
}

func (p *Packer) appendStr(s string) strRef {
	r := strRef{off: uint32(len(p.b.strs)), n: uint32(len(s))}
	p.b.strs = append(p.b.strs, s...)
	return r
}

// key returns the index of an attribute key in block.keys.
func (p *Packer) key(k string) uint32 {
	h := hashString(k, 1)
	slot, found := p.keyIdx.find(h, func(i uint32) bool { return p.b.str(p.b.keys[i]) == k })
	if found {
		return *slot - 1
	}
	p.b.keys = append(p.b.keys, p.str(k))
	p.keyIdx.insert(slot, uint32(len(p.b.keys)))
	return uint32(len(p.b.keys) - 1)
}

// attrs stores an attribute list, each key/value pair once per batch.
func (p *Packer) attrs(as []Attr) (off, n uint32) {
	off = uint32(len(p.b.lists))
	for i := range as {
		p.b.lists = append(p.b.lists, p.pair(&as[i]))
	}
	return off, uint32(len(as))
}

func (p *Packer) pair(a *Attr) uint32 {
	v := &a.Value
	k := p.key(a.Key)
	switch v.typ {
	case ValueArray, ValueMap:
		// Not interned: rare, and compared deeply.
		p.b.comps = append(p.b.comps, cloneValue(*v))
		p.b.pairs = append(p.b.pairs, pair{key: k, typ: v.typ, val: uint64(len(p.b.comps) - 1)})
		return uint32(len(p.b.pairs) - 1)
	}
	h := hashString(v.str, uint64(k)<<8|uint64(v.typ)) ^ (v.num+1)*0xc2b2ae3d27d4eb4f
	slot, found := p.pairs.find(h, func(i uint32) bool {
		q := &p.b.pairs[i]
		if q.key != k || q.typ != v.typ {
			return false
		}
		if v.typ == ValueString || v.typ == ValueBytes {
			return p.b.str(strRef{off: uint32(q.val), n: uint32(q.val >> 32)}) == v.str
		}
		return q.val == v.num
	})
	if found {
		return *slot - 1
	}
	q := pair{key: k, typ: v.typ, val: v.num}
	if v.typ == ValueString || v.typ == ValueBytes {
		r := p.str(v.str)
		q.val = uint64(r.off) | uint64(r.n)<<32
	}
	p.b.pairs = append(p.b.pairs, q)
	p.pairs.insert(slot, uint32(len(p.b.pairs)))
	return uint32(len(p.b.pairs) - 1)
}

// scope returns the index of a (resource, scope) in block.scopes; each
// distinct resource and scope of the batch is copied once.
func (p *Packer) scope(res *Resource, sc *Scope) uint32 {
	key := scopeRef{res, sc}
	if i, ok := p.scopes[key]; ok {
		return i
	}
	if p.scopes == nil {
		p.scopes, p.res = map[scopeRef]uint32{}, map[*Resource]*Resource{}
	}
	ref := scopeRef{}
	if p.keepShared {
		ref = key
	} else if res != nil {
		c, ok := p.res[res]
		if !ok {
			c = &Resource{Attrs: cloneAttrs(res.Attrs), SchemaURL: clone(res.SchemaURL), Service: clone(res.Service)}
			p.res[res] = c
		}
		ref.res = c
	}
	if sc != nil && !p.keepShared {
		ref.scope = &Scope{Name: clone(sc.Name), Version: clone(sc.Version), Attrs: cloneAttrs(sc.Attrs)}
	}
	p.b.scopes = append(p.b.scopes, ref)
	i := uint32(len(p.b.scopes) - 1)
	p.scopes[key] = i
	return i
}

func clone(s string) string {
	if s == "" {
		return ""
	}
	return string([]byte(s))
}

func cloneAttrs(as []Attr) []Attr {
	if len(as) == 0 {
		return nil
	}
	out := make([]Attr, len(as))
	for i, a := range as {
		out[i] = Attr{Key: clone(a.Key), Value: cloneValue(a.Value)}
	}
	return out
}

func cloneValue(v Value) Value {
	switch v.typ {
	case ValueString, ValueBytes:
		v.str = clone(v.str)
	case ValueArray:
		vs := make([]Value, len(v.Array()))
		for i, e := range v.Array() {
			vs[i] = cloneValue(e)
		}
		v = ArrayValue(vs)
	case ValueMap:
		v = MapValue(cloneAttrs(v.Map()))
	}
	return v
}

// internTable is an open-addressing hash set of indexes (stored +1, so
// zero is empty), with the hashes beside them.
type internTable struct {
	slots []internSlot
	n     int
}

type internSlot struct {
	hash uint32
	idx  uint32 // index+1; 0 = empty
}

func (t *internTable) reset() {
	clear(t.slots)
	t.n = 0
}

// find returns the slot holding an index whose entry eq accepts, or the
// empty slot where it goes (which insert fills).
func (t *internTable) find(h uint64, eq func(uint32) bool) (*uint32, bool) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	h32 := uint32(h >> 32)
	for i := uint64(h32) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.idx == 0 {
			s.hash = h32
			return &s.idx, false
		}
		if s.hash == h32 && eq(s.idx-1) {
			return &s.idx, true
		}
	}
}

func (t *internTable) insert(slot *uint32, idx uint32) {
	*slot = idx
	t.n++
}

func (t *internTable) grow() {
	old := t.slots
	t.slots = make([]internSlot, max(64, 2*len(old)))
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.idx == 0 {
			continue
		}
		for i := uint64(s.hash) & mask; ; i = (i + 1) & mask {
			if t.slots[i].idx == 0 {
				t.slots[i] = s
				break
			}
		}
	}
}

var hashSeed = maphash.MakeSeed()

// hashString hashes s, mixed with a small salt (which table, which key
// and type) so that equal strings in different roles spread apart.
func hashString(s string, salt uint64) uint64 {
	return maphash.String(hashSeed, s) ^ (salt+1)*0x9e3779b97f4a7c15
}

// Unpack returns the long form of spans (Span.Data of each).
func Unpack(spans []Span) []SpanData {
	out := make([]SpanData, len(spans))
	for i := range spans {
		out[i] = spans[i].Data()
	}
	return out
}

// MemSize estimates the memory spans hold: their records and the blocks
// they point to (each counted once), without the shared resources and
// scopes. It is what a memory budget charges for a decoded batch.
func MemSize(spans []Span) int64 {
	n := int64(len(spans)) * int64(unsafe.Sizeof(Span{}))
	var last *block
	for i := range spans {
		b := spans[i].blk
		if b == nil || b == last {
			continue
		}
		last = b
		n += int64(unsafe.Sizeof(block{})) + int64(cap(b.strs)) + int64(cap(b.names)+cap(b.keys))*8 + int64(cap(b.pairs))*16 +
			int64(cap(b.raws))*int64(unsafe.Sizeof(rawIDs{})) +
			int64(cap(b.lists))*4 + int64(cap(b.lists16))*2 + int64(cap(b.rare))*int64(unsafe.Sizeof(rareFields{})) +
			int64(cap(b.events))*int64(unsafe.Sizeof(eventRec{})) + int64(cap(b.links))*int64(unsafe.Sizeof(linkRec{})) +
			int64(cap(b.scopes))*16 + int64(cap(b.comps))*int64(unsafe.Sizeof(Value{}))
	}
	return n
}
