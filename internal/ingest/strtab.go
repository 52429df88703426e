package ingest

import (
	"encoding/binary"
	"math/bits"
	"strings"
)

// The JSON decoders' string table: strings are copied out of the input
// buffer (which the streaming reader refills and compacts while an object
// is decoded), and the short ones that repeat across spans are shared.
// (The protobuf decoder needs no copies: its message is whole until the
// batch is packed.)

// strTable copies strings out of the input. Copies go into large
// append-only chunks (a chunk's bytes are never written twice, so every
// string handed out stays valid and immutable); short strings are looked
// up first in a direct-mapped table of recent ones, so a key or value
// that repeats costs a hash and a compare, and no memory.
type strTable struct {
	chunk strings.Builder
	slots [strSlots]string
}

const (
	strSlots     = 1 << 10
	strChunkSize = 32 << 10
	// Strings up to maxShort bytes go through the table: attribute keys,
	// span and event names, and most enum-like values.
	maxShort = 128
)

// reset forgets the strings of the table, so that it keeps no earlier
// message's memory alive (but the free end of the current chunk).
func (t *strTable) reset() {
	t.slots = [strSlots]string{}
}

// short returns b as a string, shared with an earlier equal one when the
// table has it.
func (t *strTable) short(b []byte) string {
	if len(b) > maxShort {
		return t.long(b)
	}
	if len(b) == 0 {
		return ""
	}
	slot := &t.slots[strHash(b)>>(64-10)]
	if *slot == string(b) {
		return *slot
	}
	s := t.long(b)
	*slot = s
	return s
}

// long copies b into the current chunk (or, when large, on its own).
func (t *strTable) long(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > strChunkSize/8 {
		return string(b)
	}
	if t.chunk.Cap()-t.chunk.Len() < len(b) {
		t.chunk = strings.Builder{}
		t.chunk.Grow(strChunkSize)
	}
	start := t.chunk.Len()
	t.chunk.Write(b)
	return t.chunk.String()[start:]
}

// strHash is a cheap hash of a short string: up to three 8-byte samples
// (all of a string of up to 24 bytes), mixed by one multiplication. A
// collision only costs a copy.
func strHash(b []byte) uint64 {
	n := len(b)
	var h uint64
	le := binary.LittleEndian
	switch {
	case n >= 8:
		h = le.Uint64(b) ^ bits.RotateLeft64(le.Uint64(b[n/2-4:]), 21) ^ bits.RotateLeft64(le.Uint64(b[n-8:]), 42)
	case n >= 4:
		h = uint64(le.Uint32(b)) | uint64(le.Uint32(b[n-4:]))<<32
	default:
		h = uint64(b[0]) | uint64(b[n/2])<<8 | uint64(b[n-1])<<16
	}
	h ^= uint64(n) << 58
	return h * 0x9e3779b97f4a7c15
}
