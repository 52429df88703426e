package graph

import (
	"cmp"
	"slices"
)

// The drawing is a layered layout, left to right (Sugiyama's method, lite):
//
//  1. break cycles: a depth-first search from the services nobody calls
//     reverses the edges that close a cycle, so the rest is a DAG;
//  2. rank every service by its longest path from a root: callers to the
//     left of what they call, an entry point in the first column;
//  3. put a dummy node in every column a long edge crosses, so it is drawn
//     around the nodes and takes part in the ordering;
//  4. order each column by the barycentre of its neighbours in the column
//     before, then after, a few sweeps each way, keeping the order with the
//     fewest crossings;
//  5. place: columns as wide as their widest box plus a gap wide enough for
//     the edge labels drawn in it; each node pulled towards the mean height
//     of its neighbours, in column order, without overlapping.
//
// Every coordinate is an integer, so the drawing is the same on every
// platform (a float layout can differ where the compiler fuses a*b+c).

// lnode is a node of the layout: a service (svc ≥ 0, an index into
// Graph.Nodes) or a dummy on a long edge (svc = -1).
type lnode struct {
	svc        int
	rank       int
	x, y       int // centre
	w, h       int
	pred, succ []int // layout neighbours in the columns before and after
}

// lchain is the path of the edges between one pair of services through the
// layout: from the lower rank to the higher, dummies between.
type lchain struct {
	nodes []int
	edges []int // indexes into Graph.Edges drawn along it, either way
}

type layout struct {
	nodes  []lnode
	cols   [][]int // layout nodes per rank, top to bottom
	chains []lchain
	// colX is the left edge of each column, colW its width.
	colX, colW    []int
	width, height int
}

// Sizes, in SVG user units (px).
const (
	nodeH      = 40
	nodeGapY   = 28 // between two boxes of a column
	dummyGapY  = 14 // between a dummy and anything
	colGapMin  = 60
	marginX    = 16
	marginY    = 16
	labelPadX  = 16 // each side of an edge label within its gap
	sweeps     = 8
	placeIters = 6
)

// newLayout lays out g; size gives a service's box width.
func newLayout(g *Graph, nodeW func(*Node) int, labelW func(*Edge) int) *layout {
	l := &layout{}
	index := make(map[string]int, len(g.Nodes))
	for i := range g.Nodes {
		index[g.Nodes[i].Service] = i
		l.nodes = append(l.nodes, lnode{svc: i, w: nodeW(&g.Nodes[i]), h: nodeH})
	}
	// One chain per unordered pair of services; parallel edges (sync and
	// async, or both directions of a cycle of two) share it.
	type pair struct{ a, b int }
	chainOf := map[pair]int{}
	succ := make([][]int, len(g.Nodes))
	for i := range g.Edges {
		e := &g.Edges[i]
		a, b := index[e.From], index[e.To]
		p := pair{min(a, b), max(a, b)}
		c, ok := chainOf[p]
		if !ok {
			c = len(l.chains)
			chainOf[p] = c
			l.chains = append(l.chains, lchain{nodes: []int{a, b}})
			succ[a] = append(succ[a], b)
		}
		l.chains[c].edges = append(l.chains[c].edges, i)
	}
	back := breakCycles(succ)
	for c := range l.chains {
		ch := &l.chains[c]
		if back[[2]int{ch.nodes[0], ch.nodes[1]}] {
			ch.nodes[0], ch.nodes[1] = ch.nodes[1], ch.nodes[0]
		}
	}
	l.rank()
	l.addDummies()
	l.order()
	l.place(g, labelW)
	return l
}

// breakCycles returns the edges of succ that close a cycle in a depth-first
// search started from the nodes without callers, in index order, then from
// any left; reversing them leaves a DAG.
func breakCycles(succ [][]int) map[[2]int]bool {
	n := len(succ)
	indeg := make([]int, n)
	for _, ss := range succ {
		for _, v := range ss {
			indeg[v]++
		}
	}
	starts := make([]int, 0, n)
	for v := range n {
		if indeg[v] == 0 {
			starts = append(starts, v)
		}
	}
	for v := range n {
		if indeg[v] != 0 {
			starts = append(starts, v)
		}
	}
	const (
		unseen = iota
		open
		done
	)
	state := make([]int, n)
	back := map[[2]int]bool{}
	type frame struct{ v, next int }
	for _, s := range starts {
		if state[s] != unseen {
			continue
		}
		stack := []frame{{s, 0}}
		state[s] = open
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.next == len(succ[f.v]) {
				state[f.v] = done
				stack = stack[:len(stack)-1]
				continue
			}
			w := succ[f.v][f.next]
			f.next++
			switch state[w] {
			case open:
				back[[2]int{f.v, w}] = true
			case unseen:
				state[w] = open
				stack = append(stack, frame{w, 0})
			}
		}
	}
	return back
}

// rank sets every service's rank to its longest path from a root of the
// (now acyclic) chains, by Kahn's algorithm.
func (l *layout) rank() {
	n := len(l.nodes)
	out := make([][]int, n)
	indeg := make([]int, n)
	for _, ch := range l.chains {
		a, b := ch.nodes[0], ch.nodes[1]
		out[a] = append(out[a], b)
		indeg[b]++
	}
	queue := make([]int, 0, n)
	for v := range n {
		if indeg[v] == 0 {
			queue = append(queue, v)
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range out[v] {
			l.nodes[w].rank = max(l.nodes[w].rank, l.nodes[v].rank+1)
			if indeg[w]--; indeg[w] == 0 {
				queue = append(queue, w)
			}
		}
	}
}

// addDummies threads every chain through one node per rank it spans and
// links the layout's neighbours.
func (l *layout) addDummies() {
	for c := range l.chains {
		ch := &l.chains[c]
		a, b := ch.nodes[0], ch.nodes[1]
		path := []int{a}
		for r := l.nodes[a].rank + 1; r < l.nodes[b].rank; r++ {
			l.nodes = append(l.nodes, lnode{svc: -1, rank: r})
			path = append(path, len(l.nodes)-1)
		}
		ch.nodes = append(path, b)
		for k := 1; k < len(ch.nodes); k++ {
			u, v := ch.nodes[k-1], ch.nodes[k]
			l.nodes[u].succ = append(l.nodes[u].succ, v)
			l.nodes[v].pred = append(l.nodes[v].pred, u)
		}
	}
	ranks := 0
	for i := range l.nodes {
		ranks = max(ranks, l.nodes[i].rank+1)
	}
	l.cols = make([][]int, ranks)
	for i := range l.nodes {
		r := l.nodes[i].rank
		l.cols[r] = append(l.cols[r], i)
	}
}

// order sorts each column by barycentres, sweeping right then left, and
// keeps the best order seen.
func (l *layout) order() {
	pos := make([]int, len(l.nodes))
	setPos := func() {
		for _, col := range l.cols {
			for k, v := range col {
				pos[v] = k
			}
		}
	}
	setPos()
	best, bestX := cloneCols(l.cols), l.crossings(pos)
	for it := 0; it < sweeps && bestX > 0; it++ {
		if it%2 == 0 {
			for r := 1; r < len(l.cols); r++ {
				l.sortByBarycentre(l.cols[r], pos, func(v int) []int { return l.nodes[v].pred })
			}
		} else {
			for r := len(l.cols) - 2; r >= 0; r-- {
				l.sortByBarycentre(l.cols[r], pos, func(v int) []int { return l.nodes[v].succ })
			}
		}
		setPos()
		if x := l.crossings(pos); x < bestX {
			best, bestX = cloneCols(l.cols), x
		}
	}
	l.cols = best
}

func cloneCols(cols [][]int) [][]int {
	out := make([][]int, len(cols))
	for i, c := range cols {
		out[i] = slices.Clone(c)
	}
	return out
}

// sortByBarycentre orders col by the mean position of each node's
// neighbours (a node without any keeps its own position), ties by the
// current order. Means are compared as fractions, in integers.
func (l *layout) sortByBarycentre(col []int, pos []int, nbrs func(int) []int) {
	type bary struct{ v, sum, n, cur int }
	bs := make([]bary, len(col))
	for k, v := range col {
		b := bary{v: v, cur: k}
		for _, u := range nbrs(v) {
			b.sum += pos[u]
			b.n++
		}
		if b.n == 0 {
			b.sum, b.n = k, 1
		}
		bs[k] = b
	}
	slices.SortStableFunc(bs, func(a, b bary) int {
		if c := cmp.Compare(a.sum*b.n, b.sum*a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.cur, b.cur)
	})
	for k, b := range bs {
		col[k] = b.v
	}
}

// crossings counts the pairs of segments between adjacent columns that
// cross: per pair of columns, the inversions among the segments' lower
// ends once sorted by their upper ends, counted with a Fenwick tree in
// O(s log s) (Barth, Jünger and Mutzel's bilayer cross counting).
func (l *layout) crossings(pos []int) int {
	total := 0
	var segs [][2]int
	var tree []int
	for r := 0; r+1 < len(l.cols); r++ {
		segs = segs[:0]
		for _, u := range l.cols[r] {
			for _, v := range l.nodes[u].succ {
				segs = append(segs, [2]int{pos[u], pos[v]})
			}
		}
		slices.SortFunc(segs, func(a, b [2]int) int {
			if c := cmp.Compare(a[0], b[0]); c != 0 {
				return c
			}
			return cmp.Compare(a[1], b[1])
		})
		n := len(l.cols[r+1])
		tree = slices.Grow(tree[:0], n+1)[:n+1]
		clear(tree)
		for k, sg := range segs {
			// The segments before this one whose lower end is below its own.
			atMost := 0
			for i := sg[1] + 1; i > 0; i -= i & -i {
				atMost += tree[i]
			}
			total += k - atMost
			for i := sg[1] + 1; i <= n; i += i & -i {
				tree[i]++
			}
		}
	}
	return total
}

// place sets every node's centre and the drawing's size. labelW is the
// width of an edge's label, drawn in the gap after the column its chain's
// middle segment starts in.
func (l *layout) place(g *Graph, labelW func(*Edge) int) {
	ranks := len(l.cols)
	l.colW = make([]int, ranks)
	gap := make([]int, ranks)
	for r, col := range l.cols {
		for _, v := range col {
			l.colW[r] = max(l.colW[r], l.nodes[v].w)
		}
		gap[r] = colGapMin
	}
	for _, ch := range l.chains {
		r := l.nodes[ch.nodes[ch.labelSegment()]].rank
		for _, e := range ch.edges {
			gap[r] = max(gap[r], labelW(&g.Edges[e])+2*labelPadX)
		}
	}
	l.colX = make([]int, ranks)
	x := marginX
	for r := range l.cols {
		l.colX[r] = x
		for _, v := range l.cols[r] {
			l.nodes[v].x = x + l.colW[r]/2
		}
		x += l.colW[r]
		if r+1 < ranks {
			x += gap[r]
		}
	}
	l.width = x + marginX

	// Stack each column from the top, then pull nodes towards their
	// neighbours' heights, alternately from the left and from the right.
	for _, col := range l.cols {
		y := 0
		for k, v := range col {
			if k > 0 {
				y += l.sep(col[k-1], v)
			}
			l.nodes[v].y = y
		}
	}
	for it := 0; it < placeIters; it++ {
		if it%2 == 0 {
			for r := 1; r < ranks; r++ {
				l.pull(l.cols[r])
			}
		} else {
			for r := ranks - 2; r >= 0; r-- {
				l.pull(l.cols[r])
			}
		}
	}
	top, bottom := 0, 0
	for i := range l.nodes {
		n := &l.nodes[i]
		if i == 0 {
			top, bottom = n.y-n.h/2, n.y+n.h/2
		}
		top, bottom = min(top, n.y-n.h/2), max(bottom, n.y+n.h/2)
	}
	for i := range l.nodes {
		l.nodes[i].y += marginY - top
	}
	l.height = bottom - top + 2*marginY
}

// sep is the least distance between the centres of u above v in a column.
func (l *layout) sep(u, v int) int {
	if l.nodes[u].svc < 0 || l.nodes[v].svc < 0 {
		return (l.nodes[u].h+l.nodes[v].h)/2 + dummyGapY
	}
	return (l.nodes[u].h+l.nodes[v].h)/2 + nodeGapY
}

// pull moves each node of col to the mean height of its neighbours on both
// sides while keeping the column's order and separations: a forward pass
// pushes nodes down below their upper neighbour, a backward pass pushes
// them up above their lower one, each towards its wish.
func (l *layout) pull(col []int) {
	y := make([]int, len(col))
	for k, v := range col {
		n := &l.nodes[v]
		y[k] = n.y
		if cnt := len(n.pred) + len(n.succ); cnt > 0 {
			sum := 0
			for _, u := range n.pred {
				sum += l.nodes[u].y
			}
			for _, u := range n.succ {
				sum += l.nodes[u].y
			}
			y[k] = floorDiv(sum, cnt)
		}
		if k > 0 {
			y[k] = max(y[k], y[k-1]+l.sep(col[k-1], v))
		}
	}
	for k := len(col) - 2; k >= 0; k-- {
		y[k] = min(y[k], y[k+1]-l.sep(col[k], col[k+1]))
	}
	for k, v := range col {
		l.nodes[v].y = y[k]
	}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// labelSegment is the index in nodes of the start of the segment that
// carries the chain's labels: the middle one, so a long edge's label sits
// half-way along it.
func (ch *lchain) labelSegment() int { return (len(ch.nodes) - 2) / 2 }
