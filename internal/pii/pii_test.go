package pii

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
)

// Fake secrets of the right shapes, built by concatenation so secret
// scanners do not flag this file.
var (
	awsKey    = "AKIA" + "IOSFODNN7EXAMPLE"
	ghToken   = "gh" + "p_" + "1234567890abcdefghijklmnopqrstuvwxyZ"
	ghPAT     = "github" + "_pat_" + "11ABCDEFG0123456789_abcdefghijklmnop"
	slackTok  = "xo" + "xb-1234567890-abcdefghij"
	googleKey = "AI" + "za" + strings.Repeat("Ab1_", 8) + "xyz"
	jwt       = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IngifQ.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)

func TestScanString(t *testing.T) {
	tests := []struct {
		in   string
		want []string // "kind snippet"
	}{
		// true positives
		{awsKey, []string{"aws_access_key AK****"}},
		{"key=" + "ASIA" + "ABCDEFGHIJKLMNOP", []string{"aws_access_key AS****"}},
		{"token " + ghToken + " used", []string{"github_token gh****"}},
		{ghPAT, []string{"github_token gi****"}},
		{slackTok, []string{"slack_token xo****"}},
		{"key: " + googleKey, []string{"google_api_key AI****"}},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIEow…", []string{"private_key --****"}},
		{"-----BEGIN OPENSSH PRIVATE KEY-----", []string{"private_key --****"}},
		{"-----BEGIN PRIVATE KEY-----", []string{"private_key --****"}},
		{jwt, []string{"jwt ey****"}},
		{"Bearer " + jwt, []string{"jwt ey****", "bearer_token ey****"}},
		{"Authorization: bearer abcdef0123456789", []string{"bearer_token ab****"}},
		{"Basic dXNlcjpwYXNzd29yZA==", []string{"basic_auth dX****"}},
		{"postgres://admin:s3cr3tpw@db.internal:5432/app", []string{"url_password s3****"}},
		{"redis://:hunter2@cache:6379", []string{"url_password ****"}},
		{"https://api.example.com/v1/items?api_key=abc123def456&x=1", []string{"query_secret ab****"}},
		{"password=hunter2", []string{"query_secret ****"}},
		{"GET /login?user=bob&PASSWORD=correct-horse", []string{"query_secret co****"}},
		{"cb?access_token=ya29.a0AfH6SM&state=1", []string{"query_secret ya****"}},
		{"http://127.0.0.1:37757/reserve?api_token=tok_live_51HxZq2eZvKYlo2C&qty=2", []string{"query_secret to****"}},
		{"https://b.s3.amazonaws.com/k?X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024", []string{"query_secret fe****"}},
		{"?x-goog-signature=abcdef012345", []string{"query_secret ab****"}},
		{"alice@example.com", []string{"email al****"}},
		{"Contact: bob.smith+tag@mail.co.uk.", []string{"email bo****"}},
		{"4111111111111111", []string{"card_number 41****"}},
		{"card 4111 1111 1111 1111 ok", []string{"card_number 41****"}},
		{"4111-1111-1111-1111", []string{"card_number 41****"}},
		{"amex 3782 822463 10005", []string{"card_number 37****"}},
		{"378282246310005", []string{"card_number 37****"}},
		{"5555555555554444", []string{"card_number 55****"}},
		{"2223003122003222", []string{"card_number 22****"}},
		{"6011111111111117", []string{"card_number 60****"}},
		{"3530111333300000", []string{"card_number 35****"}},
		{"30569309025904", []string{"card_number 30****"}},
		{"6200000000000005", []string{"card_number 62****"}},
		{"pan=4111111111111111.", []string{"card_number 41****"}},

		// true negatives: ids, times, versions, ordinary URLs and text
		{"4bf92f3577b34da6a3ce929d0e0e4736", nil},     // trace id
		{"00f067aa0ba902b7", nil},                     // span id
		{"550e8400-e29b-41d4-a716-446655440000", nil}, // UUID
		{"12345678-1234-1234-1234-123456789012", nil}, // all-digit UUID
		{"1700000000123456789", nil},                  // unix nanoseconds
		{"1700000000123", nil},                        // unix milliseconds
		{"2024-01-15T10:11:12.123456789Z", nil},       // RFC 3339
		{"2024-01-15 10:11:12 4111", nil},             // a date and a short number
		{"1234567812345670", nil},                     // Luhn-valid, no card prefix
		{"4111111111111112", nil},                     // card prefix, Luhn fails
		{"41111111111111110", nil},                    // Visa prefix, wrong length
		{"4111 1111 1111 1111 1111", nil},             // too many digits
		{"0.4111111111111111", nil},                   // a decimal fraction
		{"4111111111111111.5", nil},                   // a decimal number
		{"id4111111111111111", nil},                   // part of a word
		{"41 11 11 11 11 11 11 11", nil},              // not a card grouping
		{"v1.2.3", nil},                               // versions
		{"go1.26.8", nil},                             //
		{"1.2.3-rc.1+build.5", nil},                   //
		{"lodash@4.17.21", nil},                       // package@version
		{"image@sha256:4bf92f3577b34da6", nil},        // image digest
		{"git@github.com:org/repo.git", nil},          // scp-style remote
		{"https://user@example.com/path", nil},        // URL user, no password
		{"https://user:****@example.com/", nil},       // masked password
		{"https://user:[REDACTED]@example.com/", nil}, //
		{"https://shop.example.com/cart?item=42&qty=2", nil},
		{"http://localhost:8080/a:b@c", nil}, // ':' and '@' in the path
		{"?next_page_token=abc123", nil},     // a token-ish name that is not token=
		{"?cache_key=abc123&key=v", nil},     // keys are not secrets
		{"?token={token}&password=${PASSWORD}", nil},
		{"?token=&password=", nil},
		{"access_token=[REDACTED:query]", nil}, // emit's redaction marker
		{"the bearer of bad news", nil},
		{"bearer token required", nil},
		{"basic information", nil},
		{"ASIA-PACIFIC region", nil},
		{"AKIAIOSFODNN7EXAMPLEEXTRA", nil}, // too long for a key id
		{"gh" + "p_short", nil},
		{"-----BEGIN CERTIFICATE-----", nil},
		{"-----BEGIN PUBLIC KEY-----", nil},
		{"eyJ0eXAiOiJKV1QiLCJraWQiOiJhYmMifQ.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", nil}, // header without "alg"
		{"eyJhbGciOi.not.base64", nil},
		{"@username mentioned", nil},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", nil},
		{"SELECT * FROM users WHERE id = ?", nil},
		{"GET /api/v1/orders/12345", nil},
		{"", nil},
	}
	sc := NewScanner()
	for _, tt := range tests {
		var got []string
		for _, h := range sc.scanString(tt.in, nil) {
			got = append(got, h.kind+" "+h.snippet)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("scanString(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestKeyKind(t *testing.T) {
	tests := map[string]string{
		"http.request.header.authorization":       "authorization",
		"http.request.header.Proxy-Authorization": "authorization",
		"http.request.header.cookie":              "cookie",
		"http.response.header.set-cookie":         "cookie",
		"http.response.header.set_cookie":         "cookie",
		"db.password":                             "password",
		"http.request.header.x-api-key":           "api_key",
		"oauth.client_secret":                     "secret",
		"auth.refresh_token":                      "token",
		"gen_ai.usage.input_tokens":               "",
		"password_policy":                         "",
		"user.password_changed":                   "",
		"http.request.header.content-type":        "",
		"cookies.count":                           "",
		"process.env.pwd":                         "",
		"":                                        "",
	}
	for key, want := range tests {
		if got := keyKind(key); got != want {
			t.Errorf("keyKind(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestParsePattern(t *testing.T) {
	tests := []struct {
		in, name, literal, err string
	}{
		{in: `employee_id=EMP-\d{6}`, name: "employee_id", literal: "EMP-"},
		{in: `(?i)internal-[0-9]+`, name: "pattern /(?i)internal-[0-9]+/"},
		{in: `acct-[0-9]{8}`, name: "pattern /acct-[0-9]{8}/", literal: "acct-"},
		{in: `token\=\w+`, name: `pattern /token\=\w+/`, literal: "token="},
		{in: `a=b=c`, name: "a", literal: "b=c"},
		{in: `=x`, name: "pattern /=x/", literal: "=x"},
		{in: `bad=(`, err: "missing closing )"},
		{in: `name=`, err: "empty regular expression"},
	}
	for _, tt := range tests {
		p, err := ParsePattern(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParsePattern(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParsePattern(%q): %v", tt.in, err)
			continue
		}
		if p.Name != tt.name || p.literal != tt.literal {
			t.Errorf("ParsePattern(%q) = name %q literal %q, want %q %q", tt.in, p.Name, p.literal, tt.name, tt.literal)
		}
	}
}

func TestScanCustomPatterns(t *testing.T) {
	emp, _ := ParsePattern(`employee_id=EMP-\d{6}`)
	internal, _ := ParsePattern(`(?i)internal-[0-9]+`)
	sc := NewScanner(emp, internal)
	var got []string
	for _, s := range []string{"by EMP-123456", "EMP-12", "see INTERNAL-42", "nothing"} {
		for _, h := range sc.scanString(s, nil) {
			got = append(got, h.kind+" "+h.snippet)
		}
	}
	want := []string{"employee_id EM****", "pattern /(?i)internal-[0-9]+/ IN****"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

var (
	tid = dag.TraceID{0x4b, 0xf9}
	res = &dag.Resource{Service: "checkout", Attrs: []dag.Attr{
		{Key: "service.name", Value: dag.StringValue("checkout")},
		{Key: "deployment.owner", Value: dag.StringValue("ops@example.com")},
	}}
	scope = &dag.Scope{Name: "io.opentelemetry.contrib.http"}
)

func span(id byte, parent byte, name string) dag.Span {
	return dag.Span{TraceID: tid, SpanID: dag.SpanID{7: id}, ParentSpanID: dag.SpanID{7: parent}, Name: name,
		Resource: res, Scope: scope, Start: uint64(id), End: 100 - uint64(id)}
}

func tree(spans ...dag.Span) *dag.Tree {
	var ts dag.Traces
	ts.Add(spans)
	return dag.Build(ts.List()[0])
}

func TestScan(t *testing.T) {
	root := span(1, 0, "GET /checkout")
	root.Attrs = []dag.Attr{
		{Key: "http.request.header.authorization", Value: dag.ArrayValue([]dag.Value{dag.StringValue("Bearer " + jwt)})},
		{Key: "http.request.header.cookie", Value: dag.ArrayValue([]dag.Value{dag.StringValue("[REDACTED]")})},
		{Key: "url.full", Value: dag.StringValue("https://shop.example.com/checkout?item=42")},
		{Key: "http.request.header.x-key", Value: dag.StringValue(awsKey)},
		{Key: "payment.card", Value: dag.IntValue(4111111111111111)},
		{Key: "order.id", Value: dag.IntValue(1234567812345670)},
		{Key: "nested", Value: dag.MapValue([]dag.Attr{{Key: "inner", Value: dag.MapValue([]dag.Attr{{Key: "password", Value: dag.StringValue("hunter2")}})}})},
	}
	root.Status = dag.Status{Code: dag.StatusError, Message: "login failed for alice@example.com"}
	child := span(2, 1, "notify bob@example.com")
	child.Events = []dag.Event{{Name: "exception", Attrs: []dag.Attr{
		{Key: "exception.message", Value: dag.StringValue("connect postgres://app:pa55word@db/x")},
		{Key: "exception.type", Value: dag.StringValue("*net.OpError")},
	}}}
	child.Links = []dag.Link{{TraceID: tid, SpanID: dag.SpanID{7: 9}, Attrs: []dag.Attr{
		{Key: "messaging.token", Value: dag.StringValue(slackTok)},
	}}}
	clean := span(3, 1, "SELECT orders")
	clean.Attrs = []dag.Attr{{Key: "db.statement", Value: dag.StringValue("SELECT * FROM orders WHERE id = ?")}}

	sc := NewScanner()
	var got []string
	for _, f := range sc.Scan(tree(root, child, clean)) {
		got = append(got, fmt.Sprintf("%s %s %s: %s", f.Rule, f.Severity, f.SpanID, f.Message))
	}
	want := []string{
		`pii error 0000000000000001: email (al****) in status message`,
		`pii error 0000000000000001: authorization (Be****), jwt (ey****), bearer_token (ey****) in span attribute "http.request.header.authorization"`,
		`pii error 0000000000000001: aws_access_key (AK****) in span attribute "http.request.header.x-key"`,
		`pii error 0000000000000001: card_number (41****) in span attribute "payment.card"`,
		`pii error 0000000000000001: password (****) in span attribute "nested"`,
		`pii error 0000000000000001: email (op****) in resource attribute "deployment.owner"`,
		`pii error 0000000000000002: email (bo****) in span name`,
		`pii error 0000000000000002: url_password (pa****) in event "exception" attribute "exception.message"`,
		`pii error 0000000000000002: slack_token (xo****) in link attribute "messaging.token"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, g := range got {
		for _, secret := range []string{jwt, awsKey, "4111111111111111", "hunter2", "alice@", "pa55word", slackTok, "ops@example.com"} {
			if strings.Contains(g, secret) {
				t.Errorf("finding shows the secret %q: %s", secret, g)
			}
		}
	}

	// A second trace with the same resource reports it again (findings
	// are per trace) from the scanner's cache.
	again := span(1, 0, "GET /")
	again.TraceID = dag.TraceID{1}
	fs := sc.Scan(tree(again))
	if len(fs) != 1 || fs[0].Message != `email (op****) in resource attribute "deployment.owner"` || fs[0].TraceID != again.TraceID {
		t.Errorf("second trace: %+v", fs)
	}
}

func FuzzScanString(f *testing.F) {
	for _, s := range []string{awsKey, jwt, "Bearer " + jwt, "4111 1111 1111 1111", "postgres://a:b@c", "x@y.zz", "?token=abc", googleKey, ghToken, "-----BEGIN PRIVATE KEY-----"} {
		f.Add(s)
	}
	sc := NewScanner()
	f.Fuzz(func(t *testing.T, s string) {
		for _, h := range sc.scanString(s, nil) {
			if !strings.HasSuffix(h.snippet, "****") || len([]rune(h.snippet)) > 6 {
				t.Fatalf("snippet %q of %s is not masked", h.snippet, h.kind)
			}
		}
	})
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{`a=b`, `(?i)x+`, `bad=(`, `=`, `name=`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil {
			return
		}
		if loc := p.re.FindStringIndex(s); loc != nil && p.literal != "" && !strings.Contains(s[loc[0]:loc[1]], p.literal) {
			t.Fatalf("match %q does not contain the literal %q", s[loc[0]:loc[1]], p.literal)
		}
	})
}

// BenchmarkScan scans spans like an HTTP service's: a dozen attributes of
// ids, URLs, user agents and sizes, an event, and one span in a hundred
// carrying a secret.
func BenchmarkScan(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		spans := make([]dag.Span, n)
		for i := range spans {
			s := span(0, 0, "GET /api/v1/orders/{id}")
			s.SpanID = dag.SpanID{4: byte(i >> 24), 5: byte(i >> 16), 6: byte(i >> 8), 7: byte(i)}
			if i > 0 {
				s.ParentSpanID = dag.SpanID{7: 1}
			} else {
				s.SpanID = dag.SpanID{7: 1}
			}
			s.Attrs = []dag.Attr{
				{Key: "http.request.method", Value: dag.StringValue("GET")},
				{Key: "url.full", Value: dag.StringValue(fmt.Sprintf("https://shop.example.com/api/v1/orders/%d?expand=items&page=2", 1_000_000+i))},
				{Key: "http.route", Value: dag.StringValue("/api/v1/orders/{id}")},
				{Key: "http.response.status_code", Value: dag.IntValue(200)},
				{Key: "user_agent.original", Value: dag.StringValue("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")},
				{Key: "server.address", Value: dag.StringValue("orders.internal.svc.cluster.local")},
				{Key: "server.port", Value: dag.IntValue(8080)},
				{Key: "network.peer.address", Value: dag.StringValue("10.12.3.45")},
				{Key: "request.id", Value: dag.StringValue("550e8400-e29b-41d4-a716-446655440000")},
				{Key: "http.request.header.content-type", Value: dag.ArrayValue([]dag.Value{dag.StringValue("application/json")})},
				{Key: "app.cart.size", Value: dag.IntValue(int64(i % 7))},
				{Key: "app.build", Value: dag.StringValue("v1.26.8-rc.1+build.5 2024-01-15T10:11:12Z")},
			}
			s.Events = []dag.Event{{Name: "cache.miss", Attrs: []dag.Attr{{Key: "cache.key", Value: dag.StringValue(fmt.Sprintf("order:%d", i))}}}}
			if i%100 == 7 {
				s.Attrs = append(s.Attrs, dag.Attr{Key: "http.request.header.authorization", Value: dag.StringValue("Bearer " + jwt)})
			}
			spans[i] = s
		}
		tr := tree(spans...)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				NewScanner().Scan(tr)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
		})
	}
}
