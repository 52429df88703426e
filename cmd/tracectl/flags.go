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
	cmd     *cobra.Command // for -o: whether the command has --out FILE
}

// looksLikeFile reports whether a value given as a format reads as a file
// name: it has an extension or a directory.
func looksLikeFile(v string) bool {
	return strings.ContainsAny(v, "./\\")
}

func (c *choice) String() string { return *c.value }
func (c *choice) Type() string   { return "string" }

func (c *choice) Set(v string) error {
	if !slices.Contains(c.allowed, v) {
		if c.what == "output" && looksLikeFile(v) {
			// -o is the format everywhere (DESIGN §3); a file name there
			// is a user who meant the output file.
			where := "redirect stdout (> " + v + ")"
			if c.cmd != nil && c.cmd.Flags().Lookup("out") != nil {
				where = "use --out " + v
			}
			return fmt.Errorf("-o is the output format (%s), not a file: to write the output to a file, %s", orList(c.allowed), where)
		}
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
// formats is the default. A file name given to it is answered with --out
// when the command has that flag, else with a redirection.
func addOutputFlag(cmd *cobra.Command, p *string, formats ...string) {
	*p = formats[0]
	c := &choice{value: p, what: "output", allowed: formats, cmd: cmd}
	cmd.Flags().VarP(c, "output", "o", "output format: "+orList(formats))
}

// addColorFlag registers --color auto|always|never (see streams.styles).
func addColorFlag(cmd *cobra.Command, p *string) {
	*p = "auto"
	cmd.Flags().Var(&choice{value: p, what: "--color", allowed: []string{"auto", "always", "never"}}, "color", "colour: auto, always or never (auto honours NO_COLOR)")
}

// addWidthFlag registers --width, the line width output is fitted to (see
// streams.width).
func addWidthFlag(cmd *cobra.Command, p *int) {
	cmd.Flags().IntVar(p, "width", 0, "line width to fit (default: $COLUMNS, else the terminal's width, else no limit)")
}
