package dag

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
)

// idIndex maps span ids to record indexes for Build: open addressing with
// linear probing over a table at most half full, so a lookup is usually
// one cache line where a Go map touches two or three. Span ids are random
// by the W3C spec, but the hash also spreads the sequential ids tests and
// some tools make, and it is seeded per process so a crafted file cannot
// pile its ids onto one slot. The zero id is never stored.
type idIndex struct {
	slots []idSlot
	shift uint8
}

var idSeed = rand.Uint64()

type idSlot struct {
	id  SpanID
	idx int32
}

func newIDIndex(n int) *idIndex {
	x := new(idIndex)
	x.reset(n)
	return x
}

// reset empties the index and sizes it for n ids, reusing its memory.
func (x *idIndex) reset(n int) {
	size := 16
	if n > 8 {
		size = 1 << bits.Len(uint(2*n-1))
	}
	if cap(x.slots) >= size {
		x.slots = x.slots[:size]
		clear(x.slots)
	} else {
		x.slots = make([]idSlot, size)
	}
	x.shift = uint8(64 - bits.TrailingZeros(uint(size)))
}

func (x *idIndex) slot(id SpanID) uint64 {
	// MurmurHash3's finalizer: a bijection that mixes every bit.
	h := binary.LittleEndian.Uint64(id[:]) ^ idSeed
	h = (h ^ h>>33) * 0xff51afd7ed558ccd
	h = (h ^ h>>33) * 0xc4ceb9fe1a85ec53
	return (h ^ h>>33) >> x.shift
}

// find returns id's slot, or the empty slot where it would go.
func (x *idIndex) find(id SpanID) *idSlot {
	mask := uint64(len(x.slots) - 1)
	for i := x.slot(id); ; i = (i + 1) & mask {
		if s := &x.slots[i]; s.id == id || s.id.IsZero() {
			return s
		}
	}
}

// get returns id's index.
func (x *idIndex) get(id SpanID) (int32, bool) {
	s := x.find(id)
	return s.idx, !s.id.IsZero()
}

// add returns id's index if it is present, else stores idx for it. At
// most n ids (newIDIndex's n) may be stored: the table is never grown.
func (x *idIndex) add(id SpanID, idx int32) (int32, bool) {
	s := x.find(id)
	if !s.id.IsZero() {
		return s.idx, true
	}
	s.id, s.idx = id, idx
	return idx, false
}
