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
}

// Summarize describes a tree in one Summary.
func Summarize(tr *Tree) Summary {
	sum := Summary{TraceID: tr.TraceID, Services: tr.Services(), Start: tr.Start, End: tr.End}
	sum.RootMissing = true
	if r := tr.Root(); r != None {
		sum.RootID = tr.Nodes[r].ID
		if s := tr.Nodes[r].Span; s != nil {
			sum.RootMissing = false
			sum.RootService, sum.RootName = s.Service(), s.Name
		}
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
