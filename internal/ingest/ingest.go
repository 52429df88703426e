// Package ingest owns the trace wire formats, in both directions. It reads
// traces in every format tracectl accepts (OTLP/JSON objects and JSON
// Lines, length-framed or single OTLP protobuf messages, the Collector file
// exporter's zstd modes, gzip, Jaeger JSON, Zipkin v2 JSON, from files,
// stdin or URLs) and decodes them into dag.SpanData, packed batch by
// batch into compact dag.Span (dag.Packer), streaming, framed protobuf and
// JSON Lines on every core; and it writes dag spans back out as OTLP/JSON, OTLP protobuf,
// Jaeger JSON and Zipkin JSON, each encoder beside its decoder. Wire types
// stop here.
//
// It does not group spans into traces or build trees; that is package dag.
package ingest

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/tracectl/tracectl/internal/dag"
)

// Format selects the decoder; FormatAuto sniffs the content.
type Format uint8

// Formats accepted by --format.
const (
	FormatAuto Format = iota
	FormatJSON
	FormatProto
)

// ParseFormat accepts "auto", "json" and "proto".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "", "auto":
		return FormatAuto, nil
	case "json", "jsonl":
		return FormatJSON, nil
	case "proto", "pb", "protobuf":
		return FormatProto, nil
	}
	return 0, fmt.Errorf("unknown format %q (want auto, json or proto)", s)
}

// DefaultMaxFrame is the largest single message, frame or JSON line accepted
// unless Options.MaxFrame raises it.
const DefaultMaxFrame = 64 << 20

// Error is an input error: which input, where in it, and what went wrong.
// Line is 1-based for JSON inputs; Offset is the byte offset (in the
// decompressed stream) for binary inputs. Zero means unknown.
type Error struct {
	Name   string
	Line   int
	Offset int64
	Err    error

	// atOffset marks Offset as known even when it is 0 (a bad length
	// prefix at the very start of a file).
	atOffset bool
}

// offsetError returns an *Error at a known byte offset.
func offsetError(name string, off int64, err error) *Error {
	return &Error{Name: name, Offset: off, Err: err, atOffset: true}
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s: line %d: %v", e.Name, e.Line, e.Err)
	case e.Offset > 0 || e.atOffset:
		return fmt.Sprintf("%s: offset %d: %v", e.Name, e.Offset, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Name, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// notices collects warnings that may repeat once per span or per line
// (skipped metrics lines, base64 ids) so the user sees each kind once, with a
// count. It is safe for concurrent use.
type notices struct {
	mu     sync.Mutex
	counts map[string]int
	first  map[string]string // kind → first message, with its location
	// what counts the occurrences of a kind by what they were, for
	// kinds with one notice for several things (skipped metrics, logs).
	what map[string]map[string]int
}

// skippedKind is the one notice for every message that is not traces
// (DESIGN §2: metrics and logs lines are skipped with one notice in all).
const skippedKind = "skipped"

// skipped records a message of signal what (metrics, logs, profiles) that
// was skipped; where locates it.
func (n *notices) skipped(where, what string) {
	n.add(skippedKind, where)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.what == nil {
		n.what = map[string]map[string]int{}
	}
	if n.what[skippedKind] == nil {
		n.what[skippedKind] = map[string]int{}
	}
	n.what[skippedKind][what]++
}

// add records one occurrence of a warning of the given kind.
func (n *notices) add(kind, msg string) { n.addN(kind, msg, 1) }

// addN records count occurrences at once; msg describes the first.
func (n *notices) addN(kind, msg string, count int) {
	if count <= 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.counts == nil {
		n.counts, n.first = map[string]int{}, map[string]string{}
	}
	if n.counts[kind] == 0 {
		n.first[kind] = msg
	}
	n.counts[kind] += count
}

// merge adds the notices of o (one frame's, decoded on its own) as if
// they had been added here one by one, after the ones already here.
func (n *notices) merge(o *notices) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.counts) == 0 {
		return
	}
	kinds := make([]string, 0, len(o.counts))
	for kind := range o.counts {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		n.addN(kind, o.first[kind], o.counts[kind])
		if len(o.what[kind]) > 0 {
			n.mu.Lock()
			if n.what == nil {
				n.what = map[string]map[string]int{}
			}
			if n.what[kind] == nil {
				n.what[kind] = map[string]int{}
			}
			for what, k := range o.what[kind] {
				n.what[kind][what] += k
			}
			n.mu.Unlock()
		}
	}
}

// summary returns one line per kind, sorted, e.g.
// "traces.json: line 3: skipped 12 metrics messages and 1 logs message (not
// traces)" or "in.pb: offset 0: empty frame (length 0; zero padding?) (3
// times in all)".
func (n *notices) summary() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for kind, c := range n.counts {
		s := n.first[kind]
		switch {
		case len(n.what[kind]) > 0:
			var parts []string
			for what, k := range n.what[kind] {
				parts = append(parts, dag.Plural(k, what+" message"))
			}
			sort.Strings(parts)
			if k := len(parts); k > 1 {
				parts = append(parts[:k-2], parts[k-2]+" and "+parts[k-1])
			}
			s += ": skipped " + strings.Join(parts, ", ") + " (not traces)"
		case c > 1:
			s += fmt.Sprintf(" (%d times in all)", c)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func (n *notices) String() string { return strings.Join(n.summary(), "\n") }
