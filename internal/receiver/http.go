package receiver

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
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

const (
	contentProto = "application/x-protobuf"
	contentJSON  = "application/json"
)

func (s *Server) newHTTPServer() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc(TracesPath, s.handleTraces)
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
	// Reserve the announced size before reading, so a full budget costs
	// the sender a round trip but not our memory.
	var held int64
	if r.ContentLength > 0 {
		if !s.budget.tryAcquire(r.ContentLength) {
			f := s.busy()
			s.httpFail(w, isProto, http.StatusTooManyRequests, codes.ResourceExhausted, f.msg, nil)
			return
		}
		held = r.ContentLength
	}
	body, err := readBody(r.Body, r.ContentLength, gzipped, max)
	if err != nil {
		s.budget.release(held)
		s.bad.Add(1)
		if errors.Is(err, errTooLarge) {
			s.httpFail(w, isProto, http.StatusRequestEntityTooLarge, codes.ResourceExhausted,
				fmt.Sprintf("request body is over the limit of %d bytes (after decompression)", max), nil)
			return
		}
		s.httpFail(w, isProto, http.StatusBadRequest, codes.InvalidArgument, "reading the request body: "+err.Error(), nil)
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

// readBody reads a request body of at most max bytes after
// decompression; a gzip bomb stops at max+1 bytes.
func readBody(r io.Reader, contentLength int64, gzipped bool, max int64) ([]byte, error) {
	raw := io.LimitReader(r, max+1)
	if gzipped {
		zr, err := gzip.NewReader(raw)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		raw = io.LimitReader(zr, max+1)
	}
	var buf bytes.Buffer
	if contentLength > 0 && !gzipped {
		buf.Grow(int(contentLength) + 1)
	}
	if _, err := buf.ReadFrom(raw); err != nil {
		if gzipped {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return nil, err
	}
	if int64(buf.Len()) > max {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
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
