package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestURLInputs: a URL is an input like a file, for every command that
// reads traces, with --header and $TRACECTL_HEADERS for auth; a failed
// fetch is exit 2 naming the URL, with nothing on stdout.
func TestURLInputs(t *testing.T) {
	demo, err := os.ReadFile("../../testdata/demo/shop.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken" || r.Header.Get("X-Tenant") != "shop" {
			http.Error(w, "missing credentials", http.StatusForbidden)
			return
		}
		w.Write(demo)
	}))
	defer srv.Close()
	t.Setenv("TRACECTL_HEADERS", "X-Tenant=shop")

	runCLI := func(args ...string) (code int, stdout, stderr string) {
		var out, errb bytes.Buffer
		code = run(context.Background(), &streams{Out: &out, Err: &errb}, args)
		return code, out.String(), errb.String()
	}
	for _, cmd := range [][]string{{"ls"}, {"attrib"}, {"check"}, {"critpath", "-o", "json"}} {
		args := append(append([]string{}, cmd...), "--header", "Authorization: Bearer t0ken", srv.URL+"/api/traces")
		fromURL := append([]string{}, args...)
		code, got, stderr := runCLI(fromURL...)
		if code != 0 {
			t.Errorf("%v: exit %d, stderr %s", cmd, code, stderr)
			continue
		}
		fromFile := append(append([]string{}, cmd...), "../../testdata/demo/shop.jsonl")
		_, want, _ := runCLI(fromFile...)
		if got != want {
			t.Errorf("%v: output from the URL differs from the file's", cmd)
		}
	}
	code, out, stderr := runCLI("ls", srv.URL+"/api/traces")
	if code != 2 || out != "" || !strings.Contains(stderr, srv.URL+"/api/traces: HTTP 403 Forbidden: missing credentials") {
		t.Errorf("without the header: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, _, stderr = runCLI("ls", "--header", "no-separator", srv.URL)
	if code != 2 || !strings.Contains(stderr, "--header") {
		t.Errorf("bad --header: exit %d, stderr %q", code, stderr)
	}
}
