package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manyOperations writes one trace whose root calls n differently named
// operations, so attrib has n+1 rows.
func manyOperations(t *testing.T, n int) string {
	t.Helper()
	var spans []string
	span := func(id, parent int, name string, start, end int) string {
		p := ""
		if parent > 0 {
			p = fmt.Sprintf("%016x", parent)
		}
		return fmt.Sprintf(`{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"%016x","parentSpanId":%q,"name":%q,"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}`,
			id, p, name, start, end)
	}
	spans = append(spans, span(1, 0, "root", 0, 1000*(n+1)))
	for k := range n {
		spans = append(spans, span(k+2, 1, fmt.Sprintf("op%02d", k), 1000*k, 1000*k+500+k))
	}
	doc := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[` +
		strings.Join(spans, ",") + `]}]}]}`
	path := filepath.Join(t.TempDir(), "ops.json")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAttribTop: the table shows --top rows (20 by default), JSON every row
// unless --top is given (issue 11.6).
func TestAttribTop(t *testing.T) {
	path := manyOperations(t, 24) // 25 rows with the root
	tests := []struct {
		args []string
		rows int
	}{
		{[]string{"attrib", "-o", "json", path}, 25},
		{[]string{"attrib", "-o", "json", "--top", "3", path}, 3},
		{[]string{"attrib", "-o", "json", "--top", "0", path}, 25},
		{[]string{"attrib", path}, 20},
		{[]string{"attrib", "--top", "0", path}, 25},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), &streams{Out: &out, Err: &errOut}, tc.args); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut.String())
		}
		got := strings.Count(out.String(), `"service"`) // JSON rows; the end_to_end line has none
		if tc.args[1] != "-o" {
			got = strings.Count(out.String(), " svc/") // table rows
		}
		if got != tc.rows {
			t.Errorf("%v: %d rows, want %d:\n%s", tc.args, got, tc.rows, out.String())
		}
	}
}
