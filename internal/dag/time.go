package dag

import "math"

// Times are uint64 unix nanoseconds, as OTLP's fixed64 fields are: a time
// above the int64 maximum is valid input. Durations and shifts are signed
// int64 nanoseconds. Sub and Add convert between the two without ever
// wrapping: they saturate at the ends of the range instead, so a span
// from 0 to the uint64 maximum has a long positive duration, not -1ns.

// Sub returns a-b in nanoseconds, saturated to the int64 range.
func Sub(a, b uint64) int64 {
	if a >= b {
		if d := a - b; d <= math.MaxInt64 {
			return int64(d)
		}
		return math.MaxInt64
	}
	if d := b - a; d <= 1<<63 {
		return int64(-d)
	}
	return math.MinInt64
}

// Add returns t shifted by d nanoseconds, saturated to the uint64 range.
func Add(t uint64, d int64) uint64 {
	if d >= 0 {
		if r := t + uint64(d); r >= t {
			return r
		}
		return math.MaxUint64
	}
	if m := uint64(-d); m <= t {
		return t - m
	}
	return 0
}

// addSat returns a+b saturated to the int64 range.
func addSat(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}
