// Package report writes `tracectl report`: one self-contained HTML page that
// shows what the terminal commands answer one at a time — a summary with the
// latency distribution, latency attribution with a flame graph by critical
// or self time, the slowest and the erroring traces as waterfalls with their
// critical paths, check findings by rule, the service graph and, given a
// base, the diff against it.
//
// Every name and value from the spans is escaped for display by termstr,
// the one escaper of every text output, so an escape sequence or a bidi
// override reads in the page as it does in the terminal (\x1b, \u202e).
//
// It does not analyse: every number comes from dag, critpath, check, diff
// and graph, called here in one pass over the trees. Build gathers their
// results into a Page, bounded so a huge input still makes a page a browser
// opens (the N slowest and N erroring traces, so many spans per waterfall,
// rows, frames and findings; the page says what it left out). Write embeds
// the Page as JSON in a <script type="application/json"> element, escaped so
// no span text can close the element, beside the page's own hand-written
// script and style (assets/, embedded with go:embed). The page loads nothing
// from the network: its Content-Security-Policy forbids it, and allows only
// the script whose hash Write computes, so it works as a CI artifact opened
// from disk.
package report
