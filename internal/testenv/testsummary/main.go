// Command testsummary reads `go test -json` on stdin and prints what `go
// test` would print (package results, and the full output of failing
// tests), then one line saying how many tests were skipped and why, grouped
// by the reason each test gave. A suite that is green with less coverage
// than it claims then says so. It exits 1 when any test or build failed.
//
//	go test -json ./... | go run ./internal/testenv/testsummary
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// logLine is a test's log output: "    file_test.go:12: message".
var logLine = regexp.MustCompile(`^\s+[\w.-]+\.go:\d+: (.*)$`)

type testKey struct{ pkg, test string }

// summary accumulates the events.
type summary struct {
	out     io.Writer
	outputs map[testKey][]string // a running test's output, printed if it fails
	skips   map[string][]string  // reason → tests
	failed  bool
}

func (s *summary) add(e event) {
	k := testKey{e.Package, e.Test}
	switch e.Action {
	case "output", "build-output":
		if e.Test != "" {
			s.outputs[k] = append(s.outputs[k], e.Output)
			return
		}
		if e.Output != "PASS\n" && !strings.HasPrefix(e.Output, "testing: warning: no tests to run") {
			fmt.Fprint(s.out, e.Output)
		}
	case "skip":
		if e.Test != "" {
			reason := "(no reason given)"
			for _, line := range s.outputs[k] {
				if m := logLine.FindStringSubmatch(strings.TrimRight(line, "\n")); m != nil {
					reason = m[1]
					break
				}
			}
			s.skips[reason] = append(s.skips[reason], e.Package+" "+e.Test)
		}
		delete(s.outputs, k)
	case "fail", "build-fail":
		s.failed = true
		for _, line := range s.outputs[k] {
			fmt.Fprint(s.out, line)
		}
		delete(s.outputs, k)
	case "pass":
		delete(s.outputs, k)
	}
}

// skipLine is the one-line account of the skips: count, then per reason
// (most frequent first) how many tests gave it.
func (s *summary) skipLine() string {
	if len(s.skips) == 0 {
		return "skipped: none"
	}
	reasons := make([]string, 0, len(s.skips))
	total := 0
	for r, tests := range s.skips {
		reasons = append(reasons, r)
		total += len(tests)
	}
	slices.SortFunc(reasons, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(s.skips[b]), len(s.skips[a])), cmp.Compare(a, b))
	})
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%d× %s", len(s.skips[r]), r)
	}
	noun := "tests"
	if total == 1 {
		noun = "test"
	}
	return fmt.Sprintf("skipped: %d %s — %s", total, noun, strings.Join(parts, "; "))
}

func run(in io.Reader, out io.Writer) (failed bool, err error) {
	s := &summary{out: out, outputs: map[testKey][]string{}, skips: map[string][]string{}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not an event (a build error printed outside -json by an
			// older go): pass it through.
			fmt.Fprintln(out, sc.Text())
			continue
		}
		s.add(e)
	}
	if err := sc.Err(); err != nil {
		return true, err
	}
	fmt.Fprintln(out, s.skipLine())
	return s.failed, nil
}

func main() {
	failed, err := run(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}
