package dag

import (
	"math"
	"testing"
)

func TestSubAdd(t *testing.T) {
	const top = math.MaxUint64
	subs := []struct {
		a, b uint64
		want int64
	}{
		{5, 3, 2},
		{3, 5, -2},
		{1 << 63, 1<<63 - 1, 1},            // across the int64 boundary
		{1<<63 + 1000, 1<<63 - 1000, 2000}, // a span straddling it
		{top, 0, math.MaxInt64},            // saturates, never -1
		{0, top, math.MinInt64},
		{1 << 63, 0, math.MaxInt64},
		{0, 1 << 63, math.MinInt64},
		{math.MaxInt64, 0, math.MaxInt64},
	}
	for _, tt := range subs {
		if got := Sub(tt.a, tt.b); got != tt.want {
			t.Errorf("Sub(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	adds := []struct {
		t    uint64
		d    int64
		want uint64
	}{
		{5, 3, 8},
		{5, -3, 2},
		{5, -6, 0}, // saturates at 0
		{top - 1, 5, top},
		{1<<63 - 1, 1, 1 << 63},
		{top, math.MinInt64, 1<<63 - 1},
		{0, math.MaxInt64, math.MaxInt64},
	}
	for _, tt := range adds {
		if got := Add(tt.t, tt.d); got != tt.want {
			t.Errorf("Add(%d, %d) = %d, want %d", tt.t, tt.d, got, tt.want)
		}
	}
}
