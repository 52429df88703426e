package emit

import (
	"context"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/tracectl/tracectl/internal/pii"
)

// detector is package pii's: emit masks exactly what check --pii reports.
// It is stateless and safe for the export goroutines to share.
var detector = pii.NewDetector()

// redactAttrs returns kvs with sensitive values replaced, and whether any
// was; kvs itself is never modified (the SDK may share it).
func redactAttrs(kvs []attribute.KeyValue) ([]attribute.KeyValue, int) {
	var out []attribute.KeyValue
	n := 0
	for i, kv := range kvs {
		nv, changed := redactValue(kv)
		if !changed {
			if out != nil {
				out = append(out, kv)
			}
			continue
		}
		n++
		if out == nil {
			out = make([]attribute.KeyValue, i, len(kvs))
			copy(out, kvs[:i])
		}
		out = append(out, nv)
	}
	if out == nil {
		return kvs, 0
	}
	return out, n
}

// redactValue masks what pii reports in one attribute: string values
// whose key names a secret, secrets inside strings, and integers that are
// card numbers (which become the string mask).
func redactValue(kv attribute.KeyValue) (attribute.KeyValue, bool) {
	key := string(kv.Key)
	switch kv.Value.Type() {
	case attribute.STRING:
		if s, ok := detector.RedactValue(key, kv.Value.AsString()); ok {
			return kv.Key.String(s), true
		}
	case attribute.INT64:
		if s, ok := detector.RedactInt(kv.Value.AsInt64()); ok {
			return kv.Key.String(s), true
		}
	case attribute.INT64SLICE:
		vals := kv.Value.AsInt64Slice()
		for _, v := range vals {
			if _, ok := detector.RedactInt(v); ok {
				red := make([]string, len(vals))
				for i, v := range vals {
					red[i], _ = detector.RedactInt(v)
				}
				return kv.Key.StringSlice(red), true
			}
		}
	case attribute.STRINGSLICE:
		vals := kv.Value.AsStringSlice()
		var red []string
		for i, v := range vals {
			if s, ok := detector.RedactValue(key, v); ok {
				if red == nil {
					red = append([]string(nil), vals...)
				}
				red[i] = s
			}
		}
		if red != nil {
			return kv.Key.StringSlice(red), true
		}
	case attribute.MAP:
		red, n := redactAttrs(kv.Value.AsMap())
		if n > 0 {
			return attribute.KeyValue{Key: kv.Key, Value: attribute.MapValue(red...)}, true
		}
	}
	return kv, false
}

// RedactingExporter wraps an exporter and masks, in every span before it
// is exported, what package pii finds (what check --pii would report):
// values whose key names a secret, and credentials, keys, tokens and
// personal data inside span, event, link and resource attributes, span
// and event names and status messages. Each secret becomes pii.Mask(kind),
// e.g. "[REDACTED:card_number]".
//
// It is an exporter wrapper rather than a SpanProcessor because OnEnd
// receives read-only spans: a processor cannot change what the batch
// processor later hands to the exporter. Wrapping the exporter sees exactly
// what leaves the process, and runs off the request path, on the batch
// processor's export goroutine.
type RedactingExporter struct {
	next      sdktrace.SpanExporter
	resources sync.Map // *resource.Resource → *resource.Resource (redacted)
	redacted  atomic.Int64
}

// NewRedactingExporter returns next behind a redaction stage.
func NewRedactingExporter(next sdktrace.SpanExporter) *RedactingExporter {
	return &RedactingExporter{next: next}
}

// Redactions is how many values were rewritten so far.
func (e *RedactingExporter) Redactions() int64 { return e.redacted.Load() }

// ExportSpans implements sdktrace.SpanExporter.
func (e *RedactingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	out := spans
	for i, s := range spans {
		r, n := e.redactSpan(s)
		if r == s {
			continue
		}
		if &out[0] == &spans[0] {
			out = append([]sdktrace.ReadOnlySpan(nil), spans...)
		}
		out[i] = r
		e.redacted.Add(int64(n))
	}
	return e.next.ExportSpans(ctx, out)
}

// Shutdown implements sdktrace.SpanExporter.
func (e *RedactingExporter) Shutdown(ctx context.Context) error { return e.next.Shutdown(ctx) }

// redactedSpan overrides the parts of a ReadOnlySpan that held secrets.
// Embedding the original keeps the SDK's unexported interface method.
type redactedSpan struct {
	sdktrace.ReadOnlySpan
	name   string
	attrs  []attribute.KeyValue
	events []sdktrace.Event
	links  []sdktrace.Link
	status sdktrace.Status
	res    *resource.Resource
}

func (s *redactedSpan) Name() string                     { return s.name }
func (s *redactedSpan) Attributes() []attribute.KeyValue { return s.attrs }
func (s *redactedSpan) Events() []sdktrace.Event         { return s.events }
func (s *redactedSpan) Links() []sdktrace.Link           { return s.links }
func (s *redactedSpan) Status() sdktrace.Status          { return s.status }
func (s *redactedSpan) Resource() *resource.Resource     { return s.res }

func (e *RedactingExporter) redactSpan(s sdktrace.ReadOnlySpan) (sdktrace.ReadOnlySpan, int) {
	total := 0
	name, changed := detector.Redact(s.Name())
	if changed {
		total++
	}
	attrs, n := redactAttrs(s.Attributes())
	total += n

	events := s.Events()
	var evCopied bool
	for i, ev := range events {
		evAttrs, n := redactAttrs(ev.Attributes)
		evName, nameChanged := detector.Redact(ev.Name)
		if n == 0 && !nameChanged {
			continue
		}
		if !evCopied {
			events = append([]sdktrace.Event(nil), events...)
			evCopied = true
		}
		events[i].Attributes, events[i].Name = evAttrs, evName
		total += n
		if nameChanged {
			total++
		}
	}

	links := s.Links()
	var lnCopied bool
	for i, l := range links {
		lAttrs, n := redactAttrs(l.Attributes)
		if n == 0 {
			continue
		}
		if !lnCopied {
			links = append([]sdktrace.Link(nil), links...)
			lnCopied = true
		}
		links[i].Attributes = lAttrs
		total += n
	}

	status := s.Status()
	if d, ok := detector.Redact(status.Description); ok {
		status.Description = d
		total++
	}

	// A redacted resource is counted once, when first seen, not per span.
	res := e.redactResource(s.Resource())
	if total == 0 && res == s.Resource() {
		return s, 0
	}
	return &redactedSpan{
		ReadOnlySpan: s, name: name, attrs: attrs, events: events,
		links: links, status: status, res: res,
	}, total
}

// redactResource is cached per resource: a service has one for its life.
func (e *RedactingExporter) redactResource(r *resource.Resource) *resource.Resource {
	if r == nil {
		return nil
	}
	if v, ok := e.resources.Load(r); ok {
		return v.(*resource.Resource)
	}
	red := r
	if attrs, n := redactAttrs(r.Attributes()); n > 0 {
		red = resource.NewWithAttributes(r.SchemaURL(), attrs...)
		e.redacted.Add(int64(n))
	}
	e.resources.Store(r, red)
	return red
}
