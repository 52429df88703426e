package ingest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// sampleSpans covers every field the encoders write, two resources and
// two scopes, and a span long enough to need multi-byte lengths.
func sampleSpans() []dag.SpanData {
	r1 := &dag.Resource{Service: "cart", SchemaURL: "https://opentelemetry.io/schemas/1.26.0",
		Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue("cart")}}}
	r2 := &dag.Resource{}
	s1 := &dag.Scope{Name: "lib", Version: "1.0", Attrs: []dag.Attr{{Key: "a", Value: dag.BoolValue(true)}}}
	s2 := &dag.Scope{Name: "other"}
	long := string(make([]byte, 300))
	return []dag.SpanData{
		{
			TraceID: dag.TraceID{0xab, 15: 1}, SpanID: dag.SpanID{0xcd, 7: 1}, Kind: dag.KindServer,
			Flags: 0x301, Start: 1_700_000_000_000_000_000, End: 1_700_000_000_100_000_000,
			Name: "GET /cart \"quoted\"\n\x01 é \xff", TraceState: "k=v",
			Status:   dag.Status{Code: dag.StatusError, Message: "boom"},
			Resource: r1, Scope: s1,
			Attrs: []dag.Attr{
				{Key: "s", Value: dag.StringValue(long)},
				{Key: "i", Value: dag.IntValue(-42)},
				{Key: "d", Value: dag.DoubleValue(1.5)},
				{Key: "nan", Value: dag.DoubleValue(math.Inf(-1))},
				{Key: "b", Value: dag.BytesValue("\x00\x01")},
				{Key: "arr", Value: dag.ArrayValue([]dag.Value{dag.IntValue(1), dag.StringValue("x")})},
				{Key: "map", Value: dag.MapValue([]dag.Attr{{Key: "k", Value: dag.BoolValue(false)}})},
				{Key: "empty", Value: dag.Value{}},
			},
			Events: []dag.Event{{Name: "ev", Time: 1_700_000_000_050_000_000, Attrs: []dag.Attr{{Key: "e", Value: dag.IntValue(1)}}}},
			Links:  []dag.Link{{TraceID: dag.TraceID{2}, SpanID: dag.SpanID{3}, TraceState: "x=y", Flags: 1, Attrs: []dag.Attr{{Key: "l", Value: dag.IntValue(2)}}}},
		},
		{TraceID: dag.TraceID{0xab, 15: 1}, SpanID: dag.SpanID{0xcd, 7: 2}, ParentSpanID: dag.SpanID{0xcd, 7: 1}, Name: "child", Resource: r1, Scope: s2},
		{TraceID: dag.TraceID{9}, SpanID: dag.SpanID{9}, Name: "no resource attrs", Resource: r2, Scope: s2, Status: dag.Status{Message: "only message"}},
	}
}

var hexIDMember = regexp.MustCompile(`"(traceId|spanId|parentSpanId)":"([0-9a-f]*)"`)

// TestEncodersAgree decodes AppendProto's output with proto.Unmarshal and
// AppendJSON's with protojson (ids turned back from hex into the base64
// protojson expects) and requires the same message from both.
func TestEncodersAgree(t *testing.T) {
	spans := sampleSpans()
	var fromProto coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(AppendOTLPProto(nil, dag.Pack(spans)), &fromProto); err != nil {
		t.Fatalf("proto.Unmarshal: %v", err)
	}
	js := AppendOTLPJSON(nil, dag.Pack(spans))
	b64 := hexIDMember.ReplaceAllFunc(js, func(m []byte) []byte {
		sub := hexIDMember.FindSubmatch(m)
		raw, _ := hex.DecodeString(string(sub[2]))
		return []byte(`"` + string(sub[1]) + `":"` + base64.StdEncoding.EncodeToString(raw) + `"`)
	})
	var fromJSON coltracepb.ExportTraceServiceRequest
	if err := protojson.Unmarshal(b64, &fromJSON); err != nil {
		t.Fatalf("protojson.Unmarshal: %v\n%s", err, js)
	}
	if diff := cmp.Diff(&fromProto, &fromJSON, protocmp.Transform()); diff != "" {
		t.Errorf("proto vs JSON (-proto +json):\n%s", diff)
	}

	// Spot-check the proto message against the input.
	rs := fromProto.ResourceSpans
	if len(rs) != 2 || len(rs[0].ScopeSpans) != 2 || len(rs[1].ScopeSpans) != 1 {
		t.Fatalf("grouping: %d resource spans", len(rs))
	}
	got := rs[0].ScopeSpans[1].Spans[0]
	if hex.EncodeToString(got.ParentSpanId) != spans[1].ParentSpanID.String() || got.Name != "child" {
		t.Errorf("child span = %v", got)
	}
	first := rs[0].ScopeSpans[0].Spans[0]
	if first.Flags != 0x301 || first.Kind != tracepb.Span_SPAN_KIND_SERVER || first.Status.Code != tracepb.Status_STATUS_CODE_ERROR ||
		len(first.Attributes) != 8 || first.Attributes[0].Value.GetStringValue() != string(make([]byte, 300)) ||
		first.Links[0].TraceState != "x=y" || first.Events[0].Name != "ev" {
		t.Errorf("first span = %v", first)
	}
	wantRes := &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{Key: "service.name", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "cart"}}}}}
	if diff := cmp.Diff(wantRes, rs[0].Resource, protocmp.Transform()); diff != "" {
		t.Errorf("resource (-want +got):\n%s", diff)
	}
	if rs[0].SchemaUrl != "https://opentelemetry.io/schemas/1.26.0" {
		t.Errorf("schema url = %q", rs[0].SchemaUrl)
	}
}

func BenchmarkAppendOTLPJSON(b *testing.B) {
	spans := sampleSpans()
	var buf []byte
	for b.Loop() {
		buf = AppendOTLPJSON(buf[:0], dag.Pack(spans))
	}
	b.ReportMetric(float64(len(spans)*b.N)/b.Elapsed().Seconds(), "spans/s")
}

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// TestEncodeGolden pins the bytes every encoder writes for sampleSpans:
// the one place a change to any wire format shows up, for review.
func TestEncodeGolden(t *testing.T) {
	spans := sampleSpans()
	spans[1].AsyncParent = true
	for _, tc := range []struct {
		file   string
		encode func([]byte, []dag.Span) []byte
	}{
		{"encode-otlp.json", AppendOTLPJSON},
		{"encode-otlp.pb", AppendOTLPProto},
		{"encode-jaeger.json", AppendJaegerJSON},
		{"encode-zipkin.json", AppendZipkinJSON},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got := tc.encode(nil, dag.Pack(spans))
			if strings.HasSuffix(tc.file, ".json") {
				got = append(got, '\n')
			}
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(want, got) {
				t.Errorf("%s differs from what the encoder writes now (review, then go test -run TestEncodeGolden -update):\nwant %q\ngot  %q", path, want, got)
			}
			// Every golden reads back.
			back, _, err := decodeAll(t, got, Options{})
			if err != nil || len(back) != len(spans) {
				t.Errorf("read back: %d spans, %v", len(back), err)
			}
		})
	}
}

// spanCmp compares spans field by field, following resource and scope
// pointers, values by content.
var spanCmp = cmp.Options{
	cmp.Comparer(func(a, b dag.Value) bool { return a.Equal(b) }),
}

// TestOTLPRoundTrip: every field of every span survives OTLP/JSON and
// OTLP protobuf written by the encoders and read back by the decoders, on
// generated spans and on files real tools wrote.
func TestOTLPRoundTrip(t *testing.T) {
	inputs := map[string][]dag.SpanData{"generated": nil, "sample": sampleSpans()}
	gen, err := decodeJSONMessage(genOTLPJSON(700, 3), nil, nil, "gen")
	if err != nil {
		t.Fatal(err)
	}
	inputs["generated"] = gen
	for _, rel := range []string{"otelcol-fileexporter/traces.json", "jaeger/otel_traces_01.json", "jaeger-ui-tracestats/testTrace.json", "otel-spec-file-exporter/file-exporter-traces.jsonl"} {
		p := filepath.Join("..", "..", "..", "shared", "conformance", filepath.FromSlash(rel))
		data, err := os.ReadFile(p)
		if err != nil {
			t.Logf("skipping %s: %v", rel, err)
			continue
		}
		spans, _, err := decodeAll(t, data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range spans {
			spans[i].AsyncParent = false // OTLP has no field for it
		}
		inputs[rel] = spans
	}
	for name, in := range inputs {
		for _, enc := range []struct {
			name   string
			encode func([]byte, []dag.Span) []byte
		}{{"json", AppendOTLPJSON}, {"proto", AppendOTLPProto}} {
			t.Run(name+"/"+enc.name, func(t *testing.T) {
				want := in
				if name == "sample" {
					// Invalid UTF-8 cannot survive either encoding.
					want = slices.Clone(in)
					want[0].Name = strings.ToValidUTF8(want[0].Name, "\uFFFD")
				}
				got, _, err := decodeAll(t, enc.encode(nil, dag.Pack(in)), Options{})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got, spanCmp); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	}
}
