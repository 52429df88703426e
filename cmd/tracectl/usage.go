package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tracectl/tracectl/internal/suggest"
)

// Bad command lines: an unknown command, an unknown flag or a value a flag
// does not take. Each is a usage error (exit 2) that suggests the nearest
// valid spelling and ends with where to look: "see 'tracectl ls --help'".

// flagError is the root's FlagErrorFunc, which every command inherits.
func flagError(c *cobra.Command, err error) error {
	// `tracectl tre --trace x`: the root fails on --trace, but what is
	// wrong is the command.
	if !c.HasParent() && len(c.Flags().Args()) > 0 {
		return unknownCommand(c, c.Flags().Args()[0])
	}
	var notExist *pflag.NotExistError
	var invalid *pflag.InvalidValueError
	var bad *choiceError
	switch {
	case errors.As(err, &notExist):
		err = unknownFlag(c, notExist)
	case errors.As(err, &invalid) && errors.As(err, &bad) && invalid.GetFlag().Name == "output" && strings.ContainsAny(bad.value, `./\`):
		// -o is the format everywhere (DESIGN §3); a file name there is
		// a user who meant the output file.
		to := "redirect stdout (> " + bad.value + ")"
		if c.Flags().Lookup("out") != nil {
			to = "use --out " + bad.value
		}
		err = fmt.Errorf("-o is the output format (%s), not a file: to write the output to a file, %s", orList(bad.values), to)
	case errors.As(err, &invalid) && errors.As(err, &bad):
		err = fmt.Errorf("unknown %s %s%s", flagSpelling(invalid.GetFlag()), bad, didYouMean(bad.value, bad.values, ""))
	case errors.As(err, &invalid) && wantOfType[invalid.GetFlag().Value.Type()] != "":
		// Not strconv's words ("parsing "x": invalid syntax"): what goes there.
		err = fmt.Errorf("%s %q: want %s", flagSpelling(invalid.GetFlag()), invalid.GetValue(), wantOfType[invalid.GetFlag().Value.Type()])
	}
	return seeHelp(c, err)
}

// wantOfType says what a flag of each pflag type takes, for errors.
var wantOfType = map[string]string{
	"int":      "a whole number",
	"int64":    "a whole number",
	"float64":  "a number, e.g. 0.05",
	"duration": "a duration such as 250ms, 2s or 1m30s",
	"bool":     "true or false",
}

// seeHelp is err, a usage error, pointing at the help of c.
func seeHelp(c *cobra.Command, err error) error {
	return usageError{fmt.Errorf("%w\nsee '%s --help'", err, c.CommandPath())}
}

func unknownFlag(c *cobra.Command, e *pflag.NotExistError) error {
	name := e.GetSpecifiedName()
	if e.GetSpecifiedShortnames() != "" {
		msg := fmt.Sprintf("unknown shorthand flag -%s", name)
		if e.GetSpecifiedShortnames() != name {
			msg += " in -" + e.GetSpecifiedShortnames()
		}
		return errors.New(msg + elsewhere(c, func(f *pflag.Flag) bool { return f.Shorthand == name }))
	}
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	if hint := didYouMean(name, names, "--"); hint != "" {
		return fmt.Errorf("unknown flag --%s%s", name, hint)
	}
	return fmt.Errorf("unknown flag --%s%s", name, elsewhere(c, func(f *pflag.Flag) bool { return f.Name == name }))
}

// elsewhere names the other commands that have the flag the user gave c:
// "(critpath and tree have it)", "(9 other commands have it)" when more
// than three do, or "" when none does.
func elsewhere(c *cobra.Command, match func(*pflag.Flag) bool) string {
	var have []string
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		if cmd != c && cmd.IsAvailableCommand() {
			found := false
			cmd.Flags().VisitAll(func(f *pflag.Flag) { found = found || (!f.Hidden && match(f)) })
			if found {
				have = append(have, cmd.CommandPath())
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(c.Root())
	if len(have) == 0 {
		return ""
	}
	slices.Sort(have)
	switch {
	case len(have) == 1:
		return fmt.Sprintf(" (%s has it)", have[0])
	case len(have) > 3:
		return fmt.Sprintf(" (%d other commands have it)", len(have))
	}
	return fmt.Sprintf(" (%s and %s have it)", strings.Join(have[:len(have)-1], ", "), have[len(have)-1])
}

// unknownCommand is the error for `tracectl WORD` (or `tracectl help
// WORD`) when parent has no command WORD.
func unknownCommand(parent *cobra.Command, word string) error {
	var names []string
	for _, c := range parent.Commands() {
		if c.IsAvailableCommand() || c.Name() == "help" {
			names = append(names, c.Name())
			names = append(names, c.Aliases...)
		}
	}
	hint := didYouMean(word, names, "")
	if hint == "" {
		if info, err := os.Stat(word); err == nil && !info.IsDir() {
			hint = fmt.Sprintf(": the command comes first, e.g. '%s tree %s'", parent.Root().Name(), word)
		}
	}
	return seeHelp(parent, fmt.Errorf("unknown command %q%s", word, hint))
}

// newCmdHelp is `tracectl help [COMMAND]`: cobra's, except that an unknown
// command is a usage error with a suggestion, as on the command line.
func newCmdHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help about any command: tracectl help COMMAND prints what tracectl COMMAND --help does.",
		ValidArgsFunction: func(c *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() || sub.Name() == "help" {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil {
				return usageError{err}
			}
			if len(rest) > 0 {
				return unknownCommand(cmd, rest[0])
			}
			return cmd.Help()
		},
	}
}

// didYouMean is " (did you mean X?)" for the candidates close to name
// (internal/suggest's rule), each written with prefix; "" when none is.
func didYouMean(name string, candidates []string, prefix string) string {
	close := suggest.Close(name, candidates)
	if len(close) == 0 {
		return ""
	}
	close = close[:min(3, len(close))]
	for i, c := range close {
		close[i] = prefix + c
	}
	return fmt.Sprintf("; did you mean %s?", strings.Join(close, " or "))
}

// flagSpelling is how messages name a flag: "-o/--output", "--sort".
func flagSpelling(f *pflag.Flag) string {
	if f.Shorthand != "" && f.ShorthandDeprecated == "" {
		return "-" + f.Shorthand + "/--" + f.Name
	}
	return "--" + f.Name
}

// rootArgs rejects words after `tracectl` that are no command.
func rootArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return unknownCommand(c, args[0])
	}
	return nil
}
