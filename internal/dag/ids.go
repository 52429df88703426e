package dag

import (
	"encoding/hex"
	"fmt"
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
