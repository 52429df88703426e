package query

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tracectl/tracectl/internal/dag"
)

// Query is a parsed query, ready to evaluate on any number of traces. It is
// immutable and safe for concurrent use.
type Query struct {
	src  string
	root *pipelineExpr
}

// Source returns the expression the query was parsed from.
func (q *Query) Source() string { return q.src }

// String returns the query in canonical form; parsing it again yields the
// same query.
func (q *Query) String() string {
	var b strings.Builder
	q.root.write(&b)
	return b.String()
}

// scope is where an attribute is looked up.
type scope uint8

const (
	scopeAny      scope = iota // .x: span, then resource
	scopeSpan                  // span.x
	scopeResource              // resource.x
)

// attrRef names an attribute.
type attrRef struct {
	scope scope
	name  string
}

func (a attrRef) write(b *strings.Builder) {
	switch a.scope {
	case scopeSpan:
		b.WriteString("span")
	case scopeResource:
		b.WriteString("resource")
	}
	b.WriteByte('.')
	if strings.ContainsAny(a.name, attrTerminators+" \t\r\n\\") || strings.IndexFunc(a.name, unicode.IsSpace) >= 0 {
		b.WriteByte('"')
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a.name))
		b.WriteByte('"')
		return
	}
	b.WriteString(a.name)
}

// intrinsic is a field every span has.
type intrinsic uint8

const (
	intrNone intrinsic = iota
	intrName
	intrStatus
	intrKind
	intrDuration
	intrStatusMessage
	intrSpanID
	intrParentID
	intrChildCount
	intrTraceID
	intrTraceDuration
	intrRootName
	intrRootService
	intrScopeName
	intrScopeVersion
)

// intrinsicNames are the canonical spellings, as printed.
var intrinsicNames = [...]string{
	intrName: "name", intrStatus: "status", intrKind: "kind", intrDuration: "duration",
	intrStatusMessage: "statusMessage", intrSpanID: "span:id", intrParentID: "span:parentID",
	intrChildCount: "span:childCount", intrTraceID: "trace:id", intrTraceDuration: "trace:duration",
	intrRootName: "trace:rootName", intrRootService: "trace:rootService",
	intrScopeName: "instrumentation:name", intrScopeVersion: "instrumentation:version",
}

// intrinsics maps every accepted spelling (Tempo's scoped and unscoped
// forms) to its intrinsic.
var intrinsics = map[string]intrinsic{
	"name": intrName, "span:name": intrName,
	"status": intrStatus, "span:status": intrStatus,
	"kind": intrKind, "span:kind": intrKind,
	"duration": intrDuration, "span:duration": intrDuration,
	"statusMessage": intrStatusMessage, "span:statusMessage": intrStatusMessage,
	"span:id": intrSpanID, "span:parentID": intrParentID, "span:childCount": intrChildCount,
	"trace:id": intrTraceID, "trace:duration": intrTraceDuration, "traceDuration": intrTraceDuration,
	"trace:rootName": intrRootName, "rootName": intrRootName,
	"trace:rootService": intrRootService, "rootServiceName": intrRootService,
	"instrumentation:name": intrScopeName, "instrumentation:version": intrScopeVersion,
}

// intrinsicType is the static type of an intrinsic's values.
func (i intrinsic) typ() valueType {
	switch i {
	case intrStatus:
		return tStatus
	case intrKind:
		return tKind
	case intrDuration, intrTraceDuration:
		return tDuration
	case intrChildCount:
		return tInt
	}
	return tString
}

// operand is one side of a comparison: a field of the span or a literal.
type operand struct {
	pos     int // byte offset in the source, for errors
	isField bool
	intr    intrinsic // intrNone for an attribute
	attr    attrRef
	lit     value
}

func (o operand) write(b *strings.Builder) {
	switch {
	case !o.isField:
		o.lit.writeLiteral(b)
	case o.intr != intrNone:
		b.WriteString(intrinsicNames[o.intr])
	default:
		o.attr.write(b)
	}
}

func (o operand) String() string {
	var b strings.Builder
	o.write(&b)
	return b.String()
}

// cmpOp is a comparison operator.
type cmpOp uint8

const (
	opEq cmpOp = iota
	opNeq
	opLt
	opLte
	opGt
	opGte
	opRe
	opNre
)

var cmpOpNames = [...]string{"=", "!=", "<", "<=", ">", ">=", "=~", "!~"}

func (op cmpOp) String() string { return cmpOpNames[op] }

// cond is a boolean expression on one span: the inside of a filter.
type cond interface {
	write(b *strings.Builder)
}

type andCond struct{ terms []cond }
type orCond struct{ terms []cond }
type notCond struct{ c cond }

// cmpCond compares two operands; re is the compiled, anchored pattern of
// =~ and !~.
type cmpCond struct {
	op   cmpOp
	l, r operand
	re   *matcher
}

// matcher is a fully anchored regular expression with the literal every
// match starts with, tested first: most patterns (GET.*, /api/.*) reject
// most values on their first bytes.
type matcher struct {
	re     *regexp.Regexp // anchored: ^(?:pattern)$
	prefix string
	exact  bool // the pattern is the literal prefix itself
}

func (m *matcher) match(s string) bool {
	if m.exact {
		return s == m.prefix
	}
	return strings.HasPrefix(s, m.prefix) && m.re.MatchString(s)
}

// boolCond is an operand used as a condition: true when it is boolean true
// (Tempo's { span.cache.hit }).
type boolCond struct{ o operand }

func (c *andCond) write(b *strings.Builder) { writeTerms(b, c.terms, " && ", true) }
func (c *orCond) write(b *strings.Builder)  { writeTerms(b, c.terms, " || ", false) }

func writeTerms(b *strings.Builder, terms []cond, sep string, parenOr bool) {
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		_, isOr := t.(*orCond)
		if parenOr && isOr {
			b.WriteByte('(')
			t.write(b)
			b.WriteByte(')')
		} else {
			t.write(b)
		}
	}
}

// write prints !x for a comparison or another negation (which "!" binds
// to anyway) and !(…) for && and ||, so printing never nests deeper than
// the parser allows.
func (c *notCond) write(b *strings.Builder) {
	b.WriteByte('!')
	switch c.c.(type) {
	case *andCond, *orCond:
		b.WriteByte('(')
		c.c.write(b)
		b.WriteByte(')')
	default:
		c.c.write(b)
	}
}

func (c *cmpCond) write(b *strings.Builder) {
	c.l.write(b)
	b.WriteByte(' ')
	b.WriteString(c.op.String())
	b.WriteByte(' ')
	c.r.write(b)
}

func (c *boolCond) write(b *strings.Builder) { c.o.write(b) }

func condString(c cond) string {
	var b strings.Builder
	c.write(&b)
	return b.String()
}

// spansetExpr selects a set of spans of one trace.
type spansetExpr interface {
	write(b *strings.Builder)
}

// filterExpr is { cond }; cond is nil for { }, which selects every span.
type filterExpr struct {
	pos int
	c   cond
}

func (f *filterExpr) write(b *strings.Builder) {
	if f.c == nil {
		b.WriteString("{ }")
		return
	}
	b.WriteString("{ ")
	f.c.write(b)
	b.WriteString(" }")
}

// setOp combines spansets at the trace level.
type setOp uint8

const (
	setAnd setOp = iota
	setOr
)

type setExpr struct {
	op    setOp
	terms []spansetExpr
}

func (s *setExpr) write(b *strings.Builder) {
	sep := " && "
	if s.op == setOr {
		sep = " || "
	}
	for i, t := range s.terms {
		if i > 0 {
			b.WriteString(sep)
		}
		// Spanset || inside && needs parentheses; && and structural bind
		// tighter and print bare.
		inner, isSet := t.(*setExpr)
		_, isPipe := t.(*pipelineExpr)
		if isPipe || isSet && inner.op == setOr && s.op == setAnd {
			b.WriteByte('(')
			t.write(b)
			b.WriteByte(')')
			continue
		}
		t.write(b)
	}
}

// structOp relates spans of the left and right spansets.
type structOp uint8

const (
	structDesc       structOp = iota // >>
	structChild                      // >
	structSibling                    // ~
	structAnce                       // <<
	structParent                     // <
	structNotDesc                    // !>>
	structNotChild                   // !>
	structNotSibling                 // !~
	structNotAnce                    // !<<
	structNotParent                  // !<
)

var structOpNames = [...]string{">>", ">", "~", "<<", "<", "!>>", "!>", "!~", "!<<", "!<"}

func (op structOp) String() string { return structOpNames[op] }

// negated reports whether op is a "!" form, and returns the positive form.
func (op structOp) negated() (structOp, bool) {
	if op >= structNotDesc {
		return op - structNotDesc, true
	}
	return op, false
}

// structExpr is a left-associative chain A op1 B op2 C …, held flat so a
// long chain does not make the AST deep.
type structExpr struct {
	first spansetExpr
	steps []structStep
}

type structStep struct {
	op  structOp
	rhs spansetExpr
}

func (s *structExpr) write(b *strings.Builder) {
	writeStructOperand(b, s.first)
	for _, st := range s.steps {
		b.WriteByte(' ')
		b.WriteString(st.op.String())
		b.WriteByte(' ')
		writeStructOperand(b, st.rhs)
	}
}

func writeStructOperand(b *strings.Builder, e spansetExpr) {
	switch e.(type) {
	case *setExpr, *structExpr, *pipelineExpr:
		b.WriteByte('(')
		e.write(b)
		b.WriteByte(')')
	default:
		e.write(b)
	}
}

// pipelineExpr is a spanset followed by stages. With no stages it is just
// a parenthesised spanset expression.
type pipelineExpr struct {
	src    spansetExpr
	stages []stage
}

func (p *pipelineExpr) write(b *strings.Builder) {
	p.src.write(b)
	for _, st := range p.stages {
		b.WriteString(" | ")
		st.write(b)
	}
}

// stage is one step of a pipeline: a filter or an aggregate comparison.
type stage interface {
	write(b *strings.Builder)
}

// aggFn is an aggregate function.
type aggFn uint8

const (
	aggCount aggFn = iota
	aggAvg
	aggMin
	aggMax
	aggSum
)

var aggNames = [...]string{"count", "avg", "min", "max", "sum"}

// aggStage is `| fn(field) op literal`.
type aggStage struct {
	pos   int
	fn    aggFn
	field operand // unused for count
	op    cmpOp
	lit   value
}

func (a *aggStage) write(b *strings.Builder) {
	b.WriteString(a.aggString())
	b.WriteByte(' ')
	b.WriteString(a.op.String())
	b.WriteByte(' ')
	a.lit.writeLiteral(b)
}

// aggString is the aggregate without its comparison: "avg(duration)".
func (a *aggStage) aggString() string {
	if a.fn == aggCount {
		return "count()"
	}
	return aggNames[a.fn] + "(" + a.field.String() + ")"
}

// valueType is the type of a value, literal or looked up.
type valueType uint8

const (
	tNil valueType = iota // missing attribute, or the literal nil
	tString
	tInt
	tFloat
	tDuration
	tBool
	tStatus
	tKind
	tArray // an array attribute; elements in arr
	tOther // bytes, maps: never compare equal to a literal
)

var valueTypeNames = [...]string{"nil", "string", "int", "float", "duration", "bool", "status", "kind", "array", "value"}

func (t valueType) String() string { return valueTypeNames[t] }

func (t valueType) numeric() bool { return t == tInt || t == tFloat || t == tDuration }

// value is a literal, or a field's value on one span.
type value struct {
	typ valueType
	s   string  // string
	i   int64   // int, duration (ns), status code, kind
	f   float64 // float
	b   bool
	arr []dag.Value
}

func (v value) float() float64 {
	if v.typ == tFloat {
		return v.f
	}
	return float64(v.i)
}

func (v value) writeLiteral(b *strings.Builder) {
	switch v.typ {
	case tNil:
		b.WriteString("nil")
	case tString:
		b.WriteString(strconv.Quote(v.s))
	case tInt:
		b.WriteString(strconv.FormatInt(v.i, 10))
	case tFloat:
		s := strconv.FormatFloat(v.f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") { // keep it a float when read back
			s += ".0"
		}
		b.WriteString(s)
	case tDuration:
		b.WriteString(time.Duration(v.i).String())
	case tBool:
		b.WriteString(strconv.FormatBool(v.b))
	case tStatus:
		b.WriteString(dag.StatusCode(v.i).String())
	case tKind:
		b.WriteString(dag.Kind(v.i).String())
	default:
		b.WriteString(v.display())
	}
}

// display renders a looked-up value for near-miss reports.
func (v value) display() string {
	switch v.typ {
	case tNil:
		return "missing"
	case tArray:
		return dag.ArrayValue(v.arr).String()
	case tOther:
		return strconv.Quote(v.s)
	}
	var b strings.Builder
	v.writeLiteral(&b)
	return b.String()
}
