package ingest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// zipkinRPC is Zipkin's one-span-per-RPC example: the backend's server
// half shares the client's span id, and the backend's own client call
// names that shared id as its parent.
const zipkinRPC = `[{"traceId":"5af7183fb1d4cf5f","id":"6b221d5bc9e6496c","name":"get /api","kind":"SERVER","timestamp":1000,"duration":207,"localEndpoint":{"serviceName":"frontend","ipv4":"192.168.99.1"},"tags":{"http.method":"GET"}},
 {"traceId":"5af7183fb1d4cf5f","parentId":"6b221d5bc9e6496c","id":"352bff9a74ca9ad2","name":"get","kind":"CLIENT","timestamp":1039,"duration":40,"localEndpoint":{"serviceName":"frontend"},"remoteEndpoint":{"serviceName":"backend","ipv4":"192.168.99.101","port":9000},"annotations":[{"timestamp":1040,"value":"ws"}]},
 {"traceId":"5af7183fb1d4cf5f","parentId":"6b221d5bc9e6496c","id":"352bff9a74ca9ad2","name":"get /api","kind":"SERVER","shared":true,"timestamp":1050,"duration":25,"localEndpoint":{"serviceName":"backend"},"tags":{"error":"timeout"}},
 {"traceId":"5af7183fb1d4cf5f","parentId":"352bff9a74ca9ad2","id":"a1","name":"db","kind":"CLIENT","timestamp":1055,"duration":10,"localEndpoint":{"serviceName":"backend"}}]`

func TestDecodeZipkinJSON(t *testing.T) {
	var sharedID dag.SpanID
	client := mustSpanID(t, "352bff9a74ca9ad2")
	derivedID(sharedID[:], append([]byte("shared:"), client[:]...))
	const tid = "00000000000000005af7183fb1d4cf5f"
	rpc := []jspan{
		{Trace: tid, Span: "6b221d5bc9e6496c", Name: "get /api", Service: "frontend", Kind: "server", Start: 1000000, End: 1207000, Status: "unset ", Attrs: "http.method=string:GET"},
		{Trace: tid, Span: "352bff9a74ca9ad2", Parent: "6b221d5bc9e6496c", Name: "get", Service: "frontend", Kind: "client", Start: 1039000, End: 1079000, Status: "unset ",
			Attrs: "peer.service=string:backend network.peer.address=string:192.168.99.101 network.peer.port=int:9000", Events: []string{"ws@1040000 "}},
		{Trace: tid, Span: sharedID.String(), Parent: "352bff9a74ca9ad2", Name: "get /api", Service: "backend", Kind: "server", Start: 1050000, End: 1075000, Status: "error timeout"},
		{Trace: tid, Span: "00000000000000a1", Parent: sharedID.String(), Name: "db", Service: "backend", Kind: "client", Start: 1055000, End: 1065000, Status: "unset "},
	}
	for _, tc := range []struct {
		name, in string
		want     []jspan
		notices  []string
	}{
		{"span array with a shared span", zipkinRPC, rpc, nil},
		{"array of traces", "[" + zipkinRPC + ",[]]", rpc, nil},
		{"empty", "[]", nil, nil},
		{"no timestamp: the first annotation", `[{"traceId":"1","id":"2","name":"x","duration":5,"annotations":[{"timestamp":30,"value":"b"},{"timestamp":20,"value":"a"}]}]`,
			[]jspan{{Trace: "00000000000000000000000000000001", Span: "0000000000000002", Name: "x", Service: dag.UnknownService, Kind: "unspecified", Start: 20000, End: 25000, Status: "unset ", Events: []string{"b@30000 ", "a@20000 "}}}, nil},
		{"no timestamp, no duration", `[{"traceId":"1","id":"2","name":"x"}]`,
			[]jspan{{Trace: "00000000000000000000000000000001", Span: "0000000000000002", Name: "x", Service: dag.UnknownService, Kind: "unspecified", Status: "unset "}},
			[]string{"in: 1 Zipkin span(s) without a duration (still running when reported?): read as lasting 0", "in: 1 Zipkin span(s) without a timestamp or annotations: left at time 0"}},
		{"otel tags", `[{"traceId":"1","id":"2","name":"x","timestamp":1,"duration":1,"tags":{"otel.status_code":"OK","span.kind":"internal","w3c.tracestate":"a=b","otel.scope.name":"lib","otel.scope.version":"2","n":7}}]`,
			[]jspan{{Trace: "00000000000000000000000000000001", Span: "0000000000000002", Name: "x", Service: dag.UnknownService, Kind: "internal", Start: 1000, End: 2000, Status: "ok ", TraceState: "a=b", Scope: "lib@2", Attrs: "n=int:7"}}, nil},
		// What the Collector's zipkin exporter writes (pkg/translator/zipkin):
		// its status names, which its own receiver reads back.
		{"collector status tags", `[{"traceId":"1","id":"2","name":"x","timestamp":1,"duration":1,"tags":{"error":"true","otel.status_code":"STATUS_CODE_ERROR","otel.status_description":"payment gateway timed out"}},` +
			`{"traceId":"1","id":"3","parentId":"2","name":"y","timestamp":1,"duration":1,"tags":{"otel.status_code":"STATUS_CODE_OK"}}]`,
			[]jspan{{Trace: "00000000000000000000000000000001", Span: "0000000000000002", Name: "x", Service: dag.UnknownService, Kind: "unspecified", Start: 1000, End: 2000, Status: "error payment gateway timed out"},
				{Trace: "00000000000000000000000000000001", Span: "0000000000000003", Parent: "0000000000000002", Name: "y", Service: dag.UnknownService, Kind: "unspecified", Start: 1000, End: 2000, Status: "ok "}}, nil},
		// Events and links as the Collector's zipkin exporter packs them, in
		// the tag order zipkin-go writes (sorted: otlp.link.10 before .2);
		// values of other shapes are read as they stand.
		{"collector events and links", `[{"traceId":"1","id":"2","name":"x","timestamp":1,"duration":9,` +
			`"annotations":[{"timestamp":2,"value":"charge.request|{\"body\":\"a|b\",\"n\":3,\"f\":1.5,\"ok\":true,\"x\":[1]}|0"},{"timestamp":3,"value":"plain|text"},{"timestamp":4,"value":"ws"}],` +
			`"tags":{"otlp.link.0":"0af7651916cd43dd8448eb211c80319c|b7ad6b7169203331|k=v|{\"messaging.operation.type\":\"send\"}|0",` +
			`"otlp.link.1":"0af7651916cd43dd8448eb211c80319c|00f067aa0ba902b7||{}|2","otlp.link.x":"not|a|link|{}|0","otlp.link.2":"short|0"}}]`,
			[]jspan{{Trace: "00000000000000000000000000000001", Span: "0000000000000002", Name: "x", Service: dag.UnknownService, Kind: "unspecified", Start: 1000, End: 10000, Status: "unset ",
				Attrs:  "otlp.link.x=string:not|a|link|{}|0 otlp.link.2=string:short|0",
				Events: []string{"charge.request@2000 body=string:a|b f=double:1.5 n=int:3 ok=bool:true", "plain|text@3000 ", "ws@4000 "},
				Links:  []string{"0af7651916cd43dd8448eb211c80319c/b7ad6b7169203331 messaging.operation.type=string:send", "0af7651916cd43dd8448eb211c80319c/00f067aa0ba902b7 "}}}, nil},
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
			if diff := cmp.Diff(tc.notices, n.summary()); diff != "" {
				t.Errorf("notices (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeZipkinErrors(t *testing.T) {
	testDecodeErrors(t, []decodeErrorCase{
		{"not spans", `[{"resourceSpans":[]}]`, "not a Zipkin span"},
		{"numbers", `[1,2]`, "array element: want a Zipkin span object or an array of them, found number"},
		{"nested too deep", `[[[]]]`, "trace element: want a Zipkin span object, found array"},
		{"bad timestamp", `[{"traceId":"1","id":"2","timestamp":"x"}]`, `timestamp: "x" is not an integer`},
		{"overflow", `[{"traceId":"1","id":"2","timestamp":18446744073709552,"duration":9}]`, "out of range"},
		{"truncated", `[{"traceId":"1",`, "unexpected end"},
	})
}

// TestZipkinRoundTrip: Zipkin JSON written by AppendZipkinJSON reads back
// as the same spans, for everything Zipkin's model holds.
func TestZipkinRoundTrip(t *testing.T) {
	testRoundTrip(t, 9, AppendZipkinJSON, func(i int, s *dag.SpanData) {
		s.Start -= s.Start % 1000
		s.End -= s.End % 1000
		s.Links, s.Flags = nil, 0
		evs := append([]dag.Event(nil), s.Events...)
		for j := range evs {
			evs[j].Time -= evs[j].Time % 1000
			evs[j].Attrs = nil
		}
		s.Events = evs
		var attrs []dag.Attr
		for _, a := range s.Attrs {
			if a.Value.Type() != dag.ValueString {
				// Zipkin tags are strings; tracectl reads a string that
				// was an int or a bool as the string.
				a.Value = dag.StringValue(a.Value.String())
			}
			attrs = append(attrs, a)
		}
		s.Attrs = attrs
		if i%7 == 3 {
			s.Kind = dag.KindInternal
		}
	})
}
