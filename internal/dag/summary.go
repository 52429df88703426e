package dag

// Summary is the one-line description of a trace that `tracectl ls` prints.
type Summary struct {
	TraceID     TraceID
	RootID      SpanID // the root's id, or the absent root's for a placeholder
	RootMissing bool   // the root is a placeholder for an absent span
	RootService string // "" when the root span is absent
	RootName    string
	Spans       int
	Services    []string
	Errors      int // spans with status error
	Start, End  uint64

	RawTraceID string // Tree.TraceIDText when the id is invalid, else ""
	RawRootID  string // Tree.IDText(RootID) when that id is invalid, else ""
}

// TraceIDText returns the trace id as output shows it (Tree.TraceIDText).
func (s *Summary) TraceIDText() string {
	if s.RawTraceID != "" {
		return s.RawTraceID
	}
	return s.TraceID.String()
}

// RootIDText returns the root's id as output shows it (Tree.IDText).
func (s *Summary) RootIDText() string {
	if s.RawRootID != "" {
		return s.RawRootID
	}
	return s.RootID.String()
}

// Summarize describes a tree in one Summary.
func Summarize(tr *Tree) Summary {
	sum := Summary{TraceID: tr.TraceID, RawTraceID: tr.rawTraceID(), Services: tr.Services(), Start: tr.Start, End: tr.End}
	sum.RootMissing = true
	if r := tr.Root(); r != None {
		sum.RootID = tr.Nodes[r].ID
		if raw, ok := tr.rawSpanIDs[sum.RootID]; ok {
			sum.RawRootID = raw
		}
		if s := tr.Nodes[r].Span; s != nil {
			sum.RootMissing = false
			sum.RootService, sum.RootName = s.Service(), s.Name()
		}
	}
	for i := range tr.Nodes {
		if s := tr.Nodes[i].Span; s != nil {
			sum.Spans++
			if s.Status().Code == StatusError {
				sum.Errors++
			}
		}
	}
	return sum
}

// Duration returns End-Start, the trace's extent in nanoseconds.
func (s *Summary) Duration() int64 { return Sub(s.End, s.Start) }
