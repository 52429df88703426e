package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
)

// Profiling hooks for performance work, set by environment variables so
// they never show up among a command's flags:
//
//	TRACECTL_CPUPROFILE=FILE  write a CPU profile of the whole run
//	TRACECTL_MEMPROFILE=FILE  write a heap profile at exit: inuse_* as of
//	                          the last GC (not forced, so near the peak),
//	                          alloc_* everything allocated
//	TRACECTL_GCSTATS=1        print the GC's share of the CPU time on stderr
//	                          at exit (runtime/metrics' /cpu/classes/...)
//
// startProfiling starts what the environment asks for and returns the
// function that finishes it.
func startProfiling(errw io.Writer) (stop func()) {
	var stops []func()
	if path := os.Getenv("TRACECTL_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(errw, "tracectl: TRACECTL_CPUPROFILE:", err)
		} else {
			stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
		}
	}
	if path := os.Getenv("TRACECTL_MEMPROFILE"); path != "" {
		stops = append(stops, func() {
			f, err := os.Create(path)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(errw, "tracectl: TRACECTL_MEMPROFILE:", err)
			}
		})
	}
	if os.Getenv("TRACECTL_GCSTATS") != "" {
		stops = append(stops, func() { printGCStats(errw) })
	}
	return func() {
		for _, f := range stops {
			f()
		}
	}
}

// printGCStats prints the CPU time the GC took against all CPU time of
// the process so far, as the runtime estimates them: all of it, and
// without the marking done on otherwise idle processors (which costs no
// other work its CPU).
func printGCStats(w io.Writer) {
	s := []metrics.Sample{
		{Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/cpu/classes/gc/mark/idle:cpu-seconds"},
		{Name: "/cpu/classes/total:cpu-seconds"},
		{Name: "/cpu/classes/idle:cpu-seconds"},
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/gc/heap/allocs:bytes"},
	}
	metrics.Read(s)
	gc, idleMark, total, idle := s[0].Value.Float64(), s[1].Value.Float64(), s[2].Value.Float64(), s[3].Value.Float64()
	busy := total - idle
	pct := func(x float64) float64 {
		if busy <= 0 {
			return 0
		}
		return 100 * x / busy
	}
	fmt.Fprintf(w, "tracectl: gc %.2fs of %.2fs busy CPU (%.1f%%; %.1f%% without idle-time marking), %d cycles, %d MiB allocated, GOMAXPROCS %d\n",
		gc, busy, pct(gc), pct(gc-idleMark), s[4].Value.Uint64(), s[5].Value.Uint64()>>20, runtime.GOMAXPROCS(0))
}
