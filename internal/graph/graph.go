// Package graph builds the service dependency graph of span trees built by
// package dag: which service calls which, how often, how many of those calls
// failed and how long they took, and draws it (Graphviz DOT, Mermaid, SVG).
//
// It reads trees; it does not read input (package ingest), analyse critical
// paths (package critpath: it only borrows its percentiles) or write
// terminal tables and JSON Lines (package render).
//
// # Edges
//
// A span in service A whose child span is in service B is one call on the
// edge A→B, whatever the spans' kinds (CLIENT→SERVER, or INTERNAL→INTERNAL
// from instrumentation that sets no kind); a parent and child in the same
// service are no edge. An edge the parent did not wait on
// (dag.Tree.AsyncChild: PRODUCER→CONSUMER, Jaeger's FOLLOWS_FROM, a trace
// dag.Join hung under the span its root links to) is a separate, async
// edge: A→B sync and A→B async are two edges.
//
// A CLIENT or PRODUCER span with no child in another service called
// something that sent no spans: a database, an external API, a service
// outside the input. When it names its peer (the first of peer.service,
// db.system.name, db.system and server.address) that peer is a virtual node
// and the span one call to it, as Tempo's service graph draws them.
//
// # Latency
//
// A call's latency is the duration of the caller's CLIENT span when the
// parent is one — what the caller waited, network and queueing in the
// callee included — and otherwise the callee span's: the server's own time
// when the caller recorded no client span, the consumer's processing time
// on an async edge (a PRODUCER span only covers handing the message over).
// Edge.ClientTimed counts the calls timed the first way. On an async edge
// the time the message waited is the queue time: from the end of the
// caller's span to the start of the callee's (Tempo's messaging-system
// latency), 0 when clocks make it negative. Percentiles are nearest-rank,
// as everywhere in tracectl (critpath.PercentilesOf).
//
// # Errors
//
// A call failed when the callee span has error status (for a virtual peer,
// which has no span: the client span). A node's errors are its spans with
// error status.
package graph

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/suggest"
)

// Node is one service.
type Node struct {
	Service string `json:"service"`
	// Spans and Errors count the service's spans and those with error
	// status (both 0 for a virtual node).
	Spans  int `json:"spans"`
	Errors int `json:"errors"`
	// Traces counts the traces with at least one span of the service, or
	// for a virtual node one call to it.
	Traces int `json:"traces"`
	// Virtual marks a peer that sent no spans, known only from the client
	// spans calling it (see the package doc).
	Virtual bool `json:"virtual,omitempty"`
}

// Edge is the calls from one service to another.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Async marks calls the caller did not wait on (see the package doc).
	Async bool `json:"async"`
	Calls int  `json:"calls"`
	// Errors counts the calls whose callee span has error status.
	Errors int `json:"errors"`
	// P50, P90 and P99 are the calls' latency percentiles in nanoseconds
	// (see the package doc for which span times a call).
	P50 int64 `json:"p50_ns"`
	P90 int64 `json:"p90_ns"`
	P99 int64 `json:"p99_ns"`
	// ClientTimed counts the calls timed by the caller's CLIENT span; the
	// other Calls−ClientTimed by the callee span.
	ClientTimed int `json:"client_timed"`
	// QueueP50, QueueP90 and QueueP99 are the percentiles of the queue
	// time of an async edge's calls in nanoseconds (see the package doc);
	// 0, and absent from JSON, on a synchronous edge and on one to a
	// virtual peer (no consumer span tells when it took the message).
	QueueP50 int64 `json:"queue_p50_ns,omitempty"`
	QueueP90 int64 `json:"queue_p90_ns,omitempty"`
	QueueP99 int64 `json:"queue_p99_ns,omitempty"`
	// Traces counts the traces with at least one call on the edge.
	Traces int `json:"traces"`
}

// ErrorRate returns Errors/Calls (0 without calls).
func (e *Edge) ErrorRate() float64 { return rate(e.Errors, e.Calls) }

// ErrorRate returns Errors/Spans (0 without spans).
func (n *Node) ErrorRate() float64 { return rate(n.Errors, n.Spans) }

func rate(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Graph is the service dependency graph of a set of traces. Nodes are
// ordered by service name (byte order), edges by From, To, then sync before
// async, so output never depends on the input's order.
type Graph struct {
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
	// Traces is the number of traces the graph was built from.
	Traces int `json:"traces"`
	// Focus and Depth are Around's arguments ("" and 0 for the whole graph).
	Focus string `json:"focus,omitempty"`
	Depth int    `json:"depth,omitempty"`
}

// peerAttributes name the peer of a CLIENT or PRODUCER span nobody answered,
// first match wins: the OTel semantic conventions' peer.service, the
// database system (before the database name, which often equals the name of
// the service that owns it), and the server address.
var peerAttributes = []string{"peer.service", "db.system.name", "db.system", "server.address"}

type edgeKey struct {
	from, to string
	async    bool
}

type edgeAcc struct {
	Edge
	latency   []int64
	queue     []int64 // async calls with a callee span
	lastTrace int     // index+1 of the last trace counted in Traces
}

type nodeAcc struct {
	Node
	lastTrace int // index+1 of the last trace counted in Traces
	// called counts the traces that called the service as a virtual peer:
	// its Traces if it never sent a span.
	called, lastCalled int
}

// Builder accumulates nodes and edges over trees added one at a time, in
// any order, so that a dump larger than memory is read a partition at a
// time. What it keeps grows with the services and edges, and by one
// latency (8 bytes) per call between two services: the percentiles are
// exact, as when every tree is in memory.
type Builder struct {
	nodes map[string]*nodeAcc
	edges map[edgeKey]*edgeAcc
	trace int // index+1 of the tree being added
}

// NewBuilder returns a Builder with no tree added.
func NewBuilder() *Builder {
	return &Builder{nodes: map[string]*nodeAcc{}, edges: map[edgeKey]*edgeAcc{}}
}

// Build returns the service dependency graph of trees.
func Build(trees []*dag.Tree) *Graph {
	b := NewBuilder()
	for _, tr := range trees {
		b.Add(tr)
	}
	return b.Graph()
}

// node returns the service's node, counting the trace being added in its
// Traces: it has a span there.
func (b *Builder) node(service string) *nodeAcc {
	n := b.lookup(service)
	if n.lastTrace != b.trace {
		n.lastTrace = b.trace
		n.Traces++
	}
	return n
}

// peer notes a call to service as a virtual peer in the trace being added.
func (b *Builder) peer(service string) {
	n := b.lookup(service)
	if n.lastCalled != b.trace {
		n.lastCalled = b.trace
		n.called++
	}
}

func (b *Builder) lookup(service string) *nodeAcc {
	n := b.nodes[service]
	if n == nil {
		n = &nodeAcc{Node: Node{Service: service}}
		b.nodes[service] = n
	}
	return n
}

// call records one call on the edge from → to.
func (b *Builder) call(from, to string, async, failed, clientTimed bool, latency int64) *edgeAcc {
	k := edgeKey{from, to, async}
	e := b.edges[k]
	if e == nil {
		e = &edgeAcc{Edge: Edge{From: from, To: to, Async: async}}
		b.edges[k] = e
	}
	if e.lastTrace != b.trace {
		e.lastTrace = b.trace
		e.Traces++
	}
	e.Calls++
	if failed {
		e.Errors++
	}
	if clientTimed {
		e.ClientTimed++
	}
	e.latency = append(e.latency, max(latency, 0))
	return e
}

// Add adds one trace's spans and calls.
func (b *Builder) Add(tr *dag.Tree) {
	b.trace++
	for i := range tr.Nodes {
		n := &tr.Nodes[i]
		s := n.Span
		if s == nil {
			continue // a placeholder: nobody knows its service
		}
		svc := s.Service()
		failed := s.Status().Code == dag.StatusError
		nd := b.node(svc)
		nd.Spans++
		if failed {
			nd.Errors++
		}
		if n.Parent != dag.None {
			if p := tr.Nodes[n.Parent].Span; p != nil && p.Service() != svc {
				latency, clientTimed := s.Duration(), p.Kind == dag.KindClient
				if clientTimed {
					latency = p.Duration()
				}
				async := tr.AsyncChild(int32(i))
				e := b.call(p.Service(), svc, async, failed, clientTimed, latency)
				if async {
					e.queue = append(e.queue, max(dag.Sub(s.Start, p.End), 0))
				}
			}
		}
		if s.Kind == dag.KindClient || s.Kind == dag.KindProducer {
			b.virtualCall(tr, int32(i), svc, failed)
		}
	}
}

// virtualCall records the call of a CLIENT or PRODUCER span that no span of
// another service answered to the peer it names, if any.
func (b *Builder) virtualCall(tr *dag.Tree, i int32, svc string, failed bool) {
	n := &tr.Nodes[i]
	for _, c := range tr.Children(i) {
		if cs := tr.Nodes[c].Span; cs != nil && cs.Service() != svc {
			return
		}
	}
	peer := peerOf(n.Span)
	if peer == "" || peer == svc {
		return
	}
	b.peer(peer)
	b.call(svc, peer, n.Span.Kind == dag.KindProducer, failed, n.Span.Kind == dag.KindClient, n.Span.Duration())
}

func peerOf(s *dag.Span) string {
	for _, k := range peerAttributes {
		if v, ok := s.Attr(k); ok && v.Type() == dag.ValueString && v.Str() != "" {
			return v.Str()
		}
	}
	return ""
}

// Graph returns the graph of the traces added.
func (b *Builder) Graph() *Graph {
	g := &Graph{Traces: b.trace, Nodes: make([]Node, 0, len(b.nodes)), Edges: make([]Edge, 0, len(b.edges))}
	for _, n := range b.nodes {
		if n.Virtual = n.Spans == 0; n.Virtual {
			n.Traces = n.called
		}
		g.Nodes = append(g.Nodes, n.Node)
	}
	for _, e := range b.edges {
		p := critpath.PercentilesOf(e.latency)
		e.P50, e.P90, e.P99 = p.P50, p.P90, p.P99
		if len(e.queue) > 0 {
			q := critpath.PercentilesOf(e.queue)
			e.QueueP50, e.QueueP90, e.QueueP99 = q.P50, q.P90, q.P99
		}
		g.Edges = append(g.Edges, e.Edge)
	}
	g.sort()
	return g
}

func (g *Graph) sort() {
	slices.SortFunc(g.Nodes, func(a, b Node) int { return strings.Compare(a.Service, b.Service) })
	slices.SortFunc(g.Edges, compareEdges)
}

func compareEdges(a, b Edge) int {
	if c := strings.Compare(a.From, b.From); c != 0 {
		return c
	}
	if c := strings.Compare(a.To, b.To); c != 0 {
		return c
	}
	return cmp.Compare(btoi(a.Async), btoi(b.Async))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Node returns the node of service, if the graph has it.
func (g *Graph) Node(service string) (*Node, bool) {
	i, ok := slices.BinarySearchFunc(g.Nodes, service, func(n Node, s string) int { return strings.Compare(n.Service, s) })
	if !ok {
		return nil, false
	}
	return &g.Nodes[i], true
}

// Around returns the part of the graph around service: the edges on a call
// chain of at most depth hops from it — its callers, their callers and so
// on upstream, its callees and theirs downstream — and the nodes they
// join (service itself always, even without edges). Siblings are left out:
// another service its caller calls is not on a chain through it. depth ≤ 0
// means no limit. An unknown service is an error naming the nearest ones.
func (g *Graph) Around(service string, depth int) (*Graph, error) {
	if _, ok := g.Node(service); !ok {
		return nil, g.unknown(service)
	}
	down := g.hops(service, depth, func(e *Edge) (string, string) { return e.From, e.To })
	up := g.hops(service, depth, func(e *Edge) (string, string) { return e.To, e.From })
	keep := map[string]bool{service: true}
	out := &Graph{Traces: g.Traces, Focus: service, Depth: max(depth, 0)}
	for _, e := range g.Edges {
		// An edge is on a chain of at most depth hops when its near end is
		// fewer than depth hops away in its direction.
		if d, ok := down[e.From]; ok && (depth <= 0 || d < depth) {
			out.Edges = append(out.Edges, e)
		} else if d, ok := up[e.To]; ok && (depth <= 0 || d < depth) {
			out.Edges = append(out.Edges, e)
		} else {
			continue
		}
		keep[e.From], keep[e.To] = true, true
	}
	for _, n := range g.Nodes {
		if keep[n.Service] {
			out.Nodes = append(out.Nodes, n)
		}
	}
	return out, nil
}

// hops returns the distance in edges from service to every node reachable
// along the direction dir gives an edge (near end, far end), up to depth:
// a breadth-first search, linear in the edges.
func (g *Graph) hops(service string, depth int, dir func(*Edge) (string, string)) map[string]int {
	out := map[string][]string{}
	for i := range g.Edges {
		near, far := dir(&g.Edges[i])
		out[near] = append(out[near], far)
	}
	dist := map[string]int{service: 0}
	queue := []string{service}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		d := dist[v] + 1
		if depth > 0 && d > depth {
			continue
		}
		for _, w := range out[v] {
			if _, seen := dist[w]; !seen {
				dist[w] = d
				queue = append(queue, w)
			}
		}
	}
	return dist
}

// unknown is the error for a service the graph does not have.
func (g *Graph) unknown(service string) error {
	if len(g.Nodes) == 0 {
		return fmt.Errorf("no service %q: the input has no spans", service)
	}
	names := make([]string, len(g.Nodes))
	for i, n := range g.Nodes {
		names[i] = n.Service
	}
	return fmt.Errorf("no service %q in the input (%s); nearest: %s", service, dag.Plural(len(names), "service"), suggest.Quoted(service, names, 3))
}
