package pii

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
)

// features are what one pass over a string finds out: enough to skip every
// detector that cannot match. Most attribute values hold no secret, and
// regular expressions cost far more than this loop.
type features uint32

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
	featSecret // "secret", any case (AWS secret keys in free text)
	featStripe // "_live_"
	featPlus   // "+" before a digit (E.164 phone numbers)
	featSSN    // "ddd-dd-"
	featNANP   // "ddd-dddd" or "ddd.dddd" (the end of a North American number)
	featIBAN   // two capital letters and a digit (the start of an IBAN)
	featCard   // 13 or more digits
	featDigits // 9 or more digits (SSN, IBAN, phone numbers)
)

// interesting marks the bytes scanFeatures looks at more closely: 1 for
// digits, 2 for the first bytes of the markers it knows.
var interesting = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	for _, c := range "@=:-.AgxebBsS_+" {
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
			if i >= 2 && isUpper(s[i-1]) && isUpper(s[i-2]) {
				f |= featIBAN
			}
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
			if digitsBefore(s, i, 3) {
				if len(rest) >= 3 && isDigit(rest[0]) && isDigit(rest[1]) && rest[2] == '-' {
					f |= featSSN
				}
				if digitsAfter(rest, 4) {
					f |= featNANP
				}
			}
		case '.':
			if digitsBefore(s, i, 3) && digitsAfter(rest, 4) {
				f |= featNANP
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
		case 's', 'S':
			if len(rest) >= 5 && strings.EqualFold(rest[:5], "ecret") {
				f |= featSecret
			}
		case '_':
			if strings.HasPrefix(rest, "live_") {
				f |= featStripe
			}
		case '+':
			if len(rest) > 0 && isDigit(rest[0]) {
				f |= featPlus
			}
		}
	}
	if digits >= 9 {
		f |= featDigits
	}
	if digits < 9 {
		f &^= featSSN | featNANP | featPlus
	}
	if digits >= 13 {
		f |= featCard
	}
	return f
}

// A detector finds one kind of secret in a string value. Detectors run
// on every attribute value that passes their feature test, so none of
// them allocates unless a regular expression matches.
type detector struct {
	kind    string
	need    features // every one of these
	any     features // when set, at least one of these
	literal string   // when set, a substring every match contains
	re      *regexp.Regexp
	group   int // the submatch that is the secret (0: the whole match)
	// valid, when set, confirms a candidate match s[lo:hi] (the secret
	// submatch), seeing what surrounds it.
	valid func(s string, lo, hi int) bool
	// next, when set, is used instead of re: it returns the byte range of
	// the first secret in s at or after from, or lo < 0.
	next func(s string, from int) (lo, hi int)
}

// detectors are tried in this order; a string may hold several kinds.
var detectors = []detector{
	{kind: "private_key", need: featPEM, re: regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`)},
	{kind: "aws_access_key", need: featAWS, re: regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`)},
	// An AWS secret access key is 40 characters of base64 with nothing to
	// recognise it by, so only its name finds it: aws_secret_access_key=…,
	// "SecretAccessKey": "…", secret_key: ….
	{kind: "aws_secret_key", need: featSecret, re: regexp.MustCompile(`(?i)(?:^|[^a-z0-9])(?:aws_?)?secret_?(?:access_?)?key["']?\s{0,3}[:=]\s{0,3}["']?([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])`), group: 1, valid: mixedBase64},
	{kind: "github_token", need: featGitHub, re: regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b`)},
	{kind: "slack_token", need: featSlack, re: regexp.MustCompile(`\bxox[baprs]-[A-Za-z0-9-]{10,}`)},
	// An incoming webhook URL is its own credential: anyone holding it
	// can post to the channel.
	{kind: "slack_webhook", need: featScheme, literal: "hooks.slack.com/", re: regexp.MustCompile(`https?://hooks\.slack\.com/(?:services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,}|(?:workflows|triggers)/T[A-Z0-9]{6,}/[A-Za-z0-9]{6,}/[0-9]+/[A-Za-z0-9]{16,})`)},
	{kind: "stripe_key", need: featStripe, re: regexp.MustCompile(`\b[rs]k_live_[0-9A-Za-z]{20,247}\b`)},
	// A Google key is 39 characters; a longer run of its alphabet is
	// something else.
	{kind: "google_api_key", need: featGoogle, re: regexp.MustCompile(`(?:^|[^0-9A-Za-z_-])(AIza[0-9A-Za-z_-]{35})(?:$|[^0-9A-Za-z_-])`), group: 1},
	{kind: "jwt", need: featJWT, re: regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`), valid: jwtHeader},
	{kind: "bearer_token", need: featAuth, re: regexp.MustCompile(`(?i)\bbearer\s+([A-Za-z0-9._~+/-]{8,}=*)`), group: 1},
	{kind: "basic_auth", need: featAuth, re: regexp.MustCompile(`(?i)\bbasic\s+([A-Za-z0-9+/]{6,}={0,2})`), group: 1, valid: basicCredentials},
	{kind: "url_password", need: featScheme | featAt, re: regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@`), group: 1, valid: notMasked},
	{kind: "query_secret", need: featEquals, next: querySecret},
	{kind: "email", need: featAt, re: regexp.MustCompile(`\b[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b`), valid: personalEmail},
	{kind: "card_number", need: featCard, next: cardNumber},
	{kind: "iban", need: featDigits | featIBAN, next: iban},
	{kind: "us_ssn", need: featSSN, next: ssn},
	{kind: "phone_number", any: featPlus | featNANP, next: phone},
}

// appendAll appends the secrets of d's kind in s to dst, in order: every
// one when all is set, else the first.
func (d *detector) appendAll(dst []Secret, s string, all bool) []Secret {
	if d.literal != "" && !strings.Contains(s, d.literal) {
		return dst
	}
	if d.next != nil {
		for from := 0; from < len(s); {
			lo, hi := d.next(s, from)
			if lo < 0 {
				break
			}
			dst = append(dst, Secret{Kind: d.kind, Start: lo, End: hi})
			if !all {
				break
			}
			from = max(hi, lo+1)
		}
		return dst
	}
	n := 1
	if all || d.valid != nil {
		n = -1
	}
	for _, m := range d.re.FindAllStringSubmatchIndex(s, n) {
		lo, hi := m[2*d.group], m[2*d.group+1]
		if lo < 0 || d.valid != nil && !d.valid(s, lo, hi) {
			continue
		}
		dst = append(dst, Secret{Kind: d.kind, Start: lo, End: hi})
		if !all {
			break
		}
	}
	return dst
}

// mixedBase64 reports whether a 40-character candidate mixes letters and
// digits, as generated keys do (a run of one letter or a word is not one).
func mixedBase64(v string, lo, hi int) bool {
	s := v[lo:hi]
	var lower, upper, digit bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		lower = lower || c >= 'a' && c <= 'z'
		upper = upper || c >= 'A' && c <= 'Z'
		digit = digit || isDigit(c)
	}
	return digit && (lower || upper) && !masked(s)
}

// queryNames are the query parameters (and key=value settings) whose value
// is a secret, lowercase.
var queryNames = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "token": true, "api_key": true, "apikey": true,
	"api-key": true, "api_token": true, "auth_token": true, "access_token": true, "refresh_token": true,
	"id_token": true, "client_secret": true, "secret": true,
	"x-amz-signature": true, "x-goog-signature": true, // presigned URLs: a credential until they expire
}

// querySecret finds name=value where name is one of queryNames (any
// case) at the start of s or after ?, &, ; or a space, and value is not
// empty, masked or a placeholder. A loop, not a regexp: URLs with query
// strings are common and a case-insensitive alternation is slow.
func querySecret(s string, from int) (int, int) {
	var buf [16]byte
	for off := from; ; {
		k := strings.IndexByte(s[off:], '=')
		if k < 0 {
			return -1, -1
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
			return eq + 1, end
		}
		off = end
	}
}

// personalEmail skips the user part of URLs (https://user@host) and
// scp-style remotes (git@github.com:org/repo): addresses, not personal
// data.
func personalEmail(s string, lo, hi int) bool {
	if strings.HasSuffix(s[:lo], "://") || strings.HasSuffix(s[:lo], ":") {
		return false
	}
	return hi == len(s) || s[hi] != ':'
}

// jwtHeader reports whether a candidate JWT's first part decodes to a JSON
// object with an "alg" member, as every JWS and JWE header has.
func jwtHeader(s string, lo, hi int) bool {
	head, _, _ := strings.Cut(s[lo:hi], ".")
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
func basicCredentials(s string, lo, hi int) bool {
	tok := s[lo:hi]
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
func notMasked(s string, lo, hi int) bool { return !masked(s[lo:hi]) }

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

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitsBefore reports whether the n bytes before s[i] are digits.
func digitsBefore(s string, i, n int) bool {
	return i >= n && allDigits(s[i-n:i])
}

// digitsAfter reports whether rest starts with n digits.
func digitsAfter(rest string, n int) bool {
	return len(rest) >= n && allDigits(rest[:n])
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func isWord(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || isUpper(c) || c == '_'
}
