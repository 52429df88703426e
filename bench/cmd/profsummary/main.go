// Command profsummary condenses a CPU profile of tracectl (written with
// $TRACECTL_CPUPROFILE) into where the time went, by stage: garbage
// collection, reading, decoding, tree building, analysis, rendering, the
// command's own wiring and the rest of the runtime. bench/scale.sh prints
// it for one run of each command.
//
// A sample is GC when any frame of its stack is the collector's (marking,
// assists, sweeping, write barriers); reading or writing when it is in a
// read or write system call; otherwise it belongs to the innermost frame
// of tracectl's own code, by package — and in internal/dag by file: the
// checks are analysis, the duration formatting is rendering, building and
// indexing trees is tree building, and the span model itself (storage,
// accessors, values, ids) is charged to its caller: packing spans to the
// decoder, reading them to the analysis. Allocation is charged to the code
// that allocates.
//
// Usage:
//
//	profsummary [-top N] PROFILE...
package main

import (
	"cmp"
	"flag"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

const module = "github.com/tracectl/tracectl/"

// stages in the order printed.
var stages = []string{"decode", "read", "GC", "tree building", "analysis", "rendering", "write", "wiring (cmd)", "runtime", "other"}

// gcFrames are the collector's functions: a stack through any of them is GC work.
var gcFrames = []string{
	"runtime.gcBgMarkWorker", "runtime.gcAssistAlloc", "runtime.gcDrain", "runtime.scanobject", "runtime.markroot",
	"runtime.bgsweep", "runtime.sweepone", "runtime.(*sweepLocked).sweep", "runtime.bgscavenge", "runtime.wbBufFlush",
	"runtime.gcStart", "runtime.gcMarkDone", "runtime.gcMarkTermination", "runtime.GC",
}

func main() {
	top := flag.Int("top", 8, "also list the N functions with the most samples of their own (0: none)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: profsummary [-top N] PROFILE...")
		os.Exit(2)
	}
	for _, p := range flag.Args() {
		if err := summarize(p, *top); err != nil {
			fmt.Fprintf(os.Stderr, "profsummary: %s: %v\n", p, err)
			os.Exit(1)
		}
	}
}

func summarize(file string, top int) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	prof, err := profile.Parse(f)
	if err != nil {
		return err
	}
	cpu := slices.IndexFunc(prof.SampleType, func(t *profile.ValueType) bool { return t.Type == "cpu" })
	if cpu < 0 {
		return fmt.Errorf("not a CPU profile")
	}
	byStage := map[string]int64{}
	flat := map[string]int64{}
	var total int64
	for _, s := range prof.Sample {
		v := s.Value[cpu]
		total += v
		byStage[stageOf(s)] += v
		if len(s.Location) > 0 && len(s.Location[0].Line) > 0 {
			flat[s.Location[0].Line[0].Function.Name] += v
		}
	}
	if total == 0 {
		return fmt.Errorf("no samples")
	}
	fmt.Printf("%s: %.2fs CPU in %.2fs\n", path.Base(file), float64(total)/1e9, float64(prof.DurationNanos)/1e9)
	for _, st := range stages {
		if v := byStage[st]; v > 0 {
			fmt.Printf("  %-14s %5.1f%%  %6.2fs\n", st, 100*float64(v)/float64(total), float64(v)/1e9)
		}
	}
	if top > 0 {
		names := make([]string, 0, len(flat))
		for n := range flat {
			names = append(names, n)
		}
		slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(flat[b], flat[a]), cmp.Compare(a, b)) })
		fmt.Printf("  top functions (own samples):")
		for _, n := range names[:min(top, len(names))] {
			fmt.Printf(" %s %.1f%%;", strings.TrimPrefix(n, module), 100*float64(flat[n])/float64(total))
		}
		fmt.Println()
	}
	return nil
}

// stageOf returns the stage a sample's stack belongs to.
func stageOf(s *profile.Sample) string {
	stage := ""
	io := ""
	model := false                   // under the span model's own code, charged to its caller
	for _, loc := range s.Location { // innermost first
		for _, ln := range loc.Line {
			name := ln.Function.Name
			if slices.Contains(gcFrames, name) {
				return "GC"
			}
			switch {
			case io != "" || stage != "":
			case name == "syscall.read" || name == "internal/poll.(*FD).Read":
				io = "read"
			case name == "syscall.write" || name == "internal/poll.(*FD).Write":
				io = "write"
			case strings.HasPrefix(name, module):
				stage = stageOfFrame(name, ln.Function.Filename)
				if stage == "" {
					model = true
				}
			}
		}
	}
	switch {
	case io != "":
		return io
	case stage != "":
		return stage
	case model:
		return "other"
	case len(s.Location) > 0 && len(s.Location[0].Line) > 0 && strings.HasPrefix(s.Location[0].Line[0].Function.Name, "runtime."):
		return "runtime"
	}
	return "other"
}

// stageOfFrame returns the stage of a frame of tracectl's code, "" for the
// span model's, which belongs to its caller's stage.
func stageOfFrame(name, file string) string {
	pkg := strings.TrimPrefix(name, module)
	pkg = pkg[:strings.IndexAny(pkg+".", ".")]
	switch pkg {
	case "internal/ingest":
		return "decode"
	case "internal/dag":
		switch path.Base(file) {
		case "check.go", "skew.go", "finding.go", "summary.go":
			return "analysis"
		case "format.go":
			return "rendering"
		case "build.go", "tree.go", "traces.go", "idindex.go", "join.go", "async.go":
			return "tree building"
		}
		return ""
	case "internal/critpath", "internal/check", "internal/query", "internal/stats", "internal/diff", "internal/pii":
		return "analysis"
	case "internal/render", "internal/termstr", "internal/jsonstr":
		return "rendering"
	case "cmd/tracectl":
		return "wiring (cmd)"
	}
	return "other"
}
