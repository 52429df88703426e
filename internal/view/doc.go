// Package view is `tracectl view`, the interactive explorer: a full-screen
// terminal UI (bubbletea, bubbles, lipgloss) with a trace list that sorts
// and filters as you type, and, for an open trace, the waterfall tree of
// `tracectl tree` with folding, the critical path, search (text or
// TraceQL) and a detail pane for the selected span (attributes, resource,
// events with readable stack traces, links to follow, self and critical
// time). Live input (`tracectl receive --view`, Receive) comes in through
// a Feed that a live session's Watch fills.
//
// It owns the interaction only: trees come from dag, the critical path
// and self time from critpath, queries from query, live traffic from live,
// the waterfall's layout and drawing from render (the code behind
// `tracectl tree`), and every string of the data is escaped by termstr
// before it reaches the terminal.
package view
