package emit

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// BenchResult holds what `tracectl emit --bench` measures, beside the
// figures the seed article claims.
type BenchResult struct {
	// Span creation (Start with the attributes, then End) on one goroutine,
	// with a BatchSpanProcessor feeding an exporter that discards.
	Span5, Span10 SpanCost
	// The same without any processor: the SDK's own cost.
	Bare10 SpanCost
	// Dropped is how many benchmark spans the batch processor dropped
	// (should be 0, or the span figures flatter the SDK).
	Dropped int64
	// Serialized size of a 512-span batch whose spans carry 10 string
	// attributes (keys BenchKeyLen, values BenchValueLen bytes), per span.
	ProtoBytesPerSpan float64
	JSONBytesPerSpan  float64
	// The same spans without attributes: the fixed part of a span.
	ProtoBytesPerBareSpan float64
	JSONBytesPerBareSpan  float64
	// Heap held by 512 ended spans with 10 string attributes, as the batch
	// processor's queue holds them before export.
	BatchHeapBytes uint64
}

// Attribute sizes used by the size and memory measurements.
const (
	BenchKeyLen   = 16
	BenchValueLen = 24
	benchBatch    = 512
)

func benchAttributes(n int) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, n)
	for i := range attrs {
		k := fmt.Sprintf("app.attribute.%02d", i)
		v := fmt.Sprintf("%s-%02d", strings.Repeat("v", BenchValueLen-3), i)
		attrs[i] = attribute.String(k, v)
	}
	return attrs
}

// discardExporter accepts and forgets every batch.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// collector keeps every ended span, as the batch queue does.
type collector struct {
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
}

func (c *collector) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (c *collector) OnEnd(s sdktrace.ReadOnlySpan) {
	c.mu.Lock()
	c.spans = append(c.spans, s)
	c.mu.Unlock()
}
func (c *collector) Shutdown(context.Context) error   { return nil }
func (c *collector) ForceFlush(context.Context) error { return nil }

func benchResource() *resource.Resource {
	return resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName("bench"), semconv.ServiceVersion(Version))
}

// SpanCost is the measured cost of starting and ending one span.
type SpanCost struct {
	N      int           // spans measured
	Time   time.Duration // for all N
	Bytes  uint64        // heap bytes allocated for all N
	Allocs uint64        // heap allocations for all N
}

// costBudget is how long each span-cost measurement runs. The binary does
// not link package testing (testing.Benchmark would), so the loop is ours:
// batches of doubling size until the budget is spent, memory statistics read
// around the whole run.
const costBudget = time.Second

func spanCreation(tp *sdktrace.TracerProvider, nattrs int) SpanCost {
	tracer := tp.Tracer("github.com/tracectl/tracectl/internal/emit/bench")
	attrs := benchAttributes(nattrs)
	ctx := context.Background()
	one := func() {
		_, s := tracer.Start(ctx, "GET /api/orders", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		s.End()
	}
	for range 1000 { // warm up pools and the tracer's caches
		one()
	}
	var c SpanCost
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for batch := 1000; time.Since(start) < costBudget; batch *= 2 {
		for range batch {
			one()
		}
		c.N += batch
	}
	c.Time = time.Since(start)
	runtime.ReadMemStats(&after)
	c.Bytes = after.TotalAlloc - before.TotalAlloc
	c.Allocs = after.Mallocs - before.Mallocs
	return c
}

// Bench runs the measurements (a few seconds) and returns them.
func Bench(ctx context.Context) (*BenchResult, error) {
	r := &BenchResult{}
	// The batch processor as services run it (non-blocking), with a queue
	// big enough that the discarding exporter keeps up; a dropped span
	// would look cheaper than it is, so drops are counted and reported.
	counted := &countingExporter{next: discardExporter{}, c: &serviceCounters{name: "bench"}, errs: &errorLog{}}
	withBSP := sdktrace.NewTracerProvider(
		sdktrace.WithResource(benchResource()),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithBatcher(counted, sdktrace.WithMaxQueueSize(1<<16)),
	)
	r.Span5 = spanCreation(withBSP, 5)
	r.Span10 = spanCreation(withBSP, 10)
	if err := withBSP.Shutdown(ctx); err != nil {
		return nil, fmt.Errorf("bench provider: %w", err)
	}
	r.Dropped = int64(r.Span5.N+r.Span10.N) - counted.c.exported.Load()
	bare := sdktrace.NewTracerProvider(sdktrace.WithResource(benchResource()), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	r.Bare10 = spanCreation(bare, 10)

	r.ProtoBytesPerSpan, r.JSONBytesPerSpan = batchBytesPerSpan(10)
	r.ProtoBytesPerBareSpan, r.JSONBytesPerBareSpan = batchBytesPerSpan(0)

	// Retained heap of a full batch: median of a few tries, after GC, so
	// garbage from span creation is not counted.
	var sizes []uint64
	for range 5 {
		sizes = append(sizes, retainedHeap(func() any { return benchBatchSpans(benchBatch, 10) }))
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	r.BatchHeapBytes = sizes[len(sizes)/2]
	return r, nil
}

// batchBytesPerSpan is the serialized size of a full batch, per span, as
// OTLP protobuf and as OTLP JSON.
func batchBytesPerSpan(nattrs int) (protoB, jsonB float64) {
	spans := benchBatchSpans(benchBatch, nattrs)
	req := &coltracepb.ExportTraceServiceRequest{ResourceSpans: ToResourceSpans(spans)}
	return float64(proto.Size(req)) / benchBatch, float64(len(AppendRequestJSON(nil, req.ResourceSpans))) / benchBatch
}

// benchBatchSpans creates n ended spans with nattrs string attributes, one
// trace per 8 spans (a root and its children), as a batch holds them.
func benchBatchSpans(n, nattrs int) []sdktrace.ReadOnlySpan {
	c := &collector{spans: make([]sdktrace.ReadOnlySpan, 0, n)}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithResource(benchResource()),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(c),
	)
	tracer := tp.Tracer("github.com/tracectl/tracectl/internal/emit/bench")
	attrs := benchAttributes(nattrs)
	ctx := context.Background()
	for len(c.spans) < n {
		rctx, root := tracer.Start(ctx, "GET /api/orders", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		for i := 0; i < 7 && len(c.spans)+1 < n; i++ {
			_, child := tracer.Start(rctx, "SELECT orders", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
			child.End()
		}
		root.End()
	}
	return c.spans
}

// retainedHeap is the live heap that the value made by f keeps.
func retainedHeap(f func() any) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

// WriteTo prints the measurements beside the article's claims.
func (r *BenchResult) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	perSpan := func(c SpanCost) string {
		n := float64(max(c.N, 1))
		return fmt.Sprintf("%7.0f ns/span  %4.0f B/span  %3.0f allocs/span", float64(c.Time.Nanoseconds())/n, float64(c.Bytes)/n, float64(c.Allocs)/n)
	}
	fmt.Fprintf(&b, "OpenTelemetry Go SDK, %s/%s, spans started on one goroutine\n", runtime.GOOS, runtime.GOARCH)
	const row = "%-48s %-12s %s\n"
	fmt.Fprintf(&b, row, "measure", "claim", "measured")
	fmt.Fprintf(&b, row, "span start+end, 5 attrs, batch processor", "500-1000 ns", perSpan(r.Span5))
	fmt.Fprintf(&b, row, "span start+end, 10 attrs, batch processor", "500-1000 ns", perSpan(r.Span10))
	fmt.Fprintf(&b, row, "span start+end, 10 attrs, no processor", "-", perSpan(r.Bare10))
	fmt.Fprintf(&b, row, "OTLP bytes/span, 10 string attrs", "200-400 B",
		fmt.Sprintf("%7.0f B/span protobuf, %.0f B/span OTLP JSON", r.ProtoBytesPerSpan, r.JSONBytesPerSpan))
	fmt.Fprintf(&b, row, "OTLP bytes/span, no attributes", "-",
		fmt.Sprintf("%7.0f B/span protobuf, %.0f B/span OTLP JSON", r.ProtoBytesPerBareSpan, r.JSONBytesPerBareSpan))
	fmt.Fprintf(&b, row, "heap held by a 512-span batch, 10 string attrs", "~150 KB",
		fmt.Sprintf("%7.1f KB (%.0f B/span)", float64(r.BatchHeapBytes)/1024, float64(r.BatchHeapBytes)/benchBatch))
	if r.Dropped > 0 {
		fmt.Fprintf(&b, "warning: the batch processor dropped %d benchmark spans; span costs are understated\n", r.Dropped)
	}
	fmt.Fprintf(&b, "attributes: %d B keys, %d B string values; a batch is 64 traces of 8 spans; GOMAXPROCS %d\n",
		BenchKeyLen, BenchValueLen, runtime.GOMAXPROCS(0))
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
