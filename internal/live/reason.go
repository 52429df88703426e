package live

// Reason says why traces were handed on.
type Reason uint8

// Reasons for handing traces on.
const (
	// ReasonIdle: no span arrived for the idle period.
	ReasonIdle Reason = iota + 1
	// ReasonEarly: the span buffer was full; the trace may be incomplete.
	ReasonEarly
	// ReasonEnd: the input ended (or the receiver shut down).
	ReasonEnd
	// ReasonWindow: the input's own clock (the highest span end read)
	// passed the trace's latest span end by the window (Window).
	ReasonWindow
	// ReasonWhole: the input said the trace was whole: an envelope that
	// holds whole traces, such as a Jaeger trace object, closed (Window).
	ReasonWhole
)

func (r Reason) String() string {
	switch r {
	case ReasonIdle:
		return "idle"
	case ReasonEarly:
		return "early"
	case ReasonEnd:
		return "end"
	case ReasonWindow:
		return "window"
	case ReasonWhole:
		return "whole"
	}
	return "unknown"
}
