// Package receiver owns tracectl's OTLP trace receiver: the OTLP/gRPC
// TraceService and OTLP/HTTP POST /v1/traces (protobuf and JSON bodies,
// gzip), with the answers the OTLP specification asks for — success,
// partial success for rejected spans, 400 with a google.rpc.Status for
// malformed bodies, 413 over the size limit, 415 for unknown content types,
// 429 / RESOURCE_EXHAUSTED with a retry delay when its memory budget is
// full. Bodies are decoded by package ingest, the same fast decoder that
// reads files. It also writes received spans back out as OTLP (output.go,
// with ingest's encoders) for `tracectl receive --out`.
//
// Every accepted batch is handed to Options.Deliver before the request is
// acknowledged, so a span acknowledged with 200/OK has been delivered. The
// package does not group spans into traces (package live) or print them.
package receiver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"github.com/tracectl/tracectl/internal/dag"
)

// Defaults for Options.
const (
	DefaultGRPCAddr       = "127.0.0.1:4317"
	DefaultHTTPAddr       = "127.0.0.1:4318"
	DefaultMaxRequestSize = 20 << 20 // the OTLP spec's recommended limit
	DefaultMaxMemory      = 256 << 20
	DefaultRetryAfter     = time.Second
	DefaultBodyTimeout    = 30 * time.Second
)

// Options configure a Server.
type Options struct {
	GRPCAddr string // OTLP/gRPC listen address; "" disables gRPC
	HTTPAddr string // OTLP/HTTP listen address; "" disables HTTP
	// MaxRequestSize bounds a request body after decompression.
	MaxRequestSize int64
	// MaxMemory bounds the memory held by requests being decoded,
	// waiting in Deliver, or retained after it (Batch.Retain): body bytes
	// plus decoded spans. A request that
	// would take it over is refused with 429 / RESOURCE_EXHAUSTED and a
	// retry delay, so a slow consumer slows senders down instead of
	// growing the heap.
	MaxMemory int64
	// RetryAfter is the delay suggested to refused senders.
	RetryAfter time.Duration
	// BodyTimeout bounds the time an OTLP/HTTP sender has to send its
	// request body (408 beyond).
	BodyTimeout time.Duration
	// Deliver receives each request's accepted spans before the request is
	// acknowledged; it may block (the request, and its share of MaxMemory,
	// wait). Returning ErrBusy refuses the request with 429; any other
	// error answers 503 / UNAVAILABLE. Deliver is called concurrently.
	Deliver func(*Batch) error
}

// Batch is what one export request delivered.
type Batch struct {
	// Spans are the accepted spans. Their strings may share memory with
	// Body.
	Spans []dag.Span
	// Body is the request body, decompressed: an ExportTraceServiceRequest
	// in protobuf (Proto true) or OTLP/JSON.
	Body  []byte
	Proto bool
	// Rejected counts spans of the request that were not accepted (and are
	// not in Spans); when it is non-zero, Body still holds them.
	Rejected int

	charge  int64
	budget  *budget
	release sync.Once
	kept    bool
}

// Retain keeps the batch's share of the memory budget charged after
// Deliver returns, for a Deliver that queues the batch instead of finishing
// with it; call the returned function once the batch is no longer held.
// Call Retain only from Deliver. When Deliver returns an error the
// receiver releases the charge itself and the function does nothing.
func (b *Batch) Retain() (release func()) {
	b.kept = true
	return b.free
}

func (b *Batch) free() {
	b.release.Do(func() {
		if b.budget != nil {
			b.budget.release(b.charge)
		}
	})
}

// ErrBusy is returned by Deliver to refuse a request as overloaded.
var ErrBusy = errors.New("receiver busy")

// Stats count what a Server has done. Read them with Server.Stats.
type Stats struct {
	Requests int64 // export requests answered 200/OK
	Spans    int64 // spans accepted
	Rejected int64 // spans rejected (partial success)
	Refused  int64 // requests refused for lack of memory (429 / RESOURCE_EXHAUSTED)
	Bad      int64 // requests refused as malformed, too large or of an unknown type
}

// Server is a running OTLP receiver.
type Server struct {
	opts   Options
	budget budget

	grpcLn, httpLn net.Listener
	grpcSrv        *grpc.Server
	httpSrv        *http.Server
	serveErr       chan error
	wg             sync.WaitGroup

	requests, spans, rejected, refused, bad atomic.Int64
}

// Start listens on the configured addresses and serves in the background.
// Listening errors (address in use) are returned at once.
func Start(opts Options) (*Server, error) {
	if opts.GRPCAddr == "" && opts.HTTPAddr == "" {
		return nil, errors.New("both the gRPC and the HTTP address are empty: nothing to listen on")
	}
	if opts.MaxRequestSize <= 0 {
		opts.MaxRequestSize = DefaultMaxRequestSize
	}
	if opts.MaxMemory <= 0 {
		opts.MaxMemory = DefaultMaxMemory
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = DefaultRetryAfter
	}
	if opts.BodyTimeout <= 0 {
		opts.BodyTimeout = DefaultBodyTimeout
	}
	if opts.Deliver == nil {
		opts.Deliver = func(*Batch) error { return nil }
	}
	s := &Server{opts: opts, budget: budget{max: opts.MaxMemory}, serveErr: make(chan error, 2)}
	var err error
	if opts.GRPCAddr != "" {
		if s.grpcLn, err = net.Listen("tcp", opts.GRPCAddr); err != nil {
			return nil, fmt.Errorf("otlp/grpc: %w", err)
		}
	}
	if opts.HTTPAddr != "" {
		if s.httpLn, err = net.Listen("tcp", opts.HTTPAddr); err != nil {
			if s.grpcLn != nil {
				s.grpcLn.Close()
			}
			return nil, fmt.Errorf("otlp/http: %w", err)
		}
	}
	if s.grpcLn != nil {
		s.grpcSrv = s.newGRPCServer()
		s.serve(func() error { return s.grpcSrv.Serve(s.grpcLn) })
	}
	if s.httpLn != nil {
		s.httpSrv = s.newHTTPServer()
		s.serve(func() error {
			if err := s.httpSrv.Serve(s.httpLn); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	return s, nil
}

func (s *Server) serve(f func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := f(); err != nil {
			s.serveErr <- err
		}
	}()
}

// GRPCAddr returns the gRPC listener's address (nil when disabled).
func (s *Server) GRPCAddr() net.Addr {
	if s.grpcLn == nil {
		return nil
	}
	return s.grpcLn.Addr()
}

// HTTPAddr returns the HTTP listener's address (nil when disabled).
func (s *Server) HTTPAddr() net.Addr {
	if s.httpLn == nil {
		return nil
	}
	return s.httpLn.Addr()
}

// Err delivers an error if a listener fails while serving.
func (s *Server) Err() <-chan error { return s.serveErr }

// Shutdown stops accepting connections and requests, waits for the
// requests in flight to be answered (their Deliver calls have returned
// when it returns nil), and closes the listeners. When ctx ends first the
// remaining connections are cut and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	var wg sync.WaitGroup
	var httpErr error // the HTTP goroutine's own: errs is appended to below
	if s.httpSrv != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.httpSrv.Shutdown(ctx); err != nil {
				s.httpSrv.Close()
				httpErr = fmt.Errorf("otlp/http: %w", err)
			}
		}()
	}
	if s.grpcSrv != nil {
		done := make(chan struct{})
		go func() {
			s.grpcSrv.GracefulStop()
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			s.grpcSrv.Stop()
			<-done
			errs = append(errs, fmt.Errorf("otlp/grpc: %w", ctx.Err()))
		}
	}
	wg.Wait()
	if httpErr != nil {
		errs = append(errs, httpErr)
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	return Stats{
		Requests: s.requests.Load(), Spans: s.spans.Load(), Rejected: s.rejected.Load(),
		Refused: s.refused.Load(), Bad: s.bad.Load(),
	}
}

// failure is why a request was not accepted, mapped to an HTTP status or a
// gRPC code by the transport.
type failure struct {
	kind failureKind
	msg  string
}

type failureKind uint8

const (
	failBadData     failureKind = iota + 1 // 400 / INVALID_ARGUMENT
	failTooLarge                           // 413 / RESOURCE_EXHAUSTED without retry info
	failBusy                               // 429 / RESOURCE_EXHAUSTED with retry info
	failUnavailable                        // 503 / UNAVAILABLE
)

func (f *failure) Error() string { return f.msg }

// accept decodes a request body (holding held bytes of the budget
// already), keeps the valid spans, delivers them and releases the budget.
// It returns the number of rejected spans and, when there are any, why.
func (s *Server) accept(body []byte, isProto bool, held int64) (rejected int, why string, fail *failure) {
	defer func() { s.budget.release(held) }()
	if n := int64(len(body)); n > held {
		if !s.budget.tryGrow(n-held, held) {
			return 0, "", s.busy()
		}
		held = n
	}
	spans, err := decodeBody(body, isProto)
	if err != nil {
		s.bad.Add(1)
		return 0, "", &failure{failBadData, err.Error()}
	}
	if n := dag.MemSize(spans); !s.budget.tryGrow(n, held) {
		return 0, "", s.busy()
	} else {
		held += n
	}
	spans, rejected, why = validate(spans)
	if len(spans) > 0 || rejected > 0 {
		b := &Batch{Spans: spans, Body: body, Proto: isProto, Rejected: rejected, charge: held, budget: &s.budget}
		held = 0 // the batch carries the charge now
		err = s.opts.Deliver(b)
		if err != nil || !b.kept {
			b.free()
		}
	}
	switch {
	case errors.Is(err, ErrBusy):
		return 0, "", s.busy()
	case err != nil:
		return 0, "", &failure{failUnavailable, err.Error()}
	}
	s.requests.Add(1)
	s.spans.Add(int64(len(spans)))
	s.rejected.Add(int64(rejected))
	return rejected, why, nil
}

func (s *Server) busy() *failure {
	s.refused.Add(1)
	return &failure{failBusy, fmt.Sprintf("tracectl receiver memory budget (%d bytes) is full; retry later", s.opts.MaxMemory)}
}

// validate drops spans that cannot be placed in a trace: an all-zero trace
// id or span id (the OTLP spec makes both invalid).
func validate(spans []dag.Span) (kept []dag.Span, rejected int, why string) {
	kept = spans[:0]
	var zeroTrace, zeroSpan int
	for i := range spans {
		switch {
		case spans[i].TraceID.IsZero():
			zeroTrace++
		case spans[i].SpanID.IsZero():
			zeroSpan++
		default:
			kept = append(kept, spans[i])
		}
	}
	rejected = zeroTrace + zeroSpan
	switch {
	case zeroTrace > 0 && zeroSpan > 0:
		why = fmt.Sprintf("%s with an all-zero trace id and %d with an all-zero span id rejected", dag.Plural(zeroTrace, "span"), zeroSpan)
	case zeroTrace > 0:
		why = fmt.Sprintf("%s with an all-zero (invalid) trace id rejected", dag.Plural(zeroTrace, "span"))
	case zeroSpan > 0:
		why = fmt.Sprintf("%s with an all-zero (invalid) span id rejected", dag.Plural(zeroSpan, "span"))
	}
	return kept, rejected, why
}

// budget is a non-blocking counting semaphore over bytes.
type budget struct {
	mu        sync.Mutex
	used, max int64
}

// tryGrow acquires n more bytes for a request that holds held bytes
// already. A single request larger than the whole budget is let through
// when nothing else is held, so it cannot be refused forever.
func (b *budget) tryGrow(n, held int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max && b.used > held {
		return false
	}
	b.used += n
	return true
}

// full reports whether nothing more can be acquired.
func (b *budget) full() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used >= b.max
}

// Pressure reports whether more than nine tenths of the memory budget are
// in use: time to let go of held traces early.
func (s *Server) Pressure() bool {
	b := &s.budget
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used > b.max/10*9
}

// MemoryInUse returns the bytes charged to the memory budget now.
func (s *Server) MemoryInUse() int64 {
	b := &s.budget
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}
