// Package query owns tracectl's query language: a subset of Grafana Tempo's
// TraceQL with a hand-written lexer, a recursive-descent parser producing an
// AST, and one evaluator that runs a query over dag.Trees: on one trace for
// Eval and Match, or on a batch of traces in explain mode, where the same
// walk also says why the query matched nothing (the part that selected
// nothing, the closest spans and the conditions they failed).
//
// It imports only package dag. It does not read input, print, or decide
// exit codes: cmd/tracectl wires it to `query`, `assert` and `--where`, and
// package render formats its results.
//
// # Grammar
//
//	query      = pipeline EOF .
//	pipeline   = ( spansetOr | stage ) { "|" stage } .
//	stage      = filter | aggregate cmpOp literal .
//	aggregate  = "count" "(" ")" | ( "avg" | "min" | "max" | "sum" ) "(" field ")" .
//	spansetOr  = spansetAnd { "||" spansetAnd } .
//	spansetAnd = structural { "&&" structural } .
//	structural = primary { structOp primary } .
//	structOp   = ">>" | ">" | "<<" | "<" | "~" | "!>>" | "!>" | "!<<" | "!<" | "!~" .
//	primary    = filter | "(" pipeline ")" .
//	filter     = "{" [ or ] "}" .
//	or         = and { "||" and } .
//	and        = unary { "&&" unary } .
//	unary      = "!" unary | "(" or ")" | comparison .
//	comparison = operand [ cmpOp operand ] .   (without an operator: a boolean)
//	cmpOp      = "=" | "!=" | "<" | "<=" | ">" | ">=" | "=~" | "!~" .
//	operand    = field | literal .
//	field      = intrinsic | "span." name | "resource." name | "." name .
//	intrinsic  = "name" | "status" | "kind" | "duration" | "statusMessage"
//	           | "span:name" | "span:status" | "span:kind" | "span:duration"
//	           | "span:statusMessage" | "span:id" | "span:parentID" | "span:childCount"
//	           | "trace:id" | "trace:duration" | "trace:rootName" | "trace:rootService"
//	           | "instrumentation:name" | "instrumentation:version" .
//	literal    = string | number | duration | "true" | "false" | "nil"
//	           | "ok" | "error" | "unset"
//	           | "server" | "client" | "producer" | "consumer" | "internal" | "unspecified" .
//
// Structural operators bind tighter than spanset "&&", which binds tighter
// than spanset "||"; all are left-associative. A query that starts with an
// aggregate (`count() > 2`) means `{ } | count() > 2`.
//
// # Semantics
//
// A query is evaluated on one trace at a time and yields a spanset: the
// spans it selects. The trace matches when that spanset is not empty.
// Choices, following Tempo where DESIGN.md is silent:
//
//   - A missing attribute compares false with every operator, "!=" and "!~"
//     included; only `= nil` matches it (and `!= nil` checks presence).
//   - Numbers compare across int, double and duration; strings compare with
//     strings (lexically for < and >); booleans with = and != only. A type
//     mismatch compares false, whatever the operator. status and kind take
//     their bare names (status = error).
//   - An attribute holding an array matches "=", "=~" and orderings when any
//     element does, and "!=", "!~" when no element equals or matches.
//   - Regular expressions are Go RE2, fully anchored: =~ "GET" matches only
//     "GET"; write "GET.*" for a prefix.
//   - .x looks up the span attribute x, then the resource attribute x.
//   - Structural operators return spans of the right side: A >> B the B spans
//     with an ancestor in A, A > B those whose parent is in A, A ~ B those
//     with a sibling (not itself) in A, A << B those with a descendant in A,
//     A < B those with a child in A; the "!" forms return the B spans
//     without that relation. Placeholders for absent parents never match a
//     filter but still link their children as siblings.
//   - Spanset && needs both sides non-empty and yields their union; || yields
//     the union. An aggregate stage passes the spanset on when the aggregate
//     over it compares true; avg, min, max and sum skip spans where the
//     field is missing or not numeric, and fail on an empty spanset.
//
// Structural evaluation is O(n) per trace and iterative: flags propagate
// down (ancestor in A) or up (descendant in A) along one pre-order walk.
package query
