package spill

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tracectl/tracectl/internal/dag"
)

// Options configure a Spill.
type Options struct {
	// Dir is where the temporary directory is made; "" for os.TempDir
	// ($TMPDIR).
	Dir string
	// Budget is the memory one partition's analysis may use, in bytes.
	Budget int64
	// Expected is the expected size of everything spilled, in spill bytes
	// (0 when unknown, as for stdin): it sets the number of partitions.
	Expected int64
	// Reread keeps the partition files once read, so that Partitions can
	// be called again (a second pass over the same traces: diff --why).
	Reread bool
}

// Expansion is about how many bytes of memory analysing spans takes per
// byte of their spill encoding (decoded spans, trees, analysis state).
// Partitions are cut to Budget/Expansion bytes.
const Expansion = 4

// Spill partitions spans by trace id into temporary files, then hands them
// back a partition at a time; it can also write sorted runs and merge
// them. Remove deletes every file it made.
type Spill struct {
	dir   string
	part  int64 // largest partition wanted, in spill bytes
	p     *partitioner
	runs  []string
	seq   int
	split int // partitions split again for being too big
	// read lists the partitions read, in order, when they are kept for
	// another pass (Options.Reread); done is set once the first pass ended.
	reread bool
	read   []Part
	done   bool
}

// New makes the temporary directory and the partition files.
func New(opts Options) (*Spill, error) {
	parent := opts.Dir
	if parent == "" {
		parent = os.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "tracectl-spill-")
	if err != nil {
		return nil, fmt.Errorf("--spill-dir: %w", diskError(err))
	}
	s := &Spill{dir: dir, part: max(opts.Budget/Expansion, 1), reread: opts.Reread}
	n := 64
	if opts.Expected > 0 {
		n = int(min(opts.Expected/s.part+opts.Expected/s.part/4+1, 1024))
	}
	s.p = newPartitioner(dir, "p", max(n, 2), 0, 0)
	return s, nil
}

// Dir returns the temporary directory.
func (s *Spill) Dir() string { return s.dir }

// Add writes every span of batch to its trace's partition.
func (s *Spill) Add(batch []dag.Span) error { return s.p.add(batch) }

// Bytes returns how many bytes were spilled so far.
func (s *Spill) Bytes() int64 {
	var n int64
	for _, fw := range s.p.files {
		n += fw.bytes
	}
	return n
}

// Split returns how many partitions turned out too big and were split again.
func (s *Spill) Split() int { return s.split }

// maxSplitDepth bounds splitting: a single trace bigger than the budget
// cannot be split by trace id, however often it is tried.
const maxSplitDepth = 3

// Partitions closes the partition files and calls fn with the spans of
// each partition in turn, in batches (fn owns them), and its number k of
// n. Each partition holds whole traces. A partition bigger than the budget
// is first split again by another hash; one that still is (a trace bigger
// than the budget) is analysed as it is. Each file is removed once fn
// returns, unless Options.Reread keeps it: then a later call reads the same
// partitions again, in the same order.
func (s *Spill) Partitions(fn func(batches [][]dag.Span, k, n int) error) error {
	if s.done {
		return s.again(fn)
	}
	s.done = true
	queue, err := s.p.finish()
	if err != nil {
		return err
	}
	for k := 0; len(queue) > 0; {
		pt := queue[0]
		queue = queue[1:]
		if pt.Bytes > 2*s.part && pt.depth < maxSplitDepth {
			sub, err := s.resplit(pt)
			if err != nil {
				return err
			}
			if len(sub) > 1 {
				s.split++
				queue = append(sub, queue...)
				continue
			}
			pt = sub[0] // one trace: splitting cannot help
		}
		batches, err := readAll(pt.Path)
		if err != nil {
			return err
		}
		k++
		if err := fn(batches, k, k+len(queue)); err != nil {
			return err
		}
		if s.reread {
			s.read = append(s.read, pt)
		} else {
			os.Remove(pt.Path)
		}
	}
	return nil
}

// again reads the partitions kept by a first pass.
func (s *Spill) again(fn func(batches [][]dag.Span, k, n int) error) error {
	if !s.reread {
		return fmt.Errorf("spill: partitions read twice without Options.Reread")
	}
	for k, pt := range s.read {
		batches, err := readAll(pt.Path)
		if err != nil {
			return err
		}
		if err := fn(batches, k+1, len(s.read)); err != nil {
			return err
		}
	}
	return nil
}

// resplit spreads a partition's spans over new partitions by another hash.
func (s *Spill) resplit(pt Part) ([]Part, error) {
	s.seq++
	n := int(min(pt.Bytes/s.part+2, int64(pt.Spans), 1024))
	p := newPartitioner(s.dir, "s"+strconv.Itoa(s.seq)+"-", max(n, 2), uint64(pt.depth+1)*0x9e3779b97f4a7c15, pt.depth+1)
	r, err := openReader(pt.Path)
	if err != nil {
		p.abort()
		return nil, err
	}
	defer r.close()
	for {
		batch, _, err := r.next(1 << 20)
		if err == io.EOF {
			break
		}
		if err == nil {
			err = p.add(batch)
		}
		if err != nil {
			p.abort()
			return nil, err
		}
	}
	parts, err := p.finish()
	if err != nil {
		return nil, err
	}
	os.Remove(pt.Path)
	return parts, nil
}

// readAll reads a whole partition back, in batches of spans.
func readAll(path string) ([][]dag.Span, error) {
	r, err := openReader(path)
	if err != nil {
		return nil, err
	}
	defer r.close()
	var batches [][]dag.Span
	for {
		batch, _, err := r.next(4 << 20)
		if err == io.EOF {
			return batches, nil
		}
		if err != nil {
			return nil, err
		}
		batches = append(batches, batch)
	}
}

// NewRun starts a sorted run in the temporary directory; Merge reads it
// back once it is closed with CloseRun.
func (s *Spill) NewRun() (*RunWriter, error) {
	s.seq++
	fw, err := createFile(filepath.Join(s.dir, "r"+strconv.Itoa(s.seq)))
	if err != nil {
		return nil, err
	}
	s.runs = append(s.runs, fw.path)
	return &RunWriter{fw: fw, sw: newSpanWriter()}, nil
}

// CloseRun finishes a run.
func (s *Spill) CloseRun(w *RunWriter) error { return w.fw.close() }

// Merge calls fn with every trace of every run, in Key order.
func (s *Spill) Merge(fn func(Key, []dag.Span) error) error { return merge(s.runs, fn) }

// Remove deletes the temporary directory and everything in it.
func (s *Spill) Remove() error {
	if s.p != nil {
		s.p.abort()
	}
	return os.RemoveAll(s.dir)
}
