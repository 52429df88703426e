package critpath

import (
	"fmt"
	"slices"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/suggest"
)

// CheckTargets reports the first rule whose service or operation no span
// in trees has: a what-if on a misspelt name would otherwise change nothing
// and report "no change" as if it were an answer. The error lists the
// nearest names in the data.
func CheckTargets(rules []Speedup, trees []*dag.Tree) error {
	var t Targets
	for _, tr := range trees {
		t.Add(tr)
	}
	return t.Check(rules)
}

// Targets collects the services and operations of traces seen one at a
// time (a partition at a time, when the input is spilled), for Check.
// The zero value is ready to use.
type Targets struct {
	services, ops       map[string]bool
	serviceList, opList []string
}

// Add notes every span's service and operation.
func (t *Targets) Add(tr *dag.Tree) {
	if t.services == nil {
		t.services, t.ops = map[string]bool{}, map[string]bool{}
	}
	for i := range tr.Nodes {
		s := tr.Nodes[i].Span
		if s == nil {
			continue
		}
		svc := s.Service()
		if !t.services[svc] {
			t.services[svc] = true
			t.serviceList = append(t.serviceList, svc)
		}
		op := svc + "/" + s.Name()
		if !t.ops[op] {
			t.ops[op] = true
			t.opList = append(t.opList, op)
		}
	}
}

// Check is CheckTargets over the traces added.
func (t *Targets) Check(rules []Speedup) error {
	// Sorted, so the nearest names do not depend on the order traces came in.
	services, ops := t.services, t.ops
	serviceList, opList := slices.Sorted(slices.Values(t.serviceList)), slices.Sorted(slices.Values(t.opList))
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
