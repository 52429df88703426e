package ingest

// JSON Lines on every core. The reading goroutine cuts the input into
// chunks of a few MB, each a run of whole lines that starts and ends
// between two top-level values; workers decode and pack the chunks, and
// the chunks are delivered in input order (an ordered.Pipeline, as for
// protobuf frames). Each chunk knows its first line, so errors and notices
// name the lines the sequential decoder would.
//
// Where to cut is a guess made from a few bytes, never a second parse: a
// line that ends with '}' or ']' followed by one that starts with '{' or
// '['. In valid JSON such a line break lies between two top-level values
// (inside an object or array, a ',' or ':' comes between two values, and
// a string holds no raw newline), so JSON Lines and concatenated
// pretty-printed objects split where their objects end. The guess is
// never trusted, though: a chunk decodes on its own only if it starts and
// ends between values, so when one fails to decode for any reason (a bad
// line, or a cut inside an object of input that is not valid JSON), the
// input is read on from that chunk's start by one decoder in order. The
// result — spans, batches, notices and errors — is therefore always the
// sequential decoder's (TestParallelJSONLinesMatchSequential).

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"slices"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ordered"
)

// jsonChunkSize is the size JSON Lines are cut at: large enough that
// handing a chunk over costs nothing next to decoding it, small enough
// that the few in flight per worker add little to the memory.
const jsonChunkSize = 1 << 20

// jsonChunkGrowth is how many chunk sizes a chunk may grow to while no cut
// is found (a line longer than a chunk: the file exporter writes a whole
// batch, thousands of spans, on one line); past that, the rest of the input
// is read in order by one decoder, whose memory does not grow with the
// length of a line.
const jsonChunkGrowth = 16

// jsonChunk is a run of whole lines on its way through the pipeline.
type jsonChunk struct {
	buf     []byte
	part    jsonPart
	batches [][]dag.Span // the spans of each object, packed
	whole   []bool       // whether each batch holds whole traces (Options.WholeTraces)
	n       notices
	failed  bool // it did not decode on its own
}

// errChunkFailed stops the delivery at a chunk that failed to decode: the
// input is read on from it in order.
var errChunkFailed = errors.New("a chunk of JSON Lines did not decode on its own")

// chunkWorker is what decoding one chunk at a time needs: a decoder whose
// scratch memory and string table are reused, and a packer.
type chunkWorker struct {
	d      *jsonDecoder
	packer dag.Packer
}

func (w *chunkWorker) decode(s *streamReader, c *jsonChunk) {
	err := w.d.decodeChunk(c.buf, c.part, s.name, s.maxFrame, &c.n, func(spans []dag.SpanData, whole bool) error {
		c.batches = append(c.batches, w.packer.Pack(spans))
		c.whole = append(c.whole, whole)
		return nil
	})
	c.failed = err != nil
}

func newChunkPipeline(s *streamReader, workers int) *ordered.Pipeline[*jsonChunk] {
	return ordered.New(ordered.Config[*jsonChunk]{
		Workers: workers,
		New: func() *jsonChunk {
			c := new(jsonChunk)
			if bufs := s.chunkBufs; bufs != nil && len(*bufs) > 0 {
				c.buf = (*bufs)[len(*bufs)-1]
				*bufs = (*bufs)[:len(*bufs)-1]
			}
			return c
		},
		Worker: func() func(*jsonChunk) {
			w := &chunkWorker{d: newJSONDecoder()}
			return func(c *jsonChunk) { w.decode(s, c) }
		},
		Deliver: func(c *jsonChunk) error {
			if c.failed {
				return errChunkFailed // its notices are the decoder's that reads on
			}
			s.n.merge(&c.n)
			for i, b := range c.batches {
				if err := s.deliverPackedJSON(b, c.whole[i]); err != nil {
					return err
				}
			}
			return nil
		},
		Recycle: func(c *jsonChunk) {
			clear(c.batches) // the batches are fn's now
			*c = jsonChunk{buf: c.buf[:0], batches: c.batches[:0], whole: c.whole[:0]}
		},
	})
}

// readJSON reads a stream of JSON objects (readJSONStream), cut into
// chunks decoded on every core when there is more than one.
func (s *streamReader) readJSON(r io.Reader) error {
	workers := s.workers()
	if workers <= 1 {
		return readJSONObjects(r, s.name, s.maxFrame, s.n, s.deliverJSON)
	}
	size := cmp.Or(s.chunkSize, jsonChunkSize)
	// No object is larger than maxFrame: a chunk that grows past that
	// without a cut holds an error, which reading in order reports.
	sp := &jsonSplitter{r: r, size: size, limit: min(jsonChunkGrowth*size, size+s.maxFrame)}
	p := newChunkPipeline(s, workers)
	defer func() {
		for _, c := range p.Stop() {
			if b := c.buf[:0]; cap(b) <= 2*size && s.chunkBufs != nil {
				*s.chunkBufs = append(*s.chunkBufs, b)
			}
		}
	}()
	part := jsonPart{line: 1, first: true}
	for !part.last {
		c := p.Get()
		var ok, live bool
		c.buf, part.last, live, ok = sp.next(c.buf)
		if !ok {
			return s.readJSONRest(p, part, c.buf, sp.rest())
		}
		if len(c.buf) == 0 {
			p.Drop(c)
			break
		}
		c.part = part
		next := part.line + bytes.Count(c.buf, newline) // before a worker may recycle c
		if err := p.Submit(c); err != nil {
			return s.readJSONRest(p, part, c.buf, sp.rest())
		}
		part = jsonPart{line: next}
		if live {
			// The writer may be waiting for what it wrote to be read:
			// settle every chunk before reading (and maybe waiting) on,
			// reading on in order at once if one was cut wrongly.
			if err := p.Drain(); err != nil {
				return s.readJSONRest(p, part, nil, sp.rest())
			}
		}
	}
	if err := p.Drain(); err != nil {
		return s.readJSONRest(p, part, nil, sp.rest())
	}
	return nil
}

// readJSONRest waits for the chunks in flight and, if one failed, reads
// the input on from it with one decoder: that chunk and the ones after it,
// then held (read, and not submitted), then rest. When none failed, it
// reads held and rest, which start at part, the same way.
func (s *streamReader) readJSONRest(p *ordered.Pipeline[*jsonChunk], part jsonPart, held []byte, rest io.Reader) error {
	err := p.Drain()
	var parts []io.Reader
	switch {
	case errors.Is(err, errChunkFailed):
		failed := p.Undelivered()
		part = failed[0].part
		for _, c := range failed {
			parts = append(parts, bytes.NewReader(c.buf))
		}
	case err != nil:
		return err
	}
	p.Stop()
	if s.readOn != nil {
		s.readOn(part.line)
	}
	part.last = true
	parts = append(parts, bytes.NewReader(held), rest)
	return readJSONPart(io.MultiReader(parts...), part, s.name, s.maxFrame, s.n, s.deliverJSON)
}

// jsonSplitter cuts a JSON stream into chunks of whole lines.
type jsonSplitter struct {
	r     io.Reader
	size  int    // the chunk size aimed at
	limit int    // the largest chunk: with no cut in it, splitting stops
	carry []byte // read past the last cut: the start of the next chunk
	eof   bool
	err   error // the read error that ends the input, after the bytes before it
}

// next returns the next chunk, in buf's memory: whole lines up to a cut
// (see lastCut) once size bytes are in, or, when a read comes back short
// (a pipe, a file being written), up to the end of what arrived if that
// ends a line after a value, so that a live stream is decoded as it comes.
// last reports the end of the input (the chunk may then be empty), live a
// chunk cut where a read came back short. ok is
// false when no chunk can be cut (a read error, or no cut in limit bytes):
// chunk then holds what was read, to be read on in order.
func (sp *jsonSplitter) next(buf []byte) (chunk []byte, last, live, ok bool) {
	buf = append(buf[:0], sp.carry...)
	sp.carry = sp.carry[:0]
	searched, target := 0, sp.size
	for !sp.eof && sp.err == nil {
		if len(buf) >= target {
			if cut := lastCut(buf, searched); cut > 0 {
				sp.carry = append(sp.carry, buf[cut:]...)
				return buf[:cut], false, false, true
			}
			if len(buf) >= sp.limit {
				return buf, false, false, false
			}
			searched = trailingSpace(buf) // the line ends before it are not cuts
			target = len(buf) + sp.size
		}
		buf = slices.Grow(buf, target-len(buf))
		want := target - len(buf)
		n := sp.read(buf[len(buf):target])
		buf = buf[:len(buf)+n]
		if n > 0 && n < want && !sp.eof && endsValueLine(buf) {
			return buf, false, true, true
		}
	}
	if sp.err != nil {
		return buf, false, false, false
	}
	return buf, true, false, true
}

// read reads once into p, recording the end of the input.
func (sp *jsonSplitter) read(p []byte) int {
	for range 100 {
		n, err := sp.r.Read(p)
		switch {
		case err == io.EOF:
			sp.eof = true
		case err != nil:
			sp.err = err
		}
		if n > 0 || err != nil {
			return n
		}
	}
	sp.err = io.ErrNoProgress // as readJSONPart's fill
	return 0
}

// rest is the input after the chunks handed out: the carry, then the
// reader (or its error, again).
func (sp *jsonSplitter) rest() io.Reader {
	var r io.Reader
	switch {
	case sp.err != nil:
		r = errReader{sp.err}
	case sp.eof:
		r = bytes.NewReader(nil)
	default:
		r = sp.r
	}
	return io.MultiReader(bytes.NewReader(sp.carry), r)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// lastCut returns the end of the last line break in buf[from:] after
// which a new top-level value may start: the last non-space byte before
// it is '}' or ']', and the first one after it (in buf) is '{' or '['.
// 0 means none. It looks at each byte at most twice.
func lastCut(buf []byte, from int) int {
	next := -1 // the first non-space byte after the line break looked at
	end := len(buf)
	for end > from {
		j := bytes.LastIndexByte(buf[from:end], '\n')
		if j < 0 {
			return 0
		}
		j += from
		k := j + 1
		for k < end && isSpace(buf[k]) {
			k++
		}
		if k < end {
			next = k
		}
		end = j
		if next < 0 || buf[next] != '{' && buf[next] != '[' {
			continue
		}
		m := j - 1
		for m >= 0 && isSpace(buf[m]) {
			m--
		}
		if m < 0 {
			return 0
		}
		if buf[m] == '}' || buf[m] == ']' {
			return j + 1
		}
		end = m + 1 // the line breaks between m and j have the same neighbours
	}
	return 0
}

// trailingSpace returns where the white space at the end of buf starts.
func trailingSpace(buf []byte) int {
	t := len(buf)
	for t > 0 && isSpace(buf[t-1]) {
		t--
	}
	return t
}

// endsValueLine reports whether buf ends with a line that looks like the
// end of a top-level value: it starts at its first column with '{', '[',
// '}' or ']' (JSON Lines, or a pretty-printed object's closing brace, where
// a nested one is indented) and ends with '}' or ']' and a line break —
// where a writer of JSON Lines pauses. (A wrong guess costs reading on in
// order, never a wrong result.)
func endsValueLine(buf []byte) bool {
	t := trailingSpace(buf)
	if t == 0 || buf[t-1] != '}' && buf[t-1] != ']' || bytes.IndexByte(buf[t:], '\n') < 0 {
		return false
	}
	switch buf[bytes.LastIndexByte(buf[:t], '\n')+1] {
	case '{', '[', '}', ']':
		return true
	}
	return false
}
