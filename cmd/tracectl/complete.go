package main

import (
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/termstr"
)

// Shell completion of flag values. Enum flags complete their own values
// (addChoiceFlag); completeFlags gives every other flag of every command
// its completion by what the flag holds, so a command added later is
// covered without a line of its own:
//
//   - --trace, --base-trace, --cand-trace: the trace ids in the inputs named
//     so far on the command line; --focus: their services
//     (completeFromInputs);
//   - a file or directory (--out, --junit, -f/--file, *-file, a usage that
//     names `FILE` or `DIR`): the shell's file names;
//   - anything else that takes a value (a query, a duration, an address):
//     nothing, rather than file names that cannot be meant.

// completeFlags registers the completion of every flag of cmd and its
// subcommands that has none yet.
func completeFlags(cmd *cobra.Command) {
	cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if _, ok := cmd.GetFlagCompletionFunc(f.Name); ok || f.NoOptDefVal != "" {
			return // has its own, or takes no value (a bool)
		}
		var fn cobra.CompletionFunc
		switch {
		case f.Name == "trace":
			fn = completeFromInputs(traceIDs)
		case f.Name == "base-trace":
			fn = completeFromInputs(traceIDs, "base")
		case f.Name == "cand-trace":
			fn = completeFromInputs(traceIDs, "cand")
		case f.Name == "focus":
			fn = completeFromInputs(services)
		case takesPath(f):
			return // cobra's default: file names
		default:
			fn = cobra.NoFileCompletions
		}
		if err := cmd.RegisterFlagCompletionFunc(f.Name, fn); err != nil {
			panic(err) // cannot happen: the flag exists and had no function
		}
	})
	for _, sub := range cmd.Commands() {
		completeFlags(sub)
	}
}

// takesPath reports whether the flag's value is a file or directory name.
func takesPath(f *pflag.Flag) bool {
	switch name, _ := pflag.UnquoteUsage(f); name {
	case "FILE", "DIR", "PATH":
		return true
	}
	switch f.Name {
	case "out", "junit", "file":
		return true
	}
	return strings.HasSuffix(f.Name, "-file") || strings.HasSuffix(f.Name, "-dir")
}

// completionBudget bounds the reading of inputs to complete a trace id: a
// key press must answer at once, whatever the command line names.
type completionBudget struct {
	bytes   int64 // input bytes read, over all files
	spans   int
	timeout time.Duration
}

var defaultCompletionBudget = completionBudget{bytes: 64 << 20, spans: 200_000, timeout: 2 * time.Second}

// completeMaxIDs is the most trace ids offered at once.
const completeMaxIDs = 500

var errCompleteBudget = errors.New("completion budget spent")

// completeFromInputs completes a value from the traces in the inputs named
// before the cursor: the arguments that are regular files (globs
// expanded) and the values of fileFlags (diff's --base, --cand); offer
// picks the values. Standard input, URLs, pipes and devices are never
// read; files are read within defaultCompletionBudget, and a file that
// ends early or does not decode still offers the traces read before.
func completeFromInputs(offer func(trees []*dag.Tree, prefix string) []cobra.Completion, fileFlags ...string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		inputs := slices.Clone(args)
		for _, name := range fileFlags {
			if v, err := cmd.Flags().GetStringArray(name); err == nil {
				inputs = append(inputs, v...)
			}
		}
		format := ingest.FormatAuto
		if f := cmd.Flags().Lookup("format"); f != nil {
			format, _ = ingest.ParseFormat(f.Value.String())
		}
		trees := buildTrees(readForCompletion(completionFiles(inputs), format, defaultCompletionBudget), true)
		sortByStart(trees)
		out := offer(trees, strings.ToLower(toComplete))
		return out[:min(len(out), completeMaxIDs)], cobra.ShellCompDirectiveNoFileComp
	}
}

// completable reports whether a value from the input can be offered to the
// shell as it is: no control or bidi characters, no blanks.
func completable(v string) bool {
	return v != "" && termstr.Safe(v) && !strings.ContainsAny(v, " \t")
}

// traceIDs offers the trace ids that start with prefix, by start time,
// each with its root and size.
func traceIDs(trees []*dag.Tree, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, tr := range trees {
		id := tr.TraceIDText()
		if !strings.HasPrefix(strings.ToLower(id), prefix) || !completable(id) {
			continue
		}
		sum := dag.Summarize(tr)
		desc := termstr.Escape(sum.RootService + " " + sum.RootName)
		if sum.RootMissing {
			desc = "(root missing)"
		}
		out = append(out, cobra.CompletionWithDesc(id, desc+", "+dag.Plural(sum.Spans, "span")+", "+dag.FormatDuration(sum.Duration())))
	}
	return out
}

// services offers the services that start with prefix, by name, each with
// the number of traces it is in.
func services(trees []*dag.Tree, prefix string) []cobra.Completion {
	traces := map[string]int{}
	for _, tr := range trees {
		for _, svc := range dag.Summarize(tr).Services {
			traces[svc]++
		}
	}
	var out []cobra.Completion
	for _, svc := range slices.Sorted(maps.Keys(traces)) {
		if strings.HasPrefix(strings.ToLower(svc), prefix) && completable(svc) {
			out = append(out, cobra.CompletionWithDesc(svc, "in "+dag.Plural(traces[svc], "trace")))
		}
	}
	return out
}

// completionFiles is the regular files among inputs, globs expanded.
func completionFiles(inputs []string) []string {
	var files []string
	for _, in := range inputs {
		if in == "-" || ingest.IsURL(in) {
			continue
		}
		matches := []string{in}
		if strings.ContainsAny(in, `*?[`) {
			matches, _ = filepath.Glob(in)
		}
		for _, p := range matches {
			if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
				files = append(files, p)
			}
		}
	}
	return files
}

// readForCompletion reads the spans of files within budget; what does not
// decode is skipped, and reading stops at a bound.
func readForCompletion(files []string, format ingest.Format, budget completionBudget) *dag.Traces {
	var ts dag.Traces
	deadline := time.Now().Add(budget.timeout)
	left := budget.bytes
	spans := 0
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		r := &budgetReader{r: f, left: &left, deadline: deadline}
		err = ingest.Decode(r, path, ingest.Options{Format: format}, func(batch []dag.Span) error {
			ts.Add(batch)
			if spans += len(batch); spans >= budget.spans || time.Now().After(deadline) {
				return errCompleteBudget
			}
			return nil
		})
		f.Close()
		if errors.Is(err, errCompleteBudget) || left <= 0 || time.Now().After(deadline) {
			break
		}
	}
	return &ts
}

// budgetReader reads from r until the shared byte budget is spent or the
// deadline has passed.
type budgetReader struct {
	r        io.Reader
	left     *int64
	deadline time.Time
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if *b.left <= 0 || time.Now().After(b.deadline) {
		return 0, errCompleteBudget
	}
	p = p[:min(int64(len(p)), *b.left)]
	n, err := b.r.Read(p)
	*b.left -= int64(n)
	return n, err
}
