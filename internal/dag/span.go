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

// Span is tracectl's compact span. Times are unix nanoseconds. Strings may
// share memory with the decoded input; spans are read-only once decoded.
//
// The fields that building a tree and grouping spans read (ids, times,
// resource, name) come first and together, so those passes touch one or two
// cache lines of a span, not four.
type Span struct {
	SpanID       SpanID
	ParentSpanID SpanID
	Start        uint64
	End          uint64
	Resource     *Resource
	Name         string
	Kind         Kind
	// AsyncParent is set when the source marks the edge to the parent as
	// one the parent did not wait on (Jaeger's FOLLOWS_FROM); see
	// AsyncEdge.
	AsyncParent bool
	Flags       uint32
	TraceID     TraceID
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

// TraceIDText returns the trace id as output shows it: lowercase hex, or
// the input's raw text (escaped) when the id is invalid and not empty.
func (s *Span) TraceIDText() string {
	if s.Raw != nil && s.Raw.TraceID != "" {
		return displayID(s.Raw.TraceID)
	}
	return s.TraceID.String()
}

// SpanIDText is TraceIDText for the span id.
func (s *Span) SpanIDText() string {
	if s.Raw != nil && s.Raw.SpanID != "" {
		return displayID(s.Raw.SpanID)
	}
	return s.SpanID.String()
}

// ParentIDText is TraceIDText for the parent span id ("" for a root).
func (s *Span) ParentIDText() string {
	if s.Raw != nil && s.Raw.ParentSpanID != "" {
		return displayID(s.Raw.ParentSpanID)
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
	if s.Resource == nil || s.Resource.Service == "" {
		return UnknownService
	}
	return s.Resource.Service
}

// Duration returns End-Start in nanoseconds (negative when the span ends
// before it starts; check reports that as end_before_start), saturated to
// the int64 range.
func (s *Span) Duration() int64 { return Sub(s.End, s.Start) }

// Attr returns the span attribute with the given key.
func (s *Span) Attr(key string) (Value, bool) { return Lookup(s.Attrs, key) }

// ResourceAttr returns the resource attribute with the given key.
func (s *Span) ResourceAttr(key string) (Value, bool) {
	if s.Resource == nil {
		return Value{}, false
	}
	return Lookup(s.Resource.Attrs, key)
}

// SameContent reports whether two spans are the same record (a retried
// export), as opposed to two different spans sharing an id.
func (s *Span) SameContent(o *Span) bool {
	if s.TraceID != o.TraceID || s.SpanID != o.SpanID || s.ParentSpanID != o.ParentSpanID ||
		s.Kind != o.Kind || s.AsyncParent != o.AsyncParent || s.Start != o.Start || s.End != o.End || s.Name != o.Name ||
		s.Status != o.Status || s.Service() != o.Service() || len(s.Events) != len(o.Events) ||
		len(s.Links) != len(o.Links) || (s.Raw == nil) != (o.Raw == nil) || s.Raw != nil && *s.Raw != *o.Raw {
		return false
	}
	return attrsEqual(s.Attrs, o.Attrs)
}
