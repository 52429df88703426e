package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

var (
	frontend = &dag.Resource{Service: "frontend"}
	cart     = &dag.Resource{Service: "cart"}
	payment  = &dag.Resource{Service: "payment"}
)

const ms = int64(1_000_000)

// span builds a test span: id, parent (0 = root), resource, name, start and
// end in milliseconds after a fixed epoch.
func span(id, parent byte, res *dag.Resource, name string, start, end int64) dag.SpanData {
	const epoch = int64(1_764_000_000_000_000_000)
	return dag.SpanData{
		TraceID: dag.TraceID{0xab, 0xcd, 15: 1}, SpanID: dag.SpanID{7: id}, ParentSpanID: dag.SpanID{7: parent},
		Resource: res, Name: name, Kind: dag.KindInternal, Start: uint64(epoch + start*ms), End: uint64(epoch + end*ms),
	}
}

func buildTree(spans []dag.SpanData) *dag.Tree {
	var ts dag.Traces
	ts.Add(dag.Pack(spans))
	return dag.Build(ts.List()[0])
}

func shopTrace() []dag.SpanData {
	root := span(1, 0, frontend, "GET /checkout", 0, 245)
	root.Kind = dag.KindServer
	cartCall := span(2, 1, frontend, "GET /cart", 2, 40)
	cartCall.Kind = dag.KindClient
	cartSrv := span(3, 2, cart, "GET /cart", 5, 38)
	cartSrv.Kind = dag.KindServer
	charge := span(4, 1, payment, "charge", 45, 240)
	charge.Kind = dag.KindServer
	charge.Status = dag.Status{Code: dag.StatusError, Message: "card declined"}
	spans := []dag.SpanData{root, cartCall, cartSrv, charge}
	for k := range 6 {
		spans = append(spans, span(byte(10+k), 3, cart, "SELECT items", 6+int64(k)*5, 10+int64(k)*5))
	}
	return dag.Unpack(dag.Pack(spans))
}

func TestTree(t *testing.T) {
	orphans := []dag.SpanData{
		span(1, 0, frontend, "GET /", 0, 100),
		span(2, 9, cart, "late child", 30, 80),
	}
	tests := []struct {
		name  string
		spans []dag.SpanData
		opt   TreeOptions
	}{
		{"shop.txt", shopTrace(), TreeOptions{Width: 110, MaxDepth: -1, Fold: true}},
		{"shop-nofold.txt", shopTrace(), TreeOptions{Width: 110, MaxDepth: -1}},
		{"shop-depth1.txt", shopTrace(), TreeOptions{Width: 110, MaxDepth: 1, Fold: true}},
		{"shop-min5ms.txt", shopTrace(), TreeOptions{Width: 110, MaxDepth: -1, MinDuration: 5 * ms, Fold: true}},
		{"shop-narrow.txt", shopTrace(), TreeOptions{Width: 60, MaxDepth: -1, Fold: true}},
		{"orphan.txt", dag.Unpack(dag.Pack(orphans)), TreeOptions{Width: 90, MaxDepth: -1, Fold: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Tree(&b, NewStyles(&b, false), buildTree(tc.spans), tc.opt); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b.Bytes(), []byte("\x1b[")) {
				t.Error("escape codes in uncoloured output")
			}
			golden(t, tc.name, b.Bytes())
		})
	}
}

func TestTreeColor(t *testing.T) {
	var b bytes.Buffer
	if err := Tree(&b, NewStyles(&b, true), buildTree(shopTrace()), TreeOptions{Width: 110, MaxDepth: -1, Fold: true}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("\x1b[")) {
		t.Error("no escape codes in coloured output")
	}
}

func TestTreeJSON(t *testing.T) {
	spans := append(shopTrace(), span(40, 99, cart, "orphan", 50, 60))
	var b bytes.Buffer
	if err := TreeJSON(&b, buildTree(spans)); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b.Bytes(), []byte("\n")); n != 1 {
		t.Errorf("%d lines, want 1", n)
	}
	var got struct {
		TraceID string `json:"trace_id"`
		Roots   []struct {
			SpanID   string `json:"span_id"`
			Missing  bool   `json:"missing"`
			Name     string `json:"name"`
			Children []struct {
				Name   string         `json:"name"`
				Status map[string]any `json:"status"`
			} `json:"children"`
		} `json:"roots"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b.Bytes())
	}
	golden(t, "shop.json", b.Bytes())
	if got.TraceID != "abcd0000000000000000000000000001" || len(got.Roots) != 2 || !got.Roots[1].Missing || got.Roots[1].SpanID != "0000000000000063" {
		t.Errorf("unexpected shape: %+v", got)
	}
}

func TestTreeJSONDeep(t *testing.T) {
	const n = 200_000
	spans := make([]dag.SpanData, n)
	for i := range spans {
		spans[i] = dag.SpanData{TraceID: dag.TraceID{1}, SpanID: dag.SpanID{0, 0, 0, 0, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i) + 0}, Name: "s"}
		spans[i].SpanID[3] = 1
		if i > 0 {
			spans[i].ParentSpanID = spans[i-1].SpanID
		}
	}
	var b bytes.Buffer
	if err := TreeJSON(&b, buildTree(spans)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(b.String(), `"children":[`); got != n {
		t.Errorf("%d children arrays, want %d", got, n)
	}
	// encoding/json refuses nesting beyond 10,000 levels, so validate
	// the shape by balance rather than with json.Valid.
	if open, closed := strings.Count(b.String(), "{"), strings.Count(b.String(), "}"); open != closed {
		t.Errorf("unbalanced JSON: %d { and %d }", open, closed)
	}
}

// chain builds one trace of n spans, each the parent of the next.
func chain(n int) []dag.SpanData {
	spans := make([]dag.SpanData, n)
	for i := range spans {
		id := dag.SpanID{1, 0, 0, 0, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
		spans[i] = dag.SpanData{TraceID: dag.TraceID{1}, SpanID: id, Resource: cart, Name: "load item", Start: uint64(i), End: uint64(2*n - i)}
		if i > 0 {
			spans[i].ParentSpanID = spans[i-1].SpanID
		}
	}
	return spans
}

// TestTreeDeep prints a 100,000-deep chain: every line fits the width
// (guides past a depth give way to a depth marker) and every span is
// there. Time is linear in the depth; BenchmarkTreeDeep measures it.
func TestTreeDeep(t *testing.T) {
	const n, width = 100_000, 100
	var b bytes.Buffer
	if err := Tree(&b, NewStyles(&b, false), buildTree(chain(n)), TreeOptions{Width: width, MaxDepth: -1, Fold: true}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if got := len(lines); got != n+2 {
		t.Fatalf("%d lines, want %d (header and one per span)", got, n+2)
	}
	for k, l := range lines {
		if w := cells(l); w > width {
			t.Fatalf("line %d is %d cells wide, more than %d:\n%s", k+1, w, width, l)
		}
	}
	for _, want := range []string{"┆ (depth 99999) └─ cart load item", "┆ (depth 12) └─ cart load item"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no line with %q", want)
		}
	}
}

func BenchmarkTreeDeep(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		tr := buildTree(chain(n))
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if err := Tree(io.Discard, NewStyles(io.Discard, false), tr, TreeOptions{Width: 120, MaxDepth: -1, Fold: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
		})
	}
}

// TestTreeNarrow: at every width a line fits (from 40 cells on) and an
// error span keeps its ✗ and its kind; at any width at all, no panic.
func TestTreeNarrow(t *testing.T) {
	tr := buildTree(shopTrace())
	for width := 1; width <= 160; width++ {
		var b bytes.Buffer
		if err := Tree(&b, NewStyles(&b, false), tr, TreeOptions{Width: width, MaxDepth: 1, Fold: true}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		for _, l := range lines[2:] {
			if width >= 40 && cells(l) > width {
				t.Errorf("width %d: line is %d cells:\n%s", width, cells(l), l)
			}
			if strings.Contains(l, "pay") && (!strings.Contains(l, "✗") || !strings.Contains(l, "[server]")) {
				t.Errorf("width %d: the error span lost its mark or kind:\n%s", width, l)
			}
		}
	}
}

// TestTreeNarrowQueued: a queue wait (--async follow) is never cut, like
// the kind: at every width from 40 cells its line fits and keeps its
// duration (losing the word "queued" only where the shortest names would not fit), and where
// there is a bar the wait runs dotted before it.
func TestTreeNarrowQueued(t *testing.T) {
	tr := buildTree(shopTrace())
	queued := make([]int64, len(tr.Nodes))
	for i, n := range tr.Nodes {
		if n.Span != nil && n.Span.Name() == "charge" {
			queued[i] = 38 * ms
		}
	}
	for width := 1; width <= 160; width++ {
		var b bytes.Buffer
		if err := Tree(&b, NewStyles(&b, false), tr, TreeOptions{Width: width, MaxDepth: 1, Fold: true, Queued: queued}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		for _, l := range lines[2:] {
			if width >= 40 && cells(l) > width {
				t.Errorf("width %d: line is %d cells:\n%s", width, cells(l), l)
			}
			if !strings.Contains(l, "pay") {
				continue
			}
			if !strings.Contains(l, " ⋯38.0ms") && !strings.Contains(l, " ⋯ queued 38.0ms") || !strings.Contains(l, "✗") {
				t.Errorf("width %d: the queued span lost its wait or its mark:\n%s", width, l)
			}
			if width >= 120 && !strings.Contains(l, " ⋯ queued 38.0ms") {
				t.Errorf("width %d: the wait lost its word on a wide line:\n%s", width, l)
			}
			if width >= 120 && !strings.Contains(l, "┈█") {
				t.Errorf("width %d: no dotted wait before the bar:\n%s", width, l)
			}
		}
	}
}
