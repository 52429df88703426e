// Package suggest finds the names nearest to one the user typed, for "did
// you mean" messages: Levenshtein edit distance over runes. It owns the edit
// distance every package uses; it knows nothing about traces.
package suggest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// maxRunes bounds the work per comparison: names longer than this are
// compared on their first maxRunes runes.
const maxRunes = 64

// Distance is the Levenshtein distance between a and b (insertions,
// deletions and substitutions of runes), on at most their first 64 runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	ra, rb = ra[:min(len(ra), maxRunes)], rb[:min(len(rb), maxRunes)]
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			sub := prev[j-1]
			if ra[i-1] != rb[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Nearest returns up to n of candidates closest to name, nearest first
// (ties in candidate order, duplicates once). Case is ignored for the
// distance, so "Payment" finds "payment".
func Nearest(name string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	seen := make(map[string]bool, len(candidates))
	var all []scored
	lname := strings.ToLower(name)
	for _, c := range candidates {
		if seen[c] {
			continue
		}
		seen[c] = true
		all = append(all, scored{c, Distance(lname, strings.ToLower(c))})
	}
	slices.SortStableFunc(all, func(a, b scored) int { return cmp.Compare(a.d, b.d) })
	out := make([]string, 0, min(n, len(all)))
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.s)
	}
	return out
}

// Quoted is Nearest's answer as error messages show it: up to n names,
// nearest first, each Go-quoted (so control characters show escaped),
// joined by ", ".
func Quoted(name string, candidates []string, n int) string {
	near := Nearest(name, candidates, n)
	for i, c := range near {
		near[i] = fmt.Sprintf("%q", c)
	}
	return strings.Join(near, ", ")
}

// Close returns the candidates near enough to name to be what the user
// meant, nearest first: those one is a prefix of the other ("dur" for
// "duration", "trace-id" for "trace"), and those at the fewest edits from
// name if that is at most two (one for names of up to three runes, so "x"
// does not suggest "ls"). Case is ignored. It is the rule
// of every "did you mean" message.
func Close(name string, candidates []string) []string {
	lname := strings.ToLower(name)
	limit := 2
	if len([]rune(lname)) <= 3 {
		limit = 1
	}
	var out []string
	best := -1
	for _, c := range Nearest(name, candidates, len(candidates)) {
		lc := strings.ToLower(c)
		short, long := lname, lc
		if len(short) > len(long) {
			short, long = long, short
		}
		d := Distance(lname, lc)
		if d <= limit && (best < 0 || d == best) {
			best = d
			out = append(out, c)
		} else if len([]rune(short)) >= 3 && strings.HasPrefix(long, short) {
			out = append(out, c)
		}
	}
	return out
}
