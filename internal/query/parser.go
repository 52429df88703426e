package query

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
)

// maxDepth bounds nesting (parentheses, braces, "!") so that no input can
// exhaust the stack; real queries nest a handful of levels.
const maxDepth = 200

// Parse parses a query. A syntax error is a *SyntaxError whose message
// quotes the expression with a caret under the column.
func Parse(expr string) (*Query, error) {
	p := &parser{lx: lexer{src: expr}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokEOF {
		return nil, p.errAt(p.tok.pos, `empty query: expected a span filter such as { name = "GET /" }`)
	}
	root, err := p.pipeline()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		want := `"|", "&&", "||" or a structural operator (>>, >, ~, <<, <)`
		if n := len(root.stages); n > 0 {
			if _, agg := root.stages[n-1].(*aggStage); agg {
				want = `"|"`
			}
		}
		return nil, p.expected(want)
	}
	return &Query{src: expr, root: root}, nil
}

// MustParse is Parse for expressions known to be valid (tests, constants);
// it panics on a syntax error.
func MustParse(expr string) *Query {
	q, err := Parse(expr)
	if err != nil {
		panic(err)
	}
	return q
}

type parser struct {
	lx    lexer
	tok   token
	depth int
	// bareAttr is set when the last condition parsed was an attribute
	// without an operator, so the error after it can suggest one.
	bareAttr bool
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errAt(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Expr: p.lx.src, Offset: pos, Msg: fmt.Sprintf(format, args...)}
}

// expected reports what was wanted at the current token and what is there.
func (p *parser) expected(want string) *SyntaxError {
	return p.errAt(p.tok.pos, "expected %s, found %s", want, p.tok.describe(p.lx.src))
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > maxDepth {
		return p.errAt(pos, "expression nested too deeply (more than %d levels)", maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func isAggName(s string) bool {
	for _, n := range aggNames {
		if s == n {
			return true
		}
	}
	return false
}

func (p *parser) pipeline() (*pipelineExpr, error) {
	pl := &pipelineExpr{}
	if p.tok.kind == tokIdent && isAggName(p.tok.text) {
		// `count() > 2` alone means `{ } | count() > 2`, as in Tempo.
		pl.src = &filterExpr{pos: p.tok.pos}
		st, err := p.aggStage()
		if err != nil {
			return nil, err
		}
		pl.stages = append(pl.stages, st)
	} else {
		src, err := p.spansetOr()
		if err != nil {
			return nil, err
		}
		pl.src = src
	}
	for p.tok.kind == tokPipe {
		if err := p.advance(); err != nil {
			return nil, err
		}
		st, err := p.stage()
		if err != nil {
			return nil, err
		}
		pl.stages = append(pl.stages, st)
	}
	return pl, nil
}

func (p *parser) stage() (stage, error) {
	switch {
	case p.tok.kind == tokLBrace:
		return p.filter()
	case p.tok.kind == tokIdent && isAggName(p.tok.text):
		return p.aggStage()
	}
	return nil, p.expected(`"{" or an aggregate (count, avg, min, max, sum) after "|"`)
}

func (p *parser) spansetOr() (spansetExpr, error) {
	return p.spansetChain(setOr, tokOr, p.spansetAnd)
}

func (p *parser) spansetAnd() (spansetExpr, error) {
	return p.spansetChain(setAnd, tokAnd, p.structural)
}

func (p *parser) spansetChain(op setOp, sep tokenKind, operand func() (spansetExpr, error)) (spansetExpr, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != sep {
		return first, nil
	}
	set := &setExpr{op: op, terms: []spansetExpr{first}}
	for p.tok.kind == sep {
		if err := p.advance(); err != nil {
			return nil, err
		}
		t, err := operand()
		if err != nil {
			return nil, err
		}
		set.terms = append(set.terms, t)
	}
	return set, nil
}

var structOps = map[tokenKind]structOp{
	tokDesc: structDesc, tokGt: structChild, tokSibling: structSibling, tokAnce: structAnce,
	tokLt: structParent, tokNotDesc: structNotDesc, tokNotChild: structNotChild,
	tokNre: structNotSibling, tokNotAnce: structNotAnce, tokNotParent: structNotParent,
}

func (p *parser) structural() (spansetExpr, error) {
	first, err := p.spansetPrimary()
	if err != nil {
		return nil, err
	}
	op, ok := structOps[p.tok.kind]
	if !ok {
		return first, nil
	}
	chain := &structExpr{first: first}
	for ok {
		if err := p.advance(); err != nil {
			return nil, err
		}
		rhs, err := p.spansetPrimary()
		if err != nil {
			return nil, err
		}
		chain.steps = append(chain.steps, structStep{op: op, rhs: rhs})
		op, ok = structOps[p.tok.kind]
	}
	return chain, nil
}

func (p *parser) spansetPrimary() (spansetExpr, error) {
	switch p.tok.kind {
	case tokLBrace:
		return p.filter()
	case tokLParen:
		pos := p.tok.pos
		if err := p.enter(pos); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		pl, err := p.pipeline()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			return nil, p.expected(`")"`)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		p.leave()
		if len(pl.stages) == 0 {
			return pl.src, nil
		}
		return pl, nil
	case tokIdent, tokAttr:
		return nil, p.expected(`"{": conditions go inside braces, as in { name = "GET /" }`)
	}
	return nil, p.expected(`"{" or "("`)
}

func (p *parser) filter() (*filterExpr, error) {
	f := &filterExpr{pos: p.tok.pos}
	if err := p.enter(f.pos); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokRBrace {
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		f.c = c
		if p.tok.kind != tokRBrace {
			if p.bareAttr {
				return nil, p.expected(`a comparison operator, "&&", "||" or "}"`)
			}
			return nil, p.expected(`"&&", "||" or "}"`)
		}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	p.leave()
	return f, nil
}

func (p *parser) or() (cond, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokOr {
		return first, nil
	}
	c := &orCond{terms: []cond{first}}
	for p.tok.kind == tokOr {
		if err := p.advance(); err != nil {
			return nil, err
		}
		t, err := p.and()
		if err != nil {
			return nil, err
		}
		c.terms = append(c.terms, t)
	}
	return c, nil
}

func (p *parser) and() (cond, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokAnd {
		return first, nil
	}
	c := &andCond{terms: []cond{first}}
	for p.tok.kind == tokAnd {
		if err := p.advance(); err != nil {
			return nil, err
		}
		t, err := p.unary()
		if err != nil {
			return nil, err
		}
		c.terms = append(c.terms, t)
	}
	return c, nil
}

func (p *parser) unary() (cond, error) {
	switch p.tok.kind {
	case tokNot:
		if err := p.enter(p.tok.pos); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.unary()
		if err != nil {
			return nil, err
		}
		p.leave()
		p.bareAttr = false
		return &notCond{c: c}, nil
	case tokLParen:
		if err := p.enter(p.tok.pos); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			return nil, p.expected(`"&&", "||" or ")"`)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		p.leave()
		p.bareAttr = false
		return c, nil
	}
	return p.comparison()
}

var cmpOps = map[tokenKind]cmpOp{
	tokEq: opEq, tokNeq: opNeq, tokLt: opLt, tokLte: opLte, tokGt: opGt, tokGte: opGte, tokRe: opRe, tokNre: opNre,
}

func (p *parser) comparison() (cond, error) {
	p.bareAttr = false
	l, err := p.operand(false)
	if err != nil {
		return nil, err
	}
	op, ok := cmpOps[p.tok.kind]
	if !ok {
		switch {
		case l.isField && l.intr == intrNone:
			p.bareAttr = true
			return &boolCond{o: l}, nil
		case !l.isField && l.lit.typ == tBool:
			return &boolCond{o: l}, nil
		}
		return nil, p.expected("a comparison operator (=, !=, <, <=, >, >=, =~, !~) after " + l.String())
	}
	opPos := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	r, err := p.operand(true)
	if err != nil {
		return nil, err
	}
	return p.checkComparison(op, opPos, l, r)
}

// literalWords are the bare identifiers that are values.
var literalWords = map[string]value{
	"true": {typ: tBool, b: true}, "false": {typ: tBool},
	"nil": {typ: tNil},
	"ok":  {typ: tStatus, i: int64(dag.StatusOK)}, "error": {typ: tStatus, i: int64(dag.StatusError)},
	"unset":       {typ: tStatus, i: int64(dag.StatusUnset)},
	"unspecified": {typ: tKind, i: int64(dag.KindUnspecified)}, "internal": {typ: tKind, i: int64(dag.KindInternal)},
	"server": {typ: tKind, i: int64(dag.KindServer)}, "client": {typ: tKind, i: int64(dag.KindClient)},
	"producer": {typ: tKind, i: int64(dag.KindProducer)}, "consumer": {typ: tKind, i: int64(dag.KindConsumer)},
}

const fieldHint = "a field (name, status, kind, duration, span.x, resource.x, .x) or a value"

func (p *parser) operand(rhs bool) (operand, error) {
	t := p.tok
	o := operand{pos: t.pos}
	switch t.kind {
	case tokIdent:
		if in, ok := intrinsics[t.text]; ok {
			o.isField, o.intr = true, in
		} else if v, ok := literalWords[t.text]; ok {
			o.lit = v
		} else if isAggName(t.text) {
			return o, p.errAt(t.pos, `%s() is an aggregate: use it after "|", as in { } | count() > 2`, t.text)
		} else if strings.Contains(t.text, ":") {
			return o, p.errAt(t.pos, "unknown intrinsic %s (known: %s)", t.text, strings.Join(intrinsicNames[1:], ", "))
		} else if rhs {
			return o, p.errAt(t.pos, "unknown value %s (quote strings: %q)", t.text, t.text)
		} else {
			return o, p.errAt(t.pos, "unknown field %s (attributes are written span.%s, resource.%s or .%s)", t.text, t.text, t.text, t.text)
		}
	case tokAttr:
		o.isField, o.attr = true, t.attr
	case tokString:
		o.lit = value{typ: tString, s: t.text}
	case tokNumber:
		if t.isInt {
			o.lit = value{typ: tInt, i: t.int}
		} else {
			o.lit = value{typ: tFloat, f: t.num}
		}
	case tokDuration:
		o.lit = value{typ: tDuration, i: int64(t.dur)}
	default:
		return o, p.expected(fieldHint)
	}
	return o, p.advance()
}

// staticType is the type of an operand known before evaluation; ok is
// false for attributes, whose type depends on the span.
func (o operand) staticType() (valueType, bool) {
	switch {
	case !o.isField:
		return o.lit.typ, true
	case o.intr != intrNone:
		return o.intr.typ(), true
	}
	return 0, false
}

// checkComparison rejects comparisons that can never be true for a type
// reason the user should hear about (status = server, duration > "fast",
// a broken regular expression), and coerces quoted enum names.
func (p *parser) checkComparison(op cmpOp, opPos int, l, r operand) (cond, error) {
	c := &cmpCond{op: op, l: l, r: r}
	if op == opRe || op == opNre {
		if r.isField || r.lit.typ != tString {
			return nil, p.errAt(r.pos, `%s needs a "quoted" regular expression on its right`, op)
		}
		if lt, ok := l.staticType(); ok && lt != tString {
			return nil, p.errAt(l.pos, "%s applies to strings; %s is a %s", op, l, lt)
		}
		raw, err := regexp.Compile(r.lit.s)
		if err != nil {
			return nil, p.errAt(r.pos, "invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		re, err := regexp.Compile("^(?:" + r.lit.s + ")$") // fully anchored, as in Tempo
		if err != nil {
			return nil, p.errAt(r.pos, "invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		prefix, exact := raw.LiteralPrefix()
		c.re = &matcher{re: re, prefix: prefix, exact: exact}
		return c, nil
	}
	// Orient so that a field is on the left when there is one.
	field, lit := l, r
	if !l.isField && r.isField {
		field, lit = r, l
	}
	ft, fok := field.staticType()
	lt, lok := lit.staticType()
	ordering := op != opEq && op != opNeq
	if ordering {
		for _, o := range []operand{field, lit} {
			if t, ok := o.staticType(); ok && (t == tBool || t == tStatus || t == tKind || t == tNil) {
				return nil, p.errAt(opPos, "only = and != apply to %s", o)
			}
		}
	}
	if !fok || !lok || !field.isField {
		return c, nil
	}
	if lit.isField { // two intrinsics
		if ft != lt && !(ft.numeric() && lt.numeric()) {
			return nil, p.errAt(lit.pos, "%s is a %s and %s is a %s: they never compare equal", field, ft, lit, lt)
		}
		return c, nil
	}
	fixed := lit
	switch ft {
	case tStatus, tKind:
		if lt == tString {
			if ft == tStatus {
				if code, ok := dag.ParseStatusCode(strings.ToLower(lit.lit.s)); ok {
					fixed.lit = value{typ: tStatus, i: int64(code)}
				}
			} else if k, ok := dag.ParseKind(strings.ToLower(lit.lit.s)); ok {
				fixed.lit = value{typ: tKind, i: int64(k)}
			}
		}
		if fixed.lit.typ != ft {
			if ft == tStatus {
				return nil, p.errAt(lit.pos, "status is ok, error or unset; found %s", lit)
			}
			return nil, p.errAt(lit.pos, "kind is server, client, producer, consumer, internal or unspecified; found %s", lit)
		}
	case tDuration:
		if lt != tDuration {
			return nil, p.errAt(lit.pos, "%s is compared with a duration such as 100ms; found %s", field, lit)
		}
	case tInt:
		if !lt.numeric() || lt == tDuration {
			return nil, p.errAt(lit.pos, "%s is a number; found %s", field, lit)
		}
	case tString:
		if lt != tString {
			return nil, p.errAt(lit.pos, "%s is a string: quote the value; found %s", field, lit)
		}
	}
	if field.pos == l.pos {
		c.r = fixed
	} else {
		c.l = fixed
	}
	return c, nil
}

func (p *parser) aggStage() (*aggStage, error) {
	a := &aggStage{pos: p.tok.pos}
	for i, n := range aggNames {
		if n == p.tok.text {
			a.fn = aggFn(i)
		}
	}
	name := p.tok.text
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokLParen {
		return nil, p.expected(`"(" after ` + name)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if a.fn != aggCount {
		if p.tok.kind == tokRParen {
			return nil, p.expected(name + "'s field, as in " + name + "(duration)")
		}
		f, err := p.operand(false)
		if err != nil {
			return nil, err
		}
		if !f.isField {
			return nil, p.errAt(f.pos, "%s needs a field, as in %s(duration); found %s", name, name, f)
		}
		if t, ok := f.staticType(); ok && !t.numeric() {
			return nil, p.errAt(f.pos, "%s needs a numeric field (duration, span:childCount or an attribute); %s is a %s", name, f, t)
		}
		a.field = f
	}
	if p.tok.kind != tokRParen {
		if a.fn == aggCount {
			return nil, p.expected(`")": count() takes no field`)
		}
		return nil, p.expected(`")"`)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	op, ok := cmpOps[p.tok.kind]
	if !ok || op == opRe || op == opNre {
		return nil, p.expected("a comparison (=, !=, <, <=, >, >=) after " + a.aggString())
	}
	a.op = op
	if err := p.advance(); err != nil {
		return nil, err
	}
	lit, err := p.operand(true)
	if err != nil {
		return nil, err
	}
	if lit.isField || !lit.lit.typ.numeric() {
		return nil, p.errAt(lit.pos, "%s is compared with a number or a duration; found %s", a.aggString(), lit)
	}
	ft := tInt
	if a.fn != aggCount {
		ft, _ = a.field.staticType()
		if !a.field.isField || a.field.intr == intrNone {
			ft = tFloat // an attribute: any number or duration
		}
	}
	switch {
	case ft == tDuration && lit.lit.typ != tDuration:
		return nil, p.errAt(lit.pos, "%s is compared with a duration such as 100ms; found %s", a.aggString(), lit)
	case ft == tInt && lit.lit.typ == tDuration:
		return nil, p.errAt(lit.pos, "%s is a number; found %s", a.aggString(), lit)
	}
	a.lit = lit.lit
	return a, nil
}
