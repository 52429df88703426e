package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/pii"
)

// redactOptions are the flags of the commands that write spans out
// (convert, send): --redact masks every value `check --pii` would report,
// with the same detector and the same --pii-pattern syntax.
type redactOptions struct {
	Redact      bool
	PIIPatterns []string
}

func (o *redactOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.Redact, "redact", false, "mask every value `check --pii` would report (secrets, personal data), changing nothing else")
	f.StringArrayVar(&o.PIIPatterns, "pii-pattern", nil, "with --redact, also mask values matching NAME=REGEX or REGEX (repeatable)")
}

// wrap returns write with redaction in front of it, or write itself
// without --redact. The batches handed to write are the caller's to
// change (readers hand out owned batches).
func (o *redactOptions) wrap(write func([]dag.Span) error) (func([]dag.Span) error, error) {
	if !o.Redact {
		if len(o.PIIPatterns) > 0 {
			return nil, usageError{fmt.Errorf("--pii-pattern needs --redact")}
		}
		return write, nil
	}
	var pats []pii.Pattern
	for _, p := range o.PIIPatterns {
		pat, err := pii.ParsePattern(p)
		if err != nil {
			return nil, usageError{fmt.Errorf("--pii-pattern: %w", err)}
		}
		pats = append(pats, pat)
	}
	r := pii.NewRedactor(pii.NewDetector(pats...))
	return func(batch []dag.Span) error {
		for i := range batch {
			if red, ok := r.Span(&batch[i]); ok {
				batch[i] = *red
			}
		}
		return write(batch)
	}, nil
}
