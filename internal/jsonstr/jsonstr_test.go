package jsonstr

import (
	"encoding/json"
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
