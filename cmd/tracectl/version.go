package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// Stamped by `make build` with -ldflags "-X main.version=… -X main.commit=…
// -X main.date=… -X main.modified=true|false"; empty when built otherwise,
// and then read from the Go toolchain's build information.
var (
	version  string
	commit   string
	date     string // of the commit, RFC 3339: the same source gives the same binary
	modified string
)

// buildInfo is what `tracectl version` reports.
type buildInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified *bool  `json:"modified,omitempty"` // uncommitted changes; absent when unknown
	Date     string `json:"date,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// readBuildInfo is the stamped values, each missing one taken from
// debug.ReadBuildInfo: the main module's version (set by `go install
// …@v1.2.3`) and the vcs.revision, vcs.time and vcs.modified settings of a
// build in a git checkout.
func readBuildInfo() buildInfo {
	bi := buildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if m, err := strconv.ParseBool(modified); err == nil {
		bi.Modified = &m
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if bi.Version == "" && info.Main.Version != "(devel)" {
			bi.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				bi.Commit = cmp.Or(bi.Commit, s.Value)
			case "vcs.time":
				bi.Date = cmp.Or(bi.Date, s.Value)
			case "vcs.modified":
				if m, err := strconv.ParseBool(s.Value); err == nil && bi.Modified == nil {
					bi.Modified = &m
				}
			}
		}
	}
	bi.Version = cmp.Or(bi.Version, "dev")
	return bi
}

// text is the report of `tracectl version` and `tracectl --version`.
func (bi buildInfo) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tracectl %s\n", bi.Version)
	if bi.Commit != "" {
		fmt.Fprintf(&b, "commit:  %s", bi.Commit)
		if bi.Modified != nil && *bi.Modified {
			b.WriteString(" (with uncommitted changes)")
		}
		b.WriteByte('\n')
	}
	if bi.Date != "" {
		fmt.Fprintf(&b, "date:    %s\n", bi.Date)
	}
	fmt.Fprintf(&b, "go:      %s %s\n", bi.Go, bi.Platform)
	return b.String()
}

type versionOptions struct {
	Output string
}

func newCmdVersion(s *streams) *cobra.Command {
	opts := &versionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version tracectl was built with",
		Long: `Print the version, the commit (and whether it had uncommitted changes), the
commit's date and the Go version and platform of this build. ` + "`make build`" + ` stamps
them; a binary built otherwise (go build, go install) reports what the Go toolchain
recorded. -o json prints one object: {"version","commit","modified","date","go","platform"}.`,
		Example: `  tracectl version
  tracectl version -o json | jq -r .commit`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return versionRun(s.Out, opts) },
	}
	addOutputFlag(cmd, &opts.Output, "text", "json")
	return cmd
}

func versionRun(w io.Writer, opts *versionOptions) error {
	bi := readBuildInfo()
	if opts.Output == "json" {
		return json.NewEncoder(w).Encode(bi)
	}
	_, err := io.WriteString(w, bi.text())
	return err
}

// setVersionFlag makes `tracectl --version` (and -v) print what `tracectl
// version` does.
func setVersionFlag(root *cobra.Command) {
	bi := readBuildInfo()
	root.Flags().BoolP("version", "v", false, "print the version, commit and Go version (as tracectl version)")
	root.Version = bi.Version
	// The template is the text itself, as one quoted string literal.
	root.SetVersionTemplate("{{" + strconv.Quote(bi.text()) + "}}")
}
