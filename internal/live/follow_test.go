package live

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFollow appends, rotates (rename + new file, as the Collector's file
// exporter does), truncates in place, and checks every line is read once,
// in order.
func TestFollow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "traces.json")
	appendFile(t, path, "a\nb\n")

	// The context bounds the test if a line never arrives.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fl, err := Follow(ctx, path, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(fl)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var got []string
	next := func(n int) {
		for range n {
			l, ok := <-lines
			if !ok {
				t.Fatalf("reader ended after %q", got)
			}
			got = append(got, l)
		}
	}
	next(2)
	appendFile(t, path, "c\n")
	next(1)

	// Rotation: the old file gets one more line after the rename, then a
	// new file appears at the path.
	if err := os.Rename(path, filepath.Join(dir, "traces-1.json")); err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(dir, "traces-1.json"), "d\n")
	appendFile(t, path, "e-longer-line\n")
	next(2)

	// Truncation in place (copytruncate), then content shorter than what
	// was read: as with tail -F, a file that regrows past the old offset
	// between two polls cannot be told from one that was appended to.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "f\n")
	next(1)

	cancel()
	if l, ok := <-lines; ok {
		t.Errorf("line %q after cancel", l)
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e-longer-line", "f"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if fl.Rotations != 2 {
		t.Errorf("Rotations = %d, want 2", fl.Rotations)
	}
}

func TestFollowNotRegular(t *testing.T) {
	if _, err := Follow(context.Background(), t.TempDir(), 0); err == nil {
		t.Error("Follow(directory) succeeded")
	}
}
