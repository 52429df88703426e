package render

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

func TestTraceLine(t *testing.T) {
	hostile := "\x1b]0;pwned\a\x1b[2J"
	tests := []struct {
		name string
		sum  dag.Summary
		want string
	}{
		{
			name: "root and errors",
			sum: dag.Summary{TraceID: dag.TraceID{0x4b, 15: 1}, RootService: "cart", RootName: "GET /cart", Spans: 12,
				Services: []string{"cart", "db"}, Errors: 1, Start: 1_700_000_000_000_000_000, End: 1_700_000_000_245_000_000},
			want: "2023-11-14 22:13:20.000  4b000000000000000000000000000001  cart GET /cart  12 spans, 2 services, 1 error  245ms\n",
		},
		{
			name: "missing root",
			sum: dag.Summary{TraceID: dag.TraceID{1}, RootMissing: true, RootID: dag.SpanID{7: 9}, Spans: 1, Services: []string{"x"},
				Start: 0, End: 1000},
			want: "1970-01-01 00:00:00.000  01000000000000000000000000000000  missing span 0000000000000009  1 span, 1 service  1.00µs\n",
		},
		{
			name: "escaped",
			sum: dag.Summary{TraceID: dag.TraceID{2}, RootService: hostile, RootName: hostile + "\u202e", Spans: 2,
				Services: []string{hostile}, Start: 0, End: 999_800_000},
			want: "1970-01-01 00:00:00.000  02000000000000000000000000000000  \\x1b]0;pwned\\a\\x1b[2J \\x1b]0;pwned\\a\\x1b[2J\\u202e  2 spans, 1 service  1.00s\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := TraceLine(&b, NewStyles(&b, false), tc.sum); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
