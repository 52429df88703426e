package jsonstr

import (
	"encoding/json"
	"reflect"
	"testing"
)

func FuzzAppend(f *testing.F) {
	for _, s := range []string{"plain", "quote\" back\\slash", "nl\n\ttab\r\b\f", "<&>", "\x00\x1f\x7f", "ünï©ødé", "bad\xffutf8", "\u2028\u2029", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := Append(nil, s); string(got) != string(want) {
			t.Errorf("Append(%q) = %s, want %s (encoding/json)", s, got, want)
		}
	})
}

func FuzzHarden(f *testing.F) {
	for _, s := range []string{"plain", "\x7f", "\u009b31m", "a\u202eb", "\u2066\u2069\u200e\u061c", "bad\xff", "ünï"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc, err := json.Marshal(map[string]any{"k" + s: []string{s}})
		if err != nil {
			t.Fatal(err)
		}
		h := Harden(doc)
		var a, b any
		if err := json.Unmarshal(doc, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(h, &b); err != nil {
			t.Fatalf("Harden(%s) = %s: %v", doc, h, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("Harden(%s) = %s decodes differently", doc, h)
		}
		for _, r := range string(h) {
			if hard(r) {
				t.Fatalf("Harden(%s) = %s keeps %U raw", doc, h, r)
			}
		}
	})
}

func FuzzAppendHard(f *testing.F) {
	for _, s := range []string{"plain", "GET /api/cart", "quote\" back\\slash", "<&>", "\x00\x1f\x7f", "ünï", "\u009b31m", "a\u202eb", "bad\xff", "\u2028", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := Harden(Append([]byte("x"), s))
		if got := AppendHard([]byte("x"), s); string(got) != string(want) {
			t.Errorf("AppendHard(%q) = %s, want %s (Harden(Append))", s, got, want)
		}
	})
}
