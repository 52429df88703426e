package ingest

// The Zipkin v2 JSON schema walk of the JSON decoder: a span array (what
// /api/v2/trace/{id} answers and the Collector's zipkin exporter posts) or
// an array of such arrays (/api/v2/traces), decoded into dag types on the
// same token layer as OTLP/JSON.
//
//	span = {"traceId", "id", "parentId", "name", "kind": CLIENT|SERVER|PRODUCER|CONSUMER,
//	        "timestamp" µs, "duration" µs, "localEndpoint": {"serviceName", "ipv4", "ipv6", "port"},
//	        "remoteEndpoint": {…}, "annotations": [{"timestamp" µs, "value"}],
//	        "tags": {string: string}, "shared", "debug"}
//
// localEndpoint.serviceName is the service; remoteEndpoint becomes the span
// attributes peer.service, network.peer.address and network.peer.port;
// annotations become events; the tag "error" makes the status an error
// with the tag's value as its message (otel.status_code and
// otel.status_description, as the Collector writes them, win); the tags
// that carry OTLP fields Zipkin lacks (span.kind=internal, w3c.tracestate,
// otel.scope.name/version) are read back into them, and so are the events'
// attributes and the links the Collector's zipkin exporter packs into
// annotation values ("name|{attributes}|0") and otlp.link.N tags.
//
// In Zipkin's one-span-per-RPC mode a client and the server it called
// report the same span id, the server half marked "shared". Zipkin's span
// model normaliser treats the server as the client's child; here it gets
// a derived id, its parent is the client, and the spans of the server's
// service that named the shared id as their parent move under it.

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
)

// zipkinList reads a top-level array; d.pos is at its '['. Its elements
// are spans, or arrays of spans (one per trace).
func (d *jsonDecoder) zipkinList() error {
	d.objects++
	d.derivedIDs, d.derivedID = 0, ""
	d.zmissingTS, d.zmissingDur = 0, 0
	clear(d.zres) // resources are per input object, as OTLP's are
	d.pos++
	mark := len(d.spans)
	// An array of arrays is /api/v2/traces' answer: whole traces. A flat
	// span list may be any spans (a POST /api/v2/spans body).
	arrays, spans := 0, 0
	for i := 0; ; i++ {
		more, err := d.nextElem(i)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		c, ok := d.peek()
		switch {
		case !ok:
			return d.eofError()
		case c == '[':
			arrays++
			if err := d.zipkinTrace(); err != nil {
				return err
			}
		case c == '{':
			spans++
			if err := d.zipkinSpan(); err != nil {
				return err
			}
		case c == 'n':
			if err := d.literal("null"); err != nil {
				return err
			}
		default:
			return d.typeError("array element", "a Zipkin span object or an array of them", c)
		}
	}
	d.zipkinShared(mark)
	d.whole = arrays > 0 && spans == 0
	if d.derivedIDs > 0 {
		d.notice("derived ids", fmt.Sprintf("%s: %s; non-hex ids (%d occurrences) were mapped to stable ids derived from their text", d.whereStr(), d.derivedID, d.derivedIDs))
	}
	if d.zmissingTS > 0 {
		d.notice("zipkin no timestamp", fmt.Sprintf("%s: %d Zipkin span(s) without a timestamp or annotations: left at time 0", d.whereStr(), d.zmissingTS))
	}
	if d.zmissingDur > 0 {
		d.notice("zipkin no duration", fmt.Sprintf("%s: %d Zipkin span(s) without a duration (still running when reported?): read as lasting 0", d.whereStr(), d.zmissingDur))
	}
	return nil
}

// zipkinTrace reads an inner array of spans.
func (d *jsonDecoder) zipkinTrace() error {
	d.pos++
	for i := 0; ; i++ {
		if more, err := d.nextElem(i); !more {
			return err
		}
		c, ok := d.peek()
		switch {
		case !ok:
			return d.eofError()
		case c == 'n':
			if err := d.literal("null"); err != nil {
				return err
			}
			continue
		case c != '{':
			return d.typeError("trace element", "a Zipkin span object", c)
		}
		if err := d.zipkinSpan(); err != nil {
			return err
		}
	}
}

// zipkinSpan reads one span object; d.pos is at its '{'.
func (d *jsonDecoder) zipkinSpan() error {
	start := d.off()
	d.pos++
	d.spans = append(d.spans, dag.SpanData{})
	sp := &d.spans[len(d.spans)-1] // nothing below appends to d.spans
	var (
		tsUS                      uint64
		durUS                     int64
		tsAt                      int
		known                     bool
		hasTimestamp, hasDuration bool
		local                     zipkinEndpoint
		attrMark                  = len(d.attrs)
	)
	err := d.eachMember(func(key []byte) (err error) {
		switch string(key) {
		case "traceId":
			known = true
			err = d.jaegerID(sp.TraceID[:], "traceId")
		case "id":
			known = true
			err = d.jaegerID(sp.SpanID[:], "id")
		case "parentId":
			err = d.jaegerID(sp.ParentSpanID[:], "parentId")
		case "name":
			sp.Name, err = d.stringValue("name")
		case "kind":
			err = d.zipkinKind(sp)
		case "timestamp":
			var us uint64
			var ok bool
			if us, tsAt, ok, err = d.timeMicros("timestamp"); ok {
				tsUS, hasTimestamp = us, true
			}
		case "duration":
			var us int64
			var ok bool
			if us, ok, err = d.micros("duration"); ok {
				durUS, hasDuration = us, true
			}
		case "localEndpoint":
			err = d.zipkinEndpoint(&local)
		case "remoteEndpoint":
			var remote zipkinEndpoint
			if err = d.zipkinEndpoint(&remote); err == nil {
				d.pushRemote(remote)
			}
		case "annotations":
			sp.Events, err = d.zipkinAnnotations()
		case "tags":
			err = d.zipkinTags()
		default:
			err = d.skipValue()
		}
		return err
	})
	if err != nil {
		return err
	}
	if !known {
		return d.failAt(start, fmt.Errorf("not a Zipkin span: no traceId or id (want a Zipkin v2 span array)"))
	}
	sp.Resource = d.zipkinResource(local.service)
	if !hasTimestamp {
		// Zipkin's rule: a span without a timestamp starts at its first
		// annotation, when it has one.
		if len(sp.Events) > 0 {
			first := sp.Events[0].Time
			for _, e := range sp.Events {
				first = min(first, e.Time)
			}
			tsUS, hasTimestamp = first/1000, true
		} else {
			d.zmissingTS++
		}
	}
	if !hasDuration {
		d.zmissingDur++
	}
	s, e, ok := jaegerTimes(tsUS, durUS)
	if !ok {
		return d.failAt(tsAt, fmt.Errorf("timestamp %d µs + duration %d µs is out of range (after the year 2554)", tsUS, durUS))
	}
	sp.Start, sp.End = s, e
	d.zipkinSpanTags(sp, attrMark)
	return nil
}

func (d *jsonDecoder) zipkinKind(sp *dag.SpanData) error {
	c, ok := d.peek()
	switch {
	case !ok:
		return d.eofError()
	case c == 'n':
		return d.literal("null")
	case c != '"':
		return d.typeError("kind", "a string", c)
	}
	b, err := d.readString(&d.esc)
	if err != nil {
		return err
	}
	switch string(b) {
	case "CLIENT":
		sp.Kind = dag.KindClient
	case "SERVER":
		sp.Kind = dag.KindServer
	case "PRODUCER":
		sp.Kind = dag.KindProducer
	case "CONSUMER":
		sp.Kind = dag.KindConsumer
	}
	return nil
}

// zipkinEndpoint is an endpoint's members.
type zipkinEndpoint struct {
	service, ipv4, ipv6 string
	port                int64
}

func (d *jsonDecoder) zipkinEndpoint(ep *zipkinEndpoint) error {
	if ok, err := d.openObject("endpoint"); !ok {
		return err
	}
	return d.eachMember(func(key []byte) (err error) {
		switch string(key) {
		case "serviceName":
			ep.service, err = d.stringValue("serviceName")
		case "ipv4":
			ep.ipv4, err = d.stringValue("ipv4")
		case "ipv6":
			ep.ipv6, err = d.stringValue("ipv6")
		case "port":
			ep.port, err = d.int64Value("port")
		default:
			err = d.skipValue()
		}
		return err
	})
}

// pushRemote pushes a remote endpoint's attributes onto d.attrs.
func (d *jsonDecoder) pushRemote(ep zipkinEndpoint) {
	if ep.service != "" {
		d.attrs = append(d.attrs, dag.Attr{Key: "peer.service", Value: dag.StringValue(ep.service)})
	}
	if ip := cmpOr(ep.ipv4, ep.ipv6); ip != "" {
		d.attrs = append(d.attrs, dag.Attr{Key: "network.peer.address", Value: dag.StringValue(ip)})
	}
	if ep.port != 0 {
		d.attrs = append(d.attrs, dag.Attr{Key: "network.peer.port", Value: dag.IntValue(ep.port)})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// zipkinResource returns the one resource of a service in this input.
func (d *jsonDecoder) zipkinResource(service string) *dag.Resource {
	if r, ok := d.zres[service]; ok {
		return r
	}
	if d.zres == nil || len(d.zres) > 1024 {
		d.zres = map[string]*dag.Resource{}
	}
	r := &dag.Resource{Service: service}
	if service != "" {
		r.Attrs = []dag.Attr{{Key: "service.name", Value: dag.StringValue(service)}}
	}
	d.zres[service] = r
	return r
}

// zipkinAnnotations reads annotations as events.
func (d *jsonDecoder) zipkinAnnotations() ([]dag.Event, error) {
	mark := len(d.events)
	err := d.eachObject("annotations", "annotation", func() error {
		var ev dag.Event
		err := d.eachMember(func(key []byte) (err error) {
			switch string(key) {
			case "timestamp":
				err = d.eventMicros(&ev.Time, "annotation timestamp")
			case "value":
				ev.Name, err = d.stringValue("annotation value")
			default:
				err = d.skipValue()
			}
			return err
		})
		if err != nil {
			return err
		}
		if head, attrs, ok := collectorZipkinValue(ev.Name, 1); ok {
			ev.Name, ev.Attrs = head[0], attrs
		}
		d.events = append(d.events, ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return takeList(d, &d.eventSlab, &d.events, mark), nil
}

// zipkinTags pushes the string tags onto d.attrs.
func (d *jsonDecoder) zipkinTags() error {
	if ok, err := d.openObject("tags"); !ok {
		return err
	}
	return d.eachMember(func(key []byte) error {
		k := d.strs.short(key)
		v, err := d.zipkinTagValue()
		if err != nil {
			return err
		}
		d.attrs = append(d.attrs, dag.Attr{Key: k, Value: v})
		return nil
	})
}

// zipkinTagValue reads a tag value: a string in Zipkin's model; numbers
// and booleans that lenient writers put there are kept with their type.
func (d *jsonDecoder) zipkinTagValue() (dag.Value, error) {
	c, ok := d.peek()
	if ok && c == '"' {
		s, err := d.stringValue("tag value")
		return dag.StringValue(s), err
	}
	return d.jaegerTagValue()
}

// zipkinSpanTags moves the tags that stand for OTLP fields into them.
func (d *jsonDecoder) zipkinSpanTags(sp *dag.SpanData, mark int) {
	var scopeName, scopeVersion string
	var haveOtelStatus, haveError bool
	var errorMsg string
	var links []indexedLink
	kept := d.attrs[:mark]
	for _, a := range d.attrs[mark:] {
		str := a.Value.Type() == dag.ValueString
		switch {
		case a.Key == jaegerErrorTag:
			haveError = true
			if str && a.Value.Str() != "true" {
				errorMsg = a.Value.Str()
			}
			continue
		case a.Key == jaegerStatusCodeTag:
			if code, ok := otelStatusCode(a.Value); ok {
				sp.Status.Code, haveOtelStatus = code, true
				continue
			}
		case strings.HasPrefix(a.Key, zipkinLinkTag) && str:
			if l, ok := collectorZipkinLink(a.Key, a.Value.Str()); ok {
				links = append(links, l)
				continue
			}
		case a.Key == jaegerStatusDescTag && str:
			sp.Status.Message = a.Value.Str()
			continue
		case a.Key == jaegerKindTag && str && a.Value.Str() == "internal" && sp.Kind == dag.KindUnspecified:
			sp.Kind = dag.KindInternal
			continue
		case a.Key == jaegerTraceStateTag && str:
			sp.TraceState = a.Value.Str()
			continue
		case (a.Key == jaegerScopeNameTag || a.Key == jaegerLibNameTag) && str:
			scopeName = a.Value.Str()
			continue
		case (a.Key == jaegerScopeVerTag || a.Key == jaegerLibVerTag) && str:
			scopeVersion = a.Value.Str()
			continue
		}
		kept = append(kept, a)
	}
	d.attrs = kept
	if len(links) > 0 {
		// Tags come in any order (zipkin-go sorts them: otlp.link.10 before
		// otlp.link.2); the number is the link's place.
		slices.SortFunc(links, func(a, b indexedLink) int { return a.i - b.i })
		sp.Links = make([]dag.Link, len(links))
		for i, l := range links {
			sp.Links[i] = l.Link
		}
	}
	if haveError && !haveOtelStatus {
		sp.Status.Code = dag.StatusError
		if sp.Status.Message == "" {
			sp.Status.Message = errorMsg
		}
	}
	{ // every span has a scope, an empty one at least, as OTLP decoding gives it
		if sc := d.jscope; sc != nil && sc.Name == scopeName && sc.Version == scopeVersion {
			sp.Scope = sc
		} else {
			sp.Scope = d.jaegerScope(scopeName, scopeVersion)
			d.jscope = sp.Scope
		}
	}
	sp.Attrs = d.takeAttrs(mark)
}

// zipkinShared applies the shared-span rule to the spans read since mark.
// A SERVER span with the id of a span of another kind in the same trace is
// shared whether or not its "shared" flag says so: a client and a server
// with one id are the two halves of one RPC.
func (d *jsonDecoder) zipkinShared(mark int) {
	spans := d.spans[mark:]
	type key struct {
		trace dag.TraceID
		span  dag.SpanID
	}
	var clients map[key]bool
	for i := range spans {
		if spans[i].Kind != dag.KindServer {
			if clients == nil {
				clients = map[key]bool{}
			}
			clients[key{spans[i].TraceID, spans[i].SpanID}] = true
		}
	}
	if clients == nil {
		return
	}
	// moved maps (trace, shared id, service) to the server's new id.
	type svcKey struct {
		key
		res *dag.Resource
	}
	var moved map[svcKey]dag.SpanID
	for i := range spans {
		sp := &spans[i]
		k := key{sp.TraceID, sp.SpanID}
		if sp.Kind != dag.KindServer || !clients[k] || sp.SpanID.IsZero() {
			continue
		}
		var in [len(dag.SpanID{}) + 7]byte
		copy(in[:], "shared:")
		copy(in[7:], sp.SpanID[:])
		var id dag.SpanID
		derivedID(id[:], in[:])
		if moved == nil {
			moved = map[svcKey]dag.SpanID{}
		}
		moved[svcKey{k, sp.Resource}] = id
		sp.ParentSpanID, sp.SpanID = sp.SpanID, id
		sp.AsyncParent = false
	}
	if moved == nil {
		return
	}
	for i := range spans {
		sp := &spans[i]
		if id, ok := moved[svcKey{key{sp.TraceID, sp.ParentSpanID}, sp.Resource}]; ok && sp.SpanID != id {
			sp.ParentSpanID = id
		}
	}
}

// zipkinLinkTag prefixes the tags otlp.link.0, otlp.link.1, … in which the
// Collector's zipkin exporter keeps a span's links.
const zipkinLinkTag = "otlp.link."

type indexedLink struct {
	i int
	dag.Link
}

// collectorZipkinLink reads the tag otlp.link.N as the Collector writes it:
// "traceid|spanid|tracestate|{attributes}|dropped". ok is false for
// anything else, which stays an attribute.
func collectorZipkinLink(key, v string) (indexedLink, bool) {
	i, err := strconv.Atoi(key[len(zipkinLinkTag):])
	if err != nil || i < 0 {
		return indexedLink{}, false
	}
	head, attrs, ok := collectorZipkinValue(v, 3)
	if !ok || len(head[0]) != 32 || len(head[1]) != 16 {
		return indexedLink{}, false
	}
	l := indexedLink{i: i, Link: dag.Link{TraceState: head[2], Attrs: attrs}}
	if !decodeHex(l.TraceID[:], []byte(head[0])) || !decodeHex(l.SpanID[:], []byte(head[1])) {
		return indexedLink{}, false
	}
	return l, true
}

// collectorZipkinValue splits a value in which the Collector's zipkin
// exporter (pkg/translator/zipkin) packs OTLP fields Zipkin lacks:
// n "|"-separated head fields, the attributes as a JSON object (which may
// itself hold "|"), and the dropped-attributes count. Event annotations are
// "name|{…}|0" (n = 1), link tags "traceid|spanid|tracestate|{…}|0" (n =
// 3). ok is false for any other value, which is then read as it stands.
// Attribute values are typed as the Collector's receiver types them:
// strings, booleans, integers when whole, doubles; others are dropped.
func collectorZipkinValue(v string, n int) (head []string, attrs []dag.Attr, ok bool) {
	parts := strings.Split(v, "|")
	if len(parts) < n+2 {
		return nil, nil, false
	}
	if _, err := strconv.ParseUint(parts[len(parts)-1], 10, 32); err != nil {
		return nil, nil, false
	}
	js := strings.Join(parts[n:len(parts)-1], "|")
	if !strings.HasPrefix(js, "{") {
		return nil, nil, false
	}
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, nil, false
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var val dag.Value
		switch x := m[k].(type) {
		case string:
			val = dag.StringValue(x)
		case bool:
			val = dag.BoolValue(x)
		case json.Number:
			if i, err := x.Int64(); err == nil {
				val = dag.IntValue(i)
			} else if f, err := x.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
				val = dag.IntValue(int64(f))
			} else if err == nil {
				val = dag.DoubleValue(f)
			} else {
				continue
			}
		default:
			continue
		}
		attrs = append(attrs, dag.Attr{Key: k, Value: val})
	}
	return parts[:n], attrs, true
}
