// Package termstr makes untrusted strings safe to print on a terminal. It
// is the one escaper behind every text output of tracectl — trees, tables,
// critical paths, check reports, live views, warnings and error messages
// that quote input — as internal/jsonstr is behind every JSON output.
//
// Span data (names, services, status messages, attributes, ids kept raw)
// comes from any program or network sender. Written as is, an escape
// sequence in it could retitle or clear the user's terminal, a bidi
// override could make text read differently from what it is, and a line
// break could forge output lines. Escape writes each such character
// visibly instead (\x1b, \a, \u202e), so the text stays readable, cannot
// drive the terminal, and is as wide on screen as it is long in cells.
package termstr

import (
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Escape returns s with every character that could control the terminal or
// reorder text shown visibly: C0 controls (as \a \b \t \n \v \f \r, others
// as \xHH, so ESC is \x1b), DEL (\x7f), C1 controls (\u0080–\u009f), bidi
// controls (\u061c, \u200e, \u200f, \u202a–\u202e, \u2066–\u2069), the line
// and paragraph separators (\u2028, \u2029), and each byte of invalid UTF-8
// (\xHH). Everything else, backslashes included, is kept: the point is
// safety and legibility, not a reversible encoding. Escape is idempotent,
// and returns s itself when there is nothing to escape.
func Escape(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	return string(appendFrom(b, s, i, false))
}

// Text is Escape for multi-line text such as an error message: line feeds
// are kept, everything else is escaped as Escape does.
func Text(s string) string {
	i := firstUnsafeText(s)
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	return string(appendFrom(b, s, i, true))
}

// Append appends Escape(s) to b.
func Append(b []byte, s string) []byte {
	i := firstUnsafe(s)
	if i < 0 {
		return append(b, s...)
	}
	return appendFrom(b, s, i, false)
}

// Safe reports whether s needs no escaping: Escape(s) == s.
func Safe(s string) bool { return firstUnsafe(s) < 0 }

// firstUnsafe returns the index of the first byte of s that Escape
// changes, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, size) {
			return i
		}
		i += size
	}
	return -1
}

// firstUnsafeText is firstUnsafe for Text: line feeds are safe.
func firstUnsafeText(s string) int {
	off := 0
	for {
		i := firstUnsafe(s[off:])
		if i < 0 {
			return -1
		}
		if s[off+i] != '\n' {
			return off + i
		}
		off += i + 1
	}
}

// unsafeRune reports whether a decoded rune (size bytes long) is escaped.
func unsafeRune(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1: // invalid UTF-8
		return true
	case r >= 0x80 && r <= 0x9f: // C1
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// appendFrom appends s to b, escaping from index i on (s[:i] is safe).
func appendFrom(b []byte, s string, i int, keepNewline bool) []byte {
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '\n' && keepNewline:
				b = append(b, c)
			case c >= 0x20 && c != 0x7f:
				b = append(b, c)
			case c == '\a':
				b = append(b, `\a`...)
			case c == '\b':
				b = append(b, `\b`...)
			case c == '\t':
				b = append(b, `\t`...)
			case c == '\n':
				b = append(b, `\n`...)
			case c == '\v':
				b = append(b, `\v`...)
			case c == '\f':
				b = append(b, `\f`...)
			case c == '\r':
				b = append(b, `\r`...)
			default:
				b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		case unsafeRune(r, size):
			b = append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// Join escapes each element and joins them with sep (which is trusted).
func Join(elems []string, sep string) string {
	var b strings.Builder
	for k, e := range elems {
		if k > 0 {
			b.WriteString(sep)
		}
		b.WriteString(Escape(e))
	}
	return b.String()
}
