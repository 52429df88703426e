// Package stats holds the distribution-free two-sample statistics that
// `tracectl diff` rests on: the Mann–Whitney U test (exact for small samples
// without ties, the normal approximation with tie and continuity correction
// otherwise, as R's wilcox.test computes them), the Hodges–Lehmann shift
// estimate with its confidence interval from the same order statistics, and
// Holm's step-down correction for many tests.
//
// Samples are integers (nanoseconds in tracectl), which keeps ranking and the
// order statistics of pairwise differences exact. It imports nothing of
// tracectl's: it knows samples, not spans.
package stats

import (
	"math"
	"slices"
)

// ExactLimit is the sample size below which, on both sides and without
// ties, MannWhitney uses the exact distribution of U (R's rule).
const ExactLimit = 50

// MannWhitneyResult is the outcome of a two-sided Mann–Whitney U test.
type MannWhitneyResult struct {
	// U counts the pairs (x_i, y_j) with x_i > y_j, ties counting one half:
	// R's W for wilcox.test(x, y). Its mean under the null is len(x)·len(y)/2.
	U float64
	// P is the two-sided p-value.
	P float64
	// Exact is set when P comes from the exact distribution of U.
	Exact bool
	// Ties is set when some value occurs more than once in the pooled sample.
	Ties bool
}

// MannWhitney tests whether x and y come from the same distribution against
// the alternative that one is shifted. It returns P = 1 for an empty sample
// or when every value is equal. x and y are not modified.
func MannWhitney(x, y []int64) MannWhitneyResult {
	res, _ := mannWhitneySorted(sorted(x), sorted(y))
	return res
}

// Compare runs MannWhitney and HodgesLehmann on the same samples, sorting
// them once: x and y are sorted in place.
func Compare(x, y []int64, conf float64) (MannWhitneyResult, Shift) {
	slices.Sort(x)
	slices.Sort(y)
	mw, ties := mannWhitneySorted(x, y)
	return mw, hodgesLehmannSorted(x, y, conf, mw, ties)
}

func sorted(v []int64) []int64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s
}

// mannWhitneySorted is MannWhitney on sorted samples; it also returns
// Σ(t³−t) over the runs of t equal values in the pooled sample, the tie
// correction of the variance of U.
func mannWhitneySorted(xs, ys []int64) (MannWhitneyResult, float64) {
	n, m := len(xs), len(ys)
	if n == 0 || m == 0 {
		return MannWhitneyResult{P: 1}, 0
	}
	// Merge the sorted samples, ranking each run of equal values with the
	// mean of the ranks it covers.
	var rankSumX, tieTerm float64
	ties := false
	i, j, r := 0, 0, 0
	for i < n || j < m {
		var v int64
		switch {
		case j == m || (i < n && xs[i] <= ys[j]):
			v = xs[i]
		default:
			v = ys[j]
		}
		cx, cy := 0, 0
		for i < n && xs[i] == v {
			i, cx = i+1, cx+1
		}
		for j < m && ys[j] == v {
			j, cy = j+1, cy+1
		}
		t := cx + cy
		mean := float64(r) + float64(t+1)/2
		rankSumX += float64(cx) * mean
		if t > 1 {
			ties = true
			tieTerm += float64(t)*float64(t)*float64(t) - float64(t)
		}
		r += t
	}
	nf, mf := float64(n), float64(m)
	u := rankSumX - nf*(nf+1)/2
	res := MannWhitneyResult{U: u, Ties: ties}
	if !ties && n < ExactLimit && m < ExactLimit {
		res.Exact = true
		res.P = exactP(u, n, m)
		return res, tieTerm
	}
	sigma := math.Sqrt(nf * mf / 12 * ((nf + mf + 1) - tieTerm/((nf+mf)*(nf+mf-1))))
	if sigma == 0 || math.IsNaN(sigma) {
		res.P = 1
		return res, tieTerm
	}
	z := u - nf*mf/2
	switch { // continuity correction towards the mean
	case z > 0:
		z -= 0.5
	case z < 0:
		z += 0.5
	}
	z /= sigma
	res.P = min(1, math.Erfc(math.Abs(z)/math.Sqrt2))
	return res, tieTerm
}

// uDistribution returns the null distribution of U for samples of n and m
// distinct values: dist[u] = P(U = u), u in 0..n·m. It counts the n-subsets
// of the ranks 1..n+m by rank sum with additions only (no cancellation),
// in O((n+m)·n·n·m) steps — a few million below ExactLimit.
func uDistribution(n, m int) []float64 {
	nm := n * m
	// count[k][u]: k-subsets of the ranks seen so far whose rank sum is
	// u + k(k+1)/2, i.e. whose U would be u; u never exceeds n·m for the
	// subsets that matter, so larger sums are cut off.
	count := make([][]float64, n+1)
	for k := range count {
		count[k] = make([]float64, nm+1)
	}
	count[0][0] = 1
	for e := 1; e <= n+m; e++ {
		for k := min(e, n); k >= 1; k-- {
			// Adding rank e as the k-th (largest) element raises U by e−k.
			shift := e - k
			if shift > nm {
				continue
			}
			dst, src := count[k], count[k-1]
			for u := nm; u >= shift; u-- {
				dst[u] += src[u-shift]
			}
		}
	}
	total := 0.0
	for _, c := range count[n] {
		total += c
	}
	dist := count[n]
	for u := range dist {
		dist[u] /= total
	}
	return dist
}

// exactP is R's exact two-sided p-value: twice the tail on the side of u.
func exactP(u float64, n, m int) float64 {
	dist := uDistribution(n, m)
	k := int(math.Round(u))
	p := 0.0
	if u > float64(n*m)/2 {
		for v := k; v < len(dist); v++ {
			p += dist[v]
		}
	} else {
		for v := 0; v <= k; v++ {
			p += dist[v]
		}
	}
	return min(1, 2*p)
}

// MinP returns the smallest two-sided p-value a Mann–Whitney test can
// reach with samples of n and m values (all distinct, completely
// separated): 2/C(n+m, n). A test that cannot reach alpha has too few
// samples to conclude anything, whatever the data.
func MinP(n, m int) float64 {
	if n == 0 || m == 0 {
		return 1
	}
	// log C(n+m, n) via lgamma, exact enough for a threshold.
	lg := func(v int) float64 { r, _ := math.Lgamma(float64(v) + 1); return r }
	return min(1, 2*math.Exp(lg(n)+lg(m)-lg(n+m)))
}

// Shift is a Hodges–Lehmann estimate of the shift x − y with its
// confidence interval.
type Shift struct {
	// Estimate is the median of the n·m pairwise differences x_i − y_j
	// (for an even count, the lower of the two middle ones plus half
	// their gap, rounded down).
	Estimate int64
	// Low and High bound the interval: order statistics of the pairwise
	// differences chosen from the distribution of U.
	Low, High int64
}

// HodgesLehmann estimates the shift of x relative to y and its
// two-sided interval at confidence conf (e.g. 0.95), from the order
// statistics of the pairwise differences x_i − y_j — the interval that
// inverts the Mann–Whitney test, as R's wilcox.test(x, y, conf.int = TRUE)
// reports it: with the exact distribution of U for small samples without
// ties, else the normal approximation (tie-corrected). The n·m differences
// are never materialised: the k-th smallest is found by bisection over the
// value with a count linear in the number of distinct values, so it works
// for any sample size.
func HodgesLehmann(x, y []int64, conf float64) Shift {
	xs, ys := sorted(x), sorted(y)
	mw, ties := mannWhitneySorted(xs, ys)
	return hodgesLehmannSorted(xs, ys, conf, mw, ties)
}

// hodgesLehmannSorted is HodgesLehmann on sorted samples, given their
// Mann–Whitney result and tie term.
func hodgesLehmannSorted(xs, ys []int64, conf float64, mw MannWhitneyResult, tieTerm float64) Shift {
	n, m := len(xs), len(ys)
	if n == 0 || m == 0 {
		return Shift{}
	}
	nm := n * m
	xr, yr := runsOf(xs), runsOf(ys)
	var est int64
	if nm%2 == 1 {
		est = kthDiff(xr, yr, (nm+1)/2)
	} else {
		a := kthDiff(xr, yr, nm/2)
		b := a
		if countAtMost(xr, yr, a) < nm/2+1 {
			b = nextDiff(xr, yr, a)
		}
		est = a + (b-a)/2
	}
	alpha := 1 - conf
	var k int // 1-based index of the lower bound; the upper is nm+1−k
	if mw.Exact {
		// R: qu = qwilcox(alpha/2, n, m), at least 1.
		dist := uDistribution(n, m)
		cum := 0.0
		for q, p := range dist {
			cum += p
			if cum >= alpha/2*(1-1e-12) {
				k = q
				break
			}
		}
		k = max(k, 1)
	} else {
		nf, mf := float64(n), float64(m)
		sigma := math.Sqrt(nf * mf / 12 * ((nf + mf + 1) - tieTerm/((nf+mf)*(nf+mf-1))))
		z := normalQuantile(1 - alpha/2)
		k = max(1, int(math.Floor(float64(nm)/2-z*sigma)))
	}
	k = min(k, (nm+1)/2)
	return Shift{Estimate: est, Low: kthDiff(xr, yr, k), High: kthDiff(xr, yr, nm+1-k)}
}

// runs is a sorted sample as runs of equal values: v[i] occurs c[i]
// times. The order statistics of the differences are counted run by run,
// so a sample that is mostly one value (a group absent from most traces
// is mostly zeros in diff) costs its number of distinct values, not its
// size.
type runs struct {
	v []int64
	c []int
}

func runsOf(sorted []int64) runs {
	var r runs
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		r.v = append(r.v, sorted[i])
		r.c = append(r.c, j-i)
		i = j
	}
	return r
}

// kthDiff returns the k-th smallest (1-based) of the differences x − y,
// x from xs and y from ys: the smallest t with at least k differences at
// or below it, by bisection over t.
func kthDiff(xs, ys runs, k int) int64 {
	lo, hi := xs.v[0]-ys.v[len(ys.v)-1], xs.v[len(xs.v)-1]-ys.v[0]
	for lo < hi {
		mid := lo + (hi-lo)/2
		if countAtMost(xs, ys, mid) >= k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// nextDiff returns the smallest difference x − y above t (one exists):
// for each x, the largest y below x − t, found with a pointer that only
// moves right as x rises.
func nextDiff(xs, ys runs, t int64) int64 {
	best, found := int64(0), false
	j := 0 // ys.v[:j] are < x − t for the current x
	for _, x := range xs.v {
		for j < len(ys.v) && ys.v[j] < x-t {
			j++
		}
		if j > 0 {
			if d := x - ys.v[j-1]; !found || d < best {
				best, found = d, true
			}
		}
	}
	return best
}

// countAtMost counts the pairs with x − y ≤ t: for rising x the first
// y ≥ x − t only moves right.
func countAtMost(xs, ys runs, t int64) int {
	total := 0
	for _, c := range ys.c {
		total += c
	}
	count, j, below := 0, 0, 0 // below: how many y are < x − t
	for i, x := range xs.v {
		for j < len(ys.v) && ys.v[j] < x-t {
			below += ys.c[j]
			j++
		}
		count += xs.c[i] * (total - below)
	}
	return count
}

// normalQuantile returns Φ⁻¹(p) for 0 < p < 1: −√2·erfc⁻¹(2p).
func normalQuantile(p float64) float64 {
	return -math.Sqrt2 * math.Erfcinv(2*p)
}

// Holm adjusts p-values for testing them all at once (Holm's step-down
// method): the family-wise error rate stays at most alpha when every
// adjusted p-value is compared with alpha. Order is preserved.
func Holm(p []float64) []float64 {
	k := len(p)
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	adj := make([]float64, k)
	running := 0.0
	for rank, i := range idx {
		v := min(1, float64(k-rank)*p[i])
		running = max(running, v)
		adj[i] = running
	}
	return adj
}

// FisherGreater is the one-sided p-value of Fisher's exact test that the
// second group has a larger share of "above" than the first: with a of m
// above in the first group and b of n in the second, the probability,
// given the a+b above in all, that the second holds b or more of them
// (the upper tail of the hypergeometric distribution).
func FisherGreater(a, m, b, n int) float64 {
	if m <= 0 || n <= 0 || a < 0 || b < 0 || a > m || b > n {
		return 1
	}
	k := a + b
	lchoose := func(x, y int) float64 {
		if y < 0 || y > x {
			return math.Inf(-1)
		}
		lx, _ := math.Lgamma(float64(x) + 1)
		ly, _ := math.Lgamma(float64(y) + 1)
		lxy, _ := math.Lgamma(float64(x-y) + 1)
		return lx - ly - lxy
	}
	total := lchoose(m+n, k)
	p := 0.0
	for j := b; j <= min(k, n); j++ {
		p += math.Exp(lchoose(n, j) + lchoose(m, k-j) - total)
	}
	return min(1, p)
}
