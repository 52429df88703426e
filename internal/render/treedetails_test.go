package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
)

// detailTrace is the shop trace with details to show: attributes of every
// type, an exception event with a Go stack trace (tabs, many lines), a
// link, a long value, hostile text, and resources.
func detailTrace() []dag.SpanData {
	spans := shopTrace()
	fe := &dag.Resource{Service: "frontend", Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue("frontend")}, {Key: "host.name", Value: dag.StringValue("web-1")}}}
	pay := &dag.Resource{Service: "payment", Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue("payment")}}}
	for i := range spans {
		switch spans[i].Resource {
		case frontend:
			spans[i].Resource = fe
		case payment:
			spans[i].Resource = pay
		}
	}
	root := &spans[0]
	root.Attrs = []dag.Attr{
		{Key: "http.route", Value: dag.StringValue("/checkout")},
		{Key: "http.response.status_code", Value: dag.IntValue(200)},
		{Key: "retry", Value: dag.BoolValue(false)},
		{Key: "tags", Value: dag.ArrayValue([]dag.Value{dag.StringValue("a"), dag.StringValue("b")})},
		{Key: "evil\x1b]0;pwned\a", Value: dag.StringValue("\x1b[31mred\u202e")},
		{Key: "db.statement", Value: dag.StringValue("SELECT id, name, price, stock, description, category FROM items WHERE cart_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 100")},
	}
	root.Links = []dag.Link{{TraceID: dag.TraceID{0xee, 15: 2}, SpanID: dag.SpanID{7: 9}, Attrs: []dag.Attr{{Key: "opentracing.ref_type", Value: dag.StringValue("follows_from")}}}}
	charge := &spans[3]
	charge.Events = []dag.Event{{Name: "exception", Time: charge.Start + uint64(3*ms), Attrs: []dag.Attr{
		{Key: "exception.type", Value: dag.StringValue("*errors.errorString")},
		{Key: "exception.message", Value: dag.StringValue("card declined")},
		{Key: "exception.stacktrace", Value: dag.StringValue("goroutine 7 [running]:\nmain.charge(0xc000010000)\n\t/src/payment/charge.go:42 +0x1d\nmain.handler()\n\t/src/payment/main.go:17 +0x5a\n")},
	}}}
	return spans
}

func TestTreeDetails(t *testing.T) {
	for _, tc := range []struct {
		name    string
		details int
		width   int
	}{
		{"shop-attrs.txt", 1, 100},
		{"shop-attrs2.txt", 2, 100},
		{"shop-attrs-narrow.txt", 1, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			opt := TreeOptions{Width: tc.width, MaxDepth: -1, Fold: true, Details: tc.details}
			if err := Tree(&b, NewStyles(&b, false), buildTree(detailTrace()), opt); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if strings.ContainsAny(out, "\x1b\a\u202e") {
				t.Error("control characters reached the output")
			}
			for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if w := cells(l); w > tc.width {
					t.Errorf("line is %d cells, more than %d: %q", w, tc.width, l)
				}
			}
			golden(t, tc.name, b.Bytes())
		})
	}
}

func TestTreeFields(t *testing.T) {
	f, err := ParseTreeFields([]string{"name", "duration", "span_id", "span.http.route", "resource.host.name"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Tree(&b, NewStyles(&b, false), buildTree(detailTrace()), TreeOptions{Width: 100, MaxDepth: -1, Fold: true, Fields: &f}); err != nil {
		t.Fatal(err)
	}
	golden(t, "shop-fields.txt", b.Bytes())

	// Without a bar, the offsets stay while the line has room for them.
	noBar := TreeFields{Name: true, Offset: true, Duration: true}
	b.Reset()
	if err := Tree(&b, NewStyles(&b, false), buildTree(detailTrace()), TreeOptions{Width: 100, MaxDepth: -1, Fields: &noBar}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "+45.0ms") || strings.Contains(b.String(), "█") {
		t.Errorf("--fields name,offset,duration:\n%s", b.String())
	}

	for _, tc := range []struct{ in, want string }{
		{"duraton", `unknown field "duraton" (did you mean "duration"?)`},
		{"http.route", `unknown field "http.route"; fields: service, name, kind, offset, duration, bar, span_id, span.KEY, resource.KEY (an attribute is span.http.route or resource.http.route)`},
		{"span.", `unknown field "span."`},
	} {
		_, err := ParseTreeFields([]string{"name", tc.in})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseTreeFields(%q) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
}

// TestSpanDetails: a detail pane gets the lines the tree prints under a
// span, without guides.
func TestSpanDetails(t *testing.T) {
	tr := buildTree(detailTrace())
	var charge int32 = -1
	for i, n := range tr.Nodes {
		if n.Span != nil && n.Span.Name() == "charge" {
			charge = int32(i)
		}
	}
	var b bytes.Buffer
	if err := SpanDetails(&b, NewStyles(&b, false), tr, charge, 60, 1); err != nil {
		t.Fatal(err)
	}
	want := "status: error: card declined\nevent: exception  +3.00ms\n  exception.type: *errors.errorString\n"
	if !strings.HasPrefix(b.String(), want) {
		t.Errorf("got:\n%s\nwant it to start with:\n%s", b.String(), want)
	}
	if !strings.Contains(b.String(), "\n        /src/payment/charge.go:42 +0x1d\n") {
		t.Errorf("stack trace not line by line:\n%s", b.String())
	}
}

// TestTreeDetailsNarrow: with details and extra fields, at every width
// from 40 cells every line fits, and at any width nothing panics.
func TestTreeDetailsNarrow(t *testing.T) {
	tr := buildTree(detailTrace())
	f, err := ParseTreeFields([]string{"service", "name", "kind", "offset", "duration", "span_id", "span.db.statement", "bar"})
	if err != nil {
		t.Fatal(err)
	}
	for width := 1; width <= 140; width++ {
		var b bytes.Buffer
		if err := Tree(&b, NewStyles(&b, false), tr, TreeOptions{Width: width, MaxDepth: -1, Fold: true, Details: 2, Fields: &f}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		for _, l := range lines[2:] {
			if width >= 40 && cells(l) > width {
				t.Errorf("width %d: line is %d cells:\n%s", width, cells(l), l)
			}
			if strings.Contains(l, "─ pay") && (!strings.Contains(l, "✗") || !strings.Contains(l, "[server]")) {
				t.Errorf("width %d: the error span lost its mark or kind:\n%s", width, l)
			}
		}
	}
}

// FuzzTreeDetails feeds arbitrary text to every part of a span the tree
// prints (names, services, messages, attribute keys and values, event
// names): no control character reaches the output, every line fits from
// 40 cells, and nothing panics at any width.
func FuzzTreeDetails(f *testing.F) {
	f.Add("plain", "GET /checkout", uint8(80))
	f.Add("line1\nline2\r\n\tat x\n", "\x1b]0;t\a", uint8(40))
	f.Add("日本語の名前はとても長い名前です", "\u202eevil\u0085", uint8(41))
	f.Add("", "", uint8(1))
	f.Fuzz(func(t *testing.T, value, name string, w uint8) {
		spans := detailTrace()
		res := &dag.Resource{Service: name, Attrs: []dag.Attr{{Key: name, Value: dag.StringValue(value)}}}
		for i := range spans {
			spans[i].Resource = res
			spans[i].Name = name
			spans[i].Attrs = append(spans[i].Attrs, dag.Attr{Key: value, Value: dag.StringValue(value)})
		}
		spans[3].Status.Message = value
		spans[3].Events = append(spans[3].Events, dag.Event{Name: name, Attrs: []dag.Attr{{Key: "exception.stacktrace", Value: dag.StringValue(value)}}})
		width := int(w)
		fields, err := ParseTreeFields([]string{"service", "name", "kind", "duration", "span.db.statement", "bar"})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Tree(&b, NewStyles(&b, false), buildTree(spans), TreeOptions{Width: width, MaxDepth: -1, Fold: true, Details: 2, Fields: &fields}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, r := range out {
			if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u202e' {
				t.Fatalf("control character %U in the output:\n%q", r, out)
			}
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		for _, l := range lines[2:] {
			if width >= 40 && cells(l) > width {
				t.Fatalf("width %d: line is %d cells: %q", width, cells(l), l)
			}
		}
	})
}
