package critpath

import (
	"fmt"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/suggest"
)

// CheckTargets reports the first rule whose service or operation no span
// in trees has: a what-if on a misspelt name would otherwise change nothing
// and report "no change" as if it were an answer. The error lists the
// nearest names in the data.
func CheckTargets(rules []Speedup, trees []*dag.Tree) error {
	if len(rules) == 0 {
		return nil
	}
	services := map[string]bool{}
	ops := map[string]bool{}
	var serviceList, opList []string
	for _, tr := range trees {
		for i := range tr.Nodes {
			s := tr.Nodes[i].Span
			if s == nil {
				continue
			}
			svc := s.Service()
			if !services[svc] {
				services[svc] = true
				serviceList = append(serviceList, svc)
			}
			op := svc + "/" + s.Name
			if !ops[op] {
				ops[op] = true
				opList = append(opList, op)
			}
		}
	}
	for _, r := range rules {
		kind, name, known, list := "service", r.Service, services[r.Service], serviceList
		if r.Operation {
			kind, name, known, list = "operation", r.Service+"/"+r.Name, ops[r.Service+"/"+r.Name], opList
		}
		if known {
			continue
		}
		if len(list) == 0 {
			return fmt.Errorf("%s: no %s %q: the input has no spans", r, kind, name)
		}
		return fmt.Errorf("%s: no %s %q in the input (%d %ss); nearest: %s", r, kind, name, len(list), kind, suggest.Quoted(name, list, 3))
	}
	return nil
}
