package dag

// Rule names a kind of finding. The names are a user-facing contract
// (DESIGN.md §3): scripts match on them.
type Rule string

// The rules of `tracectl check`.
const (
	RuleInvalidTraceID          Rule = "invalid_trace_id"
	RuleInvalidSpanID           Rule = "invalid_span_id"
	RuleDuplicateSpanID         Rule = "duplicate_span_id"
	RuleEndBeforeStart          Rule = "end_before_start"
	RuleMissingParent           Rule = "missing_parent"
	RuleParentCycle             Rule = "parent_cycle"
	RuleMultipleRoots           Rule = "multiple_roots"
	RuleChildStartsBeforeParent Rule = "child_starts_before_parent"
	RuleChildEndsAfterParent    Rule = "child_ends_after_parent"
	RuleClockSkew               Rule = "clock_skew"
	RulePII                     Rule = "pii"
)

// Severity of a finding.
type Severity uint8

// Severities, ordered: Error is worse than Warning.
const (
	SeverityWarning Severity = iota + 1
	SeverityError
)

// String returns "warning" or "error".
func (s Severity) String() string {
	switch s {
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return "unknown"
}

// ParseSeverity accepts "warning" and "error".
func ParseSeverity(s string) (Severity, bool) {
	switch s {
	case "warning":
		return SeverityWarning, true
	case "error":
		return SeverityError, true
	}
	return 0, false
}

// Severity returns the rule's severity. Incomplete captures (missing
// parents, several roots) are common and only warnings; broken identity
// and broken causality on one clock are errors.
func (r Rule) Severity() Severity {
	switch r {
	case RuleMissingParent, RuleMultipleRoots, RuleChildEndsAfterParent, RuleClockSkew:
		return SeverityWarning
	}
	return SeverityError
}

// Finding is one problem found in a trace.
type Finding struct {
	TraceID  TraceID
	SpanID   SpanID
	Rule     Rule
	Severity Severity
	Message  string

	// RawTraceID and RawSpanID are the ids as output shows them when one
	// was invalid in the input (its raw text, escaped; see RawIDs), else "".
	RawTraceID, RawSpanID string
}

// TraceIDText returns the trace id as output shows it: lowercase hex, or
// the input's raw text when it was invalid.
func (f *Finding) TraceIDText() string {
	if f.RawTraceID != "" {
		return f.RawTraceID
	}
	return f.TraceID.String()
}

// SpanIDText is TraceIDText for the span id.
func (f *Finding) SpanIDText() string {
	if f.RawSpanID != "" {
		return f.RawSpanID
	}
	return f.SpanID.String()
}

func newFinding(tr *Tree, span SpanID, rule Rule, msg string) Finding {
	f := Finding{TraceID: tr.TraceID, SpanID: span, Rule: rule, Severity: rule.Severity(), Message: msg}
	if tr.x != nil && tr.x.badTraceID {
		f.RawTraceID = tr.x.rawTrace
	}
	if raw, ok := tr.rawSpanIDs[span]; ok {
		f.RawSpanID = raw
	}
	return f
}
