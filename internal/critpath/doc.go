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
// A CONSUMER child of a PRODUCER, a Jaeger FOLLOWS_FROM child and the root
// of a trace dag.Join hung under the span it links to did not make their
// parent wait (dag.Tree.AsyncChild). By default (AsyncPrune, Jaeger UI's
// rule) they are dropped with their subtrees before the walk: the root's
// latency is what its request waited on. With AsyncFollow the trace is one
// workflow that ends when its last span does: intervals are extended to the
// latest end under them and the same walk runs on them, so the path goes
// from the producer through the queue into the consumer and its children.
// The time a span "owns" past its real end is the queue wait of the child
// taken next; it is a Queue segment and the child's Queue time, and
// attribution shows it as the consumer operation's own queue row.
package critpath
