package dag

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTracesGroups checks that spans land under their trace in arrival
// order, across batches, with an Add after List, and that no list can grow
// into another's spans.
func TestTracesGroups(t *testing.T) {
	span := func(trace byte, id byte) SpanData {
		return SpanData{TraceID: TraceID{trace}, SpanID: SpanID{id}, Name: string(rune('a' + id))}
	}
	var ts Traces
	ts.Add(Pack([]SpanData{span(1, 1), span(2, 2), span(1, 3)}))
	ts.Add(Pack([]SpanData{span(3, 4), span(2, 5)}))
	ts.Add(nil)
	names := func() map[TraceID][]string {
		out := map[TraceID][]string{}
		for _, tr := range ts.List() {
			for _, s := range tr.Spans {
				out[tr.ID] = append(out[tr.ID], s.Name())
			}
		}
		return out
	}
	want := map[TraceID][]string{{1}: {"b", "d"}, {2}: {"c", "f"}, {3}: {"e"}}
	if diff := cmp.Diff(want, names()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	ts.Add(Pack([]SpanData{span(2, 6), span(4, 7)}))
	want[TraceID{2}] = append(want[TraceID{2}], "g")
	want[TraceID{4}] = []string{"h"}
	if diff := cmp.Diff(want, names()); diff != "" {
		t.Errorf("after a second List (-want +got)\n%s", diff)
	}
	var order []TraceID
	for _, tr := range ts.List() {
		order = append(order, tr.ID)
		if len(tr.Spans) != cap(tr.Spans) {
			t.Errorf("trace %v: %d spans in a list of capacity %d: an append would overwrite the next trace's", tr.ID, len(tr.Spans), cap(tr.Spans))
		}
	}
	if diff := cmp.Diff([]TraceID{{1}, {2}, {3}, {4}}, order); diff != "" {
		t.Errorf("first-seen order (-want +got)\n%s", diff)
	}
	if got, ok := ts.Get(TraceID{3}); !ok || len(got.Spans) != 1 {
		t.Errorf("Get(3) = %v, %v", got, ok)
	}
	if ts.Len() != 4 || ts.SpanCount() != 7 {
		t.Errorf("Len, SpanCount = %d, %d; want 4, 7", ts.Len(), ts.SpanCount())
	}
}
