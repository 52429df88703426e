package dag

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// traceOf puts spans in trace t.
func traceOf(t byte, spans ...SpanData) []SpanData {
	for i := range spans {
		spans[i].TraceID = TraceID{t}
	}
	return spans
}

// linked makes s link first to span n of trace t.
func linked(s SpanData, t byte, n uint64) SpanData {
	s.Links = append(s.Links, Link{TraceID: TraceID{t}, SpanID: sid(n)})
	return s
}

func kindOfSpan(s SpanData, k Kind) SpanData {
	s.Kind = k
	return s
}

func buildAll(spans ...[]SpanData) []*Tree {
	var ts Traces
	for _, s := range spans {
		ts.Add(Pack(s))
	}
	var trees []*Tree
	for _, t := range ts.List() {
		trees = append(trees, Build(t))
	}
	return trees
}

func TestJoin(t *testing.T) {
	tests := []struct {
		name   string
		traces [][]SpanData
		want   []string // per result: trace id byte, joined ids, shape
	}{
		{
			name: "consumer trace joins the producer's span",
			traces: [][]SpanData{
				traceOf(1, sp(1, 0, 0, 100), kindOfSpan(sp(2, 1, 10, 20), KindProducer), kindOfSpan(sp(7, 2, 10, 20), KindConsumer)),
				traceOf(2, linked(sp(3, 0, 30, 60), 1, 2), sp(4, 3, 40, 50)),
			},
			want: []string{"01 [02]\ns1\n  s2\n    s7\n    s3\n      s4\n"},
		},
		{
			name: "chains: 3 links to 2, which links to 1",
			traces: [][]SpanData{
				traceOf(3, linked(sp(5, 0, 70, 80), 2, 3)),
				traceOf(1, sp(1, 0, 0, 100), sp(2, 1, 10, 20)),
				traceOf(2, linked(sp(3, 0, 30, 60), 1, 2)),
			},
			want: []string{"01 [03 02]\ns1\n  s2\n    s3\n      s5\n"},
		},
		{
			// The walk from the first trace comes back to it: its link
			// is the one cut.
			name: "a loop of links is cut where it closes",
			traces: [][]SpanData{
				traceOf(1, linked(sp(1, 0, 0, 10), 2, 2)),
				traceOf(2, linked(sp(2, 0, 20, 30), 1, 1)),
			},
			want: []string{"01 [02]\ns1\n  s2\n"},
		},
		{
			name: "joined root sorted among the span's children; orphans come along as roots",
			traces: [][]SpanData{
				traceOf(1, sp(1, 0, 0, 100), sp(2, 1, 10, 20), sp(6, 2, 15, 18)),
				traceOf(2, linked(sp(3, 0, 12, 60), 1, 2), sp(4, 9, 40, 50)),
			},
			want: []string{"01 [02]\ns1\n  s2\n    s3\n    s6\nmissing 0000000000000009\n  s4\n"},
		},
		{
			name: "no join: link to an absent trace, to the same trace, to an absent span, a non-root, a later link",
			traces: [][]SpanData{
				traceOf(1, sp(1, 0, 0, 100), linked(sp(2, 1, 10, 20), 2, 3)),
				traceOf(2, linked(sp(3, 0, 30, 60), 7, 1)),
				traceOf(3, linked(sp(4, 0, 30, 60), 3, 4)),
				traceOf(4, linked(sp(5, 0, 30, 60), 1, 99)),
				traceOf(5, linked(linked(sp(6, 0, 30, 60), 7, 1), 1, 1)),
			},
			want: []string{"01 []\ns1\n  s2\n", "02 []\ns3\n", "03 []\ns4\n", "04 []\ns5\n", "05 []\ns6\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trees := buildAll(tt.traces...)
			var got []string
			for _, tr := range Join(trees) {
				ids := make([]string, len(tr.Joined))
				for k, id := range tr.Joined {
					ids[k] = id.String()[:2]
				}
				got = append(got, tr.TraceID.String()[:2]+" "+"["+joinStrings(ids)+"]\n"+shape(tr))
				checkLayout(t, tr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("joined (-want +got):\n%s", diff)
			}
		})
	}
}

func joinStrings(s []string) string {
	out := ""
	for k, x := range s {
		if k > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// checkLayout verifies what analyses rely on: nodes in pre-order, depths
// and parents consistent, the joined roots marked asynchronous.
func checkLayout(t *testing.T, tr *Tree) {
	t.Helper()
	var async []int32
	for i := range tr.Nodes {
		if tr.AsyncChild(int32(i)) {
			async = append(async, int32(i))
		}
	}
	if !slices.Equal(async, tr.AsyncChildren()) {
		t.Fatalf("AsyncChildren = %v, AsyncChild holds for %v", tr.AsyncChildren(), async)
	}
	order := tr.PreOrder()
	for k, i := range order {
		if int(i) != k {
			t.Fatalf("node %d at pre-order position %d", i, k)
		}
		n := &tr.Nodes[i]
		if n.Parent == None {
			if n.Depth != 0 || !slices.Contains(tr.Roots, i) {
				t.Fatalf("root %d: depth %d, in Roots %v", i, n.Depth, tr.Roots)
			}
			continue
		}
		if p := &tr.Nodes[n.Parent]; n.Depth != p.Depth+1 || !slices.Contains(tr.Children(n.Parent), i) {
			t.Fatalf("node %d: depth %d under parent %d at depth %d", i, n.Depth, n.Parent, p.Depth)
		}
		p := tr.Nodes[n.Parent].Span
		joined := n.Span != nil && p != nil && n.Span.TraceID != p.TraceID
		if joined && !tr.AsyncChild(i) {
			t.Fatalf("node %d: joined %v, AsyncChild %v", i, joined, tr.AsyncChild(i))
		}
	}
}

func TestAsyncEdge(t *testing.T) {
	mk := func(k Kind, follows bool) *Span { return &Pack([]SpanData{{Kind: k, AsyncParent: follows}})[0] }
	tests := []struct {
		name          string
		parent, child *Span
		want          bool
	}{
		{"producer → consumer", mk(KindProducer, false), mk(KindConsumer, false), true},
		{"FOLLOWS_FROM", mk(KindServer, false), mk(KindInternal, true), true},
		{"FOLLOWS_FROM under a placeholder", nil, mk(KindInternal, true), true},
		{"client → server", mk(KindClient, false), mk(KindServer, false), false},
		{"producer → internal", mk(KindProducer, false), mk(KindInternal, false), false},
		{"server → consumer", mk(KindServer, false), mk(KindConsumer, false), false},
		{"consumer under a placeholder", nil, mk(KindConsumer, false), false},
	}
	for _, tt := range tests {
		if got := AsyncEdge(tt.parent, tt.child); got != tt.want {
			t.Errorf("%s: AsyncEdge = %v, want %v", tt.name, got, tt.want)
		}
	}
}
