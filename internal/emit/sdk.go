package emit

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/credentials"
)

// propagator is what every service injects and extracts at every hop.
var propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// serviceCounters counts one service's spans at each stage of the pipeline.
type serviceCounters struct {
	name     string
	created  atomic.Int64 // sampling decisions = spans started
	sampled  atomic.Int64 // decisions to record and sample
	ended    atomic.Int64 // sampled spans ended (handed to the batch processor)
	exported atomic.Int64 // spans the exporter accepted
	failed   atomic.Int64 // spans in batches the exporter returned an error for
}

// pipeline builds each service's SDK setup and collects what the summary
// reports: one TracerProvider per service, all sharing the export settings.
type pipeline struct {
	cfg       *Config
	lines     *LineWriter
	target    Target // where OTLP goes when lines is nil
	onFail    func(error)
	base      *resource.Resource
	mu        sync.Mutex
	services  []*serviceSDK
	redactors []*RedactingExporter
	errs      errorLog
}

// serviceSDK is one service's TracerProvider, as its process would own it.
type serviceSDK struct {
	name     string
	tp       *sdktrace.TracerProvider
	counters *serviceCounters
}

// Tracer returns a tracer of this service's provider.
func (s *serviceSDK) Tracer(scope string) trace.Tracer {
	return s.tp.Tracer(scope, trace.WithInstrumentationVersion(Version))
}

// Version is the instrumentation-scope version of emit's own tracers and
// the service.version of the generated services.
const Version = "0.1.0"

func newPipeline(ctx context.Context, cfg *Config) (*pipeline, error) {
	p := &pipeline{cfg: cfg}
	if cfg.Out != nil {
		p.lines = NewLineWriter(cfg.Out)
	} else {
		t, err := cfg.target()
		if err != nil {
			return nil, err
		}
		p.target = t
	}
	// Host and process attributes are detected once and merged into every
	// service's resource. process.command_args is left out on purpose: a
	// command line can carry credentials.
	base, err := resource.New(ctx,
		resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithOS(),
		resource.WithProcessPID(),
		resource.WithProcessExecutableName(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithProcessRuntimeDescription(),
	)
	if err != nil && base == nil {
		return nil, fmt.Errorf("detect resource: %w", err)
	}
	p.base = base
	return p, nil
}

// newService builds a service's TracerProvider: resource, counting
// parent-based ratio sampler, seeded ids, batch processor, exporter chain.
func (p *pipeline) newService(ctx context.Context, name, namespace string) (*serviceSDK, error) {
	cfg := p.cfg
	attrs := []attribute.KeyValue{
		semconv.ServiceVersion(Version),
		semconv.ServiceInstanceID(instanceID(cfg.Seed, name)),
		semconv.DeploymentEnvironmentNameKey.String(cfg.Environment),
	}
	if namespace != "" {
		attrs = append(attrs, semconv.ServiceNamespace(namespace))
	}
	// Later attributes win: the user's (OTEL_RESOURCE_ATTRIBUTES, --attr)
	// over the service's own, and the service's name over both, so the
	// services stay apart in every trace.
	attrs = append(attrs, cfg.ResourceAttrs...)
	base := name
	name = cfg.serviceName(name)
	attrs = append(attrs, semconv.ServiceName(name))
	res, err := resource.Merge(p.base, resource.NewWithAttributes(semconv.SchemaURL, attrs...))
	if err != nil {
		return nil, fmt.Errorf("%s: resource: %w", name, err)
	}
	exp, err := p.newExporter(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: exporter: %w", name, err)
	}
	c := &serviceCounters{name: name}
	var chain sdktrace.SpanExporter = exp
	if cfg.Redact {
		r := NewRedactingExporter(chain)
		p.mu.Lock()
		p.redactors = append(p.redactors, r)
		p.mu.Unlock()
		chain = r
	}
	chain = &countingExporter{next: chain, c: c, errs: &p.errs, onFail: p.onFail}
	bspOpts := []sdktrace.BatchSpanProcessorOption{
		sdktrace.WithMaxExportBatchSize(cfg.MaxExportBatchSize),
		sdktrace.WithMaxQueueSize(cfg.MaxQueueSize),
		sdktrace.WithBatchTimeout(cfg.BatchTimeout),
		sdktrace.WithExportTimeout(cfg.ExportTimeout),
	}
	if cfg.BlockOnQueueFull {
		bspOpts = append(bspOpts, sdktrace.WithBlocking())
	}
	bsp := sdktrace.NewBatchSpanProcessor(chain, bspOpts...)
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		sdktrace.WithSampler(countingSampler{next: cfg.sampler(), c: c}),
		sdktrace.WithIDGenerator(newSeededIDs(cfg.Seed, base)),
		sdktrace.WithSpanProcessor(endCounter{c: c}),
		sdktrace.WithSpanProcessor(bsp),
	)
	s := &serviceSDK{name: name, tp: tp, counters: c}
	p.mu.Lock()
	p.services = append(p.services, s)
	p.mu.Unlock()
	return s, nil
}

func (p *pipeline) newExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	cfg := p.cfg
	if p.lines != nil {
		return NewJSONLExporter(p.lines), nil
	}
	t := p.target
	// The batch processor cuts an export at ExportTimeout. The exporter
	// stops a little earlier, and stops retrying earlier still, so a
	// failed export ends with the destination's own last answer (refused,
	// wrong protocol) rather than a bare "deadline exceeded".
	timeout, retryFor := cfg.exporterTimeouts()
	retryGRPC := otlptracegrpc.RetryConfig{Enabled: true, InitialInterval: 100 * time.Millisecond, MaxInterval: time.Second, MaxElapsedTime: retryFor}
	retryHTTP := otlptracehttp.RetryConfig(retryGRPC)
	switch t.Protocol {
	case ProtocolGRPC:
		opts := []otlptracegrpc.Option{
			otlptracegrpc.WithRetry(retryGRPC),
			otlptracegrpc.WithTimeout(timeout),
			otlptracegrpc.WithEndpoint(t.URL.Host),
			otlptracegrpc.WithHeaders(cfg.Headers),
		}
		if t.TLS == nil {
			opts = append(opts, otlptracegrpc.WithInsecure())
		} else {
			opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(t.TLS)))
		}
		if cfg.Compression == "gzip" {
			opts = append(opts, otlptracegrpc.WithCompressor("gzip"))
		}
		return otlptracegrpc.New(ctx, opts...)
	case ProtocolHTTPProtobuf:
		opts := []otlptracehttp.Option{
			otlptracehttp.WithRetry(retryHTTP),
			otlptracehttp.WithTimeout(timeout),
			otlptracehttp.WithEndpoint(t.URL.Host),
			otlptracehttp.WithURLPath(t.URL.Path),
			otlptracehttp.WithHeaders(cfg.Headers),
		}
		if t.TLS == nil {
			opts = append(opts, otlptracehttp.WithInsecure())
		} else {
			opts = append(opts, otlptracehttp.WithTLSClientConfig(t.TLS))
		}
		if cfg.Compression == "gzip" {
			opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
		} else {
			opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.NoCompression))
		}
		return otlptracehttp.New(ctx, opts...)
	case ProtocolHTTPJSON:
		return newHTTPJSONExporter(t, cfg), nil
	}
	return nil, fmt.Errorf("unknown protocol %q", t.Protocol)
}

// exporterTimeouts are the exporter's time limit per export and how long
// it keeps retrying, both inside the batch processor's ExportTimeout.
func (c *Config) exporterTimeouts() (timeout, retryFor time.Duration) {
	return c.ExportTimeout * 9 / 10, c.ExportTimeout * 4 / 5
}

// shutdown flushes and stops every provider (concurrently: each flush may
// wait on the network), within ctx.
func (p *pipeline) shutdown(ctx context.Context) error {
	p.mu.Lock()
	services := append([]*serviceSDK(nil), p.services...)
	p.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, len(services))
	for i, s := range services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.tp.Shutdown(ctx); err != nil {
				errs[i] = fmt.Errorf("%s: shutdown: %w", s.name, err)
			}
		}()
	}
	wg.Wait()
	if p.lines != nil {
		if err := p.lines.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("write output: %w", err))
		}
	}
	return errors.Join(errs...)
}

// countingSampler counts every sampling decision: the SDK asks the sampler
// for every span started, recorded or not, so this is "spans created".
type countingSampler struct {
	next sdktrace.Sampler
	c    *serviceCounters
}

func (s countingSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	r := s.next.ShouldSample(p)
	s.c.created.Add(1)
	if r.Decision == sdktrace.RecordAndSample {
		s.c.sampled.Add(1)
	}
	return r
}

func (s countingSampler) Description() string { return s.next.Description() }

// endCounter counts sampled spans as they end, before the batch processor
// may drop them on a full queue.
type endCounter struct{ c *serviceCounters }

func (e endCounter) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (e endCounter) OnEnd(s sdktrace.ReadOnlySpan) {
	if s.SpanContext().IsSampled() {
		e.c.ended.Add(1)
	}
}
func (e endCounter) Shutdown(context.Context) error   { return nil }
func (e endCounter) ForceFlush(context.Context) error { return nil }

// countingExporter counts what the exporter chain accepted or failed.
type countingExporter struct {
	next   sdktrace.SpanExporter
	c      *serviceCounters
	errs   *errorLog
	onFail func(error) // the first failure stops the run
}

func (e *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if err := e.next.ExportSpans(ctx, spans); err != nil {
		e.c.failed.Add(int64(len(spans)))
		e.errs.add(e.c.name, err)
		if e.onFail != nil {
			e.onFail(err)
		}
		return err
	}
	e.c.exported.Add(int64(len(spans)))
	return nil
}

func (e *countingExporter) Shutdown(ctx context.Context) error { return e.next.Shutdown(ctx) }

// errorLog keeps distinct error messages with counts and the services
// they came from, so a dead endpoint is reported once, not once per batch
// and service.
type errorLog struct {
	mu      sync.Mutex
	entries map[string]*errorEntry
	order   []string
}

type errorEntry struct {
	count    int
	services []string
}

func (l *errorLog) add(service string, err error) {
	if err == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		l.entries = map[string]*errorEntry{}
	}
	msg := err.Error()
	e := l.entries[msg]
	if e == nil {
		e = &errorEntry{}
		l.entries[msg] = e
		l.order = append(l.order, msg)
	}
	e.count++
	if service != "" && !contains(e.services, service) {
		e.services = append(e.services, service)
	}
}

// Handle makes errorLog an otel.ErrorHandler. The batch processor hands it
// the very error the exporter returned, which countingExporter already
// logged with its service; only errors not seen before are added.
func (l *errorLog) Handle(err error) {
	if err == nil {
		return
	}
	l.mu.Lock()
	_, seen := l.entries[err.Error()]
	l.mu.Unlock()
	if !seen {
		l.add("", err)
	}
}

func (l *errorLog) list() []ErrorCount {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]ErrorCount, 0, len(l.order))
	for _, m := range l.order {
		e := l.entries[m]
		out = append(out, ErrorCount{Message: m, Count: e.count, Services: append([]string(nil), e.services...)})
	}
	return out
}

// seededIDs generates trace and span ids from a seeded PRNG, so a run with
// the same --seed yields the same ids, and so the same sampling decisions.
// Trace ids come from their own stream: with several workers span ids are
// drawn in a racy order, but the sequence of trace ids, and so which
// fraction of them the ratio sampler keeps, stays the same.
type seededIDs struct {
	mu     sync.Mutex
	traces *rand.Rand
	spans  *rand.Rand
}

func newSeededIDs(seed uint64, service string) *seededIDs {
	h := fnv.New64a()
	h.Write([]byte(service))
	salt := h.Sum64()
	return &seededIDs{
		traces: rand.New(rand.NewPCG(seed, salt^0x7472616365)), // "trace"
		spans:  rand.New(rand.NewPCG(seed, salt^0x7370616e)),   // "span"
	}
}

func (g *seededIDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var tid trace.TraceID
	for !tid.IsValid() {
		putUint64(tid[:8], g.traces.Uint64())
		putUint64(tid[8:], g.traces.Uint64())
	}
	return tid, g.spanIDLocked()
}

func (g *seededIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.spanIDLocked()
}

func (g *seededIDs) spanIDLocked() trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		putUint64(sid[:], g.spans.Uint64())
	}
	return sid
}

func putUint64(b []byte, v uint64) {
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// instanceID is a stable service.instance.id for a seed and service.
func instanceID(seed uint64, service string) string {
	r := rand.New(rand.NewPCG(seed, 0x696e7374616e6365))
	h := fnv.New64a()
	h.Write([]byte(service))
	hi, lo := r.Uint64()^h.Sum64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", hi>>32, (hi>>16)&0xffff, hi&0xfff, lo>>52, lo&0xffffffffffff)
}

// status sums the services' counters.
func (p *pipeline) status() Status {
	var st Status
	for _, c := range p.sortedCounts() {
		st.Created += c.Created
		st.Exported += c.Exported
		st.Failed += c.Failed
	}
	return st
}

// sortedCounts returns per-service counts, sorted by service name.
func (p *pipeline) sortedCounts() []ServiceCount {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]ServiceCount, 0, len(p.services))
	for _, s := range p.services {
		c := s.counters
		out = append(out, ServiceCount{
			Service: s.name, Created: c.created.Load(), Sampled: c.sampled.Load(),
			Ended: c.ended.Load(), Exported: c.exported.Load(), Failed: c.failed.Load(),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Service < out[j].Service })
	return out
}

func (p *pipeline) redactions() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n int64
	for _, r := range p.redactors {
		n += r.Redactions()
	}
	return n
}
