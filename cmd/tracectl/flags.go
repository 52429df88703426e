package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Flags every command spells the same way, declared once here so their
// names, help and validation cannot drift apart (DESIGN §3: -o/--output is
// always the output format, --out always an output file). TestFlagRules
// holds every command to these spellings.

// choice is a string flag that takes one of a fixed set of values. The one
// declaration (addChoiceFlag) validates the value while the command line
// is parsed (exit 2, naming the values and the nearest one) and completes
// it in the shell, so every enum flag of every command gets both.
type choice struct {
	value   *string
	values  []string          // listed in errors and completed
	aliases map[string]string // also accepted, stored as the value they stand for
}

func (c *choice) String() string { return *c.value }
func (c *choice) Type() string   { return "string" }

func (c *choice) Set(v string) error {
	if to, ok := c.aliases[v]; ok {
		v = to
	}
	if !slices.Contains(c.values, v) {
		return &choiceError{value: v, values: c.values}
	}
	*c.value = v
	return nil
}

// alias accepts name as another spelling of value: neither listed nor
// completed, kept for what users already type or script.
func (c *choice) alias(name, value string) *choice {
	if c.aliases == nil {
		c.aliases = map[string]string{}
	}
	c.aliases[name] = value
	return c
}

// choiceError is a value a choice flag does not take; the flag error
// handler (usage.go) names the flag and the nearest value.
type choiceError struct {
	value  string
	values []string
}

func (e *choiceError) Error() string {
	return fmt.Sprintf("%q (want %s)", e.value, orList(e.values))
}

// orList writes values as "a, b or c".
func orList(values []string) string {
	if len(values) == 1 {
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

// addChoiceFlag registers the flag --name (and -short unless "") that takes
// one of values, with def as its default ("" may mean "decided later" and
// need not be a value). The usage text should say what each value means.
func addChoiceFlag(cmd *cobra.Command, p *string, name, short, def, usage string, values ...string) *choice {
	*p = def
	c := &choice{value: p, values: values}
	cmd.Flags().VarP(c, name, short, usage)
	if err := cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)); err != nil {
		panic(err) // a flag registered twice: a programming error the tests catch
	}
	return c
}

// addOutputFlag registers -o/--output, the output format: the first of
// formats is the default, and -o text names it whatever its name ("table",
// "tree"), so a script can ask any command for its human output one way.
func addOutputFlag(cmd *cobra.Command, p *string, formats ...string) {
	c := addChoiceFlag(cmd, p, "output", "o", formats[0], "output format: "+orList(formats), formats...)
	if !slices.Contains(formats, "text") {
		c.alias("text", formats[0])
	}
}

// addColorFlag registers --color auto|always|never (see streams.styles).
func addColorFlag(cmd *cobra.Command, p *string) {
	addChoiceFlag(cmd, p, "color", "", "auto", "colour: auto, always or never (auto honours NO_COLOR)", "auto", "always", "never")
}

// addFlagAlias keeps old, a spelling users may have scripted, as a hidden
// deprecated alias of the flag name: the same value (so the two mix), and
// a note on stderr when old is used. (pflag's own Deprecated note goes to
// cobra's stdout, where it would corrupt output a script reads.)
func addFlagAlias(cmd *cobra.Command, old, name string) {
	f := cmd.Flags().Lookup(name)
	note := func() {
		fmt.Fprintf(cmd.ErrOrStderr(), "tracectl: --%s is deprecated: use --%s\n", old, name)
	}
	cmd.Flags().AddFlag(&pflag.Flag{
		Name:        old,
		Usage:       f.Usage,
		Value:       aliasValue{f.Value, note},
		DefValue:    f.DefValue,
		NoOptDefVal: f.NoOptDefVal,
		Hidden:      true,
	})
}

// aliasValue is the value of a deprecated spelling: the flag's own value,
// with a note each time it is set.
type aliasValue struct {
	pflag.Value
	note func()
}

func (a aliasValue) Set(v string) error {
	a.note()
	return a.Value.Set(v)
}

// addWidthFlag registers --width, the line width output is fitted to (see
// streams.width).
func addWidthFlag(cmd *cobra.Command, p *int) {
	cmd.Flags().IntVar(p, "width", 0, "line width to fit (default: $COLUMNS, else the terminal's width, else no limit)")
}
