package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/tracectl/tracectl/internal/dag"
)

// newCmdMan is `tracectl man DIR` (hidden; `make man` and packagers run
// it): one man page per command, tracectl.1 and tracectl-tree.1 and so on,
// from the same help text the commands print.
func newCmdMan(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write a man page for every command into DIR (section 1)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := writeManPages(cmd.Root(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(s.Err, "tracectl: wrote %s to %s\n", dag.Plural(n, "man page"), args[0])
			return nil
		},
	}
}

// writeManPages writes the pages of root and every command under it into
// dir, creating it, and says how many. The pages are dated by the commit
// (or $SOURCE_DATE_EPOCH), not the clock, so the same source writes the
// same pages.
func writeManPages(root *cobra.Command, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, usageError{err}
	}
	bi := readBuildInfo()
	header := &doc.GenManHeader{
		Section: "1",
		Source:  "tracectl " + bi.Version,
		Manual:  "tracectl manual",
	}
	if t, err := time.Parse(time.RFC3339, bi.Date); err == nil && os.Getenv("SOURCE_DATE_EPOCH") == "" {
		header.Date = &t
	}
	root.DisableAutoGenTag = true
	if err := doc.GenManTree(root, header, dir); err != nil {
		return 0, fmt.Errorf("man pages in %s: %w", dir, err)
	}
	n := 0
	var count func(*cobra.Command)
	count = func(c *cobra.Command) {
		n++
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
				count(sub)
			}
		}
	}
	count(root)
	return n, nil
}
