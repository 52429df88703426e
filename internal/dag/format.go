package dag

import (
	"fmt"
	"strconv"
)

// MissingSpan is how every output names a placeholder for an absent span
// (a parent that is not in the input): "missing span <id>", where idText
// is the id as output shows it (Tree.IDText: the raw text of an invalid
// id). Where placeholders are counted together (attribution rows, folded
// stacks) the group is MissingSpans.
func MissingSpan(idText string) string { return MissingSpans + " " + idText }

// MissingSpans names the group of all placeholders for absent spans.
const MissingSpans = "missing span"

// Plural counts something in words — "1 span", "3 spans", "0 traces" —
// for every count tracectl writes in prose.
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// FormatDuration writes nanoseconds the way people read latency, and is the
// one formatter behind every duration tracectl prints — trees, tables,
// critical paths, check messages, query explanations: three significant
// digits and a unit (850ns, 12.3µs, 4.56ms, 1.20s), then minutes and
// seconds (2m03s) and hours and minutes (1h05m). It rounds to nearest and
// carries into the next unit, so 999.8ms is 1.00s, never 1000ms.
func FormatDuration(ns int64) string {
	var buf [24]byte
	return string(appendSigned(buf[:0], ns, false))
}

// AppendDuration appends FormatDuration(ns) to b.
func AppendDuration(b []byte, ns int64) []byte { return appendSigned(b, ns, false) }

// FormatShift is FormatDuration with an explicit sign: how far to move a
// span's times (+5.00ms, -120µs, 0ns).
func FormatShift(ns int64) string {
	var buf [24]byte
	return string(appendSigned(buf[:0], ns, true))
}

func appendSigned(b []byte, ns int64, plus bool) []byte {
	u := uint64(ns)
	switch {
	case ns < 0:
		b = append(b, '-')
		u = -u // two's complement: right for math.MinInt64 too
	case ns > 0 && plus:
		b = append(b, '+')
	}
	return appendDuration(b, u)
}

// FormatOffset writes where something starts relative to a trace or root
// span: 0 at the start itself, else a sign and a duration (+1.21ms).
func FormatOffset(ns int64) string {
	if ns == 0 {
		return "0"
	}
	return FormatShift(ns)
}

// AppendOffset appends FormatOffset(ns) to b.
func AppendOffset(b []byte, ns int64) []byte {
	if ns == 0 {
		return append(b, '0')
	}
	return appendSigned(b, ns, true)
}

var durationUnits = [...]struct {
	div  uint64
	name string
}{{1e3, "µs"}, {1e6, "ms"}, {1e9, "s"}}

func appendDuration(b []byte, u uint64) []byte {
	if u < 1000 {
		return append(strconv.AppendUint(b, u, 10), "ns"...)
	}
	for k := 0; k < len(durationUnits); k++ {
		div := durationUnits[k].div
		q := u / div
		if q >= 1000 {
			continue
		}
		// Three significant digits: q has 1 to 3 integer digits, so
		// 2, 1 or 0 decimals; r is the value rounded to them.
		dec, pow := 0, uint64(1)
		switch {
		case q < 10:
			dec, pow = 2, 100
		case q < 100:
			dec, pow = 1, 10
		}
		r := (u*pow + div/2) / div
		if r == 1000 { // rounding carried into one more digit
			if dec == 0 {
				if k+1 < len(durationUnits) {
					u = durationUnits[k+1].div // 1.00 of the next unit
					continue
				}
				return appendMinutes(b, u)
			}
			dec, pow, r = dec-1, pow/10, 100
		}
		if k == len(durationUnits)-1 && r >= 60*pow {
			return appendMinutes(b, u)
		}
		b = strconv.AppendUint(b, r/pow, 10)
		if dec > 0 {
			b = append(b, '.')
			frac := strconv.FormatUint(r%pow+pow, 10) // leading 1 keeps the zeros
			b = append(b, frac[1:]...)
		}
		return append(b, durationUnits[k].name...)
	}
	return appendMinutes(b, u)
}

// appendMinutes writes u (at least about a minute) as 2m03s, or from an
// hour on as 1h05m, rounded to the last unit shown.
func appendMinutes(b []byte, u uint64) []byte {
	s := (u + 5e8) / 1e9
	if s < 3600 {
		b = strconv.AppendUint(b, s/60, 10)
		return append(append(b, 'm'), two(s%60)+"s"...)
	}
	m := (u + 30e9) / 60e9
	b = strconv.AppendUint(b, m/60, 10)
	return append(append(b, 'h'), two(m%60)+"m"...)
}

func two(n uint64) string {
	if n < 10 {
		return "0" + strconv.FormatUint(n, 10)
	}
	return strconv.FormatUint(n, 10)
}
