package ingest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// TestDecodeTornLastLine: a JSON Lines file whose last line stops in the
// middle of a record (a writer killed, a full disk) is read up to it, with
// one warning naming the line; a truncated object that spans lines, or one
// alone in its input, is still an error.
func TestDecodeTornLastLine(t *testing.T) {
	good := `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"a"}]}]}]}`
	tests := []struct {
		name     string
		in       string
		spans    int
		warnings []string
		err      string
	}{
		{"torn last line", good + "\n" + good[:40], 1,
			[]string{"in.json: line 2: the last line ends in the middle of a record (its writer stopped, or ran out of disk): skipped"}, ""},
		{"whole lines", good + "\n" + good + "\n", 2, nil, ""},
		{"only a torn line", good[:40], 0, nil, "line 1"},
		{"truncated pretty object", good + "\n{\n\"resourceSpans\": [", 0, nil, "line 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var warnings []string
			spans := 0
			err := Decode(strings.NewReader(tc.in), "in.json", Options{Warn: func(m string) { warnings = append(warnings, m) }},
				func(b []dag.Span) error { spans += len(b); return nil })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Decode = %v, want an error at %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if spans != tc.spans {
				t.Errorf("%d spans, want %d", spans, tc.spans)
			}
			if diff := cmp.Diff(tc.warnings, warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}
