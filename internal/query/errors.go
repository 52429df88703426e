package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError is a query that does not parse. Its message quotes the
// expression with a caret under the offending column and says what was
// expected there.
type SyntaxError struct {
	Expr   string // the whole expression
	Offset int    // byte offset of the error in Expr
	Msg    string // what was expected (and found)
}

// Line and Column return the 1-based position of the error, counting
// columns in characters.
func (e *SyntaxError) Line() int { return strings.Count(e.Expr[:e.offset()], "\n") + 1 }

// Column returns the 1-based column of the error within its line.
func (e *SyntaxError) Column() int {
	off := e.offset()
	lineStart := strings.LastIndexByte(e.Expr[:off], '\n') + 1
	return utf8.RuneCountInString(e.Expr[lineStart:off]) + 1
}

func (e *SyntaxError) offset() int { return min(max(e.Offset, 0), len(e.Expr)) }

// Error renders
//
//	column 24: expected "}", "&&" or "||", found end of input
//	  { name = "GET /cart" && duration > 100ms
//	                                          ^
//
// The quoted line is the one holding the error; tabs are kept in the
// padding so the caret lines up in a terminal.
func (e *SyntaxError) Error() string {
	off := e.offset()
	lineStart := strings.LastIndexByte(e.Expr[:off], '\n') + 1
	lineEnd := len(e.Expr)
	if i := strings.IndexByte(e.Expr[off:], '\n'); i >= 0 {
		lineEnd = off + i
	}
	// Long lines are cut to a window around the error.
	const context = 60
	before, after := e.Expr[lineStart:off], e.Expr[off:lineEnd]
	if utf8.RuneCountInString(before) > context {
		r := []rune(before)
		before = "…" + string(r[len(r)-context+1:])
	}
	if utf8.RuneCountInString(after) > context {
		r := []rune(after)
		after = string(r[:context-1]) + "…"
	}
	var pad strings.Builder
	for _, r := range before {
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	where := fmt.Sprintf("column %d", e.Column())
	if strings.Contains(e.Expr, "\n") {
		where = fmt.Sprintf("line %d, column %d", e.Line(), e.Column())
	}
	return fmt.Sprintf("%s: %s\n  %s\n  %s^", where, e.Msg, before+after, pad.String())
}
