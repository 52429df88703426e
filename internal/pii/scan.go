// Package pii finds secrets and personal data in spans: credentials in
// authorization and cookie headers, bearer tokens, JWTs, passwords in URLs
// and query strings, cloud and VCS key shapes, private keys, email
// addresses, payment card numbers, and user-given patterns. It is the CI
// gate for "no credentials in telemetry".
//
// Findings (rule pii, severity error) name the kind and where it was found
// (the attribute key, the span name, the status message) and never the
// secret: at most its first two characters followed by "****".
//
// It imports only package dag. It does not redact: that is the job of the
// exporter (see package emit) or the Collector.
package pii

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
)

// Pattern is a user-given regular expression that marks a value as
// sensitive.
type Pattern struct {
	// Name is the kind findings report ("pattern /…/" when none was given).
	Name    string
	re      *regexp.Regexp
	literal string // a literal every match contains, tested before the regexp
}

var patternName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// ParsePattern parses NAME=REGEX, or a bare REGEX. A leading identifier
// followed by "=" is always taken as the name: write a bare regular
// expression that starts that way with the "=" escaped (`token\=\w+`).
func ParsePattern(s string) (Pattern, error) {
	name, expr := "", s
	if k := strings.IndexByte(s, '='); k > 0 && patternName.MatchString(s[:k]) {
		name, expr = s[:k], s[k+1:]
	}
	if expr == "" {
		return Pattern{}, fmt.Errorf("pattern %q: empty regular expression", s)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return Pattern{}, fmt.Errorf("pattern %q: %w", s, err)
	}
	if name == "" {
		name = "pattern /" + expr + "/"
	}
	return Pattern{Name: name, re: re, literal: requiredLiteral(expr)}, nil
}

// requiredLiteral returns the literal prefix of a case-sensitive regular
// expression, which every match must contain, so values without it skip
// the regexp.
func requiredLiteral(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return ""
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return ""
	}
	prefix, _ := prog.Prefix()
	return prefix
}

// Scanner scans traces for secrets. It remembers what it found in each
// resource and scope (shared by many spans and often by many traces), so it
// is not safe for concurrent use.
type Scanner struct {
	patterns  []Pattern
	resources map[*dag.Resource][]place
	scopes    map[*dag.Scope][]place
	hits      []hit      // scratch
	stack     []attrItem // scratch
}

// place is where some kinds of secret were found.
type place struct {
	where string // `span attribute "k"`, `span name`, …
	hits  []hit
}

// NewScanner returns a scanner with the built-in detectors and the given
// user patterns.
func NewScanner(patterns ...Pattern) *Scanner {
	return &Scanner{
		patterns:  patterns,
		resources: make(map[*dag.Resource][]place),
		scopes:    make(map[*dag.Scope][]place),
	}
}

// Scan returns one pii finding per place in the trace that holds a secret:
// span names, status messages, and span, event and link attributes of each
// span; resource and scope attributes once per trace, on the first span
// (in tree order) that carries them.
func (sc *Scanner) Scan(tr *dag.Tree) []dag.Finding {
	var out []dag.Finding
	var seenRes map[*dag.Resource]bool
	var seenScope map[*dag.Scope]bool
	for _, i := range tr.PreOrder() {
		s := tr.Nodes[i].Span
		if s == nil {
			continue
		}
		emit := func(places []place) {
			for _, p := range places {
				out = append(out, finding(tr.TraceID, s.SpanID, p))
			}
		}
		var places []place
		places = sc.scanText(places, "span name", s.Name)
		places = sc.scanText(places, "status message", s.Status.Message)
		places = sc.scanAttrs(places, "span attribute", "", s.Attrs)
		for k := range s.Events {
			places = sc.scanAttrs(places, "event", s.Events[k].Name, s.Events[k].Attrs)
		}
		for k := range s.Links {
			places = sc.scanAttrs(places, "link attribute", "", s.Links[k].Attrs)
		}
		if r := s.Resource; r != nil && !seenRes[r] {
			if seenRes == nil {
				seenRes = make(map[*dag.Resource]bool)
			}
			seenRes[r] = true
			found, ok := sc.resources[r]
			if !ok {
				found = sc.scanAttrs(nil, "resource attribute", "", r.Attrs)
				sc.resources[r] = found
			}
			places = append(places, found...)
		}
		if sp := s.Scope; sp != nil && !seenScope[sp] {
			if seenScope == nil {
				seenScope = make(map[*dag.Scope]bool)
			}
			seenScope[sp] = true
			found, ok := sc.scopes[sp]
			if !ok {
				found = sc.scanAttrs(nil, "scope attribute", "", sp.Attrs)
				sc.scopes[sp] = found
			}
			places = append(places, found...)
		}
		emit(places)
	}
	return out
}

func finding(trace dag.TraceID, span dag.SpanID, p place) dag.Finding {
	kinds := make([]string, len(p.hits))
	for i, h := range p.hits {
		kinds[i] = h.kind + " (" + h.snippet + ")"
	}
	return dag.Finding{
		TraceID:  trace,
		SpanID:   span,
		Rule:     dag.RulePII,
		Severity: dag.RulePII.Severity(),
		Message:  strings.Join(kinds, ", ") + " in " + p.where,
	}
}

func (sc *Scanner) scanText(places []place, where, s string) []place {
	if s == "" {
		return places
	}
	sc.hits = sc.scanString(s, sc.hits[:0])
	return sc.flush(places, where)
}

// flush turns the scratch hits into a place.
func (sc *Scanner) flush(places []place, where string) []place {
	if len(sc.hits) == 0 {
		return places
	}
	return append(places, place{where: where, hits: append([]hit(nil), sc.hits...)})
}

// scanAttrs scans attribute values, nested arrays and maps included (with
// an explicit stack: input decides the nesting). The place is named by
// what ("span attribute") and the top-level key; for an event's
// attributes, what is "event" and event its name.
func (sc *Scanner) scanAttrs(places []place, what, event string, attrs []dag.Attr) []place {
	stack := sc.stack[:0]
	for _, a := range attrs {
		sc.hits = sc.hits[:0]
		if t := a.Value.Type(); t != dag.ValueArray && t != dag.ValueMap {
			sc.scanValue(a.Key, a.Value) // the common case, without the stack
		} else {
			stack = append(stack[:0], attrItem{a.Key, a.Value})
		}
		for len(stack) > 0 {
			it := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch it.v.Type() {
			case dag.ValueArray:
				arr := it.v.Array()
				for k := len(arr) - 1; k >= 0; k-- {
					stack = append(stack, attrItem{it.key, arr[k]})
				}
			case dag.ValueMap:
				kvs := it.v.Map()
				for k := len(kvs) - 1; k >= 0; k-- {
					stack = append(stack, attrItem{kvs[k].Key, kvs[k].Value})
				}
			default:
				sc.scanValue(it.key, it.v)
			}
		}
		if len(sc.hits) > 0 {
			where := what + " " + strconv.Quote(a.Key)
			if what == "event" {
				where = "event " + strconv.Quote(event) + " attribute " + strconv.Quote(a.Key)
			}
			places = sc.flush(places, where)
		}
	}
	sc.stack = stack[:0]
	return places
}

// scanValue adds to sc.hits what a scalar value under key holds.
func (sc *Scanner) scanValue(key string, v dag.Value) {
	switch v.Type() {
	case dag.ValueString, dag.ValueBytes:
		str := v.Str()
		if v.Type() == dag.ValueBytes {
			str = v.Bytes()
		}
		if kind := keyKind(key); kind != "" && !masked(str) {
			sc.hits = addHit(sc.hits, kind, str)
		}
		sc.hits = sc.scanString(str, sc.hits)
	case dag.ValueInt:
		if i := v.Int(); i >= 1e12 {
			if m, ok := findCard(strconv.FormatInt(i, 10)); ok {
				sc.hits = addHit(sc.hits, "card_number", m)
			}
		}
	}
}

// attrItem is an attribute value waiting to be scanned.
type attrItem struct {
	key string // the innermost key: it decides key-based kinds
	v   dag.Value
}

// keyKinds are attribute keys whose value is a secret whatever it looks
// like, by the key's last dot-separated segment ("-" read as "_"): HTTP
// header attributes (http.request.header.authorization) and the like.
var keyKinds = map[string]string{
	"authorization":       "authorization",
	"proxy_authorization": "authorization",
	"cookie":              "cookie",
	"set_cookie":          "cookie",
	"password":            "password",
	"passwd":              "password",
	"api_key":             "api_key",
	"apikey":              "api_key",
	"x_api_key":           "api_key",
	"client_secret":       "secret",
	"secret":              "secret",
	"access_token":        "token",
	"refresh_token":       "token",
	"id_token":            "token",
	"auth_token":          "token",
	"x_auth_token":        "token",
}

// keyKind returns the kind of secret an attribute key names, or "".
func keyKind(key string) string {
	if k := strings.LastIndexByte(key, '.'); k >= 0 {
		key = key[k+1:]
	}
	if len(key) < 6 || len(key) > 19 {
		return ""
	}
	var buf [19]byte
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '-':
			c = '_'
		}
		buf[i] = c
	}
	return keyKinds[string(buf[:len(key)])]
}
