// Package testenv is what tests need to know about their environment: where
// the shared conformance data (real files written by other tools, in
// ../shared/conformance beside the repository) lives, and what a test does
// when it is absent. Outside CI it skips with a message that says so (make
// test sums the skips up); under CI (CI=true, as GitHub Actions, GitLab and
// most CI systems set it) it fails, so CI never passes with less coverage
// than it claims. Model: the Go tree's internal/testenv (MustHaveExec and
// friends). Only tests import it.
package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// SkipConformance is the message of every test skipped for want of the
// conformance data; make test groups skips by message.
const SkipConformance = "conformance data absent: ../shared/conformance is not beside the repository (or set TRACECTL_CONFORMANCE; CI=true makes this a failure)"

// ConformanceDir is the absolute path of ../shared/conformance, found from
// this file's location so it does not depend on the test's directory;
// $TRACECTL_CONFORMANCE, when set, points elsewhere.
func ConformanceDir() string {
	if dir := os.Getenv("TRACECTL_CONFORMANCE"); dir != "" {
		return dir
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("..", "..", "..", "shared", "conformance")
	}
	// file is <repo>/internal/testenv/testenv.go.
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "conformance")
}

// InCI reports whether the tests run under CI: CI set to a true value.
func InCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// HaveConformance reports whether the conformance data is there.
func HaveConformance() bool {
	fi, err := os.Stat(ConformanceDir())
	return err == nil && fi.IsDir()
}

// MustHaveConformance returns the conformance directory, or skips the test
// (outside CI) or fails it (under CI) when the data is absent.
func MustHaveConformance(tb testing.TB) string {
	tb.Helper()
	if !HaveConformance() {
		if InCI() {
			tb.Fatalf("CI=true but the conformance data is missing at %s: CI must not silently lose coverage", ConformanceDir())
		}
		tb.Skip(SkipConformance)
	}
	return ConformanceDir()
}

// ConformanceFile returns the path of rel (slash-separated) inside the
// conformance data, skipping or failing as MustHaveConformance does when
// the data is absent. A file missing from data that is there fails the
// test: the data set is incomplete, which no skip should hide.
func ConformanceFile(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(MustHaveConformance(tb), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("conformance data is incomplete: %v", err)
	}
	return p
}

// ReadConformance returns the contents of ConformanceFile(tb, rel).
func ReadConformance(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(ConformanceFile(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
