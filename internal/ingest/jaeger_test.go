package ingest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// jspan is what a test checks of a decoded span.
type jspan struct {
	Trace, Span, Parent string
	Async               bool
	Name, Service, Kind string
	Start, End          uint64
	Status              string
	Attrs               string
	Events              []string
	Links               []string
	Scope, TraceState   string
	Flags               uint32
}

func summarizeJaeger(spans []dag.SpanData) []jspan {
	var out []jspan
	for _, s := range spans {
		j := jspan{
			Trace: s.TraceID.String(), Span: s.SpanID.String(), Async: s.AsyncParent,
			Name: s.Name, Service: s.Service(), Kind: s.Kind.String(), Start: s.Start, End: s.End,
			Status: s.Status.Code.String() + " " + s.Status.Message, Attrs: attrText(s.Attrs),
			TraceState: s.TraceState, Flags: s.Flags,
		}
		if !s.ParentSpanID.IsZero() {
			j.Parent = s.ParentSpanID.String()
		}
		for _, e := range s.Events {
			j.Events = append(j.Events, e.Name+"@"+itoa(e.Time)+" "+attrText(e.Attrs))
		}
		for _, l := range s.Links {
			j.Links = append(j.Links, l.TraceID.String()+"/"+l.SpanID.String()+" "+attrText(l.Attrs))
		}
		if s.Scope != nil && (s.Scope.Name != "" || s.Scope.Version != "") {
			j.Scope = s.Scope.Name + "@" + s.Scope.Version
		}
		out = append(out, j)
	}
	return out
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func attrText(attrs []dag.Attr) string {
	var parts []string
	for _, a := range attrs {
		parts = append(parts, a.Key+"="+a.Value.Type().String()+":"+a.Value.String())
	}
	return strings.Join(parts, " ")
}

const jaegerProcesses = `"processes":{"p1":{"serviceName":"frontend","tags":[{"key":"host.name","type":"string","value":"node-1"}]},"p2":{"serviceName":"cart"}}`

func TestDecodeJaegerJSON(t *testing.T) {
	root := `{"traceID":"abc","spanID":"1","operationName":"GET /","references":[],"startTime":1000,"duration":50,"processID":"p1",` +
		`"tags":[{"key":"span.kind","type":"string","value":"server"},{"key":"http.status_code","type":"int64","value":200},` +
		`{"key":"ratio","type":"float64","value":0.5},{"key":"cached","type":"bool","value":"true"},{"key":"blob","type":"binary","value":"AQI="},` +
		`{"key":"otel.scope.name","type":"string","value":"otelhttp"},{"key":"otel.scope.version","type":"string","value":"1.0"}],` +
		`"logs":[{"timestamp":1010,"fields":[{"key":"event","type":"string","value":"retry"},{"key":"attempt","type":"int64","value":"2"}]}],"flags":1}`
	child := `{"traceID":"abc","spanID":"2","operationName":"cart.get","references":[{"refType":"CHILD_OF","traceID":"abc","spanID":"1"}],` +
		`"startTime":1005,"duration":20,"processID":"p2","tags":[{"key":"error","type":"bool","value":true},{"key":"otel.status_description","type":"string","value":"boom"}]}`
	async := `{"traceID":"abc","spanID":"3","operationName":"consume","references":[{"refType":"FOLLOWS_FROM","traceID":"abc","spanID":"1"},` +
		`{"refType":"FOLLOWS_FROM","traceID":"def","spanID":"9"}],"startTime":1100,"duration":5,"processID":"p2",` +
		`"tags":[{"key":"otel.status_code","type":"string","value":"OK"},{"key":"w3c.tracestate","type":"string","value":"k=v"}]}`
	both := `{"traceID":"abc","spanID":"4","operationName":"both","references":[{"refType":"FOLLOWS_FROM","traceID":"abc","spanID":"3"},` +
		`{"refType":"CHILD_OF","traceID":"abc","spanID":"2"}],"startTime":1101,"duration":1,"processID":"p2"}`
	const tid = "00000000000000000000000000000abc"
	wantRoot := jspan{Trace: tid, Span: "0000000000000001", Name: "GET /", Service: "frontend", Kind: "server",
		Start: 1000000, End: 1050000, Status: "unset ",
		Attrs:  "http.status_code=int:200 ratio=double:0.5 cached=bool:true blob=bytes:AQI=",
		Events: []string{"retry@1010000 attempt=int:2"}, Scope: "otelhttp@1.0", Flags: 1}
	wantChild := jspan{Trace: tid, Span: "0000000000000002", Parent: "0000000000000001", Name: "cart.get", Service: "cart",
		Kind: "unspecified", Start: 1005000, End: 1025000, Status: "error boom"}
	wantAsync := jspan{Trace: tid, Span: "0000000000000003", Parent: "0000000000000001", Async: true, Name: "consume", Service: "cart",
		Kind: "unspecified", Start: 1100000, End: 1105000, Status: "ok ", TraceState: "k=v",
		Links: []string{"00000000000000000000000000000def/0000000000000009 opentracing.ref_type=string:follows_from"}}
	wantBoth := jspan{Trace: tid, Span: "0000000000000004", Parent: "0000000000000002", Name: "both", Service: "cart",
		Kind: "unspecified", Start: 1101000, End: 1102000, Status: "unset ",
		Links: []string{tid + "/0000000000000003 opentracing.ref_type=string:follows_from"}}
	trace := `{"traceID":"abc","spans":[` + root + `,` + child + `,` + async + `,` + both + `],` + jaegerProcesses + `,"warnings":null}`
	processesFirst := `{` + jaegerProcesses + `,"spans":[` + root + `,` + child + `,` + async + `,` + both + `],"traceID":"abc"}`
	want := []jspan{wantRoot, wantChild, wantAsync, wantBoth}
	for _, tc := range []struct {
		name, in string
		want     []jspan
	}{
		{"bare trace", trace, want},
		{"processes before spans", processesFirst, want},
		{"api v2 search", `{"data":[` + trace + `,` + strings.ReplaceAll(trace, "abc", "abd") + `],"total":0,"limit":0,"offset":0,"errors":null}`,
			append(append([]jspan(nil), want...), func() []jspan {
				var w []jspan
				for _, s := range want {
					s.Trace = "00000000000000000000000000000abd"
					s.Links = append([]string(nil), s.Links...)
					for i := range s.Links {
						s.Links[i] = strings.ReplaceAll(s.Links[i], "abc", "abd")
					}
					w = append(w, s)
				}
				return w
			}()...)},
		{"one trace under data", `{"data":` + trace + `,"state":"FETCHED_TRACE"}`, want},
		{"empty search", `{"data":[],"total":0,"errors":null}`, nil},
		{"span process inline and trace id from the trace",
			`{"traceID":"00ff","spans":[{"spanID":"a","operationName":"x","startTime":1,"duration":1,"process":{"serviceName":"inline","tags":[{"key":"k","type":"string","value":"v"}]}}]}`,
			[]jspan{{Trace: "000000000000000000000000000000ff", Span: "000000000000000a", Name: "x", Service: "inline", Kind: "unspecified", Start: 1000, End: 2000, Status: "unset "}}},
		{"deprecated parentSpanID, unknown process",
			`{"spans":[{"traceID":"1","spanID":"2","parentSpanID":"1","operationName":"x","startTime":1,"duration":0,"processID":"nope"}]}`,
			[]jspan{{Trace: "00000000000000000000000000000001", Span: "0000000000000002", Parent: "0000000000000001", Name: "x", Service: dag.UnknownService, Kind: "unspecified", Start: 1000, End: 1000, Status: "unset "}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n notices
			spans, err := decodeJSONMessage([]byte(tc.in), nil, &n, "in")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summarizeJaeger(spans)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if s := n.summary(); len(s) > 0 {
				t.Errorf("notices: %q", s)
			}
		})
	}
}

func TestDecodeJaegerIDs(t *testing.T) {
	in := `{"traceID":"trace-123","spans":[` +
		`{"traceID":"trace-123","spanID":"span-1","operationName":"a","startTime":1,"duration":1,"processID":"p1"},` +
		`{"traceID":"trace-123","spanID":"span-2","operationName":"b","startTime":1,"duration":1,"processID":"p1","references":[{"refType":"CHILD_OF","traceID":"trace-123","spanID":"span-1"}]},` +
		`{"traceID":"0a0000000000000","spanID":"4b52eb0cabcb50a","operationName":"c","startTime":1,"duration":1,"processID":"p1"}` +
		`],"processes":{"p1":{"serviceName":"s"}}}`
	var n notices
	spans, err := decodeJSONMessage([]byte(in), nil, &n, "in")
	if err != nil {
		t.Fatal(err)
	}
	if spans[0].TraceID != spans[1].TraceID || spans[0].TraceID.IsZero() {
		t.Errorf("non-hex trace ids: %s and %s, want the same non-zero derived id", spans[0].TraceID, spans[1].TraceID)
	}
	if spans[1].ParentSpanID != spans[0].SpanID || spans[0].SpanID == spans[1].SpanID {
		t.Errorf("span-2's parent %s, span-1 %s, span-2 %s", spans[1].ParentSpanID, spans[0].SpanID, spans[1].SpanID)
	}
	if got, want := spans[2].TraceID.String(), "000000000000000000a0000000000000"; got != want {
		t.Errorf("15-digit trace id read as %s, want %s", got, want)
	}
	if got, want := spans[2].SpanID.String(), "04b52eb0cabcb50a"; got != want {
		t.Errorf("15-digit span id read as %s, want %s", got, want)
	}
	want := []string{`in: traceID "trace-123" is not hex; non-hex ids (7 occurrences) were mapped to stable ids derived from their text`}
	if diff := cmp.Diff(want, n.summary()); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
}

func TestDecodeJaegerErrors(t *testing.T) {
	testDecodeErrors(t, []decodeErrorCase{
		{"backend errors", `{"data":null,"total":0,"errors":[{"code":404,"msg":"trace not found"}]}`, "the backend answered with an error: trace not found"},
		{"not a trace under data", `{"status":"success","data":{"resultType":"vector","result":[]}}`, "data is not a Jaeger trace"},
		{"unknown object", `{"status":"success","foo":1}`, `not traces: a JSON object with members "status", "foo"`},
		{"overflow", `{"spans":[{"spanID":"1","startTime":18446744073709551,"duration":10}]}`, "out of range"},
		{"negative start", `{"spans":[{"spanID":"1","startTime":-5,"duration":10}]}`, "negative"},
		{"bad start", `{"spans":[{"spanID":"1","startTime":"soon"}]}`, `startTime: "soon" is not an integer`},
		{"data and bare trace", `{"spans":[],"data":[]}`, "want one or the other"},
		{"truncated", `{"data":[{"traceID":"1","spans":[{"spanID":"1",`, "unexpected end"},
	})
}

// decodeErrorCase is a message decodeJSONMessage must reject with an
// error that contains want.
type decodeErrorCase struct{ name, in, want string }

func testDecodeErrors(t *testing.T, cases []decodeErrorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeJSONMessage([]byte(tc.in), nil, nil, "in")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestJaegerRoundTrip: Jaeger JSON written by AppendJaegerJSON reads back
// as the same spans, for everything Jaeger's model holds.
func TestJaegerRoundTrip(t *testing.T) {
	testRoundTrip(t, 7, AppendJaegerJSON, func(i int, s *dag.SpanData) {
		// What Jaeger cannot hold: sub-µs times, link trace state and
		// flags, link attributes (but the reference type), schema URLs.
		s.Start -= s.Start % 1000
		s.End -= s.End % 1000
		for j := range s.Events {
			s.Events[j].Time -= s.Events[j].Time % 1000
		}
		for j := range s.Links {
			s.Links[j].Attrs = []dag.Attr{{Key: RefTypeAttr, Value: dag.StringValue("follows_from")}}
		}
		if i%5 == 1 {
			s.AsyncParent = !s.ParentSpanID.IsZero()
		}
	})
}

// testRoundTrip encodes 300 generated spans (from seed) with encode and
// decodes them back: they must be the spans as lossy(i, &span) leaves
// them, grouped by trace.
func testRoundTrip(t *testing.T, seed uint64, encode func([]byte, []dag.Span) []byte, lossy func(i int, s *dag.SpanData)) {
	t.Helper()
	in, err := decodeJSONMessage(genOTLPJSON(300, seed), nil, nil, "gen")
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		lossy(i, &in[i])
	}
	out, err := decodeJSONMessage(encode(nil, dag.Pack(in)), nil, nil, "encoded")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(summarizeJaeger(sortedByTrace(in)), summarizeJaeger(out)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// sortedByTrace orders spans as the Jaeger and Zipkin encoders group them:
// by trace in order of first appearance, stable within a trace.
func sortedByTrace(spans []dag.SpanData) []dag.SpanData {
	var out []dag.SpanData
	for _, idx := range groupByTrace(spans) {
		for _, i := range idx {
			out = append(out, spans[i])
		}
	}
	return out
}
