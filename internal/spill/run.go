package spill

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/tracectl/tracectl/internal/dag"
)

// reader reads a spill file back, record by record.
type reader struct {
	path   string
	f      *os.File
	br     *bufio.Reader
	t      *table
	intern map[string]string
	off    int64
}

func openReader(path string) (*reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &reader{path: path, f: f, br: bufio.NewReaderSize(f, 32<<10), t: newTable(), intern: make(map[string]string)}, nil
}

func (r *reader) close() { r.f.Close() }

func (r *reader) corrupt(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = errCorrupt
	}
	return fmt.Errorf("%s: byte %d: %w", r.path, r.off, err)
}

func (r *reader) uvarint() (uint64, error) {
	v, err := binary.ReadUvarint(r.br)
	if err == nil {
		r.off += int64(uvarintLen(v))
	}
	return v, err
}

func uvarintLen(v uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], v)
}

// readN appends the next n bytes to b.
func (r *reader) readN(b []byte, n uint64) ([]byte, error) {
	if n > 1<<31 {
		return b, errCorrupt
	}
	b = slices.Grow(b, int(n))
	m, err := io.ReadFull(r.br, b[len(b):len(b)+int(n)])
	r.off += int64(m)
	return b[:len(b)+m], err
}

// next reads records until a batch of about batchBytes of spans, or one
// trace record of a sorted run, is complete, and decodes it. It returns
// io.EOF at the end of the file; key is set for a trace record.
func (r *reader) next(batchBytes int) (spans []dag.Span, key *Key, err error) {
	var chunk []byte
	for len(chunk) < max(batchBytes, 1) {
		tag, err := r.br.ReadByte()
		if err == io.EOF && len(chunk) > 0 {
			break
		}
		if err != nil {
			if err == io.EOF {
				return nil, nil, io.EOF
			}
			return nil, nil, r.corrupt(err)
		}
		r.off++
		switch tag {
		case tagResource, tagScope:
			id, err := r.uvarint()
			if err != nil {
				return nil, nil, r.corrupt(err)
			}
			n, err := r.uvarint()
			if err != nil {
				return nil, nil, r.corrupt(err)
			}
			def, err := r.readN(nil, n)
			if err != nil {
				return nil, nil, r.corrupt(err)
			}
			d := newDecoder(def, r.intern)
			if tag == tagResource {
				r.t.res[id] = d.resource()
			} else {
				r.t.scopes[id] = d.scope()
			}
			if d.err != nil || d.off != len(def) {
				return nil, nil, r.corrupt(errCorrupt)
			}
		case tagSpan:
			n, err := r.uvarint()
			if err != nil {
				return nil, nil, r.corrupt(err)
			}
			chunk = append(chunk, tagSpan)
			chunk = binary.AppendUvarint(chunk, n)
			if chunk, err = r.readN(chunk, n); err != nil {
				return nil, nil, r.corrupt(err)
			}
		case tagTrace:
			if len(chunk) > 0 {
				return nil, nil, r.corrupt(errCorrupt)
			}
			k := &Key{}
			if k.Start, err = r.uvarint(); err == nil {
				_, err = io.ReadFull(r.br, k.TraceID[:])
				r.off += int64(len(k.TraceID))
			}
			var n, size uint64
			if err == nil {
				n, err = r.uvarint()
			}
			if err == nil {
				size, err = r.uvarint()
			}
			if err == nil {
				chunk, err = r.readN(nil, size)
			}
			if err != nil {
				return nil, nil, r.corrupt(err)
			}
			spans, err := newDecoder(chunk, r.intern).records(r.t, make([]dag.Span, 0, n))
			if err != nil {
				return nil, nil, r.corrupt(err)
			}
			return spans, k, nil
		default:
			return nil, nil, r.corrupt(errCorrupt)
		}
	}
	spans, err = newDecoder(chunk, r.intern).records(r.t, nil)
	if err != nil {
		return nil, nil, r.corrupt(err)
	}
	return spans, nil, nil
}

// Key orders the traces of sorted runs: by start time, then trace id, the
// order of the file commands' output.
type Key struct {
	Start   uint64
	TraceID dag.TraceID
}

// Compare orders keys by start, then trace id.
func (k Key) Compare(o Key) int {
	if c := cmp.Compare(k.Start, o.Start); c != 0 {
		return c
	}
	return slices.Compare(k.TraceID[:], o.TraceID[:])
}

// RunWriter writes one sorted run: whole traces, in Key order, each with
// its spans, so that Merge can hand traces back in Key order across runs.
type RunWriter struct {
	fw   *fileWriter
	sw   *spanWriter
	body []byte
	hdr  encoder
	last *Key
}

// Add appends one trace with key k, which must not sort before the
// previous one.
func (w *RunWriter) Add(k Key, spans []*dag.Span) error {
	if w.last != nil && k.Compare(*w.last) < 0 {
		return errors.New("spill: run written out of order")
	}
	w.last = &k
	defer w.sw.forget()
	w.body = w.body[:0]
	for _, s := range spans {
		if err := w.sw.encode(w.fw, s); err != nil { // definitions go before the trace record
			return err
		}
		w.body = w.sw.appendRecord(w.body)
	}
	w.hdr.b = append(w.hdr.b[:0], tagTrace)
	w.hdr.uvarint(k.Start)
	w.hdr.b = append(w.hdr.b, k.TraceID[:]...)
	w.hdr.uvarint(uint64(len(spans)))
	w.hdr.uvarint(uint64(len(w.body)))
	if err := w.fw.write(w.hdr.b); err != nil {
		return err
	}
	if err := w.fw.write(w.body); err != nil {
		return err
	}
	w.fw.spans += len(spans)
	return nil
}

// runHeap orders the heads of the runs being merged.
type runHeap []*runHead

type runHead struct {
	r     *reader
	key   Key
	spans []dag.Span
}

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return h[i].key.Compare(h[j].key) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runHead)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// advance reads the next trace of a run; false at its end.
func (rh *runHead) advance() (bool, error) {
	spans, k, err := rh.r.next(0)
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if k == nil {
		return false, rh.r.corrupt(errCorrupt)
	}
	rh.key, rh.spans = *k, spans
	return true, nil
}

// merge reads the runs at paths together and calls fn with every trace in
// Key order. Only the head trace of each run is in memory.
func merge(paths []string, fn func(Key, []dag.Span) error) error {
	var h runHeap
	defer func() {
		for _, rh := range h {
			rh.r.close()
		}
	}()
	for _, p := range paths {
		r, err := openReader(p)
		if err != nil {
			return err
		}
		rh := &runHead{r: r}
		ok, err := rh.advance()
		if err != nil || !ok {
			r.close()
			if err != nil {
				return err
			}
			continue
		}
		h = append(h, rh)
	}
	heap.Init(&h)
	for len(h) > 0 {
		rh := h[0]
		if err := fn(rh.key, rh.spans); err != nil {
			return err
		}
		ok, err := rh.advance()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
			continue
		}
		heap.Pop(&h)
		rh.r.close()
	}
	return nil
}
