// Package spill lets the file commands analyse inputs larger than memory
// with the same results as when everything fits: spans are partitioned by a
// hash of their trace id into temporary files (the shuffle of every
// distributed engine, on one machine), so that each partition holds whole
// traces and is analysed on its own.
//
// It owns the spill file format (format.go: a private, lossless encoding of
// dag.Span — invalid raw ids, async-parent flags, events, links, shared
// resources and scopes), the partitioner and its temporary directory, the
// memory budget (--max-memory: parsing sizes, the default from cgroup or
// /proc/meminfo) and the estimate of what spans cost in memory. It does not
// build trees or run analyses: cmd/tracectl feeds the partitions it reads
// back to the same code as the in-memory path.
package spill
