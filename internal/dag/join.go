package dag

import "slices"

// Join merges traces that continue one another into workflows (DESIGN.md
// §4, `--async follow`): when a trace's main root is a span without a
// parent id whose first link points to a span of another trace in trees —
// the usual OpenTelemetry messaging shape, a consumer starting a new trace
// with a link to the producer — that root becomes a child of the linked
// span, with Span.AsyncParent semantics: the linked span did not wait for
// it. The trace's other roots (orphans, broken cycles) come along as
// further roots of the merged tree.
//
// Joins chain (a trace joined to one that is itself joined); a loop of
// links is cut where it closes, so every trace ends up in exactly one
// result. The merged tree keeps the host trace's id and lists the joined
// ones in Joined, in input order; its findings and duplicate counts are
// the sum of its parts'. Trees nothing joins are returned as they are, and
// the result keeps the order of the hosts in trees.
func Join(trees []*Tree) []*Tree {
	byID := make(map[TraceID]int, len(trees))
	for t, tr := range trees {
		byID[tr.TraceID] = t
	}
	// host[t] is the tree and node t's root joins, if any.
	type anchor struct{ tree, node int32 }
	host := make([]anchor, len(trees))
	joins := 0
	for t, tr := range trees {
		host[t] = anchor{-1, None}
		r := tr.Root()
		if r == None {
			continue
		}
		s := tr.Nodes[r].Span
		if s == nil || !s.ParentSpanID.IsZero() || s.NumLinks() == 0 {
			continue
		}
		l := s.Links()[0]
		u, ok := byID[l.TraceID]
		if !ok || u == t {
			continue
		}
		if k := trees[u].find(l.SpanID); k != None {
			host[t] = anchor{int32(u), k}
			joins++
		}
	}
	if joins == 0 {
		return trees
	}
	// Cut loops: walk up from every tree; meeting the start again means
	// the walk went round a loop, which is cut at its start.
	for t := range trees {
		u := host[t].tree
		for steps := 0; u >= 0 && int(u) != t && steps < len(trees); steps++ {
			u = host[u].tree
		}
		if int(u) == t {
			host[t] = anchor{-1, None}
		}
	}
	top := func(t int) int {
		for host[t].tree >= 0 {
			t = int(host[t].tree)
		}
		return t
	}
	members := make(map[int][]int) // top tree → the trees joined into it, in input order
	for t := range trees {
		if host[t].tree >= 0 {
			h := top(t)
			members[h] = append(members[h], t)
		}
	}
	out := make([]*Tree, 0, len(trees)-joins)
	for t, tr := range trees {
		switch {
		case host[t].tree >= 0:
			continue // merged into its host
		case members[t] == nil:
			out = append(out, tr)
			continue
		}
		parts := append([]int{t}, members[t]...)
		base := make(map[int]int32, len(parts)) // tree → its first record
		n := 0
		for _, p := range parts {
			base[p] = int32(n)
			n += len(trees[p].Nodes)
		}
		m := &Tree{TraceID: tr.TraceID, Start: tr.Start, End: tr.End}
		if tr.x != nil && tr.x.badTraceID {
			m.more().rawTrace, m.more().badTraceID = tr.x.rawTrace, true
		}
		b := &builder{tr: m, spans: make([]*Span, n), ps: make([]protoNode, n)}
		for _, p := range parts {
			pt := trees[p]
			off := base[p]
			for k := range pt.Nodes {
				nd := &pt.Nodes[k]
				pn := protoNode{id: nd.ID, parent: None, start: nd.Start, end: nd.End, maybeAsync: nd.Span != nil && maybeAsync(nd.Span)}
				if nd.Parent != None {
					pn.parent = off + nd.Parent
				}
				b.spans[off+int32(k)], b.ps[off+int32(k)] = nd.Span, pn
			}
			if p != t {
				a := host[p]
				r := off + pt.Root()
				b.ps[r].parent, b.ps[r].maybeAsync = base[int(a.tree)]+a.node, true
				m.Joined = append(m.Joined, pt.TraceID)
				m.more().joinedText = append(m.more().joinedText, pt.TraceIDText())
				m.Start, m.End = min(m.Start, pt.Start), max(m.End, pt.End)
			}
			for id, raw := range pt.rawSpanIDs { // IDText of every part's spans
				if m.rawSpanIDs == nil {
					m.rawSpanIDs = make(map[SpanID]string)
				}
				m.rawSpanIDs[id] = raw
			}
			m.Findings = append(m.Findings, pt.Findings...)
			m.Duplicates += pt.Duplicates
		}
		b.linkChildren()
		b.layOut()
		out = append(out, m)
	}
	return out
}

// find returns the node of the span with the given id, or None.
func (tr *Tree) find(id SpanID) int32 {
	k := slices.IndexFunc(tr.Nodes, func(n Node) bool { return n.Span != nil && n.ID == id })
	return int32(k)
}
