package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// DefaultPoll is how often a followed file is checked for new data.
const DefaultPoll = 250 * time.Millisecond

// Follower reads a file that another process keeps appending to, the way
// `tail -F` does: at the end of the data it waits for more instead of
// returning io.EOF, and it follows rotation. When the path comes to name a
// different file (the Collector's file exporter renamed the old one and
// created a new one), it first reads what is left of the old file and then
// continues at the start of the new one; when the file shrinks (truncated
// in place), it starts again from the beginning.
//
// Read returns io.EOF only once the context is done.
type Follower struct {
	ctx  context.Context
	path string
	poll time.Duration

	f    *os.File
	info os.FileInfo
	off  int64

	// Rotations counts switches to a new file, truncations included.
	Rotations int
}

// Follow opens path for following, from its first byte. When path does
// not exist yet (a Collector creates its file on the first write), Read
// waits for it to appear, as `tail -F` does. poll <= 0 means DefaultPoll.
func Follow(ctx context.Context, path string, poll time.Duration) (*Follower, error) {
	if poll <= 0 {
		poll = DefaultPoll
	}
	fl := &Follower{ctx: ctx, path: path, poll: poll}
	if err := fl.open(); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return fl, nil
}

// open opens path as the file being read, from its first byte.
func (fl *Follower) open() error {
	f, err := os.Open(fl.path)
	if err != nil {
		return err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return fmt.Errorf("%s: --follow needs a regular file (read pipes as - instead)", fl.path)
	}
	fl.f, fl.info, fl.off = f, info, 0
	return nil
}

// Read reads the next bytes, waiting for more when the file has none.
func (fl *Follower) Read(p []byte) (int, error) {
	for {
		if fl.ctx.Err() != nil {
			return 0, io.EOF
		}
		if fl.f == nil { // not created yet
			if err := fl.open(); err == nil {
				continue
			} else if !errors.Is(err, os.ErrNotExist) {
				return 0, err
			}
			if !fl.sleep() {
				return 0, io.EOF
			}
			continue
		}
		n, err := fl.f.Read(p)
		fl.off += int64(n)
		if n > 0 {
			return n, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("%s: %w", fl.path, err)
		}
		switched, err := fl.checkRotation()
		if err != nil {
			return 0, err
		}
		if switched {
			continue
		}
		if !fl.sleep() {
			return 0, io.EOF
		}
	}
}

// sleep waits one poll period; it reports false when the context ended.
func (fl *Follower) sleep() bool {
	t := time.NewTimer(fl.poll)
	defer t.Stop()
	select {
	case <-fl.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// checkRotation is called at the end of the current file's data. It
// reports whether reading should go on at once (in a new file, or from the
// start of a truncated one).
func (fl *Follower) checkRotation() (bool, error) {
	info, err := os.Stat(fl.path)
	if err != nil {
		// Between the rename and the creation of the new file the path may
		// be missing for a moment: wait for it.
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("%s: %w", fl.path, err)
	}
	if !os.SameFile(info, fl.info) {
		// Rotated. The old file was read to its end just now; bytes written
		// to it between that read and this check are read before switching.
		if rest, err := fl.f.Stat(); err == nil && rest.Size() > fl.off {
			return true, nil // more in the old file: read it first
		}
		old := fl.f
		if err := fl.open(); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return false, nil
			}
			return false, err
		}
		old.Close()
		fl.Rotations++
		return true, nil
	}
	if info.Size() < fl.off {
		if _, err := fl.f.Seek(0, io.SeekStart); err != nil {
			return false, fmt.Errorf("%s: %w", fl.path, err)
		}
		fl.off = 0
		fl.Rotations++
		return true, nil
	}
	return false, nil
}

// Close closes the file being read.
func (fl *Follower) Close() error {
	if fl.f == nil {
		return nil
	}
	return fl.f.Close()
}
