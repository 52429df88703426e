// Package jsonstr appends Go strings as JSON string literals. It is the one
// escaper behind every JSON tracectl writes by hand for speed or depth —
// rendered trees, the receiver's --out file, emit's OTLP JSON lines — so
// they all escape exactly as encoding/json does.
package jsonstr

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// Append appends s to b as a quoted JSON string, escaping as encoding/json
// does: quotes, backslashes and control characters; <, > and & (so output
// is safe to embed in HTML); U+2028 and U+2029; and invalid UTF-8 as
// U+FFFD.
func Append(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendHard appends s as Append does and escapes what Harden would, in
// the same pass: the string literal Harden(Append(b, s)) ends with. A
// writer that appends every string of a document with it need not harden
// the document afterwards. Most strings of a trace (service and span
// names, ids) are plain ASCII, which is copied as it is.
func AppendHard(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !plain[s[i]] {
			start := len(b)
			b = Append(b, s)
			if firstHard(b[start:]) < 0 {
				return b
			}
			lit := Harden(b[start:])
			return append(b[:start], lit...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plain is the bytes that Append and Harden both copy as they are:
// printable ASCII other than the quote, the backslash, <, > and &.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// Harden rewrites the characters that encoding/json (and Append) leave raw
// but a terminal may act on — DEL, the C1 controls and the bidi controls
// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) — as \u escapes,
// in place where it can. b must be JSON text: these characters can only
// occur inside its strings, where the escape means the same character, so
// the document decodes exactly as before. It is for JSON written to
// stdout, which may be a terminal.
func Harden(b []byte) []byte {
	if firstHard(b) < 0 {
		return b
	}
	return AppendHardened(make([]byte, 0, len(b)+16), b)
}

// AppendHardened appends b, hardened as Harden does, to dst: for a writer
// that hardens chunk after chunk into one reused buffer. b must be JSON text
// cut outside its strings.
func AppendHardened(dst, b []byte) []byte {
	i := firstHard(b)
	if i < 0 {
		return append(dst, b...)
	}
	out := append(dst, b[:i]...)
	for i < len(b) {
		r, size := rune(b[i]), 1
		if b[i] >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(b[i:])
		}
		if hard(r) {
			out = append(out, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

func firstHard(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			if b[i] == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if hard(r) {
			return i
		}
		i += size
	}
	return -1
}

// hard reports whether Harden escapes r.
func hard(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x061c || r == 0x200e || r == 0x200f ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
