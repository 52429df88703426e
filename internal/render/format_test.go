package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDuration(t *testing.T) {
	tests := map[int64]string{
		0: "0ns", 850: "850ns", 1_000: "1.00µs", 12_345: "12.3µs", 999_999: "1000µs",
		4_560_000: "4.56ms", 123_400_000: "123ms", 1_200_000_000: "1.20s",
		123_000_000_000: "2m03s", 7_384_000_000_000: "2h03m", -1_500: "-1.50µs",
	}
	for ns, want := range tests {
		if got := Duration(ns); got != want {
			t.Errorf("Duration(%d) = %q, want %q", ns, got, want)
		}
	}
}

func TestTable(t *testing.T) {
	var b strings.Builder
	err := Table(&b, []string{"service", "spans"}, [][]string{{"frontend", "12"}, {"payment", "3"}}, []string{"total", "15"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := "" +
		" SERVICE   SPANS \n" +
		"─────────────────\n" +
		" frontend     12 \n" +
		" payment       3 \n" +
		"─────────────────\n" +
		" total        15 \n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("GET /api/cart/items", 10); got != "GET /api/…" {
		t.Errorf("Truncate = %q", got)
	}
	if got := Truncate("short", 10); got != "short" {
		t.Errorf("Truncate = %q", got)
	}
}
