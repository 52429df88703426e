package dag

// Trace is every span received for one trace id, in arrival order,
// including duplicates (Build sorts them out).
type Trace struct {
	ID    TraceID
	Spans []*Span
}

// Traces groups spans by trace id as batches arrive, keeping the order in
// which trace ids were first seen. The zero value is ready to use.
//
// Add only counts the spans of each trace; List and Get then fill every
// pending span list at once, each exactly sized and carved from one array.
// Lists grown by appending, span by span, held a third more than they used
// and left as much again behind as garbage while they doubled.
type Traces struct {
	index   map[TraceID]int32
	list    []*Trace
	pending [][]Span // batches whose spans are not yet in their traces' lists
	counts  []int32  // spans per trace in pending, by index into list
	free    []Trace  // Trace records allocated, not yet used
	spans   int
}

// traceChunk is how many Trace records are allocated together.
const traceChunk = 256

// Add files every span of batch under its trace. Traces keeps pointers into
// batch: the caller must not reuse it.
func (ts *Traces) Add(batch []Span) {
	if len(batch) == 0 {
		return
	}
	if ts.index == nil {
		ts.index = make(map[TraceID]int32)
	}
	last, lastK := TraceID{}, -1
	for i := range batch {
		id := batch[i].TraceID
		k := lastK
		if k < 0 || id != last {
			k32, ok := ts.index[id]
			k = int(k32)
			if !ok {
				if len(ts.free) == 0 {
					ts.free = make([]Trace, traceChunk)
				}
				t := &ts.free[0]
				ts.free = ts.free[1:]
				t.ID = id
				k = len(ts.list)
				ts.index[id] = int32(k)
				ts.list = append(ts.list, t)
				ts.counts = append(ts.counts, 0)
			}
			last, lastK = id, k
		}
		ts.counts[k]++
	}
	ts.pending = append(ts.pending, batch)
	ts.spans += len(batch)
}

// flush moves the pending spans into their traces' lists.
func (ts *Traces) flush() {
	if len(ts.pending) == 0 {
		return
	}
	n := 0
	for k, c := range ts.counts {
		if c > 0 {
			n += len(ts.list[k].Spans) + int(c)
		}
	}
	all := make([]*Span, 0, n)
	for k, c := range ts.counts {
		if c == 0 {
			continue
		}
		t := ts.list[k]
		// Each list is capped at its length, so appending to one never
		// runs into the next.
		m := len(t.Spans)
		s := all[len(all) : len(all)+m : len(all)+m+int(c)]
		copy(s, t.Spans)
		t.Spans = s
		all = all[:len(all)+m+int(c)]
	}
	for _, batch := range ts.pending {
		var t *Trace
		for i := range batch {
			// Spans of a trace mostly come together: look up each run once.
			if s := &batch[i]; t == nil || s.TraceID != t.ID {
				t = ts.list[ts.index[s.TraceID]]
			}
			t.Spans = append(t.Spans, &batch[i])
		}
	}
	clear(ts.pending)
	ts.pending = ts.pending[:0]
	clear(ts.counts)
}

// List returns the traces in first-seen order.
func (ts *Traces) List() []*Trace {
	ts.flush()
	return ts.list
}

// Get returns the trace with the given id.
func (ts *Traces) Get(id TraceID) (*Trace, bool) {
	k, ok := ts.index[id]
	if !ok {
		return nil, false
	}
	ts.flush()
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
