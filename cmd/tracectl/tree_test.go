package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
)

func TestSelectTrace(t *testing.T) {
	trees := []*dag.Tree{
		{TraceID: dag.TraceID{0xab, 0x01}},
		{TraceID: dag.TraceID{0xab, 0x02}},
		{TraceID: dag.TraceID{0xcd}},
	}
	tests := []struct {
		prefix, want, err string
	}{
		{prefix: "CD", want: "cd000000000000000000000000000000"},
		{prefix: "ab02", want: "ab020000000000000000000000000000"},
		{prefix: "ab", err: `trace id prefix "ab" is ambiguous: 2 traces match`},
		{prefix: "ef", err: `no trace id starts with "ef" (kept 0 of 3 traces)`},
	}
	for _, tc := range tests {
		got, err := selectTrace(trees, tc.prefix)
		if tc.err != "" {
			var ue usageError
			if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.As(err, &ue) {
				t.Errorf("selectTrace(%q) error = %v, want usage error containing %q", tc.prefix, err, tc.err)
			}
			continue
		}
		if err != nil || len(got) != 1 || got[0].TraceID.String() != tc.want {
			t.Errorf("selectTrace(%q) = %v, %v; want %s", tc.prefix, got, err, tc.want)
		}
	}
}
