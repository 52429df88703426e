package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tracectl/tracectl/internal/testenv"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tracectl": func() {
			os.Exit(run(signalContext(), processStreams(), os.Args[1:]))
		},
	})
}

// TestScripts runs the CLI end to end: one testdata/script/*.txtar per
// behaviour. $CONFORMANCE points at ../shared/conformance, real files
// written by other tools; $EXAMPLES is testdata/examples, the files the
// README's examples read, so scripts can pin them.
func TestScripts(t *testing.T) { runScripts(t, "") }

// TestScriptsSpilled runs every script again with a memory budget so small
// that every file command spills its input to disk and analyses it a
// partition at a time: each script's expected output must not change.
func TestScriptsSpilled(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the scripts run once, in memory")
	}
	runScripts(t, "2KiB")
}

// runScripts runs testdata/script with $TRACECTL_MAX_MEMORY set to
// maxMemory (unset when "").
func runScripts(t *testing.T, maxMemory string) {
	conf := testenv.ConformanceDir()
	examples, err := filepath.Abs("../../testdata/examples")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		Cmds:          scriptCmds,
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("CONFORMANCE", conf)
			env.Setenv("EXAMPLES", examples) // the files README's examples use
			env.Setenv("NO_COLOR", "")
			if maxMemory != "" {
				env.Setenv("TRACECTL_MAX_MEMORY", maxMemory)
			}
			return nil
		},
		// [conformance]: the shared data is there. Under CI its absence
		// fails the script instead of skipping it (testenv's rule).
		Condition: func(cond string) (bool, error) {
			if cond == "conformance" {
				if testenv.HaveConformance() {
					return true, nil
				}
				if testenv.InCI() {
					return false, fmt.Errorf("CI=true but the conformance data is missing at %s", conf)
				}
				return false, nil
			}
			return false, nil
		},
	})
}
