package ingest

// The Jaeger JSON schema walk of the JSON decoder: the model the Jaeger UI
// downloads and the query API v2 (/api/traces, /api/traces/{id}) answers
// with, decoded into dag types on the same token layer as OTLP/JSON.
//
//	{"data": [trace, …], "total", "limit", "offset", "errors"}   search
//	{"data": trace, …}                                           one trace (UI fixtures)
//	trace = {"traceID", "spans": [span, …], "processes": {id: process}, "warnings"}
//	span  = {"traceID", "spanID", "operationName", "references": [{refType, traceID, spanID}],
//	         "startTime" µs, "duration" µs, "tags": [tag], "logs": [{timestamp µs, fields: [tag]}],
//	         "processID" | "process", "flags", "warnings"}
//	tag   = {"key", "type": string|bool|int64|float64|binary, "value"}
//
// The mapping follows DESIGN §2 and, where that is silent, the Collector's
// Jaeger translator (so a trace that went through a Collector reads the
// same): the parent is the first CHILD_OF reference, else the first
// FOLLOWS_FROM (Jaeger UI's rule), and a FOLLOWS_FROM parent edge is
// asynchronous; every other reference becomes a link carrying
// opentracing.ref_type; processes become resources (serviceName →
// service.name); the tags span.kind, error, otel.status_code,
// otel.status_description, w3c.tracestate and otel.scope.name/version
// (otel.library.*) become the span's kind, status, trace state and scope;
// a log's "event" field is the event's name.
//
// Members come in any order: spans may precede the processes they name, so
// a trace's spans are decoded with their process ids on a side stack and
// given their resources when the trace object ends.

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
)

// Attribute keys the Jaeger model uses for what OTLP has fields for. They
// are the Collector's (pkg/translator/jaeger) so that conversions agree.
const (
	jaegerKindTag        = "span.kind"
	jaegerErrorTag       = "error"
	jaegerStatusCodeTag  = "otel.status_code"
	jaegerStatusDescTag  = "otel.status_description"
	jaegerTraceStateTag  = "w3c.tracestate"
	jaegerScopeNameTag   = "otel.scope.name"
	jaegerScopeVerTag    = "otel.scope.version"
	jaegerLibNameTag     = "otel.library.name"
	jaegerLibVerTag      = "otel.library.version"
	jaegerEventNameField = "event"
	// RefTypeAttr is the link attribute that keeps a Jaeger reference's
	// type (child_of or follows_from), as the Collector's translator
	// writes it, so that a link converts back into the same reference.
	RefTypeAttr = "opentracing.ref_type"
)

// jaegerTrace is the state of one Jaeger trace object while its members
// are read.
type jaegerTrace struct {
	mark    int // index in d.spans of the trace's first span
	procs   map[string]*dag.Resource
	traceID dag.TraceID
	members int
	known   bool // a member only a Jaeger trace has was seen
}

// jaegerRef is a reference while a span's references are read.
type jaegerRef struct {
	followsFrom bool
	known       bool // CHILD_OF or FOLLOWS_FROM
	traceID     dag.TraceID
	spanID      dag.SpanID
	refType     string
}

// isJaegerTraceKey reports whether a top-level member belongs to a bare
// Jaeger trace object.
func isJaegerTraceKey(k string) bool {
	return k == "traceID" || k == "spans" || k == "processes"
}

// jaegerData reads the "data" member of a query API v2 answer: an array of
// traces, one trace, or null.
func (d *jsonDecoder) jaegerData() error {
	c, ok := d.peek()
	switch {
	case !ok:
		return d.eofError()
	case c == '{':
		return d.jaegerTraceObject()
	case c == 'n':
		return d.literal("null")
	case c != '[':
		return d.typeError("data", "an array of Jaeger traces or one trace", c)
	}
	d.pos++
	for i := 0; ; i++ {
		if more, err := d.nextElem(i); !more {
			return err
		}
		c, ok := d.peek()
		if !ok {
			return d.eofError()
		}
		if c == 'n' {
			if err := d.literal("null"); err != nil {
				return err
			}
			continue
		}
		if c != '{' {
			return d.typeError("data element", "a Jaeger trace object", c)
		}
		if err := d.jaegerTraceObject(); err != nil {
			return err
		}
	}
}

// jaegerErrors reads the "errors" member of a query API v2 answer
// ([{"code", "msg"}] or null) and fails with the first message.
func (d *jsonDecoder) jaegerErrors() error {
	start := d.off()
	if ok, err := d.openArray("errors"); !ok {
		return err
	}
	msg, n := "", 0
	for i := 0; ; i++ {
		more, err := d.nextElem(i)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		n++
		if ok, err := d.openObject("error"); !ok {
			if err != nil {
				return err
			}
			continue
		}
		err = d.eachMember(func(key []byte) (err error) {
			if string(key) == "msg" && msg == "" {
				msg, err = d.stringValue("msg")
			} else {
				err = d.skipValue()
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	if n == 0 {
		return nil
	}
	return d.failAt(start, backendError(msg))
}

// jaegerTraceObject reads one trace object; d.pos is at its '{'.
func (d *jsonDecoder) jaegerTraceObject() error {
	start := d.off()
	d.pos++
	t := d.beginJaegerTrace()
	if err := d.eachMember(func(key []byte) error { return d.jaegerTraceMember(t, key) }); err != nil {
		return err
	}
	if t.members > 0 && !t.known {
		return d.failAt(start, errors.New("data is not a Jaeger trace: it has no traceID, spans or processes"))
	}
	d.endJaegerTrace(t)
	return nil
}

func (d *jsonDecoder) beginJaegerTrace() *jaegerTrace {
	d.jprocIDs = d.jprocIDs[:0]
	return &jaegerTrace{mark: len(d.spans)}
}

// jaegerTraceMember reads one member of a trace object.
func (d *jsonDecoder) jaegerTraceMember(t *jaegerTrace, key []byte) error {
	t.members++
	switch string(key) {
	case "traceID":
		t.known = true
		return d.jaegerID(t.traceID[:], "traceID")
	case "spans":
		t.known = true
		return d.jaegerSpanList(t)
	case "processes":
		t.known = true
		return d.jaegerProcesses(t)
	}
	return d.skipValue()
}

// endJaegerTrace gives the trace's spans their resources and trace id.
func (d *jsonDecoder) endJaegerTrace(t *jaegerTrace) {
	spans := d.spans[t.mark:]
	for i := range spans {
		sp := &spans[i]
		if sp.TraceID.IsZero() {
			sp.TraceID = t.traceID
		}
		if sp.Resource == nil && i < len(d.jprocIDs) {
			res := t.procs[d.jprocIDs[i]]
			if res == nil {
				// A process id the trace does not list: a resource of
				// its own, so the span still names where it came from.
				res = &dag.Resource{}
				if t.procs == nil {
					t.procs = map[string]*dag.Resource{}
				}
				t.procs[d.jprocIDs[i]] = res
			}
			sp.Resource = res
		}
	}
	d.jprocIDs = d.jprocIDs[:0]
}

// jaegerProcesses reads {"p1": {"serviceName", "tags"}, …}.
func (d *jsonDecoder) jaegerProcesses(t *jaegerTrace) error {
	if ok, err := d.openObject("processes"); !ok {
		return err
	}
	return d.eachMember(func(key []byte) error {
		id := d.strs.short(key)
		res, err := d.jaegerProcess()
		if err != nil {
			return err
		}
		if t.procs == nil {
			t.procs = make(map[string]*dag.Resource, 4)
		}
		t.procs[id] = res
		return nil
	})
}

// jaegerProcess reads a process object into a resource.
func (d *jsonDecoder) jaegerProcess() (*dag.Resource, error) {
	res := &dag.Resource{}
	if ok, err := d.openObject("process"); !ok {
		return res, err
	}
	mark := len(d.attrs)
	// service.name first, as an OTLP SDK writes it.
	d.attrs = append(d.attrs, dag.Attr{Key: "service.name"})
	err := d.eachMember(func(key []byte) (err error) {
		switch string(key) {
		case "serviceName":
			res.Service, err = d.stringValue("serviceName")
		case "tags":
			err = d.jaegerTags("process tags")
		default:
			err = d.skipValue()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if res.Service != "" {
		d.attrs[mark].Value = dag.StringValue(res.Service)
	} else {
		d.attrs = append(d.attrs[:mark], d.attrs[mark+1:]...)
	}
	res.Attrs = d.takeAttrs(mark)
	return res, nil
}

// takeAttrs moves the attributes pushed since mark into the slab.
func (d *jsonDecoder) takeAttrs(mark int) []dag.Attr {
	return takeList(d, &d.attrSlab, &d.attrs, mark)
}

func (d *jsonDecoder) jaegerSpanList(t *jaegerTrace) error {
	return d.array("spans", func(int) error { return d.jaegerSpan(t) })
}

func (d *jsonDecoder) jaegerSpan(t *jaegerTrace) error {
	if ok, err := d.openObject("span"); !ok {
		return err
	}
	d.spans = append(d.spans, dag.SpanData{})
	d.jprocIDs = append(d.jprocIDs, "")
	sp := &d.spans[len(d.spans)-1] // nothing below appends to d.spans
	var (
		startUS     uint64
		durUS       int64
		startAt     int
		haveStart   bool
		refMark     = len(d.jrefs)
		attrMark    = len(d.attrs)
		parentField dag.SpanID
		tagsRead    bool
	)
	err := d.eachMember(func(key []byte) (err error) {
		switch string(key) {
		case "traceID":
			err = d.jaegerID(sp.TraceID[:], "traceID")
		case "spanID":
			err = d.jaegerID(sp.SpanID[:], "spanID")
		case "parentSpanID": // the model's deprecated field
			err = d.jaegerID(parentField[:], "parentSpanID")
		case "operationName":
			sp.Name, err = d.stringValue("operationName")
		case "references":
			err = d.jaegerRefs()
		case "startTime":
			var us uint64
			var ok bool
			if us, startAt, ok, err = d.timeMicros("startTime"); ok {
				startUS, haveStart = us, true
			}
		case "duration":
			var us int64
			var ok bool
			if us, ok, err = d.micros("duration"); ok {
				durUS = us
			}
		case "tags":
			if tagsRead {
				// A second "tags" member: keep the first list whole.
				err = d.skipValue()
				break
			}
			tagsRead = true
			err = d.jaegerTags("span tags")
		case "logs":
			sp.Events, err = d.jaegerLogs()
		case "processID":
			d.jprocIDs[len(d.jprocIDs)-1], err = d.stringValue("processID")
		case "process":
			sp.Resource, err = d.jaegerProcess()
		case "flags":
			sp.Flags, err = d.uint32Value("flags")
		default:
			err = d.skipValue()
		}
		return err
	})
	if err != nil {
		return err
	}
	if haveStart {
		start, end, ok := jaegerTimes(startUS, durUS)
		if !ok {
			return d.failAt(startAt, fmt.Errorf("startTime %d µs + duration %d µs is out of range (after the year 2554)", startUS, durUS))
		}
		sp.Start, sp.End = start, end
	}
	d.jaegerSpanTags(sp, attrMark)
	d.jaegerParent(sp, refMark, parentField)
	return nil
}

// jaegerTimes converts a start in µs and a duration in µs to start and
// end in ns; ok is false when the end is after the uint64 range. A
// negative duration (check reports end_before_start) ends no earlier than
// time 0.
func jaegerTimes(startUS uint64, durUS int64) (start, end uint64, ok bool) {
	start = startUS * 1000 // timeMicros bounds startUS
	if durUS >= 0 {
		d := uint64(durUS) * 1000 // micros bounds |durUS| to MaxInt64/1000
		if start > math.MaxUint64-d {
			return 0, 0, false
		}
		return start, start + d, true
	}
	d := uint64(-durUS) * 1000
	if d > start {
		return start, 0, true
	}
	return start, start - d, true
}

// micros reads a signed integer number of microseconds (a duration),
// written as a JSON number or string; ok is false for null.
func (d *jsonDecoder) micros(what string) (us int64, ok bool, err error) {
	at := d.off()
	tok, _, err := d.intToken(what)
	if err != nil || tok == nil {
		return 0, false, err
	}
	u, neg, valid := parseInteger(tok)
	switch {
	case !valid:
		return 0, true, d.failAt(at, fmt.Errorf("%s: %q is not an integer number of microseconds", what, tok))
	case u > math.MaxInt64/1000:
		return 0, true, d.failAt(at, fmt.Errorf("%s: %s µs is out of range", what, tok))
	case neg:
		return -int64(u), true, nil
	}
	return int64(u), true, nil
}

// timeMicros reads a point in time in microseconds since the epoch, which
// as nanoseconds must fit a uint64 (OTLP's fixed64), written as a JSON
// number or string; at is where it starts, and ok is false for null.
func (d *jsonDecoder) timeMicros(what string) (us uint64, at int, ok bool, err error) {
	at = d.off()
	tok, _, err := d.intToken(what)
	if err != nil || tok == nil {
		return 0, at, false, err
	}
	u, neg, valid := parseInteger(tok)
	switch {
	case !valid:
		return 0, at, true, d.failAt(at, fmt.Errorf("%s: %q is not an integer number of microseconds", what, tok))
	case neg && u != 0:
		return 0, at, true, d.failAt(at, fmt.Errorf("%s: %s is negative", what, tok))
	case u > math.MaxUint64/1000:
		return 0, at, true, d.failAt(at, fmt.Errorf("%s: %s µs is out of range (after the year 2554)", what, tok))
	}
	return u, at, true, nil
}

// jaegerSpanTags moves the span's tags, pushed on d.attrs since mark, into
// its fields and attributes.
func (d *jsonDecoder) jaegerSpanTags(sp *dag.SpanData, mark int) {
	var scopeName, scopeVersion string
	var haveOtelStatus bool
	errorTag := false
	kept := d.attrs[:mark]
	for _, a := range d.attrs[mark:] {
		switch a.Key {
		case jaegerKindTag:
			if k, ok := dag.ParseKind(a.Value.Str()); ok && a.Value.Type() == dag.ValueString {
				sp.Kind = k
				continue
			}
		case jaegerErrorTag:
			if b, ok := boolTag(a.Value); ok {
				errorTag = b
				continue
			}
		case jaegerStatusCodeTag:
			if code, ok := otelStatusCode(a.Value); ok {
				sp.Status.Code, haveOtelStatus = code, true
				continue
			}
		case jaegerStatusDescTag:
			if a.Value.Type() == dag.ValueString {
				sp.Status.Message = a.Value.Str()
				continue
			}
		case jaegerTraceStateTag:
			if a.Value.Type() == dag.ValueString {
				sp.TraceState = a.Value.Str()
				continue
			}
		case jaegerScopeNameTag, jaegerLibNameTag:
			if a.Value.Type() == dag.ValueString {
				scopeName = a.Value.Str()
				continue
			}
		case jaegerScopeVerTag, jaegerLibVerTag:
			if a.Value.Type() == dag.ValueString {
				scopeVersion = a.Value.Str()
				continue
			}
		}
		kept = append(kept, a)
	}
	d.attrs = kept
	if errorTag && !haveOtelStatus {
		sp.Status.Code = dag.StatusError
	}
	{ // every span has a scope, an empty one at least, as OTLP decoding gives it
		if sc := d.jscope; sc != nil && sc.Name == scopeName && sc.Version == scopeVersion {
			sp.Scope = sc // the common case: the same scope as the span before
		} else {
			sp.Scope = d.jaegerScope(scopeName, scopeVersion)
			d.jscope = sp.Scope
		}
	}
	sp.Attrs = d.takeAttrs(mark)
}

// boolTag reads a bool tag, which Jaeger fixtures also write as the
// strings "true" and "false".
func boolTag(v dag.Value) (bool, bool) {
	switch v.Type() {
	case dag.ValueBool:
		return v.Bool(), true
	case dag.ValueString:
		switch v.Str() {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// jaegerScope returns the one Scope of the given name and version in this
// input, so that spans of one scope share it as OTLP decoding does.
func (d *jsonDecoder) jaegerScope(name, version string) *dag.Scope {
	k := [2]string{name, version}
	if sc, ok := d.jscopes[k]; ok {
		return sc
	}
	if d.jscopes == nil || len(d.jscopes) > 1024 {
		d.jscopes = map[[2]string]*dag.Scope{}
	}
	sc := &dag.Scope{Name: name, Version: version}
	d.jscopes[k] = sc
	return sc
}

// jaegerRefs pushes a span's references onto d.jrefs.
func (d *jsonDecoder) jaegerRefs() error {
	return d.eachObject("references", "reference", func() error {
		var r jaegerRef
		err := d.eachMember(func(key []byte) (err error) {
			switch string(key) {
			case "refType":
				r.refType, err = d.stringValue("refType")
			case "traceID":
				err = d.jaegerID(r.traceID[:], "reference traceID")
			case "spanID":
				err = d.jaegerID(r.spanID[:], "reference spanID")
			default:
				err = d.skipValue()
			}
			return err
		})
		if err != nil {
			return err
		}
		switch r.refType {
		case "CHILD_OF", "child_of":
			r.known = true
		case "FOLLOWS_FROM", "follows_from":
			r.known, r.followsFrom = true, true
		}
		d.jrefs = append(d.jrefs, r)
		return nil
	})
}

// jaegerParent picks the parent among the references pushed since mark
// (the first CHILD_OF, else the first FOLLOWS_FROM: Jaeger UI's rule) and
// makes the others links. A reference into another trace is never the
// parent: it cannot be in this trace's tree (that is how links to other
// traces, which Jaeger stores as FOLLOWS_FROM, come back as links).
func (d *jsonDecoder) jaegerParent(sp *dag.SpanData, mark int, parentField dag.SpanID) {
	refs := d.jrefs[mark:]
	defer func() { d.jrefs = d.jrefs[:mark] }()
	sameTrace := func(r jaegerRef) bool {
		return r.traceID.IsZero() || sp.TraceID.IsZero() || r.traceID == sp.TraceID
	}
	parent := -1
	for i, r := range refs {
		if r.known && !r.followsFrom && sameTrace(r) {
			parent = i
			break
		}
	}
	if parent < 0 {
		for i, r := range refs {
			if r.followsFrom && sameTrace(r) {
				parent = i
				break
			}
		}
	}
	if parent >= 0 {
		sp.ParentSpanID = refs[parent].spanID
		sp.AsyncParent = refs[parent].followsFrom
	} else {
		sp.ParentSpanID = parentField
	}
	if len(refs) <= 1 && parent == 0 {
		return
	}
	mark2 := len(d.links)
	for i, r := range refs {
		if i == parent {
			continue
		}
		l := dag.Link{TraceID: r.traceID, SpanID: r.spanID}
		if l.TraceID.IsZero() {
			l.TraceID = sp.TraceID
		}
		if r.refType != "" {
			am := len(d.attrs)
			typ := r.refType
			switch typ {
			case "CHILD_OF":
				typ = "child_of"
			case "FOLLOWS_FROM":
				typ = "follows_from"
			}
			d.attrs = append(d.attrs, dag.Attr{Key: RefTypeAttr, Value: dag.StringValue(typ)})
			l.Attrs = d.takeAttrs(am)
		}
		d.links = append(d.links, l)
	}
	consumed, ahead := d.ahead()
	sp.Links = d.linkSlab.take(d.links[mark2:], consumed, ahead)
	d.links = d.links[:mark2]
}

// jaegerLogs reads a span's logs as events.
func (d *jsonDecoder) jaegerLogs() ([]dag.Event, error) {
	mark := len(d.events)
	err := d.eachObject("logs", "log", func() error {
		var ev dag.Event
		attrMark := len(d.attrs)
		err := d.eachMember(func(key []byte) (err error) {
			switch string(key) {
			case "timestamp":
				err = d.eventMicros(&ev.Time, "log timestamp")
			case "fields":
				err = d.jaegerTags("log fields")
			default:
				err = d.skipValue()
			}
			return err
		})
		if err != nil {
			return err
		}
		kept := d.attrs[:attrMark]
		for _, a := range d.attrs[attrMark:] {
			if a.Key == jaegerEventNameField && a.Value.Type() == dag.ValueString && ev.Name == "" {
				ev.Name = a.Value.Str()
				continue
			}
			kept = append(kept, a)
		}
		d.attrs = kept
		ev.Attrs = d.takeAttrs(attrMark)
		d.events = append(d.events, ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return takeList(d, &d.eventSlab, &d.events, mark), nil
}

// eventMicros reads a Jaeger log's or Zipkin annotation's timestamp
// (microseconds; null leaves *t alone) into *t, in nanoseconds.
func (d *jsonDecoder) eventMicros(t *uint64, what string) error {
	us, _, ok, err := d.timeMicros(what)
	if ok && err == nil {
		*t = us * 1000
	}
	return err
}

// Jaeger tag types, as the "type" member names them.
const (
	tagUntyped uint8 = iota
	tagString
	tagBool
	tagInt64
	tagFloat64
	tagBinary
)

// jaegerTags pushes a list of tags onto d.attrs. Tags are most of what a
// Jaeger file holds, so this one loop is written out rather than built on
// eachObject and eachMember: their closure calls, three per tag, cost the
// decoder about a tenth of its speed here.
func (d *jsonDecoder) jaegerTags(what string) error {
	if ok, err := d.openArray(what); !ok {
		return err
	}
	for i := 0; ; i++ {
		more, err := d.nextElem(i)
		if err != nil || !more {
			return err
		}
		if ok, err := d.openObject("tag"); !ok {
			if err != nil {
				return err
			}
			continue
		}
		var kv dag.Attr
		typ := tagUntyped
		for j := 0; ; j++ {
			key, done, err := d.nextKey(j)
			if err != nil {
				return err
			}
			if done {
				break
			}
			switch string(key) {
			case "key":
				kv.Key, err = d.stringValue("tag key")
			case "type":
				typ, err = d.jaegerTagType()
			case "value":
				kv.Value, err = d.jaegerTagValue()
			default:
				err = d.skipValue()
			}
			if err != nil {
				return err
			}
		}
		if typ != tagString || kv.Value.Type() != dag.ValueString {
			kv.Value = jaegerTyped(kv.Value, typ)
		}
		d.attrs = append(d.attrs, kv)
	}
}

// jaegerTagType reads a tag's "type"; an unknown one reads as untyped.
func (d *jsonDecoder) jaegerTagType() (uint8, error) {
	c, ok := d.peek()
	switch {
	case !ok:
		return 0, d.eofError()
	case c == 'n':
		return 0, d.literal("null")
	case c != '"':
		return 0, d.typeError("tag type", "a string", c)
	}
	b, err := d.readString(&d.esc)
	if err != nil {
		return 0, err
	}
	switch string(b) {
	case "string":
		return tagString, nil
	case "bool":
		return tagBool, nil
	case "int64":
		return tagInt64, nil
	case "float64":
		return tagFloat64, nil
	case "binary":
		return tagBinary, nil
	}
	return tagUntyped, nil
}

// jaegerTagValue reads a tag's value as its JSON type says.
func (d *jsonDecoder) jaegerTagValue() (v dag.Value, err error) {
	c, ok := d.peek()
	switch {
	case !ok:
		return v, d.eofError()
	case c == '"':
		b, err := d.readString(&d.esc)
		if err != nil {
			return v, err
		}
		s := d.strs.short(b)
		return dag.StringValue(s), nil
	case c == 't' || c == 'f':
		b, err := d.readBool("tag value")
		return dag.BoolValue(b), err
	case c == 'n':
		return v, d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		tok, err := d.readNumber()
		if err != nil {
			return v, err
		}
		if u, neg, ok := parseInteger(tok); ok && isPlainInteger(tok) {
			switch {
			case !neg && u <= math.MaxInt64:
				return dag.IntValue(int64(u)), nil
			case neg && u <= 1<<63:
				return dag.IntValue(int64(-u)), nil
			}
		}
		f, err := strconv.ParseFloat(string(tok), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return v, d.failf("tag value: %q is not a number", tok)
		}
		return dag.DoubleValue(f), nil
	}
	// Not in Jaeger's model: keep the text, never fail the file for it.
	start := d.pos
	if err := d.skipValue(); err != nil {
		return v, err
	}
	return dag.StringValue(string(d.buf[start:d.pos])), nil
}

// isPlainInteger reports whether a number token has no fraction or
// exponent.
func isPlainInteger(tok []byte) bool {
	for _, c := range tok {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// jaegerTyped converts a tag value to the type its "type" member names;
// fixtures write bools and numbers as strings too.
func jaegerTyped(v dag.Value, typ uint8) dag.Value {
	switch typ {
	case tagBool:
		if b, ok := boolTag(v); ok {
			return dag.BoolValue(b)
		}
	case tagInt64:
		switch v.Type() {
		case dag.ValueInt:
			return v
		case dag.ValueDouble:
			if f := v.Double(); f == math.Trunc(f) && math.Abs(f) < 1<<63 {
				return dag.IntValue(int64(f))
			}
		case dag.ValueString:
			if n, err := strconv.ParseInt(v.Str(), 10, 64); err == nil {
				return dag.IntValue(n)
			}
		}
	case tagFloat64:
		switch v.Type() {
		case dag.ValueDouble:
			return v
		case dag.ValueInt:
			return dag.DoubleValue(float64(v.Int()))
		case dag.ValueString:
			if f, err := strconv.ParseFloat(v.Str(), 64); err == nil {
				return dag.DoubleValue(f)
			}
		}
	case tagBinary:
		if v.Type() == dag.ValueString {
			for _, enc := range base64Encodings {
				if b, err := enc.DecodeString(v.Str()); err == nil {
					return dag.BytesValue(string(b))
				}
			}
		}
	default:
		return v
	}
	// A value that does not match its declared type: keep what was
	// written rather than lose the tag.
	return v
}

// jaegerID decodes a Jaeger id: hex of any length up to 2*len(dst), left
// padded with zeros; anything else (fixtures use "span-1") is mapped to a
// stable id derived from the string, counted for one notice.
func (d *jsonDecoder) jaegerID(dst []byte, what string) error {
	c, ok := d.peek()
	switch {
	case !ok:
		return d.eofError()
	case c == 'n':
		return d.literal("null")
	case c != '"':
		return d.typeError(what, "a hex string", c)
	}
	b, err := d.readString(&d.esc)
	if err != nil {
		return err
	}
	if !decodeShortHex(dst, b) {
		derivedID(dst, b)
		d.derivedIDs++
		if d.derivedID == "" {
			s := string(b)
			if len(s) > 40 {
				s = s[:40] + "…"
			}
			d.derivedID = fmt.Sprintf("%s %q is not hex", what, s)
		}
	}
	return nil
}

// decodeShortHex decodes up to 2*len(dst) hex digits right-aligned into
// dst (Jaeger drops leading zeros). "" decodes to zero.
func decodeShortHex(dst, src []byte) bool {
	if len(src) > 2*len(dst) {
		return false
	}
	if len(src) == 2*len(dst) {
		return decodeHex(dst, src)
	}
	clear(dst)
	j := len(dst) - 1
	for i := len(src); i > 0; i -= 2 {
		lo := hexVal[src[i-1]]
		hi := byte(0)
		if i >= 2 {
			hi = hexVal[src[i-2]]
		}
		if hi|lo > 0x0f {
			return false
		}
		dst[j] = hi<<4 | lo
		j--
	}
	return true
}

// derivedID fills dst (a trace or span id) with the id dag derives from
// the text s, the one mechanism for ids that are not hex (DESIGN §2): the
// same string always gives the same id, different strings different ids.
func derivedID(dst, s []byte) { setDerived(dst, s, true) }

// otelStatusCode reads the tag otel.status_code in each spelling real
// writers use: the OTel spec's "OK"/"ERROR" (Jaeger's translator), the
// Collector's Zipkin exporter's "STATUS_CODE_OK"/"STATUS_CODE_ERROR", and
// the older "Ok"/"Error" the Collector's own Zipkin receiver still accepts.
func otelStatusCode(v dag.Value) (dag.StatusCode, bool) {
	if v.Type() != dag.ValueString {
		return dag.StatusUnset, false
	}
	switch strings.ToUpper(strings.TrimPrefix(v.Str(), "STATUS_CODE_")) {
	case "OK":
		return dag.StatusOK, true
	case "ERROR":
		return dag.StatusError, true
	case "UNSET":
		return dag.StatusUnset, true
	}
	return dag.StatusUnset, false
}
