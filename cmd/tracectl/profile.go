package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/tracectl/tracectl/internal/termstr"
)

// profileEnv names a file for a CPU profile of the whole run (hidden: for
// bench/scale.sh's profile summary, not for users). Set, the profile covers
// everything from flag parsing to the last byte written.
const profileEnv = "TRACECTL_CPUPROFILE"

// startProfile starts the CPU profile $TRACECTL_CPUPROFILE asks for and
// returns what stops it; a profile that cannot start is reported on errw
// and the run goes on without it.
func startProfile(errw io.Writer) (stop func()) {
	path := os.Getenv(profileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(errw, "tracectl: $%s: %s\n", profileEnv, termstr.Text(err.Error()))
		if f != nil {
			f.Close()
		}
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(errw, "tracectl: $%s: %s\n", profileEnv, termstr.Text(err.Error()))
		}
	}
}
