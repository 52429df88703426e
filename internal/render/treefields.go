package render

import (
	"fmt"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/suggest"
	"github.com/tracectl/tracectl/internal/termstr"
)

// TreeFields chooses what each line of a tree shows (`tree --fields`).
// The label's parts (service, name, kind) keep their places and the
// columns their order; Extra columns follow the duration, in the order
// asked for. The error mark, the queue wait and the hidden-span count are
// always shown.
type TreeFields struct {
	Service, Name, Kind, Offset, Duration, Bar bool
	Extra                                      []TreeField
}

// TreeField is an extra column: the span id or an attribute's value.
type TreeField struct {
	Name  string                                 // as asked for: "span_id", "span.http.route"
	value func(tr *dag.Tree, n *dag.Node) string // "" for placeholders and folds
}

// treeFieldNames are the fields --fields knows besides span.KEY and
// resource.KEY, in the order the default shows them.
var treeFieldNames = []string{"service", "name", "kind", "offset", "duration", "bar", "span_id"}

// DefaultTreeFields is what a tree shows unless told otherwise.
func DefaultTreeFields() TreeFields {
	return TreeFields{Service: true, Name: true, Kind: true, Offset: true, Duration: true, Bar: true}
}

// ParseTreeFields reads the names of --fields: service, name, kind,
// offset, duration, bar, span_id, and span.KEY / resource.KEY for an
// attribute's value (TraceQL's scopes). An unknown name is an error that
// suggests the nearest.
func ParseTreeFields(names []string) (TreeFields, error) {
	var f TreeFields
	for _, raw := range names {
		name := strings.TrimSpace(raw)
		switch {
		case name == "service":
			f.Service = true
		case name == "name":
			f.Name = true
		case name == "kind":
			f.Kind = true
		case name == "offset":
			f.Offset = true
		case name == "duration":
			f.Duration = true
		case name == "bar":
			f.Bar = true
		case name == "span_id":
			f.Extra = append(f.Extra, TreeField{Name: name, value: func(tr *dag.Tree, n *dag.Node) string {
				if n.Span == nil {
					return ""
				}
				return tr.IDText(n.ID)
			}})
		case strings.HasPrefix(name, "span.") && len(name) > len("span."):
			key := name[len("span."):]
			f.Extra = append(f.Extra, TreeField{Name: name, value: func(_ *dag.Tree, n *dag.Node) string {
				return attrText(n.Span, key, false)
			}})
		case strings.HasPrefix(name, "resource.") && len(name) > len("resource."):
			key := name[len("resource."):]
			f.Extra = append(f.Extra, TreeField{Name: name, value: func(_ *dag.Tree, n *dag.Node) string {
				return attrText(n.Span, key, true)
			}})
		default:
			return TreeFields{}, unknownField(name)
		}
	}
	return f, nil
}

func unknownField(name string) error {
	known := strings.Join(treeFieldNames, ", ") + ", span.KEY, resource.KEY"
	if near := suggest.Nearest(name, treeFieldNames, 1); len(near) > 0 && suggest.Distance(name, near[0]) <= max(2, len(name)/3) {
		return fmt.Errorf("unknown field %q (did you mean %q?); fields: %s", name, near[0], known)
	}
	return fmt.Errorf("unknown field %q; fields: %s (an attribute is span.%s or resource.%s)", name, known, name, name)
}

// attrText is a span's (or its resource's) attribute value as one line of
// terminal text; "" when absent.
func attrText(s *dag.Span, key string, resource bool) string {
	if s == nil {
		return ""
	}
	v, ok := s.Attr(key)
	if resource {
		v, ok = s.ResourceAttr(key)
	}
	if !ok {
		return ""
	}
	return termstr.Escape(v.String())
}
