// Package dag owns tracectl's compact span model and everything that is
// purely structural about traces: grouping spans by trace id, rebuilding span
// trees from parent_span_id (surviving orphans, duplicates, cycles and
// multiple roots), and the structural and happens-before checks.
//
// It imports nothing else of tracectl's. Wire formats (OTLP protobuf and JSON)
// stop at package ingest, which decodes straight into this model; analyses
// (critpath, query) work on it and never see wire types.
//
// All algorithms here are iterative: a 1,000,000-deep parent chain must not
// overflow the goroutine stack.
package dag
