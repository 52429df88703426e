package pii

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// TestRedactor masks what the scanner reports, and nothing else: the
// redacted trace scans clean, untouched values and spans stay as they
// were, and the input is not modified.
func TestRedactor(t *testing.T) {
	secretRes := &dag.Resource{Service: "svc", Attrs: []dag.Attr{
		{Key: "service.name", Value: dag.StringValue("svc")},
		{Key: "db.password", Value: dag.StringValue("hunter2")},
	}}
	s := span(1, 0, "GET /users/bob@example.com")
	s.Resource = secretRes
	s.Attrs = []dag.Attr{
		{Key: "http.request.header.authorization", Value: dag.ArrayValue([]dag.Value{dag.StringValue("Bearer " + jwt)})},
		{Key: "http.request.method", Value: dag.StringValue("GET")},
		{Key: "note", Value: dag.StringValue("paid with 4111111111111111, call +44 20 7946 0958")},
		{Key: "payment.card", Value: dag.IntValue(4111111111111111)},
		{Key: "order.id", Value: dag.IntValue(1234567812345670)},
		{Key: "nested", Value: dag.MapValue([]dag.Attr{{Key: "password", Value: dag.StringValue("pw")}, {Key: "n", Value: dag.IntValue(3)}})},
		{Key: "raw", Value: dag.BytesValue("iban DE89370400440532013000")},
	}
	s.Status = dag.Status{Code: dag.StatusError, Message: "no user carol@example.com"}
	s.Events = []dag.Event{{Name: "login", Attrs: []dag.Attr{{Key: "user", Value: dag.StringValue("ssn 078-05-1120")}}}}
	s.Links = []dag.Link{{SpanID: dag.SpanID{7: 9}, Attrs: []dag.Attr{{Key: "auth.token", Value: dag.StringValue("t0ps3cret")}}}}
	orig := s
	orig.Attrs = append([]dag.Attr(nil), s.Attrs...)
	clean := span(2, 1, "SELECT")
	clean.Resource = &dag.Resource{Service: "db"}
	clean.Attrs = []dag.Attr{{Key: "db.statement", Value: dag.StringValue("SELECT 1")}}

	r := NewRedactor(NewDetector())
	packed := dag.Pack([]dag.SpanData{s, clean})
	red, changed := r.Span(&packed[0])
	if !changed {
		t.Fatal("span with secrets reported unchanged")
	}
	if got, ok := r.Span(&packed[1]); ok || got != &packed[1] {
		t.Error("a clean span was copied")
	}
	if diff := cmp.Diff(orig.Attrs, s.Attrs, cmp.Comparer(func(a, b dag.Value) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("input modified (-want +got):\n%s", diff)
	}
	got := map[string]string{"name": red.Name(), "status": red.Status().Message, "event": red.Events()[0].Attrs[0].Value.String(),
		"link": red.Links()[0].Attrs[0].Value.String(), "resource": red.Resource().Attrs[1].Value.String(), "service": red.Resource().Service}
	for _, a := range red.Attrs() {
		got[a.Key] = a.Value.String()
	}
	want := map[string]string{
		"name":                              "GET /users/[REDACTED:email]",
		"status":                            "no user [REDACTED:email]",
		"event":                             "ssn [REDACTED:us_ssn]",
		"link":                              "[REDACTED:token]",
		"resource":                          "[REDACTED:password]",
		"service":                           "svc",
		"http.request.header.authorization": `["[REDACTED:authorization]"]`,
		"http.request.method":               "GET",
		"note":                              "paid with [REDACTED:card_number], call [REDACTED:phone_number]",
		"payment.card":                      "[REDACTED:card_number]",
		"order.id":                          "1234567812345670",
		"nested":                            `{"password":"[REDACTED:password]","n":3}`,
		"raw":                               "aWJhbiBbUkVEQUNURUQ6aWJhbl0=", // base64 of "iban [REDACTED:iban]"
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("redacted (-want +got):\n%s", diff)
	}
	if fs := NewScanner().Scan(tree(red.Data(), clean)); len(fs) != 0 {
		t.Errorf("redacted trace still has findings: %v", fs)
	}
	if fs := NewScanner().Scan(tree(s, clean)); len(fs) == 0 {
		t.Error("the original trace has no findings: the test checks nothing")
	}
	// The resource is redacted once and shared.
	s2 := span(3, 1, "x")
	s2.Resource = secretRes
	red2, _ := r.Span(&dag.Pack([]dag.SpanData{s2})[0])
	if red2.Resource() != red.Resource() {
		t.Error("resource redacted twice")
	}
}
