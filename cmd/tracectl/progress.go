package main

import (
	"fmt"
	"io"
	"time"
)

// progress draws one self-overwriting status line on a terminal stderr
// during long runs: while reading, the bytes read and spans decoded, with
// the share done and the time left when the inputs' total size is known;
// then, when the input was spilled to disk, the partition being analysed.
// It draws nothing when stderr is not a terminal (a nil *progress).
type progress struct {
	w     io.Writer
	start time.Time
	total int64 // input bytes, 0 when unknown (stdin, URLs)
	bytes int64 // read so far
	drawn bool
}

// newProgress returns a progress for reading files, or one that only
// counts when stderr is not a terminal.
func newProgress(s *streams, files []string) *progress {
	p := &progress{start: time.Now()}
	if s.ErrTTY {
		p.w, p.total = s.Err, inputSize(files)
	}
	return p
}

// reading is ingest's Options.Progress.
func (p *progress) reading(bytes, spans int64) {
	p.bytes = bytes
	if !p.due() {
		return
	}
	el := time.Since(p.start)
	line := fmt.Sprintf("reading: %s, %d spans, %.0f spans/s", humanBytes(bytes), spans, float64(spans)/el.Seconds())
	if p.total > 0 && bytes > 0 && bytes <= p.total {
		left := time.Duration(float64(el) * float64(p.total-bytes) / float64(bytes))
		line = fmt.Sprintf("reading: %3.0f%% of %s, %d spans, %.0f spans/s, %s left",
			100*float64(bytes)/float64(p.total), humanBytes(p.total), spans, float64(spans)/el.Seconds(), left.Round(time.Second))
	}
	p.draw(line)
}

// partition says which spilled partition is being analysed.
func (p *progress) partition(k, n int) {
	p.bytes = 0
	if p.due() {
		p.draw(fmt.Sprintf("analysing: partition %d of %d", k, n))
	}
}

// due reports whether a line should be drawn: on a terminal, once the run
// has lasted long enough for a status line to help.
func (p *progress) due() bool {
	return p != nil && p.w != nil && time.Since(p.start) >= 300*time.Millisecond
}

func (p *progress) draw(line string) {
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.drawn = true
}

func (p *progress) done() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
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
