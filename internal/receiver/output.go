package receiver

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/tracectl/tracectl/internal/ingest"
)

// Output writes received batches to a file in a format every tracectl
// command and the Collector's otlpjsonfile receiver read back:
// Collector-file-exporter JSON lines (one ExportTraceServiceRequest per
// line, hex ids) or, with Proto, the file exporter's framed protobuf
// (4-byte big-endian length, then the message).
//
// Writes are buffered. Write returns once the batch is in the buffer, which
// is what the receiver waits for before acknowledging; Flush (called
// periodically and at shutdown by `tracectl receive`) puts it in the file.
// Output is safe for concurrent use.
type Output struct {
	mu    sync.Mutex
	w     *bufio.Writer
	proto bool
	buf   []byte
	spans int64
	err   error
}

// NewOutput returns an Output writing to w.
func NewOutput(w io.Writer, proto bool) *Output {
	return &Output{w: bufio.NewWriterSize(w, 1<<20), proto: proto}
}

// Write appends the batch's accepted spans. Protobuf bodies are written as
// received when every span was accepted; otherwise, and for JSON, the spans
// are encoded afresh.
func (o *Output) Write(b *Batch) error {
	if len(b.Spans) == 0 {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return o.err
	}
	switch {
	case o.proto && b.Proto && b.Rejected == 0:
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b.Body)))
		o.write(n[:])
		o.write(b.Body)
	case o.proto:
		o.buf = append(o.buf[:0], 0, 0, 0, 0)
		o.buf = ingest.AppendOTLPProto(o.buf, b.Spans)
		binary.BigEndian.PutUint32(o.buf, uint32(len(o.buf)-4))
		o.write(o.buf)
	default:
		o.buf = ingest.AppendOTLPJSON(o.buf[:0], b.Spans)
		o.buf = append(o.buf, '\n')
		o.write(o.buf)
	}
	if o.err != nil {
		return o.err
	}
	o.spans += int64(len(b.Spans))
	if cap(o.buf) > 4<<20 {
		o.buf = nil // one huge request should not pin its buffer
	}
	return nil
}

func (o *Output) write(p []byte) {
	if o.err == nil {
		if _, err := o.w.Write(p); err != nil {
			o.err = fmt.Errorf("writing --out: %w", err)
		}
	}
}

// Flush writes buffered data to the underlying writer.
func (o *Output) Flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return o.err
	}
	if err := o.w.Flush(); err != nil {
		o.err = fmt.Errorf("writing --out: %w", err)
	}
	return o.err
}

// Spans returns the number of spans written.
func (o *Output) Spans() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.spans
}
