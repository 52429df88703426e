package dag

// Summary is the one-line description of a trace that `tracectl ls` prints.
type Summary struct {
	TraceID     TraceID
	RootService string // "" when the root span is absent
	RootName    string
	Spans       int
	Services    []string
	Errors      int // spans with status error
	Start, End  uint64

	RawTraceID string // Tree.TraceIDText when the id is invalid, else ""
}

// TraceIDText returns the trace id as output shows it (Tree.TraceIDText).
func (s *Summary) TraceIDText() string {
	if s.RawTraceID != "" {
		return s.RawTraceID
	}
	return s.TraceID.String()
}

// Summarize describes a tree in one Summary.
func Summarize(tr *Tree) Summary {
	sum := Summary{TraceID: tr.TraceID, RawTraceID: tr.rawTrace, Services: tr.Services(), Start: tr.Start, End: tr.End}
	if r := tr.Root(); r != None && tr.Nodes[r].Span != nil {
		sum.RootService, sum.RootName = tr.Nodes[r].Span.Service(), tr.Nodes[r].Span.Name
	}
	for i := range tr.Nodes {
		if s := tr.Nodes[i].Span; s != nil {
			sum.Spans++
			if s.Status.Code == StatusError {
				sum.Errors++
			}
		}
	}
	return sum
}

// Duration returns End-Start, the trace's extent in nanoseconds.
func (s *Summary) Duration() int64 { return Sub(s.End, s.Start) }
