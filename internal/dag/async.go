package dag

// AsyncEdge reports whether the edge from child to its parent is
// asynchronous: the parent did not wait for the child (DESIGN.md §4). That
// is a CONSUMER child of a PRODUCER parent — the producer hands the message
// over and ends, the consumer processes it whenever it arrives — and any
// edge the source marked so (Span.AsyncParent: Jaeger's FOLLOWS_FROM).
// parent is nil for a placeholder, whose kind is unknown.
//
// It is narrower than the relation the checks use to excuse a child that
// outlives its parent (any PRODUCER parent or CONSUMER child): a critical
// path must not lose a synchronous child on a guess.
func AsyncEdge(parent, child *Span) bool {
	if child == nil {
		return false
	}
	if child.AsyncParent {
		return true
	}
	return parent != nil && parent.Kind == KindProducer && child.Kind == KindConsumer
}

// maybeAsync reports whether a span's own fields allow an asynchronous
// parent edge: it is a CONSUMER, is marked AsyncParent, or names no parent
// (a root Join may hang under another trace's span). Build reads a parent
// span only for these.
func maybeAsync(s *Span) bool {
	return s.Kind == KindConsumer || s.AsyncParent || s.ParentSpanID.IsZero()
}

// AsyncChildren returns, in pre-order, the nodes for which AsyncChild is
// true; Build and Join list them while laying out the nodes, so an
// analysis need not read every span to find them. Callers must not modify
// it.
func (tr *Tree) AsyncChildren() []int32 {
	if tr.x == nil {
		return nil
	}
	return tr.x.async
}

// AsyncChild reports whether node i hangs under its parent by an
// asynchronous edge: AsyncEdge, or the root of a trace Join hung under the
// span it links to. Roots have no edge.
func (tr *Tree) AsyncChild(i int32) bool {
	n := &tr.Nodes[i]
	if n.Parent == None {
		return false
	}
	if n.Span != nil && n.Span.ParentSpanID.IsZero() {
		return true // a joined trace's root: only Join gives it a parent
	}
	return AsyncEdge(tr.Nodes[n.Parent].Span, n.Span)
}
