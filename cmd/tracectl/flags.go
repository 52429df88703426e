package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// Flags every command spells the same way, declared once here so their
// names, help and validation cannot drift apart (DESIGN §3: -o/--output is
// always the output format, --out always an output file).

// choice is a string flag that accepts one of a fixed set of values and
// rejects anything else while the command line is parsed (exit 2, with the
// values it wants).
type choice struct {
	value   *string
	what    string // how errors name the flag: "output", "--color"
	allowed []string
}

func (c *choice) String() string { return *c.value }
func (c *choice) Type() string   { return "string" }

func (c *choice) Set(v string) error {
	if !slices.Contains(c.allowed, v) {
		return fmt.Errorf("unknown %s %q (want %s)", c.what, v, orList(c.allowed))
	}
	*c.value = v
	return nil
}

// orList writes values as "a, b or c".
func orList(values []string) string {
	if len(values) == 1 {
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

// addOutputFlag registers -o/--output, the output format: the first of
// formats is the default.
func addOutputFlag(cmd *cobra.Command, p *string, formats ...string) {
	*p = formats[0]
	cmd.Flags().VarP(&choice{p, "output", formats}, "output", "o", "output format: "+orList(formats))
}

// addColorFlag registers --color auto|always|never (see streams.styles).
func addColorFlag(cmd *cobra.Command, p *string) {
	*p = "auto"
	cmd.Flags().Var(&choice{p, "--color", []string{"auto", "always", "never"}}, "color", "colour: auto, always or never (auto honours NO_COLOR)")
}

// addWidthFlag registers --width, the line width output is fitted to (see
// streams.width).
func addWidthFlag(cmd *cobra.Command, p *int) {
	cmd.Flags().IntVar(p, "width", 0, "line width to fit (default: $COLUMNS, else the terminal's width, else no limit)")
}
