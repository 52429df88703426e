package bench

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/tracectl/tracectl/internal/ingest"
)

// The reading loops a Collector-based tool would run around pdata's
// unmarshalers, shared by the in-process benchmarks (BenchmarkStream) and
// the whole-process peer (cmd/pdatadecode).

// ReadFramed reads the file exporter's framed proto (a 4-byte big-endian
// length, then the message, repeated), unmarshals each message with u and
// hands it to fn. It returns the number of spans.
func ReadFramed(r io.Reader, u ptrace.Unmarshaler, fn func(ptrace.Traces)) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var hdr [4]byte
	var buf []byte
	n := 0
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
		size := int(binary.BigEndian.Uint32(hdr[:]))
		if size > ingest.DefaultMaxFrame {
			return n, fmt.Errorf("frame of %d bytes", size)
		}
		if cap(buf) < size {
			buf = make([]byte, size)
		}
		buf = buf[:size]
		if _, err := io.ReadFull(br, buf); err != nil {
			return n, err
		}
		td, err := u.UnmarshalTraces(buf)
		if err != nil {
			return n, err
		}
		fn(td)
		n += td.SpanCount()
	}
}

// ReadLines reads JSON Lines (the file exporter's `format: json`),
// unmarshals each line with u and hands it to fn. It returns the number of
// spans.
func ReadLines(r io.Reader, u ptrace.Unmarshaler, fn func(ptrace.Traces)) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), ingest.DefaultMaxFrame)
	n := 0
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		td, err := u.UnmarshalTraces(sc.Bytes())
		if err != nil {
			return n, err
		}
		fn(td)
		n += td.SpanCount()
	}
	return n, sc.Err()
}

// ReadFile reads a file exporter dump whatever its format — framed proto,
// JSON Lines, either as one zstd stream (the exporter's `compression:
// zstd`) — with pdata, handing each message to fn. It returns the number
// of spans.
func ReadFile(r io.Reader, fn func(ptrace.Traces)) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(4); len(magic) == 4 && binary.LittleEndian.Uint32(magic) == 0xFD2FB528 {
		zr, err := zstd.NewReader(br)
		if err != nil {
			return 0, err
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	if first, _ := br.Peek(1); len(first) == 1 && first[0] == '{' {
		return ReadLines(br, &ptrace.JSONUnmarshaler{}, fn)
	}
	return ReadFramed(br, &ptrace.ProtoUnmarshaler{}, fn)
}
