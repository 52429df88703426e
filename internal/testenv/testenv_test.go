package testenv

import (
	"fmt"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatal instead of ending
// the test, so the policy can be checked from outside.
type recorder struct {
	testing.TB
	outcome string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	if r.outcome == "" {
		r.outcome = "skip: " + fmt.Sprint(args...)
	}
}
func (r *recorder) Fatalf(format string, args ...any) {
	if r.outcome == "" {
		r.outcome = "fatal: " + fmt.Sprintf(format, args...)
	}
}
func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

func TestMustHaveConformance(t *testing.T) {
	present, absent := t.TempDir(), filepath.Join(t.TempDir(), "nope")
	tests := []struct {
		dir, ci string
		want    string // the outcome's prefix; "" when the test runs on
	}{
		{present, "", ""},
		{present, "true", ""},
		{absent, "", "skip: " + SkipConformance},
		{absent, "false", "skip: conformance data absent"},
		{absent, "true", "fatal: CI=true but the conformance data is missing at " + absent},
		{absent, "1", "fatal: CI=true"},
	}
	for _, tt := range tests {
		t.Setenv("TRACECTL_CONFORMANCE", tt.dir)
		t.Setenv("CI", tt.ci)
		r := &recorder{TB: t}
		MustHaveConformance(r)
		if got := r.outcome; (tt.want == "" && got != "") || (tt.want != "" && (len(got) < len(tt.want) || got[:len(tt.want)] != tt.want)) {
			t.Errorf("dir %s, CI=%q: outcome %q, want %q", tt.dir, tt.ci, got, tt.want)
		}
	}
}

func TestConformanceFileIncomplete(t *testing.T) {
	t.Setenv("TRACECTL_CONFORMANCE", t.TempDir())
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	ConformanceFile(r, "otelcol-fileexporter/traces.json")
	if want := "fatal: conformance data is incomplete"; len(r.outcome) < len(want) || r.outcome[:len(want)] != want {
		t.Errorf("outcome %q, want %q…", r.outcome, want)
	}
}
