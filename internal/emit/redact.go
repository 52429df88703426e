package emit

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Redacted replaces the whole value of an attribute whose key is sensitive.
const Redacted = "[REDACTED]"

// sensitiveKeyWords are matched against the words of an attribute key
// (split at '.', '_', '-', lowercased), so "http.request.header.authorization"
// and "app.api_key" match while "gen_ai.usage.input_tokens" does not.
var sensitiveKeyWords = map[string]bool{
	"authorization": true, "cookie": true,
	"password": true, "passwd": true, "pwd": true, "passphrase": true,
	"token": true, "secret": true, "apikey": true, "credential": true, "credentials": true,
	"sessionid": true, "jwt": true,
}

// sensitiveKeyPairs are two adjacent key words that together are sensitive.
var sensitiveKeyPairs = map[[2]string]bool{
	{"api", "key"}: true, {"private", "key"}: true, {"access", "key"}: true,
	{"client", "secret"}: true, {"session", "id"}: true,
}

// A valuePattern finds one kind of secret inside any string value.
type valuePattern struct {
	kind string
	re   *regexp.Regexp
	// maybe is a cheap test on the string's features that must pass before
	// the regexp runs: most values hold none of these secrets, and regexps
	// are not cheap.
	maybe func(f features) bool
	// valid confirms a match (e.g. the Luhn check for card numbers).
	valid func(match string) bool
	// keep is the number of leading submatches kept verbatim (a query
	// parameter's name), or 0 to replace the whole match.
	keep int
}

var valuePatterns = []valuePattern{
	{
		kind:  "bearer",
		re:    regexp.MustCompile(`(?i)\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}`),
		maybe: func(f features) bool { return f.authScheme },
	},
	{
		kind:  "jwt",
		re:    regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+`),
		maybe: func(f features) bool { return f.jwt },
	},
	{
		kind:  "query",
		re:    regexp.MustCompile(`(?i)((?:^|[?&;])(?:access_token|api_token|id_token|refresh_token|token|api_key|apikey|key|password|passwd|secret|client_secret|sig|signature|x-amz-signature)=)[^&#;\s"]+`),
		maybe: func(f features) bool { return f.equals },
		keep:  1,
	},
	{
		kind:  "email",
		re:    regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`),
		maybe: func(f features) bool { return f.at },
	},
	{
		kind:  "card",
		re:    regexp.MustCompile(`\b\d(?:[ -]?\d){12,18}\b`),
		maybe: func(f features) bool { return f.digits >= 13 },
		valid: luhn,
	},
}

// features are what one pass over a string finds out, enough to skip the
// regexps that cannot match.
type features struct {
	at, equals, jwt, authScheme bool
	digits                      int
}

func scanFeatures(s string) features {
	var f features
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			f.digits++
		case c == '@':
			f.at = true
		case c == '=':
			f.equals = true
		case c == 'e':
			if i+2 < len(s) && s[i+1] == 'y' && s[i+2] == 'J' {
				f.jwt = true
			}
		case c == 'b' || c == 'B':
			rest := s[i+1:]
			if (len(rest) >= 5 && strings.EqualFold(rest[:5], "earer")) || (len(rest) >= 4 && strings.EqualFold(rest[:4], "asic")) {
				f.authScheme = true
			}
		}
	}
	return f
}

// luhn reports whether the digits of s pass the Luhn checksum that every
// payment card number carries; it keeps order ids and timestamps that merely
// look long from being redacted.
func luhn(s string) bool {
	sum, n, double := 0, 0, false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
		n++
	}
	return n >= 13 && n <= 19 && sum%10 == 0
}

// keyVerdicts caches SensitiveKey: a service uses a small, fixed set of
// attribute keys, and the export path asks about each of them for every
// span. The cache stops growing at maxCachedKeys (keys made from data).
var (
	keyVerdicts   sync.Map // string → bool
	keyCacheSize  atomic.Int64
	maxCachedKeys = int64(4096)
)

// SensitiveKey reports whether an attribute key names a secret by itself
// (authorization, cookie, password, token, secret, api key, …).
func SensitiveKey(key string) bool {
	if v, ok := keyVerdicts.Load(key); ok {
		return v.(bool)
	}
	verdict := sensitiveKey(key)
	if keyCacheSize.Load() < maxCachedKeys {
		if _, loaded := keyVerdicts.LoadOrStore(key, verdict); !loaded {
			keyCacheSize.Add(1)
		}
	}
	return verdict
}

func sensitiveKey(key string) bool {
	words := strings.FieldsFunc(strings.ToLower(key), func(r rune) bool {
		return r == '.' || r == '_' || r == '-' || r == '/' || r == ' '
	})
	for i, w := range words {
		if sensitiveKeyWords[w] {
			return true
		}
		if i > 0 && sensitiveKeyPairs[[2]string{words[i-1], w}] {
			return true
		}
	}
	return false
}

// RedactString replaces every secret found by value pattern in s with
// "[REDACTED:kind]" and reports whether it changed anything.
func RedactString(s string) (string, bool) {
	changed := false
	f := scanFeatures(s)
	for i := range valuePatterns {
		p := &valuePatterns[i]
		if !p.maybe(f) {
			continue
		}
		out := p.re.ReplaceAllStringFunc(s, func(m string) string {
			if p.valid != nil && !p.valid(m) {
				return m
			}
			changed = true
			if p.keep > 0 {
				sub := p.re.FindStringSubmatch(m)
				return sub[p.keep] + "[REDACTED:" + p.kind + "]"
			}
			return "[REDACTED:" + p.kind + "]"
		})
		s = out
	}
	return s, changed
}

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

func redactValue(kv attribute.KeyValue) (attribute.KeyValue, bool) {
	if SensitiveKey(string(kv.Key)) {
		switch kv.Value.Type() {
		case attribute.STRINGSLICE:
			vals := kv.Value.AsStringSlice()
			red := make([]string, len(vals))
			for i := range red {
				red[i] = Redacted
			}
			return kv.Key.StringSlice(red), true
		case attribute.EMPTY, attribute.BOOL:
			return kv, false
		}
		return kv.Key.String(Redacted), true
	}
	switch kv.Value.Type() {
	case attribute.STRING:
		if s, ok := RedactString(kv.Value.AsString()); ok {
			return kv.Key.String(s), true
		}
	case attribute.STRINGSLICE:
		vals := kv.Value.AsStringSlice()
		var red []string
		for i, v := range vals {
			if s, ok := RedactString(v); ok {
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

// RedactingExporter wraps an exporter and scrubs every span before it is
// exported: attribute values by key (authorization, cookie, password, token,
// secret, api key …) and by value pattern (bearer and basic credentials,
// JWTs, secret query parameters, e-mail addresses, Luhn-valid card numbers)
// in span, event, link and resource attributes, span names and status
// messages.
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
	name, changed := RedactString(s.Name())
	if changed {
		total++
	}
	attrs, n := redactAttrs(s.Attributes())
	total += n

	events := s.Events()
	var evCopied bool
	for i, ev := range events {
		evAttrs, n := redactAttrs(ev.Attributes)
		evName, nameChanged := RedactString(ev.Name)
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
	if d, ok := RedactString(status.Description); ok {
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
