package query

import (
	"math"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
)

// Result is what a query selects in one trace.
type Result struct {
	// Matched reports whether the trace matches: the final spanset is not
	// empty.
	Matched bool
	// Spans are the selected spans, as indexes into Tree.Nodes, in
	// pre-order (the order a tree is printed in).
	Spans []int32
}

// Eval runs the query on one trace. It is O(n) in the trace's spans for
// filters and structural operators (plus the cost of regular expressions),
// and uses no recursion proportional to the tree's depth.
func (q *Query) Eval(t *dag.Tree) Result {
	set, pre := q.evalOne(t)
	if set.empty() {
		return Result{}
	}
	if pre == nil {
		pre = t.PreOrder()
	}
	spans := make([]int32, 0, set.n)
	for _, i := range pre {
		if set.in[i] {
			spans = append(spans, i)
		}
	}
	return Result{Matched: true, Spans: spans}
}

// Match reports whether the trace matches, without collecting spans.
func (q *Query) Match(t *dag.Tree) bool {
	set, _ := q.evalOne(t)
	return !set.empty()
}

// evalOne walks the query over one trace, and returns what it selects and
// the pre-order if the walk computed it.
func (q *Query) evalOne(t *dag.Tree) (set spanset, pre []int32) {
	one := [1]evaluator{{tree: t}}
	w := walker{evs: one[:]}
	sets, _ := w.set(q.root)
	return sets.first, one[0].pre
}

// spanset is a set of nodes of one tree, as membership flags by node index.
type spanset struct {
	in []bool
	n  int
}

func (s spanset) empty() bool { return s.n == 0 }

// sets holds one spanset per trace of a walk, the first inline, so that
// a one-trace walk (once per trace for --where) allocates no room for
// them and keeps its state on the stack.
type sets struct {
	first spanset
	rest  []spanset // traces 1… of an explaining walk
}

// at is the spanset of trace k.
func (s *sets) at(k int) *spanset {
	if k == 0 {
		return &s.first
	}
	return &s.rest[k-1]
}

func (s *sets) empty() bool {
	if !s.first.empty() {
		return false
	}
	for _, x := range s.rest {
		if !x.empty() {
			return false
		}
	}
	return true
}

// setCount is how many spans a part selected, and in how many traces.
type setCount struct{ spans, traces int }

func (s *sets) count() setCount {
	var c setCount
	for k := range len(s.rest) + 1 {
		if x := s.at(k); x.n > 0 {
			c.spans += x.n
			c.traces++
		}
	}
	return c
}

// walker is the one evaluator of the query language. It walks the syntax
// tree once for a batch of traces, evaluating each part on every trace
// before the next part, so that when explaining it can tell which part
// selected nothing in any trace and say why (see Explain). Eval and Match
// walk a batch of one trace and do not explain.
type walker struct {
	evs []evaluator // one per trace
	// x is told of each part that selected nothing, and says why; nil
	// unless explaining.
	x *explainer
}

// newSets returns empty sets, one per trace.
func (w *walker) newSets() sets {
	if n := len(w.evs); n > 1 {
		return sets{rest: make([]spanset, n-1)}
	}
	return sets{}
}

// set evaluates e on every trace. When explaining, and e selects nothing
// in any trace, it also returns why: the diagnoses of the parts that
// emptied it. A part that selects spans somewhere returns no diagnosis.
func (w *walker) set(e spansetExpr) (sets, []Diagnosis) {
	switch e := e.(type) {
	case *filterExpr:
		out := w.newSets()
		for k := range w.evs {
			*out.at(k) = w.evs[k].filter(e)
		}
		if w.x != nil && out.empty() {
			return out, []Diagnosis{w.x.filterDiagnosis(e, nil)}
		}
		return out, nil
	case *setExpr:
		return w.setOp(e)
	case *structExpr:
		return w.relation(e)
	case *pipelineExpr:
		return w.pipeline(e)
	}
	return w.newSets(), nil
}

// setOp is Tempo's spanset && (both sides found spans: their union) and
// || (the union), trace by trace.
func (w *walker) setOp(e *setExpr) (sets, []Diagnosis) {
	out := w.newSets()
	var failed []Diagnosis
	var counts []setCount // kept when explaining
	for i, t := range e.terms {
		s, d := w.set(t)
		failed = append(failed, d...)
		if w.x != nil {
			counts = append(counts, s.count())
		}
		for k := range w.evs {
			o, x := out.at(k), s.at(k)
			switch {
			case e.op == setAnd && (x.empty() || i > 0 && o.empty()):
				*o = spanset{} // a side selected nothing in this trace
			case !x.empty():
				*o = union(*o, *x) // copies: s stays as it is
			}
		}
		if e.op == setAnd && w.x == nil && out.empty() {
			return out, nil // no later term can change it
		}
	}
	if w.x == nil || !out.empty() {
		return out, nil
	}
	if e.op == setOr || len(failed) > 0 {
		return out, failed
	}
	return out, []Diagnosis{w.x.setDiagnosis(e, counts)}
}

// relation evaluates a structural chain A op B op C … left to right.
func (w *walker) relation(e *structExpr) (sets, []Diagnosis) {
	cur, failed := w.set(e.first)
	// The first step that emptied the chain, reported when no operand
	// selected nothing.
	emptied, left, right := -1, sets{}, sets{}
	for i, st := range e.steps {
		rhs, d := w.set(st.rhs)
		failed = append(failed, d...)
		next := w.newSets()
		for k := range w.evs {
			*next.at(k) = w.evs[k].relate(st.op, *cur.at(k), *rhs.at(k)) // relate reads its inputs only
		}
		if w.x != nil && emptied < 0 && next.empty() {
			emptied, left, right = i, cur, rhs
		}
		cur = next
	}
	if w.x == nil || !cur.empty() {
		return cur, nil
	}
	if len(failed) > 0 {
		return cur, failed
	}
	part := &structExpr{first: e.first, steps: e.steps[:emptied+1]}
	return cur, []Diagnosis{w.x.relationDiagnosis(part, e.steps[emptied].op, &left, &right)}
}

// pipeline passes the spans of its source through its stages, trace by
// trace, stopping where none are left.
func (w *walker) pipeline(e *pipelineExpr) (sets, []Diagnosis) {
	cur, diags := w.set(e.src)
	for _, st := range e.stages {
		if cur.empty() {
			break
		}
		next := w.newSets()
		for k := range w.evs {
			c := cur.at(k)
			if c.empty() {
				continue
			}
			ev := &w.evs[k]
			switch st := st.(type) {
			case *filterExpr:
				*next.at(k) = intersect(ev.filter(st), *c)
			case *aggStage:
				if st.passes(ev, *c) {
					*next.at(k) = *c
				}
			}
		}
		if w.x != nil && next.empty() {
			switch st := st.(type) {
			case *filterExpr:
				diags = []Diagnosis{w.x.filterDiagnosis(st, &cur)}
			case *aggStage:
				diags = []Diagnosis{w.x.aggDiagnosis(st, &cur)}
			}
		}
		cur = next
	}
	return cur, diags
}

// evaluator evaluates the parts of a query on one tree.
type evaluator struct {
	tree *dag.Tree
	pre  []int32 // pre-order, computed on first use
	// Trace-level intrinsics, computed on first use.
	traceID  string
	rootDone bool
	root     *dag.Span
}

func (ev *evaluator) preOrder() []int32 {
	if ev.pre == nil {
		ev.pre = ev.tree.PreOrder()
	}
	return ev.pre
}

func (ev *evaluator) newSet() spanset { return spanset{in: make([]bool, len(ev.tree.Nodes))} }

func (ev *evaluator) filter(f *filterExpr) spanset {
	out := ev.newSet()
	for i := range ev.tree.Nodes {
		n := &ev.tree.Nodes[i]
		if n.Span != nil && (f.c == nil || ev.cond(f.c, n)) {
			out.in[i] = true
			out.n++
		}
	}
	return out
}

// intersect keeps in a the spans that are also in b. It writes to a, which
// must be a set no one else holds (a fresh filter's).
func intersect(a, b spanset) spanset {
	a.n = 0
	for i, ok := range a.in {
		if ok && !b.in[i] {
			a.in[i] = false
		}
		if a.in[i] {
			a.n++
		}
	}
	return a
}

func union(dst, src spanset) spanset {
	if dst.in == nil {
		dst.in = make([]bool, len(src.in))
	}
	for i, ok := range src.in {
		if ok && !dst.in[i] {
			dst.in[i] = true
			dst.n++
		}
	}
	return dst
}

// relate returns the spans of b that stand in relation op to some span of
// a. One pass in pre-order (parents before children) or reverse pre-order
// (children before parents) computes the relation for every node, so the
// cost is O(n) whatever the depth.
func (ev *evaluator) relate(op structOp, a, b spanset) spanset {
	if b.empty() {
		return spanset{}
	}
	if a.empty() {
		if _, neg := op.negated(); neg {
			return b
		}
		return spanset{}
	}
	nodes := ev.tree.Nodes
	rel := make([]bool, len(nodes))
	pos, neg := op.negated()
	switch pos {
	case structDesc: // has an ancestor in a
		for _, i := range ev.preOrder() {
			if p := nodes[i].Parent; p != dag.None {
				rel[i] = rel[p] || a.in[p]
			}
		}
	case structAnce: // has a descendant in a
		pre := ev.preOrder()
		for k := len(pre) - 1; k >= 0; k-- {
			i := pre[k]
			if p := nodes[i].Parent; p != dag.None && (a.in[i] || rel[i]) {
				rel[p] = true
			}
		}
	case structChild: // parent in a
		for i := range nodes {
			if p := nodes[i].Parent; p != dag.None {
				rel[i] = a.in[p]
			}
		}
	case structParent: // has a child in a
		for i := range nodes {
			if p := nodes[i].Parent; p != dag.None && a.in[i] {
				rel[p] = true
			}
		}
	case structSibling: // another child of the same parent is in a
		count := make([]int32, len(nodes))
		for i := range nodes {
			if p := nodes[i].Parent; p != dag.None && a.in[i] {
				count[p]++
			}
		}
		for i := range nodes {
			if p := nodes[i].Parent; p != dag.None {
				c := count[p]
				if a.in[i] {
					c--
				}
				rel[i] = c > 0
			}
		}
	}
	out := spanset{in: rel} // reuse rel as the output
	for i := range rel {
		rel[i] = b.in[i] && rel[i] != neg
		if rel[i] {
			out.n++
		}
	}
	return out
}

// cond evaluates a condition on one real span.
func (ev *evaluator) cond(c cond, n *dag.Node) bool {
	switch c := c.(type) {
	case *andCond:
		for _, t := range c.terms {
			if !ev.cond(t, n) {
				return false
			}
		}
		return true
	case *orCond:
		for _, t := range c.terms {
			if ev.cond(t, n) {
				return true
			}
		}
		return false
	case *notCond:
		return !ev.cond(c.c, n)
	case *boolCond:
		v := ev.operand(c.o, n)
		return v.typ == tBool && v.b
	case *cmpCond:
		return ev.compare(c, n)
	}
	return false
}

func (ev *evaluator) compare(c *cmpCond, n *dag.Node) bool {
	l, r := ev.operand(c.l, n), ev.operand(c.r, n)
	// `= nil` matches a missing attribute and `!= nil` a present one; any
	// other comparison with a missing attribute is false (Tempo).
	if isNilLiteral(c.r) || isNilLiteral(c.l) {
		v := l
		if isNilLiteral(c.l) {
			v = r
		}
		switch c.op {
		case opEq:
			return v.typ == tNil
		case opNeq:
			return v.typ != tNil
		}
		return false
	}
	return compareValues(c.op, l, r, c.re)
}

func isNilLiteral(o operand) bool { return !o.isField && o.lit.typ == tNil }

// flipped is the operator with its operands swapped (a < b ⇔ b > a).
func (op cmpOp) flipped() cmpOp {
	switch op {
	case opLt:
		return opGt
	case opLte:
		return opGte
	case opGt:
		return opLt
	case opGte:
		return opLte
	}
	return op
}

// compareValues applies op. Arrays match "=", "=~" and orderings when any
// element does, and "!=", "!~" when no element matches the positive form.
func compareValues(op cmpOp, l, r value, re *matcher) bool {
	if r.typ == tArray && l.typ != tArray {
		l, r, op = r, l, op.flipped()
	}
	if l.typ == tArray {
		positive := op
		switch op {
		case opNeq:
			positive = opEq
		case opNre:
			positive = opRe
		}
		any := false
		for _, e := range l.arr {
			if compareValues(positive, fromDag(e), r, re) {
				any = true
				break
			}
		}
		return any == (positive == op)
	}
	switch op {
	case opRe:
		return l.typ == tString && re.match(l.s)
	case opNre:
		return l.typ == tString && !re.match(l.s)
	}
	var c int
	switch {
	case l.typ.numeric() && r.typ.numeric():
		if l.typ != tFloat && r.typ != tFloat {
			c = cmp3(l.i, r.i)
		} else {
			lf, rf := l.float(), r.float()
			if math.IsNaN(lf) || math.IsNaN(rf) {
				return op == opNeq
			}
			c = cmp3(lf, rf)
		}
	case l.typ == tString && r.typ == tString:
		c = strings.Compare(l.s, r.s)
	case l.typ == r.typ && (l.typ == tBool || l.typ == tStatus || l.typ == tKind):
		if op != opEq && op != opNeq {
			return false
		}
		if l.typ == tBool {
			c = cmp3(b2i(l.b), b2i(r.b))
		} else {
			c = cmp3(l.i, r.i)
		}
	default:
		return false // missing, or types that never compare
	}
	switch op {
	case opEq:
		return c == 0
	case opNeq:
		return c != 0
	case opLt:
		return c < 0
	case opLte:
		return c <= 0
	case opGt:
		return c > 0
	case opGte:
		return c >= 0
	}
	return false
}

func cmp3[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// operand returns the operand's value on a span.
func (ev *evaluator) operand(o operand, n *dag.Node) value {
	if !o.isField {
		return o.lit
	}
	s := n.Span
	switch o.intr {
	case intrNone:
		return ev.attr(o.attr, s)
	case intrName:
		return value{typ: tString, s: s.Name()}
	case intrStatus:
		return value{typ: tStatus, i: int64(s.Status().Code)}
	case intrKind:
		return value{typ: tKind, i: int64(s.Kind)}
	case intrDuration:
		return value{typ: tDuration, i: s.Duration()}
	case intrStatusMessage:
		return value{typ: tString, s: s.Status().Message}
	case intrSpanID:
		return value{typ: tString, s: s.SpanIDText()}
	case intrParentID:
		return value{typ: tString, s: s.ParentIDText()}
	case intrChildCount:
		return value{typ: tInt, i: int64(n.NumChildren())}
	case intrTraceID:
		if ev.traceID == "" {
			ev.traceID = ev.tree.TraceIDText()
		}
		return value{typ: tString, s: ev.traceID}
	case intrTraceDuration:
		return value{typ: tDuration, i: dag.Sub(ev.tree.End, ev.tree.Start)}
	case intrRootName, intrRootService:
		if !ev.rootDone {
			if r := ev.tree.Root(); r != dag.None {
				ev.root = ev.tree.Nodes[r].Span
			}
			ev.rootDone = true
		}
		if ev.root == nil {
			return value{}
		}
		if o.intr == intrRootName {
			return value{typ: tString, s: ev.root.Name()}
		}
		return value{typ: tString, s: ev.root.Service()}
	case intrScopeName, intrScopeVersion:
		sc := s.Scope()
		if sc == nil {
			return value{}
		}
		if o.intr == intrScopeName {
			return value{typ: tString, s: sc.Name}
		}
		return value{typ: tString, s: sc.Version}
	}
	return value{}
}

func (ev *evaluator) attr(a attrRef, s *dag.Span) value {
	if a.scope != scopeResource {
		if v, ok := s.Attr(a.name); ok {
			return fromDag(v)
		}
		if a.scope == scopeSpan {
			return value{}
		}
	}
	if v, ok := s.ResourceAttr(a.name); ok {
		return fromDag(v)
	}
	// Decoders may keep service.name only in Resource.Service.
	if a.name == "service.name" && s.Resource() != nil && s.Resource().Service != "" {
		return value{typ: tString, s: s.Resource().Service}
	}
	return value{}
}

func fromDag(v dag.Value) value {
	switch v.Type() {
	case dag.ValueString:
		return value{typ: tString, s: v.Str()}
	case dag.ValueBool:
		return value{typ: tBool, b: v.Bool()}
	case dag.ValueInt:
		return value{typ: tInt, i: v.Int()}
	case dag.ValueDouble:
		return value{typ: tFloat, f: v.Double()}
	case dag.ValueArray:
		return value{typ: tArray, arr: v.Array()}
	case dag.ValueEmpty:
		return value{}
	}
	return value{typ: tOther, s: v.String()}
}

// aggregate computes the stage's aggregate over a spanset; ok is false
// when no span had a numeric value for the field.
func (a *aggStage) aggregate(ev *evaluator, s spanset) (float64, bool) {
	if a.fn == aggCount {
		return float64(s.n), true
	}
	var sum float64
	lo, hi := math.Inf(1), math.Inf(-1)
	n := 0
	for i, in := range s.in {
		if !in {
			continue
		}
		v := ev.operand(a.field, &ev.tree.Nodes[i])
		if !v.typ.numeric() {
			continue
		}
		f := v.float()
		sum += f
		lo, hi = min(lo, f), max(hi, f)
		n++
	}
	if n == 0 {
		return 0, false
	}
	switch a.fn {
	case aggAvg:
		return sum / float64(n), true
	case aggMin:
		return lo, true
	case aggMax:
		return hi, true
	}
	return sum, true
}

func (a *aggStage) passes(ev *evaluator, s spanset) bool {
	v, ok := a.aggregate(ev, s)
	if !ok {
		return false
	}
	return compareValues(a.op, value{typ: tFloat, f: v}, value{typ: tFloat, f: a.lit.float()}, nil)
}
