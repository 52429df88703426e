package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestManPages: `tracectl man DIR` writes one page per command users can
// run, each with the command's description and every visible flag, and
// nothing else.
func TestManPages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man")
	code, out, stderr := runArgs(nil, "man", dir)
	if code != 0 || out != "" {
		t.Fatalf("man: exit %d, stdout %q, stderr %s", code, out, stderr)
	}
	want := map[string]bool{}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		page := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		want[page] = true
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Errorf("%s: no man page: %v", c.CommandPath(), err)
			return
		}
		text := string(b)
		if !strings.Contains(text, ".TH \""+strings.ToUpper(strings.ReplaceAll(c.CommandPath(), " ", "-"))+"\" \"1\"") {
			t.Errorf("%s: no .TH header for section 1:\n%.200s", page, text)
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && !strings.Contains(text, `\fB--`+f.Name+`\fP`) {
				t.Errorf("%s: no --%s", page, f.Name)
			}
		})
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub)
			}
		}
	}
	walk(newCmdRoot(&streams{}))
	if len(want) < 15 {
		t.Fatalf("walked only %d commands", len(want))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("%s: a page for no command users can run (hidden?)", e.Name())
		}
	}
	if !strings.Contains(stderr, "wrote ") {
		t.Errorf("stderr %q does not say what was written", stderr)
	}
}
