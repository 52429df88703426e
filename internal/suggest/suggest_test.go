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

func TestClose(t *testing.T) {
	tests := []struct {
		name       string
		candidates []string
		want       []string
	}{
		{"jsn", []string{"table", "json"}, []string{"json"}},
		{"yaml", []string{"text", "json", "markdown"}, nil},
		{"formt", []string{"format", "max-frame", "where"}, []string{"format"}},
		{"colour", []string{"color", "critical"}, []string{"color"}},
		{"dur", []string{"start", "duration", "spans"}, []string{"duration"}},
		{"trace-id", []string{"trace", "trace-idle", "where"}, []string{"trace-idle", "trace"}},
		{"Service", []string{"operation", "service"}, []string{"service"}},
		{"tre", []string{"tree", "ls", "receive"}, []string{"tree"}},
		{"x", []string{"ls"}, nil},
		{"grcp", []string{"grpc", "http"}, []string{"grpc"}},
		{"formt", []string{"sort", "format"}, []string{"format"}},
		{"", []string{"ls"}, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Close(tt.name, tt.candidates)); diff != "" {
			t.Errorf("Close(%q) (-want +got):\n%s", tt.name, diff)
		}
	}
}
