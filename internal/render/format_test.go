package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
