package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/render"
)

// mergeFlags are the flags that apply to attrib --merge: the rest choose
// how traces are read and analysed, which the files merged already did.
var mergeFlags = map[string]bool{"merge": true, "by": true, "top": true, "output": true, "color": true, "width": true}

// attribMergeRun merges the attributions in opts.Files (`attrib -o json`
// outputs; - is stdin) and prints the result as attrib would.
func attribMergeRun(s *streams, cmd *cobra.Command, opts *attribOptions) error {
	var bad string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if !mergeFlags[f.Name] && bad == "" {
			bad = f.Name
		}
	})
	switch {
	case bad != "":
		return usageError{fmt.Errorf("--%s does not apply to --merge (its inputs are attributions, already computed)", bad)}
	case opts.Output == "folded":
		return usageError{fmt.Errorf("-o folded does not apply to --merge: attributions hold no stacks (-o table or json)")}
	case opts.Top < 0:
		return usageError{fmt.Errorf("--top must be 0 (all) or more")}
	}
	var merged *critpath.Attribution
	first := ""
	for _, name := range opts.Files {
		at, err := readAttribution(s, name)
		if err != nil {
			return err
		}
		if merged == nil {
			merged, first = at, name
			continue
		}
		if at.By() != merged.By() {
			return fmt.Errorf("%s: grouped by %s, %s by %s: write both with the same --by", name, at.By(), first, merged.By())
		}
		merged.Merge(at)
	}
	if cmd.Flags().Changed("by") {
		by, err := critpath.ParseBy(opts.By)
		if err != nil {
			return usageError{fmt.Errorf("--by: %w", err)}
		}
		if by != merged.By() {
			return usageError{fmt.Errorf("--by %s: %s is grouped by %s (regroup by running attrib on the traces)", by, first, merged.By())}
		}
	}
	return writeAttribution(s, s.styles(opts.Color, opts.Width), opts, merged)
}

func readAttribution(s *streams, name string) (*critpath.Attribution, error) {
	var r io.Reader = s.In
	if name == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	return render.ReadAttribJSON(r, name)
}
