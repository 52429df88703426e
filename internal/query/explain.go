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
	x := &explainer{evs: make([]evaluator, len(trees)), limit: max(limit, 1)}
	for k, t := range trees {
		x.evs[k].tree = t
	}
	w := &walker{evs: x.evs, x: x}
	_, diags := w.set(q.root)
	return diags
}

// explainer builds the diagnoses of an explaining walk, when a part of the
// query selected nothing.
type explainer struct {
	evs   []evaluator // the walk's, one per trace
	limit int         // near misses or traces listed per diagnosis
}

// setDiagnosis reports a spanset && whose sides each select spans, but
// never all in the same trace.
func (x *explainer) setDiagnosis(e *setExpr, counts []setCount) Diagnosis {
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

// filterDiagnosis reports a filter that selected nothing among the spans
// of within (nil: all spans), with the spans that satisfy most of its
// top-level && conditions.
func (x *explainer) filterDiagnosis(f *filterExpr, within *sets) Diagnosis {
	d := Diagnosis{Part: exprString(f), Summary: "no span matches"}
	if within != nil {
		d.Summary = "no span selected by the stages before matches"
	}
	total := 0
	for k := range x.evs {
		total += x.evs[k].tree.SpanCount()
	}
	if total == 0 {
		d.Summary = "the input holds no spans"
		return d
	}
	if f.c == nil {
		return d
	}
	conds := []cond{f.c}
	if and, ok := f.c.(*andCond); ok {
		conds = and.terms
	}
	// Conditions that identify a span (a name, a service: string
	// equality or a regular expression) weigh twice what checks on it
	// (duration, status, kind) weigh, so that "right span, too slow"
	// is a near miss and "any span that is fast enough" is not.
	weights := make([]int, len(conds))
	totalWeight := 0
	for j, c := range conds {
		weights[j] = 1
		if cc, ok := c.(*cmpCond); ok && (cc.op == opEq || cc.op == opRe) &&
			(!cc.r.isField && cc.r.lit.typ == tString || !cc.l.isField && cc.l.lit.typ == tString) {
			weights[j] = 2
		}
		totalWeight += weights[j]
	}
	type candidate struct {
		miss   NearMiss
		passed int
		dist   float64
		order  int
	}
	var cands []*candidate
	byKey := map[string]*candidate{}
	order := 0
	for k := range x.evs {
		ev := &x.evs[k]
		for i := range ev.tree.Nodes {
			n := &ev.tree.Nodes[i]
			if n.Span == nil || within != nil && (within.at(k).empty() || !within.at(k).in[i]) {
				continue
			}
			order++
			passed, failed, dist := 0, 0, 0.0
			var key strings.Builder
			key.WriteString(n.Span.Service() + "\x00" + n.Span.Name() + "\x00")
			ok := make([]bool, len(conds))
			for j, c := range conds {
				if ev.cond(c, n) {
					ok[j] = true
					passed += weights[j]
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
			if passed < 2 && passed*2 < totalWeight && dist/float64(failed) > 0.5 {
				continue
			}
			if c, seen := byKey[key.String()]; seen {
				c.miss.Similar++
				if dist < c.dist { // keep the closest of its kind on show
					c.dist, c.order = dist, order
					c.miss = x.nearMiss(ev, n, conds, ok, c.miss.Similar)
				}
				continue
			}
			c := &candidate{passed: passed, dist: dist, order: order, miss: x.nearMiss(ev, n, conds, ok, 0)}
			byKey[key.String()] = c
			cands = append(cands, c)
		}
	}
	slices.SortStableFunc(cands, func(a, b *candidate) int {
		if c := cmp.Compare(b.passed, a.passed); c != 0 {
			return c
		}
		if c := cmp.Compare(a.dist, b.dist); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	for _, c := range cands[:min(len(cands), x.limit)] {
		d.NearMisses = append(d.NearMisses, c.miss)
	}
	return d
}

func (x *explainer) nearMiss(ev *evaluator, n *dag.Node, conds []cond, ok []bool, similar int) NearMiss {
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

// relationDiagnosis reports a structural step whose two sides selected
// spans that never stand in the relation; the near misses are right-side
// spans, preferring traces where the left side matched too.
func (x *explainer) relationDiagnosis(part *structExpr, op structOp, left, right *sets) Diagnosis {
	lhs := &structExpr{first: part.first, steps: part.steps[:len(part.steps)-1]}
	var lhsExpr spansetExpr = lhs
	if len(lhs.steps) == 0 {
		lhsExpr = lhs.first
	}
	l, r := left.count(), right.count()
	verdict := "no right-side span " + relationPhrases[op]
	if pos, neg := op.negated(); neg {
		verdict = "every right-side span " + relationPhrases[pos]
	}
	d := Diagnosis{
		Part: exprString(part),
		Summary: fmt.Sprintf("the left side selects %s in %s and the right side %s in %s, but %s the left side",
			dag.Plural(l.spans, "span"), dag.Plural(l.traces, "trace"), dag.Plural(r.spans, "span"), dag.Plural(r.traces, "trace"), verdict),
	}
	cond := relationPhrases[op] + " " + wrapped(lhsExpr)
	seen := map[string]*NearMiss{}
	for pass := 0; pass < 2 && len(d.NearMisses) < x.limit; pass++ {
		for k := range x.evs {
			ev := &x.evs[k]
			// First pass: traces where both sides matched.
			if (pass == 0) == left.at(k).empty() || right.at(k).empty() {
				continue
			}
			for _, i := range ev.preOrder() {
				if !right.at(k).in[i] {
					continue
				}
				s := ev.tree.Nodes[i].Span
				key := s.Service() + "\x00" + s.Name()
				if m, ok := seen[key]; ok {
					m.Similar++
					continue
				}
				if len(d.NearMisses) >= x.limit {
					continue
				}
				d.NearMisses = append(d.NearMisses, NearMiss{
					SpanRef: spanRef(ev.tree, s),
					Checks:  []Check{{Cond: cond, Actual: ev.relatives(op, i)}},
				})
				seen[key] = &d.NearMisses[len(d.NearMisses)-1]
			}
		}
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

// aggDiagnosis reports an aggregate stage that no trace passed, with the
// aggregate's value in the traces that came closest.
func (x *explainer) aggDiagnosis(a *aggStage, in *sets) Diagnosis {
	var b strings.Builder
	a.write(&b)
	d := Diagnosis{Part: b.String()}
	type row struct {
		trace string // as output shows it
		v     float64
		ok    bool
		n     int
	}
	var rows []row
	for k := range x.evs {
		ev := &x.evs[k]
		s := in.at(k)
		if s.empty() {
			continue
		}
		v, ok := a.aggregate(ev, *s)
		rows = append(rows, row{ev.tree.TraceIDText(), v, ok, s.n})
	}
	want := a.lit.float()
	slices.SortStableFunc(rows, func(p, q row) int {
		if p.ok != q.ok {
			if p.ok {
				return -1
			}
			return 1
		}
		return cmp.Compare(math.Abs(p.v-want), math.Abs(q.v-want))
	})
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
	for _, r := range rows[:min(len(rows), x.limit)] {
		if !r.ok {
			d.Details = append(d.Details, fmt.Sprintf("trace %s: none of its %s has a numeric %s", r.trace, dag.Plural(r.n, "selected span"), a.field))
			continue
		}
		d.Details = append(d.Details, fmt.Sprintf("trace %s: %s = %s over %s", r.trace, a.aggString(), format(r.v), dag.Plural(r.n, "span")))
	}
	if len(rows) > x.limit {
		d.Details = append(d.Details, dag.Plural(len(rows)-x.limit, "more trace"))
	}
	return d
}
