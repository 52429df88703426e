package dag

import (
	"fmt"
	"slices"
	"strings"
)

// Build rebuilds the span tree of one trace. It never fails: every
// structural problem becomes a Finding and the shape survives. It runs in
// O(n log n) and uses no recursion.
//
// It works on compact, pointer-free records first (parents, cycles,
// sorted children) and writes each Node once, in pre-order, at the end.
func Build(t *Trace) *Tree {
	var b Builder
	return b.Build(t)
}

// Builder builds trees one after another, reusing its scratch memory, so
// that building the trees of a large input leaves little garbage (Build
// with a Builder of its own). A Builder is not safe for concurrent use.
type Builder struct {
	b builder
}

// Build is the package's Build.
func (bd *Builder) Build(t *Trace) *Tree {
	tr := &Tree{TraceID: t.ID}
	for _, s := range t.Spans {
		if s.rare == 0 {
			continue
		}
		if r := s.Raw(); r != nil {
			tr.noteRaw(s, r)
		}
	}
	if len(t.Spans) > 0 {
		s := t.Spans[0]
		if r := s.Raw(); r != nil && r.Invalid&FieldTraceID != 0 {
			tr.addFinding(s.SpanID, RuleInvalidTraceID, fmt.Sprintf("%s (%s)", describeRawID("trace id", r.TraceID, len(t.ID)), Plural(len(t.Spans), "span")))
		} else if t.ID.IsZero() {
			tr.addFinding(s.SpanID, RuleInvalidTraceID, fmt.Sprintf("trace id is empty or all zeros (%s)", Plural(len(t.Spans), "span")))
		}
	}
	b := &bd.b
	b.reset(tr, len(t.Spans))
	byID := &b.byID
	byID.reset(len(t.Spans))
	for _, s := range t.Spans {
		var r *RawIDs
		if s.rare != 0 {
			r = s.Raw()
		}
		if r != nil && r.Invalid&FieldParentSpanID != 0 {
			tr.addFinding(s.SpanID, RuleInvalidSpanID, fmt.Sprintf("span %q: %s", s.Name(), describeRawID("parent span id", r.ParentSpanID, len(s.SpanID))))
		}
		switch {
		case r != nil && r.Invalid&FieldSpanID != 0:
			tr.addFinding(s.SpanID, RuleInvalidSpanID, fmt.Sprintf("span %q: %s", s.Name(), describeRawID("span id", r.SpanID, len(s.SpanID))))
		case s.SpanID.IsZero():
			tr.addFinding(s.SpanID, RuleInvalidSpanID, fmt.Sprintf("span %q has no span id (empty or all zeros)", s.Name()))
		}
		// An invalid but non-empty id was derived from its raw text, so it
		// is indexed like any other: its children find it by that text.
		// Zero is no id, never indexed.
		if !s.SpanID.IsZero() {
			if k, dup := byID.add(s.SpanID, int32(len(b.ps))); dup {
				if b.spans[k].SameContent(s) {
					tr.Duplicates++
				} else {
					tr.addFinding(s.SpanID, RuleDuplicateSpanID, fmt.Sprintf("span id used by two different spans (%q and %q); keeping the first", b.spans[k].Name(), s.Name()))
					tr.Conflicts = append(tr.Conflicts, s)
				}
				continue
			}
		}
		b.spans = append(b.spans, s)
		b.ps = append(b.ps, protoNode{id: s.SpanID, parent: None, start: s.Start, end: s.End, maybeAsync: maybeAsync(s)})
	}
	if len(b.ps) > 0 {
		tr.Start, tr.End = b.ps[0].start, b.ps[0].end
	}
	for i := range b.ps {
		tr.Start, tr.End = min(tr.Start, b.ps[i].start), max(tr.End, b.ps[i].end)
	}

	b.linkParents(byID)
	b.breakCycles()
	b.linkChildren()
	b.layOut()
	tr.reportRoots()
	b.tr = nil
	clear(b.spans) // keep no span alive
	return tr
}

// reset empties the builder for a trace of n spans.
func (b *builder) reset(tr *Tree, n int) {
	b.tr = tr
	b.spans = grow(b.spans[:0], n)
	b.ps = grow(b.ps[:0], n)
	b.roots = b.roots[:0]
}

// grow returns s with room for n elements.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, 0, n)
	}
	return s
}

// builder holds a tree under construction. Record i stands for spans[i],
// or for a placeholder when i ≥ len(spans).
type builder struct {
	tr    *Tree
	spans []*Span
	ps    []protoNode
	// The children of record i are kids[first[i]:first[i+1]], by start
	// time then span id.
	first []int32
	kids  []int32
	roots []int32

	// Scratch memory of the passes, kept from one tree to the next.
	byID  idIndex
	mark  []int32
	path  []int32
	next  []int32
	pos   []int32
	order []int32
	stack []int32
}

type protoNode struct {
	id     SpanID
	parent int32 // record index, or None
	// maybeAsync is set when the span's own fields allow an asynchronous
	// parent edge (maybeAsync), so layOut reads a parent span only then.
	maybeAsync bool
	start, end uint64
}

// linkParents sets the parent of every span, adding one placeholder per
// absent parent id so orphans keep their shape.
func (b *builder) linkParents(byID *idIndex) {
	var missing map[SpanID]int32
	for i, s := range b.spans {
		if s.ParentSpanID.IsZero() {
			continue
		}
		if p, ok := byID.get(s.ParentSpanID); ok {
			b.ps[i].parent = p
			continue
		}
		if missing == nil {
			missing = make(map[SpanID]int32)
		}
		p, ok := missing[s.ParentSpanID]
		if !ok {
			p = int32(len(b.ps))
			missing[s.ParentSpanID] = p
			b.ps = append(b.ps, protoNode{id: s.ParentSpanID, parent: None, start: s.Start, end: s.End})
		}
		ph := &b.ps[p]
		ph.start, ph.end = min(ph.start, s.Start), max(ph.end, s.End)
		b.ps[i].parent = p
		b.tr.addFinding(s.SpanID, RuleMissingParent, fmt.Sprintf("parent span %s of %q is not in the input", b.tr.IDText(s.ParentSpanID), s.Name()))
	}
}

// breakCycles finds parent chains that loop (A→B→A, or a span that is its
// own parent) and breaks each loop at its earliest-starting span, which
// becomes a root. Parent pointers form a functional graph, so a walk up
// from every record, marking the records of the current walk, finds each
// cycle once in O(n). Placeholders have no parent, so cycles are of spans.
func (b *builder) breakCycles() {
	const (
		unseen = 0
		done   = -1
	)
	b.mark = grow(b.mark[:0], len(b.ps))[:len(b.ps)]
	clear(b.mark)
	mark := b.mark // unseen, done, or walk number
	path := b.path[:0]
	defer func() { b.path = path[:0] }()
	for start := range b.ps {
		if mark[start] != unseen {
			continue
		}
		walk := int32(start + 1)
		path = path[:0]
		i := int32(start)
		for i != None && mark[i] == unseen {
			mark[i] = walk
			path = append(path, i)
			i = b.ps[i].parent
		}
		if i != None && mark[i] == walk {
			// The cycle is path from i's position to the end.
			cycle := path[slices.Index(path, i):]
			cut := cycle[0]
			for _, c := range cycle[1:] {
				if b.compare(c, cut) < 0 {
					cut = c
				}
			}
			names := make([]string, len(cycle))
			for j, c := range cycle {
				names[j] = b.tr.IDText(b.ps[c].id)
			}
			s := b.spans[cut]
			b.tr.addFinding(s.SpanID, RuleParentCycle, fmt.Sprintf("parent chain loops (%s); broken at %q, shown as a root", strings.Join(names, " → "), s.Name()))
			b.ps[cut].parent = None
		}
		for _, p := range path {
			mark[p] = done
		}
	}
}

// compare orders records as siblings are ordered.
func (b *builder) compare(x, y int32) int {
	px, py := &b.ps[x], &b.ps[y]
	return siblingOrder(px.start, px.id, py.start, py.id)
}

// linkChildren lists every record's children and the roots, each sorted.
func (b *builder) linkChildren() {
	n := len(b.ps)
	b.first = grow(b.first[:0], n+1)[:n+1]
	clear(b.first)
	for i := range b.ps {
		if p := b.ps[i].parent; p != None {
			b.first[p+1]++
		}
	}
	for i := range n {
		b.first[i+1] += b.first[i]
	}
	b.kids = grow(b.kids[:0], int(b.first[n]))[:b.first[n]]
	b.next = append(b.next[:0], b.first[:n]...)
	next := b.next
	for i := range b.ps {
		if p := b.ps[i].parent; p != None {
			b.kids[next[p]] = int32(i)
			next[p]++
		} else {
			b.roots = append(b.roots, int32(i))
		}
	}
	for i := range n {
		if ks := b.kids[b.first[i]:b.first[i+1]]; len(ks) > 1 {
			slices.SortFunc(ks, b.compare)
		}
	}
	slices.SortFunc(b.roots, b.compare)
}

// layOut writes the Nodes in pre-order: a depth-first walk numbers the
// records, and a forward pass over the numbering writes each node with its
// parent and children renumbered.
func (b *builder) layOut() {
	n := len(b.ps)
	order := grow(b.order[:0], n) // new index → record
	defer func() { b.order = order[:0] }()
	b.pos = grow(b.pos[:0], n)[:n]
	pos := b.pos // record → new index
	stack := b.stack[:0]
	defer func() { b.stack = stack[:0] }()
	for _, r := range slices.Backward(b.roots) {
		stack = append(stack, r)
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		pos[i] = int32(len(order))
		order = append(order, i)
		for _, c := range slices.Backward(b.kids[b.first[i]:b.first[i+1]]) {
			stack = append(stack, c)
		}
	}
	tr := b.tr
	tr.Nodes = make([]Node, n)
	children := make([]int32, len(b.kids))
	tr.kids = children
	off := int32(0)
	for k, i := range order {
		p := &b.ps[i]
		nd := &tr.Nodes[k]
		// Field by field: the array is zeroed, and a whole-struct store
		// would copy its pointers through the write barrier.
		nd.ID, nd.Start, nd.End, nd.Parent = p.id, p.start, p.end, None
		if int(i) < len(b.spans) {
			nd.Span = b.spans[i]
		}
		if p.parent != None {
			nd.Parent = pos[p.parent]
			nd.Depth = tr.Nodes[nd.Parent].Depth + 1
			if p.maybeAsync && tr.AsyncChild(int32(k)) {
				tr.more().async = append(tr.more().async, int32(k))
			}
		}
		if ks := b.kids[b.first[i]:b.first[i+1]]; len(ks) > 0 {
			cs := children[off : off+int32(len(ks))]
			for j, c := range ks {
				cs[j] = pos[c]
			}
			nd.kids, nd.nKids = off, int32(len(ks))
			off += int32(len(ks))
		}
	}
	tr.Roots = make([]int32, len(b.roots))
	for j, r := range b.roots {
		tr.Roots[j] = pos[r]
	}
	tr.laidOut = true
	if tr.x != nil {
		tr.x.preorder = nil
	}
}
