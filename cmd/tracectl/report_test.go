package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestReportNotToTerminal: without --out the report goes to stdout, but
// never to a terminal, where HTML is only noise.
func TestReportNotToTerminal(t *testing.T) {
	var out, errb bytes.Buffer
	s := &streams{In: strings.NewReader(""), Out: &out, Err: &errb, OutTTY: true}
	if code := run(context.Background(), s, []string{"report", "../../testdata/examples/workflow.jsonl"}); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if want := "the report is an HTML file: give --out report.html (or redirect stdout)"; !strings.Contains(errb.String(), want) || out.Len() > 0 {
		t.Errorf("stderr %q, stdout %d bytes; want %q and nothing written", errb.String(), out.Len(), want)
	}
}
