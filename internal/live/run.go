package live

import (
	"time"

	"github.com/tracectl/tracectl/internal/dag"
)

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
)

func (r Reason) String() string {
	switch r {
	case ReasonIdle:
		return "idle"
	case ReasonEarly:
		return "early"
	case ReasonEnd:
		return "end"
	}
	return "unknown"
}

// Run feeds every batch received from in to a and calls emit with the
// traces it hands on: those gone idle (checked on a timer, so traces
// complete while in is quiet), those handed on early, and, once in is
// closed, all the rest. emit runs on Run's goroutine only, so it needs no
// locking. Run returns when in is closed and everything has been emitted,
// or with the first error emit returns (then the rest is not emitted).
//
// The idle timer runs on the real clock; Options.Now is for driving an
// Assembler directly.
func Run(a *Assembler, in <-chan []dag.Span, emit func(traces []*dag.Trace, why Reason) error) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	rearm := func() {
		if armed {
			timer.Stop()
			armed = false
		}
		if d, ok := a.NextDeadline(); ok {
			timer.Reset(max(d.Sub(a.now()), 0))
			armed = true
		}
	}
	for {
		select {
		case batch, ok := <-in:
			if !ok {
				if ts := a.Flush(); len(ts) > 0 {
					return emit(ts, ReasonEnd)
				}
				return nil
			}
			if early := a.Add(batch); len(early) > 0 {
				if err := emit(early, ReasonEarly); err != nil {
					return err
				}
			}
			if !armed {
				rearm()
			}
		case <-timer.C:
			armed = false
			if ts := a.Expire(); len(ts) > 0 {
				if err := emit(ts, ReasonIdle); err != nil {
					return err
				}
			}
			rearm()
		}
	}
}
