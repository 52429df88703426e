package receiver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tracectl/tracectl/internal/ingest"
)

// FuzzHTTPHandler feeds arbitrary bodies to the OTLP/HTTP handler: it must
// never panic, must answer with one of the statuses the spec allows, and
// every span it accepts must come out of the --out encoders as a message
// the reference library reads back.
func FuzzHTTPHandler(f *testing.F) {
	good, _ := proto.Marshal(request(3, 1))
	goodJSON, _ := protojson.Marshal(request(2, 0))
	f.Add(good, true, false)
	f.Add(goodJSON, false, false)
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102","spanId":"zz"}]}]}]}`), false, false)
	f.Add([]byte("\x0a\x05\x12\x03\x12\x01\x00"), true, false)
	f.Add(gzipBytes(f, good), true, true)
	f.Fuzz(func(t *testing.T, body []byte, isProto, gzipped bool) {
		s := &Server{opts: Options{MaxRequestSize: 1 << 20, MaxMemory: 1 << 30, RetryAfter: 1}, budget: budget{max: 1 << 30}}
		s.opts.Deliver = func(b *Batch) error {
			var m proto.Message = request(0, 0)
			if err := proto.Unmarshal(ingest.AppendOTLPProto(nil, b.Spans), m); err != nil {
				t.Errorf("AppendProto output unreadable: %v", err)
			}
			ingest.AppendOTLPJSON(nil, b.Spans)
			return nil
		}
		req := httptest.NewRequest(http.MethodPost, TracesPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", map[bool]string{true: contentProto, false: contentJSON}[isProto])
		if gzipped {
			req.Header.Set("Content-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		s.handleTraces(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Errorf("status %d for %q", rec.Code, body)
		}
	})
}
