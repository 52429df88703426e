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
	ev := evaluator{tree: t}
	w := walker{ev: &ev}
	return w.set(q.root), ev.pre
}

// spanset is a set of nodes of one tree, as membership flags by node index.
type spanset struct {
	in []bool
	n  int
}

func (s spanset) empty() bool { return s.n == 0 }

// walker is the one evaluator of the query language: it walks the syntax
// tree over one trace. When explaining, it tells the Explainer what each
// part selected in the trace, so that once every trace is read it can say
// which part selected nothing in any of them and why.
type walker struct {
	ev *evaluator
	x  *Explainer // nil unless explaining
}

// set evaluates e on the trace.
func (w *walker) set(e spansetExpr) spanset {
	switch e := e.(type) {
	case *filterExpr:
		out := w.ev.filter(e)
		if w.x != nil {
			w.x.filter(e, w.ev, out)
		}
		return out
	case *setExpr:
		return w.setOp(e)
	case *structExpr:
		return w.relation(e)
	case *pipelineExpr:
		return w.pipeline(e)
	}
	return spanset{}
}

// setOp is Tempo's spanset && (both sides found spans: their union) and
// || (the union).
func (w *walker) setOp(e *setExpr) spanset {
	var out spanset
	for i, t := range e.terms {
		s := w.set(t)
		if w.x != nil {
			w.x.term(e, i, s)
		}
		switch {
		case e.op == setAnd && (s.empty() || i > 0 && out.empty()):
			out = spanset{} // a side selected nothing in this trace
		case !s.empty():
			out = union(out, s) // copies: s stays as it is
		}
		if e.op == setAnd && w.x == nil && out.empty() {
			return out // no later term can change it
		}
	}
	if w.x != nil {
		w.x.selected(e, out)
	}
	return out
}

// relation evaluates a structural chain A op B op C … left to right.
func (w *walker) relation(e *structExpr) spanset {
	cur := w.set(e.first)
	for i, st := range e.steps {
		rhs := w.set(st.rhs)
		next := w.ev.relate(st.op, cur, rhs) // relate reads its inputs only
		if w.x != nil {
			w.x.step(e, i, w.ev, cur, rhs, next)
		}
		cur = next
	}
	if w.x != nil {
		w.x.selected(e, cur)
	}
	return cur
}

// pipeline passes the spans of its source through its stages, stopping
// where none are left.
func (w *walker) pipeline(e *pipelineExpr) spanset {
	cur := w.set(e.src)
	for i, st := range e.stages {
		if cur.empty() {
			break
		}
		var next spanset
		switch st := st.(type) {
		case *filterExpr:
			next = intersect(w.ev.filter(st), cur)
		case *aggStage:
			if st.passes(w.ev, cur) {
				next = cur
			}
		}
		if w.x != nil {
			w.x.stage(e, i, w.ev, cur, next)
		}
		cur = next
	}
	return cur
}

// evaluator evaluates the parts of a query on one tree.
type evaluator struct {
	tree *dag.Tree
	at   place   // where the trace comes in what an explanation quotes
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
