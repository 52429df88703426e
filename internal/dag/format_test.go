package dag

import (
	"math"
	"testing"
)

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		ns   int64
		want string
	}{
		{0, "0ns"},
		{1, "1ns"},
		{999, "999ns"},
		{1000, "1.00µs"},
		{1004, "1.00µs"},
		{1005, "1.01µs"},
		{9994, "9.99µs"},
		{9995, "10.0µs"},
		{99_949, "99.9µs"},
		{99_950, "100µs"},
		{999_499, "999µs"},
		{999_500, "1.00ms"},
		{1_210_000, "1.21ms"},
		{5_000_000, "5.00ms"},
		{999_800_000, "1.00s"},
		{999_499_999, "999ms"},
		{1_200_000_000, "1.20s"},
		{59_940_000_000, "59.9s"},
		{59_950_000_000, "1m00s"},
		{60_000_000_000, "1m00s"},
		{123_000_000_000, "2m03s"},
		{3_599_400_000_000, "59m59s"},
		{3_599_500_000_000, "1h00m"},
		{3_900_000_000_000, "1h05m"},
		{-1_500_000, "-1.50ms"},
		{-999_800_000, "-1.00s"},
		{math.MaxInt64, "2562047h47m"},
		{math.MinInt64, "-2562047h47m"},
	} {
		if got := FormatDuration(tc.ns); got != tc.want {
			t.Errorf("FormatDuration(%d) = %q, want %q", tc.ns, got, tc.want)
		}
	}
}

func TestFormatShiftOffset(t *testing.T) {
	for _, tc := range []struct {
		ns            int64
		shift, offset string
	}{
		{0, "0ns", "0"},
		{5_000_000, "+5.00ms", "+5.00ms"},
		{-120_000, "-120µs", "-120µs"},
	} {
		if got := FormatShift(tc.ns); got != tc.shift {
			t.Errorf("FormatShift(%d) = %q, want %q", tc.ns, got, tc.shift)
		}
		if got := FormatOffset(tc.ns); got != tc.offset {
			t.Errorf("FormatOffset(%d) = %q, want %q", tc.ns, got, tc.offset)
		}
	}
}

// TestFormatDurationMonotonic checks that the printed value never goes
// down as the duration grows, across every unit boundary.
func TestFormatDurationMonotonic(t *testing.T) {
	value := func(s string) float64 {
		var v float64
		var unit string
		for i := range s {
			if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
				v, unit = parse(s[:i]), s[i:]
				break
			}
		}
		switch unit {
		case "ns":
			return v
		case "µs":
			return v * 1e3
		case "ms":
			return v * 1e6
		case "s":
			return v * 1e9
		}
		return math.Inf(1) // minutes: beyond the checked range
	}
	prev := 0.0
	for ns := int64(1); ns < 60e9; ns = ns*101/100 + 1 {
		v := value(FormatDuration(ns))
		if v < prev {
			t.Fatalf("FormatDuration(%d) = %s is less than the previous value %g", ns, FormatDuration(ns), prev)
		}
		if rel := math.Abs(v-float64(ns)) / float64(ns); rel > 0.005 {
			t.Fatalf("FormatDuration(%d) = %s is %.2f%% off", ns, FormatDuration(ns), 100*rel)
		}
		prev = v
	}
}

func parse(s string) float64 {
	var v, scale float64 = 0, 0
	for _, c := range s {
		if c == '.' {
			scale = 1
			continue
		}
		v = 10*v + float64(c-'0')
		if scale > 0 {
			scale *= 10
		}
	}
	if scale > 0 {
		v /= scale
	}
	return v
}
