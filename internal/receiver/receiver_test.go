package receiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tracectl/tracectl/internal/dag"
)

// collector records delivered batches.
type collector struct {
	mu      sync.Mutex
	spans   []dag.SpanData
	batches int
}

func (c *collector) deliver(b *Batch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.spans = append(c.spans, dag.Unpack(b.Spans)...)
	c.batches++
	return nil
}

func (c *collector) names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for i := range c.spans {
		out = append(out, c.spans[i].Service()+"/"+c.spans[i].Name)
	}
	slices.Sort(out)
	return out
}

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.GRPCAddr == "" && opts.HTTPAddr == "" {
		opts.GRPCAddr, opts.HTTPAddr = "127.0.0.1:0", "127.0.0.1:0"
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s
}

// TestSDKExporters sends spans with the OpenTelemetry Go SDK's own OTLP
// exporters — gRPC, gRPC+gzip, HTTP protobuf, HTTP protobuf+gzip, HTTP
// JSON — and checks every span arrives once.
func TestSDKExporters(t *testing.T) {
	c := &collector{}
	srv := start(t, Options{Deliver: c.deliver})
	grpcAddr, httpAddr := srv.GRPCAddr().String(), srv.HTTPAddr().String()
	exporters := map[string]func(context.Context) (sdktrace.SpanExporter, error){
		"grpc": func(ctx context.Context) (sdktrace.SpanExporter, error) {
			return otlptracegrpc.New(ctx, otlptracegrpc.WithInsecure(), otlptracegrpc.WithEndpoint(grpcAddr))
		},
		"grpc-gzip": func(ctx context.Context) (sdktrace.SpanExporter, error) {
			return otlptracegrpc.New(ctx, otlptracegrpc.WithInsecure(), otlptracegrpc.WithEndpoint(grpcAddr), otlptracegrpc.WithCompressor("gzip"))
		},
		"http": func(ctx context.Context) (sdktrace.SpanExporter, error) {
			return otlptracehttp.New(ctx, otlptracehttp.WithInsecure(), otlptracehttp.WithEndpoint(httpAddr))
		},
		"http-gzip": func(ctx context.Context) (sdktrace.SpanExporter, error) {
			return otlptracehttp.New(ctx, otlptracehttp.WithInsecure(), otlptracehttp.WithEndpoint(httpAddr), otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
		},
		"http-json": func(ctx context.Context) (sdktrace.SpanExporter, error) {
			return otlptracehttp.New(ctx, otlptracehttp.WithInsecure(), otlptracehttp.WithEndpoint(httpAddr), otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON))
		},
	}
	var want []string
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range exporters {
			if !yield(k) {
				return
			}
		}
	}) {
		ctx := context.Background()
		exp, err := exporters[name](ctx)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tp := sdktrace.NewTracerProvider(
			sdktrace.WithBatcher(exp),
			sdktrace.WithResource(sdkresource.NewSchemaless(attribute.String("service.name", name))),
		)
		tr := tp.Tracer("receiver_test")
		for i := range 3 {
			rctx, root := tr.Start(ctx, fmt.Sprintf("root-%d", i))
			_, child := tr.Start(rctx, fmt.Sprintf("child-%d", i))
			child.End()
			root.End()
			want = append(want, fmt.Sprintf("%s/root-%d", name, i), fmt.Sprintf("%s/child-%d", name, i))
		}
		if err := tp.Shutdown(ctx); err != nil { // flushes: the export has been acknowledged
			t.Fatalf("%s: shutdown: %v", name, err)
		}
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, c.names()); diff != "" {
		t.Errorf("delivered spans (-want +got):\n%s", diff)
	}
	// Parent links survive: every child's parent is a delivered root.
	ids := map[dag.SpanID]bool{}
	for _, s := range c.spans {
		ids[s.SpanID] = true
	}
	for _, s := range c.spans {
		if !s.ParentSpanID.IsZero() && !ids[s.ParentSpanID] {
			t.Errorf("span %s: parent %s not delivered", s.Name, s.ParentSpanID)
		}
	}
	if st := srv.Stats(); st.Spans != int64(len(want)) || st.Rejected != 0 || st.Bad != 0 {
		t.Errorf("stats = %+v", st)
	}
}

// request builds an ExportTraceServiceRequest with n spans of one trace;
// zeroTrace of them have an all-zero trace id.
func request(n, zeroTrace int) *coltracepb.ExportTraceServiceRequest {
	var spans []*tracepb.Span
	for i := range n {
		s := &tracepb.Span{TraceId: bytes.Repeat([]byte{1}, 16), SpanId: []byte{0, 0, 0, 0, 0, 0, 0, byte(i + 1)}, Name: fmt.Sprint("s", i), StartTimeUnixNano: 1, EndTimeUnixNano: 2}
		if i < zeroTrace {
			s.TraceId = make([]byte, 16)
		}
		spans = append(spans, s)
	}
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}}}}}
}

func protoBody(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

type httpResult struct {
	Status      int
	ContentType string
	RetryAfter  string
	Message     string // Status.message, or partial_success.error_message
	Rejected    int64
}

func post(t *testing.T, url, method, contentType, encoding string, body []byte) httpResult {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	res := httpResult{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), RetryAfter: resp.Header.Get("Retry-After")}
	unmarshal := proto.Unmarshal
	if res.ContentType == contentJSON {
		unmarshal = protojson.Unmarshal
	}
	if resp.StatusCode == http.StatusOK {
		var m coltracepb.ExportTraceServiceResponse
		if err := unmarshal(rb, &m); err != nil {
			t.Fatalf("response %q: %v", rb, err)
		}
		res.Message, res.Rejected = m.GetPartialSuccess().GetErrorMessage(), m.GetPartialSuccess().GetRejectedSpans()
	} else {
		var st spb.Status
		if err := unmarshal(rb, &st); err != nil {
			t.Fatalf("status body %q: %v", rb, err)
		}
		res.Message = st.Message
	}
	return res
}

func TestHTTPAnswers(t *testing.T) {
	c := &collector{}
	srv := start(t, Options{Deliver: c.deliver, MaxRequestSize: 64 << 10, HTTPAddr: "127.0.0.1:0"})
	url := "http://" + srv.HTTPAddr().String() + TracesPath
	good := protoBody(t, request(3, 0))
	bomb := gzipBytes(t, make([]byte, 10<<20)) // 10 MiB of zeros in ~10 KiB
	goodJSON, _ := protojson.Marshal(request(2, 1))

	tests := []struct {
		name, method, ctype, enc string
		body                     []byte
		want                     httpResult
	}{
		{"proto", "POST", contentProto, "", good, httpResult{Status: 200, ContentType: contentProto}},
		{"proto gzip", "POST", contentProto, "gzip", gzipBytes(t, good), httpResult{Status: 200, ContentType: contentProto}},
		{"content type with parameters", "POST", contentProto + "; charset=binary", "", good, httpResult{Status: 200, ContentType: contentProto}},
		{"partial success", "POST", contentProto, "", protoBody(t, request(3, 2)), httpResult{Status: 200, ContentType: contentProto,
			Message: "2 spans with an all-zero (invalid) trace id rejected", Rejected: 2}},
		{"JSON partial success", "POST", contentJSON, "", goodJSON, httpResult{Status: 200, ContentType: contentJSON,
			Message: "1 span with an all-zero (invalid) trace id rejected", Rejected: 1}},
		{"empty body", "POST", contentProto, "", nil, httpResult{Status: 200, ContentType: contentProto}},
		{"garbage proto", "POST", contentProto, "", []byte("\xff\xff\xff garbage"), httpResult{Status: 400, ContentType: contentProto}},
		{"garbage JSON", "POST", contentJSON, "", []byte("{not json"), httpResult{Status: 400, ContentType: contentJSON}},
		{"not gzip", "POST", contentProto, "gzip", good, httpResult{Status: 400, ContentType: contentProto}},
		{"wrong content type", "POST", "text/plain", "", good, httpResult{Status: 415, ContentType: contentProto,
			Message: `unsupported content type "text/plain": want application/x-protobuf or application/json`}},
		{"unknown encoding", "POST", contentProto, "br", good, httpResult{Status: 415, ContentType: contentProto,
			Message: `unsupported content encoding "br": want gzip or none`}},
		{"oversized", "POST", contentProto, "", make([]byte, 65<<10), httpResult{Status: 413, ContentType: contentProto,
			Message: "request body of 66560 bytes is over the limit of 65536"}},
		{"gzip bomb", "POST", contentProto, "gzip", bomb, httpResult{Status: 413, ContentType: contentProto,
			Message: "request body is over the limit of 65536 bytes (after decompression)"}},
		{"GET", "GET", contentProto, "", nil, httpResult{Status: 405, ContentType: contentProto, Message: "OTLP/HTTP takes POST /v1/traces"}},
		{"still serving", "POST", contentProto, "", good, httpResult{Status: 200, ContentType: contentProto}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := post(t, url, tc.method, tc.ctype, tc.enc, tc.body)
			if tc.want.Status == 400 {
				got.Message = "" // decoder wording is ingest's
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// 4 good requests of 3, a partial and a JSON one of 1 accepted each.
	if got := len(c.names()); got != 4*3+1+1 {
		t.Errorf("delivered %d spans, want 14", got)
	}
}

// TestBusy fills the memory budget with a request whose delivery blocks and
// checks the next ones are refused as retryable (429 with Retry-After,
// RESOURCE_EXHAUSTED with RetryInfo), then accepted once memory frees up.
func TestBusy(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	var blocked sync.Once
	srv := start(t, Options{
		MaxMemory:  2 << 10, // one 10-span request (body and decoded spans), not two
		RetryAfter: 3 * time.Second,
		Deliver: func(b *Batch) error {
			blocked.Do(func() {
				entered <- struct{}{}
				<-release
			})
			return nil
		},
	})
	url := "http://" + srv.HTTPAddr().String() + TracesPath
	body := protoBody(t, request(10, 0))

	first := make(chan httpResult)
	go func() { first <- post(t, url, "POST", contentProto, "", body) }()
	<-entered // the first request holds the budget inside Deliver

	got := post(t, url, "POST", contentProto, "", body)
	if got.Status != 429 || got.RetryAfter != "3" {
		t.Errorf("HTTP while full: status %d Retry-After %q, want 429 and 3", got.Status, got.RetryAfter)
	}

	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := coltracepb.NewTraceServiceClient(conn)
	_, err = client.Export(context.Background(), request(10, 0))
	st := status.Convert(err)
	var retry *errdetails.RetryInfo
	for _, d := range st.Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if st.Code() != codes.ResourceExhausted || retry == nil || retry.RetryDelay.AsDuration() != 3*time.Second {
		t.Errorf("gRPC while full: %v (retry info %v), want RESOURCE_EXHAUSTED with a 3s RetryInfo", err, retry)
	}

	close(release)
	if r := <-first; r.Status != 200 {
		t.Errorf("blocked request: status %d, want 200", r.Status)
	}
	if r := post(t, url, "POST", contentProto, "", body); r.Status != 200 {
		t.Errorf("after release: status %d, want 200", r.Status)
	}
	if _, err := client.Export(context.Background(), request(10, 0)); err != nil {
		t.Errorf("gRPC after release: %v", err)
	}
	if st := srv.Stats(); st.Refused != 2 {
		t.Errorf("Refused = %d, want 2", st.Refused)
	}
}

func TestGRPCAnswers(t *testing.T) {
	c := &collector{}
	srv := start(t, Options{Deliver: c.deliver, MaxRequestSize: 64 << 10, GRPCAddr: "127.0.0.1:0"})
	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := coltracepb.NewTraceServiceClient(conn)
	ctx := context.Background()

	resp, err := client.Export(ctx, request(4, 1))
	if err != nil {
		t.Fatal(err)
	}
	if ps := resp.GetPartialSuccess(); ps.GetRejectedSpans() != 1 || ps.GetErrorMessage() == "" {
		t.Errorf("partial success = %v, want 1 rejected span with a message", ps)
	}

	// Garbage: a raw-bytes call with an invalid message.
	err = conn.Invoke(ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", &rawRequest{body: []byte("\xff\xff\xff")}, new(coltracepb.ExportTraceServiceResponse), grpc.ForceCodecV2(rawClientCodec{}))
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("garbage: %v, want INVALID_ARGUMENT", err)
	}

	// Over the size limit, and a gzip bomb: grpc checks the decompressed size.
	big := request(1, 0)
	big.ResourceSpans[0].ScopeSpans[0].Spans[0].Name = string(make([]byte, 100<<10))
	if _, err := client.Export(ctx, big); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("oversized: %v, want RESOURCE_EXHAUSTED", err)
	}
	if _, err := client.Export(ctx, big, grpc.UseCompressor("gzip")); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("gzip bomb: %v, want RESOURCE_EXHAUSTED", err)
	}
	if _, err := client.Export(ctx, request(2, 0)); err != nil {
		t.Errorf("still serving: %v", err)
	}
	if got := len(c.names()); got != 3+2 {
		t.Errorf("delivered %d spans, want 5", got)
	}
}

// rawClientCodec sends a rawRequest's bytes as they are.
type rawClientCodec struct{}

func (rawClientCodec) Marshal(v any) (mem.BufferSlice, error) {
	if r, ok := v.(*rawRequest); ok {
		return mem.BufferSlice{mem.SliceBuffer(r.body)}, nil
	}
	return encoding.GetCodecV2("proto").Marshal(v)
}

func (rawClientCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return encoding.GetCodecV2("proto").Unmarshal(data, v)
}

func (rawClientCodec) Name() string { return "proto" }

// TestRetain: a Deliver that queues its batches keeps their memory charged
// until it releases them; meanwhile senders are refused, then accepted.
func TestRetain(t *testing.T) {
	var releases []func()
	var mu sync.Mutex
	srv := start(t, Options{
		HTTPAddr:  "127.0.0.1:0",
		MaxMemory: 2 << 10, // one 10-span request (body and decoded spans), not two
		Deliver: func(b *Batch) error {
			mu.Lock()
			defer mu.Unlock()
			releases = append(releases, b.Retain())
			return nil
		},
	})
	url := "http://" + srv.HTTPAddr().String() + TracesPath
	body := protoBody(t, request(10, 0))
	if r := post(t, url, "POST", contentProto, "", body); r.Status != 200 {
		t.Fatalf("first: status %d", r.Status)
	}
	if r := post(t, url, "POST", contentProto, "", body); r.Status != 429 {
		t.Errorf("while retained: status %d, want 429", r.Status)
	}
	mu.Lock()
	for _, release := range releases {
		release()
		release() // a second call does nothing
	}
	mu.Unlock()
	if r := post(t, url, "POST", contentProto, "", body); r.Status != 200 {
		t.Errorf("after release: status %d, want 200", r.Status)
	}
}
