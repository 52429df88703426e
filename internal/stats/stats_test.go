package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The expected values are R's wilcox.test, reasoned out by hand:
// for samples this small the exact distribution of U is a count of
// subsets (C(6,3) = 20, C(10,5) = 252), and the normal approximation is a
// few lines of arithmetic, shown beside each case.
func TestMannWhitney(t *testing.T) {
	tests := []struct {
		name string
		x, y []int64
		want MannWhitneyResult
	}{
		{
			// wilcox.test(1:3, 4:6): W = 0, p = 2·P(U ≤ 0) = 2/20.
			name: "separated 3v3",
			x:    []int64{1, 2, 3}, y: []int64{4, 5, 6},
			want: MannWhitneyResult{U: 0, P: 0.1, Exact: true},
		},
		{
			// wilcox.test(6:10, 1:5): W = 25, p = 2·P(U ≥ 25) = 2/252.
			name: "separated 5v5, x larger",
			x:    []int64{10, 7, 9, 6, 8}, y: []int64{5, 1, 2, 4, 3},
			want: MannWhitneyResult{U: 25, P: 2.0 / 252, Exact: true},
		},
		{
			// wilcox.test(c(1,3,5), c(2,4,6)): U counts x > y pairs: 3>2, 5>2,
			// 5>4 → 3; P(U ≤ 3) = (1+1+2+3)/20 = 7/20, p = 0.7.
			name: "interleaved 3v3",
			x:    []int64{1, 3, 5}, y: []int64{2, 4, 6},
			want: MannWhitneyResult{U: 3, P: 0.7, Exact: true},
		},
		{
			// wilcox.test(c(1,2,2,3), c(2,3,4,5)): pooled ranks 1 | 3 3 3 |
			// 5.5 5.5 | 7 | 8; x's rank sum 12.5, W = 12.5 − 10 = 2.5.
			// σ² = 16/12·(9 − (24+6)/56) = 11.2857; z = (2.5 − 8 + 0.5)/3.3594
			// = −1.48836; p = 2Φ(z) = 0.13666.
			name: "ties use the normal approximation",
			x:    []int64{1, 2, 2, 3}, y: []int64{2, 3, 4, 5},
			want: MannWhitneyResult{U: 2.5, P: 0.13666, Ties: true},
		},
		{
			name: "all equal",
			x:    []int64{7, 7}, y: []int64{7, 7, 7},
			want: MannWhitneyResult{U: 3, P: 1, Ties: true},
		},
		{
			name: "empty side",
			x:    nil, y: []int64{1},
			want: MannWhitneyResult{P: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MannWhitney(tt.x, tt.y)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(0, 5e-5)); diff != "" {
				t.Errorf("MannWhitney (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMannWhitneyLarge checks the normal approximation without ties
// against its formula, and that the exact and the normal p-values agree
// near the switch-over.
func TestMannWhitneyLarge(t *testing.T) {
	// x = 2, 4 … 120 and y = 63, 65 … 181 (no ties): x_i > y_j iff
	// i − j ≥ 31, so U = Σ_{i=32..60} (i−31) = 435. σ = √(3600·121/12)
	// = 190.526; z = (435 − 1800 + 0.5)/σ = −7.1617.
	var x, y []int64
	for i := int64(1); i <= 60; i++ {
		x = append(x, 2*i)
		y = append(y, 2*i+61)
	}
	got := MannWhitney(x, y)
	z := (435 - 1800 + 0.5) / math.Sqrt(3600*121/12.0)
	if got.Exact || got.U != 435 || math.Abs(got.P-math.Erfc(-z/math.Sqrt2)) > 1e-15 {
		t.Errorf("MannWhitney = %+v, want U=435 p=%g (normal)", got, math.Erfc(-z/math.Sqrt2))
	}

	// Just below the limit, the exact p and the normal one are close.
	r := rand.New(rand.NewPCG(1, 2))
	x, y = nil, nil
	seen := map[int64]bool{}
	draw := func(off int64) int64 {
		for {
			v := r.Int64N(1000) + off
			if !seen[v] {
				seen[v] = true
				return v
			}
		}
	}
	for range 40 {
		x = append(x, draw(0))
		y = append(y, draw(150))
	}
	exact := MannWhitney(x, y)
	nf := float64(len(x))
	z = (exact.U - nf*nf/2)
	z = (z + 0.5*math.Copysign(-1, z)) / math.Sqrt(nf*nf*(2*nf+1)/12)
	normal := math.Erfc(math.Abs(z) / math.Sqrt2)
	if !exact.Exact || math.Abs(exact.P-normal) > 0.01 {
		t.Errorf("exact p %g vs normal p %g: too far apart", exact.P, normal)
	}
}

func TestUDistribution(t *testing.T) {
	// U for 2 vs 2: the 6 orderings give U = 0,1,2,2,3,4.
	got := uDistribution(2, 2)
	want := []float64{1. / 6, 1. / 6, 2. / 6, 1. / 6, 1. / 6}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-15)); diff != "" {
		t.Errorf("uDistribution(2,2) (-want +got):\n%s", diff)
	}
	// Symmetric and summing to one for larger sizes.
	d := uDistribution(49, 49)
	sum := 0.0
	for u := range d {
		sum += d[u]
		if math.Abs(d[u]-d[len(d)-1-u]) > 1e-12 {
			t.Fatalf("not symmetric at %d", u)
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("sum = %g", sum)
	}
}

func TestHodgesLehmann(t *testing.T) {
	tests := []struct {
		name string
		x, y []int64
		conf float64
		want Shift
	}{
		{
			// Differences x−y: 1 2 2 3 3 3 4 4 5; median 3. qwilcox(0.025,3,3)
			// = 0 → 1, so R's interval is (diffs[1], diffs[9]) = (1, 5).
			name: "3v3 exact",
			x:    []int64{4, 5, 6}, y: []int64{1, 2, 3}, conf: 0.95,
			want: Shift{Estimate: 3, Low: 1, High: 5},
		},
		{
			// 10 vs 10: the differences are 100 + (i − j), the value 100+d
			// occurring 10−|d| times; median 100. qwilcox(0.025, 10, 10) = 24
			// (the tabled two-sided 5% critical value of U is 23), so the
			// interval is (diffs[24], diffs[77]). Cumulative counts from
			// d = −9: 1 3 6 10 15 21 28, so diffs[24] is at d = −3 (97) and,
			// by symmetry, diffs[77] at d = +3 (103).
			name: "10v10 exact shift 100",
			x:    []int64{101, 102, 103, 104, 105, 106, 107, 108, 109, 110},
			y:    []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, conf: 0.95,
			want: Shift{Estimate: 100, Low: 97, High: 103},
		},
		{
			name: "identical samples",
			x:    []int64{5, 5, 5}, y: []int64{5, 5}, conf: 0.95,
			want: Shift{Estimate: 0, Low: 0, High: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HodgesLehmann(tt.x, tt.y, tt.conf)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("HodgesLehmann (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHodgesLehmannCoverage draws many pairs of samples with a known shift
// and checks that the 95% interval covers it about 95% of the time, for
// both the exact and the normal branch.
func TestHodgesLehmannCoverage(t *testing.T) {
	for _, n := range []int{8, 120} {
		r := rand.New(rand.NewPCG(uint64(n), 7))
		const trials, shift = 400, 5000
		covered := 0
		for range trials {
			x := make([]int64, n)
			y := make([]int64, n)
			for i := range n {
				x[i] = int64(r.ExpFloat64()*20000) + shift
				y[i] = int64(r.ExpFloat64() * 20000)
			}
			s := HodgesLehmann(x, y, 0.95)
			if s.Low <= shift && shift <= s.High {
				covered++
			}
		}
		rate := float64(covered) / trials
		if rate < 0.92 || rate > 0.99 {
			t.Errorf("n=%d: coverage %.3f, want about 0.95", n, rate)
		}
	}
}

func TestKthDiffMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		x := make([]int64, 1+r.IntN(12))
		y := make([]int64, 1+r.IntN(12))
		for i := range x {
			x[i] = r.Int64N(20) - 5
		}
		for i := range y {
			y[i] = r.Int64N(20)
		}
		var all []int64
		for _, a := range x {
			for _, b := range y {
				all = append(all, a-b)
			}
		}
		all = sorted(all)
		xs, ys := runsOf(sorted(x)), runsOf(sorted(y))
		for k := 1; k <= len(all); k++ {
			if got := kthDiff(xs, ys, k); got != all[k-1] {
				t.Fatalf("kthDiff(%v, %v, %d) = %d, want %d", xs, ys, k, got, all[k-1])
			}
			if k < len(all) && all[k] > all[k-1] {
				if got := nextDiff(xs, ys, all[k-1]); got != all[k] {
					t.Fatalf("nextDiff(%v, %v, %d) = %d, want %d", xs, ys, all[k-1], got, all[k])
				}
			}
		}
		nm := len(all)
		want := all[nm/2]
		if nm%2 == 0 {
			a, b := all[nm/2-1], all[nm/2]
			want = a + (b-a)/2
		}
		if got := HodgesLehmann(x, y, 0.95).Estimate; got != want {
			t.Fatalf("HodgesLehmann(%v, %v) estimate = %d, want the median of the differences %d", xs, ys, got, want)
		}
	}
}

func TestMinP(t *testing.T) {
	for _, tt := range []struct {
		n, m int
		want float64
	}{{4, 4, 2.0 / 70}, {5, 5, 2.0 / 252}, {1, 9, 0.2}, {0, 3, 1}} {
		if got := MinP(tt.n, tt.m); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("MinP(%d,%d) = %g, want %g", tt.n, tt.m, got, tt.want)
		}
	}
}

func TestHolm(t *testing.T) {
	// p.adjust(c(0.01, 0.04, 0.03, 0.5), "holm") = 0.04 0.09 0.09 0.5.
	got := Holm([]float64{0.01, 0.04, 0.03, 0.5})
	want := []float64{0.04, 0.09, 0.09, 0.5}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("Holm (-want +got):\n%s", diff)
	}
}

func TestFisherGreater(t *testing.T) {
	for _, tt := range []struct {
		a, m, b, n int
		want       float64
	}{
		// Lady tasting tea: 3 of 4 vs 1 of 4 — fisher.test(matrix(c(3,1,1,3),2),
		// alternative="greater") gives 0.2429 = (16+1)/70.
		{1, 4, 3, 4, 17.0 / 70},
		{0, 4, 4, 4, 1.0 / 70},
		{2, 10, 0, 10, 1},
		{0, 0, 1, 1, 1},
	} {
		if got := FisherGreater(tt.a, tt.m, tt.b, tt.n); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("FisherGreater(%d/%d, %d/%d) = %g, want %g", tt.a, tt.m, tt.b, tt.n, got, tt.want)
		}
	}
}
