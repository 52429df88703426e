package dag

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

func TestIDIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		id   func(k int) SpanID
	}{
		{"sequential", func(k int) SpanID { return sid(uint64(k + 1)) }},
		{"random", func(int) SpanID {
			var id SpanID
			binary.LittleEndian.PutUint64(id[:], r.Uint64()|1)
			return id
		}},
		{"high bytes", func(k int) SpanID { return sid(uint64(k+1) << 40) }},
	} {
		for _, n := range []int{0, 1, 9, 1000, 70_000} {
			x := newIDIndex(n)
			want := make(map[SpanID]int32, n)
			for k := range n {
				id := tc.id(k)
				got, dup := x.add(id, int32(k))
				w, wdup := want[id]
				if !wdup {
					want[id], w = int32(k), int32(k)
				}
				if dup != wdup || got != w {
					t.Fatalf("%s n=%d: add(%s) = %d, %v; want %d, %v", tc.name, n, id, got, dup, w, wdup)
				}
			}
			for id, w := range want {
				if got, ok := x.get(id); !ok || got != w {
					t.Fatalf("%s n=%d: get(%s) = %d, %v; want %d", tc.name, n, id, got, ok, w)
				}
			}
			if _, ok := x.get(sid(1 << 62)); ok {
				t.Fatalf("%s n=%d: found an id never added", tc.name, n)
			}
		}
	}
}
