// Package sender replays spans to an OTLP receiver (a Collector, Jaeger,
// Tempo, tracectl receive) over OTLP/gRPC or OTLP/HTTP with protobuf
// bodies, as an SDK exporter would: batch by batch, retrying what the OTLP
// specification calls retryable (HTTP 429, 502, 503, 504; gRPC
// UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED, DEADLINE_EXCEEDED) with
// exponential backoff that honours the server's Retry-After / RetryInfo,
// and counting what the receiver accepted and rejected (partial_success).
//
// It encodes with package ingest, which owns the wire format; it does not
// read inputs or choose which spans to send.
package sender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
)

// Protocols.
const (
	GRPC = "grpc"
	HTTP = "http"
)

// Options configure a Sender.
type Options struct {
	// Endpoint is host:port or a URL. For HTTP a URL without a path gets
	// /v1/traces; http:// means no TLS (the default for a bare
	// host:port), https:// TLS. For gRPC, https:// asks for TLS.
	Endpoint string
	Protocol string // GRPC or HTTP
	Header   http.Header
	// Timeout bounds each attempt; MaxElapsed bounds all attempts of one
	// batch (0: 1 minute, as the SDKs' default).
	Timeout    time.Duration
	MaxElapsed time.Duration
	// InitialBackoff is the first retry delay (0: 500ms); it doubles, with
	// jitter, up to 30s.
	InitialBackoff time.Duration
}

// Summary counts what was sent.
type Summary struct {
	Requests int64 // requests answered with success (possibly partial)
	Retries  int64 // attempts repeated after a retryable answer
	Accepted int64 // spans the receiver accepted
	Rejected int64 // spans the receiver rejected (partial_success)
	// Messages are the distinct partial-success messages, in order.
	Messages []string
}

// Sender sends batches to one endpoint. It is not safe for concurrent use.
type Sender struct {
	opts    Options
	url     string // HTTP
	conn    *grpc.ClientConn
	client  coltracepb.TraceServiceClient
	http    *http.Client
	buf     []byte
	Summary Summary
}

// New checks opts and connects (lazily, for gRPC).
func New(opts Options) (*Sender, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxElapsed <= 0 {
		opts.MaxElapsed = time.Minute
	}
	if opts.InitialBackoff <= 0 {
		opts.InitialBackoff = 500 * time.Millisecond
	}
	s := &Sender{opts: opts}
	switch opts.Protocol {
	case HTTP:
		u, err := httpURL(opts.Endpoint)
		if err != nil {
			return nil, err
		}
		s.url = u
		s.http = &http.Client{Timeout: opts.Timeout}
	case GRPC:
		target, tls, err := grpcTarget(opts.Endpoint)
		if err != nil {
			return nil, err
		}
		creds := insecure.NewCredentials()
		if tls {
			creds = credentials.NewClientTLSFromCert(nil, "")
		}
		conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(creds))
		if err != nil {
			return nil, fmt.Errorf("endpoint %q: %w", opts.Endpoint, err)
		}
		s.conn, s.client = conn, coltracepb.NewTraceServiceClient(conn)
	default:
		return nil, fmt.Errorf("unknown protocol %q (want grpc or http)", opts.Protocol)
	}
	return s, nil
}

// httpURL completes an OTLP/HTTP endpoint: a scheme when there is none and
// the signal path when there is no path, as OTEL_EXPORTER_OTLP_ENDPOINT is
// read.
func httpURL(endpoint string) (string, error) {
	if !strings.Contains(endpoint, "://") {
		endpoint = "http://" + endpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("endpoint %q: want host:port or an http(s) URL", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return u.String(), nil
}

func grpcTarget(endpoint string) (target string, tls bool, err error) {
	if i := strings.Index(endpoint, "://"); i >= 0 {
		scheme := endpoint[:i]
		if scheme != "http" && scheme != "https" {
			return "", false, fmt.Errorf("endpoint %q: want host:port or an http(s) URL", endpoint)
		}
		tls, endpoint = scheme == "https", strings.TrimSuffix(endpoint[i+3:], "/")
	}
	if endpoint == "" || strings.ContainsAny(endpoint, "/ ") {
		return "", false, fmt.Errorf("endpoint %q: want host:port", endpoint)
	}
	return endpoint, tls, nil
}

// Close releases the connection.
func (s *Sender) Close() error {
	if s.conn != nil {
		return s.conn.Close()
	}
	return nil
}

// Send sends one batch as one request, retrying while the answer is
// retryable and MaxElapsed allows. An error means the batch was not
// delivered.
func (s *Sender) Send(ctx context.Context, spans []dag.Span) error {
	if len(spans) == 0 {
		return nil
	}
	s.buf = ingest.AppendOTLPProto(s.buf[:0], spans)
	deadline := time.Now().Add(s.opts.MaxElapsed)
	backoff := s.opts.InitialBackoff
	for attempt := 1; ; attempt++ {
		rejected, msg, retryAfter, err := s.attempt(ctx)
		if err == nil {
			s.Summary.Requests++
			s.Summary.Accepted += int64(len(spans)) - rejected
			s.Summary.Rejected += rejected
			if msg != "" && !contains(s.Summary.Messages, msg) && len(s.Summary.Messages) < 10 {
				s.Summary.Messages = append(s.Summary.Messages, msg)
			}
			return nil
		}
		var re *retryable
		if !errors.As(err, &re) {
			return err
		}
		wait := backoff/2 + rand.N(backoff/2+1) // jitter, as the SDKs do
		if retryAfter > 0 {
			wait = retryAfter
		}
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("%w (gave up after %d attempts)", re.err, attempt)
		}
		s.Summary.Retries++
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// retryable marks an error the OTLP spec says to retry.
type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }

// attempt makes one request with s.buf.
func (s *Sender) attempt(ctx context.Context) (rejected int64, msg string, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	if s.client != nil {
		return s.attemptGRPC(ctx)
	}
	return s.attemptHTTP(ctx)
}

func (s *Sender) attemptHTTP(ctx context.Context) (int64, string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(s.buf))
	if err != nil {
		return 0, "", 0, err
	}
	for k, vs := range s.opts.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := s.http.Do(req)
	if err != nil {
		// Refused connections and timeouts: the receiver may come back.
		return 0, "", 0, &retryable{fmt.Errorf("POST %s: %w", s.url, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, "", 0, &retryable{fmt.Errorf("POST %s: reading the answer: %w", s.url, err)}
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		var r coltracepb.ExportTraceServiceResponse
		if len(body) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-protobuf") {
			if err := proto.Unmarshal(body, &r); err != nil {
				return 0, "", 0, fmt.Errorf("POST %s: unreadable answer: %w", s.url, err)
			}
		}
		ps := r.GetPartialSuccess()
		return ps.GetRejectedSpans(), ps.GetErrorMessage(), 0, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusBadGateway ||
		resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout:
		var after time.Duration
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs >= 0 {
			after = time.Duration(secs) * time.Second
		}
		return 0, "", after, &retryable{fmt.Errorf("POST %s: %s", s.url, resp.Status)}
	}
	return 0, "", 0, fmt.Errorf("POST %s: %s: %s", s.url, resp.Status, statusMessage(body))
}

// statusMessage is the message of a google.rpc.Status answer (what OTLP
// receivers send with 4xx), or the start of the body.
func statusMessage(body []byte) string {
	var st spb.Status
	if err := proto.Unmarshal(body, &st); err == nil && st.GetMessage() != "" {
		return st.GetMessage()
	}
	b := body
	if len(b) > 200 {
		b = b[:200]
	}
	return strconv.Quote(strings.TrimSpace(string(b)))
}

func (s *Sender) attemptGRPC(ctx context.Context) (int64, string, time.Duration, error) {
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(s.buf, &req); err != nil {
		return 0, "", 0, fmt.Errorf("encoding: %w", err)
	}
	if len(s.opts.Header) > 0 {
		md := metadata.MD{}
		for k, vs := range s.opts.Header {
			md.Append(strings.ToLower(k), vs...)
		}
		ctx = metadata.NewOutgoingContext(ctx, md)
	}
	resp, err := s.client.Export(ctx, &req)
	if err == nil {
		ps := resp.GetPartialSuccess()
		return ps.GetRejectedSpans(), ps.GetErrorMessage(), 0, nil
	}
	st := status.Convert(err)
	switch st.Code() {
	case codes.Unavailable, codes.ResourceExhausted, codes.Aborted, codes.DeadlineExceeded, codes.Canceled:
		if ctx.Err() != nil && st.Code() == codes.Canceled {
			break
		}
		var after time.Duration
		for _, d := range st.Details() {
			if ri, ok := d.(*errdetails.RetryInfo); ok {
				after = ri.GetRetryDelay().AsDuration()
			}
		}
		return 0, "", after, &retryable{fmt.Errorf("gRPC %s: %s: %s", s.opts.Endpoint, st.Code(), st.Message())}
	}
	return 0, "", 0, fmt.Errorf("gRPC %s: %s: %s", s.opts.Endpoint, st.Code(), st.Message())
}
