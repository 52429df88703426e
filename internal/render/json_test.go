package render

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
)

// wideTrace is one trace of n spans: a root with chains of 10 below it,
// each span with a few attributes and every 7th with an event.
func wideTrace(n int) []dag.SpanData {
	spans := make([]dag.SpanData, n)
	for i := range spans {
		id := dag.SpanID{1, 0, 0, 0, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
		s := &spans[i]
		*s = dag.SpanData{TraceID: dag.TraceID{1}, SpanID: id, Resource: cart, Name: "GET /item/{id}", Start: uint64(i), End: uint64(i + 100),
			Attrs: []dag.Attr{{Key: "http.route", Value: dag.StringValue("/item/{id}")}, {Key: "http.status_code", Value: dag.IntValue(200)}}}
		switch {
		case i == 0:
		case i%10 == 1:
			s.ParentSpanID = spans[0].SpanID
		default:
			s.ParentSpanID = spans[i-1].SpanID
		}
		if i%7 == 0 {
			s.Events = []dag.Event{{Name: "exception", Time: uint64(i), Attrs: []dag.Attr{{Key: "exception.message", Value: dag.StringValue("boom\u202e\u0085")}}}}
		}
	}
	return spans
}

// TestTreeJSONChunks: the streamed encoding is the same bytes whatever the
// chunk size, valid JSON, with the terminal-unsafe characters of span
// data escaped across chunk boundaries.
func TestTreeJSONChunks(t *testing.T) {
	tr := buildTree(wideTrace(5_000))
	var whole bytes.Buffer
	if err := treeJSON(&whole, tr, 1<<40); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(whole.Bytes()) {
		t.Fatal("invalid JSON")
	}
	if bytes.Contains(whole.Bytes(), []byte("\u202e")) || !bytes.Contains(whole.Bytes(), []byte(`boom\u202e\u0085`)) {
		t.Error("bidi and C1 characters not escaped")
	}
	for _, chunk := range []int{0, 1, 100, 4096} {
		var b bytes.Buffer
		if err := treeJSON(&b, tr, chunk); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), whole.Bytes()) {
			t.Errorf("chunk %d: output differs from the unchunked encoding", chunk)
		}
	}
}

// BenchmarkTreeJSON encodes a 100,000-span trace: B/op is the memory the
// encoding holds beyond the tree.
func BenchmarkTreeJSON(b *testing.B) {
	tr := buildTree(wideTrace(100_000))
	b.ReportAllocs()
	for b.Loop() {
		if err := TreeJSON(io.Discard, tr); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(tr.Nodes))*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
}
