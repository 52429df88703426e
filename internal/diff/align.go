package diff

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
)

// Change says how an aligned span differs between the two traces.
type Change string

// Changes.
const (
	Added   Change = "added"   // only in the candidate
	Removed Change = "removed" // only in the base
	Changed Change = "changed" // in both, with another duration or critical time
	Same    Change = "same"
)

// SpanDiff is one span of the aligned tree.
type SpanDiff struct {
	// Label is the span's step in its path: "service/name", with "#k"
	// after the k-th (k ≥ 2) sibling of that service and name. Path
	// joins the labels from the root.
	Label string
	// Parent is the index of the parent's SpanDiff in Align's result, -1
	// for a root.
	Parent        int
	Depth         int
	Service, Name string
	Change        Change
	// Base and Cand are the node indexes in each tree, -1 where absent.
	Base, Cand int32
	// Durations and critical times on each side (0 where absent).
	BaseDuration, CandDuration int64
	BaseCritical, CandCritical int64
}

// OnPathChanged reports whether the span is on the critical path on one
// side only.
func (d *SpanDiff) OnPathChanged() bool {
	return (d.BaseCritical > 0) != (d.CandCritical > 0)
}

// Align matches the spans of two traces by path from the root — (service,
// span name, occurrence among siblings of that service and name, in start
// order) at every step — and returns the union in tree order (pre-order,
// siblings by start offset from their parent, the candidate's where both
// have one). Placeholders for absent parents align as "(missing span)".
func Align(base, cand *critpath.Analysis) []SpanDiff {
	type pair struct {
		b, c   int32
		label  string
		parent int
		depth  int
	}
	var out []SpanDiff
	stack := []pair{}
	push := func(parent, depth int, bKids, cKids []int32, bt, ct *dag.Tree) {
		steps := matchSiblings(bKids, cKids, bt, ct)
		for k := len(steps) - 1; k >= 0; k-- {
			st := steps[k]
			stack = append(stack, pair{b: st.b, c: st.c, label: st.label, parent: parent, depth: depth})
		}
	}
	push(-1, 0, base.Tree.Roots, cand.Tree.Roots, base.Tree, cand.Tree)
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		d := SpanDiff{Label: p.label, Parent: p.parent, Depth: p.depth, Base: p.b, Cand: p.c}
		var bKids, cKids []int32
		if p.b >= 0 {
			d.Service, d.Name = names(base.Tree, p.b)
			d.BaseDuration = nodeDuration(base.Tree, p.b)
			d.BaseCritical = base.Critical[p.b]
			bKids = base.Tree.Children(p.b)
		}
		if p.c >= 0 {
			d.Service, d.Name = names(cand.Tree, p.c)
			d.CandDuration = nodeDuration(cand.Tree, p.c)
			d.CandCritical = cand.Critical[p.c]
			cKids = cand.Tree.Children(p.c)
		}
		switch {
		case p.b < 0:
			d.Change = Added
		case p.c < 0:
			d.Change = Removed
		case d.BaseDuration != d.CandDuration || d.BaseCritical != d.CandCritical:
			d.Change = Changed
		default:
			d.Change = Same
		}
		out = append(out, d)
		push(len(out)-1, p.depth+1, bKids, cKids, base.Tree, cand.Tree)
	}
	return out
}

// Path returns the path of diffs[i] (as Align returned them): the labels
// from the root joined by " > ". Paths are built on demand because
// storing one per span would take memory quadratic in the depth.
func Path(diffs []SpanDiff, i int) string {
	n := 0
	for j := i; j >= 0; j = diffs[j].Parent {
		n += len(diffs[j].Label) + 3
	}
	buf := make([]byte, n-3)
	at := len(buf)
	for j := i; j >= 0; j = diffs[j].Parent {
		at -= len(diffs[j].Label)
		copy(buf[at:], diffs[j].Label)
		if at > 0 {
			at -= 3
			copy(buf[at:], " > ")
		}
	}
	return string(buf)
}

// MissingName names a placeholder for an absent parent in paths.
const MissingName = "(missing span)"

func names(tr *dag.Tree, i int32) (string, string) {
	if s := tr.Nodes[i].Span; s != nil {
		return s.Service(), s.Name()
	}
	return "", MissingName
}

func nodeDuration(tr *dag.Tree, i int32) int64 {
	n := &tr.Nodes[i]
	return max(0, dag.Sub(n.End, n.Start))
}

type step struct {
	b, c   int32
	label  string
	offset int64 // start relative to the parent, for ordering
}

// matchSiblings pairs the children of two aligned nodes by (service, name,
// occurrence): the k-th child of a service and name in the base, in start
// order, matches the k-th in the candidate.
func matchSiblings(bKids, cKids []int32, bt, ct *dag.Tree) []step {
	type key struct {
		svc, name string
		k         int
	}
	label := func(svc, name string, k int) string {
		l := name
		if svc != "" {
			l = svc + "/" + name
		}
		if k > 1 {
			l += "#" + strconv.Itoa(k)
		}
		return l
	}
	offset := func(tr *dag.Tree, i int32) int64 {
		n := &tr.Nodes[i]
		if n.Parent == dag.None {
			return dag.Sub(n.Start, tr.Start)
		}
		return dag.Sub(n.Start, tr.Nodes[n.Parent].Start)
	}
	keyed := func(tr *dag.Tree, kids []int32) ([]key, map[key]int32) {
		seen := map[[2]string]int{}
		keys := make([]key, len(kids))
		idx := make(map[key]int32, len(kids))
		for j, c := range kids {
			svc, name := names(tr, c)
			seen[[2]string{svc, name}]++
			keys[j] = key{svc, name, seen[[2]string{svc, name}]}
			idx[keys[j]] = c
		}
		return keys, idx
	}
	bKeys, bIdx := keyed(bt, bKids)
	cKeys, cIdx := keyed(ct, cKids)
	steps := make([]step, 0, max(len(bKids), len(cKids)))
	for j, k := range cKeys {
		b, ok := bIdx[k]
		if !ok {
			b = -1
		}
		steps = append(steps, step{b: b, c: cKids[j], label: label(k.svc, k.name, k.k), offset: offset(ct, cKids[j])})
	}
	for j, k := range bKeys {
		if _, ok := cIdx[k]; !ok {
			steps = append(steps, step{b: bKids[j], c: -1, label: label(k.svc, k.name, k.k), offset: offset(bt, bKids[j])})
		}
	}
	slices.SortStableFunc(steps, func(x, y step) int { return cmp.Compare(x.offset, y.offset) })
	return steps
}
