package diff

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/stats"
)

// Verdict is a row's conclusion (DESIGN.md §3).
type Verdict string

// Verdicts.
const (
	Regressed Verdict = "regressed"
	Improved  Verdict = "improved"
	Unchanged Verdict = "unchanged"
	New       Verdict = "new"  // the group occurs only in the candidate
	Gone      Verdict = "gone" // the group occurs only in the base
)

// EndToEndGroup names the row of root latency.
const EndToEndGroup = "(end to end)"

// Confidence is the level of the shift's interval.
const Confidence = 0.95

// Options say how Compare groups and decides.
type Options struct {
	By critpath.By
	// Alpha is the family-wise significance level (Holm-corrected p-values
	// are compared with it); 0 means 0.01.
	Alpha float64
	// MinChange is the smallest shift, as a fraction of the base median,
	// that counts as a change; 0 means 0.05. Set it negative for none.
	MinChange float64
	// MinShift is the smallest shift in nanoseconds that counts as a
	// change, whatever the base median (0: no floor): a 500ns regression
	// of a 4µs span can be significant and still not worth a red build.
	MinShift int64
	// Why, when set, explains every regressed row (see Why).
	Why bool
	// NewAnalyzer returns the critical-path analyzer a worker uses; nil
	// means a zero critpath.Analyzer. It is how critpath's options reach
	// diff.
	NewAnalyzer func() *critpath.Analyzer
	// Workers is how many goroutines analyse traces; 0 means GOMAXPROCS.
	Workers int
}

func (o Options) alpha() float64 {
	if o.Alpha == 0 {
		return 0.01
	}
	return o.Alpha
}

func (o Options) minChange() float64 {
	switch {
	case o.MinChange == 0:
		return 0.05
	case o.MinChange < 0:
		return 0
	}
	return o.MinChange
}

// Side summarises one side of a row.
type Side struct {
	Traces int // traces on the side
	// With is the number of traces in which the group occurs (for the
	// end-to-end row, Traces).
	With int
	// CallsPerTrace is the group's spans per trace (end to end: all spans
	// per trace).
	CallsPerTrace float64
	// ErrorRate is the share of the group's spans with status error (end
	// to end: of traces whose root span has status error).
	ErrorRate float64
	// Latency are percentiles of the per-trace critical time, over all
	// traces of the side (0 where the group is absent).
	Latency critpath.Percentiles
	// Mean is the mean per-trace critical time.
	Mean float64
	// SelfPerCall is the group's mean self time per span.
	SelfPerCall float64
}

// Row compares one group (or end to end) between the sides.
type Row struct {
	Group    string       // Key.String(), or EndToEndGroup
	Key      critpath.Key // zero for the end-to-end row
	EndToEnd bool
	Base     Side
	Cand     Side
	// Shift is the Hodges–Lehmann shift cand − base of the per-trace
	// critical time, with its 95% interval.
	Shift stats.Shift
	// P is the two-sided Mann–Whitney p-value, Holm-corrected over every
	// row of the report; RawP is before correction.
	P, RawP float64
	// Share is the part of the end-to-end mean shift this group's mean
	// shift accounts for (the groups' shares add up to 1; 0 when the end
	// to end did not move).
	Share   float64
	Verdict Verdict
	// Reason explains an unchanged verdict that could not be otherwise
	// (too few traces); "" when the numbers speak for themselves.
	Reason string
	// Why explains a regressed row when Options.Why is set; nil otherwise.
	Why *Why
	// Tail compares the sides' shares of slow traces; nil with fewer than
	// MinTailTraces base traces.
	Tail *Tail
}

// MinTailTraces is the number of base traces below which a tail is too
// thin to compare.
const MinTailTraces = 100

// Tail tests whether the candidate has more slow traces than the base:
// Mann–Whitney and the shift look at the distribution's location, and a
// tail that grows while the median stays put (one request in ten now
// waits on a timeout) moves neither much. Slow means above the p95 of
// both sides pooled: a threshold that does not depend on which side a
// trace came from, so under the null hypothesis the slow traces are a
// random draw from the pool and Fisher's exact test is exact. (A threshold
// taken from the base alone would pin the base's count and make the test
// raise false alarms.)
type Tail struct {
	Threshold int64 // the pooled p95
	BaseAbove int   // base traces above it
	CandAbove int   // candidate traces above it
	// P is Fisher's exact one-sided p-value for the candidate's share
	// above being larger.
	P float64
	// Grew is set when P is below alpha divided by the number of rows
	// (Bonferroni over the report). It does not change the verdict, whose
	// rule is fixed (DESIGN.md §3); it is reported beside it.
	Grew bool
}

// Report is the outcome of Compare.
type Report struct {
	By         critpath.By
	Alpha      float64
	MinChange  float64
	BaseTraces int
	CandTraces int
	// Rows: the end-to-end row first, then the groups, regressions first
	// (largest shift first), then improvements, new, gone, unchanged.
	Rows []Row
}

// Regressed reports whether any row regressed: the gate.
func (r *Report) Regressed() bool {
	for i := range r.Rows {
		if r.Rows[i].Verdict == Regressed {
			return true
		}
	}
	return false
}

// Compare compares the candidate traces with the base traces, all in
// memory. Every tree is analysed once per side; with Options.Why, the
// candidate and base traces are read again for the regressed rows. It is
// NewSide, Side.Add, CompareSides and Explainer in one call: a caller that
// cannot hold every trace (tracectl diff on a dump larger than memory)
// feeds them batch by batch.
func Compare(base, cand []*dag.Tree, opts Options) *Report {
	bs, cs := NewSide(opts), NewSide(opts)
	bs.Add(base)
	cs.Add(cand)
	rep := CompareSides(bs, cs, opts)
	if x := NewExplainer(rep, opts); x != nil {
		x.AddCand(cand)
		if x.NeedBase() {
			x.AddBase(base)
		}
		x.Finish()
	}
	return rep
}

// SideSummary is one side's traces folded per group: per group the
// per-trace critical times (8 bytes per trace the group occurs in), calls,
// errors and self time, and per trace its duration. It is all CompareSides
// needs, so a side can be fed in batches (a partition of a spilled input at
// a time) and its trees let go; the result does not depend on how the
// traces were split or in what order they came.
type SideSummary struct {
	opts Options
	s    *side
	zs   []*critpath.Analyzer // one per worker, kept between batches
}

// NewSide returns an empty side.
func NewSide(opts Options) *SideSummary {
	return &SideSummary{opts: opts, s: &side{groups: make(map[critpath.Key]*group)}}
}

// Traces returns how many traces were added.
func (s *SideSummary) Traces() int { return s.s.traces }

// Add analyses trees, on several workers, each folding a contiguous run of
// them, and folds them into the side.
func (s *SideSummary) Add(trees []*dag.Tree) {
	workers := s.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(trees)/64))
	for len(s.zs) < workers {
		s.zs = append(s.zs, newAnalyzer(s.opts))
	}
	parts := make([]*side, workers)
	var wg sync.WaitGroup
	for w := range parts {
		part := trees[len(trees)*w/workers : len(trees)*(w+1)/workers]
		wg.Go(func() { parts[w] = foldSide(s.zs[w], part, s.opts) })
	}
	wg.Wait()
	for _, p := range parts {
		s.s.merge(p)
	}
}

// CompareSides compares two sides: every row's statistics and verdict.
// Explanations (Options.Why) come from an Explainer, which reads the
// traces again.
func CompareSides(base, cand *SideSummary, opts Options) *Report {
	bs, cs := base.s, cand.s
	rep := &Report{By: opts.By, Alpha: opts.alpha(), MinChange: opts.minChange(),
		BaseTraces: bs.traces, CandTraces: cs.traces}

	keys := make([]critpath.Key, 0, len(bs.groups)+len(cs.groups))
	for k := range bs.groups {
		keys = append(keys, k)
	}
	for k := range cs.groups {
		if _, ok := bs.groups[k]; !ok {
			keys = append(keys, k)
		}
	}
	rows := make([]Row, 0, len(keys)+1)
	rows = append(rows, compareSamples(EndToEndGroup, critpath.Key{}, true,
		bs.endToEnd(), cs.endToEnd(), bs.e2eSide(), cs.e2eSide()))
	for _, k := range keys {
		bg, cg := bs.groups[k], cs.groups[k]
		rows = append(rows, compareSamples(k.String(), k, false,
			bg.dense(bs.traces), cg.dense(cs.traces), bg.side(bs.traces), cg.side(cs.traces)))
	}

	raw := make([]float64, len(rows))
	for i := range rows {
		raw[i] = rows[i].RawP
	}
	for i, p := range stats.Holm(raw) {
		rows[i].P = p
	}
	e2eShift := rows[0].Cand.Mean - rows[0].Base.Mean
	for i := range rows {
		r := &rows[i]
		if r.Tail != nil {
			r.Tail.Grew = r.Tail.P < rep.Alpha/float64(len(rows))
		}
		if e2eShift != 0 {
			r.Share = (r.Cand.Mean - r.Base.Mean) / e2eShift
		}
		r.Verdict, r.Reason = verdict(r, rep.Alpha, rep.MinChange, opts.MinShift)
	}
	slices.SortStableFunc(rows[1:], compareRows)
	rep.Rows = rows
	return rep
}

// verdictOrder puts what needs attention first.
var verdictOrder = map[Verdict]int{Regressed: 0, Improved: 1, New: 2, Gone: 3, Unchanged: 4}

func compareRows(x, y Row) int {
	if c := cmp.Compare(verdictOrder[x.Verdict], verdictOrder[y.Verdict]); c != 0 {
		return c
	}
	// Within a verdict, the biggest move of mean critical time first.
	dx, dy := math.Abs(x.Cand.Mean-x.Base.Mean), math.Abs(y.Cand.Mean-y.Base.Mean)
	if c := cmp.Compare(dy, dx); c != 0 {
		return c
	}
	return cmp.Compare(x.Group, y.Group)
}

// compareSamples fills a row's statistics; P, Share and Verdict come later.
func compareSamples(group string, k critpath.Key, e2e bool, base, cand []int64, bs, cs Side) Row {
	r := Row{Group: group, Key: k, EndToEnd: e2e, Base: bs, Cand: cs}
	r.Base.Mean, r.Cand.Mean = mean(base), mean(cand)
	var mw stats.MannWhitneyResult
	mw, r.Shift = stats.Compare(cand, base, Confidence) // sorts both
	r.RawP = mw.P
	r.Base.Latency = critpath.PercentilesOf(base)
	r.Cand.Latency = critpath.PercentilesOf(cand)
	if len(base) >= MinTailTraces {
		pooled := append(slices.Clone(base), cand...)
		t := &Tail{Threshold: tailThreshold(pooled)}
		for _, v := range base {
			if v > t.Threshold {
				t.BaseAbove++
			}
		}
		for _, v := range cand {
			if v > t.Threshold {
				t.CandAbove++
			}
		}
		t.P = stats.FisherGreater(t.BaseAbove, len(base), t.CandAbove, len(cand))
		r.Tail = t
	}
	return r
}

// verdict applies DESIGN.md §3: regressed iff p < alpha, the interval lies
// above 0 and the shift is at least minChange of the base median (and at
// least minShift); improved is the mirror image.
func verdict(r *Row, alpha, minChange float64, minShift int64) (Verdict, string) {
	switch {
	case !r.EndToEnd && r.Base.With == 0 && r.Cand.With > 0:
		return New, ""
	case !r.EndToEnd && r.Cand.With == 0 && r.Base.With > 0:
		return Gone, ""
	}
	if minP := stats.MinP(r.Base.Traces, r.Cand.Traces); minP >= alpha {
		return Unchanged, fmt.Sprintf("too few traces to conclude: with %d and %d, no test can reach p < %g",
			r.Base.Traces, r.Cand.Traces, alpha)
	}
	if r.P >= alpha {
		return Unchanged, ""
	}
	big := func(shift int64) bool {
		return float64(shift) >= minChange*float64(r.Base.Latency.P50) && shift != 0 && shift >= minShift
	}
	switch {
	case r.Shift.Low > 0 && big(r.Shift.Estimate):
		return Regressed, ""
	case r.Shift.High < 0 && big(-r.Shift.Estimate):
		return Improved, ""
	}
	return Unchanged, ""
}

// tailThreshold returns the nearest-rank p95 of values, which it sorts.
func tailThreshold(values []int64) int64 {
	slices.Sort(values)
	k := int(math.Ceil(0.95*float64(len(values)))) - 1
	return values[min(max(k, 0), len(values)-1)]
}

func mean(v []int64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range v {
		s += float64(x)
	}
	return s / float64(len(v))
}

// side is one side's traces, folded per group.
type side struct {
	traces    int
	spans     int
	rootErrs  int
	durations []int64 // per trace, Analysis.Duration
	groups    map[critpath.Key]*group
}

// group is one group's accumulation on one side.
type group struct {
	values []int64 // per-trace critical time, for the traces it occurs in
	spans  int
	errors int
	self   int64
	last   int   // number of the trace cur belongs to
	cur    int64 // critical time in that trace so far
}

// dense returns the group's sample over all traces, sorted: a 0 for
// every trace it is absent from, then its values (critical time is never
// negative). It sorts g.values.
func (g *group) dense(traces int) []int64 {
	out := make([]int64, traces)
	if g != nil {
		slices.Sort(g.values)
		copy(out[traces-len(g.values):], g.values)
	}
	return out
}

func (g *group) side(traces int) Side {
	s := Side{Traces: traces}
	if g == nil || traces == 0 {
		return s
	}
	s.With = len(g.values)
	s.CallsPerTrace = float64(g.spans) / float64(traces)
	if g.spans > 0 {
		s.ErrorRate = float64(g.errors) / float64(g.spans)
		s.SelfPerCall = float64(g.self) / float64(g.spans)
	}
	return s
}

// endToEnd returns the per-trace durations, sorted: the mean is then
// summed in the same order however the traces came.
func (s *side) endToEnd() []int64 {
	d := slices.Clone(s.durations)
	slices.Sort(d)
	return d
}

func (s *side) e2eSide() Side {
	out := Side{Traces: s.traces, With: s.traces}
	if s.traces > 0 {
		out.CallsPerTrace = float64(s.spans) / float64(s.traces)
		out.ErrorRate = float64(s.rootErrs) / float64(s.traces)
	}
	return out
}

func newAnalyzer(opts Options) *critpath.Analyzer {
	if opts.NewAnalyzer != nil {
		return opts.NewAnalyzer()
	}
	return new(critpath.Analyzer)
}

// opRef is what a span's group depends on; the decoders share one
// Resource among the spans of a batch, so the pointer is a cheap key.
type opRef struct {
	res  *dag.Resource
	name string
}

// folder folds traces into a side.
type folder struct {
	s     *side
	by    critpath.By
	cache map[opRef]*group
	// touched lists the groups of the current trace.
	touched []*group
}

func foldSide(z *critpath.Analyzer, trees []*dag.Tree, opts Options) *side {
	f := &folder{
		s:     &side{groups: make(map[critpath.Key]*group)},
		by:    opts.By,
		cache: make(map[opRef]*group),
	}
	for _, tr := range trees {
		f.add(z.Analyze(tr))
	}
	return f.s
}

var missingRef = opRef{res: new(dag.Resource)}

func (f *folder) groupOf(tr *dag.Tree, i int32) *group {
	sp := tr.Nodes[i].Span
	ref := missingRef
	if sp != nil {
		ref = opRef{res: sp.Resource()}
		if f.by == critpath.ByOperation {
			ref.name = sp.Name()
		}
	}
	if g, ok := f.cache[ref]; ok {
		return g
	}
	k := critpath.KeyOf(tr, i, f.by)
	g, ok := f.s.groups[k]
	if !ok {
		g = new(group)
		f.s.groups[k] = g
	}
	f.cache[ref] = g
	return g
}

// add folds one trace's analysis.
func (f *folder) add(a *critpath.Analysis) {
	tr := a.Tree
	s := f.s
	s.traces++
	s.durations = append(s.durations, a.Duration())
	if r := tr.Root(); r != dag.None {
		if sp := tr.Nodes[r].Span; sp != nil && sp.Status().Code == dag.StatusError {
			s.rootErrs++
		}
	}
	for i := range tr.Nodes {
		g := f.groupOf(tr, int32(i))
		if g.last != s.traces {
			g.last, g.cur = s.traces, 0
			f.touched = append(f.touched, g)
		}
		g.cur += a.Critical[i]
		g.self += a.Self[i]
		if sp := tr.Nodes[i].Span; sp != nil {
			s.spans++
			g.spans++
			if sp.Status().Code == dag.StatusError {
				g.errors++
			}
		} else {
			g.spans++ // a placeholder is a call of the missing group
		}
	}
	for _, g := range f.touched {
		g.values = append(g.values, g.cur)
	}
	f.touched = f.touched[:0]
}

// merge adds o's traces to s.
func (s *side) merge(o *side) {
	s.traces += o.traces
	s.spans += o.spans
	s.rootErrs += o.rootErrs
	s.durations = append(s.durations, o.durations...)
	for k, og := range o.groups {
		g, ok := s.groups[k]
		if !ok {
			s.groups[k] = og
			continue
		}
		g.values = append(g.values, og.values...)
		g.spans += og.spans
		g.errors += og.errors
		g.self += og.self
	}
}
