package main

import (
	"fmt"
	"io"
	"time"
)

// progress draws one self-overwriting status line on a terminal stderr
// while big inputs are read: bytes, spans and rate.
type progress struct {
	w     io.Writer
	start time.Time
	drawn bool
}

func (p *progress) update(bytes, spans int64) {
	el := time.Since(p.start)
	if el < 300*time.Millisecond {
		return // small inputs finish before a status line would help
	}
	rate := float64(spans) / el.Seconds()
	fmt.Fprintf(p.w, "\r\x1b[Kreading: %s, %d spans, %.0f spans/s", humanBytes(bytes), spans, rate)
	p.drawn = true
}

func (p *progress) done() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
