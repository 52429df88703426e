package emit

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// httpJSONExporter sends OTLP/HTTP with JSON bodies (protocol http/json).
// The Go SDK's otlptracehttp speaks only http/protobuf, so emit sends JSON
// itself, with the same encoder as its JSON lines (hex ids, per the OTLP
// spec), the same headers, TLS and gzip settings, and the retry rule of
// the OTLP/HTTP specification: 429, 502, 503 and 504 are retried with
// backoff (honouring Retry-After) until the export's deadline.
type httpJSONExporter struct {
	client  *http.Client
	url     string
	headers map[string]string
	gzip    bool
	timeout time.Duration
}

func newHTTPJSONExporter(t Target, cfg *Config) *httpJSONExporter {
	timeout, _ := cfg.exporterTimeouts()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = t.TLS
	return &httpJSONExporter{
		client:  &http.Client{Transport: tr},
		url:     t.URL.String(),
		headers: cfg.Headers,
		gzip:    cfg.Compression == "gzip",
		timeout: timeout,
	}
}

// ExportSpans implements sdktrace.SpanExporter.
func (e *httpJSONExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	body := AppendRequestJSON(nil, ToResourceSpans(spans))
	if e.gzip {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		zw.Write(body) //nolint:errcheck // writes to memory
		zw.Close()     //nolint:errcheck // writes to memory
		body = zb.Bytes()
	}
	wait := 100 * time.Millisecond
	var last error // the last answer of the destination itself
	for {
		retryAfter, err := e.send(ctx, body)
		if ctx.Err() != nil && last != nil {
			// The deadline cut this attempt short: what the destination
			// said before is the news, not "deadline exceeded".
			return fmt.Errorf("%w (gave up retrying at the export timeout)", last)
		}
		if err == nil || retryAfter < 0 {
			return err
		}
		last = err
		if retryAfter == 0 {
			retryAfter = wait
			wait = min(2*wait, time.Second)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < retryAfter {
			return fmt.Errorf("%w (gave up retrying at the export timeout)", last)
		}
		t := time.NewTimer(retryAfter)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up retrying at the export timeout)", last)
		case <-t.C:
		}
	}
}

// send posts one body. retryAfter < 0 means the error is final; 0 means
// retry after the backoff; > 0 is the server's Retry-After.
func (e *httpJSONExporter) send(ctx context.Context, body []byte) (retryAfter time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return -1, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tracectl-emit/"+Version)
	if e.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range e.headers {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		// Connection-level failures (refused, reset) may pass: retry them
		// like 503, within the deadline.
		return 0, fmt.Errorf("failed to send to %s: %w", e.url, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return -1, nil
	}
	err = fmt.Errorf("failed to send to %s: %s: %q", e.url, resp.Status, strings.TrimSpace(string(msg)))
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
			return time.Duration(s) * time.Second, err
		}
		return 0, err
	}
	return -1, err
}

// Shutdown implements sdktrace.SpanExporter.
func (e *httpJSONExporter) Shutdown(context.Context) error {
	e.client.CloseIdleConnections()
	return nil
}
