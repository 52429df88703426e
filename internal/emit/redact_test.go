package emit

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

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
			attribute.Int64("payment.card", 4111111111111111),
			attribute.String("payment.gateway.key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
			attribute.String("aws.config", "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
			attribute.String("hook", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
			attribute.String("process.env.pwd", "/home/app"),
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
		"http.request.header.authorization": "[REDACTED:authorization]",
		"http.request.header.cookie":        `["[REDACTED:cookie]","[REDACTED:cookie]"]`,
		"http.request.method":               "GET",
		"note":                              "paid with [REDACTED:card_number]",
		"payment.card":                      "[REDACTED:card_number]",
		"payment.gateway.key":               "[REDACTED:stripe_key]",
		"aws.config":                        "aws_secret_access_key=[REDACTED:aws_secret_key]",
		"hook":                              "[REDACTED:slack_webhook]",
		"process.env.pwd":                   "/home/app",
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
	if v := got.Links()[0].Attributes[0].Value.AsString(); v != "[REDACTED:token]" {
		t.Errorf("link attribute = %q", v)
	}
	if d := got.Status().Description; d != "no user [REDACTED:email]" {
		t.Errorf("status = %q", d)
	}
	if v, _ := got.Resource().Set().Value("db.password"); v.AsString() != "[REDACTED:password]" {
		t.Errorf("resource db.password = %q", v.AsString())
	}
	// The SDK's span is untouched: other processors see the original.
	if v := orig.spans[1].Attributes()[0].Value.AsString(); v != "Bearer xyz12345678" {
		t.Errorf("original span was modified: %q", v)
	}
	if red.Redactions() != 12 {
		t.Errorf("Redactions = %d, want 12", red.Redactions())
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
