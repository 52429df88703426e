package view

import (
	"io"
	"regexp"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/render"
)

var (
	frontend = &dag.Resource{Service: "frontend", Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue("frontend")}, {Key: "host.name", Value: dag.StringValue("web-1")}}}
	cart     = &dag.Resource{Service: "cart"}
	payment  = &dag.Resource{Service: "payment"}
)

const (
	ms    = int64(1_000_000)
	epoch = int64(1_764_000_000_000_000_000)
)

// span builds a test span of trace t: id, parent (0 = root), resource,
// name, start and end in milliseconds after a fixed epoch.
func span(t, id, parent byte, res *dag.Resource, name string, start, end int64) dag.SpanData {
	s := dag.SpanData{
		TraceID: dag.TraceID{0xab, 15: t}, SpanID: dag.SpanID{0: t, 7: id},
		Resource: res, Name: name, Kind: dag.KindInternal, Start: uint64(epoch + start*ms), End: uint64(epoch + end*ms),
	}
	if parent != 0 {
		s.ParentSpanID = dag.SpanID{0: t, 7: parent}
	}
	return s
}

const stack = "java.lang.IllegalStateException: card declined\n\tat shop.Payment.charge(Payment.java:42)\n\tat shop.Checkout.run(Checkout.java:7)\r\n\tat java.base/java.lang.Thread.run(Thread.java:1583)"

// checkout is a trace with a cart call whose server runs six alike
// queries, and a failing payment with an exception event.
func checkout() []dag.SpanData {
	r := span(1, 1, 0, frontend, "GET /checkout", 0, 245)
	r.Kind = dag.KindServer
	r.Attrs = []dag.Attr{{Key: "http.method", Value: dag.StringValue("GET")}, {Key: "http.status_code", Value: dag.IntValue(500)}}
	cartCall := span(1, 2, 1, frontend, "GET /cart", 2, 40)
	cartCall.Kind = dag.KindClient
	cartSrv := span(1, 3, 2, cart, "GET /cart", 5, 38)
	cartSrv.Kind = dag.KindServer
	charge := span(1, 4, 1, payment, "charge", 45, 240)
	charge.Kind = dag.KindServer
	charge.Status = dag.Status{Code: dag.StatusError, Message: "card declined"}
	charge.Events = []dag.Event{{Name: "exception", Time: uint64(epoch + 200*ms), Attrs: []dag.Attr{
		{Key: "exception.type", Value: dag.StringValue("java.lang.IllegalStateException")},
		{Key: "exception.stacktrace", Value: dag.StringValue(stack)},
	}}}
	charge.Links = []dag.Link{
		{TraceID: dag.TraceID{0xab, 15: 2}, SpanID: dag.SpanID{0: 2, 7: 2}},
		{TraceID: dag.TraceID{0xee}, SpanID: dag.SpanID{0xee}},
	}
	spans := []dag.SpanData{r, cartCall, cartSrv, charge}
	for k := range 6 {
		spans = append(spans, span(1, byte(10+k), 3, cart, "SELECT items", 6+int64(k)*5, 10+int64(k)*5))
	}
	return spans
}

// refund is a second, shorter trace the checkout links to.
func refund() []dag.SpanData {
	r := span(2, 1, 0, payment, "POST /refund", 300, 320)
	r.Kind = dag.KindServer
	return []dag.SpanData{r, span(2, 2, 1, payment, "refund ledger", 302, 318)}
}

func build(spans []dag.SpanData) *dag.Tree {
	var ts dag.Traces
	ts.Add(dag.Pack(spans))
	return dag.Build(ts.List()[0])
}

func newTest(t *testing.T, w, h int, trees ...*dag.Tree) *Model {
	t.Helper()
	if trees == nil {
		trees = []*dag.Tree{build(checkout()), build(refund())}
	}
	m := New(trees, Options{Source: "test"})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// press sends keys: single runes, or names bubbletea gives ("enter",
// "esc", "tab", "down", …).
func press(t *testing.T, m *Model, keys ...string) tea.Cmd {
	t.Helper()
	var cmd tea.Cmd
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "tab":
			msg = tea.KeyMsg{Type: tea.KeyTab}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		case "left":
			msg = tea.KeyMsg{Type: tea.KeyLeft}
		case "right":
			msg = tea.KeyMsg{Type: tea.KeyRight}
		case "backspace":
			msg = tea.KeyMsg{Type: tea.KeyBackspace}
		case "space":
			msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		_, cmd = m.Update(msg)
	}
	screen(t, m) // every step draws a well-formed screen
	return cmd
}

// screen returns the view, checking it fills the window exactly: height
// lines, none wider than the width, and, without colour, no escape
// sequence at all.
func screen(t *testing.T, m *Model) string {
	t.Helper()
	v := m.View()
	lines := strings.Split(v, "\n")
	if len(lines) != m.height {
		t.Errorf("%d lines on a %d-line screen:\n%s", len(lines), m.height, v)
	}
	for k, l := range lines {
		if w := ansi.StringWidth(l); w > m.width {
			t.Errorf("line %d is %d cells on a %d-cell screen: %q", k, w, m.width, l)
		}
	}
	if m.opts.Styles == nil && strings.ContainsRune(v, '\x1b') {
		t.Errorf("escape sequences without colour:\n%q", v)
	}
	return v
}

// cursorLine is the line the cursor (▸) is on.
func cursorLine(t *testing.T, m *Model) string {
	t.Helper()
	for _, l := range strings.Split(screen(t, m), "\n") {
		if strings.HasPrefix(l, "▸") {
			return l
		}
	}
	t.Fatalf("no cursor on screen:\n%s", screen(t, m))
	return ""
}

func contains(t *testing.T, v string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(v, w) {
			t.Errorf("screen lacks %q:\n%s", w, v)
		}
	}
}

func lacks(t *testing.T, v string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(v, w) {
			t.Errorf("screen has %q:\n%s", w, v)
		}
	}
}

func TestListSortAndFilter(t *testing.T) {
	m := newTest(t, 80, 24)
	v := screen(t, m)
	contains(t, v, "tracectl view · test · 2 traces · 12 spans · 1 with errors", "ROOT", "SPANS", "ERRORS", "DURATION", "START▲",
		"frontend GET /checkout", "payment POST /refund", "2025-11-24 16:00:00.000")
	if l := cursorLine(t, m); !strings.Contains(l, "GET /checkout") {
		t.Errorf("cursor starts on the first trace by start; on %q", l)
	}

	press(t, m, "s") // duration, longest first
	contains(t, screen(t, m), "DURATION▼")
	press(t, m, "r")
	rows := strings.Split(screen(t, m), "\n")[2:4]
	if !strings.Contains(rows[0], "POST /refund") || !strings.Contains(rows[1], "GET /checkout") {
		t.Errorf("reversed duration sort: shortest first; got %q", rows)
	}

	press(t, m, "/", "r", "e", "f")
	v = screen(t, m)
	contains(t, v, "1 of 2 traces", "POST /refund", "/ref")
	lacks(t, v, "GET /checkout")
	press(t, m, "enter")
	contains(t, screen(t, m), "filter /ref")
	press(t, m, "esc")
	contains(t, screen(t, m), "GET /checkout", "POST /refund")

	// A TraceQL filter, typed: it applies once it parses.
	press(t, m, "/")
	for _, r := range "{ status = error }" {
		press(t, m, string(r))
	}
	v = screen(t, m)
	contains(t, v, "1 of 2 traces", "GET /checkout")
	lacks(t, v, "POST /refund")
	press(t, m, "esc") // cancels the prompt: back to no filter
	contains(t, screen(t, m), "2 traces", "POST /refund")
}

func TestOpenTraceTreeAndDetails(t *testing.T) {
	m := newTest(t, 80, 24)
	press(t, m, "enter")
	v := screen(t, m)
	contains(t, v, "Trace ab000000000000000000000000000001", "GET /checkout", "10 spans · 3 services",
		"× 5 more like", "✗", "◆", "── span", "kind      server", "duration  245ms", "self", "critical",
		"http.status_code: 500")
	press(t, m, "tab", "G")
	contains(t, screen(t, m), "resource: frontend", "host.name: web-1")
	press(t, m, "tab")
	if l := cursorLine(t, m); !strings.Contains(l, "GET /checkout") {
		t.Errorf("cursor on the root; on %q", l)
	}

	press(t, m, "j", "j")
	if l := cursorLine(t, m); !strings.Contains(l, "cart GET /cart [server]") {
		t.Errorf("two down: the cart server; on %q", l)
	}
	contains(t, screen(t, m), " cart GET /cart   ", "kind      server", "parent    0100000000000002")

	press(t, m, "enter") // fold the subtree
	v = screen(t, m)
	contains(t, v, "(+6")
	lacks(t, v, "SELECT items")
	press(t, m, "l") // unfold
	contains(t, screen(t, m), "SELECT items", "× 5 more like")

	press(t, m, "j", "j") // onto the fold line
	contains(t, cursorLine(t, m), "× 5 more like")
	contains(t, screen(t, m), "Alike siblings folded")
	press(t, m, "space")
	v = screen(t, m)
	lacks(t, v, "more like")
	if n := strings.Count(v, "─ cart SELECT items"); n != 6 {
		t.Errorf("unfolded: %d SELECT lines, want 6", n)
	}

	press(t, m, "h") // a leaf: to its parent
	contains(t, cursorLine(t, m), "cart GET /cart [server]")
	press(t, m, "h", "h") // fold it, then to its parent
	contains(t, cursorLine(t, m), "frontend GET /cart [client]")

	press(t, m, "c")
	lacks(t, screen(t, m), "◆")
	press(t, m, "c")
	contains(t, screen(t, m), "◆", "critical path marked")

	press(t, m, "esc")
	contains(t, screen(t, m), "ROOT", "START▲")
	press(t, m, "enter", "backspace")
	contains(t, screen(t, m), "ROOT")
}

func TestErrorDetailsAndStackTrace(t *testing.T) {
	m := newTest(t, 80, 30)
	press(t, m, "enter", "e")
	contains(t, cursorLine(t, m), "payment charge [server] ✗")
	press(t, m, "tab")
	contains(t, screen(t, m), "focused")
	press(t, m, "G")
	v := screen(t, m)
	// What `tree -vv` prints under the span; the stack trace line by line,
	// tabs as spaces, CR gone.
	contains(t, v, "status: error: card declined", "event: exception  +155ms", "exception.stacktrace:",
		"     java.lang.IllegalStateException: card declined",
		"         at shop.Payment.charge(Payment.java:42)",
		"         at java.base/java.lang.Thread.run(Thread.java:1583)",
		"link: trace ab000000000000000000000000000002 span 0200000000000002")
	lacks(t, v, `\t`, `\r`)
	contains(t, v, "Follow a link", "[1] → payment refund ledger", "[2] span ee00000000000000: not in the data")

	press(t, m, "tab", "2")
	contains(t, screen(t, m), "link 2 points to a span that is not in the data")
	press(t, m, "1")
	v = screen(t, m)
	contains(t, v, "Trace ab000000000000000000000000000002", "followed link 1")
	contains(t, cursorLine(t, m), "refund ledger")
}

func TestSearch(t *testing.T) {
	m := newTest(t, 80, 24)
	press(t, m, "enter", "/", "s", "e", "l")
	contains(t, cursorLine(t, m), "SELECT items")
	press(t, m, "enter")
	contains(t, screen(t, m), "match 1 of 6")
	press(t, m, "n")
	contains(t, screen(t, m), "match 2 of 6")
	press(t, m, "N", "N")
	contains(t, screen(t, m), "match 6 of 6")
	// The sixth is folded away: the search unfolded its run.
	contains(t, cursorLine(t, m), "SELECT items")

	press(t, m, "g", "/")
	for _, r := range "{ kind = server && status = error }" {
		press(t, m, string(r))
	}
	press(t, m, "enter")
	contains(t, cursorLine(t, m), "payment charge")
	contains(t, screen(t, m), "match 1 of 1")

	press(t, m, "/")
	for _, r := range "{ nosuch" {
		press(t, m, string(r))
	}
	contains(t, screen(t, m), "{ nosuch", "unknown field nosuch") // said as it is typed
	press(t, m, "esc")
	contains(t, cursorLine(t, m), "payment charge")
	press(t, m, "/", "z", "z", "z", "enter")
	contains(t, screen(t, m), "no span matches zzz")
}

func TestHostileNames(t *testing.T) {
	evil := "pay\x1b]0;pwned\a\x1b[2J\u202egnp.exe"
	s := span(3, 1, 0, &dag.Resource{Service: "svc\x1b[31m"}, evil, 0, 10)
	s.Status = dag.Status{Code: dag.StatusError, Message: "boom\x1b[H\u2066"}
	s.Attrs = []dag.Attr{{Key: "k\x1b", Value: dag.StringValue("v\x9b1m\nline2\u202e")}}
	s.Events = []dag.Event{{Name: "ev\x07", Time: s.Start}}
	tr := build([]dag.SpanData{s})
	for _, color := range []bool{false, true} {
		opts := Options{}
		if color {
			opts.Styles = render.NewStyles(io.Discard, true)
		}
		m := New([]*dag.Tree{tr}, opts)
		m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		for _, keys := range [][]string{nil, {"enter"}, {"tab", "G"}, {"/", "p", "a", "y"}} {
			press(t, m, keys...)
			v := screen(t, m)
			// Only our own SGR sequences (ESC [ … m) may be on screen.
			rest := ansiSGR.ReplaceAllString(v, "")
			for _, c := range []string{"\x1b", "\a", "\x9b", "\u009b", "\u202e", "\u2066"} {
				if strings.Contains(rest, c) {
					t.Errorf("color=%v: control character %q of the data reached the screen: %q", color, c, rest)
				}
			}
			if !strings.Contains(rest, `\x1b`) {
				t.Errorf("color=%v: the escape is not shown escaped:\n%s", color, rest)
			}
		}
	}
}

func TestResize(t *testing.T) {
	m := newTest(t, 80, 24)
	press(t, m, "enter", "j", "j", "j")
	for _, size := range [][2]int{{120, 40}, {60, 15}, {40, 10}, {200, 60}, {80, 24}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		v := screen(t, m)
		contains(t, v, "SELECT")
		contains(t, cursorLine(t, m), "SELECT")
	}
	m.Update(tea.WindowSizeMsg{Width: 10, Height: 3})
	if v := m.View(); !strings.Contains(v, "too small") {
		t.Errorf("a tiny window says so; got %q", v)
	}
}

func TestHelpAndQuit(t *testing.T) {
	m := newTest(t, 80, 24)
	press(t, m, "?")
	contains(t, screen(t, m), "tracectl view: keys", "Trace list", "filter")
	press(t, m, "esc")
	contains(t, screen(t, m), "ROOT")
	cmd := press(t, m, "q")
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q does not quit")
	}
}

// Keys typed faster than bubbletea reads them arrive as one message.
func TestKeysTypedAhead(t *testing.T) {
	m := newTest(t, 80, 24)
	press(t, m, "jk")
	press(t, m, "j")
	contains(t, cursorLine(t, m), "POST /refund")
	press(t, m, "k/ref")
	if !m.prompting || m.prompt.Value() != "ref" {
		t.Errorf("keys after / go to the prompt; prompting=%v value=%q", m.prompting, m.prompt.Value())
	}
}

func TestNoColor(t *testing.T) {
	m := newTest(t, 80, 24) // Options.Color false: screen checks for escapes
	press(t, m, "enter", "/", "c", "a", "enter", "tab", "?", "esc", "esc", "s", "/", "x")
}

func TestSortOrders(t *testing.T) {
	var trees []*dag.Tree
	for k, d := range []int64{30, 10, 20} {
		s := span(byte(k+1), 1, 0, cart, "op", int64(k)*100, int64(k)*100+d)
		trees = append(trees, build([]dag.SpanData{s}))
	}
	m := newTest(t, 80, 24, trees...)
	order := func() []string {
		var got []string
		for _, e := range m.list.shown {
			got = append(got, dag.FormatDuration(e.sum.Duration()))
		}
		return got
	}
	if diff := cmp.Diff([]string{"30.0ms", "10.0ms", "20.0ms"}, order()); diff != "" {
		t.Errorf("by start (-want +got):\n%s", diff)
	}
	press(t, m, "s")
	if diff := cmp.Diff([]string{"30.0ms", "20.0ms", "10.0ms"}, order()); diff != "" {
		t.Errorf("by duration (-want +got):\n%s", diff)
	}
	press(t, m, "S", "S")
	if m.list.by != byRoot {
		t.Errorf("S twice from duration: by %v, want root", m.list.by)
	}
}

// ansiSGR matches the SGR sequences our styles write.
var ansiSGR = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestSortPutsCursorOnTop(t *testing.T) {
	m := newTest(t, 80, 24)
	press(t, m, "j")
	contains(t, cursorLine(t, m), "POST /refund")
	press(t, m, "s")
	contains(t, cursorLine(t, m), "GET /checkout") // the longest
	press(t, m, "/", "r", "e", "f", "enter")
	contains(t, cursorLine(t, m), "POST /refund")
}

func TestMissingParentDetails(t *testing.T) {
	orphan := span(4, 2, 9, cart, "late child", 30, 80)
	m := newTest(t, 80, 24, build([]dag.SpanData{orphan}))
	press(t, m, "enter")
	v := screen(t, m)
	contains(t, v, "missing span 0400000000000009", "not in the input", "children  1")
	press(t, m, "j")
	contains(t, screen(t, m), "cart late child", "parent    0400000000000009")
	press(t, m, "h")
	contains(t, cursorLine(t, m), "missing span")
}

// With --async follow a trace a link continued is joined to the trace it
// links to: its spans are found there.
func TestLinkIntoJoinedWorkflow(t *testing.T) {
	first := checkout()
	first[3].Links = []dag.Link{{TraceID: dag.TraceID{0xab, 15: 2}, SpanID: dag.SpanID{0: 2, 7: 1}}}
	second := refund()
	second[0].Links = []dag.Link{{TraceID: first[3].TraceID, SpanID: first[3].SpanID}}
	trees := dag.Join([]*dag.Tree{build(first), build(second)})
	if len(trees) != 1 {
		t.Fatalf("%d trees after Join, want 1", len(trees))
	}
	m := New(trees, Options{Async: critpath.AsyncFollow})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	press(t, m, "enter", "e")
	contains(t, cursorLine(t, m), "payment charge")
	press(t, m, "1")
	contains(t, cursorLine(t, m), "payment POS", "queued")
	contains(t, screen(t, m), "followed link 1", "joined by links")
}

func TestHelpScrolls(t *testing.T) {
	m := newTest(t, 80, 12)
	press(t, m, "?")
	contains(t, screen(t, m), "Move (list, tree, details)")
	press(t, m, "G")
	v := screen(t, m)
	contains(t, v, "suspend")
	lacks(t, v, "Move (list, tree, details)")
	press(t, m, "g", "esc")
	contains(t, screen(t, m), "ROOT")
}

func TestCriticalKeptAcrossTraces(t *testing.T) {
	m := newTest(t, 80, 24)
	press(t, m, "enter", "c", "esc", "j", "enter")
	lacks(t, screen(t, m), "◆")
}

func TestOpenAtStart(t *testing.T) {
	trees := []*dag.Tree{build(checkout()), build(refund())}
	m := New(trees, Options{Open: trees[1].TraceID})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	contains(t, screen(t, m), "Trace ab000000000000000000000000000002")
	press(t, m, "esc")
	contains(t, screen(t, m), "ROOT")
}
