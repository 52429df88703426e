package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRun(t *testing.T) {
	const pkg = `"Package":"example.com/p"`
	in := strings.Join([]string{
		`{"Action":"run",` + pkg + `,"Test":"TestA"}`,
		`{"Action":"output",` + pkg + `,"Test":"TestA","Output":"=== RUN   TestA\n"}`,
		`{"Action":"output",` + pkg + `,"Test":"TestA","Output":"    a_test.go:9: conformance data absent\n"}`,
		`{"Action":"skip",` + pkg + `,"Test":"TestA"}`,
		`{"Action":"output",` + pkg + `,"Test":"TestB","Output":"    b_test.go:3: conformance data absent\n"}`,
		`{"Action":"skip",` + pkg + `,"Test":"TestB"}`,
		`{"Action":"output",` + pkg + `,"Test":"TestC","Output":"    c_test.go:1: set X=1 to run\n"}`,
		`{"Action":"skip",` + pkg + `,"Test":"TestC"}`,
		`{"Action":"output",` + pkg + `,"Test":"TestD","Output":"    d_test.go:5: quiet pass\n"}`,
		`{"Action":"pass",` + pkg + `,"Test":"TestD"}`,
		`{"Action":"output",` + pkg + `,"Test":"TestE","Output":"    e_test.go:7: got 1, want 2\n"}`,
		`{"Action":"output",` + pkg + `,"Test":"TestE","Output":"--- FAIL: TestE (0.00s)\n"}`,
		`{"Action":"fail",` + pkg + `,"Test":"TestE"}`,
		`{"Action":"output",` + pkg + `,"Output":"PASS\n"}`,
		`{"Action":"output",` + pkg + `,"Output":"FAIL\texample.com/p\t0.1s\n"}`,
		`{"Action":"fail",` + pkg + `}`,
	}, "\n")
	var out bytes.Buffer
	failed, err := run(strings.NewReader(in), &out)
	if err != nil {
		t.Fatal(err)
	}
	if !failed {
		t.Error("a failed test did not fail the run")
	}
	want := "    e_test.go:7: got 1, want 2\n--- FAIL: TestE (0.00s)\nFAIL\texample.com/p\t0.1s\n" +
		"skipped: 3 tests — 2× conformance data absent; 1× set X=1 to run\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestRunNoSkips(t *testing.T) {
	var out bytes.Buffer
	failed, err := run(strings.NewReader(`{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}`+"\n"+`{"Action":"pass","Package":"p"}`), &out)
	if err != nil || failed {
		t.Fatalf("failed %v, err %v", failed, err)
	}
	if want := "ok  \tp\t0.1s\nskipped: none\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
