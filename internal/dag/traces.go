package dag

// Trace is every span received for one trace id, in arrival order,
// including duplicates (Build sorts them out).
type Trace struct {
	ID    TraceID
	Spans []*Span
}

// Traces groups spans by trace id as batches arrive, keeping the order in
// which trace ids were first seen. The zero value is ready to use.
type Traces struct {
	index map[TraceID]int
	list  []*Trace
	spans int
}

// Add files every span of batch under its trace. Traces keeps pointers into
// batch: the caller must not reuse it.
func (ts *Traces) Add(batch []Span) {
	if ts.index == nil {
		ts.index = make(map[TraceID]int)
	}
	for i := range batch {
		s := &batch[i]
		k, ok := ts.index[s.TraceID]
		if !ok {
			k = len(ts.list)
			ts.index[s.TraceID] = k
			ts.list = append(ts.list, &Trace{ID: s.TraceID})
		}
		t := ts.list[k]
		t.Spans = append(t.Spans, s)
	}
	ts.spans += len(batch)
}

// List returns the traces in first-seen order.
func (ts *Traces) List() []*Trace { return ts.list }

// Get returns the trace with the given id.
func (ts *Traces) Get(id TraceID) (*Trace, bool) {
	k, ok := ts.index[id]
	if !ok {
		return nil, false
	}
	return ts.list[k], true
}

// Len returns the number of traces.
func (ts *Traces) Len() int { return len(ts.list) }

// SpanCount returns the number of spans added, duplicates included.
func (ts *Traces) SpanCount() int { return ts.spans }

// NewTrace returns the trace of the given spans, all of one trace id, in
// order; it points into spans.
func NewTrace(id TraceID, spans []Span) *Trace {
	t := &Trace{ID: id, Spans: make([]*Span, len(spans))}
	for i := range spans {
		t.Spans[i] = &spans[i]
	}
	return t
}
