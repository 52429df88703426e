package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// tokenKind is the kind of a lexical token.
type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokLBrace
	tokRBrace
	tokLParen
	tokRParen
	tokPipe
	tokAnd
	tokOr
	tokNot
	tokEq
	tokNeq
	tokLt
	tokLte
	tokGt
	tokGte
	tokRe
	tokNre // "!~": regex not-match in a filter, not-sibling between spansets
	tokDesc
	tokAnce
	tokSibling // "~"
	tokNotDesc
	tokNotChild
	tokNotAnce
	tokNotParent
	tokString
	tokNumber
	tokDuration
	tokIdent
	tokAttr
)

var tokenNames = [...]string{
	tokEOF: "end of input", tokLBrace: `"{"`, tokRBrace: `"}"`, tokLParen: `"("`, tokRParen: `")"`,
	tokPipe: `"|"`, tokAnd: `"&&"`, tokOr: `"||"`, tokNot: `"!"`, tokEq: `"="`, tokNeq: `"!="`,
	tokLt: `"<"`, tokLte: `"<="`, tokGt: `">"`, tokGte: `">="`, tokRe: `"=~"`, tokNre: `"!~"`,
	tokDesc: `">>"`, tokAnce: `"<<"`, tokSibling: `"~"`, tokNotDesc: `"!>>"`, tokNotChild: `"!>"`,
	tokNotAnce: `"!<<"`, tokNotParent: `"!<"`, tokString: "string", tokNumber: "number",
	tokDuration: "duration", tokIdent: "identifier", tokAttr: "attribute",
}

// token is one lexical token. pos is its byte offset in the expression.
type token struct {
	kind  tokenKind
	pos   int
	end   int
	text  string // identifier; attribute scope+name; unquoted string; number lexeme
	attr  attrRef
	num   float64
	int   int64
	isInt bool
	dur   time.Duration
}

// describe names a token for "found …" in error messages.
func (t token) describe(src string) string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokIdent, tokNumber, tokDuration, tokAttr, tokString:
		lex := src[t.pos:t.end]
		if len(lex) > 40 {
			lex = lex[:37] + "..."
		}
		if t.kind == tokString {
			return "string " + lex
		}
		return lex
	}
	return tokenNames[t.kind]
}

// lexer splits an expression into tokens on demand.
type lexer struct {
	src string
	pos int
}

// punctuation in longest-first order.
var punct = []struct {
	s    string
	kind tokenKind
}{
	{"!>>", tokNotDesc}, {"!<<", tokNotAnce},
	{"&&", tokAnd}, {"||", tokOr}, {"!=", tokNeq}, {"<=", tokLte}, {">=", tokGte},
	{"=~", tokRe}, {"!~", tokNre}, {">>", tokDesc}, {"<<", tokAnce}, {"!>", tokNotChild}, {"!<", tokNotParent},
	{"{", tokLBrace}, {"}", tokRBrace}, {"(", tokLParen}, {")", tokRParen}, {"|", tokPipe},
	{"!", tokNot}, {"=", tokEq}, {"<", tokLt}, {">", tokGt}, {"~", tokSibling},
}

// attrTerminators end an unquoted attribute name (as in Tempo, where "-"
// and "/" may appear inside names).
const attrTerminators = "{}()=~!<>&|,\""

func (lx *lexer) next() (token, error) {
	for lx.pos < len(lx.src) {
		r, n := utf8.DecodeRuneInString(lx.src[lx.pos:])
		if !unicode.IsSpace(r) {
			break
		}
		lx.pos += n
	}
	start := lx.pos
	if start >= len(lx.src) {
		return token{kind: tokEOF, pos: start, end: start}, nil
	}
	c := lx.src[start]
	switch {
	case c == '"' || c == '`':
		return lx.lexString()
	case c >= '0' && c <= '9', c == '-' && start+1 < len(lx.src) && (isDigit(lx.src[start+1]) || lx.src[start+1] == '.'):
		return lx.lexNumber()
	case c == '.':
		lx.pos++
		name, err := lx.lexAttrName(start)
		if err != nil {
			return token{}, err
		}
		return token{kind: tokAttr, pos: start, end: lx.pos, attr: attrRef{scope: scopeAny, name: name}}, nil
	case isIdentStart(c):
		for lx.pos < len(lx.src) && isIdentChar(lx.src[lx.pos]) {
			lx.pos++
		}
		word := lx.src[start:lx.pos]
		if (word == "span" || word == "resource") && lx.pos < len(lx.src) && lx.src[lx.pos] == '.' {
			lx.pos++
			name, err := lx.lexAttrName(start)
			if err != nil {
				return token{}, err
			}
			sc := scopeSpan
			if word == "resource" {
				sc = scopeResource
			}
			return token{kind: tokAttr, pos: start, end: lx.pos, attr: attrRef{scope: sc, name: name}}, nil
		}
		return token{kind: tokIdent, pos: start, end: lx.pos, text: word}, nil
	}
	for _, p := range punct {
		if strings.HasPrefix(lx.src[start:], p.s) {
			lx.pos += len(p.s)
			return token{kind: p.kind, pos: start, end: lx.pos}, nil
		}
	}
	r, _ := utf8.DecodeRuneInString(lx.src[start:])
	return token{}, &SyntaxError{Expr: lx.src, Offset: start, Msg: fmt.Sprintf("unexpected character %q", r)}
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) || c == ':' }

// lexAttrName reads the name after "span.", "resource." or ".": unquoted
// runs up to a terminator, and "quoted" parts for names with spaces.
func (lx *lexer) lexAttrName(start int) (string, error) {
	var b strings.Builder
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		if c == '"' {
			part, err := lx.quotedAttrPart()
			if err != nil {
				return "", err
			}
			b.WriteString(part)
			continue
		}
		r, n := utf8.DecodeRuneInString(lx.src[lx.pos:])
		if unicode.IsSpace(r) || strings.ContainsRune(attrTerminators, r) {
			break
		}
		b.WriteString(lx.src[lx.pos : lx.pos+n])
		lx.pos += n
	}
	if b.Len() == 0 {
		return "", &SyntaxError{Expr: lx.src, Offset: lx.pos, Msg: fmt.Sprintf("expected an attribute name after %q", lx.src[start:lx.pos])}
	}
	return b.String(), nil
}

// quotedAttrPart reads `"…"` inside an attribute name; only \" and \\ are
// escapes, as in Tempo.
func (lx *lexer) quotedAttrPart() (string, error) {
	open := lx.pos
	lx.pos++
	var b strings.Builder
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == '"':
			lx.pos++
			return b.String(), nil
		case c == '\\' && lx.pos+1 < len(lx.src) && (lx.src[lx.pos+1] == '"' || lx.src[lx.pos+1] == '\\'):
			b.WriteByte(lx.src[lx.pos+1])
			lx.pos += 2
		default:
			b.WriteByte(c)
			lx.pos++
		}
	}
	return "", &SyntaxError{Expr: lx.src, Offset: open, Msg: "unterminated quoted attribute name"}
}

func (lx *lexer) lexString() (token, error) {
	start := lx.pos
	quote := lx.src[start]
	i := start + 1
	for i < len(lx.src) {
		c := lx.src[i]
		if c == quote {
			lit := lx.src[start : i+1]
			s, err := strconv.Unquote(lit)
			if err != nil {
				return token{}, &SyntaxError{Expr: lx.src, Offset: start, Msg: "invalid escape in string " + lit}
			}
			lx.pos = i + 1
			return token{kind: tokString, pos: start, end: lx.pos, text: s}, nil
		}
		if c == '\\' && quote == '"' {
			i++
		}
		if c == '\n' && quote == '"' {
			break
		}
		i++
	}
	return token{}, &SyntaxError{Expr: lx.src, Offset: start, Msg: "unterminated string"}
}

// lexNumber reads an int, a float or a duration (a number directly followed
// by units, as time.ParseDuration accepts: 100ms, 1.5s, 1h30m).
func (lx *lexer) lexNumber() (token, error) {
	start := lx.pos
	i := start
	if lx.src[i] == '-' {
		i++
	}
	for i < len(lx.src) && (isDigit(lx.src[i]) || lx.src[i] == '.') {
		i++
	}
	// Exponent, only when followed by a digit (so "1e" stays an error below
	// and durations like "1s" are not misread).
	if i+1 < len(lx.src) && (lx.src[i] == 'e' || lx.src[i] == 'E') {
		j := i + 1
		if lx.src[j] == '+' || lx.src[j] == '-' {
			j++
		}
		if j < len(lx.src) && isDigit(lx.src[j]) {
			for j < len(lx.src) && isDigit(lx.src[j]) {
				j++
			}
			i = j
		}
	}
	numEnd := i
	for i < len(lx.src) {
		r, n := utf8.DecodeRuneInString(lx.src[i:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.') {
			break
		}
		i += n
	}
	lx.pos = i
	lex := lx.src[start:i]
	if i > numEnd {
		d, err := time.ParseDuration(lex)
		if err != nil {
			return token{}, &SyntaxError{Expr: lx.src, Offset: start, Msg: fmt.Sprintf("invalid number or duration %s (durations use ns, us, ms, s, m, h)", lex)}
		}
		return token{kind: tokDuration, pos: start, end: i, dur: d}, nil
	}
	tok := token{kind: tokNumber, pos: start, end: i, text: lex}
	if v, err := strconv.ParseInt(lex, 10, 64); err == nil {
		tok.int, tok.isInt, tok.num = v, true, float64(v)
		return tok, nil
	}
	v, err := strconv.ParseFloat(lex, 64)
	if err != nil {
		return token{}, &SyntaxError{Expr: lx.src, Offset: start, Msg: "invalid number " + lex}
	}
	tok.num = v
	return tok, nil
}
