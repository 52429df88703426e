package query

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/suggest"
)

// Diagnosis explains why one part of a query selected nothing.
type Diagnosis struct {
	// Part is the piece of the query that selected nothing, in canonical
	// form: a filter, a structural relation, a spanset && or a pipeline
	// stage.
	Part string
	// Summary says what happened in one sentence.
	Summary string
	// Details are further lines, e.g. an aggregate's value per trace.
	Details []string
	// NearMisses are the spans that came closest, best first.
	NearMisses []NearMiss
}

// NearMiss is a span that came close to matching: it satisfies some of a
// filter's conditions, or the filter but not the structural relation.
type NearMiss struct {
	SpanRef
	// Checks are the conditions, in query order, each with whether this
	// span passed it and, when it failed, the span's actual values.
	Checks []Check
	// Similar counts the other spans with the same service and name that
	// missed in the same way; they are not listed.
	Similar int
}

// Check is one condition of a near miss.
type Check struct {
	Cond   string // e.g. `resource.service.name = "billing"`
	Passed bool
	Actual string // e.g. `"payment"`, `412ms`, `missing`, `parent is frontend GET /`
}

// Explain says why q matched none of trees (for assert, the traces that
// failed an expectation). It evaluates the query part by part: a filter
// that selects no span anywhere is reported with the spans that satisfy
// most of its conditions; when every filter selects something, the first
// relation, spanset && or aggregate that empties the result is reported.
// At most limit near misses (or traces, for aggregates) are listed per
// diagnosis. It returns nil when q does match one of the trees.
func Explain(q *Query, trees []*dag.Tree, limit int) []Diagnosis {
	x := NewExplainer(q, limit)
	for _, t := range trees {
		x.Add(t)
	}
	return x.Diagnoses()
}

// Explainer is Explain fed one trace at a time, so that the traces need
// not all be in memory at once. For each part of the query it keeps
// whether the part selected spans in some trace so far and, while it has
// not, what its diagnosis would quote: the near misses (one per kind of
// span, with how many others missed the same way), the spans each side of
// a relation selected, an aggregate's closest traces — all bounded by the
// limit or by the number of distinct operations, not by the traces. The
// examples it quotes are the first by the traces' start time and id (then
// by position in the trace), whatever the order the traces come in: a
// spilled input is read a partition at a time.
type Explainer struct {
	q      *Query
	limit  int // near misses or traces listed per diagnosis
	spans  int // spans of the traces added
	parts  map[spansetExpr]*partState
	traces int
}

// partState is what one part of the query selected over the traces so far.
type partState struct {
	nonEmpty bool         // selected spans in some trace
	filter   *filterAcc   // a filter, while it has selected nothing
	terms    []setCount   // a spanset && or ||: what each term selected
	steps    []stepState  // a structural chain, step by step
	stages   []stageState // a pipeline, stage by stage
}

type stepState struct {
	nonEmpty bool
	rel      *relationAcc // while the step has selected nothing
}

type stageState struct {
	reached, nonEmpty bool // the spans before it, what it kept, in some trace
	filter            *filterAcc
	agg               *aggAcc
}

// setCount is how many spans a part selected, and in how many traces.
type setCount struct{ spans, traces int }

func (c *setCount) add(s spanset) {
	if s.n > 0 {
		c.spans += s.n
		c.traces++
	}
}

// NewExplainer returns an Explainer of q with nothing read.
func NewExplainer(q *Query, limit int) *Explainer {
	return &Explainer{q: q, limit: max(limit, 1), parts: map[spansetExpr]*partState{}}
}

// Add evaluates the query on one more trace, noting what each part
// selected.
func (x *Explainer) Add(t *dag.Tree) {
	x.traces++
	x.spans += t.SpanCount()
	w := walker{ev: &evaluator{tree: t}, x: x}
	w.ev.at = traceOrder(t)
	w.set(x.q.root)
}

// place orders what an Explainer or an Assertion quotes: by the trace's
// start time, id and raw id text (as tracectl lists traces), then by
// position within the trace.
type place struct {
	start uint64
	id    dag.TraceID
	raw   string // the raw id text of an invalid id, else ""
	pos   int
}

func traceOrder(t *dag.Tree) place {
	return place{start: t.Start, id: t.TraceID, raw: rawIDs(t, dag.SpanID{}).Trace}
}

func (p place) in(pos int) place {
	p.pos = pos
	return p
}

func (p place) compare(q place) int {
	if c := cmp.Compare(p.start, q.start); c != 0 {
		return c
	}
	if c := slices.Compare(p.id[:], q.id[:]); c != 0 {
		return c
	}
	if c := cmp.Compare(p.raw, q.raw); c != 0 {
		return c
	}
	return cmp.Compare(p.pos, q.pos)
}

// Diagnoses says why the query matched none of the traces added; nil when
// it matched one.
func (x *Explainer) Diagnoses() []Diagnosis {
	_, d := x.diagnose(x.q.root)
	return d
}

func (x *Explainer) part(e spansetExpr) *partState {
	p := x.parts[e]
	if p == nil {
		p = &partState{}
		x.parts[e] = p
	}
	return p
}

// filter notes what a filter (not a pipeline stage) selected in a trace.
func (x *Explainer) filter(e *filterExpr, ev *evaluator, out spanset) {
	p := x.part(e)
	switch {
	case p.nonEmpty:
	case !out.empty():
		p.nonEmpty, p.filter = true, nil
	default:
		if p.filter == nil {
			p.filter = x.newFilterAcc(e, false)
		}
		p.filter.add(ev, nil)
	}
}

// term notes what term i of a spanset && or || selected in a trace.
func (x *Explainer) term(e *setExpr, i int, s spanset) {
	p := x.part(e)
	if p.terms == nil {
		p.terms = make([]setCount, len(e.terms))
	}
	p.terms[i].add(s)
}

// selected notes what a spanset operation or a structural chain selected
// in a trace.
func (x *Explainer) selected(e spansetExpr, out spanset) {
	if !out.empty() {
		x.part(e).nonEmpty = true
	}
}

// step notes what step i of a structural chain related in a trace: next
// of the right side's spans, given the left side's.
func (x *Explainer) step(e *structExpr, i int, ev *evaluator, left, right, next spanset) {
	p := x.part(e)
	if p.steps == nil {
		p.steps = make([]stepState, len(e.steps))
	}
	st := &p.steps[i]
	switch {
	case st.nonEmpty:
	case !next.empty():
		st.nonEmpty, st.rel = true, nil
	default:
		if st.rel == nil {
			st.rel = x.newRelationAcc(e, i)
		}
		st.rel.add(ev, left, right)
	}
}

// stage notes what stage i of a pipeline kept of the spans before it in
// a trace (cur, not empty).
func (x *Explainer) stage(e *pipelineExpr, i int, ev *evaluator, cur, next spanset) {
	p := x.part(e)
	if p.stages == nil {
		p.stages = make([]stageState, len(e.stages))
	}
	st := &p.stages[i]
	st.reached = true
	switch {
	case st.nonEmpty:
	case !next.empty():
		st.nonEmpty, st.filter, st.agg = true, nil, nil
	default:
		switch s := e.stages[i].(type) {
		case *filterExpr:
			if st.filter == nil {
				st.filter = x.newFilterAcc(s, true)
			}
			st.filter.add(ev, &cur)
		case *aggStage:
			if st.agg == nil {
				st.agg = &aggAcc{a: s, limit: x.limit}
			}
			st.agg.add(ev, cur)
		}
	}
}

// diagnose goes over the query as the walk does, with what each part
// selected over all the traces: whether e selected spans in some trace,
// and when it did not, the diagnoses of the parts that emptied it. A part
// that selects spans somewhere has no diagnosis.
func (x *Explainer) diagnose(e spansetExpr) (bool, []Diagnosis) {
	p := x.parts[e]
	if p == nil {
		p = &partState{} // no trace read
	}
	switch e := e.(type) {
	case *filterExpr:
		if p.nonEmpty {
			return true, nil
		}
		acc := p.filter
		if acc == nil {
			acc = x.newFilterAcc(e, false)
		}
		return false, []Diagnosis{acc.diagnosis(x.spans)}
	case *setExpr:
		var failed []Diagnosis
		for _, t := range e.terms {
			_, d := x.diagnose(t)
			failed = append(failed, d...)
		}
		switch {
		case p.nonEmpty:
			return true, nil
		case e.op == setOr || len(failed) > 0:
			return false, failed
		}
		counts := p.terms
		if counts == nil {
			counts = make([]setCount, len(e.terms))
		}
		return false, []Diagnosis{setDiagnosis(e, counts)}
	case *structExpr:
		_, failed := x.diagnose(e.first)
		for _, st := range e.steps {
			_, d := x.diagnose(st.rhs)
			failed = append(failed, d...)
		}
		switch {
		case p.nonEmpty:
			return true, nil
		case len(failed) > 0:
			return false, failed
		}
		// The first step that emptied the chain.
		for i := range e.steps {
			if i < len(p.steps) && p.steps[i].nonEmpty {
				continue
			}
			rel := x.newRelationAcc(e, i)
			if i < len(p.steps) && p.steps[i].rel != nil {
				rel = p.steps[i].rel
			}
			return false, []Diagnosis{rel.diagnosis()}
		}
		return false, nil
	case *pipelineExpr:
		ok, diags := x.diagnose(e.src)
		for i, s := range e.stages {
			if i >= len(p.stages) || !p.stages[i].reached {
				break
			}
			st := &p.stages[i]
			ok = st.nonEmpty
			if ok {
				continue
			}
			switch s := s.(type) {
			case *filterExpr:
				diags = []Diagnosis{st.filter.diagnosis(x.spans)}
			case *aggStage:
				diags = []Diagnosis{st.agg.diagnosis(s)}
			}
		}
		return ok, diags
	}
	return false, nil
}

// setDiagnosis reports a spanset && whose sides each select spans, but
// never all in the same trace.
func setDiagnosis(e *setExpr, counts []setCount) Diagnosis {
	d := Diagnosis{Part: exprString(e), Summary: "each side selects spans, but never in the same trace"}
	for i, t := range e.terms {
		c := counts[i]
		d.Details = append(d.Details, fmt.Sprintf("%s selects %s in %s", exprString(t), dag.Plural(c.spans, "span"), dag.Plural(c.traces, "trace")))
	}
	return d
}

func exprString(e spansetExpr) string {
	var b strings.Builder
	e.write(&b)
	return b.String()
}

// filterAcc gathers the near misses of a filter that selected nothing:
// among all spans (a filter), or among the spans the stages before it
// selected (a pipeline stage), the spans that satisfy most of its
// top-level && conditions.
type filterAcc struct {
	f       *filterExpr
	stage   bool
	limit   int
	conds   []cond
	weights []int
	total   int // of the weights
	cands   []*filterCandidate
	byKey   map[string]*filterCandidate
}

type filterCandidate struct {
	miss   NearMiss
	passed int
	dist   float64
	at     place
}

func (x *Explainer) newFilterAcc(f *filterExpr, stage bool) *filterAcc {
	a := &filterAcc{f: f, stage: stage, limit: x.limit, byKey: map[string]*filterCandidate{}}
	if f.c == nil {
		return a
	}
	a.conds = []cond{f.c}
	if and, ok := f.c.(*andCond); ok {
		a.conds = and.terms
	}
	// Conditions that identify a span (a name, a service: string
	// equality or a regular expression) weigh twice what checks on it
	// (duration, status, kind) weigh, so that "right span, too slow"
	// is a near miss and "any span that is fast enough" is not.
	a.weights = make([]int, len(a.conds))
	for j, c := range a.conds {
		a.weights[j] = 1
		if cc, ok := c.(*cmpCond); ok && (cc.op == opEq || cc.op == opRe) &&
			(!cc.r.isField && cc.r.lit.typ == tString || !cc.l.isField && cc.l.lit.typ == tString) {
			a.weights[j] = 2
		}
		a.total += a.weights[j]
	}
	return a
}

// add considers the spans of one trace (those in within, when set).
func (a *filterAcc) add(ev *evaluator, within *spanset) {
	if a.f.c == nil {
		return
	}
	for i := range ev.tree.Nodes {
		n := &ev.tree.Nodes[i]
		if n.Span == nil || within != nil && !within.in[i] {
			continue
		}
		at := ev.at.in(i)
		passed, failed, dist := 0, 0, 0.0
		var key strings.Builder
		key.WriteString(n.Span.Service() + "\x00" + n.Span.Name() + "\x00")
		ok := make([]bool, len(a.conds))
		for j, c := range a.conds {
			if ev.cond(c, n) {
				ok[j] = true
				passed += a.weights[j]
				key.WriteByte('1')
			} else {
				failed++
				dist += ev.distance(c, n)
				key.WriteByte('0')
			}
		}
		if failed == 0 {
			continue // cannot happen for a filter that selected nothing
		}
		// A near miss satisfies an identifying condition or half the
		// conditions by weight, or is close on the ones it fails (a
		// similar name, a value near the bound).
		if passed < 2 && passed*2 < a.total && dist/float64(failed) > 0.5 {
			continue
		}
		if c, seen := a.byKey[key.String()]; seen {
			c.miss.Similar++
			// Keep the closest of its kind on show, the first of equals.
			if dist < c.dist || dist == c.dist && at.compare(c.at) < 0 {
				c.dist, c.at = dist, at
				c.miss = nearMiss(ev, n, a.conds, ok, c.miss.Similar)
			}
			continue
		}
		c := &filterCandidate{passed: passed, dist: dist, at: at, miss: nearMiss(ev, n, a.conds, ok, 0)}
		a.byKey[key.String()] = c
		a.cands = append(a.cands, c)
	}
}

// diagnosis reports the filter, spans being how many the traces hold.
func (a *filterAcc) diagnosis(spans int) Diagnosis {
	d := Diagnosis{Part: exprString(a.f), Summary: "no span matches"}
	if a.stage {
		d.Summary = "no span selected by the stages before matches"
	}
	if spans == 0 {
		d.Summary = "the input holds no spans"
		return d
	}
	slices.SortStableFunc(a.cands, func(p, q *filterCandidate) int {
		if c := cmp.Compare(q.passed, p.passed); c != 0 {
			return c
		}
		if c := cmp.Compare(p.dist, q.dist); c != 0 {
			return c
		}
		return p.at.compare(q.at)
	})
	for _, c := range a.cands[:min(len(a.cands), a.limit)] {
		d.NearMisses = append(d.NearMisses, c.miss)
	}
	return d
}

func nearMiss(ev *evaluator, n *dag.Node, conds []cond, ok []bool, similar int) NearMiss {
	s := n.Span
	m := NearMiss{SpanRef: spanRef(ev.tree, s), Similar: similar}
	for j, c := range conds {
		ch := Check{Cond: condString(c), Passed: ok[j]}
		if !ok[j] {
			ch.Actual = ev.actual(c, n)
		}
		m.Checks = append(m.Checks, ch)
	}
	return m
}

// actual renders the values of the fields a condition reads on one span:
// just the value for a one-field condition, "field is value, …" otherwise.
func (ev *evaluator) actual(c cond, n *dag.Node) string {
	var fields []operand
	seen := map[string]bool{}
	var walk func(c cond)
	walk = func(c cond) {
		switch c := c.(type) {
		case *andCond:
			for _, t := range c.terms {
				walk(t)
			}
		case *orCond:
			for _, t := range c.terms {
				walk(t)
			}
		case *notCond:
			walk(c.c)
		case *boolCond:
			if c.o.isField && !seen[c.o.String()] {
				seen[c.o.String()] = true
				fields = append(fields, c.o)
			}
		case *cmpCond:
			for _, o := range []operand{c.l, c.r} {
				if o.isField && !seen[o.String()] {
					seen[o.String()] = true
					fields = append(fields, o)
				}
			}
		}
	}
	walk(c)
	if len(fields) == 1 {
		v := ev.operand(fields[0], n)
		s := displayValue(v)
		if cc, ok := c.(*cmpCond); ok && v.typ != tNil {
			other := cc.r
			if !cc.l.isField {
				other = cc.l
			}
			if !other.isField && other.lit.typ != tNil && !comparable(v.typ, other.lit.typ) {
				s += " (a " + v.typ.String() + ")"
			}
		}
		return s
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.String() + " is " + displayValue(ev.operand(f, n))
	}
	return strings.Join(parts, ", ")
}

func comparable(a, b valueType) bool {
	return a == b || a.numeric() && b.numeric() || a == tArray || b == tArray
}

// displayValue renders a value as a user would write it in a query, with
// durations rounded for reading.
func displayValue(v value) string {
	if v.typ == tDuration {
		return dag.FormatDuration(v.i)
	}
	return v.display()
}

// distance says how far a span is from passing a failed condition, in
// (0, 1]: the relative gap for numbers, the edit distance for strings, 1
// when the value is missing or of another type.
func (ev *evaluator) distance(c cond, n *dag.Node) float64 {
	cc, ok := c.(*cmpCond)
	if !ok || cc.l.isField == cc.r.isField {
		return 1
	}
	field, lit := cc.l, cc.r
	if !field.isField {
		field, lit = lit, field
	}
	v, w := ev.operand(field, n), lit.lit
	switch {
	case v.typ.numeric() && w.typ.numeric() && cc.op != opNeq:
		a, b := v.float(), w.float()
		den := max(math.Abs(a), math.Abs(b))
		if den == 0 || math.IsNaN(den) {
			return 1
		}
		return min(max(math.Abs(a-b)/den, 1e-9), 1)
	case v.typ == tString && w.typ == tString && cc.op == opEq:
		return max(editRatio(v.s, w.s), 1e-9)
	}
	return 1
}

// editRatio is the Levenshtein distance over the longer length, on at
// most the first 64 characters of each.
func editRatio(a, b string) float64 {
	la, lb := min(utf8.RuneCountInString(a), 64), min(utf8.RuneCountInString(b), 64)
	if la == 0 && lb == 0 {
		return 0
	}
	return float64(suggest.Distance(a, b)) / float64(max(la, lb))
}

var relationPhrases = [...]string{
	structDesc: "has an ancestor matching", structChild: "has a parent matching",
	structSibling: "has a sibling matching", structAnce: "has a descendant matching",
	structParent: "has a child matching", structNotDesc: "has no ancestor matching",
	structNotChild: "has no parent matching", structNotSibling: "has no sibling matching",
	structNotAnce: "has no descendant matching", structNotParent: "has no child matching",
}

// relationAcc gathers the diagnosis of a structural step whose two sides
// selected spans that never stand in the relation. Its near misses are
// right-side spans, one per service and name (the first of each, with how
// many others there were), first from traces where the left side matched
// too, then, when there are fewer than the limit, from the others.
type relationAcc struct {
	part  *structExpr // the chain up to the step
	op    structOp
	cond  string
	limit int
	l, r  setCount
	// By service and name, in traces where the left side matched and in
	// the others.
	both, others map[string]*relationMiss
}

type relationMiss struct {
	miss NearMiss // the first
	at   place
	n    int
}

func (x *Explainer) newRelationAcc(e *structExpr, step int) *relationAcc {
	part := &structExpr{first: e.first, steps: e.steps[:step+1]}
	lhs := &structExpr{first: part.first, steps: part.steps[:step]}
	var lhsExpr spansetExpr = lhs
	if step == 0 {
		lhsExpr = lhs.first
	}
	op := e.steps[step].op
	return &relationAcc{part: part, op: op, cond: relationPhrases[op] + " " + wrapped(lhsExpr), limit: x.limit,
		both: map[string]*relationMiss{}, others: map[string]*relationMiss{}}
}

// add reads one trace's sides of the step.
func (a *relationAcc) add(ev *evaluator, left, right spanset) {
	a.l.add(left)
	a.r.add(right)
	if right.empty() {
		return
	}
	misses := a.both
	if left.empty() {
		if len(a.both) >= a.limit {
			return // the list is full without the others, and a.both only grows
		}
		misses = a.others
	}
	for k, i := range ev.preOrder() {
		if !right.in[i] {
			continue
		}
		s := ev.tree.Nodes[i].Span
		key := s.Service() + "\x00" + s.Name()
		at := ev.at.in(k)
		m := misses[key]
		if m == nil {
			m = &relationMiss{at: at}
			misses[key] = m
		} else if at.compare(m.at) >= 0 {
			m.n++
			continue
		}
		m.n++
		m.at = at
		m.miss = NearMiss{SpanRef: spanRef(ev.tree, s), Checks: []Check{{Cond: a.cond, Actual: ev.relatives(a.op, i)}}}
	}
}

// firstOf returns the misses by where they were first seen.
func firstOf(misses map[string]*relationMiss) []*relationMiss {
	list := make([]*relationMiss, 0, len(misses))
	for _, m := range misses {
		list = append(list, m)
	}
	slices.SortFunc(list, func(p, q *relationMiss) int { return p.at.compare(q.at) })
	return list
}

func (a *relationAcc) diagnosis() Diagnosis {
	verdict := "no right-side span " + relationPhrases[a.op]
	if pos, neg := a.op.negated(); neg {
		verdict = "every right-side span " + relationPhrases[pos]
	}
	d := Diagnosis{
		Part: exprString(a.part),
		Summary: fmt.Sprintf("the left side selects %s in %s and the right side %s in %s, but %s the left side",
			dag.Plural(a.l.spans, "span"), dag.Plural(a.l.traces, "trace"), dag.Plural(a.r.spans, "span"), dag.Plural(a.r.traces, "trace"), verdict),
	}
	both := firstOf(a.both)
	for _, m := range both[:min(len(both), a.limit)] {
		nm := m.miss
		nm.Similar = m.n - 1
		d.NearMisses = append(d.NearMisses, nm)
	}
	if len(d.NearMisses) >= a.limit {
		return d
	}
	// Every kind seen where the left side matched is listed: the others
	// count to them, or come after them.
	for j, m := range both {
		key := m.miss.Service + "\x00" + m.miss.Name
		if o := a.others[key]; o != nil {
			d.NearMisses[j].Similar += o.n
		}
	}
	for _, m := range firstOf(a.others) {
		if len(d.NearMisses) >= a.limit {
			break
		}
		if a.both[m.miss.Service+"\x00"+m.miss.Name] != nil {
			continue
		}
		nm := m.miss
		nm.Similar = m.n - 1
		d.NearMisses = append(d.NearMisses, nm)
	}
	return d
}

func wrapped(e spansetExpr) string {
	var b strings.Builder
	writeStructOperand(&b, e)
	return b.String()
}

// relatives describes the spans a relation looks at from node i: its
// parent, nearest ancestors, siblings or children.
func (ev *evaluator) relatives(op structOp, i int32) string {
	nodes := ev.tree.Nodes
	label := func(j int32) string {
		if s := nodes[j].Span; s != nil {
			return s.Service() + " " + s.Name()
		}
		return dag.MissingSpan(ev.tree.IDText(nodes[j].ID))
	}
	list := func(what string, js []int32) string {
		const show = 3
		parts := make([]string, 0, show+1)
		for _, j := range js[:min(len(js), show)] {
			parts = append(parts, label(j))
		}
		if len(js) > show {
			parts = append(parts, fmt.Sprintf("%d more", len(js)-show))
		}
		return what + ": " + strings.Join(parts, ", ")
	}
	pos, _ := op.negated()
	p := nodes[i].Parent
	switch pos {
	case structChild:
		if p == dag.None {
			return "it is a root"
		}
		return "parent is " + label(p)
	case structDesc:
		if p == dag.None {
			return "it is a root"
		}
		var chain []string
		for j := p; j != dag.None && len(chain) < 4; j = nodes[j].Parent {
			chain = append(chain, label(j))
		}
		s := "ancestors: " + strings.Join(chain, " › ")
		if len(chain) == 4 && nodes[nodes[p].Parent].Parent != dag.None {
			s += " › …"
		}
		return s
	case structSibling:
		if p == dag.None {
			return "it is a root: no siblings"
		}
		var sib []int32
		for _, c := range ev.tree.Children(p) {
			if c != i {
				sib = append(sib, c)
			}
		}
		if len(sib) == 0 {
			return "no siblings"
		}
		return list("siblings", sib)
	}
	if nodes[i].NumChildren() == 0 {
		return "no children"
	}
	return list("children", ev.tree.Children(i))
}

// aggAcc gathers the diagnosis of an aggregate stage that no trace
// passed: the aggregate's value in the traces that came closest.
type aggAcc struct {
	a     *aggStage
	limit int
	rows  []aggRow // the closest, at most limit
	n     int      // traces that reached the stage
}

type aggRow struct {
	trace string // as output shows it
	v     float64
	ok    bool
	n     int
	at    place
}

// add reads one trace's spans that reached the stage, keeping the closest
// rows (the first trace of equals).
func (acc *aggAcc) add(ev *evaluator, s spanset) {
	acc.n++
	v, ok := acc.a.aggregate(ev, s)
	r := aggRow{ev.tree.TraceIDText(), v, ok, s.n, ev.at}
	want := acc.a.lit.float()
	at := slices.IndexFunc(acc.rows, func(q aggRow) bool {
		if r.ok != q.ok {
			return r.ok
		}
		if c := cmp.Compare(math.Abs(r.v-want), math.Abs(q.v-want)); c != 0 {
			return c < 0
		}
		return r.at.compare(q.at) < 0
	})
	if at < 0 {
		at = len(acc.rows)
	}
	if at < acc.limit {
		acc.rows = slices.Insert(acc.rows, at, r)
		acc.rows = acc.rows[:min(len(acc.rows), acc.limit)]
	}
}

func (acc *aggAcc) diagnosis(a *aggStage) Diagnosis {
	var b strings.Builder
	a.write(&b)
	d := Diagnosis{Part: b.String()}
	isDur := a.lit.typ == tDuration
	if a.fn != aggCount {
		if t, ok := a.field.staticType(); ok && t == tDuration {
			isDur = true
		}
	}
	format := func(v float64) string {
		if isDur {
			return dag.FormatDuration(int64(math.Round(v)))
		}
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	d.Summary = fmt.Sprintf("no trace has %s %s %s", a.aggString(), a.op, a.lit.display())
	for _, r := range acc.rows {
		if !r.ok {
			d.Details = append(d.Details, fmt.Sprintf("trace %s: none of its %s has a numeric %s", r.trace, dag.Plural(r.n, "selected span"), a.field))
			continue
		}
		d.Details = append(d.Details, fmt.Sprintf("trace %s: %s = %s over %s", r.trace, a.aggString(), format(r.v), dag.Plural(r.n, "span")))
	}
	if acc.n > acc.limit {
		d.Details = append(d.Details, dag.Plural(acc.n-acc.limit, "more trace"))
	}
	return d
}
