package dag

import "strconv"

// Kind is a span's kind, numbered as in OTLP.
type Kind uint8

// Span kinds, with OTLP's numbers.
const (
	KindUnspecified Kind = iota
	KindInternal
	KindServer
	KindClient
	KindProducer
	KindConsumer
)

var kindNames = [...]string{"unspecified", "internal", "server", "client", "producer", "consumer"}

// String returns the lowercase kind name used in output and queries.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind accepts the lowercase names of String.
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), true
		}
	}
	return 0, false
}

// StatusCode is a span's status code, numbered as in OTLP.
type StatusCode uint8

// Status codes, with OTLP's numbers.
const (
	StatusUnset StatusCode = iota
	StatusOK
	StatusError
)

var statusNames = [...]string{"unset", "ok", "error"}

// String returns "unset", "ok" or "error".
func (c StatusCode) String() string {
	if int(c) < len(statusNames) {
		return statusNames[c]
	}
	return "status(" + strconv.Itoa(int(c)) + ")"
}

// ParseStatusCode accepts the lowercase names of String.
func ParseStatusCode(s string) (StatusCode, bool) {
	for i, n := range statusNames {
		if n == s {
			return StatusCode(i), true
		}
	}
	return 0, false
}

// Status is a span's status.
type Status struct {
	Message string
	Code    StatusCode
}

// Resource is the entity that produced spans. One Resource is shared by
// every span decoded from the same ResourceSpans.
type Resource struct {
	Attrs     []Attr
	SchemaURL string
	// Service is the service.name attribute ("" when absent), kept
	// separately because every analysis groups by it.
	Service string
}

// Scope is the instrumentation scope. One Scope is shared by every span of
// the same ScopeSpans.
type Scope struct {
	Name    string
	Version string
	Attrs   []Attr
}

// Event is a timed annotation on a span.
type Event struct {
	Name  string
	Time  uint64 // unix nanoseconds
	Attrs []Attr
}

// Link points from a span to another span, possibly in another trace.
type Link struct {
	TraceID    TraceID
	SpanID     SpanID
	TraceState string
	Attrs      []Attr
	Flags      uint32
}

// SpanData is a span in the long form, every field spelled out: what
// decoders build and tests write, and what Span.Data returns for code
// that changes spans. Pack stores SpanData as Spans.
type SpanData struct {
	TraceID      TraceID
	SpanID       SpanID
	ParentSpanID SpanID
	Start        uint64 // unix nanoseconds
	End          uint64
	Resource     *Resource
	Name         string
	Kind         Kind
	// AsyncParent is set when the source marks the edge to the parent as
	// one the parent did not wait on (Jaeger's FOLLOWS_FROM); see
	// AsyncEdge.
	AsyncParent bool
	Flags       uint32
	TraceState  string
	Status      Status
	Scope       *Scope
	Attrs       []Attr
	Events      []Event
	Links       []Link
	// Raw is what the input said for the span's invalid ids; nil when
	// every id is valid (see RawIDs).
	Raw *RawIDs
}

// Span is tracectl's compact, read-only span (see store.go for the
// layout). The ids, times, kind, flags and the asynchronous-parent mark
// are fields; everything else is read through methods (Name, Resource,
// Attrs, Status, ...), whose strings point into the span's block.
//
// The fields that building a tree and grouping spans read come first.
type Span struct {
	TraceID      TraceID
	SpanID       SpanID
	ParentSpanID SpanID
	Start        uint64 // unix nanoseconds
	End          uint64
	blk          *block
	name         uint32 // index into blk.names
	attrs        uint32 // blk.lists[attrs:attrs+nAttrs]
	rare         uint32 // 1 + index into blk.rare; 0 when the span has no rare fields
	Flags        uint32
	nAttrs       uint16 // manyAttrs: see rareFields.nAttrs
	scope        uint16 // index into blk.scopes
	Kind         Kind
	code         StatusCode
	// AsyncParent is set when the source marks the edge to the parent as
	// one the parent did not wait on (Jaeger's FOLLOWS_FROM); see
	// AsyncEdge.
	AsyncParent bool
}

// TraceIDText returns the trace id as output shows it: lowercase hex, or
// the input's raw text (escaped) when the id is invalid and not empty.
func (s *Span) TraceIDText() string {
	if r := s.rawIDs(); r != nil && r.ids[0].n > 0 {
		return displayID(s.blk.str(r.ids[0]))
	}
	return s.TraceID.String()
}

// SpanIDText is TraceIDText for the span id.
func (s *Span) SpanIDText() string {
	if r := s.rawIDs(); r != nil && r.ids[1].n > 0 {
		return displayID(s.blk.str(r.ids[1]))
	}
	return s.SpanID.String()
}

// ParentIDText is TraceIDText for the parent span id ("" for a root).
func (s *Span) ParentIDText() string {
	if r := s.rawIDs(); r != nil && r.ids[2].n > 0 {
		return displayID(s.blk.str(r.ids[2]))
	}
	if s.ParentSpanID.IsZero() {
		return ""
	}
	return s.ParentSpanID.String()
}

// UnknownService is what Service returns for a span whose resource has no
// service.name, following the SDKs' default.
const UnknownService = "unknown_service"

// Service returns the resource's service.name, or UnknownService.
func (s *Span) Service() string {
	if r := s.Resource(); r != nil && r.Service != "" {
		return r.Service
	}
	return UnknownService
}

// TraceIDText is Span.TraceIDText.
func (d *SpanData) TraceIDText() string {
	if d.Raw != nil && d.Raw.TraceID != "" {
		return displayID(d.Raw.TraceID)
	}
	return d.TraceID.String()
}

// SpanIDText is Span.SpanIDText.
func (d *SpanData) SpanIDText() string {
	if d.Raw != nil && d.Raw.SpanID != "" {
		return displayID(d.Raw.SpanID)
	}
	return d.SpanID.String()
}

// ParentIDText is Span.ParentIDText.
func (d *SpanData) ParentIDText() string {
	if d.Raw != nil && d.Raw.ParentSpanID != "" {
		return displayID(d.Raw.ParentSpanID)
	}
	if d.ParentSpanID.IsZero() {
		return ""
	}
	return d.ParentSpanID.String()
}

// Duration is Span.Duration.
func (d *SpanData) Duration() int64 { return Sub(d.End, d.Start) }

// Service returns the resource's service.name, or UnknownService.
func (d *SpanData) Service() string {
	if d.Resource != nil && d.Resource.Service != "" {
		return d.Resource.Service
	}
	return UnknownService
}

// Duration returns End-Start in nanoseconds (negative when the span ends
// before it starts; check reports that as end_before_start), saturated to
// the int64 range.
func (s *Span) Duration() int64 { return Sub(s.End, s.Start) }

// ResourceAttr returns the resource attribute with the given key.
func (s *Span) ResourceAttr(key string) (Value, bool) {
	if r := s.Resource(); r != nil {
		return Lookup(r.Attrs, key)
	}
	return Value{}, false
}

// SameContent reports whether two spans are the same record (a retried
// export), as opposed to two different spans sharing an id.
func (s *Span) SameContent(o *Span) bool {
	if s.TraceID != o.TraceID || s.SpanID != o.SpanID || s.ParentSpanID != o.ParentSpanID ||
		s.Kind != o.Kind || s.AsyncParent != o.AsyncParent || s.Start != o.Start || s.End != o.End ||
		s.code != o.code || s.NumAttrs() != o.NumAttrs() || s.Name() != o.Name() || s.Service() != o.Service() ||
		s.NumEvents() != o.NumEvents() || s.NumLinks() != o.NumLinks() || s.Status() != o.Status() {
		return false
	}
	if r, q := s.Raw(), o.Raw(); (r == nil) != (q == nil) || r != nil && *r != *q {
		return false
	}
	for i := range s.NumAttrs() {
		a, b := s.AttrAt(i), o.AttrAt(i)
		if a.Key != b.Key || !a.Value.Equal(b.Value) {
			return false
		}
	}
	return true
}
