package receiver

import (
	"encoding/binary"
	"errors"
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
// Write returns once the batch's record is in the file: it is encoded,
// then written with one write call. That is what `tracectl receive` waits
// for before acknowledging a request, so an acknowledged span survives
// tracectl crashing or being killed (not the machine losing power: the
// file is synced only when the receiver stops).
//
// A write that fails — a full disk — is undone: the file is truncated back
// to the end of the last whole record (when the writer can Truncate, as an
// *os.File can), so no reader meets a torn record, and every later Write
// fails with the same error. Spans counts exactly the spans of the whole
// records written. Output is safe for concurrent use.
type Output struct {
	mu    sync.Mutex
	w     io.Writer
	proto bool
	off   int64 // end of the last whole record
	spans int64
	err   error
	bufs  sync.Pool
}

// NewOutput returns an Output writing to w, which should be empty or
// positioned at its end.
func NewOutput(w io.Writer, proto bool) *Output {
	return &Output{w: w, proto: proto}
}

// Write appends the batch's accepted spans as one record. Protobuf bodies
// are written as received when every span was accepted; otherwise, and for
// JSON, the spans are encoded afresh.
func (o *Output) Write(b *Batch) error {
	if len(b.Spans) == 0 {
		return nil
	}
	if err := o.Err(); err != nil {
		return err // do not encode what cannot be written
	}
	bp, _ := o.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	buf := (*bp)[:0]
	switch {
	case o.proto && b.Proto && b.Rejected == 0:
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(b.Body)))
		buf = append(buf, b.Body...)
	case o.proto:
		buf = append(buf, 0, 0, 0, 0)
		buf = ingest.AppendOTLPProto(buf, b.Spans)
		binary.BigEndian.PutUint32(buf, uint32(len(buf)-4))
	default:
		buf = ingest.AppendOTLPJSON(buf, b.Spans)
		buf = append(buf, '\n')
	}
	err := o.writeRecord(buf, len(b.Spans))
	if cap(buf) <= 4<<20 { // one huge request should not pin its buffer
		*bp = buf
		o.bufs.Put(bp)
	}
	return err
}

func (o *Output) writeRecord(rec []byte, spans int) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return o.err
	}
	n, err := o.w.Write(rec)
	if err == nil && n < len(rec) {
		err = io.ErrShortWrite
	}
	if err != nil {
		o.err = fmt.Errorf("writing --out: %w", err)
		if n > 0 {
			o.err = errors.Join(o.err, o.undo())
		}
		return o.err
	}
	o.off += int64(n)
	o.spans += int64(spans)
	return nil
}

// undo removes the torn end of a failed record.
func (o *Output) undo() error {
	t, ok := o.w.(interface{ Truncate(int64) error })
	if !ok {
		return errors.New("--out may end in a partial record: its writer cannot be truncated")
	}
	if err := t.Truncate(o.off); err != nil {
		return fmt.Errorf("removing the partial record at the end of --out (offset %d): %w", o.off, err)
	}
	return nil
}

// Err returns the error that stopped writing, if any.
func (o *Output) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// Spans returns the number of spans written, in whole records.
func (o *Output) Spans() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.spans
}

// Bytes returns the length of the whole records written.
func (o *Output) Bytes() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.off
}

// Sync commits the file to stable storage when the writer can (an
// *os.File); it is called once the receiver has stopped.
func (o *Output) Sync() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if s, ok := o.w.(interface{ Sync() error }); ok {
		if err := s.Sync(); err != nil {
			return fmt.Errorf("syncing --out: %w", err)
		}
	}
	return nil
}
