package receiver

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
)

// TracesPath is the OTLP/HTTP path for traces.
const TracesPath = "/v1/traces"

// HealthPath answers 200 once the receiver is serving.
const HealthPath = "/healthz"

const (
	contentProto = "application/x-protobuf"
	contentJSON  = "application/json"
)

func (s *Server) newHTTPServer() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc(TracesPath, s.handleTraces)
	mux.HandleFunc(HealthPath, s.handleHealth)
	mux.HandleFunc("/{$}", s.handleHealth)
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
}

// errTooLarge marks a body over MaxRequestSize (before or after gunzip).
var errTooLarge = errors.New("request body too large")

func (s *Server) handleTraces(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.httpFail(w, true, http.StatusMethodNotAllowed, codes.Unimplemented, "OTLP/HTTP takes POST "+TracesPath, nil)
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var isProto bool
	switch mt {
	case contentProto, "application/protobuf":
		isProto = true
	case contentJSON:
	default:
		s.bad.Add(1)
		s.httpFail(w, true, http.StatusUnsupportedMediaType, codes.InvalidArgument,
			fmt.Sprintf("unsupported content type %q: want %s or %s", r.Header.Get("Content-Type"), contentProto, contentJSON), nil)
		return
	}
	gzipped := false
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		gzipped = true
	default:
		s.bad.Add(1)
		s.httpFail(w, isProto, http.StatusUnsupportedMediaType, codes.InvalidArgument,
			fmt.Sprintf("unsupported content encoding %q: want gzip or none", enc), nil)
		return
	}
	max := s.opts.MaxRequestSize
	if r.ContentLength > max {
		s.bad.Add(1)
		s.httpFail(w, isProto, http.StatusRequestEntityTooLarge, codes.ResourceExhausted,
			fmt.Sprintf("request body of %d bytes is over the limit of %d", r.ContentLength, max), nil)
		return
	}
	// A sender gets BodyTimeout to send its body: one that announces a
	// large body and trickles it holds a connection, not the budget, and
	// not for long.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.opts.BodyTimeout))
	body, held, err := s.readBody(r.Body, r.ContentLength, gzipped, max)
	if err != nil {
		s.budget.release(held)
		var ne net.Error
		switch {
		case errors.Is(err, errBusy):
			f := s.busy()
			s.httpFail(w, isProto, http.StatusTooManyRequests, codes.ResourceExhausted, f.msg, nil)
		case errors.Is(err, errTooLarge):
			s.bad.Add(1)
			s.httpFail(w, isProto, http.StatusRequestEntityTooLarge, codes.ResourceExhausted,
				fmt.Sprintf("request body is over the limit of %d bytes (after decompression)", max), nil)
		case errors.As(err, &ne) && ne.Timeout():
			s.bad.Add(1)
			s.httpFail(w, isProto, http.StatusRequestTimeout, codes.DeadlineExceeded,
				fmt.Sprintf("request body not received within %s", s.opts.BodyTimeout), nil)
		default:
			s.bad.Add(1)
			s.httpFail(w, isProto, http.StatusBadRequest, codes.InvalidArgument, "reading the request body: "+err.Error(), nil)
		}
		return
	}
	rejected, why, fail := s.accept(body, isProto, held)
	if fail != nil {
		switch fail.kind {
		case failBadData:
			s.httpFail(w, isProto, http.StatusBadRequest, codes.InvalidArgument, fail.msg,
				&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "body", Description: fail.msg}}})
		case failBusy:
			s.httpFail(w, isProto, http.StatusTooManyRequests, codes.ResourceExhausted, fail.msg, nil)
		default:
			s.httpFail(w, isProto, http.StatusServiceUnavailable, codes.Unavailable, fail.msg, nil)
		}
		return
	}
	resp := &coltracepb.ExportTraceServiceResponse{}
	if rejected > 0 {
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{RejectedSpans: int64(rejected), ErrorMessage: why}
	}
	writeMessage(w, isProto, http.StatusOK, resp)
}

// errBusy: the memory budget could not cover the body read so far.
var errBusy = errors.New("memory budget full")

// bodyChunk is the first buffer of a request body and its smallest growth.
const bodyChunk = 32 << 10

// readBody reads a request body of at most max bytes after decompression,
// charging the budget for its buffer as it grows — for what has arrived
// (decompressed), never for what a header announced — so a gzip bomb stops
// at max+1 bytes and a body the budget cannot hold stops with errBusy. It
// returns the bytes charged (held) even on error, for the caller to
// release.
func (s *Server) readBody(r io.Reader, contentLength int64, gzipped bool, limit int64) (body []byte, held int64, err error) {
	src := io.LimitReader(r, limit+1)
	if gzipped {
		zr, err := gzip.NewReader(src) // reads the gzip header: waits for bytes
		if err != nil {
			return nil, 0, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		src = io.LimitReader(zr, limit+1)
	}
	// Nothing is charged before the first bytes arrive: a sender that
	// announces a body and sends nothing holds a connection, not memory.
	var first [512]byte
	n, rerr := src.Read(first[:])
	for n == 0 && rerr == nil {
		n, rerr = src.Read(first[:])
	}
	if n == 0 && rerr == io.EOF {
		return nil, 0, nil // an empty body
	}
	size := int64(bodyChunk)
	if !gzipped && contentLength > 0 {
		size = min(contentLength+1, size) // +1: room to see the end
	}
	size = max(size, int64(n))
	for {
		if n > 0 || body == nil {
			if len(body)+n > cap(body) || body == nil {
				// Double, from one chunk, up to limit+1 bytes (one more than
				// allowed, to see that it is too large).
				grow := min(max(int64(cap(body)), size), limit+1-int64(cap(body)))
				if !s.budget.tryGrow(grow, held) {
					return nil, held, errBusy
				}
				held += grow
				nb := make([]byte, len(body), int64(cap(body))+grow)
				copy(nb, body)
				body = nb
			}
			body = append(body, first[:n]...)
			n = 0
		}
		if int64(len(body)) > limit {
			return nil, held, errTooLarge
		}
		if rerr == io.EOF {
			return body, held, nil
		}
		if rerr != nil {
			if gzipped && !isNetErr(rerr) {
				return nil, held, fmt.Errorf("gzip: %w", rerr)
			}
			return nil, held, rerr
		}
		if len(body) == cap(body) {
			n, rerr = src.Read(first[:]) // full: grow above, then read on
			continue
		}
		var k int
		k, rerr = src.Read(body[len(body):cap(body)])
		body = body[:len(body)+k]
	}
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

// handleHealth answers GET /healthz (and /) with 200 while the receiver
// serves, for scripts waiting for it to be ready.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "GET or HEAD", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

// httpFail answers with a google.rpc.Status in the request's encoding, as
// the OTLP spec asks for every 4xx and 5xx; 429 and 503 carry Retry-After.
func (s *Server) httpFail(w http.ResponseWriter, isProto bool, status int, code codes.Code, msg string, detail proto.Message) {
	st := &spb.Status{Code: int32(code), Message: msg}
	if detail != nil {
		if a, err := anypb.New(detail); err == nil {
			st.Details = append(st.Details, a)
		}
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		secs := int64((s.opts.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		if a, err := anypb.New(&errdetails.RetryInfo{RetryDelay: durationpb.New(s.opts.RetryAfter)}); err == nil {
			st.Details = append(st.Details, a)
		}
	}
	writeMessage(w, isProto, status, st)
}

func writeMessage(w http.ResponseWriter, isProto bool, status int, m proto.Message) {
	var b []byte
	if isProto {
		w.Header().Set("Content-Type", contentProto)
		b, _ = proto.Marshal(m)
	} else {
		w.Header().Set("Content-Type", contentJSON)
		b, _ = protojson.Marshal(m)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
