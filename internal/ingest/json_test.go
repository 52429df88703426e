package ingest

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tracectl/tracectl/internal/dag"
)

// cmpSpans compares decoded spans: dag.Value through its Equal (NaN equals
// NaN there, bit for bit), Resource and Scope by content.
var cmpSpans = cmp.Options{
	cmp.Comparer(func(a, b dag.Value) bool { return a.Equal(b) }),
	cmpopts.EquateEmpty(),
}

func mustTraceID(t testing.TB, s string) dag.TraceID {
	t.Helper()
	id, err := dag.ParseTraceID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustSpanID(t testing.TB, s string) dag.SpanID {
	t.Helper()
	id, err := dag.ParseSpanID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

const (
	tid = "5b8efff798038103d269b633813fc60c"
	sid = "eee19b7ec3c1b174"
	pid = "eee19b7ec3c1b173"
)

// inRequest wraps span objects (JSON text) in a request with one resource
// (service "svc") and one scope ("lib").
func inRequest(spans ...string) string {
	return `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},` +
		`"scopeSpans":[{"scope":{"name":"lib"},"spans":[` + strings.Join(spans, ",") + `]}]}]}`
}

var (
	svcResource = &dag.Resource{Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue("svc")}}, Service: "svc"}
	libScope    = &dag.Scope{Name: "lib"}
)

// baseSpan is what the minimal span object below decodes to.
func baseSpan(t testing.TB) dag.SpanData {
	return dag.SpanData{
		TraceID: mustTraceID(t, tid), SpanID: mustSpanID(t, sid), ParentSpanID: mustSpanID(t, pid),
		Name: "op", Kind: dag.KindServer, Start: 1544712660000000000, End: 1544712661000000000,
		Resource: svcResource, Scope: libScope,
	}
}

const baseFields = `"traceId":"` + tid + `","spanId":"` + sid + `","parentSpanId":"` + pid +
	`","name":"op","kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000"`

// spanWith returns the minimal span object with extra members appended.
func spanWith(extra string) string {
	if extra == "" {
		return "{" + baseFields + "}"
	}
	return "{" + baseFields + "," + extra + "}"
}

func TestDecodeJSONMessage(t *testing.T) {
	attr := func(k string, v dag.Value) dag.Attr { return dag.Attr{Key: k, Value: v} }
	tests := []struct {
		name string
		in   string
		edit func(*dag.SpanData) // applied to baseSpan; nil: no spans expected
		n    int                 // spans expected when edit is nil and n > 0
	}{
		{name: "minimal", in: inRequest(spanWith("")), edit: func(*dag.SpanData) {}},
		{
			name: "uppercase hex ids",
			in: inRequest(`{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","parentSpanId":"EEE19B7EC3C1B173",` +
				`"name":"op","kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000"}`),
			edit: func(*dag.SpanData) {},
		},
		{
			name: "times as numbers, exactly (beyond float64 precision)",
			in: inRequest(`{"traceId":"` + tid + `","spanId":"` + sid + `","parentSpanId":"` + pid +
				`","name":"op","kind":2,"startTimeUnixNano":1544712660000000001,"endTimeUnixNano":1544712661000000003}`),
			edit: func(s *dag.SpanData) { s.Start, s.End = 1544712660000000001, 1544712661000000003 },
		},
		{
			name: "integral number in exponent form",
			in:   inRequest(spanWith(`"startTimeUnixNano":1.5e18,"endTimeUnixNano":"2E18"`)),
			edit: func(s *dag.SpanData) { s.Start, s.End = 1500000000000000000, 2000000000000000000 },
		},
		{
			name: "enum names",
			in:   inRequest(spanWith(`"kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_ERROR","message":"boom"}`)),
			edit: func(s *dag.SpanData) {
				s.Kind = dag.KindClient
				s.Status = dag.Status{Code: dag.StatusError, Message: "boom"}
			},
		},
		{
			name: "enum numbers as strings and numbers",
			in:   inRequest(spanWith(`"kind":5,"status":{"code":1}`)),
			edit: func(s *dag.SpanData) { s.Kind, s.Status.Code = dag.KindConsumer, dag.StatusOK },
		},
		{
			name: "empty parentSpanId is a root, null is default",
			in:   inRequest(spanWith(`"parentSpanId":"","traceState":null,"attributes":null,"status":null`)),
			edit: func(s *dag.SpanData) { s.ParentSpanID = dag.SpanID{} },
		},
		{
			name: "snake_case member names",
			in: `{"resource_spans":[{"resource":{"attributes":[{"key":"service.name","value":{"string_value":"svc"}}]},` +
				`"schema_url":"https://s","scope_spans":[{"scope":{"name":"lib"},"spans":[{"trace_id":"` + tid +
				`","span_id":"` + sid + `","parent_span_id":"` + pid + `","trace_state":"k=v","name":"op","kind":2,` +
				`"start_time_unix_nano":"1544712660000000000","end_time_unix_nano":"1544712661000000000",` +
				`"attributes":[{"key":"i","value":{"int_value":"7"}},{"key":"b","value":{"bool_value":true}},` +
				`{"key":"d","value":{"double_value":2.5}},{"key":"y","value":{"bytes_value":"aGk="}},` +
				`{"key":"a","value":{"array_value":{"values":[{"int_value":1}]}}},{"key":"m","value":{"kvlist_value":{"values":[{"key":"k","value":{"string_value":"v"}}]}}}],` +
				`"events":[{"time_unix_nano":"5","name":"e"}],"links":[{"trace_id":"` + tid + `","span_id":"` + pid + `","trace_state":"x=y"}]}]}]}]}`,
			edit: func(s *dag.SpanData) {
				s.Resource = &dag.Resource{Attrs: svcResource.Attrs, Service: "svc", SchemaURL: "https://s"}
				s.TraceState = "k=v"
				s.Attrs = []dag.Attr{
					attr("i", dag.IntValue(7)), attr("b", dag.BoolValue(true)), attr("d", dag.DoubleValue(2.5)),
					attr("y", dag.BytesValue("hi")), attr("a", dag.ArrayValue([]dag.Value{dag.IntValue(1)})),
					attr("m", dag.MapValue([]dag.Attr{attr("k", dag.StringValue("v"))})),
				}
				s.Events = []dag.Event{{Name: "e", Time: 5}}
				s.Links = []dag.Link{{TraceID: s.TraceID, SpanID: s.ParentSpanID, TraceState: "x=y"}}
			},
		},
		{
			name: "old instrumentationLibrarySpans",
			in: `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},` +
				`"instrumentationLibrarySpans":[{"instrumentationLibrary":{"name":"lib"},"spans":[` + spanWith("") + `]}]}]}`,
			edit: func(*dag.SpanData) {},
		},
		{
			name: "escapes",
			in:   inRequest(spanWith(`"name":"a\"b\\c\/d\n\t\r\b\f \u00e9 \ud83d\ude00 \u0041 lone \ud800 end"`)),
			edit: func(s *dag.SpanData) { s.Name = "a\"b\\c/d\n\t\r\b\f é 😀 A lone \uFFFD end" },
		},
		{
			name: "escaped member names and ids",
			in:   inRequest(`{"trace\u0049d":"` + tid + `","span_id":"\u0065ee19b7ec3c1b174","parentSpanId":"` + pid + `","name":"op","kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000"}`),
			edit: func(*dag.SpanData) {},
		},
		{
			name: "every attribute value type",
			in: inRequest(spanWith(`"attributes":[` +
				`{"key":"s","value":{"stringValue":"x"}},{"key":"t","value":{"boolValue":true}},{"key":"f","value":{"boolValue":false}},` +
				`{"key":"i","value":{"intValue":"-42"}},{"key":"j","value":{"intValue":9223372036854775807}},{"key":"k","value":{"intValue":"-9223372036854775808"}},` +
				`{"key":"d","value":{"doubleValue":1.5e-3}},{"key":"nan","value":{"doubleValue":"NaN"}},` +
				`{"key":"inf","value":{"doubleValue":"Infinity"}},{"key":"ninf","value":{"doubleValue":"-Infinity"}},{"key":"ds","value":{"doubleValue":"0.25"}},` +
				`{"key":"b","value":{"bytesValue":"aGVsbG8="}},{"key":"bu","value":{"bytesValue":"_-8"}},` +
				`{"key":"empty","value":{}},{"key":"novalue"},` +
				`{"key":"arr","value":{"arrayValue":{"values":[{"stringValue":"a"},{"arrayValue":{"values":[{"intValue":1},{"kvlistValue":{"values":[{"key":"deep","value":{"boolValue":true}}]}}]}}]}}},` +
				`{"key":"kv","value":{"kvlistValue":{"values":[{"key":"x","value":{"arrayValue":{"values":[]}}},{"key":"y","value":{"kvlistValue":{}}}]}}}` +
				`]`)),
			edit: func(s *dag.SpanData) {
				s.Attrs = []dag.Attr{
					attr("s", dag.StringValue("x")), attr("t", dag.BoolValue(true)), attr("f", dag.BoolValue(false)),
					attr("i", dag.IntValue(-42)), attr("j", dag.IntValue(math.MaxInt64)), attr("k", dag.IntValue(math.MinInt64)),
					attr("d", dag.DoubleValue(1.5e-3)), attr("nan", dag.DoubleValue(math.NaN())),
					attr("inf", dag.DoubleValue(math.Inf(1))), attr("ninf", dag.DoubleValue(math.Inf(-1))), attr("ds", dag.DoubleValue(0.25)),
					attr("b", dag.BytesValue("hello")), attr("bu", dag.BytesValue("\xff\xef")),
					attr("empty", dag.Value{}), attr("novalue", dag.Value{}),
					attr("arr", dag.ArrayValue([]dag.Value{
						dag.StringValue("a"),
						dag.ArrayValue([]dag.Value{dag.IntValue(1), dag.MapValue([]dag.Attr{attr("deep", dag.BoolValue(true))})}),
					})),
					attr("kv", dag.MapValue([]dag.Attr{attr("x", dag.ArrayValue(nil)), attr("y", dag.MapValue(nil))})),
				}
			},
		},
		{
			name: "unknown members skipped, nested objects and arrays included",
			in: `{"extra":{"a":[1,{"b":null},"x\"]}"],"c":{}},"resourceSpans":[{"unknown":[[[]]],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}],"droppedAttributesCount":3,"entityRefs":[{"type":"t"}]},` +
				`"scopeSpans":[{"scope":{"name":"lib","droppedAttributesCount":0},"schemaUrl":"s","spans":[` +
				spanWith(`"droppedAttributesCount":1,"future":{"x":[true,false,-1.5e10]},"events":[{"name":"e","timeUnixNano":"1","droppedAttributesCount":2,"zz":[]}],"status":{"code":0,"deprecatedCode":1}`) +
				`]}]}],"trailer":[]}`,
			edit: func(s *dag.SpanData) { s.Events = []dag.Event{{Name: "e", Time: 1}} },
		},
		{
			name: "events, links, flags, traceState",
			in: inRequest(spanWith(`"flags":257,"traceState":"a=1,b=2",` +
				`"events":[{"timeUnixNano":"10","name":"e1","attributes":[{"key":"k","value":{"stringValue":"v"}}]},{"timeUnixNano":20,"name":"e2"}],` +
				`"links":[{"traceId":"` + tid + `","spanId":"` + pid + `","traceState":"l=1","flags":"1","attributes":[{"key":"link.type","value":{"stringValue":"parent"}}]}]`)),
			edit: func(s *dag.SpanData) {
				s.Flags, s.TraceState = 257, "a=1,b=2"
				s.Events = []dag.Event{{Name: "e1", Time: 10, Attrs: []dag.Attr{attr("k", dag.StringValue("v"))}}, {Name: "e2", Time: 20}}
				s.Links = []dag.Link{{TraceID: s.TraceID, SpanID: s.ParentSpanID, TraceState: "l=1", Flags: 1,
					Attrs: []dag.Attr{attr("link.type", dag.StringValue("parent"))}}}
			},
		},
		{
			name: "white space and a byte order mark",
			in:   "\xef\xbb\xbf \n\t{ \"resourceSpans\" : [ ] \r\n} \n",
		},
		{name: "empty resourceSpans", in: `{"resourceSpans":[]}`},
		{name: "empty request", in: ` {} `},
		{name: "null resourceSpans", in: `{"resourceSpans":null}`},
		{name: "several objects", in: inRequest(spanWith("")) + "\n" + inRequest(spanWith("")), n: 2},
		{name: "metrics skipped", in: `{"resourceMetrics":[{"resource":{},"scopeMetrics":[]}]}`},
		{name: "logs skipped", in: `{"resource_logs":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n notices
			got, err := decodeJSONMessage([]byte(tt.in), nil, &n, "in")
			if err != nil {
				t.Fatalf("decodeJSONMessage: %v", err)
			}
			var want []dag.SpanData
			if tt.edit != nil {
				s := baseSpan(t)
				tt.edit(&s)
				want = []dag.SpanData{s}
			}
			if tt.n > 0 {
				if len(got) != tt.n {
					t.Fatalf("got %d spans, want %d", len(got), tt.n)
				}
				return
			}
			if diff := cmp.Diff(want, got, cmpSpans); diff != "" {
				t.Errorf("spans (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeJSONMessageAppends(t *testing.T) {
	dst := []dag.SpanData{{Name: "already"}}
	got, err := decodeJSONMessage([]byte(inRequest(spanWith(""), spanWith(`"name":"second"`))), dst, nil, "in")
	if err != nil {
		t.Fatal(err)
	}
	if names := []string{got[0].Name, got[1].Name, got[2].Name}; !cmp.Equal(names, []string{"already", "op", "second"}) {
		t.Errorf("names = %q", names)
	}
	if got[1].Resource != got[2].Resource || got[1].Scope != got[2].Scope {
		t.Error("spans of one ResourceSpans/ScopeSpans should share one Resource and Scope")
	}
}

func TestDecodeJSONMessageSharedResources(t *testing.T) {
	in := `{"resourceSpans":[` +
		`{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},"scopeSpans":[{"scope":{"name":"s1"},"spans":[{"name":"1"},{"name":"2"}]},{"scope":{"name":"s2"},"spans":[{"name":"3"}]}],"schemaUrl":"late"},` +
		`{"resource":{"attributes":[{"key":"host","value":{"stringValue":"h"}}]},"scopeSpans":[{"spans":[{"name":"4"}]}]}]}`
	got, err := decodeJSONMessage([]byte(in), nil, nil, "in")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d spans", len(got))
	}
	if got[0].Resource != got[2].Resource || got[0].Scope != got[1].Scope || got[1].Scope == got[2].Scope || got[2].Resource == got[3].Resource {
		t.Error("Resource/Scope sharing is wrong")
	}
	if got[0].Service() != "a" || got[0].Resource.SchemaURL != "late" || got[2].Scope.Name != "s2" {
		t.Errorf("span 0: service %q schema %q; span 2 scope %q", got[0].Service(), got[0].Resource.SchemaURL, got[2].Scope.Name)
	}
	if got[3].Service() != dag.UnknownService || got[3].Scope == nil {
		t.Errorf("span 3: service %q scope %v", got[3].Service(), got[3].Scope)
	}
}

func TestDecodeJSONIDNotices(t *testing.T) {
	// Base64 of the hex ids above, as protojson would have written them.
	const b64Trace, b64Span, b64Parent = "W47/95gDgQPSabYzgT/GDA==", "7uGbfsPBsXQ=", "7uGbfsPBsXM="
	var n notices
	in := inRequest(
		`{"traceId":"`+b64Trace+`","spanId":"`+b64Span+`","parentSpanId":"`+b64Parent+`","name":"op","kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000"}`,
		`{"traceId":"`+b64Trace+`","spanId":"`+b64Span+`","parentSpanId":"`+b64Parent+`","name":"op","kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000","links":[{"traceId":"`+b64Trace+`","spanId":"`+b64Span+`"}]}`,
	)
	got, err := decodeJSONMessage([]byte(in+"\n"+in), nil, &n, "old.json: line 1")
	if err != nil {
		t.Fatal(err)
	}
	want := baseSpan(t)
	for i, s := range got {
		if s.TraceID != want.TraceID || s.SpanID != want.SpanID || s.ParentSpanID != want.ParentSpanID {
			t.Errorf("span %d ids %s %s %s, want %s %s %s", i, s.TraceID, s.SpanID, s.ParentSpanID, want.TraceID, want.SpanID, want.ParentSpanID)
		}
	}
	if l := got[1].Links[0]; l.TraceID != want.TraceID || l.SpanID != want.SpanID {
		t.Errorf("link ids %s %s", l.TraceID, l.SpanID)
	}
	sum := n.summary()
	if len(sum) != 1 || !strings.Contains(sum[0], "base64") || !strings.HasPrefix(sum[0], "old.json: line 1: ") {
		t.Errorf("notices = %q, want one base64 notice", sum)
	}

	// Ids of the wrong length or not hex keep their raw value (DESIGN §2):
	// a derived id, the text on the span, and one notice; the rest of the
	// file decodes.
	var bad notices
	in = inRequest(
		`{"traceId":"abc","spanId":"zzzzzzzzzzzzzzzz","parentSpanId":"`+pid+`","name":"x"}`,
		`{"traceId":"`+tid+`aa","spanId":"`+sid+`","name":"y"}`,
	)
	got, err = decodeJSONMessage([]byte(in), nil, &bad, "bad.json")
	if err != nil {
		t.Fatal(err)
	}
	type ids struct{ Trace, Span, Parent, RawTrace, RawSpan string }
	view := func(s dag.SpanData) ids {
		return ids{s.TraceID.String(), s.SpanID.String(), s.ParentSpanID.String(), s.TraceIDText(), s.SpanIDText()}
	}
	abc := dag.DeriveTraceID([]byte("abc"), true)
	zs := dag.DeriveSpanID([]byte("zzzzzzzzzzzzzzzz"), true)
	long := dag.DeriveTraceID(append(want.TraceID[:], 0xaa), false)
	wantIDs := []ids{
		{abc.String(), zs.String(), pid, "abc", "zzzzzzzzzzzzzzzz"},
		{long.String(), sid, "0000000000000000", tid + "aa", sid},
	}
	if diff := cmp.Diff(wantIDs, []ids{view(got[0]), view(got[1])}); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&dag.RawIDs{TraceID: "abc", SpanID: "zzzzzzzzzzzzzzzz", Invalid: dag.FieldTraceID | dag.FieldSpanID}, got[0].Raw); diff != "" {
		t.Errorf("raw ids (-want +got):\n%s", diff)
	}
	sum = bad.summary()
	if len(sum) != 1 || !strings.Contains(sum[0], `traceId "abc" is not 32 hex digits`) || !strings.Contains(sum[0], "kept 3 invalid id(s) as written") {
		t.Errorf("notices = %q", sum)
	}
}

func TestDecodeJSONMessageErrors(t *testing.T) {
	deep := strings.Repeat("[", 100000)
	deepValue := strings.Repeat(`{"arrayValue":{"values":[`, maxValueDepth+5) + strings.Repeat("]}}", maxValueDepth+5)
	tests := []struct {
		name, in, want string
		offset         int // -1: do not check
	}{
		{"not OTLP object", `{"foo":1}`, `not traces: a JSON object with members "foo"`, 0},
		{"array of numbers", `[1,2]`, "array element: want a Zipkin span object or an array of them, found number", 1},
		{"string", `"x"`, "found a JSON string", 0},
		{"empty input", ` `, "no JSON object", -1},
		{"garbage", "\x00\x01binary", "invalid JSON: unexpected byte 0x00", 0},
		{"truncated", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x"`, "unexpected end of input", -1},
		{"truncated in string", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x`, "unexpected end of input", -1},
		{"truncated escape", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x\u00`, "unexpected end of input", -1},
		{"truncated literal", `{"a":tr`, "unexpected end of input", -1},
		{"bad bracket", `{"resourceSpans":[}`, "invalid JSON: unexpected '}'", 18},
		{"missing colon", `{"resourceSpans" []}`, "want ':'", 17},
		{"missing comma", `{"a":1 "b":2}`, "want ',' or '}'", 7},
		{"trailing comma", `{"resourceSpans":[],}`, "want an object member name", 20},
		{"bad literal", `{"a":nul}`, "want null", 5},
		{"bad number", `{"a":01}`, "malformed number", 5},
		{"bad escape", `{"a":"\q"}`, `unknown escape 'q'`, 6},
		{"control character", "{\"a\":\"x\ty\"}", "control character", 7},
		{"newline in string", "{\"a\":\"x\ny\"}", "unterminated string", 7},
		{"trailing garbage", `{"resourceSpans":[]} x`, "invalid JSON: unexpected 'x'", 21},
		{"name not a string", inRequest(spanWith(`"name":5`)), "span name: want a string, found number", -1},
		{"spans not an array", `{"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]}`, "spans: want an array, found object", 42},
		{"span not an object", `{"resourceSpans":[{"scopeSpans":[{"spans":[1]}]}]}`, "span: want an object, found number", 43},
		{"time not an integer", inRequest(spanWith(`"startTimeUnixNano":true`)), "startTimeUnixNano: want an integer", -1},
		{"time garbage string", inRequest(spanWith(`"endTimeUnixNano":"12x"`)), `endTimeUnixNano: "12x" is not an integer`, -1},
		{"time fraction", inRequest(spanWith(`"endTimeUnixNano":1.5`)), `is not an integer`, -1},
		{"negative time", inRequest(spanWith(`"endTimeUnixNano":-1`)), `out of range`, -1},
		{"unknown kind", inRequest(spanWith(`"kind":"SPAN_KIND_BOGUS"`)), `span kind: unknown name "SPAN_KIND_BOGUS"`, -1},
		{"kind out of range", inRequest(spanWith(`"kind":300`)), `span kind: 300 out of range`, -1},
		{"kind string out of range", inRequest(spanWith(`"kind":"300"`)), `span kind: 300 out of range`, -1},
		{"kind string not a number", inRequest(spanWith(`"kind":"3x"`)), `span kind: "3x" is not an integer`, -1},
		{"kind unknown name", inRequest(spanWith(`"kind":"SPAN_KIND_NOPE"`)), `span kind: unknown name "SPAN_KIND_NOPE"`, -1},
		{"status not an object", inRequest(spanWith(`"status":"ok"`)), `status: want an object, found string`, -1},
		{"bool as string", inRequest(spanWith(`"attributes":[{"key":"b","value":{"boolValue":"true"}}]`)), "boolValue: want true or false", -1},
		{"int overflow", inRequest(spanWith(`"attributes":[{"key":"i","value":{"intValue":"9223372036854775808"}}]`)), "out of range", -1},
		{"bad base64", inRequest(spanWith(`"attributes":[{"key":"b","value":{"bytesValue":"!!"}}]`)), "bytesValue: not valid base64", -1},
		{"bad double", inRequest(spanWith(`"attributes":[{"key":"d","value":{"doubleValue":"fast"}}]`)), `doubleValue: "fast" is not a number`, -1},
		{"attributes not an array", inRequest(spanWith(`"attributes":{}`)), "span attributes: want an array", -1},
		{"id not a string", inRequest(spanWith(`"spanId":12`)), "spanId: want a hex string, found number", -1},
		{"deep nesting, unterminated", `{"x":` + deep, "unexpected end of input", -1},
		{"deep value nesting", inRequest(spanWith(`"attributes":[{"key":"d","value":` + deepValue + `}]`)), "nested more than 64 levels", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeJSONMessage([]byte(tt.in), []dag.SpanData{{Name: "keep"}}, nil, "in")
			var je *jsonError
			if !errors.As(err, &je) {
				t.Fatalf("err = %v (%T), want a *jsonError", err, err)
			}
			if !strings.Contains(je.Err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", je.Err, tt.want)
			}
			if tt.offset >= 0 && je.Offset != tt.offset {
				t.Errorf("offset = %d, want %d", je.Offset, tt.offset)
			}
			if je.Offset < 0 || je.Offset > len(tt.in) {
				t.Errorf("offset %d outside the input", je.Offset)
			}
			if len(got) != 1 || got[0].Name != "keep" {
				t.Errorf("dst changed on error: %d spans", len(got))
			}
		})
	}
}

func TestDecodeJSONDeepSkip(t *testing.T) {
	const depth = 200000
	in := `{"x":` + strings.Repeat(`[{"a":`, depth) + "1" + strings.Repeat("}]", depth) + `,"resourceSpans":[]}`
	if _, err := decodeJSONMessage([]byte(in), nil, nil, "in"); err != nil {
		t.Fatal(err)
	}
	bad := `{"x":` + strings.Repeat(`[`, depth) + strings.Repeat("}", depth) + `,"resourceSpans":[]}`
	if _, err := decodeJSONMessage([]byte(bad), nil, nil, "in"); err == nil || !strings.Contains(err.Error(), "invalid JSON: unexpected '}'") {
		t.Errorf("mismatched brackets: err = %v", err)
	}
}

// collect reads a stream and returns its batches, packed and unpacked
// again as the readers do (a batch is the decoder's again once fn returns).
func collect(t testing.TB, r io.Reader, maxFrame int, n *notices) ([][]dag.SpanData, error) {
	t.Helper()
	var batches [][]dag.SpanData
	err := readJSONStream(r, "in.json", maxFrame, n, func(b []dag.SpanData) error {
		batches = append(batches, dag.Unpack(dag.Pack(b)))
		return nil
	})
	return batches, err
}

func names(batches [][]dag.SpanData) [][]string {
	var out [][]string
	for _, b := range batches {
		var ns []string
		for _, s := range b {
			ns = append(ns, s.Name)
		}
		out = append(out, ns)
	}
	return out
}

func TestReadJSONStream(t *testing.T) {
	span := func(name string) string { return spanWith(`"name":"` + name + `"`) }
	pretty := "{\n  \"resourceSpans\": [\n    {\n      \"scopeSpans\": [\n        {\n          \"spans\": [\n            {\"name\": \"p1\"},\n            {\"name\": \"p2\"}\n          ]\n        }\n      ]\n    }\n  ]\n}\n"
	tests := []struct {
		name string
		in   string
		want [][]string
	}{
		{"json lines", inRequest(span("a")) + "\n" + inRequest(span("b"), span("c")) + "\n", [][]string{{"a"}, {"b", "c"}}},
		{"blank lines and CRLF", "\n\r\n" + inRequest(span("a")) + "\r\n\n\n" + inRequest(span("b")), [][]string{{"a"}, {"b"}}},
		{"pretty object then a line", pretty + inRequest(span("a")) + "\n", [][]string{{"p1", "p2"}, {"a"}}},
		{"concatenated on one line", inRequest(span("a")) + inRequest(span("b")) + " " + inRequest(span("c")), [][]string{{"a"}, {"b"}, {"c"}}},
		{"empty", "", nil},
		{"only white space", " \n\n\t", nil},
		{"empty requests and skipped lines give no batch", `{"resourceSpans":[]}` + "\n" + `{"resourceMetrics":[]}` + "\n" + inRequest(span("a")), [][]string{{"a"}}},
		{"byte order mark", "\xef\xbb\xbf" + inRequest(span("a")), [][]string{{"a"}}},
	}
	readers := map[string]func(string) io.Reader{
		"whole":    func(s string) io.Reader { return strings.NewReader(s) },
		"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"half":     func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
		"data+EOF": func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
	}
	for _, tt := range tests {
		for rname, mk := range readers {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				got, err := collect(t, mk(tt.in), 1<<20, nil)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, names(got)); diff != "" {
					t.Errorf("batches (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestReadJSONStreamNotices(t *testing.T) {
	in := inRequest(spanWith("")) + "\n" +
		`{"resourceMetrics":[{"scopeMetrics":[]}]}` + "\n" +
		`{"resourceLogs":[]}` + "\n" +
		`{"resourceMetrics":[]}` + "\n"
	var n notices
	got, err := collect(t, strings.NewReader(in), 1<<20, &n)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Errorf("%d batches, want 1", len(got))
	}
	want := []string{
		"in.json: line 2: skipped 1 logs message and 2 metrics messages (not traces)",
	}
	if diff := cmp.Diff(want, n.summary()); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
}

func TestReadJSONStreamErrors(t *testing.T) {
	good := inRequest(spanWith(""))
	prettyBad := "{\n  \"resourceSpans\": [\n    {\n      \"scopeSpans\": [\n        {\"spans\": [\n          {\"name\": 5}\n        ]}\n      ]\n    }\n  ]\n}\n"
	big := inRequest(spanWith(`"name":"` + strings.Repeat("x", 5000) + `"`))
	tests := []struct {
		name     string
		in       string
		maxFrame int
		line     int
		want     string
		batches  int // delivered before the error
	}{
		{"invalid JSON at line 3", good + "\n" + good + "\n" + `{"resourceSpans":[}` + "\n" + good + "\n", 0, 3, "invalid JSON", 2},
		{"wrong type deep in a pretty object", good + "\n" + prettyBad, 0, 7, "span name: want a string", 1},
		{"bad integer after refills", good + "\n" + good + "\n" + inRequest(spanWith(`"endTimeUnixNano":"1234567890x"`)) + "\n", 0, 3, `"1234567890x" is not an integer`, 2},
		{"bad base64 on a pretty line", good + "\n{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[\n{\"key\":\"b\",\"value\":\n{\"bytesValue\":\"!!!!!!!!\"}}]}]}]}]}", 0, 4, "not valid base64", 1},
		{"non-OTLP line", good + "\n\n" + `{"foo":1}` + "\n", 0, 3, `not traces: a JSON object with members "foo"`, 1},
		{"non-OTLP pretty object blames its first line", good + "\n" + "{\n\"foo\":\n1\n}\n", 0, 2, `members "foo" (want OTLP resourceSpans`, 1},
		{"array line", good + "\n" + `[1,2]` + "\n", 0, 2, "want a Zipkin span object", 1},
		{"garbage line", good + "\nhello\n", 0, 2, `unexpected 'h'`, 1},
		{"truncated last line", good + "\n" + `{"resourceSpans":[{"scopeSpans":[`, 0, 2, "unexpected end of input", 1},
		{"truncated last line with newlines", good + "\n" + `{"resourceSpans":[{"scopeSpans":[` + "\n\n", 0, 2, "unexpected end of input", 1},
		{"truncated last line inside a string", good + "\n" + `{"resourceSpans":[{"scope` + "\n", 0, 2, "unterminated string", 1},
		{"truncated pretty object", good + "\n" + prettyBad[:strings.Index(prettyBad, "[\n        {")+1] + "\n \n", 0, 5, "the object that starts on line 2 is incomplete", 1},
		{"object over maxFrame", good + "\n" + big + "\n", 4096, 2, "larger than the limit of 4096 bytes", 1},
		{"small object over maxFrame", good + "\n" + good + "\n", len(good) - 1, 1, "larger than the limit", 0},
	}
	for _, tt := range tests {
		for _, one := range []bool{false, true} {
			name := tt.name
			var r io.Reader = strings.NewReader(tt.in)
			if one {
				name += "/one byte"
				r = iotest.OneByteReader(r)
			}
			t.Run(name, func(t *testing.T) {
				maxFrame := tt.maxFrame
				if maxFrame == 0 {
					maxFrame = 1 << 20
				}
				got, err := collect(t, r, maxFrame, nil)
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %v (%T), want *Error", err, err)
				}
				if e.Name != "in.json" || e.Line != tt.line || !strings.Contains(e.Err.Error(), tt.want) {
					t.Errorf("err = %v, want in.json line %d: …%s…", err, tt.line, tt.want)
				}
				if !strings.Contains(err.Error(), "line ") {
					t.Errorf("err %q does not name the line", err)
				}
				if len(got) != tt.batches {
					t.Errorf("%d batches before the error, want %d", len(got), tt.batches)
				}
			})
		}
	}
}

// endless is an object that never ends: the reader must give up at maxFrame
// instead of buffering forever.
type endless struct{ started bool }

func (e *endless) Read(p []byte) (int, error) {
	if !e.started {
		e.started = true
		return copy(p, `{"resourceSpans":[{"x":"`), nil
	}
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestReadJSONStreamEndlessObject(t *testing.T) {
	const maxFrame = 1 << 20
	err := readJSONStream(&endless{}, "in.json", maxFrame, nil, func([]dag.SpanData) error { return nil })
	var e *Error
	if !errors.As(err, &e) || e.Line != 1 || !strings.Contains(err.Error(), "larger than the limit") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadJSONStreamReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(inRequest(spanWith(""))+"\n{\"resourceSpans\""), iotest.ErrReader(boom))
	got, err := collect(t, r, 1<<20, nil)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 {
		t.Errorf("err = %v, want line 2", err)
	}
	if len(got) != 1 {
		t.Errorf("%d batches", len(got))
	}
	// An *Error from the reader (say, a decompressor naming the file) is
	// passed on as it is.
	inner := &Error{Name: "in.json.gz", Offset: 7, Err: boom}
	_, err = collect(t, io.MultiReader(strings.NewReader("{"), iotest.ErrReader(inner)), 1<<20, nil)
	if err != inner {
		t.Errorf("err = %v, want the reader's own *Error", err)
	}
}

func TestReadJSONStreamCallbackError(t *testing.T) {
	stop := errors.New("stop")
	in := inRequest(spanWith("")) + "\n" + inRequest(spanWith(""))
	calls := 0
	err := readJSONStream(strings.NewReader(in), "in.json", 1<<20, nil, func([]dag.SpanData) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("err = %v after %d calls", err, calls)
	}
}

// TestReadJSONStreamFollows checks that a finished object is delivered
// before any more input arrives, as `tail -f` needs.
func TestReadJSONStreamFollows(t *testing.T) {
	pr, pw := io.Pipe()
	batches := make(chan []dag.SpanData)
	done := make(chan error, 1)
	go func() {
		done <- readJSONStream(pr, "in.json", 1<<20, nil, func(b []dag.SpanData) error {
			batches <- b
			return nil
		})
	}()
	for i, obj := range []string{
		inRequest(spanWith(`"name":"first"`)) + "\n",
		"{\n\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"second\"}]}]}]\n}", // no newline after it
	} {
		if _, err := pw.Write([]byte(obj)); err != nil {
			t.Fatal(err)
		}
		// The writer is now blocked until the reader asks for more; the
		// batch must come without a further write.
		b := <-batches
		if len(b) != 1 {
			t.Fatalf("object %d: %d spans", i, len(b))
		}
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestReadJSONStreamOwnership decodes a stream with tiny reads, so that the
// buffer is refilled and compacted constantly, and checks every batch
// against decoding its line alone: batches must not share or reuse memory.
func TestReadJSONStreamOwnership(t *testing.T) {
	var lines []string
	var in bytes.Buffer
	for i := range 6 {
		msg := genOTLPJSON(40+i, uint64(i))
		lines = append(lines, string(msg))
		in.Write(msg)
		in.WriteString("\n")
	}
	got, err := collect(t, iotest.HalfReader(&in), 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(lines) {
		t.Fatalf("%d batches, want %d", len(got), len(lines))
	}
	for i, line := range lines {
		want, err := decodeJSONMessage([]byte(line), nil, nil, "line")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got[i], cmpSpans); diff != "" {
			t.Errorf("batch %d (-want +got):\n%s", i, diff)
		}
	}
}

// TestDecodeJSONMessageNoAliasing checks that the spans do not point into
// the input, which the caller may reuse.
func TestDecodeJSONMessageNoAliasing(t *testing.T) {
	msg := genOTLPJSON(50, 7)
	want, err := decodeJSONMessage(bytes.Clone(msg), nil, nil, "in")
	if err != nil {
		t.Fatal(err)
	}
	scratch := bytes.Clone(msg)
	got, err := decodeJSONMessage(scratch, nil, nil, "in")
	if err != nil {
		t.Fatal(err)
	}
	for i := range scratch {
		scratch[i] = 'X'
	}
	if diff := cmp.Diff(want, got, cmpSpans); diff != "" {
		t.Errorf("spans changed with the input (-want +got):\n%s", diff)
	}
}

// TestDecodeJSONEnumsAsStrings: enums may be numbers, names, or numbers
// written as strings (DESIGN §2).
func TestDecodeJSONEnumsAsStrings(t *testing.T) {
	for _, tc := range []struct {
		fields string
		kind   dag.Kind
		code   dag.StatusCode
	}{
		{`"kind":3,"status":{"code":2}`, dag.KindClient, dag.StatusError},
		{`"kind":"3","status":{"code":"2"}`, dag.KindClient, dag.StatusError},
		{`"kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_ERROR"}`, dag.KindClient, dag.StatusError},
		{`"kind":"0","status":{"code":"1"}`, dag.KindUnspecified, dag.StatusOK},
	} {
		in := `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"` + tid + `","spanId":"` + sid + `","name":"op",` + tc.fields + `}]}]}]}`
		got, err := decodeJSONMessage([]byte(in), nil, new(notices), "in")
		if err != nil {
			t.Errorf("%s: %v", tc.fields, err)
			continue
		}
		if got[0].Kind != tc.kind || got[0].Status.Code != tc.code {
			t.Errorf("%s: kind %v code %v, want %v %v", tc.fields, got[0].Kind, got[0].Status.Code, tc.kind, tc.code)
		}
	}
}

// TestJSONConformanceFileExporter2023 reads the legacy file-exporter example
// (instrumentationLibrarySpans, empty ids, "code":"2").
func TestJSONConformanceFileExporter2023(t *testing.T) {
	f, err := os.Open(conformance(t, "otel-spec-file-exporter/file-exporter-traces-2023-01.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var spans []dag.SpanData
	err = readJSONStream(f, "in", DefaultMaxFrame, new(notices), func(b []dag.SpanData) error {
		spans = append(spans, b...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	errs := 0
	for _, s := range spans {
		if s.Status.Code == dag.StatusError {
			errs++
		}
	}
	if len(spans) != 8 || errs != 4 {
		t.Errorf("%d spans, %d with status error; want 8 and 4", len(spans), errs)
	}
}
