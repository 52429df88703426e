package emit

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/tracectl/tracectl/internal/termstr"
)

// Scenarios accepted by Config.Scenario.
const (
	ScenarioShop      = "shop"
	ScenarioSynthetic = "synthetic"
)

// Config is everything `tracectl emit` can be asked to do. The zero value
// of a field means its default (see Defaults), except where noted.
type Config struct {
	// Scenario is ScenarioShop (real in-process services) or
	// ScenarioSynthetic (span trees without network hops).
	Scenario string

	// Out, when set, receives OTLP JSON lines instead of OTLP over the
	// network; the export settings below are then ignored.
	Out io.Writer
	// Protocol is one of Protocols ("http" means http/protobuf); "" picks
	// one from the endpoint (see defaultProtocol).
	Protocol string
	// Endpoint is a URL (http:// plaintext, https:// TLS) or a bare
	// host[:port]; see Config.target for TLS and the default port, and
	// EndpointMode for the path an OTLP/HTTP URL gets.
	Endpoint     string
	EndpointMode EndpointMode
	// Headers are sent with every OTLP export request.
	Headers map[string]string
	// Insecure, when set, says whether a bare host:port is plaintext
	// (true) or TLS (false); nil: plaintext for loopback hosts only.
	Insecure *bool
	// CAFile verifies the server (PEM); ClientCert and ClientKey are the
	// client's certificate for mutual TLS.
	CAFile, ClientCert, ClientKey string
	// Compression is "gzip" or "" (none).
	Compression string

	// ResourceAttrs are added to every service's resource
	// (OTEL_RESOURCE_ATTRIBUTES, --attr); they override the service's own
	// attributes, except service.name.
	ResourceAttrs []attribute.KeyValue
	// ServiceName, when set, prefixes every service's name:
	// "ci" makes "ci-frontend", "ci-payment" and so on. A prefix, not an
	// override, because the shop is several services and a trace that
	// names one service for all of them loses what the analyses are about.
	ServiceName string
	// Sampler is one of Samplers, "" for parentbased_traceidratio; the
	// ratio samplers use SampleRatio.
	Sampler string

	// Redact enables the redaction stage. Note the zero value is false:
	// callers take Defaults() and override.
	Redact bool
	// SampleRatio is the ratio of the traceidratio samplers.
	SampleRatio float64
	// Batch span processor settings.
	BatchTimeout       time.Duration
	ExportTimeout      time.Duration
	MaxQueueSize       int
	MaxExportBatchSize int
	// BlockOnQueueFull makes span End wait for queue room instead of
	// dropping the span (sdktrace.WithBlocking).
	BlockOnQueueFull bool
	// Environment is deployment.environment.name.
	Environment string
	// ConsumerNewTrace makes the shop's queue consumer start a new trace
	// with a link to the producer span, the other shape the messaging
	// conventions allow, instead of continuing the producer's trace.
	ConsumerNewTrace bool

	// Rate is requests (shop) or traces (synthetic) per second over all
	// workers together; 0 means as fast as the workers go.
	Rate float64
	// Duration and Requests bound the run; whichever is reached first
	// stops it. At least one must be set.
	Duration time.Duration
	Requests int
	// Workers is the number of concurrent request loops.
	Workers int
	// ErrorRate is the fraction of requests that fail somewhere downstream.
	ErrorRate float64
	// Latency names the latency profile: see LatencyProfiles.
	Latency string
	// Seed makes request shapes, faults and ids reproducible; 0 picks one at
	// random (reported in the summary).
	Seed uint64

	// Synthetic scenario shape: tree depth (levels, root = 1), children per
	// span, and string attributes per span.
	Depth      int
	FanOut     int
	Attributes int

	// ShutdownTimeout bounds the final flush of every batch.
	ShutdownTimeout time.Duration

	// Status, when set, is called about four times a second while the run
	// lasts, for a status line, and once more with the final counts.
	Status func(Status)
}

// Status is a run's progress so far.
type Status struct {
	// Destination is where spans go: the OTLP target or "OTLP JSON lines".
	Destination               string
	Elapsed                   time.Duration
	Created, Exported, Failed int64
	// Flushing is true once the load is done and the batches are flushing.
	Flushing bool
}

// LatencyProfiles are the values Config.Latency accepts.
var LatencyProfiles = []string{"none", "normal", "payment-tail"}

// Defaults returns the configuration `tracectl emit` starts from.
func Defaults() Config {
	return Config{
		Scenario:           ScenarioShop,
		Redact:             true,
		SampleRatio:        1,
		BatchTimeout:       time.Second,
		ExportTimeout:      10 * time.Second,
		MaxQueueSize:       2048,
		MaxExportBatchSize: 512,
		Environment:        "demo",
		Rate:               20,
		Duration:           5 * time.Second,
		Workers:            4,
		Latency:            "normal",
		Depth:              3,
		FanOut:             3,
		Attributes:         5,
		ShutdownTimeout:    30 * time.Second,
	}
}

// validate fills unset fields with defaults and rejects impossible ones.
func (c *Config) validate() error {
	d := Defaults()
	if c.Scenario == "" {
		c.Scenario = d.Scenario
	}
	if c.Scenario != ScenarioShop && c.Scenario != ScenarioSynthetic {
		return fmt.Errorf("unknown scenario %q (want shop or synthetic)", c.Scenario)
	}
	if c.Protocol == "" {
		c.Protocol = defaultProtocol(c.Endpoint)
	}
	p, err := normalizeProtocol(c.Protocol)
	if err != nil {
		return err
	}
	c.Protocol = p
	if c.Out == nil {
		if _, err := c.target(); err != nil {
			return err
		}
	}
	if c.Sampler != "" && !contains(Samplers, c.Sampler) {
		return fmt.Errorf("unknown sampler %q (want %s)", c.Sampler, strings.Join(Samplers, ", "))
	}
	if c.SampleRatio < 0 || c.SampleRatio > 1 {
		return fmt.Errorf("sample ratio %v out of range [0,1]", c.SampleRatio)
	}
	if c.ErrorRate < 0 || c.ErrorRate > 1 {
		return fmt.Errorf("error rate %v out of range [0,1]", c.ErrorRate)
	}
	if c.Rate < 0 {
		return fmt.Errorf("rate %v is negative", c.Rate)
	}
	if c.Duration < 0 || c.Requests < 0 {
		return errors.New("duration and requests must not be negative")
	}
	if c.Duration == 0 && c.Requests == 0 {
		return errors.New("need a duration or a number of requests")
	}
	if c.Workers <= 0 {
		c.Workers = d.Workers
	}
	if c.Latency == "" {
		c.Latency = d.Latency
	}
	if !contains(LatencyProfiles, c.Latency) {
		return fmt.Errorf("unknown latency profile %q (want %s)", c.Latency, strings.Join(LatencyProfiles, ", "))
	}
	if c.BatchTimeout <= 0 {
		c.BatchTimeout = d.BatchTimeout
	}
	if c.ExportTimeout <= 0 {
		c.ExportTimeout = d.ExportTimeout
	}
	if c.MaxQueueSize <= 0 {
		c.MaxQueueSize = d.MaxQueueSize
	}
	if c.MaxExportBatchSize <= 0 {
		c.MaxExportBatchSize = d.MaxExportBatchSize
	}
	if c.MaxExportBatchSize > c.MaxQueueSize {
		return fmt.Errorf("max export batch %d exceeds max queue size %d", c.MaxExportBatchSize, c.MaxQueueSize)
	}
	if c.Environment == "" {
		c.Environment = d.Environment
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = d.ShutdownTimeout
	}
	if c.Scenario == ScenarioSynthetic {
		if c.Depth <= 0 {
			c.Depth = d.Depth
		}
		if c.FanOut < 0 || c.Attributes < 0 {
			return errors.New("fan-out and attributes must not be negative")
		}
		if n := treeSize(c.Depth, c.FanOut); n > maxSyntheticSpans {
			return fmt.Errorf("depth %d and fan-out %d make %d spans per trace; the limit is %d", c.Depth, c.FanOut, n, maxSyntheticSpans)
		}
	}
	if c.Seed == 0 {
		var b [8]byte
		if _, err := crand.Read(b[:]); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		c.Seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	return nil
}

// sampler builds the configured sampler (OTEL_TRACES_SAMPLER's names).
func (c *Config) sampler() sdktrace.Sampler {
	switch c.Sampler {
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(c.SampleRatio)
	case "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample())
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	}
	return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(c.SampleRatio))
}

// serviceName is the service.name a shop service exports under.
func (c *Config) serviceName(name string) string {
	if c.ServiceName == "" {
		return name
	}
	return c.ServiceName + "-" + name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Summary is what a run did, for the report printed at the end.
type Summary struct {
	Scenario string
	Seed     uint64
	// Requests the load driver completed, and how many of them failed
	// (the injected --error-rate shows up here).
	Requests int64
	Failed   int64
	// Elapsed is the load phase; Total adds setup and the final flush, and
	// is what spans/s is computed over.
	Elapsed time.Duration
	Total   time.Duration
	// Spans, summed over services, and per service.
	Spans      ServiceCount
	ByService  []ServiceCount
	Redactions int64
	// Errors are distinct export and SDK errors with their counts.
	Errors []ErrorCount
}

// ServiceCount is one service's (or the total's) span accounting.
// Created is every span started, Sampled those the sampler kept, Ended the
// sampled ones that ended, Exported those the exporter accepted, Failed
// those in failed export calls; Dropped() is the rest: spans the batch
// processor discarded because its queue was full.
type ServiceCount struct {
	Service  string
	Created  int64
	Sampled  int64
	Ended    int64
	Exported int64
	Failed   int64
}

// Dropped is the number of ended spans that reached no exporter.
func (c ServiceCount) Dropped() int64 {
	if d := c.Ended - c.Exported - c.Failed; d > 0 {
		return d
	}
	return 0
}

// ErrorCount is one distinct error, how often it occurred and in which
// services.
type ErrorCount struct {
	Message  string
	Count    int
	Services []string
}

// WriteTo prints the summary as text.
func (s *Summary) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	secs := s.Elapsed.Seconds()
	rate := func(n int64) float64 {
		if secs <= 0 {
			return 0
		}
		return float64(n) / secs
	}
	fmt.Fprintf(&b, "emit: scenario %s, seed %d: %d requests (%d failed) in %s, %.1f req/s\n",
		s.Scenario, s.Seed, s.Requests, s.Failed, s.Elapsed.Round(time.Millisecond), rate(s.Requests))
	t := s.Spans
	spansPerSec := 0.0
	if s.Total > 0 {
		spansPerSec = float64(t.Exported) / s.Total.Seconds()
	}
	fmt.Fprintf(&b, "spans: created %d, sampled %d, exported %d, export failed %d, dropped %d (%.0f spans/s exported over %s incl. flush)\n",
		t.Created, t.Sampled, t.Exported, t.Failed, t.Dropped(), spansPerSec, s.Total.Round(time.Millisecond))
	if s.Redactions > 0 {
		fmt.Fprintf(&b, "redaction: %d values rewritten\n", s.Redactions)
	}
	if len(s.ByService) > 1 {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "service\tcreated\tsampled\texported\tfailed\tdropped\t")
		for _, c := range s.ByService {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", c.Service, c.Created, c.Sampled, c.Exported, c.Failed, c.Dropped())
		}
		tw.Flush()
	}
	for _, e := range s.Errors {
		where := ""
		if len(e.Services) > 0 {
			where = " in " + strings.Join(e.Services, ", ")
		}
		fmt.Fprintf(&b, "error (%d×%s): %s\n", e.Count, where, termstr.Escape(e.Message))
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// Run generates traffic as cfg says, flushes every batch and reports what
// was created, exported and dropped. Spans go to cfg.Out as OTLP JSON lines
// or to the OTLP endpoint. An export failure is not an error of Run: it is
// counted in the summary (the caller decides what it means).
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	// The first failed export (after the exporter's retries) stops the
	// load: loadCtx ends with an *ExportError as its cause.
	loadCtx, stopLoad := context.WithCancelCause(ctx)
	defer stopLoad(nil)
	p, err := newPipeline(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Out == nil {
		p.onFail = func(err error) { stopLoad(&ExportError{Target: p.target, Err: err}) }
	}
	// The batch processor reports export errors through the global handler;
	// collect them (deduplicated) instead of logging one line per batch.
	otel.SetErrorHandler(&p.errs)
	// The SDK's exporters read OTEL_EXPORTER_OTLP_* themselves too and log
	// what they cannot parse; ReadEnv has already reported (or accepted)
	// every such value, so their log would only repeat it, unformatted.
	otel.SetLogger(logr.Discard())

	var flushing atomic.Bool
	report := func() {
		st := p.status()
		st.Elapsed, st.Flushing = time.Since(start), flushing.Load()
		st.Destination = "OTLP JSON lines"
		if cfg.Out == nil {
			st.Destination = p.target.String()
		}
		cfg.Status(st)
	}
	stopStatus := func() {}
	if cfg.Status != nil {
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					report()
				}
			}
		}()
		// The last report, after the flush, carries the final counts.
		stopStatus = func() { close(done); wg.Wait(); report() }
	}

	var load loadResult
	switch cfg.Scenario {
	case ScenarioShop:
		load, err = runShop(loadCtx, &cfg, p)
	case ScenarioSynthetic:
		load, err = runSynthetic(loadCtx, &cfg, p)
	}
	flushing.Store(true)
	// Flush whatever was created, even after an error, so nothing is lost;
	// after a failed export, briefly: the rest would fail the same way.
	flushTimeout := cfg.ShutdownTimeout
	var exportErr *ExportError
	if errors.As(context.Cause(loadCtx), &exportErr) {
		flushTimeout = min(flushTimeout, time.Second)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	serr := p.shutdown(sctx)
	stopStatus()
	// An export that failed during the load or the final flush is the
	// reason the run failed; what followed from it (cancelled requests, a
	// flush that failed the same way) is not news.
	if exportErr != nil || errors.As(context.Cause(loadCtx), &exportErr) {
		err = exportErr
	} else if serr != nil {
		err = errors.Join(err, serr)
	}
	sum := &Summary{
		Scenario:   cfg.Scenario,
		Seed:       cfg.Seed,
		Requests:   load.requests,
		Failed:     load.failed,
		Elapsed:    load.elapsed,
		Total:      time.Since(start),
		ByService:  p.sortedCounts(),
		Redactions: p.redactions(),
		Errors:     p.errs.list(),
	}
	sum.Spans.Service = "total"
	for _, c := range sum.ByService {
		sum.Spans.Created += c.Created
		sum.Spans.Sampled += c.Sampled
		sum.Spans.Ended += c.Ended
		sum.Spans.Exported += c.Exported
		sum.Spans.Failed += c.Failed
	}
	return sum, err
}
