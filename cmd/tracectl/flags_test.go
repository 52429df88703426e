package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// runArgs runs the command line in-process and returns its exit code,
// stdout and stderr.
func runArgs(stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), &streams{In: stdin, Out: &out, Err: &errb}, args)
	return code, out.String(), errb.String()
}

// commandFlag is one flag of one command of the tree.
type commandFlag struct {
	cmd  *cobra.Command
	flag *pflag.Flag
}

func (cf commandFlag) String() string { return cf.cmd.CommandPath() + " --" + cf.flag.Name }

// visibleFlags walks the command tree as users see it (no hidden commands,
// no hidden or deprecated flags, no --help).
func visibleFlags(root *cobra.Command) []commandFlag {
	var out []commandFlag
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && f.Deprecated == "" && f.Name != "help" && !(f.Name == "version" && !c.HasParent()) {
				out = append(out, commandFlag{c, f})
			}
		})
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub)
			}
		}
	}
	walk(root)
	return out
}

// misspellings are names a command must not give a flag, with the name
// every command uses for that concept (DESIGN §3).
var misspellings = map[string]string{
	"output-format": "-o/--output", "format-out": "-o/--output", "json": "-o json",
	"output-file": "--out", "outfile": "--out", "out-file": "--out", "file-out": "--out",
	"colour": "--color", "no-color": "--color never", "nocolor": "--color never", "colors": "--color",
	"trace-id": "--trace", "traceid": "--trace", "trace-ids": "--trace",
	"filter": "--where", "query": "--where", "match": "--where",
	"input-format": "--format", "in-format": "--format", "input": "arguments (files, globs, URLs, -)",
	"headers": "--header", "http-header": "--header", "otlp-header": "--endpoint-header",
	"no-colour": "--color never", "group-by": "--by", "sort-by": "--sort", "order-by": "--sort",
}

// sharedShorthands are the shorthand letters that stand for different
// flags on different commands, each with why that is right.
var sharedShorthands = map[string]string{
	// tail -f follows, grep -f and kubectl apply -f read a file: kubectl
	// itself has both (logs -f, apply -f), and users expect each.
	"f": "tree --follow (as tail -f), assert --file (as grep -f)",
}

// TestFlagRules holds every command, those added later included, to one
// spelling per concept: it walks the command tree.
func TestFlagRules(t *testing.T) {
	root := newCmdRoot(&streams{})
	flags := visibleFlags(root)
	if len(flags) < 100 {
		t.Fatalf("walked only %d flags: the walk is broken", len(flags))
	}
	byName := map[string][]commandFlag{}
	byShort := map[string]map[string]bool{}
	kebab := regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	for _, cf := range flags {
		f := cf.flag
		byName[f.Name] = append(byName[f.Name], cf)
		if f.Shorthand != "" {
			if byShort[f.Shorthand] == nil {
				byShort[f.Shorthand] = map[string]bool{}
			}
			byShort[f.Shorthand][f.Name] = true
		}
		if !kebab.MatchString(f.Name) {
			t.Errorf("%s: flag names are lower-case words joined by '-'", cf)
		}
		if want, bad := misspellings[f.Name]; bad {
			t.Errorf("%s: spell it %s, as every other command does", cf, want)
		}
		if strings.TrimSpace(f.Usage) == "" {
			t.Errorf("%s: no help text", cf)
		}
		c, isChoice := f.Value.(*choice)
		switch f.Name {
		case "output":
			if f.Shorthand != "o" || !isChoice {
				t.Errorf("%s: -o/--output is the output format, a choice of formats", cf)
			}
		case "out":
			if f.Shorthand != "" || f.Value.Type() != "string" || !takesPath(f) {
				t.Errorf("%s: --out FILE is the output file, with no shorthand", cf)
			}
		case "format":
			if !isChoice || !slices.Equal(c.values, []string{"auto", "json", "proto"}) {
				t.Errorf("%s: --format is the input format (auto, json or proto); an output format is -o or --to", cf)
			}
		case "color":
			if !isChoice || !slices.Equal(c.values, []string{"auto", "always", "never"}) {
				t.Errorf("%s: --color takes auto, always or never", cf)
			}
		}
		if f.Shorthand == "o" && f.Name != "output" {
			t.Errorf("%s: -o is always --output", cf)
		}
		if isChoice {
			for _, v := range c.values {
				if !strings.Contains(f.Usage, v) {
					t.Errorf("%s: the help does not name the value %q", cf, v)
				}
			}
		}
		if f.NoOptDefVal == "" { // takes a value: the shell must know what
			if _, ok := cf.cmd.GetFlagCompletionFunc(f.Name); !ok && !takesPath(f) {
				t.Errorf("%s: no shell completion for its value", cf)
			}
		}
	}
	// The same name is the same kind of value everywhere.
	for name, cfs := range byName {
		for _, cf := range cfs[1:] {
			if got, want := cf.flag.Value.Type(), cfs[0].flag.Value.Type(); got != want {
				t.Errorf("%s is a %s but %s is a %s", cf, got, cfs[0], want)
			}
			if got, want := cf.flag.Shorthand, cfs[0].flag.Shorthand; got != want {
				t.Errorf("%s has shorthand %q but %s has %q", cf, got, cfs[0], want)
			}
		}
		_ = name
	}
	for short, names := range byShort {
		if len(names) > 1 && sharedShorthands[short] == "" {
			t.Errorf("-%s stands for %v on different commands", short, slices.Sorted(mapKeys(names)))
		}
	}
	// Every command that reads traces takes the same input flags: it is
	// known by --format, which only readers have.
	readerFlags := []string{"trace", "where", "header", "http-timeout", "max-frame", "adjust-skew", "jaeger"}
	for _, cf := range byName["format"] {
		for _, name := range readerFlags {
			if cf.cmd.LocalFlags().Lookup(name) == nil {
				t.Errorf("%s reads traces but has no --%s", cf.cmd.CommandPath(), name)
			}
		}
	}
	// --header is for URL inputs; a command that sends to an endpoint
	// takes --endpoint-header.
	for _, cf := range byName["header"] {
		if cf.cmd.LocalFlags().Lookup("format") == nil {
			t.Errorf("%s: --header is for URL inputs; headers for an endpoint are --endpoint-header", cf)
		}
	}
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestChoicesComplete: every choice flag of every command completes its
// values, and nothing else, through cobra's __complete.
func TestChoicesComplete(t *testing.T) {
	n := 0
	for _, cf := range visibleFlags(newCmdRoot(&streams{})) {
		c, ok := cf.flag.Value.(*choice)
		if !ok {
			continue
		}
		n++
		path := strings.Fields(cf.cmd.CommandPath())[1:]
		args := append(append([]string{"__complete"}, path...), "--"+cf.flag.Name, "")
		code, out, stderr := runArgs(nil, args...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
			continue
		}
		want := append(slices.Clone(c.values), ":4") // ShellCompDirectiveNoFileComp
		if diff := cmp.Diff(want, strings.Fields(out)); diff != "" {
			t.Errorf("%v (-want +got):\n%s", args, diff)
		}
	}
	if n < 20 {
		t.Errorf("only %d choice flags: the walk is broken", n)
	}
}

// TestFlagValueErrors: a value a flag does not take is a usage error (exit
// 2) that says what it wants (a choice: its values and the nearest one)
// and points at help.
func TestFlagValueErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ls", "-o", "jsn", "x.json"}, "tracectl: unknown -o/--output \"jsn\" (want table or json); did you mean json?\nsee 'tracectl ls --help'\n"},
		{[]string{"ls", "--sort", "dur", "x.json"}, "tracectl: unknown --sort \"dur\" (want start, duration or spans); did you mean duration?\nsee 'tracectl ls --help'\n"},
		{[]string{"tree", "--color", "yes", "x.json"}, "tracectl: unknown --color \"yes\" (want auto, always or never)\nsee 'tracectl tree --help'\n"},
		{[]string{"attrib", "--by", "services", "x.json"}, "tracectl: unknown --by \"services\" (want operation or service); did you mean service?\nsee 'tracectl attrib --help'\n"},
		{[]string{"convert", "--to", "jaeger", "x.json"}, "tracectl: unknown --to \"jaeger\" (want otlp-json, otlp-proto, jaeger-json or zipkin-json); did you mean jaeger-json?\nsee 'tracectl convert --help'\n"},
		{[]string{"send", "--protocol", "grcp", "x.json"}, "tracectl: unknown --protocol \"grcp\" (want grpc or http); did you mean grpc?\nsee 'tracectl send --help'\n"},
		{[]string{"receive", "-o", "out.json"}, "tracectl: -o is the output format (tree or json), not a file: to write the output to a file, use --out out.json\nsee 'tracectl receive --help'\n"},
		{[]string{"attrib", "--top", "ten", "x.json"}, "tracectl: --top \"ten\": want a whole number\nsee 'tracectl attrib --help'\n"},
		{[]string{"tree", "--min-duration", "5", "x.json"}, "tracectl: --min-duration \"5\": want a duration such as 250ms, 2s or 1m30s\nsee 'tracectl tree --help'\n"},
		{[]string{"diff", "--alpha", "1%", "a", "b"}, "tracectl: --alpha \"1%\": want a number, e.g. 0.05\nsee 'tracectl diff --help'\n"},
		{[]string{"ls", "--max-depth", "2", "x.json"}, "tracectl: unknown flag --max-depth (tracectl tree has it)\nsee 'tracectl ls --help'\n"},
		{[]string{"ls", "-o", "out.json", "x.json"}, "tracectl: -o is the output format (table or json), not a file: to write the output to a file, redirect stdout (> out.json)\nsee 'tracectl ls --help'\n"},
	}
	for _, tt := range tests {
		code, out, stderr := runArgs(nil, tt.args...)
		if code != 2 || out != "" {
			t.Errorf("%v: exit %d, stdout %q; want exit 2 and no output", tt.args, code, out)
		}
		if diff := cmp.Diff(tt.want, stderr); diff != "" {
			t.Errorf("%v: stderr (-want +got):\n%s", tt.args, diff)
		}
	}
}

// TestChoiceAliases: spellings kept for scripts are accepted as the value
// they stand for.
func TestChoiceAliases(t *testing.T) {
	var got []string
	for _, args := range [][]string{
		{"--format", "jsonl"}, {"--format", "pb"}, {"--format", "protobuf"}, {"-o", "text"}, {"--format=proto", "-o", "json"},
	} {
		root := newCmdRoot(&streams{})
		ls, _, err := root.Find([]string{"ls"})
		if err != nil {
			t.Fatal(err)
		}
		if err := ls.ParseFlags(args); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		got = append(got, fmt.Sprintf("%s %s", ls.Flag("format").Value, ls.Flag("output").Value))
	}
	want := []string{"json table", "proto table", "proto table", "auto table", "proto json"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestDeprecatedAliases: the old spellings of renamed flags still set the
// new flag, with a note on stderr.
func TestDeprecatedAliases(t *testing.T) {
	tests := []struct {
		cmd, old, name, value string
	}{
		{"emit", "header", "endpoint-header", "[a=b]"},
		{"send", "timeout", "export-timeout", "3s"},
		{"report", "traces", "waterfalls", "3"},
	}
	for _, tt := range tests {
		var errb bytes.Buffer
		root := newCmdRoot(&streams{Err: &errb})
		c, _, err := root.Find([]string{tt.cmd})
		if err != nil {
			t.Fatal(err)
		}
		v := strings.Trim(tt.value, "[]")
		if err := c.ParseFlags([]string{"--" + tt.old, v}); err != nil {
			t.Fatalf("%s --%s: %v", tt.cmd, tt.old, err)
		}
		if got := c.Flag(tt.name).Value.String(); got != tt.value {
			t.Errorf("%s --%s %s: --%s = %s, want %s", tt.cmd, tt.old, v, tt.name, got, tt.value)
		}
		if !strings.Contains(errb.String(), "use --"+tt.name) {
			t.Errorf("%s --%s: stderr %q does not point at --%s", tt.cmd, tt.old, errb.String(), tt.name)
		}
		if f := c.Flag(tt.old); !f.Hidden {
			t.Errorf("%s --%s is not hidden", tt.cmd, tt.old)
		}
	}
	// The note goes to stderr, never into the output a script reads.
	code, out, stderr := runArgs(nil, "send", "--timeout", "3s", "missing.json")
	if code != 2 || out != "" || !strings.Contains(stderr, "tracectl: --timeout is deprecated: use --export-timeout\n") {
		t.Errorf("send --timeout: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
