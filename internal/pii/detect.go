package pii

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
)

// A hit is one kind of secret found in one string, with a masked snippet
// of the match (never the match itself).
type hit struct {
	kind    string
	snippet string
}

// features are what one pass over a string finds out: enough to skip every
// detector that cannot match. Most attribute values hold no secret, and
// regular expressions cost far more than this loop.
type features uint16

const (
	featAt features = 1 << iota
	featEquals
	featScheme // "://"
	featPEM    // "-----BEGIN"
	featAWS    // "AKIA" or "ASIA"
	featGoogle // "AIza"
	featGitHub // "gh?_" or "github_pat_"
	featSlack  // "xox"
	featJWT    // "eyJ"
	featAuth   // "bearer" or "basic", any case
	featCard   // 13 or more digits
)

// interesting marks the bytes scanFeatures looks at more closely: 1 for
// digits, 2 for the first bytes of the markers it knows.
var interesting = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	for _, c := range "@=:-AgxebB" {
		t[c] = 2
	}
	return t
}()

func scanFeatures(s string) features {
	var f features
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch interesting[c] {
		case 0:
			continue
		case 1:
			digits++
			continue
		}
		rest := s[i+1:]
		switch c {
		case '@':
			f |= featAt
		case '=':
			f |= featEquals
		case ':':
			if strings.HasPrefix(rest, "//") {
				f |= featScheme
			}
		case '-':
			if strings.HasPrefix(rest, "----BEGIN") {
				f |= featPEM
			}
		case 'A':
			if strings.HasPrefix(rest, "KIA") || strings.HasPrefix(rest, "SIA") {
				f |= featAWS
			} else if strings.HasPrefix(rest, "Iza") {
				f |= featGoogle
			}
		case 'g':
			if len(rest) >= 3 && rest[0] == 'h' && rest[2] == '_' && strings.IndexByte("pousr", rest[1]) >= 0 ||
				strings.HasPrefix(rest, "ithub_pat_") {
				f |= featGitHub
			}
		case 'x':
			if strings.HasPrefix(rest, "ox") {
				f |= featSlack
			}
		case 'e':
			if strings.HasPrefix(rest, "yJ") {
				f |= featJWT
			}
		case 'b', 'B':
			if len(rest) >= 5 && strings.EqualFold(rest[:5], "earer") || len(rest) >= 4 && strings.EqualFold(rest[:4], "asic") {
				f |= featAuth
			}
		}
	}
	if digits >= 13 {
		f |= featCard
	}
	return f
}

// A detector finds one kind of secret in a string value.
type detector struct {
	kind  string
	need  features
	re    *regexp.Regexp
	group int // the submatch that is the secret (0: the whole match)
	// valid, when set, confirms a candidate match (the secret submatch).
	valid func(secret string) bool
	// match, when set, is used instead of re.
	match func(s string) (string, bool)
}

// detectors are tried in this order; a string may hold several kinds.
var detectors = []detector{
	{kind: "private_key", need: featPEM, re: regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`)},
	{kind: "aws_access_key", need: featAWS, re: regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`)},
	{kind: "github_token", need: featGitHub, re: regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b`)},
	{kind: "slack_token", need: featSlack, re: regexp.MustCompile(`\bxox[baprs]-[A-Za-z0-9-]{10,}`)},
	// A Google key is 39 characters; a longer run of its alphabet is
	// something else.
	{kind: "google_api_key", need: featGoogle, re: regexp.MustCompile(`(?:^|[^0-9A-Za-z_-])(AIza[0-9A-Za-z_-]{35})(?:$|[^0-9A-Za-z_-])`), group: 1},
	{kind: "jwt", need: featJWT, re: regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`), valid: jwtHeader},
	{kind: "bearer_token", need: featAuth, re: regexp.MustCompile(`(?i)\bbearer\s+([A-Za-z0-9._~+/-]{8,}=*)`), group: 1},
	{kind: "basic_auth", need: featAuth, re: regexp.MustCompile(`(?i)\bbasic\s+([A-Za-z0-9+/]{6,}={0,2})`), group: 1, valid: basicCredentials},
	{kind: "url_password", need: featScheme | featAt, re: regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@`), group: 1, valid: notMasked},
	{kind: "query_secret", need: featEquals, match: findQuerySecret},
	{kind: "email", need: featAt, re: regexp.MustCompile(`\b[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b`)},
}

// scanString appends every kind of secret found in s to hits, once per
// kind.
func (sc *Scanner) scanString(s string, hits []hit) []hit {
	if len(s) < 6 {
		return sc.scanCustom(s, hits)
	}
	f := scanFeatures(s)
	if f != 0 {
		for i := range detectors {
			d := &detectors[i]
			if f&d.need != d.need {
				continue
			}
			if m, ok := d.find(s); ok {
				hits = addHit(hits, d.kind, m)
			}
		}
		if f&featCard != 0 {
			if m, ok := findCard(s); ok {
				hits = addHit(hits, "card_number", m)
			}
		}
	}
	return sc.scanCustom(s, hits)
}

func (sc *Scanner) scanCustom(s string, hits []hit) []hit {
	for i := range sc.patterns {
		p := &sc.patterns[i]
		if p.literal != "" && !strings.Contains(s, p.literal) {
			continue
		}
		if loc := p.re.FindStringIndex(s); loc != nil && loc[1] > loc[0] {
			hits = addHit(hits, p.Name, s[loc[0]:loc[1]])
		}
	}
	return hits
}

// find returns the secret part of the first valid match.
func (d *detector) find(s string) (string, bool) {
	if d.match != nil {
		return d.match(s)
	}
	if d.kind == "email" {
		return findEmail(d.re, s)
	}
	for _, m := range d.re.FindAllStringSubmatchIndex(s, -1) {
		secret := s[m[2*d.group]:m[2*d.group+1]]
		if d.valid == nil || d.valid(secret) {
			return secret, true
		}
	}
	return "", false
}

// queryNames are the query parameters (and key=value settings) whose value
// is a secret, lowercase.
var queryNames = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "token": true, "api_key": true, "apikey": true,
	"api-key": true, "api_token": true, "auth_token": true, "access_token": true, "refresh_token": true,
	"id_token": true, "client_secret": true, "secret": true,
	"x-amz-signature": true, "x-goog-signature": true, // presigned URLs: a credential until they expire
}

// findQuerySecret finds name=value where name is one of queryNames (any
// case) at the start of s or after ?, &, ; or a space, and value is not
// empty, masked or a placeholder. A loop, not a regexp: URLs with query
// strings are common and a case-insensitive alternation is slow.
func findQuerySecret(s string) (string, bool) {
	var buf [16]byte
	for off := 0; ; {
		k := strings.IndexByte(s[off:], '=')
		if k < 0 {
			return "", false
		}
		eq := off + k
		off = eq + 1
		start := eq
		for start > 0 && start > eq-len(buf)-1 {
			c := s[start-1]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
				break
			}
			start--
		}
		name := s[start:eq]
		if len(name) < 3 || len(name) > len(buf) {
			continue
		}
		if start > 0 && strings.IndexByte("?&; \t\n", s[start-1]) < 0 {
			continue
		}
		for i := 0; i < len(name); i++ {
			c := name[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if !queryNames[string(buf[:len(name)])] {
			continue
		}
		end := eq + 1
		for end < len(s) && strings.IndexByte("&#; \t\n\"'", s[end]) < 0 {
			end++
		}
		if v := s[eq+1 : end]; v != "" && notPlaceholder(v) {
			return v, true
		}
	}
}

// findEmail skips the user part of URLs (https://user@host) and scp-style
// remotes (git@github.com:org/repo): addresses, not personal data.
func findEmail(re *regexp.Regexp, s string) (string, bool) {
	for _, m := range re.FindAllStringIndex(s, -1) {
		if strings.HasSuffix(s[:m[0]], "://") || strings.HasSuffix(s[:m[0]], ":") {
			continue
		}
		if m[1] < len(s) && s[m[1]] == ':' {
			continue
		}
		return s[m[0]:m[1]], true
	}
	return "", false
}

func addHit(hits []hit, kind, match string) []hit {
	for _, h := range hits {
		if h.kind == kind {
			return hits
		}
	}
	return append(hits, hit{kind: kind, snippet: mask(match)})
}

// mask shows the first two characters of a secret, to help find it, and
// nothing of its length or the rest.
func mask(s string) string {
	if len(s) < 8 {
		return "****"
	}
	r := []rune(s)
	return string(r[:2]) + "****"
}

// jwtHeader reports whether a candidate JWT's first part decodes to a JSON
// object with an "alg" member, as every JWS and JWE header has.
func jwtHeader(tok string) bool {
	head, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(head, "="))
	if err != nil {
		return false
	}
	var h map[string]json.RawMessage
	if json.Unmarshal(raw, &h) != nil {
		return false
	}
	_, ok := h["alg"]
	return ok
}

// basicCredentials reports whether an HTTP Basic token decodes to
// "user:password" (so "basic information" is not a credential).
func basicCredentials(tok string) bool {
	raw, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(tok, "="))
		if err != nil {
			return false
		}
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || pass == "" {
		return false
	}
	for _, c := range user + pass {
		if c < 0x20 || c == 0x7f || c == 0xfffd {
			return false
		}
	}
	return true
}

// notMasked reports whether a value is a real secret rather than a
// redaction marker ("****", "[REDACTED]", "xxxxx").
func notMasked(v string) bool { return !masked(v) }

// notPlaceholder also skips template placeholders ("{token}", "$TOKEN",
// "<password>").
func notPlaceholder(v string) bool {
	if masked(v) {
		return false
	}
	switch v[0] {
	case '{', '$', '<', '%', ':':
		return false
	}
	return true
}

var maskWords = []string{"redacted", "filtered", "masked", "hidden", "removed", "omitted", "***"}

func masked(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return true
	}
	if strings.Trim(v, "*xX•#.-_[]<>()") == "" {
		return true
	}
	lower := strings.ToLower(v)
	for _, w := range maskWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// findCard finds a payment card number: 13 to 19 digits, alone or in
// groups of four (or Amex's 4-6-5) separated by single spaces or dashes,
// not part of a longer number, word or decimal, passing the Luhn check and
// starting with a card network's prefix. Luhn alone passes one in ten
// random numbers; the prefix and length rules keep timestamps, order ids
// and trace ids out.
func findCard(s string) (string, bool) {
	var digits [19]byte
	for i := 0; i < len(s); {
		if !isDigit(s[i]) || (i > 0 && (isWord(s[i-1]) || s[i-1] == '.')) {
			i++
			continue
		}
		// A maximal run of digit groups from i.
		start, j := i, i
		n, groups := 0, 0
		var glen [8]int
		tooLong := false
		for {
			g := 0
			for j < len(s) && isDigit(s[j]) {
				if n < len(digits) {
					digits[n] = s[j]
				}
				n++
				g++
				j++
			}
			if groups < len(glen) {
				glen[groups] = g
			} else {
				tooLong = true
			}
			groups++
			if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) {
				j++
				continue
			}
			break
		}
		i = j
		if tooLong || n < 13 || n > 19 {
			continue
		}
		if j < len(s) && (isWord(s[j]) || s[j] == '.' && j+1 < len(s) && isDigit(s[j+1])) {
			continue
		}
		if !cardGroups(glen[:groups]) || !luhn(digits[:n]) || !cardPrefix(digits[:n]) {
			continue
		}
		return s[start:j], true
	}
	return "", false
}

// cardGroups accepts one run of digits, groups of four with a shorter last
// group, or the 4-6-5 and 4-6-4 groupings of Amex and Diners cards.
func cardGroups(g []int) bool {
	if len(g) == 1 {
		return true
	}
	if len(g) == 3 && g[0] == 4 && g[1] == 6 && (g[2] == 5 || g[2] == 4) {
		return true
	}
	for k, n := range g {
		if k < len(g)-1 && n != 4 || k == len(g)-1 && (n < 1 || n > 4) {
			return false
		}
	}
	return true
}

func luhn(d []byte) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// cardPrefix checks the issuer prefix and length of the major networks:
// Visa, Mastercard, American Express, Discover, Diners Club, JCB, UnionPay.
func cardPrefix(d []byte) bool {
	n := len(d)
	p := func(k int) int {
		v := 0
		for _, c := range d[:k] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	switch {
	case d[0] == '4':
		return n == 13 || n == 16 || n == 19
	case p(2) >= 51 && p(2) <= 55, p(4) >= 2221 && p(4) <= 2720:
		return n == 16
	case p(2) == 34 || p(2) == 37:
		return n == 15
	case p(4) == 6011, p(3) >= 644 && p(3) <= 649, p(2) == 65:
		return n >= 16
	case p(3) >= 300 && p(3) <= 305, p(2) == 36, p(2) == 38, p(2) == 39:
		return n >= 14
	case p(4) >= 3528 && p(4) <= 3589:
		return n >= 16
	case p(2) == 62:
		return n >= 16
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWord(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}
