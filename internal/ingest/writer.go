package ingest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/tracectl/tracectl/internal/dag"
)

// OutputFormat is a format Writer writes.
type OutputFormat uint8

// Output formats, as `convert --to` names them.
const (
	// OutputOTLPJSON is OTLP/JSON Lines, one ExportTraceServiceRequest per
	// batch: the Collector file exporter's `format: json`.
	OutputOTLPJSON OutputFormat = iota
	// OutputOTLPProto is length-framed OTLP protobuf, a 4-byte big-endian
	// length before each request: the file exporter's `format: proto`.
	OutputOTLPProto
	// OutputJaegerJSON is one Jaeger query API v2 answer, {"data":[…]},
	// which Jaeger UI opens.
	OutputJaegerJSON
	// OutputZipkinJSON is one Zipkin v2 span array, which Zipkin's
	// POST /api/v2/spans takes.
	OutputZipkinJSON
)

var outputNames = [...]string{"otlp-json", "otlp-proto", "jaeger-json", "zipkin-json"}

func (f OutputFormat) String() string { return outputNames[f] }

// ParseOutputFormat accepts otlp-json, otlp-proto, jaeger-json and
// zipkin-json.
func ParseOutputFormat(s string) (OutputFormat, error) {
	for i, n := range outputNames {
		if s == n {
			return OutputFormat(i), nil
		}
	}
	return 0, fmt.Errorf("unknown format %q (want otlp-json, otlp-proto, jaeger-json or zipkin-json)", s)
}

// Binary reports whether the format is not text.
func (f OutputFormat) Binary() bool { return f == OutputOTLPProto }

// Writer writes span batches in one output format. The OTLP formats are
// streams, written batch by batch; Jaeger and Zipkin JSON are single
// documents, so their Writer keeps the spans until Close. Every span must
// stay unmodified until Close returns.
type Writer struct {
	w      *bufio.Writer
	format OutputFormat
	buf    []byte
	held   []dag.Span
	spans  int64
}

// NewWriter returns a Writer writing format to w.
func NewWriter(w io.Writer, format OutputFormat) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 256<<10), format: format}
}

// Write writes (or, for the single-document formats, keeps) a batch.
func (wr *Writer) Write(batch []dag.Span) error {
	if len(batch) == 0 {
		return nil
	}
	wr.spans += int64(len(batch))
	switch wr.format {
	case OutputOTLPJSON:
		wr.buf = append(AppendOTLPJSON(wr.buf[:0], batch), '\n')
	case OutputOTLPProto:
		wr.buf = AppendOTLPProto(append(wr.buf[:0], 0, 0, 0, 0), batch)
		binary.BigEndian.PutUint32(wr.buf, uint32(len(wr.buf)-4))
	default:
		wr.held = append(wr.held, batch...)
		return nil
	}
	_, err := wr.w.Write(wr.buf)
	if cap(wr.buf) > 4<<20 {
		wr.buf = nil // one huge batch should not pin its buffer
	}
	return err
}

// Spans returns the number of spans written so far.
func (wr *Writer) Spans() int64 { return wr.spans }

// Close writes what is kept and flushes. It does not close the
// underlying writer.
func (wr *Writer) Close() error {
	var b []byte
	switch wr.format {
	case OutputJaegerJSON:
		b = AppendJaegerJSON(nil, wr.held)
	case OutputZipkinJSON:
		b = AppendZipkinJSON(nil, wr.held)
	}
	wr.held = nil
	if b != nil {
		if _, err := wr.w.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return wr.w.Flush()
}
