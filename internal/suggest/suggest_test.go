package suggest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"payment", "payment", 0},
		{"paymnet", "payment", 2},
		{"", "cart", 4},
		{"kitten", "sitting", 3},
		{"Zürich", "Zurich", 1}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestNearest(t *testing.T) {
	names := []string{"frontend", "cart", "checkout", "payment", "inventory", "email", "payment"}
	tests := []struct {
		name string
		n    int
		want []string
	}{
		{"paymnet", 3, []string{"payment", "cart", "email"}},
		{"Payment", 1, []string{"payment"}},
		{"checkot", 2, []string{"checkout", "cart"}},
		{"x", 10, []string{"cart", "email", "payment", "frontend", "checkout", "inventory"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Nearest(tt.name, names, tt.n)); diff != "" {
			t.Errorf("Nearest(%q) (-want +got):\n%s", tt.name, diff)
		}
	}
	if got := Nearest("a", nil, 3); len(got) != 0 {
		t.Errorf("Nearest over no candidates = %v", got)
	}
}

func TestQuoted(t *testing.T) {
	got := Quoted("paymnet", []string{"cart", "payment", "pay\x1bment"}, 2)
	if want := `"payment", "pay\x1bment"`; got != want {
		t.Errorf("Quoted = %s, want %s", got, want)
	}
}
