package critpath

import (
	"fmt"
	"slices"
)

// Weight selects what folded stacks count.
type Weight uint8

// Weights for folded stacks.
const (
	WeightCritical Weight = iota // time owned on the critical path
	WeightSelf                   // self time
)

// ParseWeight accepts "critical" and "self".
func ParseWeight(s string) (Weight, error) {
	switch s {
	case "critical":
		return WeightCritical, nil
	case "self":
		return WeightSelf, nil
	}
	return 0, fmt.Errorf("unknown weight %q (want critical or self)", s)
}

// Folded aggregates weighted stacks — the chain of groups from a root down
// to a span — over many traces, for flame graphs (flamegraph.pl, inferno,
// speedscope). Identical stacks add up. It stores stacks as a trie, so
// memory stays linear in the number of spans even for a 1,000,000-deep
// chain (whose folded text is, unavoidably, quadratic).
type Folded struct {
	by     By
	weight Weight
	index  map[frameKey]int32
	frames []frame // frames[0] is the trie's root (no key)
}

type frameKey struct {
	parent int32
	key    Key
}

type frame struct {
	key      Key
	value    int64
	children []int32
}

// NewFolded returns an empty Folded with frames grouped by by and
// weighted by weight.
func NewFolded(by By, weight Weight) *Folded {
	return &Folded{by: by, weight: weight, index: make(map[frameKey]int32), frames: make([]frame, 1)}
}

// Add folds one trace's stacks in.
func (f *Folded) Add(a *Analysis) {
	tr := a.Tree
	at := make([]int32, len(tr.Nodes)) // node → its frame
	for pi := range a.Paths {
		for _, i := range a.Paths[pi].Nodes {
			parent := int32(0)
			if p := tr.Nodes[i].Parent; p >= 0 {
				parent = at[p]
			}
			key := KeyOf(tr, i, f.by)
			id := f.frame(parent, key)
			at[i] = id
			if f.weight == WeightSelf {
				f.frames[id].value += a.Self[i]
				continue
			}
			f.frames[id].value += a.Critical[i]
			if a.Queue == nil {
				continue
			}
			if q := a.Queue[i]; q > 0 {
				// A queue wait is a frame beside the span that waited,
				// under the span it waited after.
				key.Queue = true
				q0 := f.frame(parent, key)
				f.frames[q0].value += q
			}
		}
	}
}

// Each calls fn for every stack with a positive value, depth first with
// siblings in key order, so output is deterministic. stack is reused
// between calls. It stops at the first error fn returns.
func (f *Folded) Each(fn func(stack []Key, value int64) error) error {
	for i := range f.frames {
		slices.SortFunc(f.frames[i].children, func(x, y int32) int {
			return compareKeys(f.frames[x].key, f.frames[y].key)
		})
	}
	type item struct {
		frame int32
		depth int
	}
	var stack []Key
	todo := []item{}
	for _, c := range slices.Backward(f.frames[0].children) {
		todo = append(todo, item{c, 0})
	}
	for len(todo) > 0 {
		it := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		fr := &f.frames[it.frame]
		stack = append(stack[:it.depth], fr.key)
		if fr.value > 0 {
			if err := fn(stack, fr.value); err != nil {
				return err
			}
		}
		for _, c := range slices.Backward(fr.children) {
			todo = append(todo, item{c, it.depth + 1})
		}
	}
	return nil
}

// Frames calls fn for every frame, parents before children: its id, its
// parent's id (0 for a frame at the top of a stack), its key and its own
// value (without its descendants'). Unlike Each it does not spell out
// stacks, so it runs in time linear in the number of frames however deep
// they nest (a flame graph drawn from it stays linear for a
// 1,000,000-deep chain).
func (f *Folded) Frames(fn func(id, parent int32, key Key, value int64)) {
	// A frame is created after its parent (see Merge), so visiting the
	// children of frames in index order meets every parent first.
	for i := range f.frames {
		for _, c := range f.frames[i].children {
			fn(c, int32(i), f.frames[c].key, f.frames[c].value)
		}
	}
}

// Merge adds o's stacks to f; both must group and weigh alike.
func (f *Folded) Merge(o *Folded) {
	to := make([]int32, len(o.frames)) // o's frame → f's; 0 is both roots
	// A frame is created after its parent, so o's frames in index order
	// meet every parent before its children.
	for i := range o.frames {
		for _, c := range o.frames[i].children {
			id := f.frame(to[i], o.frames[c].key)
			to[c] = id
			f.frames[id].value += o.frames[c].value
		}
	}
}

// frame returns the frame of key under parent, adding it if new.
func (f *Folded) frame(parent int32, key Key) int32 {
	fk := frameKey{parent, key}
	id, ok := f.index[fk]
	if !ok {
		id = int32(len(f.frames))
		f.index[fk] = id
		f.frames = append(f.frames, frame{key: key})
		f.frames[parent].children = append(f.frames[parent].children, id)
	}
	return id
}
