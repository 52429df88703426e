package pii

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

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
	awsSecret = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
	slackHook = "https://hooks.slack.com/services/" + "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
	stripeKey = "sk" + "_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
	jwt       = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IngifQ.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)

func TestFind(t *testing.T) {
	tests := []struct {
		in   string
		want []string // "kind secret", by position
	}{
		// true positives
		{awsKey, []string{"aws_access_key " + awsKey}},
		{"key=" + "ASIA" + "ABCDEFGHIJKLMNOP", []string{"aws_access_key ASIAABCDEFGHIJKLMNOP"}},
		{"aws_secret_access_key=" + awsSecret, []string{"aws_secret_key " + awsSecret}},
		{"export AWS_SECRET_ACCESS_KEY=" + awsSecret + "\n", []string{"aws_secret_key " + awsSecret}},
		{`{"SecretAccessKey": "` + awsSecret + `"}`, []string{"aws_secret_key " + awsSecret}},
		{"secret_key: " + awsSecret, []string{"aws_secret_key " + awsSecret}},
		{"token " + ghToken + " used", []string{"github_token " + ghToken}},
		{ghPAT, []string{"github_token " + ghPAT}},
		{slackTok, []string{"slack_token " + slackTok}},
		{"POST " + slackHook, []string{"slack_webhook " + slackHook}},
		{"charge with " + stripeKey, []string{"stripe_key " + stripeKey}},
		{"rk" + "_live_" + "51HxZq2eZvKYlo2CabcdEFGH", []string{"stripe_key rk_live_51HxZq2eZvKYlo2CabcdEFGH"}},
		{"key: " + googleKey, []string{"google_api_key " + googleKey}},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIEow…", []string{"private_key -----BEGIN RSA PRIVATE KEY-----"}},
		{"-----BEGIN OPENSSH PRIVATE KEY-----", []string{"private_key -----BEGIN OPENSSH PRIVATE KEY-----"}},
		{"-----BEGIN PRIVATE KEY-----", []string{"private_key -----BEGIN PRIVATE KEY-----"}},
		{jwt, []string{"jwt " + jwt}},
		{"Bearer " + jwt, []string{"jwt " + jwt, "bearer_token " + jwt}},
		{"Authorization: bearer abcdef0123456789", []string{"bearer_token abcdef0123456789"}},
		{"Basic dXNlcjpwYXNzd29yZA==", []string{"basic_auth dXNlcjpwYXNzd29yZA=="}},
		{"postgres://admin:s3cr3tpw@db.internal:5432/app", []string{"url_password s3cr3tpw"}},
		{"redis://:hunter2@cache:6379", []string{"url_password hunter2"}},
		{"https://api.example.com/v1/items?api_key=abc123def456&x=1", []string{"query_secret abc123def456"}},
		{"password=hunter2", []string{"query_secret hunter2"}},
		{"GET /login?user=bob&PASSWORD=correct-horse", []string{"query_secret correct-horse"}},
		{"cb?access_token=ya29.a0AfH6SM&state=1", []string{"query_secret ya29.a0AfH6SM"}},
		{"?token=one&password=two", []string{"query_secret one", "query_secret two"}},
		{"http://127.0.0.1:37757/reserve?api_token=tok_live_51HxZq2eZvKYlo2C&qty=2", []string{"query_secret tok_live_51HxZq2eZvKYlo2C"}},
		{"https://b.s3.amazonaws.com/k?X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024", []string{"query_secret fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"}},
		{"?x-goog-signature=abcdef012345", []string{"query_secret abcdef012345"}},
		{"alice@example.com", []string{"email alice@example.com"}},
		{"Contact: bob.smith+tag@mail.co.uk.", []string{"email bob.smith+tag@mail.co.uk"}},
		{"from a@example.com to b@example.org", []string{"email a@example.com", "email b@example.org"}},
		{"4111111111111111", []string{"card_number 4111111111111111"}},
		{"card 4111 1111 1111 1111 ok", []string{"card_number 4111 1111 1111 1111"}},
		{"4111-1111-1111-1111", []string{"card_number 4111-1111-1111-1111"}},
		{"amex 3782 822463 10005", []string{"card_number 3782 822463 10005"}},
		{"378282246310005", []string{"card_number 378282246310005"}},
		{"5555555555554444", []string{"card_number 5555555555554444"}},
		{"2223003122003222", []string{"card_number 2223003122003222"}},
		{"6011111111111117", []string{"card_number 6011111111111117"}},
		{"3530111333300000", []string{"card_number 3530111333300000"}},
		{"30569309025904", []string{"card_number 30569309025904"}},
		{"6200000000000005", []string{"card_number 6200000000000005"}},
		{"pan=4111111111111111.", []string{"card_number 4111111111111111"}},
		{"DE89370400440532013000", []string{"iban DE89370400440532013000"}},
		{"IBAN: DE89 3704 0044 0532 0130 00.", []string{"iban DE89 3704 0044 0532 0130 00"}},
		{"GB82 WEST 1234 5698 7654 32", []string{"iban GB82 WEST 1234 5698 7654 32"}},
		{"pay to FR1420041010050500013M02606", []string{"iban FR1420041010050500013M02606"}},
		{"NO9386011117947", []string{"iban NO9386011117947"}},
		{"ssn 078-05-1120", []string{"us_ssn 078-05-1120"}},
		{"SSN=123-45-6789;", []string{"us_ssn 123-45-6789"}},
		{"call +14155552671", []string{"phone_number +14155552671"}},
		{"+44 20 7946 0958", []string{"phone_number +44 20 7946 0958"}},
		{"tel:+1-415-555-2671", []string{"phone_number +1-415-555-2671"}},
		{"+1 (415) 555-2671", []string{"phone_number +1 (415) 555-2671"}},
		{"+49 30 901820", []string{"phone_number +49 30 901820"}},
		{"+1.415.555.2671", []string{"phone_number +1.415.555.2671"}},
		{"(415) 555-2671", []string{"phone_number (415) 555-2671"}},
		{"phone=415-555-2671", []string{"phone_number 415-555-2671"}},
		{"415.555.2671", []string{"phone_number 415.555.2671"}},

		// true negatives: ids, hashes, times, durations, versions, addresses
		{"4bf92f3577b34da6a3ce929d0e0e4736", nil},                                 // trace id
		{"4BF92F3577B34DA6A3CE929D0E0E4736", nil},                                 // trace id, uppercase
		{"00f067aa0ba902b7", nil},                                                 // span id
		{"BE12345678901234", nil},                                                 // uppercase 16-hex-ish span id, no IBAN checksum
		{"550e8400-e29b-41d4-a716-446655440000", nil},                             // UUID
		{"12345678-1234-1234-1234-123456789012", nil},                             // all-digit UUID
		{"123e4567-e89b-12d3-a456-426614174000", nil},                             // UUID
		{"da39a3ee5e6b4b0d3255bfef95601890afd80709", nil},                         // SHA-1
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", nil}, // SHA-256
		{"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", nil},
		{"secret_hash=da39a3ee5e6b4b0d3255bfef95601890afd80709x", nil}, // 41 characters: no key
		{"1700000000123456789", nil},                                   // unix nanoseconds
		{"1700000000123", nil},                                         // unix milliseconds
		{"1700000000", nil},                                            // unix seconds
		{"2024-01-15T10:11:12.123456789Z", nil},                        // RFC 3339
		{"2024-01-15T10:11:12+01:00", nil},                             //
		{"2024-01-15 10:11:12.123456 +0100", nil},
		{"Mon, 15 Jan 2024 10:11:12 +0000", nil},
		{"2024-01-15 10:11:12 4111", nil}, // a date and a short number
		{"20240115101112", nil},
		{"took 1.234567s (+123456789ns)", nil}, // durations
		{"1h2m3.456789s", nil},
		{"shift +1234567890ns", nil},
		{"+1.23456789", nil},  // a signed decimal
		{"1e+123456789", nil}, // an exponent
		{"v1.2.3", nil},       // versions
		{"go1.26.8", nil},     //
		{"1.2.3-rc.1+build.5", nil},
		{"1.0.0+20240115101112", nil}, // semver build metadata
		{"v2024.01.15-123456789", nil},
		{"10.12.3.45", nil},              // IPv4
		{"192.168.100.200:8080", nil},    //
		{"2001:db8::8a2e:370:7334", nil}, // IPv6
		{"::ffff:10.0.0.1", nil},
		{"1234567812345670", nil},          // Luhn-valid, no card prefix
		{"4111111111111112", nil},          // card prefix, Luhn fails
		{"41111111111111110", nil},         // Visa prefix, wrong length
		{"4111 1111 1111 1111 1111", nil},  // too many digits
		{"0.4111111111111111", nil},        // a decimal fraction
		{"4111111111111111.5", nil},        // a decimal number
		{"id4111111111111111", nil},        // part of a word
		{"41 11 11 11 11 11 11 11", nil},   // not a card grouping
		{"DE89370400440532013001", nil},    // IBAN, checksum fails
		{"DE8937040044053201300", nil},     // IBAN, one character short
		{"DE893704004405320130001", nil},   // one too many
		{"XYZDE89370400440532013000", nil}, // part of a word
		{"000-12-3456", nil},               // SSN area 000
		{"666-12-3456", nil},               // area 666
		{"912-34-5678", nil},               // area 9xx (ITINs)
		{"123-00-4567", nil},               // group 00
		{"123-45-0000", nil},               // serial 0000
		{"2123-45-6789", nil},              // longer run
		{"123-45-6789-1", nil},             //
		{"123456789", nil},                 // nine bare digits
		{"4155552671", nil},                // ten bare digits
		{"115-555-2671", nil},              // area code starting with 1
		{"415-155-2671", nil},              // exchange starting with 1
		{"415-555.2671", nil},              // mixed separators
		{"+12345", nil},                    // too short
		{"+1234567890123456", nil},         // 16 digits: longer than E.164
		{"a+14155552671", nil},             // inside base64
		{"abc+14155552671/xyz", nil},       //
		{"lodash@4.17.21", nil},            // package@version
		{"image@sha256:4bf92f3577b34da6", nil},
		{"git@github.com:org/repo.git", nil},          // scp-style remote
		{"https://user@example.com/path", nil},        // URL user, no password
		{"https://user:****@example.com/", nil},       // masked password
		{"https://user:[REDACTED]@example.com/", nil}, //
		{"https://shop.example.com/cart?item=42&qty=2", nil},
		{"http://localhost:8080/a:b@c", nil}, // ':' and '@' in the path
		{"https://hooks.slack.com/services/", nil},
		{"https://api.slack.com/methods/chat.postMessage", nil},
		{"?next_page_token=abc123", nil}, // a token-ish name that is not token=
		{"?cache_key=abc123&key=v", nil}, // keys are not secrets
		{"?token={token}&password=${PASSWORD}", nil},
		{"?token=&password=", nil},
		{"access_token=[REDACTED:query]", nil},         // a redaction marker
		{"sk_test_" + "51HxZq2eZvKYlo2CabcdEFGH", nil}, // Stripe test keys
		{"task_live_status", nil},
		{"secret_key: " + strings.Repeat("x", 40), nil},
		{"the secret key is 42", nil},
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
	d := NewDetector()
	for _, tt := range tests {
		var got []string
		for _, sec := range d.Find(tt.in) {
			got = append(got, sec.Kind+" "+tt.in[sec.Start:sec.End])
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Find(%q) (-want +got):\n%s", tt.in, diff)
		}
		// The scan reports each kind once, and redaction masks every
		// secret and scans clean.
		red, changed := d.Redact(tt.in)
		if changed != (tt.want != nil) {
			t.Errorf("Redact(%q) = %q, changed %v", tt.in, red, changed)
		}
		if again := d.Find(red); again != nil {
			t.Errorf("Redact(%q) = %q, which still holds %v", tt.in, red, again)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GET /api/orders", "GET /api/orders"},
		{"Bearer " + jwt, "Bearer [REDACTED:jwt]"},
		{"https://x.test/cb?code=1&access_token=abc123&state=z", "https://x.test/cb?code=1&access_token=[REDACTED:query_secret]&state=z"},
		{"api_key=k1;password=hunter2", "api_key=[REDACTED:query_secret];password=[REDACTED:query_secret]"},
		{"mail bob.o'neil+tag@mail.example.co.uk now", "mail bob.o'[REDACTED:email] now"},
		{"card 4111 1111 1111 1111 ok, 5500000000000004", "card [REDACTED:card_number] ok, [REDACTED:card_number]"},
		{"postgres://app:pa55word@db/x", "postgres://app:[REDACTED:url_password]@db/x"},
		{"order 1234567890123456", "order 1234567890123456"},
	}
	d := NewDetector()
	for _, tt := range tests {
		if got, _ := d.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
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
		"messaging.token":                         "token",
		"aws.secret_access_key":                   "aws_secret_key",
		"app.session_id":                          "session_id",
		"session.id":                              "",
		"next_page_token":                         "",
		"gen_ai.usage.input_tokens":               "",
		"password_policy":                         "",
		"user.password_changed":                   "",
		"http.request.header.content-type":        "",
		"cookies.count":                           "",
		"process.env.pwd":                         "",
		"":                                        "",
	}
	for key, want := range tests {
		if got := KeyKind(key); got != want {
			t.Errorf("KeyKind(%q) = %q, want %q", key, got, want)
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
			got = append(got, fmt.Sprint(h.kind, " ", h.runes))
		}
	}
	want := []string{"employee_id 10", "pattern /(?i)internal-[0-9]+/ 11"}
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

func span(id byte, parent byte, name string) dag.SpanData {
	return dag.SpanData{TraceID: tid, SpanID: dag.SpanID{7: id}, ParentSpanID: dag.SpanID{7: parent}, Name: name,
		Resource: res, Scope: scope, Start: uint64(id), End: 100 - uint64(id)}
}

func tree(spans ...dag.SpanData) *dag.Tree {
	var ts dag.Traces
	ts.Add(dag.Pack(spans))
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
	child.Events = append(child.Events, dag.Event{Name: "call +44 20 7946 0958", Attrs: []dag.Attr{
		{Key: "carol@example.com", Value: dag.StringValue("dave@example.com")},
	}})
	child.Links = []dag.Link{{TraceID: tid, SpanID: dag.SpanID{7: 9}, Attrs: []dag.Attr{
		{Key: "messaging.token", Value: dag.StringValue(slackTok)},
	}}}
	// A different span under child's id: dropped from the tree as a
	// duplicate_span_id, and still scanned.
	conflict := span(2, 1, "notify")
	conflict.Attrs = []dag.Attr{{Key: "note", Value: dag.StringValue("card 4111 1111 1111 1111")}}
	clean := span(3, 1, "SELECT orders")
	clean.Attrs = []dag.Attr{{Key: "db.statement", Value: dag.StringValue("SELECT * FROM orders WHERE id = ?")}}

	sc := NewScanner()
	var got []string
	for _, f := range sc.Scan(tree(root, child, clean, conflict)) {
		got = append(got, fmt.Sprintf("%s %s %s: %s", f.Rule, f.Severity, f.SpanID, f.Message))
	}
	want := []string{
		`pii error 0000000000000001: email (17 characters) in status message`,
		`pii error 0000000000000001: authorization (130 characters), jwt (123 characters), bearer_token (123 characters) in span attribute "http.request.header.authorization"`,
		`pii error 0000000000000001: aws_access_key (20 characters) in span attribute "http.request.header.x-key"`,
		`pii error 0000000000000001: card_number (16 characters) in span attribute "payment.card"`,
		`pii error 0000000000000001: password (7 characters) in span attribute "nested"`,
		`pii error 0000000000000001: email (15 characters) in resource attribute "deployment.owner"`,
		`pii error 0000000000000002: email (15 characters) in span name`,
		`pii error 0000000000000002: url_password (8 characters) in event "exception" attribute "exception.message"`,
		`pii error 0000000000000002: phone_number (16 characters) in event name`,
		`pii error 0000000000000002: email (16 characters) in event "call [REDACTED:phone_number]" attribute "[REDACTED:email]"`,
		`pii error 0000000000000002: token (26 characters), slack_token (26 characters) in link attribute "messaging.token"`,
		`pii error 0000000000000002: card_number (19 characters) in span attribute "note"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, g := range got {
		for _, secret := range []string{jwt, awsKey, "4111111111111111", "4111 1111", "hunter2", "alice@", "pa55word", slackTok, "ops@example.com", "carol", "7946"} {
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
	if len(fs) != 1 || fs[0].Message != `email (15 characters) in resource attribute "deployment.owner"` || fs[0].TraceID != again.TraceID {
		t.Errorf("second trace: %+v", fs)
	}
}

func FuzzScanString(f *testing.F) {
	for _, s := range []string{awsKey, jwt, "Bearer " + jwt, "4111 1111 1111 1111", "postgres://a:b@c", "x@y.zz", "?token=abc", googleKey, ghToken, "-----BEGIN PRIVATE KEY-----"} {
		f.Add(s)
	}
	d := NewDetector()
	f.Fuzz(func(t *testing.T, s string) {
		found := d.Find(s)
		for _, sec := range found {
			if sec.Start < 0 || sec.End > len(s) || sec.Start >= sec.End {
				t.Fatalf("%s at [%d,%d) of %d bytes", sec.Kind, sec.Start, sec.End, len(s))
			}
		}
		red, changed := d.Redact(s)
		if changed != (len(found) > 0) || !changed && red != s {
			t.Fatalf("Redact(%q) = %q, %v with %d secrets", s, red, changed, len(found))
		}
		if again := d.Find(red); len(again) > 0 {
			t.Fatalf("Redact(%q) = %q still holds %v", s, red, again)
		}
		if utf8.ValidString(s) && !utf8.ValidString(red) {
			t.Fatalf("Redact(%q) = %q: invalid UTF-8", s, red)
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
		spans := make([]dag.SpanData, n)
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
