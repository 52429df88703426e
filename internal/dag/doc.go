// Package dag owns tracectl's compact span model and everything that is
// purely structural about traces: grouping spans by trace id, rebuilding span
// trees from parent_span_id (surviving orphans, duplicates, cycles and
// multiple roots), and the structural and happens-before checks.
//
// It imports nothing else of tracectl's. Wire formats (OTLP protobuf and JSON)
// stop at package ingest, which decodes into SpanData and packs each batch
// into this model (Packer); analyses (critpath, query) work on it and never
// see wire types.
//
// Spans are stored compactly and almost free of pointers (store.go): a Span
// is an 80-byte record whose strings, attributes and rare fields live in
// its batch's block, so a million spans cost a few hundred megabytes and
// the garbage collector has next to nothing to scan.
//
// All algorithms here are iterative: a 1,000,000-deep parent chain must not
// overflow the goroutine stack.
package dag
