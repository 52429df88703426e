package spill

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/tracectl/tracectl/internal/dag"
)

// Part is one partition written to disk.
type Part struct {
	Path  string
	Bytes int64
	Spans int
	depth int // how many times its spans were split before
}

// partition returns which of n partitions a trace id belongs to. The seed
// changes the assignment, so a partition too big for memory can be split
// again by a different hash.
func partition(id dag.TraceID, seed uint64, n int) int {
	h := binary.LittleEndian.Uint64(id[:8]) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(id[8:]), 29) ^ seed
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	hi, _ := bits.Mul64(h, uint64(n))
	return int(hi)
}

// dictionary gives resources and scopes ids by content, so a file defines
// each distinct one once however many batches repeat it. Decoders make a
// new *Resource per message; the pointer cache saves encoding the same one
// again for every span of a batch. It is cleared after each batch: a
// decoded resource's strings may point into the input buffer it came from,
// which a pointer kept here would keep alive.
type dictionary struct {
	gen    int // bumped when the dictionary starts over
	res    shared[dag.Resource]
	scopes shared[dag.Scope]
}

type shared[T any] struct {
	byPtr     map[*T]uint64
	byContent map[string]uint64
	defs      [][]byte // encoded content, by id
	bytes     int
}

// Bounds of the dictionary (content bytes, pointer cache entries): past
// them it starts over, and files define again what they use.
// maxDictBytes bounds the dictionary's content bytes (a variable so tests
// can make it start over).
var maxDictBytes = 32 << 20

// ref returns p's id+1 (0 for nil), and whether the dictionary started
// over to make room.
func (s *shared[T]) ref(p *T, encode func(*encoder, *T)) (uint64, bool) {
	if p == nil {
		return 0, false
	}
	if id, ok := s.byPtr[p]; ok {
		return id + 1, false
	}
	var e encoder
	encode(&e, p)
	reset := false
	id, ok := s.byContent[string(e.b)]
	if !ok {
		if s.bytes+len(e.b) > maxDictBytes {
			s.clear()
			reset = true
		}
		id = uint64(len(s.defs))
		s.defs = append(s.defs, e.b)
		s.byContent[string(e.b)] = id
		s.bytes += len(e.b)
	}
	s.byPtr[p] = id
	return id + 1, reset
}

func (s *shared[T]) clear() {
	s.byPtr = make(map[*T]uint64)
	s.byContent = make(map[string]uint64)
	s.defs, s.bytes = nil, 0
}

// fileWriter writes records to one spill file.
type fileWriter struct {
	path  string
	f     *os.File
	w     *bufio.Writer
	bytes int64
	spans int
	gen   int
	have  [2]bitset // resource and scope ids defined in this file
}

type bitset []uint64

func (b *bitset) has(i uint64) bool { return int(i/64) < len(*b) && (*b)[i/64]&(1<<(i%64)) != 0 }

func (b *bitset) set(i uint64) {
	for int(i/64) >= len(*b) {
		*b = append(*b, 0)
	}
	(*b)[i/64] |= 1 << (i % 64)
}

func createFile(path string) (*fileWriter, error) {
	fw := &fileWriter{path: path}
	return fw, fw.open()
}

// open creates the file (a partition's, at its first span: most of the
// partitions of a small split may get none).
func (fw *fileWriter) open() error {
	f, err := os.OpenFile(fw.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return diskError(err)
	}
	fw.f, fw.w = f, bufio.NewWriterSize(f, 32<<10)
	return nil
}

func (fw *fileWriter) write(b []byte) error {
	if fw.f == nil {
		if err := fw.open(); err != nil {
			return err
		}
	}
	n, err := fw.w.Write(b)
	fw.bytes += int64(n)
	return diskError(err)
}

// define writes the definitions of the resource and scope refs that this
// file does not have yet.
func (fw *fileWriter) define(d *dictionary, res, scope uint64, hdr *encoder) error {
	if fw.gen != d.gen {
		fw.gen, fw.have = d.gen, [2]bitset{}
	}
	for k, ref := range [2]uint64{res, scope} {
		if ref == 0 || fw.have[k].has(ref-1) {
			continue
		}
		fw.have[k].set(ref - 1)
		def := d.res.defs
		tag := byte(tagResource)
		if k == 1 {
			def, tag = d.scopes.defs, tagScope
		}
		hdr.b = append(hdr.b[:0], tag)
		hdr.uvarint(ref - 1)
		hdr.uvarint(uint64(len(def[ref-1])))
		if err := fw.write(hdr.b); err != nil {
			return err
		}
		if err := fw.write(def[ref-1]); err != nil {
			return err
		}
	}
	return nil
}

func (fw *fileWriter) close() error {
	if fw.f == nil {
		return nil
	}
	err := fw.w.Flush()
	if cerr := fw.f.Close(); err == nil {
		err = cerr
	}
	return diskError(err)
}

// diskError says what to do when the spill disk is full.
func diskError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("spilling to disk: %w (free space there, point --spill-dir or $TMPDIR at a bigger disk, or raise --max-memory)", err)
	}
	return err
}

// spanWriter encodes spans into spill files, sharing one dictionary.
type spanWriter struct {
	dict     dictionary
	enc, hdr encoder
}

func newSpanWriter() *spanWriter {
	w := &spanWriter{}
	w.dict.res.clear()
	w.dict.scopes.clear()
	return w
}

// forget clears the pointer caches (see dictionary).
func (w *spanWriter) forget() {
	clear(w.dict.res.byPtr)
	clear(w.dict.scopes.byPtr)
}

// encode encodes s as a span record in w.enc, after writing to fw any
// definitions it needs.
func (w *spanWriter) encode(fw *fileWriter, s *dag.Span) error {
	res, r1 := w.dict.res.ref(s.Resource(), (*encoder).resource)
	scope, r2 := w.dict.scopes.ref(s.Scope(), (*encoder).scope)
	if r1 || r2 {
		w.dict.gen++ // ids restart: every file forgets what it had defined
	}
	if err := fw.define(&w.dict, res, scope, &w.hdr); err != nil {
		return err
	}
	w.hdr.b = w.hdr.b[:0]
	w.enc.b = w.enc.b[:0]
	w.enc.span(s, res, scope)
	return nil
}

// appendRecord appends w.enc as a span record to b.
func (w *spanWriter) appendRecord(b []byte) []byte {
	b = append(b, tagSpan)
	b = binary.AppendUvarint(b, uint64(len(w.enc.b)))
	return append(b, w.enc.b...)
}

// partitioner spreads spans over n files by trace id.
type partitioner struct {
	sw    *spanWriter
	files []*fileWriter
	seed  uint64
	depth int
	rec   []byte
}

func newPartitioner(dir, prefix string, n int, seed uint64, depth int) *partitioner {
	p := &partitioner{sw: newSpanWriter(), seed: seed, depth: depth}
	for i := range n {
		p.files = append(p.files, &fileWriter{path: filepath.Join(dir, prefix+strconv.Itoa(i))})
	}
	return p
}

func (p *partitioner) add(batch []dag.Span) error {
	defer p.sw.forget()
	for i := range batch {
		s := &batch[i]
		fw := p.files[partition(s.TraceID, p.seed, len(p.files))]
		if err := p.sw.encode(fw, s); err != nil {
			return err
		}
		p.rec = p.sw.appendRecord(p.rec[:0])
		if err := fw.write(p.rec); err != nil {
			return err
		}
		fw.spans++
	}
	return nil
}

// finish closes every file and returns the partitions that hold spans (the
// empty ones are removed).
func (p *partitioner) finish() ([]Part, error) {
	var parts []Part
	var err error
	for _, fw := range p.files {
		if cerr := fw.close(); cerr != nil && err == nil {
			err = cerr
		}
		if fw.spans == 0 {
			if fw.f != nil {
				os.Remove(fw.path)
			}
			continue
		}
		parts = append(parts, Part{Path: fw.path, Bytes: fw.bytes, Spans: fw.spans, depth: p.depth})
	}
	p.files = nil
	return parts, err
}

// abort closes and removes every file.
func (p *partitioner) abort() {
	for _, fw := range p.files {
		if fw.f != nil {
			fw.f.Close()
			os.Remove(fw.path)
		}
	}
	p.files = nil
}
