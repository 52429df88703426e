// Package pii finds secrets and personal data in spans: credentials in
// authorization and cookie headers, bearer tokens, JWTs, passwords in URLs
// and query strings, cloud and VCS key shapes, private keys, email
// addresses, payment card numbers, and user-given patterns. It is the CI
// gate for "no credentials in telemetry".
//
// Findings (rule pii, severity error) name the kind and where it was found
// (the attribute key, the span name, the status message) and never any
// character of the secret: only its length, to help find it.
//
// It is the one definition of a secret in tracectl: a Detector finds and
// classifies secrets in strings and redacts them (Mask), a Scanner turns
// what it finds in traces into findings, and a Redactor masks spans.
// check --pii, emit's redacting exporter and --redact all use it, so what
// one reports the others mask.
//
// It imports only package dag.
package pii

import (
	"cmp"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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

// Detector finds secrets in strings: the built-in kinds and user
// patterns. It holds no state beyond its patterns and is safe for
// concurrent use.
type Detector struct {
	patterns []Pattern
}

// NewDetector returns a detector of the built-in kinds and the given user
// patterns.
func NewDetector(patterns ...Pattern) *Detector { return &Detector{patterns: patterns} }

// Secret is one secret found in a string: its kind and its byte range.
type Secret struct {
	Kind       string
	Start, End int
}

// appendSecrets appends the secrets in s to dst, detector by detector:
// every match when all is set, else only the first of each kind.
func (d *Detector) appendSecrets(dst []Secret, s string, all bool) []Secret {
	if len(s) >= 6 {
		if f := scanFeatures(s); f != 0 {
			for i := range detectors {
				if dt := &detectors[i]; f&dt.need == dt.need && (dt.any == 0 || f&dt.any != 0) {
					dst = dt.appendAll(dst, s, all)
				}
			}
		}
	}
	for i := range d.patterns {
		p := &d.patterns[i]
		if p.literal != "" && !strings.Contains(s, p.literal) {
			continue
		}
		n := 1
		if all {
			n = -1
		}
		for _, loc := range p.re.FindAllStringIndex(s, n) {
			if loc[1] > loc[0] {
				dst = append(dst, Secret{Kind: p.Name, Start: loc[0], End: loc[1]})
			}
		}
	}
	return dst
}

// Find returns every secret in s, by position. Secrets of different kinds
// may overlap (a JWT is also the token of "Bearer <jwt>").
func (d *Detector) Find(s string) []Secret {
	out := d.appendSecrets(nil, s, true)
	slices.SortStableFunc(out, func(a, b Secret) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// Mask is what a redacted secret of the kind is replaced by. Scanners read
// it as a redaction marker, so redacted output scans clean.
func Mask(kind string) string { return "[REDACTED:" + kind + "]" }

// Redact returns s with every secret in it replaced by its Mask (where
// secrets overlap, the one starting first names the mask), and whether
// anything changed.
func (d *Detector) Redact(s string) (string, bool) {
	found := d.Find(s)
	if len(found) == 0 {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s))
	at := 0
	for k := 0; k < len(found); {
		sec := found[k]
		end := sec.End
		for k++; k < len(found) && found[k].Start < end; k++ {
			end = max(end, found[k].End)
		}
		b.WriteString(s[at:sec.Start])
		b.WriteString(Mask(sec.Kind))
		at = end
	}
	b.WriteString(s[at:])
	return b.String(), true
}

// RedactValue redacts an attribute's string value: the whole value when
// the key names a secret (KeyKind), else every secret found in it.
func (d *Detector) RedactValue(key, s string) (string, bool) {
	if kind := KeyKind(key); kind != "" && !masked(s) {
		return Mask(kind), true
	}
	return d.Redact(s)
}

// RedactInt reports whether an integer value is a secret (a card number
// stored as a number) and returns the string that replaces it: its Mask,
// or the number in decimal when it is not one.
func (d *Detector) RedactInt(i int64) (string, bool) {
	if s, ok := intCard(i); ok {
		return Mask("card_number"), true
	} else if s != "" {
		return s, false
	}
	return strconv.FormatInt(i, 10), false
}

// Scanner scans traces for secrets. It remembers what it found in each
// resource and scope (shared by many spans and often by many traces), so it
// is not safe for concurrent use.
type Scanner struct {
	*Detector
	resources map[*dag.Resource][]place
	scopes    map[*dag.Scope][]place
	hits      []hit      // scratch
	secrets   []Secret   // scratch
	stack     []attrItem // scratch
}

// A hit is one kind of secret found in one place, with the length of the
// first match in characters: enough to find it, nothing of its content.
type hit struct {
	kind  string
	runes int
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
		Detector:  NewDetector(patterns...),
		resources: make(map[*dag.Resource][]place),
		scopes:    make(map[*dag.Scope][]place),
	}
}

// Scan returns one pii finding per place in the trace that holds a secret:
// span names, status messages, event names, and span, event and link
// attributes of each span; resource and scope attributes once per trace,
// on the first span (in tree order) that carries them. Spans the tree
// dropped because another span took their id (dag.Tree.Conflicts) are
// scanned after the tree's.
func (sc *Scanner) Scan(tr *dag.Tree) []dag.Finding {
	var out []dag.Finding
	var seenRes map[*dag.Resource]bool
	var seenScope map[*dag.Scope]bool
	scan := func(s *dag.Span) {
		var places []place
		places = sc.scanText(places, "span name", s.Name())
		places = sc.scanText(places, "status message", s.Status().Message)
		places = sc.scanAttrs(places, "span attribute", "", s.AttrList())
		for _, ev := range s.Events() {
			places = sc.scanText(places, "event name", ev.Name)
			places = sc.scanAttrs(places, "event", ev.Name, ev.Attrs)
		}
		for _, l := range s.Links() {
			places = sc.scanAttrs(places, "link attribute", "", l.Attrs)
		}
		if r := s.Resource(); r != nil {
			places = scanShared(sc, places, &seenRes, sc.resources, r, "resource attribute", r.Attrs)
		}
		if sp := s.Scope(); sp != nil {
			places = scanShared(sc, places, &seenScope, sc.scopes, sp, "scope attribute", sp.Attrs)
		}
		for _, p := range places {
			out = append(out, finding(tr.TraceID, s.SpanID, p))
		}
	}
	for _, i := range tr.PreOrder() {
		if s := tr.Nodes[i].Span; s != nil {
			scan(s)
		}
	}
	for _, s := range tr.Conflicts {
		scan(s)
	}
	return out
}

func finding(trace dag.TraceID, span dag.SpanID, p place) dag.Finding {
	kinds := make([]string, len(p.hits))
	for i, h := range p.hits {
		kinds[i] = h.kind + " (" + plural(h.runes, "character") + ")"
	}
	return dag.Finding{
		TraceID:  trace,
		SpanID:   span,
		Rule:     dag.RulePII,
		Severity: dag.RulePII.Severity(),
		Message:  strings.Join(kinds, ", ") + " in " + p.where,
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// scanString appends every kind of secret found in s to hits, once per
// kind.
func (sc *Scanner) scanString(s string, hits []hit) []hit {
	sc.secrets = sc.appendSecrets(sc.secrets[:0], s, false)
	for _, sec := range sc.secrets {
		hits = addHit(hits, sec.Kind, s[sec.Start:sec.End])
	}
	return hits
}

func addHit(hits []hit, kind, match string) []hit {
	for _, h := range hits {
		if h.kind == kind {
			return hits
		}
	}
	return append(hits, hit{kind: kind, runes: utf8.RuneCountInString(match)})
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
// attributes, what is "event" and event its name. Names quoted in the
// place are redacted themselves: a key or event name may hold a secret.
// scanShared appends the places of a resource or scope (key) that this trace
// has not reported yet (seen, made on first use). Many spans and traces share
// one resource or scope, so its attributes are scanned once per Scanner (cache).
func scanShared[K comparable](sc *Scanner, places []place, seen *map[K]bool, cache map[K][]place, key K, what string, attrs []dag.Attr) []place {
	if (*seen)[key] {
		return places
	}
	if *seen == nil {
		*seen = make(map[K]bool)
	}
	(*seen)[key] = true
	found, ok := cache[key]
	if !ok {
		found = sc.scanAttrs(nil, what, "", attrs)
		cache[key] = found
	}
	return append(places, found...)
}

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
			key, _ := sc.Redact(a.Key)
			where := what + " " + strconv.Quote(key)
			if what == "event" {
				name, _ := sc.Redact(event)
				where = "event " + strconv.Quote(name) + " attribute " + strconv.Quote(key)
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
		if kind := KeyKind(key); kind != "" && !masked(str) {
			sc.hits = addHit(sc.hits, kind, str)
		}
		sc.hits = sc.scanString(str, sc.hits)
	case dag.ValueInt:
		if m, ok := intCard(v.Int()); ok {
			sc.hits = addHit(sc.hits, "card_number", m)
		}
	}
}

// intCard reports whether an integer attribute is a card number (written
// as a number by an application that stores it as one).
func intCard(i int64) (string, bool) {
	if i < 1e12 {
		return "", false
	}
	s := strconv.FormatInt(i, 10)
	lo, _ := cardNumber(s, 0)
	return s, lo >= 0
}

// attrItem is an attribute value waiting to be scanned.
type attrItem struct {
	key string // the innermost key: it decides key-based kinds
	v   dag.Value
}

// keyKinds are attribute keys whose value is a secret whatever it looks
// like, by the key's last dot-separated segment ("-" read as "_"): HTTP
// header attributes (http.request.header.authorization) and the like.
// The last segment, not any word of the key: "password_policy",
// "process.env.pwd" and "gen_ai.usage.input_tokens" are not secrets.
var keyKinds = map[string]string{
	"authorization":         "authorization",
	"proxy_authorization":   "authorization",
	"cookie":                "cookie",
	"set_cookie":            "cookie",
	"password":              "password",
	"passwd":                "password",
	"passphrase":            "password",
	"api_key":               "api_key",
	"apikey":                "api_key",
	"x_api_key":             "api_key",
	"client_secret":         "secret",
	"secret":                "secret",
	"private_key":           "secret",
	"secret_key":            "secret",
	"secret_access_key":     "aws_secret_key",
	"aws_secret_access_key": "aws_secret_key",
	"credentials":           "secret",
	"token":                 "token",
	"access_token":          "token",
	"refresh_token":         "token",
	"id_token":              "token",
	"auth_token":            "token",
	"x_auth_token":          "token",
	"jwt":                   "token",
	"session_id":            "session_id",
	"sessionid":             "session_id",
}

// maxKeyKind is the length of the longest name in keyKinds.
var maxKeyKind = func() int {
	n := 0
	for k := range keyKinds {
		n = max(n, len(k))
	}
	return n
}()

// KeyKind returns the kind of secret an attribute key names (so that its
// value is a secret whatever it holds), or "".
func KeyKind(key string) string {
	if k := strings.LastIndexByte(key, '.'); k >= 0 {
		key = key[k+1:]
	}
	if len(key) < 3 || len(key) > maxKeyKind {
		return ""
	}
	var buf [32]byte
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
