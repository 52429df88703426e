package main

import (
	"github.com/spf13/cobra"
)

func newCmdRoot(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "tracectl",
		Short: "Answer questions about OpenTelemetry traces in the terminal and in CI",
		Long: `tracectl reads OpenTelemetry traces — OTLP JSON and protobuf files, OpenTelemetry
Collector file-exporter dumps (JSON lines, framed proto, zstd), gzip, stdin — rebuilds
each trace's span tree and tells you what the request did, where the time went, and
whether the trace is well-formed.

Input formats are detected from the content; --format forces one.
Exit codes: 0 success, 1 the analysis found what you asked to fail on, 2 bad usage or
unreadable input, 3 emit could not export (the endpoint refused or is not there).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Runnable, so that a word that is no command reaches rootArgs
		// (a suggestion and exit 2) instead of cobra's own message.
		Args: rootArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(
		newCmdTree(s),
		newCmdLs(s),
		newCmdReceive(s),
		newCmdCritpath(s),
		newCmdAttrib(s),
		newCmdDiff(s),
		newCmdQuery(s),
		newCmdAssert(s),
		newCmdEmit(s),
		newCmdCheck(s),
		newCmdConvert(s),
		newCmdSend(s),
		newCmdGraph(s),
		newCmdReport(s),
		newCmdView(s),
	)
	// The commands about tracectl itself, and what every command gets:
	// help and completion as cobra makes them, --version, and shell
	// completion for the flags that declare none (complete.go).
	root.AddCommand(newCmdVersion(s), newCmdMan(s))
	root.SetHelpCommand(newCmdHelp())
	root.InitDefaultCompletionCmd()
	setVersionFlag(root)
	completeFlags(root)
	return root
}

// usageError marks a bad command line (exit 2).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }
