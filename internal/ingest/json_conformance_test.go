package ingest

import (
	"bytes"
	"encoding/binary"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/testenv"
)

// conformance returns the path of a file in ../shared/conformance, or skips
// the test (fails it under CI) when the data is not there.
func conformance(t testing.TB, rel string) string {
	t.Helper()
	return testenv.ConformanceFile(t, rel)
}

func readJSONFile(t testing.TB, path string) []dag.SpanData {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n notices
	var spans []dag.SpanData
	err = readJSONStream(f, path, DefaultMaxFrame, &n, func(b []dag.SpanData) error {
		spans = append(spans, dag.Unpack(dag.Pack(b))...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := n.summary(); len(s) > 0 {
		t.Errorf("unexpected notices: %q", s)
	}
	return spans
}

// readFramedProto decodes a file of [4-byte big-endian length][request]
// frames with the reference protobuf library, into dag spans, as an oracle.
func readFramedProto(t testing.TB, path string) []dag.SpanData {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var spans []dag.SpanData
	for len(data) > 0 {
		if len(data) < 4 {
			t.Fatalf("%s: trailing %d bytes", path, len(data))
		}
		n := binary.BigEndian.Uint32(data)
		if int(n) > len(data)-4 {
			t.Fatalf("%s: frame of %d bytes, %d left", path, n, len(data)-4)
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(data[4:4+n], &req); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		spans = append(spans, spansFromProto(&req)...)
		data = data[4+n:]
	}
	return spans
}

func spansFromProto(req *coltracepb.ExportTraceServiceRequest) []dag.SpanData {
	var out []dag.SpanData
	for _, rs := range req.GetResourceSpans() {
		res := &dag.Resource{Attrs: fromKVs(rs.GetResource().GetAttributes()), SchemaURL: rs.GetSchemaUrl()}
		if v, ok := dag.Lookup(res.Attrs, "service.name"); ok {
			res.Service = v.Str()
		}
		for _, ss := range rs.GetScopeSpans() {
			sc := &dag.Scope{Name: ss.GetScope().GetName(), Version: ss.GetScope().GetVersion(), Attrs: fromKVs(ss.GetScope().GetAttributes())}
			for _, s := range ss.GetSpans() {
				sp := dag.SpanData{
					Kind: dag.Kind(s.GetKind()), Flags: s.GetFlags(),
					Start: s.GetStartTimeUnixNano(), End: s.GetEndTimeUnixNano(),
					Name: s.GetName(), TraceState: s.GetTraceState(),
					Status:   dag.Status{Code: dag.StatusCode(s.GetStatus().GetCode()), Message: s.GetStatus().GetMessage()},
					Resource: res, Scope: sc, Attrs: fromKVs(s.GetAttributes()),
				}
				copy(sp.TraceID[:], s.GetTraceId())
				copy(sp.SpanID[:], s.GetSpanId())
				copy(sp.ParentSpanID[:], s.GetParentSpanId())
				for _, e := range s.GetEvents() {
					sp.Events = append(sp.Events, dag.Event{Name: e.GetName(), Time: e.GetTimeUnixNano(), Attrs: fromKVs(e.GetAttributes())})
				}
				for _, l := range s.GetLinks() {
					dl := dag.Link{TraceState: l.GetTraceState(), Flags: l.GetFlags(), Attrs: fromKVs(l.GetAttributes())}
					copy(dl.TraceID[:], l.GetTraceId())
					copy(dl.SpanID[:], l.GetSpanId())
					sp.Links = append(sp.Links, dl)
				}
				out = append(out, sp)
			}
		}
	}
	return out
}

func sortSpans(spans []dag.SpanData) {
	sort.SliceStable(spans, func(i, j int) bool {
		if c := bytes.Compare(spans[i].TraceID[:], spans[j].TraceID[:]); c != 0 {
			return c < 0
		}
		return bytes.Compare(spans[i].SpanID[:], spans[j].SpanID[:]) < 0
	})
}

// TestJSONConformanceAgainstProto decodes the JSON files written by the
// Collector and telemetrygen and checks every span, field by field, against
// the same traffic in proto decoded by the reference library.
func TestJSONConformanceAgainstProto(t *testing.T) {
	for _, tt := range []struct {
		json, pb string
		spans    int
		services map[string]int
	}{
		{"otelcol-fileexporter/traces.json", "otelcol-fileexporter/traces.pb", 145, map[string]int{"frontend": 100, "payment": 45}},
		{"telemetrygen/traces.jsonl", "telemetrygen/traces.pb", 80, map[string]int{"checkout": 80}},
	} {
		t.Run(tt.json, func(t *testing.T) {
			got := readJSONFile(t, conformance(t, tt.json))
			want := readFramedProto(t, conformance(t, tt.pb))
			if len(got) != tt.spans || len(want) != tt.spans {
				t.Fatalf("json %d spans, proto %d, want %d", len(got), len(want), tt.spans)
			}
			services := map[string]int{}
			for i := range got {
				services[got[i].Service()]++
			}
			if diff := cmp.Diff(tt.services, services); diff != "" {
				t.Errorf("spans per service (-want +got):\n%s", diff)
			}
			sortSpans(got)
			sortSpans(want)
			if diff := cmp.Diff(want, got, cmpSpans); diff != "" {
				t.Errorf("json spans differ from proto (-proto +json):\n%s", diff)
			}
			// Printed ids equal the input's hex.
			raw, err := os.ReadFile(conformance(t, tt.json))
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for i := range got {
				ids[got[i].TraceID.String()], ids[got[i].SpanID.String()] = true, true
			}
			for _, m := range regexp.MustCompile(`"(?:traceId|spanId)":"([0-9a-fA-F]+)"`).FindAllSubmatch(raw, -1) {
				if !ids[strings.ToLower(string(m[1]))] {
					t.Errorf("id %s in the input is not among the decoded ids", m[1])
				}
			}
		})
	}
}

func TestJSONConformanceOneByteReads(t *testing.T) {
	path := conformance(t, "otelcol-fileexporter/traces.json")
	want := readJSONFile(t, path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, iotest.OneByteReader(bytes.NewReader(data)), DefaultMaxFrame, nil)
	if err != nil {
		t.Fatal(err)
	}
	var flat []dag.SpanData
	for _, b := range got {
		flat = append(flat, b...)
	}
	if diff := cmp.Diff(want, flat, cmpSpans); diff != "" {
		t.Errorf("one-byte reads (-whole +one byte):\n%s", diff)
	}
}

// TestJSONConformanceSpecExample reads the OTLP spec's example: UPPERCASE hex
// ids and times as JSON numbers, pretty-printed over many lines.
func TestJSONConformanceSpecExample(t *testing.T) {
	path := conformance(t, "otlp-proto-examples/trace.json")
	got := readJSONFile(t, path)
	res := &dag.Resource{Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue("my.service")}}, Service: "my.service"}
	want := []dag.SpanData{{
		TraceID:      mustTraceID(t, "5b8efff798038103d269b633813fc60c"),
		SpanID:       mustSpanID(t, "eee19b7ec3c1b174"),
		ParentSpanID: mustSpanID(t, "eee19b7ec3c1b173"),
		Kind:         dag.KindServer,
		Start:        1544712660000000000,
		End:          1544712661000000000,
		Name:         "I'm a server span",
		Resource:     res,
		Scope: &dag.Scope{Name: "my.library", Version: "1.0.0",
			Attrs: []dag.Attr{{Key: "my.scope.attribute", Value: dag.StringValue("some scope attribute")}}},
		Attrs: []dag.Attr{{Key: "my.span.attr", Value: dag.StringValue("some value")}},
	}}
	if diff := cmp.Diff(want, got, cmpSpans); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
	if got[0].TraceID.String() != "5b8efff798038103d269b633813fc60c" {
		t.Errorf("trace id prints as %s", got[0].TraceID)
	}
	// The same bytes through decodeJSONMessage.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got2, err := decodeJSONMessage(data, nil, nil, path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got2, cmpSpans); diff != "" {
		t.Errorf("decodeJSONMessage (-want +got):\n%s", diff)
	}
}
