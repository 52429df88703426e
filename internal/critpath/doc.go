// Package critpath answers "where did the time go" for span trees built by
// package dag: the critical path of every root (Jaeger UI's algorithm, made
// O(n log n) and iterative), self time per span, latency attribution per
// service and per operation over many traces, what-if speedups that re-time
// a trace with some work made k× faster, and folded stacks for flame graphs.
//
// It imports only dag. It does not read input (package ingest), build trees
// (package dag) or format anything (package render); its results are plain
// numbers indexed like dag.Tree.Nodes.
//
// # Many traces
//
// Analyze returns an analysis the caller owns. Commands that fold every
// trace into a summary use an Analyzer, which reuses its memory from one
// trace to the next, or Summarize, which does that on every core and
// merges the attribution, what-if and folded stacks (the result does not
// depend on the number of workers). Both read dag.Tree.Nodes in the
// pre-order dag lays them out in, which is what keeps the analysis a few
// times cheaper than decoding the spans.
//
// # Roots
//
// Every entry of dag.Tree.Roots is analysed as its own root and gets its own
// Path: real root spans, spans where dag broke a parent cycle, and
// placeholders for absent parents. A placeholder root stands for the span
// nobody captured: its interval is the extent of its children (as dag sets
// it) and the time it owns on the path — the gaps its known children leave —
// is reported as owned by the missing span, so the numbers still add up to
// the extent of what was captured and the unexplained time stays visible
// instead of being silently credited to a child. Placeholders never match a
// speedup rule.
//
// # Times
//
// All times are integer unix nanoseconds. A span that ends before it starts
// is treated as lasting zero nanoseconds (dag's check reports it as
// end_before_start).
//
// # Asynchronous children
//
// A PRODUCER→CONSUMER child, like any other child, is clipped to its
// parent's interval before the walk: a consumer that outlives its producer
// contributes only the part before the producer ended, and a consumer that
// starts after the producer ended is dropped with its subtree. That is the
// right answer for the root's latency — work that happens after a span
// ended did not delay it — but it means asynchronous tails are not on any
// critical path; analyse the consumer's own trace (or its subtree) to see
// them.
package critpath
