package ingest

// Reading inputs: files, globs, URLs (url.go) and stdin; sniffing compression and format
// by content; length-framed and single protobuf messages.
//
// The layers, outermost first:
//
//	zstd (28 B5 2F FD) or gzip (1F 8B) around the whole stream — streamed
//	JSON (first non-space byte '{')          → object by object, cut into chunks
//	                                           of lines on every core (json_lines.go)
//	framed protobuf (first byte < 8)         → frame by frame; a frame whose payload is
//	                                           zstd-compressed is the file exporter's legacy
//	                                           per-message mode, with JSON or protobuf inside
//	anything else                            → one unframed protobuf message
//
// Framed and unframed protobuf are told apart by the first byte: a protobuf
// message starts with a field tag, and no valid tag is below 8 (field
// number 0 is invalid), while a frame header starts with the high byte of a
// big-endian length, which is below 8 for any frame under 128 MiB.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ordered"
)

// Options control reading.
type Options struct {
	// Format forces the payload format; FormatAuto sniffs it. Compression
	// and framing are always recognised by content.
	Format Format
	// MaxFrame is the largest frame, message, decompressed message or
	// JSON object accepted, in bytes; 0 means DefaultMaxFrame. It also
	// bounds the window of zstd streams, and so the memory of a
	// decompression bomb.
	MaxFrame int
	// Warn is called at the end of reading with each distinct warning
	// (skipped metrics data, base64 or invalid ids), once, with a count.
	// Nil discards warnings.
	Warn func(msg string)
	// Progress is called now and then (at most about 10 times a second)
	// while reading, with the input bytes read and the spans decoded so
	// far, and once at the end. Nil means no progress reports.
	Progress func(bytes, spans int64)
	// HTTP controls fetching the inputs that are URLs.
	HTTP HTTPOptions
	// WholeTraces, when set, is called instead of the batch callback with
	// each batch whose traces the input says are whole: a backend's
	// answer (a Jaeger trace object, each under "data" too; a Zipkin
	// array of trace arrays; Jaeger v3's {"result"}; Tempo's {"trace"} or
	// {"batches"}). No span of those traces is in another batch of that
	// object. It owns each batch, as the batch callback does.
	WholeTraces func(batch []dag.Span) error

	// parallel is the number of goroutines decoding frames or chunks of
	// JSON Lines; 0 means GOMAXPROCS (tests compare 1 with many).
	parallel int
	// chunkSize is the size JSON Lines are cut at; 0 means
	// jsonChunkSize (tests cut small inputs into many chunks).
	chunkSize int
	// readOn, when set, is called with the line from which JSON is read
	// on in order, by one decoder, after chunks could not be cut or one
	// did not decode on its own (tests check when that happens).
	readOn func(line int)
}

func (o *Options) maxFrame() int {
	if o.MaxFrame <= 0 {
		return DefaultMaxFrame
	}
	return o.MaxFrame
}

// ReadFiles reads every input in order and calls fn with each batch of
// spans as soon as it is decoded. An input is a path, a glob pattern
// (expanded in lexical order; a pattern that matches nothing is an
// error), or "-" for stdin. Every pattern is expanded and every file is
// checked before the first is read. fn owns each batch: the decoder never
// reuses the slice or the memory its strings point into. Errors are
// *Error naming the input and where in it the input went bad; an error
// returned by fn is returned as it is.
func ReadFiles(inputs []string, stdin io.Reader, opts Options, fn func(batch []dag.Span) error) error {
	paths, err := expandInputs(inputs)
	if err != nil {
		return err
	}
	rd := startReading(&opts)
	defer rd.done()
	for _, p := range paths {
		if p == "-" {
			if stdin == nil {
				return &Error{Name: "stdin", Err: errors.New("no standard input to read")}
			}
			if err := rd.decode(stdin, "stdin", fn); err != nil {
				return err
			}
			continue
		}
		if IsURL(p) {
			if err := rd.readURL(p, fn); err != nil {
				return err
			}
			continue
		}
		if err := rd.readFile(p, fn); err != nil {
			return err
		}
	}
	return nil
}

func (rd *reading) readURL(raw string, fn func([]dag.Span) error) error {
	body, err := openURL(raw, &rd.opts.HTTP)
	if err != nil {
		return err
	}
	defer body.Close()
	return rd.decode(body, DisplayURL(raw), fn)
}

func (rd *reading) readFile(path string, fn func([]dag.Span) error) error {
	f, err := os.Open(path)
	if err != nil {
		return &Error{Name: path, Err: unwrapPathError(err)}
	}
	defer f.Close()
	return rd.decode(f, path, fn)
}

// unwrapPathError drops the operation and the path an *os.PathError
// repeats: "x.json: no such file or directory".
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// expandInputs expands glob patterns and checks that every file exists and
// is not a directory, so that a typo fails before minutes of reading.
func expandInputs(inputs []string) ([]string, error) {
	var out []string
	for _, in := range inputs {
		if in == "-" || IsURL(in) {
			out = append(out, in)
			continue
		}
		if _, err := os.Stat(in); err == nil || !strings.ContainsAny(in, `*?[\`) {
			info, err := os.Stat(in)
			if err != nil {
				return nil, &Error{Name: in, Err: unwrapPathError(err)}
			}
			if info.IsDir() {
				return nil, &Error{Name: in, Err: errors.New("is a directory (give the files in it, e.g. DIR/*.json)")}
			}
			out = append(out, in)
			continue
		}
		matches, err := filepath.Glob(in)
		if err != nil {
			return nil, &Error{Name: in, Err: fmt.Errorf("bad glob pattern: %w", err)}
		}
		n := len(out)
		for _, p := range matches {
			// A pattern may match directories too (dumps/*): only the files
			// in them are inputs.
			if info, err := os.Stat(p); err == nil && !info.IsDir() {
				out = append(out, p)
			}
		}
		if len(out) == n {
			return nil, &Error{Name: in, Err: errors.New("no files match this pattern")}
		}
	}
	return out, nil
}

// Decode reads one input stream, already opened, and calls fn with each
// batch of spans as soon as the frame, message or JSON object holding it
// is complete (so a pipe that is still being written is decoded as it
// comes). name is used in errors and warnings. Compression, framing and
// format are sniffed from the content. fn owns each batch. Errors are
// *Error, except one returned by fn, which is returned as it is.
func Decode(r io.Reader, name string, opts Options, fn func(batch []dag.Span) error) error {
	rd := startReading(&opts)
	defer rd.done()
	return rd.decode(r, name, fn)
}

// reading is what one ReadFiles or Decode call shares across its inputs:
// the options, the notices warned about once at the end, the progress
// tracker and the zstd decoders.
type reading struct {
	opts *Options
	n    notices
	tr   *tracker
	z    *zstdDecoders
	// chunkBufs are JSON Lines chunk buffers kept from one input to the
	// next (a rotated file set is many inputs); they go with the reading,
	// so nothing holds them once the inputs are read.
	chunkBufs [][]byte
}

func startReading(opts *Options) *reading {
	return &reading{opts: opts, tr: &tracker{fn: opts.Progress}, z: new(zstdDecoders)}
}

// done releases the decoders, reports the last progress and then warns.
func (rd *reading) done() {
	rd.z.close()
	rd.tr.flush()
	warn(rd.opts.Warn, &rd.n)
}

func warn(fn func(string), n *notices) {
	if fn == nil {
		return
	}
	for _, s := range n.summary() {
		fn(s)
	}
}

// tracker counts input bytes and decoded spans for Options.Progress.
type tracker struct {
	fn    func(bytes, spans int64)
	bytes atomic.Int64
	spans atomic.Int64
	mu    sync.Mutex // tick runs on the reader and on the frame decoders
	last  time.Time
}

// progressEvery is the least time between two progress reports.
const progressEvery = 100 * time.Millisecond

func (t *tracker) tick() {
	if t.fn == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if now := time.Now(); now.Sub(t.last) >= progressEvery {
		t.last = now
		t.fn(t.bytes.Load(), t.spans.Load())
	}
}

func (t *tracker) flush() {
	if t.fn != nil {
		t.fn(t.bytes.Load(), t.spans.Load())
	}
}

// countingReader counts the bytes read from an input for progress.
type countingReader struct {
	r  io.Reader
	tr *tracker
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.tr.bytes.Add(int64(n))
	c.tr.tick()
	return n, err
}

// streamReader holds what the layers of one input share.
type streamReader struct {
	name      string
	format    Format
	maxFrame  int
	n         *notices
	tr        *tracker
	z         *zstdDecoders
	chunkBufs *[][]byte // the reading's, for JSON Lines chunks
	fn        func([]dag.Span) error
	whole     func([]dag.Span) error // Options.WholeTraces
	packer    dag.Packer
	parallel  int // frame and chunk decoders; 0 means GOMAXPROCS
	chunkSize int // of JSON Lines; 0 means jsonChunkSize
	readOn    func(line int)
}

// zstdDecoders are kept from one input to the next: a zstd decoder's
// window buffers are megabytes, and a rotated, compressed file set is
// many inputs.
type zstdDecoders struct {
	stream *zstd.Decoder // for the outermost whole-stream layer
	frame  *zstd.Decoder // for the per-message frames (DecodeAll)
}

func (z *zstdDecoders) close() {
	if z.stream != nil {
		z.stream.Close()
	}
	if z.frame != nil {
		z.frame.Close()
	}
}

// deliver packs a decoded batch and hands it on. The batch's memory (and
// the input its strings point into) is the decoder's again afterwards.
func (s *streamReader) deliver(batch []dag.SpanData) error {
	return s.deliverPacked(s.packer.Pack(batch))
}

func (s *streamReader) deliverPacked(batch []dag.Span) error { return s.hand(s.fn, batch) }

// deliverJSON is deliver for a JSON object, whole when it holds whole
// traces (Options.WholeTraces).
func (s *streamReader) deliverJSON(batch []dag.SpanData, whole bool) error {
	return s.deliverPackedJSON(s.packer.Pack(batch), whole)
}

// deliverPackedJSON is deliverPacked for a JSON object's batch.
func (s *streamReader) deliverPackedJSON(batch []dag.Span, whole bool) error {
	if whole && s.whole != nil {
		return s.hand(s.whole, batch)
	}
	return s.deliverPacked(batch)
}

// hand counts a packed batch for progress and gives it to fn.
func (s *streamReader) hand(fn func([]dag.Span) error, batch []dag.Span) error {
	s.tr.spans.Add(int64(len(batch)))
	s.tr.tick()
	return fn(batch)
}

// decode reads one input, named name in errors and warnings.
func (rd *reading) decode(r io.Reader, name string, fn func([]dag.Span) error) error {
	s := &streamReader{name: name, format: rd.opts.Format, maxFrame: rd.opts.maxFrame(), n: &rd.n, tr: rd.tr, z: rd.z, chunkBufs: &rd.chunkBufs, fn: fn, whole: rd.opts.WholeTraces,
		parallel: rd.opts.parallel, chunkSize: rd.opts.chunkSize, readOn: rd.opts.readOn}
	return s.layer(&countingReader{r: r, tr: rd.tr}, 0)
}

var (
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
	gzipMagic = []byte{0x1f, 0x8b}
	utf8BOM   = []byte{0xef, 0xbb, 0xbf}
)

// maxCompressionLayers bounds compression inside compression.
const maxCompressionLayers = 2

// layer sniffs r and decodes it, unwrapping whole-stream compression.
func (s *streamReader) layer(r io.Reader, depth int) error {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(4)
	if len(head) == 0 {
		if err == io.EOF {
			return nil // an empty input holds no spans
		}
		return s.readError(0, err)
	}
	if depth < maxCompressionLayers {
		switch {
		case bytes.HasPrefix(head, zstdMagic):
			zr, release, err := s.zstdStream(br, depth)
			if err != nil {
				return &Error{Name: s.name, Err: fmt.Errorf("zstd: %w", err)}
			}
			defer release()
			return s.layer(&decompressReader{r: zr, name: s.name, kind: "zstd", window: s.zstdWindow()}, depth+1)
		case bytes.HasPrefix(head, gzipMagic):
			gr, err := gzip.NewReader(br)
			if err != nil {
				return offsetError(s.name, 0, fmt.Errorf("gzip header: %w", err))
			}
			defer gr.Close()
			return s.layer(&decompressReader{r: gr, name: s.name, kind: "gzip"}, depth+1)
		}
	}
	if strings.IndexByte("< \t\r\n\xef", head[0]) >= 0 {
		if h, _ := br.Peek(64); sniffHTML(h) {
			return &Error{Name: s.name, Err: errors.New("is an HTML page, not traces")}
		}
	}
	switch {
	case head[0] < 8:
		// A frame header (no protobuf message starts with a byte below 8,
		// and JSON text never starts with one).
		return s.readFrames(br)
	case s.format == FormatJSON || s.format == FormatAuto && looksJSON(br) && !(head[0] == '\n' && looksProto(br)):
		return s.readJSON(br)
	}
	return s.readUnframed(br)
}

// looksProto settles input that starts with 0x0A and looks like JSON: a
// newline, then '{' to JSON; the tag of resource_spans, then a length of
// 123 to protobuf (a length whose varint is white space or '{' is below
// 128). Such a short first field is read and decoded: JSON text fails.
func looksProto(br *bufio.Reader) bool {
	h, _ := br.Peek(2)
	if len(h) < 2 || h[1] >= 0x80 {
		return false
	}
	b, _ := br.Peek(2 + int(h[1]))
	if len(b) < 2+int(h[1]) {
		return false
	}
	_, err := new(protoDecoder).decode(b, nil)
	return err == nil
}

// looksJSON reports whether the first byte that is not white space (or a
// byte order mark) starts a JSON value, or there is none at all.
func looksJSON(br *bufio.Reader) bool {
	for n := 4; ; n *= 2 {
		b, err := br.Peek(n)
		b = bytes.TrimPrefix(b, utf8BOM)
		b = bytes.TrimLeft(b, " \t\r\n")
		if len(b) > 0 {
			return b[0] == '{' || b[0] == '['
		}
		if err != nil || n >= br.Size() {
			return true // white space only: JSON with no objects
		}
	}
}

// zstdStream returns a zstd decoder reading r: the kept one for the
// outermost layer, a new one inside it; release is to be called when the
// layer ends.
func (s *streamReader) zstdStream(r io.Reader, depth int) (zr io.Reader, release func(), err error) {
	if depth == 0 && s.z.stream != nil {
		return s.z.stream, func() {}, s.z.stream.Reset(r)
	}
	// Concurrent, as the Collector's own readers are: the decoder reads
	// ahead and decodes blocks on goroutines of its own, so decompression
	// goes on while this goroutine hands frames to the decoders.
	d, err := zstd.NewReader(r, append(s.zstdOptions(), zstd.WithDecoderConcurrency(min(s.workers(), 4)), zstd.WithDecoderLowmem(false))...)
	if err != nil {
		return nil, nil, err
	}
	if depth == 0 {
		s.z.stream = d
		return d, func() {}, nil
	}
	return d, d.Close, nil
}

func (s *streamReader) zstdWindow() uint64 {
	// The zstd format's own minimum is 1 KiB; encoders use up to 8 MiB at
	// their usual levels, so never ask for less than that.
	return uint64(min(max(s.maxFrame, 8<<20), 1<<30))
}

// zstdOptions are the limits every zstd decoder of s has.
func (s *streamReader) zstdOptions() []zstd.DOption {
	w := s.zstdWindow()
	return []zstd.DOption{
		zstd.WithDecoderMaxWindow(w),
		zstd.WithDecoderMaxMemory(w),
	}
}

// decompressReader turns the errors of a decompressor into *Error with the
// offset in the decompressed stream.
type decompressReader struct {
	r      io.Reader
	name   string
	kind   string
	window uint64
	off    int64
}

func (d *decompressReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.off += int64(n)
	if err == nil || err == io.EOF {
		return n, err
	}
	var ie *Error
	if errors.As(err, &ie) {
		return n, err // an error of the input below
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("%s-compressed input is truncated", d.kind)
	case errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded):
		err = fmt.Errorf("zstd-compressed input needs a window larger than %d bytes (raise the frame limit to read it): %w", d.window, err)
	default:
		err = fmt.Errorf("%s-compressed input is corrupt: %w", d.kind, err)
	}
	return n, offsetError(d.name, d.off, fmt.Errorf("%w (offset in the decompressed data)", err))
}

// readError wraps an error reading the input at offset off, unless it is
// already an *Error of a layer below.
func (s *streamReader) readError(off int64, err error) error {
	var ie *Error
	if errors.As(err, &ie) {
		return ie
	}
	return offsetError(s.name, off, fmt.Errorf("reading: %w", err))
}

// readFrames reads [4-byte big-endian length][message] frames, decoding
// each as soon as it is complete. Frames are decoded on every core (the
// framing makes the split points free): this goroutine reads them,
// workers decompress the legacy per-message zstd ones and decode and pack
// them, and the pipeline delivers the batches and merges the notices in
// input order, so the result, warnings and errors included, is the one
// decoding frame by frame gives (TestParallelFramesMatchSequential).
func (s *streamReader) readFrames(r io.Reader) (err error) {
	var empty struct{ off, n int64 } // empty frames: the first, how many
	defer func() {
		if empty.n > 0 {
			s.n.addN("empty frames", fmt.Sprintf("%s: offset %d: empty frame (length 0; zero padding?)", s.name, empty.off), int(empty.n))
		}
	}()
	p := newFramePipeline(s, s.workers())
	defer p.Stop()
	var hdr [4]byte
	for off := int64(0); ; {
		k, err := io.ReadFull(r, hdr[:])
		switch {
		case k == 0 && err == io.EOF:
			return p.Drain()
		case errors.Is(err, io.ErrUnexpectedEOF):
			return p.Fail(offsetError(s.name, off, fmt.Errorf("truncated frame header: %d of 4 bytes, then end of input", k)))
		case err != nil:
			return p.Fail(s.readError(off, err))
		}
		l := uint64(hdr[0])<<24 | uint64(hdr[1])<<16 | uint64(hdr[2])<<8 | uint64(hdr[3])
		if l > uint64(s.maxFrame) {
			return p.Fail(offsetError(s.name, off, fmt.Errorf("frame length %d is larger than the limit of %d bytes (not a length-framed OTLP file, or raise the frame limit)", l, s.maxFrame)))
		}
		f := p.Get()
		f.off = off
		f.buf, err = readN(r, f.buf, int(l))
		if err != nil {
			got := len(f.buf)
			p.Drop(f)
			if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
				return p.Fail(offsetError(s.name, off, fmt.Errorf("truncated frame: its header says %d bytes, the input ends after %d", l, got)))
			}
			return p.Fail(s.readError(off+4+int64(got), err))
		}
		if l == 0 {
			// An empty request is valid, but no exporter writes one: zeros
			// are more likely the padding a crashed writer leaves (or a
			// decompression bomb). Skip a run of them at memory speed.
			p.Drop(f)
			if empty.n == 0 {
				empty.off = off
			}
			skipped := skipZeroFrames(r)
			empty.n += 1 + skipped
			off += 4 + 4*skipped
			continue
		}
		f.msg, f.inFrame = f.buf, false
		if bytes.HasPrefix(f.msg, zstdMagic) {
			// The file exporter's legacy `compression: zstd`: each message
			// compressed on its own, and decompressed by the frame's decoder.
			if err := s.frameDecoder(); err != nil {
				p.Drop(f)
				return p.Fail(err)
			}
			f.compressed = true
		}
		if err := p.Submit(f); err != nil {
			return err
		}
		off += 4 + int64(l)
	}
}

// frameDecoder makes the decoder of the legacy per-message zstd frames,
// once: its DecodeAll runs on every frame worker at once.
func (s *streamReader) frameDecoder() error {
	if s.z.frame != nil {
		return nil
	}
	// DecodeAll stops at the frame limit: a bomb costs at most that.
	opts := append(s.zstdOptions(), zstd.WithDecoderMaxMemory(uint64(s.maxFrame)), zstd.WithDecoderConcurrency(s.workers()))
	var err error
	if s.z.frame, err = zstd.NewReader(nil, opts...); err != nil {
		return &Error{Name: s.name, Err: fmt.Errorf("zstd: %w", err)}
	}
	return nil
}

// decompressFrame decompresses a frame of the legacy per-message zstd mode
// into f.zbuf, on a frame worker.
func (s *streamReader) decompressFrame(f *framedMsg) error {
	var err error
	f.zbuf, err = s.z.frame.DecodeAll(f.msg, f.zbuf[:0])
	if err != nil {
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
			err = fmt.Errorf("decompressed message is larger than the limit of %d bytes (raise the frame limit to read it)", s.maxFrame)
		}
		return offsetError(s.name, f.off, fmt.Errorf("zstd-compressed frame: %w", err))
	}
	if len(f.zbuf) > s.maxFrame {
		return offsetError(s.name, f.off, fmt.Errorf("zstd-compressed frame: decompressed message is larger than the limit of %d bytes", s.maxFrame))
	}
	f.msg, f.inFrame = f.zbuf, true
	return nil
}

// frameWorker is what decoding one frame at a time needs: a decoder whose
// scratch memory is reused, and the packer that copies the spans out.
type frameWorker struct {
	d      protoDecoder
	packer dag.Packer
}

// decode decodes and packs f's message into f.spans, or sets f.err.
// Notices go to f.n, merged in input order when f is delivered.
func (w *frameWorker) decode(s *streamReader, f *framedMsg) {
	d := &w.d
	d.n, d.name = &f.n, s.name
	if f.compressed {
		if err := s.decompressFrame(f); err != nil {
			f.err = err
			return
		}
	}
	d.base, d.inFrame = f.off+4, false
	if f.inFrame {
		d.base, d.inFrame = f.off, true
	}
	msg := f.msg
	var (
		spans []dag.SpanData
		err   error
	)
	if s.format == FormatJSON || s.format == FormatAuto && startsJSON(msg) {
		spans, err = decodeJSONMessage(msg, nil, &f.n, d.whereAt(0))
		if err != nil && s.format == FormatAuto {
			// A protobuf message can start with bytes that look like
			// JSON ("\n{": resource_spans of 123 bytes). The frame is
			// whole, so rather than guess from its first bytes, read
			// it as protobuf when it is not JSON.
			if ps, perr := d.decodeMessage(msg, d.scratch[:0]); perr == nil {
				spans, err = ps, nil
			}
		}
		if err != nil {
			f.err = s.jsonFrameError(f.off, d.inFrame, err)
			return
		}
	} else {
		spans, err = d.decodeMessage(msg, d.scratch[:0])
		if err != nil {
			f.err = d.asError(s.name, err)
			return
		}
		d.scratch = spans[:0]
	}
	if len(spans) > 0 {
		f.spans = w.packer.Pack(spans)
	}
}

// framedMsg is one frame on its way through the pipeline.
type framedMsg struct {
	off  int64  // of the frame header
	buf  []byte // the payload as read
	zbuf []byte // the payload decompressed, for the legacy zstd mode
	msg  []byte // buf or zbuf
	// compressed: buf is a legacy zstd frame, for the worker to
	// decompress into zbuf.
	compressed bool
	inFrame    bool // msg was decompressed: it has no offsets in the input
	spans      []dag.Span
	n          notices
	err        error
}

func newFramePipeline(s *streamReader, workers int) *ordered.Pipeline[*framedMsg] {
	return ordered.New(ordered.Config[*framedMsg]{
		Workers: workers,
		New:     func() *framedMsg { return new(framedMsg) },
		Worker: func() func(*framedMsg) {
			w := new(frameWorker)
			return func(f *framedMsg) { w.decode(s, f) }
		},
		Deliver: func(f *framedMsg) error {
			s.n.merge(&f.n)
			switch {
			case f.err != nil:
				return f.err
			case len(f.spans) > 0:
				return s.deliverPacked(f.spans)
			}
			return nil
		},
		Recycle: func(f *framedMsg) { *f = framedMsg{buf: f.buf[:0], zbuf: f.zbuf[:0]} },
	})
}

// workers is how many goroutines decode frames or chunks.
func (s *streamReader) workers() int {
	if s.parallel > 0 {
		return s.parallel
	}
	return runtime.GOMAXPROCS(0)
}

// skipZeroFrames discards the whole empty frames (four zero bytes each)
// already buffered in r, and returns how many.
func skipZeroFrames(r io.Reader) int64 {
	br, ok := r.(*bufio.Reader)
	if !ok {
		return 0
	}
	var n int64
	for {
		b, _ := br.Peek(br.Buffered())
		z := 0
		for z+4 <= len(b) && b[z]|b[z+1]|b[z+2]|b[z+3] == 0 {
			z += 4
		}
		if z == 0 {
			return n
		}
		br.Discard(z)
		n += int64(z / 4)
		if _, err := br.Peek(4); err != nil {
			return n
		}
	}
}

// startsJSON reports whether a message is JSON (its first byte that is not
// white space is '{').
func startsJSON(msg []byte) bool {
	msg = bytes.TrimPrefix(msg, utf8BOM)
	msg = bytes.TrimLeft(msg, " \t\r\n")
	return len(msg) > 0 && msg[0] == '{'
}

func (s *streamReader) jsonFrameError(off int64, compressed bool, err error) error {
	var je *jsonError
	if !errors.As(err, &je) {
		return offsetError(s.name, off, err)
	}
	if compressed {
		return offsetError(s.name, off, fmt.Errorf("in the JSON message decompressed from this frame, at byte %d: %w", je.Offset, je.Err))
	}
	return offsetError(s.name, off+4+int64(je.Offset), fmt.Errorf("in the JSON message of this frame: %w", je.Err))
}

// readN reads exactly n bytes into buf (reusing its memory). It grows buf
// with the bytes that actually arrive, never to a size a length header
// merely claims: a bogus header at the end of a short input costs nothing.
func readN(r io.Reader, buf []byte, n int) ([]byte, error) {
	if n <= cap(buf) {
		buf = buf[:n]
		k, err := io.ReadFull(r, buf)
		return buf[:k], err
	}
	buf = buf[:0]
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n-len(buf), max(len(buf), 64<<10)))
		}
		k, err := io.ReadFull(r, buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+k]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// readUnframed reads one unframed protobuf message: all of the input, up to
// the frame limit.
func (s *streamReader) readUnframed(r io.Reader) error {
	msg, err := io.ReadAll(io.LimitReader(r, int64(s.maxFrame)+1))
	if err != nil {
		return s.readError(int64(len(msg)), err)
	}
	if len(msg) > s.maxFrame {
		return s.unframedError(msg, offsetError(s.name, 0, fmt.Errorf("input is not OTLP/JSON or length-framed protobuf, and as a single protobuf message it is larger than the limit of %d bytes", s.maxFrame)))
	}
	d := &protoDecoder{n: s.n, name: s.name}
	spans, err := d.decodeMessage(msg, nil)
	if err != nil {
		// A frame of 128 MiB or more has a first byte of 8 or more: with
		// a raised limit, try the input as frames before giving up.
		if tiles(msg, s.maxFrame) {
			return s.readFrames(bytes.NewReader(msg))
		}
		return s.unframedError(msg, d.asError(s.name, err))
	}
	if len(spans) > 0 {
		return s.deliver(spans)
	}
	return nil
}

// unframedError explains why input that is neither JSON nor framed failed
// as one protobuf message. Every OTLP request a real producer writes
// starts with field 1 (resource_spans), the byte 0x0A; input that starts
// otherwise was more likely meant as something else.
func (s *streamReader) unframedError(msg []byte, err error) error {
	switch {
	case s.format == FormatProto && startsJSON(msg):
		return offsetError(s.name, 0, errors.New("the input is JSON, but the format was forced to protobuf"))
	case msg[0] == 0x0a:
		return err
	case looksText(msg):
		return offsetError(s.name, 0, errors.New("not OTLP: neither JSON (it does not start with '{') nor protobuf"))
	case len(msg) >= 4:
		if l := uint64(msg[0])<<24 | uint64(msg[1])<<16 | uint64(msg[2])<<8 | uint64(msg[3]); l > uint64(s.maxFrame) {
			return offsetError(s.name, 0, fmt.Errorf("frame length %d is larger than the limit of %d bytes (not a length-framed OTLP file, or raise the frame limit)", l, s.maxFrame))
		}
	}
	return err
}

// tiles reports whether b is exactly a sequence of length-prefixed frames.
func tiles(b []byte, maxFrame int) bool {
	for len(b) >= 4 {
		l := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
		if l > uint64(maxFrame) || l > uint64(len(b)-4) {
			return false
		}
		b = b[4+l:]
	}
	return len(b) == 0
}

// looksText reports whether the start of b is printable text, for a
// clearer error on a text file that is not JSON.
func looksText(b []byte) bool {
	b = b[:min(len(b), 512)]
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 && len(b) >= utf8.UTFMax {
			return false // invalid UTF-8 (not a rune cut by the 512-byte window)
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return false
		}
		b = b[n:]
	}
	return true
}
