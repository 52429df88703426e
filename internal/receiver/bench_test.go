package receiver

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

// benchRequest is a telemetrygen-like request: 50 traces of a root and a
// child, a few attributes each.
func benchRequest() *coltracepb.ExportTraceServiceRequest {
	str := func(k, v string) *commonpb.KeyValue {
		return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
	}
	var spans []*tracepb.Span
	for i := range 100 {
		tid := make([]byte, 16)
		tid[0], tid[15] = 1, byte(i/2)
		s := &tracepb.Span{TraceId: tid, SpanId: []byte{1, 2, 3, 4, 5, 6, 7, byte(i + 1)}, Name: "okey-dokey-0",
			Kind: tracepb.Span_SPAN_KIND_SERVER, StartTimeUnixNano: 1_700_000_000_000_000_000, EndTimeUnixNano: 1_700_000_000_000_123_000,
			Attributes: []*commonpb.KeyValue{str("net.peer.ip", "1.2.3.4"), str("peer.service", "telemetrygen-client")}}
		if i%2 == 1 {
			s.ParentSpanId = []byte{1, 2, 3, 4, 5, 6, 7, byte(i)}
			s.Kind = tracepb.Span_SPAN_KIND_CLIENT
		}
		spans = append(spans, s)
	}
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource:   &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str("service.name", "telemetrygen")}},
		ScopeSpans: []*tracepb.ScopeSpans{{Scope: &commonpb.InstrumentationScope{Name: "telemetrygen"}, Spans: spans}},
	}}}
}

// BenchmarkExport measures a whole export round trip in process, over
// loopback: gRPC (raw-bytes codec + ingest decoder) and HTTP protobuf.
func BenchmarkExport(b *testing.B) {
	req := benchRequest()
	body, _ := proto.Marshal(req)
	srv, err := Start(Options{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	b.Run("grpc", func(b *testing.B) {
		conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		client := coltracepb.NewTraceServiceClient(conn)
		for b.Loop() {
			if _, err := client.Export(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "spans/s")
	})
	b.Run("http", func(b *testing.B) {
		url := "http://" + srv.HTTPAddr().String() + TracesPath
		for b.Loop() {
			resp, err := http.Post(url, contentProto, bytes.NewReader(body))
			if err != nil || resp.StatusCode != 200 {
				b.Fatal(err, resp)
			}
			resp.Body.Close()
		}
		b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "spans/s")
	})
}

// BenchmarkDecode compares the receiver's decoder (ingest, straight into dag
// spans) with proto.Unmarshal into the generated OTLP types, which is what a
// TraceServiceServer registered the usual way would pay before any work.
func BenchmarkDecode(b *testing.B) {
	body, _ := proto.Marshal(benchRequest())
	b.Run("ingest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeBody(body, true); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "spans/s")
	})
	b.Run("proto.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m coltracepb.ExportTraceServiceRequest
			if err := proto.Unmarshal(body, &m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "spans/s")
	})
}
