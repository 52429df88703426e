package main

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stamp sets what make build's -ldflags set, for one test.
func stamp(t *testing.T, v, c, d, m string) {
	old := [4]string{version, commit, date, modified}
	version, commit, date, modified = v, c, d, m
	t.Cleanup(func() { version, commit, date, modified = old[0], old[1], old[2], old[3] })
}

func TestVersion(t *testing.T) {
	goLine := "go:      " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	yes := true
	tests := []struct {
		name               string
		ver, com, day, mod string
		wantText           string
		wantJSON           buildInfo
	}{
		{
			name: "stamped by make build", ver: "v1.4.0-3-gabc1234-dirty", com: "abc1234def", day: "2026-12-01T10:00:00Z", mod: "true",
			wantText: "tracectl v1.4.0-3-gabc1234-dirty\ncommit:  abc1234def (with uncommitted changes)\ndate:    2026-12-01T10:00:00Z\n" + goLine,
			wantJSON: buildInfo{Version: "v1.4.0-3-gabc1234-dirty", Commit: "abc1234def", Modified: &yes, Date: "2026-12-01T10:00:00Z"},
		},
		{
			// A test binary has no VCS settings and a "(devel)" main
			// module: what go build without stamping reports.
			name:     "not stamped",
			wantText: "tracectl dev\n" + goLine,
			wantJSON: buildInfo{Version: "dev"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stamp(t, tt.ver, tt.com, tt.day, tt.mod)
			for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
				code, out, stderr := runArgs(nil, args...)
				if code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, stderr)
				}
				if diff := cmp.Diff(tt.wantText, out); diff != "" {
					t.Errorf("%v (-want +got):\n%s", args, diff)
				}
			}
			code, out, _ := runArgs(nil, "version", "-o", "json")
			var got buildInfo
			if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
				t.Fatalf("version -o json: exit %d, %v: %q", code, err, out)
			}
			tt.wantJSON.Go, tt.wantJSON.Platform = runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH
			if diff := cmp.Diff(tt.wantJSON, got); diff != "" {
				t.Errorf("version -o json (-want +got):\n%s", diff)
			}
		})
	}
}
