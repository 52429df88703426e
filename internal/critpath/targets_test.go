package critpath

import (
	"strings"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
)

func TestCheckTargets(t *testing.T) {
	trees := []*dag.Tree{build(
		in(sp(1, 0, 0, 100), "frontend", "GET /"),
		in(sp(2, 1, 10, 90), "payment", "charge"),
		in(sp(3, 2, 20, 30), "cart", "load"),
	)}
	tests := []struct {
		rule string
		want string // "" when the rule names something in the data
	}{
		{"service=payment:2", ""},
		{"operation=payment/charge:2", ""},
		{"service=paymnet:2", `service=paymnet:2: no service "paymnet" in the input (3 services); nearest: "payment"`},
		{"operation=payment/chrage:2", `operation=payment/chrage:2: no operation "payment/chrage" in the input (3 operations); nearest: "payment/charge"`},
	}
	for _, tt := range tests {
		r, err := ParseSpeedup(tt.rule)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckTargets([]Speedup{r}, trees)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.rule, err)
		case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
			t.Errorf("%s: %v, want %q", tt.rule, err, tt.want)
		}
	}
	if err := CheckTargets([]Speedup{{Service: "x", Factor: 2}}, nil); err == nil || !strings.Contains(err.Error(), "the input has no spans") {
		t.Errorf("no trees: %v", err)
	}
}
