package dag

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rawSpan makes a span whose ids are the raw texts given, as ingest reads
// them: a valid hex id as it is, an invalid one derived and kept.
func rawSpan(trace, span, parent, name string) SpanData {
	s := SpanData{Name: name, Start: at(0), End: at(10)}
	var raw RawIDs
	if id, err := ParseTraceID(trace); err == nil {
		s.TraceID = id
	} else {
		s.TraceID, raw.TraceID, raw.Invalid = DeriveTraceID([]byte(trace), true), trace, raw.Invalid|FieldTraceID
	}
	if id, err := ParseSpanID(span); err == nil {
		s.SpanID = id
	} else {
		s.SpanID, raw.SpanID, raw.Invalid = DeriveSpanID([]byte(span), true), span, raw.Invalid|FieldSpanID
	}
	if id, err := ParseSpanID(parent); err == nil {
		s.ParentSpanID = id
	} else if parent != "" {
		s.ParentSpanID, raw.ParentSpanID, raw.Invalid = DeriveSpanID([]byte(parent), true), parent, raw.Invalid|FieldParentSpanID
	}
	if raw.Invalid != 0 {
		s.Raw = &raw
	}
	return s
}

// TestInvalidIDsKeepRawValue: DESIGN §2. Two traces with 16-hex-digit
// trace ids (64-bit ids, Jaeger/Zipkin style) stay two traces; a child
// finds its parent by the raw id; findings quote the raw value, escaped
// and cut to 40 characters.
func TestInvalidIDsKeepRawValue(t *testing.T) {
	long := "span-" + strings.Repeat("x", 50)
	var ts Traces
	ts.Add(Pack([]SpanData{
		rawSpan("0000000000000001", "r1", "", "root1"),
		rawSpan("0000000000000001", "c1", "r1", "child1"),
		rawSpan("0000000000000002", "r1", "", "root2"),
		rawSpan("0000000000000002", "\x1b]0;pwn\a", "gone", "orphan"),
		rawSpan("0000000000000002", long, "", "long"),
	}))
	if ts.Len() != 2 {
		t.Fatalf("%d traces, want 2: different raw trace ids must not merge", ts.Len())
	}
	tr1, tr2 := Build(ts.List()[0]), Build(ts.List()[1])
	if got := shape(tr1); got != "root1\n  child1\n" {
		t.Errorf("trace 1 shape = %q, want child1 under root1 (parent found by raw id)", got)
	}
	if got, want := tr1.TraceIDText(), "0000000000000001"; got != want {
		t.Errorf("TraceIDText = %q, want %q", got, want)
	}
	var msgs []string
	for _, f := range tr2.Findings {
		msgs = append(msgs, string(f.Rule)+" "+f.SpanIDText()+": "+f.Message)
	}
	want := []string{
		`invalid_trace_id r1: trace id "0000000000000002" has 16 hex digits, want 32 (3 spans)`,
		`invalid_span_id r1: span "root2": span id "r1" is not hex`,
		`invalid_span_id \x1b]0;pwn\a: span "orphan": parent span id "gone" is not hex`,
		`invalid_span_id \x1b]0;pwn\a: span "orphan": span id "\x1b]0;pwn\a" is not hex`,
		`invalid_span_id ` + long + `: span "long": span id "span-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"… is not hex`,
		`missing_parent \x1b]0;pwn\a: parent span gone of "orphan" is not in the input`,
		// roots by start, then (derived) id
		`multiple_roots r1: 2 root spans: ` + long + ` "long", r1 "root2"`,
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestInvalidIDsDistinct: different raw ids never collide, including a
// hex id and the same text read as text, and the derived ids are never
// zero (zero means "no id").
func TestInvalidIDsDistinct(t *testing.T) {
	seen := map[SpanID]string{}
	for _, raw := range []string{"", "0", "00", "1", "01", "001", "abc", "ABC", "span-1", "A"} {
		for _, text := range []bool{true, false} {
			id := DeriveSpanID([]byte(raw), text)
			if id.IsZero() {
				t.Errorf("DeriveSpanID(%q, %v) is zero", raw, text)
			}
			key := raw + map[bool]string{true: " text", false: " bytes"}[text]
			if prev, dup := seen[id]; dup {
				t.Errorf("%s and %s derive the same id", prev, key)
			}
			seen[id] = key
		}
	}
	if DeriveTraceID([]byte("x"), true).IsZero() {
		t.Error("derived trace id is zero")
	}
}
