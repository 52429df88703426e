package emit

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func TestSensitiveKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"http.request.header.authorization", true},
		{"http.request.header.proxy-authorization", true},
		{"http.request.header.cookie", true},
		{"http.response.header.set-cookie", true},
		{"user.password", true},
		{"db.connection.PASSWORD", true},
		{"app.api_key", true},
		{"x-api-key", true},
		{"http.request.header.x-auth-token", true},
		{"oauth.refresh_token", true},
		{"client_secret", true},
		{"aws.private-key", true},
		{"session_id", true},
		{"gen_ai.usage.input_tokens", false},
		{"messaging.kafka.message.key", false},
		{"http.request.method", false},
		{"user.email", false}, // caught by value pattern, not by key
		{"secretary.name", false},
	}
	for _, tt := range tests {
		if got := SensitiveKey(tt.key); got != tt.want {
			t.Errorf("SensitiveKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestRedactString(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"GET /api/orders", "GET /api/orders"},
		{"Bearer abcdefgh12345678", "[REDACTED:bearer]"},
		{"auth: basic dXNlcjpwYXNzd29yZA==", "auth: [REDACTED:bearer]"},
		{"token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature", "token [REDACTED:jwt]"},
		{"https://x.test/cb?code=1&access_token=abc123&state=z", "https://x.test/cb?code=1&access_token=[REDACTED:query]&state=z"},
		{"api_key=k1;password=hunter2", "api_key=[REDACTED:query];password=[REDACTED:query]"},
		{"mail bob.o'neil+tag@mail.example.co.uk now", "mail bob.o'[REDACTED:email] now"},
		{"card 4111 1111 1111 1111 ok", "card [REDACTED:card] ok"},
		{"card 4111-1111-1111-1111", "card [REDACTED:card]"},
		{"5500000000000004", "[REDACTED:card]"},
		{"order 1234567890123456", "order 1234567890123456"}, // fails Luhn
		{"ts 1795545258423539243", "ts 1795545258423539243"},
		{"keyboard=qwerty", "keyboard=qwerty"},
	}
	for _, tt := range tests {
		got, changed := RedactString(tt.in)
		if got != tt.want {
			t.Errorf("RedactString(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if changed != (tt.in != tt.want) {
			t.Errorf("RedactString(%q) changed = %v", tt.in, changed)
		}
	}
}

type captureExporter struct{ spans []sdktrace.ReadOnlySpan }

func (c *captureExporter) ExportSpans(_ context.Context, s []sdktrace.ReadOnlySpan) error {
	c.spans = append(c.spans, s...)
	return nil
}
func (c *captureExporter) Shutdown(context.Context) error { return nil }

// TestRedactingExporter covers every place a secret can sit on a span, and
// checks the SDK's own span is left as it was.
func TestRedactingExporter(t *testing.T) {
	capture := &captureExporter{}
	red := NewRedactingExporter(capture)
	orig := &collector{}
	res := resource.NewSchemaless(attribute.String("service.name", "svc"), attribute.String("db.password", "pw"))
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSpanProcessor(orig), sdktrace.WithSyncer(red))
	tracer := tp.Tracer("t")
	_, other := tracer.Start(context.Background(), "clean")
	other.End()
	_, s := tracer.Start(context.Background(), "GET /users/bob@example.com",
		trace.WithLinks(trace.Link{SpanContext: other.SpanContext(), Attributes: []attribute.KeyValue{attribute.String("auth.token", "t0ps3cret")}}),
		trace.WithAttributes(
			attribute.String("http.request.header.authorization", "Bearer xyz12345678"),
			attribute.StringSlice("http.request.header.cookie", []string{"a=1", "b=2"}),
			attribute.String("http.request.method", "GET"),
			attribute.String("note", "paid with 4111111111111111"),
			attribute.Bool("password.set", true),
		))
	s.AddEvent("login", trace.WithAttributes(attribute.String("user", "bob@example.com")))
	s.SetStatus(codes.Error, "no user carol@example.com")
	s.End()

	if len(capture.spans) != 2 {
		t.Fatalf("exported %d spans", len(capture.spans))
	}
	if capture.spans[0].Resource() == orig.spans[0].Resource() {
		t.Error("a clean span of a resource with secrets kept the original resource")
	}
	got := capture.spans[1]
	attrs := map[string]string{}
	for _, kv := range got.Attributes() {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	want := map[string]string{
		"http.request.header.authorization": Redacted,
		"http.request.header.cookie":        `["[REDACTED]","[REDACTED]"]`,
		"http.request.method":               "GET",
		"note":                              "paid with [REDACTED:card]",
		"password.set":                      "true",
	}
	if diff := cmp.Diff(want, attrs); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	if got.Name() != "GET /users/[REDACTED:email]" {
		t.Errorf("name = %q", got.Name())
	}
	if v := got.Events()[0].Attributes[0].Value.AsString(); v != "[REDACTED:email]" {
		t.Errorf("event attribute = %q", v)
	}
	if v := got.Links()[0].Attributes[0].Value.AsString(); v != Redacted {
		t.Errorf("link attribute = %q", v)
	}
	if d := got.Status().Description; d != "no user [REDACTED:email]" {
		t.Errorf("status = %q", d)
	}
	if v, _ := got.Resource().Set().Value("db.password"); v.AsString() != Redacted {
		t.Errorf("resource db.password = %q", v.AsString())
	}
	// The SDK's span is untouched: other processors see the original.
	if v := orig.spans[1].Attributes()[0].Value.AsString(); v != "Bearer xyz12345678" {
		t.Errorf("original span was modified: %q", v)
	}
	if red.Redactions() != 8 {
		t.Errorf("Redactions = %d, want 8", red.Redactions())
	}
}

func TestRedactingExporterPassesCleanSpans(t *testing.T) {
	capture := &captureExporter{}
	orig := &collector{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(orig), sdktrace.WithSyncer(NewRedactingExporter(capture)))
	_, s := tp.Tracer("t").Start(context.Background(), "GET /", trace.WithAttributes(attribute.String("url.path", "/")))
	s.End()
	if len(capture.spans) != 1 || capture.spans[0] != orig.spans[0] {
		t.Error("a span without secrets was copied; it should pass through")
	}
}

func FuzzRedactString(f *testing.F) {
	for _, s := range []string{"", "Bearer abcdefgh12345678", "a@b.co", "4111 1111 1111 1111", "?token=x&key=y", "eyJa.eyJb.c", "\xff@\xfe.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once, changed := RedactString(s)
		if !changed && once != s {
			t.Fatalf("unchanged but different: %q → %q", s, once)
		}
		if utf8.ValidString(s) && !utf8.ValidString(once) {
			t.Fatalf("made invalid UTF-8: %q → %q", s, once)
		}
		if changed && !strings.Contains(once, "[REDACTED:") {
			t.Fatalf("changed without a marker: %q → %q", s, once)
		}
		// Redacting redacted text finds nothing new.
		if twice, _ := RedactString(once); twice != once {
			t.Fatalf("not idempotent: %q → %q → %q", s, once, twice)
		}
	})
}
