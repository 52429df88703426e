package ingest

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

const oneSpan = `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},` +
	`"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708",` +
	`"name":"%s","startTimeUnixNano":"1000","endTimeUnixNano":"2000"}]}]}]}`

func spanJSON(name string) string { return strings.Replace(oneSpan, "%s", name, 1) }

// readURLNames reads inputs and returns the names of the spans read.
func readURLNames(t *testing.T, opts Options, inputs ...string) ([]string, error) {
	t.Helper()
	var names []string
	err := ReadFiles(inputs, nil, opts, func(packed []dag.Span) error {
		b := dag.Unpack(packed)
		for i := range b {
			names = append(names, b[i].Name)
		}
		return nil
	})
	return names, err
}

func TestReadURL(t *testing.T) {
	mux := http.NewServeMux()
	// Jaeger's query API v3: one {"result": …} per line as a search streams.
	mux.HandleFunc("/api/v3/traces", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for _, n := range []string{"a", "b"} {
			w.Write([]byte(`{"result":` + spanJSON(n) + "}\n"))
			w.(http.Flusher).Flush()
		}
	})
	// Tempo: {"batches": [ResourceSpans…]} and {"trace": TracesData}.
	mux.HandleFunc("/tempo/batches", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"batches":` + strings.TrimSuffix(strings.TrimPrefix(spanJSON("batch"), `{"resourceSpans":`), "}") + "}"))
	})
	mux.HandleFunc("/tempo/trace", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"trace":` + spanJSON("traced") + "}"))
	})
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" || r.Header.Get("X-Scope-OrgID") != "team a" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(spanJSON("authed")))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	names, err := readURLNames(t, Options{}, srv.URL+"/api/v3/traces?query.service_name=api")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, names); diff != "" {
		t.Errorf("v3 stream (-want +got):\n%s", diff)
	}
	names, err = readURLNames(t, Options{}, srv.URL+"/tempo/batches", srv.URL+"/tempo/trace")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"batch", "traced"}, names); diff != "" {
		t.Errorf("tempo (-want +got):\n%s", diff)
	}

	if _, err := readURLNames(t, Options{}, srv.URL+"/auth"); err == nil || !strings.Contains(err.Error(), "HTTP 401 Unauthorized: unauthorized") {
		t.Errorf("without headers: err = %v, want the 401 quoted", err)
	}
	h, err := ParseHeaderList("Authorization=Bearer%20s3cret, X-Scope-OrgID=team%20a")
	if err != nil {
		t.Fatal(err)
	}
	names, err = readURLNames(t, Options{HTTP: HTTPOptions{Header: h}}, srv.URL+"/auth")
	if err != nil || len(names) != 1 {
		t.Errorf("with headers: names %v, err %v", names, err)
	}
}

// TestReadURLErrors: every way a URL input goes wrong is an *Error naming
// the URL, and nothing read before it is passed on as if complete.
func TestReadURLErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/notfound", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":{"httpCode":404,"message":"trace not found\u001b[2J"}}` + strings.Repeat(" pad", 100)))
	})
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "storage unavailable\n\x1b]0;pwned\x07", http.StatusInternalServerError)
	})
	mux.HandleFunc("/ui", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><html><body>Jaeger UI</body></html>"))
	})
	mux.HandleFunc("/html-as-text", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("\n<!DOCTYPE html><html></html>"))
	})
	mux.HandleFunc("/stream-error", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"result":` + spanJSON("first") + "}\n"))
		w.Write([]byte(`{"error":{"grpcCode":4,"message":"context deadline exceeded"}}` + "\n"))
	})
	mux.HandleFunc("/truncated", func(w http.ResponseWriter, r *http.Request) {
		body := spanJSON("cut")
		w.Header().Set("Content-Length", "10000")
		w.Write([]byte(body[:len(body)/2]))
	})
	stall := make(chan struct{})
	defer close(stall)
	mux.HandleFunc("/stall-headers", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stall:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/stall-body", func(w http.ResponseWriter, r *http.Request) {
		body := spanJSON("slow")
		w.Write([]byte(body[:20]))
		w.(http.Flusher).Flush()
		select {
		case <-stall:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// A port that was just free: nothing listens there.
	closed := httptest.NewServer(http.NotFoundHandler())
	refused := closed.URL
	closed.Close()

	fast := Options{HTTP: HTTPOptions{Timeout: 300 * time.Millisecond}}
	for _, tc := range []struct {
		path string
		url  string
		want []string
	}{
		{path: "/notfound", want: []string{"HTTP 404 Not Found", "trace not found", "…"}},
		{path: "/500", want: []string{"HTTP 500 Internal Server Error: storage unavailable", `\x1b]0;pwned\a`}},
		{path: "/ui", want: []string{"HTML page"}},
		{path: "/html-as-text", want: []string{"is an HTML page, not traces"}},
		{path: "/stream-error", want: []string{"line 2", "the backend answered with an error: context deadline exceeded"}},
		{path: "/truncated", want: []string{"unexpected"}},
		{path: "/stall-headers", want: []string{"no answer within 300ms"}},
		{path: "/stall-body", want: []string{"stopped coming for 300ms"}},
		{url: refused + "/api/v3/traces/x", want: []string{refused, "connection refused"}},
		{url: "http://user:hunter2@" + strings.TrimPrefix(refused, "http://") + "/x", want: []string{"user:xxxxx@"}},
	} {
		u := tc.url
		if u == "" {
			u = srv.URL + tc.path
		}
		var got []string
		err := ReadFiles([]string{u}, nil, fast, func(packed []dag.Span) error {
			b := dag.Unpack(packed)
			for i := range b {
				got = append(got, b[i].Name)
			}
			return nil
		})
		if err == nil {
			t.Errorf("%s: no error", u)
			continue
		}
		msg := err.Error()
		if _, ok := err.(*Error); !ok {
			t.Errorf("%s: error %T, want *Error", u, err)
		}
		if !strings.HasPrefix(msg, DisplayURL(u)) {
			t.Errorf("%s: error %q does not name the URL", u, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q, want it to contain %q", u, msg, w)
			}
		}
		if strings.ContainsAny(msg, "\x1b\x07") || strings.Contains(msg, "hunter2") {
			t.Errorf("%s: error %q carries a control character or the password", u, msg)
		}
	}
}

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		in, name, value string
		bad             bool
	}{
		{in: "Authorization: Bearer abc", name: "Authorization", value: "Bearer abc"},
		{in: "X-Scope-OrgID=tenant-1", name: "X-Scope-OrgID", value: "tenant-1"},
		{in: "Authorization: Basic a2V5OnZhbHVl==", name: "Authorization", value: "Basic a2V5OnZhbHVl=="},
		{in: "no separator", bad: true},
		{in: ": value", bad: true},
		{in: "Bad Name: v", bad: true},
	} {
		name, value, err := ParseHeader(tc.in)
		if (err != nil) != tc.bad || name != tc.name || value != tc.value {
			t.Errorf("ParseHeader(%q) = %q, %q, %v", tc.in, name, value, err)
		}
	}
	if _, err := ParseHeaderList("a=b,broken"); err == nil {
		t.Error("ParseHeaderList accepted a pair without =")
	}
	if _, err := ParseHeaderList("a=b%0d%0aInjected: 1"); err == nil {
		t.Error("ParseHeaderList accepted a line break in a value")
	}
}

func TestSniffHTMLFile(t *testing.T) {
	p := t.TempDir() + "/page.json"
	if err := os.WriteFile(p, []byte("\ufeff <html><head><title>Jaeger UI</title></head></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := readURLNames(t, Options{}, p)
	if err == nil || !strings.Contains(err.Error(), "HTML page") {
		t.Errorf("err = %v, want an HTML page named", err)
	}
	// The start of a JSON array of strings that holds markup is not a page.
	br := bufio.NewReader(strings.NewReader(`["<html>"]`))
	if h, _ := br.Peek(10); sniffHTML(h) {
		t.Error("sniffHTML took a JSON array for a page")
	}
}
