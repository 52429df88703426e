package dag

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
)

// TraceID is a 16-byte W3C trace id. The zero value is invalid per the spec.
type TraceID [16]byte

// SpanID is an 8-byte span id. The zero value means "none" (for a parent) and
// is invalid as a span's own id.
type SpanID [8]byte

// String returns the id as 32 lowercase hex digits.
func (id TraceID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether every byte is zero (an invalid trace id).
func (id TraceID) IsZero() bool { return id == TraceID{} }

// String returns the id as 16 lowercase hex digits.
func (id SpanID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether every byte is zero (no parent, or an invalid span id).
func (id SpanID) IsZero() bool { return id == SpanID{} }

// ParseTraceID parses 32 hex digits (either case).
func ParseTraceID(s string) (TraceID, error) {
	var id TraceID
	if len(s) != 2*len(id) {
		return id, fmt.Errorf("trace id %q: want %d hex digits, got %d", s, 2*len(id), len(s))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("trace id %q: not hex", s)
	}
	return id, nil
}

// ParseSpanID parses 16 hex digits (either case).
func ParseSpanID(s string) (SpanID, error) {
	var id SpanID
	if len(s) != 2*len(id) {
		return id, fmt.Errorf("span id %q: want %d hex digits, got %d", s, 2*len(id), len(s))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("span id %q: not hex", s)
	}
	return id, nil
}

// RawIDs keeps what the input said for a span's invalid ids (DESIGN §2):
// an id of the wrong length or not hex. (An empty id is no id: zero, as
// when the field is absent; Build reports a zero trace or span id.) Such an id is stored in the
// span's fixed-size field as DeriveTraceID/DeriveSpanID of its raw form, so
// spans with different raw ids are never merged into one trace or one
// span and a parent is still found by its raw id; the text here is for
// messages and output. A span whose ids are all valid has no RawIDs.
type RawIDs struct {
	// The raw text of each invalid id (the input's string, or the hex of
	// protobuf bytes); "" for a valid one.
	TraceID, SpanID, ParentSpanID string
	// Invalid marks which ids are invalid.
	Invalid IDFields
}

// IDFields is a set of a span's id fields.
type IDFields uint8

// The id fields of a span.
const (
	FieldTraceID IDFields = 1 << iota
	FieldSpanID
	FieldParentSpanID
)

// DeriveTraceID returns the stable trace id that stands for an invalid raw
// id. key is the raw id's bytes when it was hex or protobuf bytes (so the
// same id reads the same from JSON and protobuf, in either case), else
// its text; text tells the two apart. The result is never zero.
func DeriveTraceID(key []byte, text bool) TraceID {
	var id TraceID
	h := deriveHash(key, text)
	copy(id[:], h[:])
	return id
}

// DeriveSpanID is DeriveTraceID for span ids.
func DeriveSpanID(key []byte, text bool) SpanID {
	var id SpanID
	h := deriveHash(key, text)
	copy(id[:], h[:])
	return id
}

func deriveHash(key []byte, text bool) [sha256.Size]byte {
	h := sha256.New()
	if text {
		h.Write([]byte("text:"))
	} else {
		h.Write([]byte("bytes:"))
	}
	h.Write(key)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	sum[0] |= 0x80 // never zero
	return sum
}

// describeRawID says why a raw id is invalid, quoting it escaped and cut
// to 40 characters: `span id "abc" has 3 hex digits, want 16`.
func describeRawID(what, raw string, size int) string {
	if isHex(raw) {
		return fmt.Sprintf("%s %s has %d hex digits, want %d", what, quoteCut(raw), len(raw), 2*size)
	}
	return fmt.Sprintf("%s %s is not hex", what, quoteCut(raw))
}

// displayID returns a raw id as output shows it: as it was, unless it
// holds a control character, a quote, a backslash or non-ASCII, which are
// escaped as in a Go string (`\x1b`), so an id never drives a terminal.
func displayID(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			q := strconv.QuoteToASCII(s)
			return q[1 : len(q)-1]
		}
	}
	return s
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// quoteCut quotes s as Go does (control characters escaped, so they never
// reach a terminal), cut to 40 characters.
func quoteCut(s string) string {
	const max = 40
	n := 0
	for i := range s {
		if n == max {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
}
