package ingest

// Inputs that are URLs: an http:// or https:// argument is fetched and read
// like a file, so a backend's query API is an input like any dump:
// Jaeger's /api/v3/traces/{id} and /api/v3/traces?query.… (OTLP JSON in a
// {"result": …} envelope), Tempo's /api/traces/{id}, and so on.
//
// A URL input fails as a file does, as an *Error naming it: a refused
// connection, a timeout, a non-2xx answer (quoting the status and the start
// of the body), an HTML page where traces were expected, a body cut short.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tracectl/tracectl/internal/termstr"
)

// HTTPOptions control how URL inputs are fetched.
type HTTPOptions struct {
	// Header is sent with every request (e.g. Authorization).
	Header http.Header
	// Timeout bounds connecting and waiting for the answer's headers, and
	// then each wait for more of the body: a backend that stops sending
	// mid-stream fails after Timeout, however long the whole body takes.
	// 0 means DefaultHTTPTimeout.
	Timeout time.Duration
	// Client is the client used; nil means one made for these options.
	Client *http.Client
}

// DefaultHTTPTimeout is HTTPOptions.Timeout's default.
const DefaultHTTPTimeout = 30 * time.Second

// IsURL reports whether an input names an http or https URL.
func IsURL(in string) bool {
	return strings.HasPrefix(in, "http://") || strings.HasPrefix(in, "https://")
}

// DisplayURL is the URL as errors and warnings name it: without a password.
func DisplayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// maxErrorBody is how much of a failed answer's body an error quotes.
const maxErrorBody = 200

// openURL fetches a URL input and returns its body, ready to decode. The
// caller closes it.
func openURL(raw string, o *HTTPOptions) (io.ReadCloser, error) {
	name := DisplayURL(raw)
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		cancel()
		return nil, &Error{Name: name, Err: err}
	}
	for k, vs := range o.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json, application/x-protobuf;q=0.9, */*;q=0.1")
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			TLSHandshakeTimeout: timeout,
		}}
	}
	// The watchdog cancels the request when no byte has come for timeout:
	// before the headers (a backend that accepts and never answers) and
	// between reads of the body.
	w := newWatchdog(timeout, cancel)
	resp, err := client.Do(req)
	if err != nil {
		w.stop()
		if w.fired() {
			err = fmt.Errorf("no answer within %v", timeout)
		}
		return nil, &Error{Name: name, Err: urlError(err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		defer w.stop()
		head, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+1))
		msg := "HTTP " + resp.Status
		if s := quoteBody(head); s != "" {
			msg += ": " + s
		}
		return nil, &Error{Name: name, Err: errors.New(msg)}
	}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/html") {
		resp.Body.Close()
		w.stop()
		return nil, &Error{Name: name, Err: errors.New("answered with an HTML page, not traces (the UI's address rather than its API? e.g. Jaeger's /api/v3/traces/{id})")}
	}
	return &urlBody{body: resp.Body, name: name, w: w, timeout: timeout}, nil
}

// urlError drops what *url.Error repeats (the method and the URL, which the
// *Error names already).
func urlError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// quoteBody is the start of a body for an error message: cut short (never
// inside a character), white space collapsed, and made safe for a terminal
// by the one escaper every output uses.
func quoteBody(b []byte) string {
	cut := len(b) > maxErrorBody
	if cut {
		b = b[:maxErrorBody]
		i := len(b) - 1
		for i > 0 && !utf8.RuneStart(b[i]) {
			i--
		}
		if i >= 0 && !utf8.FullRune(b[i:]) {
			b = b[:i] // a character the limit cut in two
		}
	}
	s := termstr.Escape(strings.Join(strings.Fields(string(b)), " "))
	if cut && s != "" {
		s += "…"
	}
	return s
}

// urlBody is a fetched body. A read that fails because the watchdog fired
// says so; a body shorter than its Content-Length is an unexpected EOF,
// which the decoders report as a cut-short input.
type urlBody struct {
	body    io.ReadCloser
	name    string
	w       *watchdog
	timeout time.Duration
}

func (u *urlBody) Read(p []byte) (int, error) {
	u.w.reset()
	n, err := u.body.Read(p)
	if err != nil && err != io.EOF {
		if u.w.fired() {
			return n, fmt.Errorf("the body stopped coming for %v", u.timeout)
		}
		return n, urlError(err)
	}
	return n, err
}

func (u *urlBody) Close() error {
	u.w.stop()
	return u.body.Close()
}

// watchdog calls cancel when it is not reset for timeout.
type watchdog struct {
	mu      sync.Mutex
	t       *time.Timer
	timeout time.Duration
	did     bool
}

func newWatchdog(timeout time.Duration, cancel context.CancelFunc) *watchdog {
	w := &watchdog{timeout: timeout}
	w.t = time.AfterFunc(timeout, func() {
		w.mu.Lock()
		w.did = true
		w.mu.Unlock()
		cancel()
	})
	return w
}

func (w *watchdog) reset() { w.t.Reset(w.timeout) }

func (w *watchdog) stop() { w.t.Stop() }

func (w *watchdog) fired() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.did
}

// ParseHeader parses one header as `--header` takes it: "Name: value" (as
// curl) or "Name=value" (as OTEL_EXPORTER_OTLP_HEADERS).
func ParseHeader(s string) (name, value string, err error) {
	i := strings.IndexAny(s, ":=")
	if i <= 0 {
		return "", "", fmt.Errorf("header %q: want 'Name: value' or 'Name=value'", s)
	}
	name, value = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	if name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "", "", fmt.Errorf("header %q: bad name", s)
	}
	if strings.ContainsAny(value, "\r\n") {
		return "", "", fmt.Errorf("header %q: value has a line break", s)
	}
	return name, value, nil
}

// ParseHeaderList parses a comma-separated list of name=value pairs with
// URL-encoded values, the format of OTEL_EXPORTER_OTLP_HEADERS, which
// TRACECTL_HEADERS shares.
func ParseHeaderList(s string) (http.Header, error) {
	h := http.Header{}
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want name=value", part)
		}
		k = strings.TrimSpace(k)
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		if k == "" || strings.ContainsAny(k, " \t\r\n") || strings.ContainsAny(dv, "\r\n") {
			return nil, fmt.Errorf("%q: bad header", part)
		}
		h.Add(k, dv)
	}
	return h, nil
}

// sniffHTML reports whether the start of an input is an HTML page: a
// server that answers 200 with text/plain or no content type for a wrong
// path, or a saved page given as a file.
func sniffHTML(head []byte) bool {
	head = bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(head) == 0 || head[0] != '<' {
		return false
	}
	lower := bytes.ToLower(head[:min(len(head), 64)])
	return bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) ||
		bytes.HasPrefix(lower, []byte("<head")) || bytes.HasPrefix(lower, []byte("<!--"))
}
