package ingest

// The OTLP schema walk of the JSON decoder: ExportTraceServiceRequest /
// TracesData → ResourceSpans → ScopeSpans → Span, decoded into dag types.
//
// Per the OTLP/JSON spec (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
// ids are hex strings; 64-bit integers may be strings or numbers; enums may
// be numbers or names; member names are lowerCamelCase, and snake_case (the
// proto field names) is accepted too; unknown members are ignored; null is a
// field's default value.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/tracectl/tracectl/internal/dag"
)

// maxValueDepth bounds the nesting of arrayValue/kvlistValue attribute
// values, which are decoded recursively.
const maxValueDepth = 64

var (
	spanKindNames = []string{
		"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
		"SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
	}
	statusCodeNames = []string{"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"}
)

// notice records a warning when there is someone to tell.
func (d *jsonDecoder) notice(kind, msg string) {
	if d.n != nil {
		d.n.add(kind, msg)
	}
}

// topMembers is what the members of a top-level object (and of an
// envelope in it) held.
type topMembers struct {
	n       int     // members read
	traces  bool    // resourceSpans, Tempo's batches, Jaeger's data or a bare Jaeger trace
	skipped [3]bool // metrics, logs, profiles
	jaeger  *jaegerTrace
	data    bool // Jaeger's "data"
	// envelope: Jaeger v3's "result", Tempo's "trace" or "batches": an
	// answer for whole traces.
	envelope bool
	names    []string // the first few member names, to describe an unknown object
}

// object decodes one top-level object; d.pos is at its '{'.
func (d *jsonDecoder) object() error {
	d.objects++
	d.base64IDs, d.badIDs, d.badID = 0, 0, ""
	d.derivedIDs, d.derivedID = 0, ""
	d.jprocIDs, d.jrefs = d.jprocIDs[:0], d.jrefs[:0]
	d.pos++
	var m topMembers
	if err := d.members(&m, true); err != nil {
		return err
	}
	if m.jaeger != nil {
		d.endJaegerTrace(m.jaeger)
	}
	// Backends answer with whole traces: a Jaeger trace object (or
	// several under "data"), Jaeger v3's result, Tempo's by-id answer.
	d.whole = m.jaeger != nil || m.data || m.envelope
	for i, what := range [...]string{"metrics", "logs", "profiles"} {
		if m.skipped[i] {
			if d.n != nil {
				d.n.skipped(d.whereStr(), what)
			}
		}
	}
	// {} is the empty request (pdata writes an empty one so); an object
	// with members but none of OTLP's is something else.
	if m.n > 0 && !m.traces && !m.skipped[0] && !m.skipped[1] && !m.skipped[2] {
		return &jsonError{Offset: int(d.objStart), Err: unknownObject(m.names)}
	}
	if d.base64IDs > 0 {
		d.notice("base64 ids", d.whereStr()+": ids are base64, not hex as OTLP/JSON requires (written by an old tool?); decoded them as base64")
	}
	if d.badIDs > 0 {
		d.notice("invalid ids", fmt.Sprintf("%s: %s; kept %d invalid id(s) as written (check reports them)", d.whereStr(), d.badID, d.badIDs))
	}
	if d.derivedIDs > 0 {
		d.notice("derived ids", fmt.Sprintf("%s: %s; non-hex ids (%d occurrences) were mapped to stable ids derived from their text", d.whereStr(), d.derivedID, d.derivedIDs))
	}
	return nil
}

// unknownObject is the error for a top-level object that holds no traces
// in any format we read; it names the members it has.
func unknownObject(names []string) error {
	list := ""
	for i, n := range names {
		if i > 0 {
			list += ", "
		}
		list += strconv.Quote(truncate(n, 40))
	}
	return fmt.Errorf("not traces: a JSON object with members %s (want OTLP resourceSpans, Jaeger JSON data/spans, or a Zipkin span array)", list)
}

// truncate cuts s to at most n bytes, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// members decodes the members of a TracesData / ExportTraceServiceRequest
// object after its '{'. At the top level it also unwraps the envelopes
// backends put around one: Jaeger's query API v3 {"result": …} (one per
// line when a search streams), Tempo's {"trace": …} and {"batches": […]}
// (ResourceSpans under another name); and it fails on the {"error": …}
// that Jaeger v3 and other gRPC gateways send instead of a result.
func (d *jsonDecoder) members(m *topMembers, top bool) error {
	for i := 0; ; i++ {
		key, done, err := d.nextKey(i)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		m.n++
		if top && len(m.names) < 5 {
			m.names = append(m.names, string(key))
		}
		switch k := string(key); {
		case k == "resourceSpans" || k == "resource_spans" || top && k == "batches":
			m.traces = true
			m.envelope = m.envelope || k == "batches"
			err = d.resourceSpansList()
		case k == "resourceMetrics" || k == "resource_metrics":
			m.skipped[0] = true
			err = d.skipValue()
		case k == "resourceLogs" || k == "resource_logs":
			m.skipped[1] = true
			err = d.skipValue()
		case k == "resourceProfiles" || k == "resource_profiles":
			m.skipped[2] = true
			err = d.skipValue()
		case top && (k == "result" || k == "trace"):
			m.envelope = true
			var ok bool
			if ok, err = d.openObject(k); ok {
				err = d.members(m, false)
			}
		case top && k == "error":
			err = d.backendError()
		case top && k == "data":
			if m.jaeger != nil {
				return d.failf("a Jaeger trace object with a \"data\" member too: want one or the other")
			}
			m.traces, m.data = true, true
			err = d.jaegerData()
		case top && k == "errors":
			err = d.jaegerErrors()
		case top && isJaegerTraceKey(k):
			m.traces = true
			if m.jaeger == nil {
				if m.data {
					return d.failf("a Jaeger trace object with a \"data\" member too: want one or the other")
				}
				m.jaeger = d.beginJaegerTrace()
			}
			err = d.jaegerTraceMember(m.jaeger, key)
		default:
			err = d.skipValue()
		}
		if err != nil {
			return err
		}
	}
}

// backendError reads an {"error": {"message": …}} member and fails with
// its message.
func (d *jsonDecoder) backendError() error {
	start := d.off()
	msg := ""
	c, ok := d.peek()
	switch {
	case !ok:
		return d.eofError()
	case c == '{':
		d.pos++
		err := d.eachMember(func(key []byte) (err error) {
			if string(key) == "message" {
				msg, err = d.stringValue("message")
				return err
			}
			return d.skipValue()
		})
		if err != nil {
			return err
		}
	case c == '"':
		var err error
		if msg, err = d.stringValue("error"); err != nil {
			return err
		}
	default:
		if err := d.skipValue(); err != nil {
			return err
		}
	}
	return &jsonError{Offset: start, Err: backendError(msg)}
}

// backendError is the error a backend sent in place of traces (OTLP
// envelopes' {"error"}, Jaeger's {"errors"}), its message made safe to print.
func backendError(msg string) error {
	if msg == "" {
		msg = "(no message)"
	}
	return fmt.Errorf("the backend answered with an error: %s", quoteBody([]byte(msg)))
}

func (d *jsonDecoder) resourceSpansList() error {
	return d.array("resourceSpans", func(int) error { return d.resourceSpans() })
}

func (d *jsonDecoder) resourceSpans() error {
	if ok, err := d.openObject("resourceSpans element"); !ok {
		return err
	}
	res := &dag.Resource{}
	return d.eachMember(func(key []byte) (err error) {
		switch string(key) {
		case "resource":
			err = d.resource(res)
		case "scopeSpans", "scope_spans", "instrumentationLibrarySpans", "instrumentation_library_spans":
			err = d.scopeSpansList(res)
		case "schemaUrl", "schema_url":
			res.SchemaURL, err = d.stringValue("resource schemaUrl")
		default:
			err = d.skipValue()
		}
		return err
	})
}

func (d *jsonDecoder) resource(res *dag.Resource) error {
	if ok, err := d.openObject("resource"); !ok {
		return err
	}
	err := d.eachMember(func(key []byte) (err error) {
		if string(key) == "attributes" {
			res.Attrs, err = d.attrList("resource attributes", 0)
			return err
		}
		return d.skipValue()
	})
	if err != nil {
		return err
	}
	if v, ok := dag.Lookup(res.Attrs, "service.name"); ok {
		res.Service = v.Str()
	}
	return nil
}

func (d *jsonDecoder) scopeSpansList(res *dag.Resource) error {
	return d.array("scopeSpans", func(int) error { return d.scopeSpans(res) })
}

func (d *jsonDecoder) scopeSpans(res *dag.Resource) error {
	if ok, err := d.openObject("scopeSpans element"); !ok {
		return err
	}
	sc := &dag.Scope{}
	return d.eachMember(func(key []byte) (err error) {
		switch string(key) {
		case "scope", "instrumentationLibrary", "instrumentation_library":
			err = d.scope(sc)
		case "spans":
			err = d.spanList(res, sc)
		default:
			err = d.skipValue()
		}
		return err
	})
}

func (d *jsonDecoder) scope(sc *dag.Scope) error {
	if ok, err := d.openObject("scope"); !ok {
		return err
	}
	return d.eachMember(func(key []byte) (err error) {
		switch string(key) {
		case "name":
			sc.Name, err = d.stringValue("scope name")
		case "version":
			sc.Version, err = d.stringValue("scope version")
		case "attributes":
			sc.Attrs, err = d.attrList("scope attributes", 0)
		default:
			err = d.skipValue()
		}
		return err
	})
}

func (d *jsonDecoder) spanList(res *dag.Resource, sc *dag.Scope) error {
	return d.array("spans", func(int) error { return d.span(res, sc) })
}

// spanID decodes one of a span's own ids (field f, into dst).
func (d *jsonDecoder) spanID(sp *dag.SpanData, f dag.IDFields, dst []byte, what string) error {
	raw, bad, err := d.id(dst, what)
	if bad {
		setRaw(sp, f, raw)
	} else if sp.Raw != nil && sp.Raw.Invalid&f != 0 {
		setRaw(sp, f, "") // a later valid occurrence of the field wins
		sp.Raw.Invalid &^= f
	}
	return err
}

func (d *jsonDecoder) span(res *dag.Resource, sc *dag.Scope) error {
	if ok, err := d.openObject("span"); !ok {
		return err
	}
	d.spans = append(d.spans, dag.SpanData{Resource: res, Scope: sc})
	sp := &d.spans[len(d.spans)-1] // nothing below appends to d.spans
	return d.eachMember(func(key []byte) (err error) {
		switch string(key) {
		case "traceId", "trace_id":
			err = d.spanID(sp, dag.FieldTraceID, sp.TraceID[:], "traceId")
		case "spanId", "span_id":
			err = d.spanID(sp, dag.FieldSpanID, sp.SpanID[:], "spanId")
		case "parentSpanId", "parent_span_id":
			err = d.spanID(sp, dag.FieldParentSpanID, sp.ParentSpanID[:], "parentSpanId")
		case "name":
			sp.Name, err = d.stringValue("span name")
		case "kind":
			var k uint8
			k, err = d.enum("span kind", spanKindNames)
			sp.Kind = dag.Kind(k)
		case "startTimeUnixNano", "start_time_unix_nano":
			sp.Start, err = d.fixed64("startTimeUnixNano")
		case "endTimeUnixNano", "end_time_unix_nano":
			sp.End, err = d.fixed64("endTimeUnixNano")
		case "attributes":
			sp.Attrs, err = d.attrList("span attributes", 0)
		case "events":
			sp.Events, err = d.eventList()
		case "links":
			sp.Links, err = d.linkList()
		case "status":
			err = d.status(&sp.Status)
		case "traceState", "trace_state":
			sp.TraceState, err = d.stringValue("traceState")
		case "flags":
			sp.Flags, err = d.uint32Value("span flags")
		default:
			err = d.skipValue()
		}
		return err
	})
}

func (d *jsonDecoder) status(st *dag.Status) error {
	if ok, err := d.openObject("status"); !ok {
		return err
	}
	return d.eachMember(func(key []byte) (err error) {
		switch string(key) {
		case "code":
			var c uint8
			c, err = d.enum("status code", statusCodeNames)
			st.Code = dag.StatusCode(c)
		case "message":
			st.Message, err = d.stringValue("status message")
		default:
			err = d.skipValue()
		}
		return err
	})
}

func (d *jsonDecoder) eventList() ([]dag.Event, error) {
	mark := len(d.events)
	err := d.eachObject("events", "event", func() error {
		d.events = append(d.events, dag.Event{})
		ev := &d.events[len(d.events)-1] // nothing below appends to d.events
		return d.eachMember(func(key []byte) (err error) {
			switch string(key) {
			case "timeUnixNano", "time_unix_nano":
				ev.Time, err = d.fixed64("event timeUnixNano")
			case "name":
				ev.Name, err = d.stringValue("event name")
			case "attributes":
				ev.Attrs, err = d.attrList("event attributes", 0)
			default:
				err = d.skipValue()
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return takeList(d, &d.eventSlab, &d.events, mark), nil
}

func (d *jsonDecoder) linkList() ([]dag.Link, error) {
	mark := len(d.links)
	err := d.eachObject("links", "link", func() error {
		d.links = append(d.links, dag.Link{})
		l := &d.links[len(d.links)-1] // nothing below appends to d.links
		return d.eachMember(func(key []byte) (err error) {
			switch string(key) {
			case "traceId", "trace_id":
				_, _, err = d.id(l.TraceID[:], "link traceId")
			case "spanId", "span_id":
				_, _, err = d.id(l.SpanID[:], "link spanId")
			case "traceState", "trace_state":
				l.TraceState, err = d.stringValue("link traceState")
			case "attributes":
				l.Attrs, err = d.attrList("link attributes", 0)
			case "flags":
				l.Flags, err = d.uint32Value("link flags")
			default:
				err = d.skipValue()
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return takeList(d, &d.linkSlab, &d.links, mark), nil
}

// attrList decodes an array of KeyValue. depth is the nesting of
// attribute values around it.
func (d *jsonDecoder) attrList(what string, depth int) ([]dag.Attr, error) {
	mark := len(d.attrs)
	err := d.eachObject(what, "attribute", func() error {
		var kv dag.Attr
		err := d.eachMember(func(key []byte) (err error) {
			switch string(key) {
			case "key":
				kv.Key, err = d.stringValue("attribute key")
			case "value":
				// May push onto d.attrs (a kvlist): append kv only after.
				kv.Value, err = d.anyValue(depth)
			default:
				err = d.skipValue()
			}
			return err
		})
		d.attrs = append(d.attrs, kv)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.takeAttrs(mark), nil
}

// anyValue decodes an AnyValue object.
func (d *jsonDecoder) anyValue(depth int) (dag.Value, error) {
	if depth > maxValueDepth {
		return dag.Value{}, d.failf("attribute value nested more than %d levels deep", maxValueDepth)
	}
	var v dag.Value
	if ok, err := d.openObject("attribute value"); !ok {
		return v, err
	}
	err := d.eachMember(func(key []byte) (err error) {
		switch string(key) {
		case "stringValue", "string_value":
			var s string
			s, err = d.stringValue("stringValue")
			v = dag.StringValue(s)
		case "intValue", "int_value":
			var n int64
			n, err = d.int64Value("intValue")
			v = dag.IntValue(n)
		case "boolValue", "bool_value":
			var b bool
			b, err = d.readBool("boolValue")
			v = dag.BoolValue(b)
		case "doubleValue", "double_value":
			var f float64
			f, err = d.doubleValue("doubleValue")
			v = dag.DoubleValue(f)
		case "bytesValue", "bytes_value":
			var b string
			b, err = d.bytesValue("bytesValue")
			v = dag.BytesValue(b)
		case "arrayValue", "array_value":
			var vs []dag.Value
			vs, err = d.arrayValue(depth + 1)
			v = dag.ArrayValue(vs)
		case "kvlistValue", "kvlist_value":
			var kvs []dag.Attr
			kvs, err = d.kvlistValue(depth + 1)
			v = dag.MapValue(kvs)
		default:
			err = d.skipValue()
		}
		return err
	})
	return v, err
}

// arrayValue decodes an ArrayValue object: {"values": [AnyValue...]}.
func (d *jsonDecoder) arrayValue(depth int) ([]dag.Value, error) {
	if ok, err := d.openObject("arrayValue"); !ok {
		return nil, err
	}
	var out []dag.Value
	err := d.eachMember(func(key []byte) error {
		if string(key) != "values" {
			return d.skipValue()
		}
		mark := len(d.vals)
		err := d.array("arrayValue values", func(int) error {
			v, err := d.anyValue(depth)
			d.vals = append(d.vals, v)
			return err
		})
		if err != nil {
			return err
		}
		out = nil
		if n := len(d.vals) - mark; n > 0 {
			out = make([]dag.Value, n)
			copy(out, d.vals[mark:])
		}
		d.vals = d.vals[:mark]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// kvlistValue decodes a KeyValueList object: {"values": [KeyValue...]}.
func (d *jsonDecoder) kvlistValue(depth int) ([]dag.Attr, error) {
	if ok, err := d.openObject("kvlistValue"); !ok {
		return nil, err
	}
	var out []dag.Attr
	err := d.eachMember(func(key []byte) (err error) {
		if string(key) == "values" {
			out, err = d.attrList("kvlistValue values", depth)
			return err
		}
		return d.skipValue()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// stringValue reads a string (null reads as "").
func (d *jsonDecoder) stringValue(what string) (string, error) {
	c, ok := d.peek()
	switch {
	case !ok:
		return "", d.eofError()
	case c == '"':
		b, err := d.readString(&d.esc)
		if err != nil {
			return "", err
		}
		return d.strs.short(b), nil
	case c == 'n':
		return "", d.literal("null")
	}
	return "", d.typeError(what, "a string", c)
}

// bytesValue reads a base64 string (standard or URL alphabet, padded or
// not), as proto3 JSON writes bytes.
func (d *jsonDecoder) bytesValue(what string) (string, error) {
	c, ok := d.peek()
	switch {
	case !ok:
		return "", d.eofError()
	case c == 'n':
		return "", d.literal("null")
	case c != '"':
		return "", d.typeError(what, "a base64 string", c)
	}
	start := d.off()
	b, err := d.readString(&d.esc)
	if err != nil {
		return "", err
	}
	for _, enc := range base64Encodings {
		out := make([]byte, enc.DecodedLen(len(b)))
		if n, err := enc.Decode(out, b); err == nil {
			return string(out[:n]), nil
		}
	}
	return "", d.failAt(start, fmt.Errorf("%s: not valid base64", what))
}

var base64Encodings = [...]*base64.Encoding{
	base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
}

// id decodes a trace or span id into dst. OTLP/JSON writes ids as hex (we
// accept either case); old tools wrote base64, which is decoded and
// counted for one notice. Anything else is invalid but keeps its value
// (DESIGN §2): dst gets the id derived from it, and bad is set with the
// raw text for the span's dag.RawIDs; check reports it, the file stays
// readable. An empty string or null leaves dst zero: no id, as when the
// field is absent (valid only for a parent; dag reports a zero trace or
// span id).
func (d *jsonDecoder) id(dst []byte, what string) (raw string, bad bool, err error) {
	c, ok := d.peek()
	switch {
	case !ok:
		return "", false, d.eofError()
	case c == 'n':
		clear(dst)
		return "", false, d.literal("null")
	case c != '"':
		return "", false, d.typeError(what, "a hex string", c)
	}
	b, err := d.readString(&d.esc)
	if err != nil {
		return "", false, err
	}
	if len(b) == 0 {
		clear(dst)
		return "", false, nil
	}
	if len(b) == 2*len(dst) && decodeHex(dst, b) {
		return "", false, nil
	}
	if decodeBase64ID(dst, b) {
		d.base64IDs++
		return "", false, nil
	}
	raw = string(b)
	deriveID(dst, b)
	d.badIDs++
	if d.badID == "" {
		s := raw
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		d.badID = fmt.Sprintf("%s %q is not %d hex digits", what, s, 2*len(dst))
	}
	return raw, true, nil
}

// deriveID sets dst (a trace or span id) to the id dag derives for the
// invalid raw id text: from its bytes when it is hex (so the same id
// reads the same from protobuf), else from the text.
func deriveID(dst, text []byte) {
	key, isText := text, true
	if len(text)%2 == 0 {
		buf := make([]byte, len(text)/2)
		if decodeHex(buf, text) {
			key, isText = buf, false
		}
	}
	setDerived(dst, key, isText)
}

// setDerived stores dag's derived id for key in dst.
func setDerived(dst, key []byte, isText bool) {
	if len(dst) == len(dag.TraceID{}) {
		id := dag.DeriveTraceID(key, isText)
		copy(dst, id[:])
	} else {
		id := dag.DeriveSpanID(key, isText)
		copy(dst, id[:])
	}
}

// setRaw records an invalid id of the span's field f, with its raw text.
func setRaw(sp *dag.SpanData, f dag.IDFields, raw string) {
	if sp.Raw == nil {
		sp.Raw = new(dag.RawIDs)
	}
	sp.Raw.Invalid |= f
	switch f {
	case dag.FieldTraceID:
		sp.Raw.TraceID = raw
	case dag.FieldSpanID:
		sp.Raw.SpanID = raw
	case dag.FieldParentSpanID:
		sp.Raw.ParentSpanID = raw
	}
}

// decodeHex decodes len(dst)*2 hex digits of src into dst.
func decodeHex(dst, src []byte) bool {
	src = src[:2*len(dst)]
	for i := range dst {
		hi, lo := hexVal[src[2*i]], hexVal[src[2*i+1]]
		if hi|lo > 0x0f {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

// decodeBase64ID decodes src as base64 of exactly len(dst) bytes.
func decodeBase64ID(dst, src []byte) bool {
	var tmp [24]byte
	for _, enc := range base64Encodings {
		if enc.DecodedLen(len(src)) > len(tmp) {
			return false
		}
		if n, err := enc.Decode(tmp[:], src); err == nil && n == len(dst) {
			copy(dst, tmp[:n])
			return true
		}
	}
	return false
}

// intToken reads an integer written as a JSON number or a JSON string and
// returns its text (nil for null) and where it started.
func (d *jsonDecoder) intToken(what string) (tok []byte, start int, err error) {
	c, ok := d.peek()
	start = d.off()
	switch {
	case !ok:
		return nil, start, d.eofError()
	case c == '"':
		tok, err = d.readString(&d.esc)
	case c == '-' || (c >= '0' && c <= '9'):
		tok, err = d.readNumber()
	case c == 'n':
		err = d.literal("null")
	default:
		err = d.typeError(what, "an integer (a number or a string)", c)
	}
	return tok, start, err
}

// int64Value reads an int64 (OTLP's intValue).
func (d *jsonDecoder) int64Value(what string) (int64, error) {
	tok, start, err := d.intToken(what)
	if err != nil || tok == nil {
		return 0, err
	}
	u, neg, ok := parseInteger(tok)
	switch {
	case !ok:
		return 0, d.failAt(start, fmt.Errorf("%s: %q is not an integer", what, tok))
	case neg && u <= 1<<63:
		return int64(-u), nil // two's complement: -(1<<63) wraps to MinInt64
	case !neg && u <= math.MaxInt64:
		return int64(u), nil
	}
	return 0, d.failAt(start, fmt.Errorf("%s: %s out of range for a 64-bit integer", what, tok))
}

// fixed64 reads an unsigned 64-bit integer (timestamps: fixed64 in OTLP,
// so the whole uint64 range is valid).
func (d *jsonDecoder) fixed64(what string) (uint64, error) {
	tok, start, err := d.intToken(what)
	if err != nil || tok == nil {
		return 0, err
	}
	u, neg, ok := parseInteger(tok)
	switch {
	case !ok:
		return 0, d.failAt(start, fmt.Errorf("%s: %q is not an integer", what, tok))
	case neg && u != 0:
		return 0, d.failAt(start, fmt.Errorf("%s: %s out of range", what, tok))
	}
	return u, nil
}

// uint32Value reads a uint32 (flags).
func (d *jsonDecoder) uint32Value(what string) (uint32, error) {
	tok, start, err := d.intToken(what)
	if err != nil || tok == nil {
		return 0, err
	}
	u, neg, ok := parseInteger(tok)
	switch {
	case !ok:
		return 0, d.failAt(start, fmt.Errorf("%s: %q is not an integer", what, tok))
	case neg && u != 0, u > math.MaxUint32:
		return 0, d.failAt(start, fmt.Errorf("%s: %s out of range", what, tok))
	}
	return uint32(u), nil
}

// enum reads an enum as its number or its name (one of names).
//
// An enum may also be its number written as a string ("2"), as proto3 JSON
// parsers accept and some exporters (the file exporter's 2023 example)
// write.
func (d *jsonDecoder) enum(what string, names []string) (uint8, error) {
	c, ok := d.peek()
	var (
		tok   []byte
		start = d.off()
		err   error
	)
	if ok && c == '"' {
		b, err := d.readString(&d.esc)
		if err != nil {
			return 0, err
		}
		for i, name := range names {
			if string(b) == name {
				return uint8(i), nil
			}
		}
		if len(b) == 0 || !(b[0] == '-' || '0' <= b[0] && b[0] <= '9') {
			return 0, d.failAt(start, fmt.Errorf("%s: unknown name %q", what, b))
		}
		tok = b
	} else if tok, start, err = d.intToken(what); err != nil || tok == nil {
		return 0, err
	}
	u, neg, ok := parseInteger(tok)
	switch {
	case !ok:
		return 0, d.failAt(start, fmt.Errorf("%s: %q is not an integer", what, tok))
	case neg && u != 0, u > math.MaxUint8:
		return 0, d.failAt(start, fmt.Errorf("%s: %s out of range", what, tok))
	}
	return uint8(u), nil
}

// doubleValue reads a double: a JSON number, or a string holding a number
// or "NaN", "Infinity", "-Infinity" as proto3 JSON writes non-finite values.
func (d *jsonDecoder) doubleValue(what string) (float64, error) {
	c, ok := d.peek()
	start := d.off()
	var tok []byte
	var err error
	switch {
	case !ok:
		return 0, d.eofError()
	case c == 'n':
		return 0, d.literal("null")
	case c == '"':
		tok, err = d.readString(&d.esc)
		if err != nil {
			return 0, err
		}
		switch string(tok) {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		if !validNumber(tok) {
			return 0, d.failAt(start, fmt.Errorf("%s: %q is not a number", what, tok))
		}
	case c == '-' || (c >= '0' && c <= '9'):
		if tok, err = d.readNumber(); err != nil {
			return 0, err
		}
	default:
		return 0, d.typeError(what, "a number", c)
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, d.failAt(start, fmt.Errorf("%s: %q is not a number", what, tok))
	}
	return f, nil
}

// parseInteger parses an optionally negative decimal integer. Numbers in
// exponent or fraction form are accepted when their value is integral, as
// protojson does ("1e3", "5.0").
func parseInteger(b []byte) (u uint64, neg, ok bool) {
	digits := b
	if len(digits) > 0 && digits[0] == '-' {
		neg, digits = true, digits[1:]
	}
	if len(digits) == 0 {
		return 0, neg, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return parseIntegralFloat(b)
		}
		v := uint64(c - '0')
		if u > (math.MaxUint64-v)/10 {
			return 0, neg, false
		}
		u = u*10 + v
	}
	return u, neg, true
}

func parseIntegralFloat(b []byte) (u uint64, neg, ok bool) {
	if !validNumber(b) {
		return 0, false, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<64 {
		return 0, false, false
	}
	if f < 0 {
		return uint64(-f), true, true
	}
	return uint64(f), false, true
}
