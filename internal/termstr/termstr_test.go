package termstr

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"GET /cart", "GET /cart"},
		{`C:\path`, `C:\path`},
		{"ünïcødé ✓ 日本", "ünïcødé ✓ 日本"},
		{"\x1b]0;pwned\a\x1b[2J", `\x1b]0;pwned\a\x1b[2J`},
		{"a\tb\nc\rd\ve\ff\bg\x00h\x7f", `a\tb\nc\rd\ve\ff\bg\x00h\x7f`},
		{"\u009b31m", `\u009b31m`},         // C1 CSI
		{"abc\u202edcba", `abc\u202edcba`}, // right-to-left override
		{"\u2066x\u2069\u200e\u200f\u061c", `\u2066x\u2069\u200e\u200f\u061c`},
		{"line\u2028sep\u2029", `line\u2028sep\u2029`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{"\xe2\x80", `\xe2\x80`},         // truncated sequence: each byte
		{"\u200d\ufeff", "\u200d\ufeff"}, // zero-width joiner and BOM are not controls
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := string(Append([]byte("x"), tc.in)); got != "x"+tc.want {
			t.Errorf("Append(%q) = %q, want %q", tc.in, got, "x"+tc.want)
		}
		if got := Safe(tc.in); got != (tc.in == tc.want) {
			t.Errorf("Safe(%q) = %v", tc.in, got)
		}
	}
}

func TestText(t *testing.T) {
	got := Text("query: column 3\n  { name = \"\x1b[2J\" }\n  ^\r")
	want := "query: column 3\n  { name = \"\\x1b[2J\" }\n  ^\\r"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Text (-want +got):\n%s", diff)
	}
	if s := "two\nlines"; Text(s) != s {
		t.Errorf("Text(%q) changed it", s)
	}
}

func TestJoin(t *testing.T) {
	if got, want := Join([]string{"a\x1b", "b"}, ", "), `a\x1b, b`; got != want {
		t.Errorf("Join = %q, want %q", got, want)
	}
}

// terminalSafe reports what in s could drive a terminal, if anything.
func terminalSafe(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || unsafeRune(r, utf8.RuneLen(r)) {
			return "control character " + string(Escape(string(r)))
		}
	}
	return ""
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"plain", "\x1b]0;t\a", "\u202e", "bad\xff", "\u0085", "a\\x1b", strings.Repeat("é", 5)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if why := terminalSafe(e); why != "" {
			t.Fatalf("Escape(%q) = %q: %s", s, e, why)
		}
		if Escape(e) != e {
			t.Fatalf("Escape is not idempotent on %q", s)
		}
		if Safe(s) != (e == s) {
			t.Fatalf("Safe(%q) disagrees with Escape", s)
		}
		x := Text(s)
		if why := terminalSafe(strings.ReplaceAll(x, "\n", "")); why != "" {
			t.Fatalf("Text(%q) = %q: %s", s, x, why)
		}
		if strings.Count(x, "\n") != strings.Count(s, "\n") {
			t.Fatalf("Text(%q) = %q changed the line feeds", s, x)
		}
	})
}
