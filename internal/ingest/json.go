package ingest

// The OTLP/JSON decoder: a single-pass scanner over the input bytes that
// decodes straight into dag.SpanData, without encoding/json, reflection or an
// intermediate tree. This file holds the entry points and the JSON token
// layer; json_otlp.go walks the OTLP schema on top of it.
//
// Design notes, because they are what makes it fast and cheap:
//   - The scanner reads from a buffer that may be refilled from an io.Reader
//     in the middle of an object (fill), so a stream needs no separate
//     framing pass and never holds more than one token plus one read in
//     memory; the size limit is counted, not buffered.
//   - No decoded string points into the input: strings are copied out, short
//     ones through the JSON decoders' string table (strTable), so the
//     attribute keys, span names and values that repeat on every span cost
//     nothing after their first occurrence and the input buffer is reused.
//   - Attribute lists, events and links are collected on reusable stacks and
//     then copied into large slabs (slab), one allocation for many spans.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/tracectl/tracectl/internal/dag"
)

// jsonError is a decoding error at a byte offset within the JSON message.
type jsonError struct {
	Offset int // byte offset within the message where the input went bad
	Err    error
}

func (e *jsonError) Error() string { return fmt.Sprintf("offset %d: %v", e.Offset, e.Err) }

func (e *jsonError) Unwrap() error { return e.Err }

// errUnexpectedEnd is the error for input that stops inside a JSON value.
var errUnexpectedEnd = errors.New("unexpected end of input (truncated JSON)")

// decodeJSONMessage decodes one ExportTraceServiceRequest/TracesData JSON
// object and appends its spans to dst. Several objects separated by white
// space are accepted too; so is {}, the empty request. A metrics, logs or
// profiles object is skipped with a notice. An object with none of these
// members is not OTLP traces: an error. On bad input it returns dst
// unchanged and a *jsonError.
//
// The spans do not share memory with msg: the caller may reuse msg.
func decodeJSONMessage(msg []byte, dst []dag.SpanData, n *notices, where string) ([]dag.SpanData, error) {
	d := messageDecoders.Get().(*jsonDecoder)
	defer d.release()
	d.resetMessage(msg, n, where)
	d.skipBOM()
	for {
		c, ok := d.peek()
		if !ok {
			break
		}
		if err := d.topLevel(c); err != nil {
			return dst, err
		}
		d.objStart = int64(d.pos)
		if err := d.topValue(c); err != nil {
			return dst, err
		}
	}
	if len(d.spans) == 0 {
		if d.objects == 0 {
			return dst, d.failAt(d.off(), errors.New("no JSON object: want an OTLP traces object with resourceSpans"))
		}
		return dst, nil
	}
	return append(dst, d.spans...), nil
}

// readJSONStream reads a stream of concatenated JSON objects: JSON Lines as
// the Collector file exporter writes them (one request per line), one
// pretty-printed object spread over many lines, or several of either. It
// calls fn with the spans of each object as soon as the object's closing
// brace has been read (so `tail -f` works); objects with no spans (skipped
// metrics or logs, empty requests) produce no call. fn owns each batch.
// An object larger than maxFrame bytes is an error. Errors are *Error with
// the 1-based line where the input went bad.
func readJSONStream(r io.Reader, name string, maxFrame int, n *notices, fn func([]dag.SpanData) error) error {
	return readJSONObjects(r, name, maxFrame, n, func(batch []dag.SpanData, _ bool) error { return fn(batch) })
}

// readJSONObjects is readJSONStream whose fn also learns whether the
// object holds whole traces (a backend's answer: a Jaeger trace object, a
// Zipkin array of traces, Jaeger v3's result, Tempo's).
func readJSONObjects(r io.Reader, name string, maxFrame int, n *notices, fn func(batch []dag.SpanData, whole bool) error) error {
	return readJSONPart(r, wholeInput, name, maxFrame, n, fn)
}

// jsonPart says where the part of an input a JSON decoder reads lies: the
// whole input, or from a line on (json_lines.go cuts JSON Lines into
// chunks, and reads the rest of an input from one on when it cannot).
type jsonPart struct {
	line  int  // the 1-based line of its first byte
	first bool // it starts the input: a byte order mark may come first
	last  bool // it runs to the end of the input: a torn last line is skipped, not an error
}

var wholeInput = jsonPart{line: 1, first: true, last: true}

// readJSONPart is readJSONObjects for part of an input, read from r.
func readJSONPart(r io.Reader, part jsonPart, name string, maxFrame int, n *notices, fn func(batch []dag.SpanData, whole bool) error) error {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	d := newJSONDecoder()
	d.r, d.name, d.n, d.maxFrame = r, name, n, maxFrame
	bufSize := 64 << 10
	if maxFrame < bufSize/2 {
		bufSize = max(maxFrame*2, 512)
	}
	d.buf = make([]byte, 0, bufSize)
	return d.stream(part, fn)
}

// decodeChunk decodes the objects of a chunk of whole lines, held in
// memory, as readJSONPart would (the same spans, notices and errors), and
// calls fn with the spans of each. d is reused from chunk to chunk: the
// spans do not share memory with chunk, and are valid only until fn
// returns (it packs them): their lists' memory is reused for the next.
func (d *jsonDecoder) decodeChunk(chunk []byte, part jsonPart, name string, maxFrame int, n *notices, fn func(batch []dag.SpanData, whole bool) error) error {
	d.buf, d.pos, d.base = chunk, 0, 0
	d.r, d.done, d.rerr, d.frameErr = nil, true, nil, false
	d.name, d.n, d.maxFrame = name, n, maxFrame
	d.spans, d.attrs, d.vals, d.events, d.links = d.spans[:0], d.attrs[:0], d.vals[:0], d.events[:0], d.links[:0]
	d.packed = true
	d.attrSlab.begin(len(chunk))
	d.eventSlab.begin(len(chunk))
	d.linkSlab.begin(len(chunk))
	err := d.stream(part, fn)
	d.buf, d.n = nil, nil
	return err
}

// stream decodes the objects of part, the input from d.buf and d.r on.
func (d *jsonDecoder) stream(part jsonPart, fn func(batch []dag.SpanData, whole bool) error) error {
	d.line, d.lineIdx, d.streaming = part.line, 0, true
	if part.first {
		d.skipBOM()
	}
	for {
		c, ok := d.peek()
		if !ok {
			if d.rerr != nil {
				return d.streamError(&jsonError{Offset: d.off(), Err: d.rerr})
			}
			return nil
		}
		if err := d.topLevel(c); err != nil {
			return d.streamError(err)
		}
		d.inObj = true
		d.objStart = d.base + int64(d.pos)
		d.objLine = d.lineAt(d.pos)
		d.where = ""
		if err := d.topValue(c); err != nil {
			if d.n != nil && part.last && d.tornLastLine(err) { // no notices: the caller keeps no warnings, so it is an error
				d.n.add("torn last line", fmt.Sprintf("%s: line %d: the last line ends in the middle of a record (its writer stopped, or ran out of disk): skipped", d.name, d.objLine))
				return nil
			}
			return d.streamError(err)
		}
		d.inObj = false
		if size := d.base + int64(d.pos) - d.objStart; size > int64(d.maxFrame) {
			return &Error{Name: d.name, Line: d.objLine, Err: d.frameError()}
		}
		if len(d.spans) == 0 {
			continue
		}
		batch := d.spans
		d.spans = d.spans[:0]
		if err := fn(batch, d.whole); err != nil {
			return err
		}
		if d.packed {
			d.attrSlab.reuse()
			d.eventSlab.reuse()
			d.linkSlab.reuse()
		}
	}
}

// streamError turns a decoding error of readJSONStream into an *Error with
// the line number. It must be called before the buffer changes again.
func (d *jsonDecoder) streamError(err error) error {
	var je *jsonError
	if !errors.As(err, &je) {
		return &Error{Name: d.name, Line: d.lineAt(d.pos), Err: err}
	}
	switch {
	case d.frameErr:
		return &Error{Name: d.name, Line: d.objLine, Err: d.frameError()}
	case d.rerr != nil:
		var ie *Error
		if errors.As(d.rerr, &ie) {
			return ie
		}
		return &Error{Name: d.name, Line: d.lineAt(len(d.buf)), Err: fmt.Errorf("reading: %w", d.rerr)}
	}
	pos := je.Offset - int(d.base)
	if pos < 0 || pos > len(d.buf) {
		// A position already discarded: only the object's own start is
		// ever blamed after the fact.
		return &Error{Name: d.name, Line: d.objLine, Err: je.Err}
	}
	msg := je.Err
	if errors.Is(msg, errUnexpectedEnd) {
		// Blame the last line that has something on it, not the empty
		// line after a final newline.
		for pos > 0 && isSpace(d.buf[pos-1]) {
			pos--
		}
		if pos > 0 {
			pos--
		}
		if d.inObj {
			if l := d.lineAt(pos); l != d.objLine {
				msg = fmt.Errorf("%w: the object that starts on line %d is incomplete", msg, d.objLine)
			}
		}
	}
	return &Error{Name: d.name, Line: d.lineAt(pos), Err: msg}
}

// tornLastLine reports whether err is the input ending inside a JSON Lines
// record that started on a line of its own after other lines and has no
// newline in it: what a writer leaves when it stops mid-record. Readers
// skip it with a warning, as the Collector's file receivers do, rather
// than reject the whole file for its last line.
func (d *jsonDecoder) tornLastLine(err error) bool {
	if !errors.Is(err, errUnexpectedEnd) || d.rerr != nil || d.frameErr || d.objLine <= 1 {
		return false
	}
	start := int(d.objStart - d.base)
	if start < 0 || start > len(d.buf) || (start > 0 && d.buf[start-1] != '\n') {
		return false
	}
	return bytes.IndexByte(d.buf[start:], '\n') < 0
}

func (d *jsonDecoder) frameError() error {
	return fmt.Errorf("JSON object larger than the limit of %d bytes (raise the frame limit to read it)", d.maxFrame)
}

// topValue decodes one top-level value starting with c: an object (OTLP,
// or Jaeger JSON) or an array (Zipkin).
func (d *jsonDecoder) topValue(c byte) error {
	if c == '[' {
		return d.zipkinList()
	}
	return d.object()
}

// topLevel checks that c starts a JSON object or array where one is
// expected.
func (d *jsonDecoder) topLevel(c byte) error {
	switch c {
	case '{', '[':
		return nil
	case '"', 't', 'f', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return d.failAt(d.off(), fmt.Errorf("not traces: found a JSON %s, want an object (OTLP, Jaeger) or an array (Zipkin)", describe(c)))
	}
	return d.failAt(d.off(), fmt.Errorf("invalid JSON: unexpected %s, want '{'", quoteByte(c)))
}

// jsonDecoder is the scanner state. A zero value is not usable; see
// newJSONDecoder.
type jsonDecoder struct {
	buf []byte // input; buf[pos:] is not yet consumed
	pos int

	// Streaming (readJSONPart, decodeChunk); r is nil when buf is the
	// whole input.
	streaming bool
	r         io.Reader
	done      bool  // no more input will come
	rerr      error // a read error other than io.EOF
	frameErr  bool  // the current object grew over maxFrame
	base      int64 // stream offset of buf[0]
	maxFrame  int
	inObj     bool
	objStart  int64 // stream offset of the current object's '{'
	objLine   int
	objects   int // objects decoded
	// whole: the last object decoded holds whole traces (an envelope a
	// backend answers with), for Options.WholeTraces.
	whole bool

	// Line bookkeeping: line is the 1-based line of buf[lineIdx].
	line, lineIdx int

	n     *notices
	name  string // stream name, for notices
	where string // location for notices; computed lazily in stream mode

	strs   strTable
	esc    []byte // unescaped string scratch
	keyEsc []byte // unescaped key scratch
	key    []byte // a key copied out of buf before a refill
	skip   []byte // container stack of skipValue

	// Stacks: lists under construction; copied into slabs when complete.
	spans  []dag.SpanData
	attrs  []dag.Attr
	vals   []dag.Value
	events []dag.Event
	links  []dag.Link

	attrSlab  slab[dag.Attr]
	eventSlab slab[dag.Event]
	linkSlab  slab[dag.Link]
	// packed: fn packs each batch before it returns (decodeChunk), so the
	// slabs are reused from object to object instead of being garbage.
	packed bool

	// Per-object id problems, reported once per object as notices.
	base64IDs  int
	badIDs     int
	badID      string
	derivedIDs int
	derivedID  string

	// Jaeger and Zipkin: per-span side data of the trace being read.
	jprocIDs []string
	jrefs    []jaegerRef
	jscopes  map[[2]string]*dag.Scope
	jscope   *dag.Scope // the last one used

	zres                    map[string]*dag.Resource // Zipkin: one per service
	zmissingTS, zmissingDur int
}

var messageDecoders = sync.Pool{New: func() any { return newJSONDecoder() }}

func newJSONDecoder() *jsonDecoder {
	return &jsonDecoder{line: 1}
}

func (d *jsonDecoder) resetMessage(msg []byte, n *notices, where string) {
	d.buf, d.pos = msg, 0
	d.line, d.lineIdx = 1, 0
	d.n, d.where = n, where
	d.objects = 0
	d.spans, d.attrs, d.vals, d.events, d.links = d.spans[:0], d.attrs[:0], d.vals[:0], d.events[:0], d.links[:0]
	d.attrSlab.begin(len(msg))
	d.eventSlab.begin(len(msg))
	d.linkSlab.begin(len(msg))
}

// release returns a message decoder to the pool, dropping references to
// decoded data so that the pool does not keep it alive.
func (d *jsonDecoder) release() {
	clear(d.spans[:cap(d.spans)])
	clear(d.attrs[:cap(d.attrs)])
	clear(d.vals[:cap(d.vals)])
	clear(d.events[:cap(d.events)])
	clear(d.links[:cap(d.links)])
	d.buf, d.n = nil, nil
	d.strs.reset()
	messageDecoders.Put(d)
}

// whereStr is the location prefix for notices about the current object.
func (d *jsonDecoder) whereStr() string {
	if d.where == "" && d.streaming {
		d.where = d.name + ": line " + strconv.Itoa(d.objLine)
	}
	return d.where
}

// off is the input offset of d.pos. Unlike a buffer index it stays valid
// across refills, so it is what a token's start is remembered as.
func (d *jsonDecoder) off() int { return int(d.base) + d.pos }

// failAt returns a *jsonError at input offset off.
func (d *jsonDecoder) failAt(off int, err error) error {
	return &jsonError{Offset: off, Err: err}
}

func (d *jsonDecoder) failf(format string, args ...any) error {
	return d.failAt(d.off(), fmt.Errorf(format, args...))
}

// eofError is the error for input that ended (or could not be read further)
// in the middle of a value.
func (d *jsonDecoder) eofError() error { return d.failAt(int(d.base)+len(d.buf), errUnexpectedEnd) }

// lineAt returns the 1-based line of buf[pos].
func (d *jsonDecoder) lineAt(pos int) int {
	if pos >= d.lineIdx {
		d.line += bytes.Count(d.buf[d.lineIdx:pos], newline)
		d.lineIdx = pos
		return d.line
	}
	return d.line - bytes.Count(d.buf[pos:d.lineIdx], newline)
}

var newline = []byte{'\n'}

// fill reads more input after the end of buf. To make room it may discard
// the bytes before keep (keep <= d.pos) and move the rest to the front: it
// returns that shift, which the caller subtracts from every buffer index it
// holds (d.pos is adjusted here). ok is false when no more input comes.
func (d *jsonDecoder) fill(keep int) (shift int, ok bool) {
	if d.r == nil || d.done {
		return 0, false
	}
	if d.inObj && d.base+int64(len(d.buf))-d.objStart > int64(d.maxFrame) {
		d.frameErr, d.done = true, true
		return 0, false
	}
	if len(d.buf) == cap(d.buf) {
		if keep > 0 {
			d.lineAt(keep)
			n := copy(d.buf, d.buf[keep:])
			d.buf = d.buf[:n]
			d.pos -= keep
			d.lineIdx -= keep
			d.base += int64(keep)
			shift = keep
		}
		// A token that fills most of the buffer: grow, so reads stay large.
		// Bounded, because the object is bounded by maxFrame.
		if len(d.buf) > cap(d.buf)/2 {
			nb := make([]byte, len(d.buf), 2*cap(d.buf))
			copy(nb, d.buf)
			d.buf = nb
		}
	}
	for range 100 {
		m, err := d.r.Read(d.buf[len(d.buf):cap(d.buf)])
		d.buf = d.buf[:len(d.buf)+m]
		if err != nil {
			d.done = true
			if err != io.EOF {
				d.rerr = err
			}
			return shift, m > 0
		}
		if m > 0 {
			return shift, true
		}
	}
	d.done, d.rerr = true, io.ErrNoProgress
	return shift, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// peek skips white space and returns the next byte without consuming it;
// ok is false at the end of the input.
func (d *jsonDecoder) peek() (c byte, ok bool) {
	for {
		for d.pos < len(d.buf) {
			c = d.buf[d.pos]
			if c > ' ' || !isSpace(c) {
				return c, true
			}
			d.pos++
		}
		if _, ok := d.fill(d.pos); !ok {
			return 0, false
		}
	}
}

// skipBOM skips a UTF-8 byte order mark at the start of the input.
func (d *jsonDecoder) skipBOM() {
	// Wait for more input only while what is there could begin a BOM, so
	// that a live stream is never held up.
	for len(d.buf)-d.pos < 3 && bytes.HasPrefix([]byte("\xef\xbb\xbf"), d.buf[d.pos:]) {
		if _, ok := d.fill(d.pos); !ok {
			break
		}
	}
	if bytes.HasPrefix(d.buf[d.pos:], []byte("\xef\xbb\xbf")) {
		d.pos += 3
	}
}

// describe names the JSON type a value starting with c has, for errors.
func describe(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "number"
	}
	return quoteByte(c)
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// typeError reports a value of the wrong JSON type at d.pos.
func (d *jsonDecoder) typeError(what, want string, c byte) error {
	switch c {
	case '{', '[', '"', 't', 'f', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return d.failf("%s: want %s, found %s", what, want, describe(c))
	}
	return d.failf("invalid JSON: unexpected %s where %s (%s) should be", quoteByte(c), what, want)
}

// openObject consumes the '{' of an object (ok) or a null (!ok, no error:
// null stands for the default value in proto3 JSON).
func (d *jsonDecoder) openObject(what string) (ok bool, err error) {
	return d.open(what, '{', "an object")
}

// openArray is openObject for '['.
func (d *jsonDecoder) openArray(what string) (ok bool, err error) {
	return d.open(what, '[', "an array")
}

func (d *jsonDecoder) open(what string, delim byte, want string) (ok bool, err error) {
	c, more := d.peek()
	switch {
	case !more:
		return false, d.eofError()
	case c == delim:
		d.pos++
		return true, nil
	case c == 'n':
		return false, d.literal("null")
	}
	return false, d.typeError(what, want, c)
}

// nextKey reads the next member name of an object after openObject, and
// the colon after it; i counts the members already read. done is true
// (and the '}' consumed) at the end of the object. key is valid until the
// next read.
func (d *jsonDecoder) nextKey(i int) (key []byte, done bool, err error) {
	c, ok := d.peek()
	if !ok {
		return nil, false, d.eofError()
	}
	if c == '}' {
		d.pos++
		return nil, true, nil
	}
	if i > 0 {
		if c != ',' {
			return nil, false, d.failf("invalid JSON: want ',' or '}' after an object member, found %s", quoteByte(c))
		}
		d.pos++
		if c, ok = d.peek(); !ok {
			return nil, false, d.eofError()
		}
	}
	if c != '"' {
		return nil, false, d.failf("invalid JSON: want an object member name (a string), found %s", quoteByte(c))
	}
	key, err = d.readString(&d.keyEsc)
	if err != nil {
		return nil, false, err
	}
	if d.pos < len(d.buf) && d.buf[d.pos] == ':' {
		d.pos++
		return key, false, nil
	}
	// The key may live in buf, which peek may refill: copy it first.
	d.key = append(d.key[:0], key...)
	if c, ok = d.peek(); !ok {
		return nil, false, d.eofError()
	}
	if c != ':' {
		return nil, false, d.failf("invalid JSON: want ':' after object member name, found %s", quoteByte(c))
	}
	d.pos++
	return d.key, false, nil
}

// eachMember is the loop over an object's members, written once: after
// openObject, it calls member with each member name, positioned at the
// member's value, which member must consume.
func (d *jsonDecoder) eachMember(member func(key []byte) error) error {
	for i := 0; ; i++ {
		key, done, err := d.nextKey(i)
		if err != nil || done {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
	}
}

// array decodes an array (or null, the default) element by element: elem
// is called with the element's index, positioned at it, and must consume
// it.
func (d *jsonDecoder) array(what string, elem func(i int) error) error {
	if ok, err := d.openArray(what); !ok {
		return err
	}
	for i := 0; ; i++ {
		if more, err := d.nextElem(i); !more {
			return err
		}
		if err := elem(i); err != nil {
			return err
		}
	}
}

// eachObject decodes an array (or null) of objects, skipping null
// elements: elem is called inside each object, after its '{', and decodes
// its members (with eachMember).
func (d *jsonDecoder) eachObject(what, elemWhat string, elem func() error) error {
	return d.array(what, func(int) error {
		if ok, err := d.openObject(elemWhat); !ok {
			return err // null: no element
		}
		return elem()
	})
}

// nextElem advances to the next element of an array after openArray; i
// counts the elements already read. It returns false (and consumes the ']')
// at the end of the array.
func (d *jsonDecoder) nextElem(i int) (more bool, err error) {
	c, ok := d.peek()
	if !ok {
		return false, d.eofError()
	}
	if c == ']' {
		d.pos++
		return false, nil
	}
	if i > 0 {
		if c != ',' {
			return false, d.failf("invalid JSON: want ',' or ']' after an array element, found %s", quoteByte(c))
		}
		d.pos++
	}
	return true, nil
}

// literal consumes the literal word (true, false or null) at d.pos.
func (d *jsonDecoder) literal(word string) error {
	for len(d.buf)-d.pos < len(word) {
		if _, ok := d.fill(d.pos); !ok {
			if bytes.HasPrefix([]byte(word), d.buf[d.pos:]) {
				return d.eofError()
			}
			break
		}
	}
	if len(d.buf)-d.pos < len(word) || string(d.buf[d.pos:d.pos+len(word)]) != word {
		return d.failf("invalid JSON: unexpected %s, want %s", quoteByte(d.buf[d.pos]), word)
	}
	d.pos += len(word)
	return nil
}

// readBool reads true or false.
func (d *jsonDecoder) readBool(what string) (bool, error) {
	c, ok := d.peek()
	switch {
	case !ok:
		return false, d.eofError()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return false, d.literal("null")
	}
	return false, d.typeError(what, "true or false", c)
}

// strStop marks the bytes that end the fast scan of a string's content.
var strStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// strStopMask has the high bit set in (at least) the lowest byte of x that
// is '"', '\\' or a control character, and none below it. (The classic
// "has zero byte" trick: false positives only above a true hit.)
func strStopMask(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := x ^ (ones * '"')
	bs := x ^ (ones * '\\')
	return ((q-ones)&^q | (bs-ones)&^bs | (x-ones*0x20)&^x) & highs
}

// readString reads the string at d.pos (which must be '"') and returns its
// content, unescaped. The result points into buf, or into *scratch when the
// string has escapes; either way it is valid only until the next read.
func (d *jsonDecoder) readString(scratch *[]byte) ([]byte, error) {
	start := d.pos + 1
	i := start
	for {
		buf := d.buf
		// Eight bytes at a time while no byte in the word ends the fast
		// scan, then byte by byte.
		for i+8 <= len(buf) {
			if m := strStopMask(binary.LittleEndian.Uint64(buf[i:])); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		for i < len(buf) && !strStop[buf[i]] {
			i++
		}
		if i < len(buf) {
			if buf[i] == '"' {
				d.pos = i + 1
				return buf[start:i], nil
			}
			break
		}
		shift, ok := d.fill(d.pos)
		if !ok {
			return nil, d.eofError()
		}
		start, i = start-shift, i-shift
	}
	return d.readEscaped(scratch, start, i)
}

// unescaped is what each one-letter JSON escape (\n, \", …) stands for.
var unescaped = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// readEscaped continues readString at buf[i], the first backslash or
// control character of a string whose content started at buf[start].
func (d *jsonDecoder) readEscaped(scratch *[]byte, start, i int) ([]byte, error) {
	out := append((*scratch)[:0], d.buf[start:i]...)
	defer func() { *scratch = out[:0] }()
	for {
		if i >= len(d.buf) {
			d.pos = i
			if _, ok := d.fill(i); !ok {
				return nil, d.eofError()
			}
			i = d.pos
		}
		c := d.buf[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return out, nil
		case c == '\n':
			d.pos = i
			return nil, d.failf("invalid JSON: unterminated string (the line ends inside it: truncated?)")
		case c < 0x20:
			d.pos = i
			return nil, d.failf("invalid JSON: control character %s in a string (must be escaped)", quoteByte(c))
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		// An escape: make sure the longest form (\uXXXX\uXXXX) is buffered
		// when the input has it.
		d.pos = i
		for len(d.buf)-d.pos < 12 {
			if _, ok := d.fill(d.pos); !ok {
				break
			}
		}
		i = d.pos
		if i+1 >= len(d.buf) {
			return nil, d.eofError()
		}
		switch e := d.buf[i+1]; e {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			out = append(out, unescaped[e])
			i += 2
		case 'u':
			r, ok := hex4(d.buf[i+2:])
			if !ok {
				if len(d.buf)-i < 6 {
					return nil, d.eofError()
				}
				return nil, d.failf("invalid JSON: bad \\u escape in a string")
			}
			i += 6
			if utf16IsSurrogate(r) {
				r2, ok := rune(-1), false
				if len(d.buf)-i >= 6 && d.buf[i] == '\\' && d.buf[i+1] == 'u' {
					r2, ok = hex4(d.buf[i+2:])
				}
				if dec := utf16Decode(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError // a lone surrogate, as encoding/json does
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, d.failf("invalid JSON: unknown escape %s in a string", quoteByte(e))
		}
	}
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		v := hexVal[c]
		if v == 0xff {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

func utf16IsSurrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

func utf16Decode(r1, r2 rune) rune {
	if r1 >= 0xd800 && r1 < 0xdc00 && r2 >= 0xdc00 && r2 < 0xe000 {
		return (r1-0xd800)<<10 | (r2 - 0xdc00) + 0x10000
	}
	return utf8.RuneError
}

// hexVal maps hex digits (either case) to their value, other bytes to 0xff.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
		t[c-'a'+'A'] = byte(c - 'a' + 10)
	}
	return t
}()

// numChar marks the bytes that may appear in a JSON number.
var numChar = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eE") {
		t[c] = true
	}
	return t
}()

// readNumber reads the number token at d.pos and checks its grammar. The
// result points into buf and is valid until the next read.
func (d *jsonDecoder) readNumber() ([]byte, error) {
	start := d.pos
	i := start
	for {
		for i < len(d.buf) && numChar[d.buf[i]] {
			i++
		}
		if i < len(d.buf) {
			break
		}
		shift, ok := d.fill(start)
		start, i = start-shift, i-shift
		if !ok {
			break
		}
	}
	tok := d.buf[start:i]
	if !validNumber(tok) {
		return nil, d.failf("invalid JSON: malformed number %q", tok)
	}
	d.pos = i
	return tok, nil
}

// validNumber reports whether b is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(b)
}

// skipValue skips one JSON value of any type, checking its syntax. It is
// iterative: nesting depth costs one byte of heap per level, not stack.
func (d *jsonDecoder) skipValue() error {
	stack := d.skip[:0]
	defer func() { d.skip = stack[:0] }()
	for {
		// A value is expected.
		c, ok := d.peek()
		if !ok {
			return d.eofError()
		}
		switch {
		case c == '{' || c == '[':
			d.pos++
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			c2, ok := d.peek()
			if !ok {
				return d.eofError()
			}
			if c2 == closer {
				d.pos++
				break
			}
			stack = append(stack, closer)
			if closer == '}' {
				if err := d.skipKey(c2); err != nil {
					return err
				}
			}
			continue
		case c == '"':
			if _, err := d.readString(&d.esc); err != nil {
				return err
			}
		case c == 't':
			if err := d.literal("true"); err != nil {
				return err
			}
		case c == 'f':
			if err := d.literal("false"); err != nil {
				return err
			}
		case c == 'n':
			if err := d.literal("null"); err != nil {
				return err
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if _, err := d.readNumber(); err != nil {
				return err
			}
		default:
			return d.failf("invalid JSON: unexpected %s, want a value", quoteByte(c))
		}
		// A value is complete: close containers, or move to the next member.
		for {
			if len(stack) == 0 {
				return nil
			}
			c, ok := d.peek()
			if !ok {
				return d.eofError()
			}
			top := stack[len(stack)-1]
			if c == top {
				d.pos++
				stack = stack[:len(stack)-1]
				continue
			}
			if c != ',' {
				return d.failf("invalid JSON: want ',' or %s, found %s", quoteByte(top), quoteByte(c))
			}
			d.pos++
			if top == '}' {
				c2, ok := d.peek()
				if !ok {
					return d.eofError()
				}
				if err := d.skipKey(c2); err != nil {
					return err
				}
			}
			break
		}
	}
}

// skipKey skips an object member name (at c, already peeked) and its colon.
func (d *jsonDecoder) skipKey(c byte) error {
	if c != '"' {
		return d.failf("invalid JSON: want an object member name (a string), found %s", quoteByte(c))
	}
	if _, err := d.readString(&d.keyEsc); err != nil {
		return err
	}
	c, ok := d.peek()
	if !ok {
		return d.eofError()
	}
	if c != ':' {
		return d.failf("invalid JSON: want ':' after object member name, found %s", quoteByte(c))
	}
	d.pos++
	return nil
}

// slab hands out sub-slices of large shared arrays, so that the many small
// lists of a batch (attributes, events, links) cost a few allocations in
// all. Handed-out parts are never written again, so batches may share a
// slab. The size of each new array is estimated from how many items the
// input has held per byte so far, times the bytes still ahead.
type slab[T any] struct {
	free  []T // len == cap: the unused rest of the current array
	whole []T // the current array, all of it
	items int // items handed out since begin
	since int // items handed out since reuse
	bytes int // input size (message mode) or 0 (stream)
}

func (s *slab[T]) begin(inputSize int) {
	s.items, s.bytes = 0, inputSize
}

// take copies src into the slab and returns the copy (nil for an empty
// src). pos and ahead are the input bytes consumed so far and still ahead,
// for the estimate.
func (s *slab[T]) take(src []T, pos, ahead int) []T {
	k := len(src)
	if k == 0 {
		return nil
	}
	s.items += k
	s.since += k
	if len(s.free) < k {
		// Items per input byte so far, times the bytes ahead; capped by
		// what the bytes ahead could possibly hold (no item takes fewer
		// than about 16 bytes of JSON).
		est := int(int64(s.items) * int64(ahead) / int64(max(pos, 1)))
		est = min(est, ahead/16)
		// Grow rounds the capacity up to the allocator's size class (whole
		// pages for large arrays): use all of it.
		s.free = slices.Grow([]T(nil), k+max(est, 8))
		s.free = s.free[:cap(s.free)]
		s.whole = s.free
	}
	out := s.free[:k:k]
	copy(out, src)
	s.free = s.free[k:]
	return out
}

// reuse makes the slab's handed-out parts free again: for a decoder whose
// batches are packed (copied into their block) before the next object is
// decoded, so that no handed-out part is read again. When the object took
// more than one array, the next array holds as much as it took (and a
// quarter more), so that objects alike take one array, reused, and the
// arrays before it are left to the collector.
func (s *slab[T]) reuse() {
	if s.since > len(s.whole) {
		s.whole = slices.Grow([]T(nil), s.since+s.since/4)
		s.whole = s.whole[:cap(s.whole)]
	} else {
		clear(s.whole[:len(s.whole)-len(s.free)])
	}
	s.free, s.since = s.whole, 0
}

// takeList moves the items pushed onto *list since mark (one span's
// attributes, events or links) into s.
func takeList[T any](d *jsonDecoder, s *slab[T], list *[]T, mark int) []T {
	consumed, ahead := d.ahead()
	out := s.take((*list)[mark:], consumed, ahead)
	*list = (*list)[:mark]
	return out
}

// ahead returns the bytes consumed so far and a guess at the bytes still to
// come, for slab estimates.
func (d *jsonDecoder) ahead() (consumed, ahead int) {
	consumed = int(d.base) + d.pos
	ahead = len(d.buf) - d.pos
	switch {
	case d.r != nil && !d.done:
		ahead = max(ahead, 32<<10)
	case d.streaming:
		// A chunk of JSON Lines: slabs of the size a stream's buffer
		// gives, which the allocator recycles while they are warm, not
		// one array for megabytes of input (fresh pages, faulted in).
		ahead = min(ahead, 64<<10)
	}
	return consumed, ahead
}
