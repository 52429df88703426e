package diff

import (
	"cmp"
	"slices"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
)

// Why explains a regressed row from the data.
type Why struct {
	// Factor is how many times more self time per call the group spends
	// in the candidate than in the base.
	Factor float64
	// Explained is the share of the end-to-end mean shift that goes away
	// when the candidate traces are re-timed with the group's own work
	// made Factor times faster (critpath.WhatIf): what the group alone
	// explains, callers that waited on it included. Set only when
	// Retimed.
	Explained float64
	Retimed   bool
	// Slow is the number of candidate traces in which the group's critical
	// time exceeds the base p90; Baseline is what they are compared with:
	// "other candidate traces", or "base traces" when too few candidate
	// traces are fast.
	Slow     int
	Baseline string
	// Attributes are the attribute values of the group's spans (span and
	// resource attributes) most over-represented in the slow traces,
	// largest difference first (BubbleUp-style).
	Attributes []AttrShift
}

// AttrShift is one attribute value's frequency among the slow traces and
// among the baseline traces.
type AttrShift struct {
	Key, Value           string
	SlowShare, BaseShare float64
	SlowCount, BaseCount int
}

// Thresholds of the attribute comparison.
const (
	maxWhyRows      = 10   // regressed rows explained
	maxAttrValueLen = 64   // longer values are ids or payloads, not causes
	maxAttrValues   = 4096 // distinct values tracked per row and side
	minSlowCount    = 3
	minShareGap     = 0.25
	maxAttributes   = 3
	minBaseline     = 10
)

// whyAcc accumulates one regressed row's explanation.
type whyAcc struct {
	row       *Row
	threshold int64 // base p90 of the per-trace critical time
	whatIf    *critpath.WhatIf
	slow      int
	fast      int
	slowAttrs map[[2]string]int
	fastAttrs map[[2]string]int // other candidate traces
	baseAttrs map[[2]string]int
	seen      map[[2]string]bool // values of the current trace
}

// Explainer fills Why for the regressed rows of a report: one pass over
// the candidate traces (re-timing and attribute counts for every row at
// once), and one over the base traces when NeedBase says some row has too
// few fast candidate traces. The traces must come in the same order on
// every run (tracectl: by start time, then trace id): counts are bounded,
// and once full only values already counted go on counting.
type Explainer struct {
	rep      *Report
	by       critpath.By
	z        *critpath.Analyzer
	accs     []*whyAcc
	needBase []*whyAcc
}

// NewExplainer returns the explainer of rep's regressed rows, or nil when
// Options.Why is not set or no row regressed.
func NewExplainer(rep *Report, opts Options) *Explainer {
	if !opts.Why {
		return nil
	}
	x := &Explainer{rep: rep, by: rep.By}
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if r.Verdict != Regressed || r.EndToEnd || len(x.accs) == maxWhyRows {
			continue
		}
		acc := &whyAcc{row: r, threshold: r.Base.Latency.P90,
			slowAttrs: map[[2]string]int{}, fastAttrs: map[[2]string]int{}, seen: map[[2]string]bool{}}
		r.Why = &Why{}
		if !r.Key.Missing && r.Base.SelfPerCall > 0 && r.Cand.SelfPerCall > r.Base.SelfPerCall {
			r.Why.Factor = r.Cand.SelfPerCall / r.Base.SelfPerCall
			rule := critpath.Speedup{Service: r.Key.Service, Name: r.Key.Name,
				Operation: rep.By == critpath.ByOperation, Factor: r.Why.Factor}
			acc.whatIf = &critpath.WhatIf{Rules: []critpath.Speedup{rule}}
		}
		x.accs = append(x.accs, acc)
	}
	if len(x.accs) == 0 {
		return nil
	}
	x.z = newAnalyzer(opts)
	return x
}

// AddCand reads candidate traces.
func (x *Explainer) AddCand(trees []*dag.Tree) {
	for _, tr := range trees {
		a := x.z.Analyze(tr)
		for _, acc := range x.accs {
			if acc.whatIf != nil {
				acc.whatIf.Add(a)
			}
			v := acc.collect(a, x.by)
			if v > acc.threshold {
				acc.slow++
				acc.count(acc.slowAttrs)
			} else {
				acc.fast++
				acc.count(acc.fastAttrs)
			}
		}
	}
}

// NeedBase reports, once every candidate trace is read, whether some row
// compares its slow traces with the base traces, which AddBase then reads.
func (x *Explainer) NeedBase() bool {
	x.needBase = x.needBase[:0]
	for _, acc := range x.accs {
		if acc.fast < minBaseline {
			if acc.baseAttrs == nil {
				acc.baseAttrs = map[[2]string]int{}
			}
			x.needBase = append(x.needBase, acc)
		}
	}
	return len(x.needBase) > 0
}

// AddBase reads base traces, after NeedBase.
func (x *Explainer) AddBase(trees []*dag.Tree) {
	if len(x.needBase) == 0 {
		return
	}
	for _, tr := range trees {
		a := x.z.Analyze(tr)
		for _, acc := range x.needBase {
			acc.collect(a, x.by)
			acc.count(acc.baseAttrs)
		}
	}
}

// Finish fills the rows' Why.
func (x *Explainer) Finish() {
	rep := x.rep
	e2e := rep.Rows[0].Cand.Mean - rep.Rows[0].Base.Mean
	for _, acc := range x.accs {
		acc.finish(e2e, rep.BaseTraces)
	}
}

// collect sums the row's critical time in one trace and gathers the
// attribute values of the row's spans into seen.
func (acc *whyAcc) collect(a *critpath.Analysis, by critpath.By) int64 {
	clear(acc.seen)
	tr := a.Tree
	var v int64
	for i := range tr.Nodes {
		if critpath.KeyOf(tr, int32(i), by) != acc.row.Key {
			continue
		}
		v += a.Critical[i]
		sp := tr.Nodes[i].Span
		if sp == nil {
			continue
		}
		acc.note(sp.AttrList())
		if res := sp.Resource(); res != nil {
			acc.note(res.Attrs)
		}
	}
	return v
}

func (acc *whyAcc) note(attrs []dag.Attr) {
	for _, kv := range attrs {
		if kv.Value.Type() == dag.ValueArray || kv.Value.Type() == dag.ValueMap || kv.Value.Type() == dag.ValueBytes {
			continue
		}
		val := kv.Value.String()
		if len(val) > maxAttrValueLen {
			continue
		}
		acc.seen[[2]string{kv.Key, val}] = true
	}
}

// count adds the current trace's values to counts, bounded in size: once
// full, only values already counted go on counting.
func (acc *whyAcc) count(counts map[[2]string]int) {
	for kv := range acc.seen {
		if _, ok := counts[kv]; ok || len(counts) < maxAttrValues {
			counts[kv]++
		}
	}
}

func (acc *whyAcc) finish(e2eShift float64, baseTraces int) {
	w := acc.row.Why
	if acc.whatIf != nil && e2eShift > 0 {
		rep := acc.whatIf.Report()
		if rep.Traces > 0 {
			saved := float64(rep.TotalBefore-rep.TotalAfter) / float64(rep.Traces)
			w.Explained, w.Retimed = saved/e2eShift, true
		}
	}
	w.Slow = acc.slow
	baseline, n := acc.fastAttrs, acc.fast
	w.Baseline = "other candidate traces"
	if acc.baseAttrs != nil {
		baseline, n = acc.baseAttrs, baseTraces
		w.Baseline = "base traces"
	}
	if acc.slow < minSlowCount || n == 0 {
		return
	}
	for kv, c := range acc.slowAttrs {
		s := AttrShift{Key: kv[0], Value: kv[1], SlowCount: c, BaseCount: baseline[kv],
			SlowShare: float64(c) / float64(acc.slow), BaseShare: float64(baseline[kv]) / float64(n)}
		if c >= minSlowCount && s.SlowShare-s.BaseShare >= minShareGap {
			w.Attributes = append(w.Attributes, s)
		}
	}
	slices.SortFunc(w.Attributes, func(x, y AttrShift) int {
		if c := cmp.Compare(y.SlowShare-y.BaseShare, x.SlowShare-x.BaseShare); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Key, y.Key); c != 0 {
			return c
		}
		return cmp.Compare(x.Value, y.Value)
	})
	if len(w.Attributes) > maxAttributes {
		w.Attributes = w.Attributes[:maxAttributes]
	}
}
