package render

import (
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
	"github.com/rivo/uniseg"
)

// Text measured and cut in terminal cells. Callers pass escaped text
// (termstr.Escape), so there are no control characters to account for.
// Each function costs at most the length of the text it keeps or scans,
// never a re-measure per character, so a line is fitted in linear time.

// cells returns the width of s in terminal cells.
func cells(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return uniseg.StringWidth(s)
		}
	}
	return len(s)
}

// headCells returns the longest prefix of s at most n cells wide, and its
// width.
func headCells(s string, n int) (string, int) {
	w, i := 0, 0
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if w+1 > n {
				break
			}
			w++
			i++
			continue
		}
		cluster, _, cw, _ := uniseg.FirstGraphemeClusterInString(s[i:], -1)
		if w+cw > n {
			break
		}
		w += cw
		i += len(cluster)
	}
	return s[:i], w
}

// tailCells returns the longest suffix of s at most n cells wide, and its
// width. It walks back rune by rune (a wide rune is never split; a cluster
// may be, which only costs a cell of the room).
func tailCells(s string, n int) (string, int) {
	w, i := 0, len(s)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		rw := 1
		if r >= utf8.RuneSelf {
			rw = runewidth.RuneWidth(r)
		}
		if w+rw > n {
			break
		}
		w += rw
		i -= size
	}
	return s[i:], w
}

// truncEnd shortens s (w cells wide) to at most n cells, ending in "…".
func truncEnd(s string, w, n int) string {
	switch {
	case w <= n:
		return s
	case n <= 0:
		return ""
	}
	head, _ := headCells(s, n-1)
	return head + "…"
}

// truncMiddle shortens s (w cells wide) to at most n cells by cutting its
// middle, so both the start and the end of a name stay readable:
// "shop.payment.…e/Charge".
func truncMiddle(s string, w, n int) string {
	switch {
	case w <= n:
		return s
	case n <= 0:
		return ""
	}
	// Two thirds of the room for the start, which tells most (a method,
	// a verb, a package), the rest for the end (the operation itself).
	keep := n - 1
	tail, tw := tailCells(s, keep/3)
	head, _ := headCells(s, keep-tw)
	return head + "…" + tail
}
