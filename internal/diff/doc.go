// Package diff compares two sets of traces — a base (before the change) and
// a candidate (after) — and says what got slower and where: a statistical
// regression gate for CI and deploys.
//
// Many traces per side (Compare): per group (operation or service) and end
// to end, the distributions of per-trace critical-path time are compared
// with distribution-free statistics from package stats: p50/p90/p99 before
// and after, the Hodges–Lehmann shift with its 95% interval, a two-sided
// Mann–Whitney U p-value Holm-corrected over every row of the report, calls
// and error rates, and a verdict. One trace per side (Align): the two trees
// matched span by span by path.
//
// # The measure
//
// A group's sample on one side has one value per trace of that side: the
// group's total critical-path time in the trace, and 0 in a trace where the
// group does not occur. Three reasons, in order of weight:
//
//   - Critical time, not duration, is what blames the right operation. When
//     an operation's own work slows down, its callers' durations grow by the
//     same amount, but their critical time does not: the walk hands that
//     stretch to the operation. So a slowdown is found in the operation that
//     did the work, "not its callers, which only waited".
//   - Summing over the group's spans in a trace (rather than one value per
//     span) makes an N+1 visible: ten fast calls where there was one are a
//     cost per request even when each call is as fast as before.
//   - Counting absence as 0 (rather than dropping the trace) keeps every
//     sample over the same requests. A path that now runs in 50% of requests
//     instead of 5% costs more per request, and that is a change the user
//     wants to see; conditioning on presence would hide it. And since every
//     node's critical time adds up to the trace's end-to-end time, the
//     groups' mean shifts add up to the end-to-end mean shift, which is what
//     gives "share of the end-to-end shift it explains" a meaning.
//
// The price is that for a group present in fewer than half the traces the
// medians and the Hodges–Lehmann shift are 0 on both sides, so such a group
// cannot be `regressed` on the shift rule even when its rare calls got
// slower; the p-value, the calls per trace and the p90/p99 still show it,
// and the end-to-end row still catches what it costs.
//
// # Critical-path options
//
// Options.NewAnalyzer is the one place the critical-path walk is set up, so
// options of package critpath (such as how asynchronous edges are treated)
// reach diff without diff knowing them.
package diff
