package critpath

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"unsafe"

	"github.com/tracectl/tracectl/internal/dag"
)

// By selects how spans are grouped: per service, or per operation
// (service + span name).
type By uint8

// Groupings for attribution and folded stacks.
const (
	ByOperation By = iota
	ByService
)

// String returns "operation" or "service", what ParseBy accepts and
// output calls a group.
func (b By) String() string {
	if b == ByService {
		return "service"
	}
	return "operation"
}

// ParseBy accepts "service" and "operation".
func ParseBy(s string) (By, error) {
	switch s {
	case "service":
		return ByService, nil
	case "operation", "op":
		return ByOperation, nil
	}
	return 0, fmt.Errorf("unknown grouping %q (want service or operation)", s)
}

// Key identifies a group of spans: a service, or an operation (service and
// span name). Missing is set for the group of placeholders standing for
// absent parent spans, whose time is not attributable to any service.
// Queue is set for the queue waits of the group's spans (AsyncFollow): time
// on the critical path that no span worked, kept apart from the group's
// own.
type Key struct {
	Service string
	Name    string // "" when grouping by service
	Missing bool
	Queue   bool
}

// KeyOf returns node i's group.
func KeyOf(tr *dag.Tree, i int32, by By) Key {
	s := tr.Nodes[i].Span
	switch {
	case s == nil:
		return Key{Missing: true}
	case by == ByService:
		return Key{Service: s.Service()}
	}
	return Key{Service: s.Service(), Name: s.Name()}
}

// QueueSuffix marks a queue wait's group in Key.String.
const QueueSuffix = " ⋯ queued"

// String returns "service", "service/name", or dag.MissingSpans, followed
// by QueueSuffix for a queue wait.
func (k Key) String() string {
	s := k.Service + "/" + k.Name
	switch {
	case k.Missing:
		s = dag.MissingSpans
	case k.Name == "":
		s = k.Service
	}
	if k.Queue {
		s += QueueSuffix
	}
	return s
}

// Percentiles summarises a distribution of durations in nanoseconds.
type Percentiles struct {
	P50, P90, P99 int64
}

// percentile returns the nearest-rank p-quantile (0 < p ≤ 1) of sorted: the
// smallest value with at least p of the values at or below it.
func percentile(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}

// PercentilesOf returns the nearest-rank p50, p90 and p99 of values, which
// it sorts in place.
func PercentilesOf(values []int64) Percentiles {
	slices.Sort(values)
	return Percentiles{percentile(values, 0.50), percentile(values, 0.90), percentile(values, 0.99)}
}

// Row is one group's attribution over all traces added.
type Row struct {
	Key
	Spans  int // spans of the group (0 for the missing group: placeholders are not spans)
	Traces int // traces in which the group has at least one span
	// Self is the group's total self time; SelfShare its share of all
	// spans' self time.
	Self      int64
	SelfShare float64
	// Critical is the group's total critical-path time; CriticalShare its
	// share of the end-to-end total (the sum of every root's duration, which
	// is also the sum of everyone's critical time).
	Critical      int64
	CriticalShare float64
	// PerTrace are percentiles of the group's critical time per trace, over
	// the traces in which the group appears.
	PerTrace Percentiles
	// Samples are the group's critical time in each trace in which it
	// appears (Traces of them), sorted: what PerTrace summarises, and what
	// an exact merge of attributions computed apart needs (AddRow).
	Samples []int64
}

// Attribution accumulates critical-path and self time per group over many
// traces (CRISP-style: which operation dominates the tail). Add each
// trace's Analysis once, then read Rows.
type Attribution struct {
	by        By
	services  map[string]*serviceGroups
	byRes     map[*dag.Resource]*serviceGroups
	missing   int32 // group of placeholders, -1 until seen
	queues    map[Key]int32
	rows      []groupAcc
	samples   sampleLog // the groups' per-trace critical times
	traces    int
	endToEnd  []int64 // per trace Analysis.Duration
	totalSelf int64

	// recent remembers the group of recently seen (resource, span name)
	// pairs: a trace has a handful of operations, and the maps above hash
	// the name.
	recent [recentSlots]recentOp
	// spans is Add's buffer of each node's resource and name.
	spans []opRef
}

const recentSlots = 1024

type recentOp struct {
	opRef
	nameData *byte // unsafe.StringData(name)
	group    int32
	ok       bool
}

// opRef is what a span's group depends on.
type opRef struct {
	res  *dag.Resource
	name string // "" when grouping by service
}

// serviceGroups finds a span's group without hashing a composite key: a
// service's group, or its operations' groups by span name.
type serviceGroups struct {
	name  string
	group int32 // when grouping by service
	ops   map[string]int32
}

type groupAcc struct {
	row       Row
	lastTrace int   // trace number the running per-trace sum belongs to
	cur       int64 // critical time in that trace so far
}

// sampleLog records every group's per-trace critical times as they come,
// in chunks that are never copied to grow: growing a slice per group
// allocated several times what it finally held. Rows gathers each group's
// samples once.
type sampleLog struct {
	chunks []*sampleChunk
}

type sampleChunk struct {
	group []int32
	value []int64
}

// Chunk sizes: the first small (an attribution of a few traces), each
// next one twice the last, up to the largest.
const (
	firstSampleChunk = 64
	maxSampleChunk   = 16 << 10
)

func (l *sampleLog) add(g int32, v int64) {
	n := len(l.chunks)
	if n == 0 || len(l.chunks[n-1].group) == cap(l.chunks[n-1].group) {
		size := firstSampleChunk
		if n > 0 {
			size = min(2*cap(l.chunks[n-1].group), maxSampleChunk)
		}
		l.chunks = append(l.chunks, &sampleChunk{group: make([]int32, 0, size), value: make([]int64, 0, size)})
		n++
	}
	c := l.chunks[n-1]
	c.group = append(c.group, g)
	c.value = append(c.value, v)
}

// NewAttribution returns an empty Attribution grouping by by.
func NewAttribution(by By) *Attribution {
	return &Attribution{by: by, services: make(map[string]*serviceGroups),
		byRes: make(map[*dag.Resource]*serviceGroups), missing: -1}
}

func (at *Attribution) newGroup(k Key) int32 {
	at.rows = append(at.rows, groupAcc{row: Row{Key: k}})
	return int32(len(at.rows) - 1)
}

// placeholder stands for the resource of absent spans in opRef.
var placeholder = new(dag.Resource)

// group returns the group of op.
func (at *Attribution) group(op opRef) int32 {
	// The decoders intern span names, so the spans of one operation share
	// the name's bytes: hash and compare addresses, not contents. A name
	// with other bytes but equal contents only takes another slot.
	name := unsafe.StringData(op.name)
	h := uint64(uintptr(unsafe.Pointer(op.res))) ^ uint64(uintptr(unsafe.Pointer(name)))*0x9e3779b97f4a7c15 ^ uint64(len(op.name))
	h *= 0xff51afd7ed558ccd
	slot := &at.recent[h>>(64-10)]
	if slot.res == op.res && slot.nameData == name && len(slot.name) == len(op.name) && slot.ok {
		return slot.group
	}
	g := at.lookup(op)
	*slot = recentOp{opRef: op, nameData: name, group: g, ok: true}
	return g
}

func (at *Attribution) lookup(op opRef) int32 {
	if op.res == placeholder {
		return at.keyGroup(Key{Missing: true})
	}
	sg, ok := at.byRes[op.res]
	if !ok {
		svc := dag.UnknownService
		if op.res != nil && op.res.Service != "" {
			svc = op.res.Service
		}
		sg = at.service(svc)
		at.byRes[op.res] = sg
	}
	return at.opGroup(sg, op.name)
}

func (at *Attribution) service(name string) *serviceGroups {
	sg, ok := at.services[name]
	if !ok {
		sg = &serviceGroups{name: name, group: -1}
		at.services[name] = sg
	}
	return sg
}

// opGroup returns the group of span name in service sg ("" when grouping
// by service).
func (at *Attribution) opGroup(sg *serviceGroups, name string) int32 {
	if at.by == ByService {
		if sg.group < 0 {
			sg.group = at.newGroup(Key{Service: sg.name})
		}
		return sg.group
	}
	g, ok := sg.ops[name]
	if !ok {
		if sg.ops == nil {
			sg.ops = make(map[string]int32)
		}
		g = at.newGroup(Key{Service: sg.name, Name: name})
		sg.ops[name] = g
	}
	return g
}

// keyGroup returns the group of k.
func (at *Attribution) keyGroup(k Key) int32 {
	if k.Queue {
		g, ok := at.queues[k]
		if !ok {
			if at.queues == nil {
				at.queues = make(map[Key]int32)
			}
			g = at.newGroup(k)
			at.queues[k] = g
		}
		return g
	}
	if k.Missing {
		if at.missing < 0 {
			at.missing = at.newGroup(Key{Missing: true})
		}
		return at.missing
	}
	return at.opGroup(at.service(k.Service), k.Name)
}

// Add accumulates one trace.
func (at *Attribution) Add(a *Analysis) {
	at.traces++
	t := at.traces
	at.endToEnd = append(at.endToEnd, a.Duration())
	// First read every span's resource and name: nodes are in tree order,
	// spans wherever the decoder put them, and a loop that does nothing
	// else lets the CPU overlap those cache misses.
	nodes := a.Tree.Nodes
	ops := slices.Grow(at.spans[:0], len(nodes))[:len(nodes)]
	byService := at.by == ByService
	for i := range nodes {
		switch s := nodes[i].Span; {
		case s == nil:
			ops[i] = opRef{res: placeholder}
		case byService:
			ops[i] = opRef{res: s.Resource()}
		default:
			ops[i] = opRef{s.Resource(), s.Name()}
		}
	}
	at.spans = ops[:0]
	// Every node is under exactly one root: visit them in memory order.
	for i, op := range ops {
		g := at.group(op)
		acc := &at.rows[g]
		if acc.lastTrace != t {
			at.flush(g)
			acc.lastTrace = t
			acc.row.Traces++
		}
		if op.res != placeholder { // a placeholder is not a span
			acc.row.Spans++
		}
		acc.row.Self += a.Self[i]
		acc.row.Critical += a.Critical[i]
		acc.cur += a.Critical[i]
		at.totalSelf += a.Self[i]
	}
	if a.Async != AsyncFollow {
		return // no queue waits
	}
	// Queue waits are their own rows: Spans counts the spans that waited.
	for i, q := range a.Queue {
		if q == 0 {
			continue
		}
		k := KeyOf(a.Tree, int32(i), at.by)
		k.Queue = true
		g := at.keyGroup(k)
		acc := &at.rows[g]
		if acc.lastTrace != t {
			at.flush(g)
			acc.lastTrace = t
			acc.row.Traces++
		}
		if a.Tree.Nodes[i].Span != nil { // a placeholder is not a span
			acc.row.Spans++
		}
		acc.row.Critical += q
		acc.cur += q
	}
}

// Merge adds the traces o accumulated, as if they had been added to at
// after its own; both must group alike. Totals, counts and percentiles do
// not depend on how the traces were split. It takes o's samples over:
// o is not to be used afterwards.
func (at *Attribution) Merge(o *Attribution) {
	into := make([]int32, len(o.rows)) // o's group → at's
	for g := range o.rows {
		src := &o.rows[g]
		into[g] = at.keyGroup(src.row.Key)
		dst := &at.rows[into[g]]
		dst.row.Spans += src.row.Spans
		dst.row.Traces += src.row.Traces
		dst.row.Self += src.row.Self
		dst.row.Critical += src.row.Critical
	}
	for _, c := range o.samples.chunks {
		for i, g := range c.group {
			c.group[i] = into[g]
		}
	}
	at.samples.chunks = append(at.samples.chunks, o.samples.chunks...)
	o.samples.chunks = nil
	for g := range o.rows {
		if src := &o.rows[g]; src.lastTrace != 0 {
			at.samples.add(into[g], src.cur)
		}
	}
	at.traces += o.traces
	at.endToEnd = append(at.endToEnd, o.endToEnd...)
	at.totalSelf += o.totalSelf
}

// AddRow adds a group as another Attribution's Rows reported it — its
// totals and its per-trace Samples — so that an attribution written out
// (attrib -o json) is read back and merges exactly (attrib --merge). The
// row's traces count once AddEndToEnd adds them. A row that contradicts
// itself or the grouping, or a group added twice, is an error.
func (at *Attribution) AddRow(r Row) error {
	var sum int64
	for _, v := range r.Samples {
		if v < 0 {
			return fmt.Errorf("%s: negative per-trace time %d", r.Key, v)
		}
		sum += v
	}
	switch {
	case r.Spans < 0 || r.Self < 0 || r.Critical < 0:
		return fmt.Errorf("%s: negative spans, self or critical time", r.Key)
	case r.Traces < 1:
		return fmt.Errorf("%s: a group appears in at least one trace, not %d", r.Key, r.Traces)
	case len(r.Samples) != r.Traces:
		return fmt.Errorf("%s: %d per-trace times for %d traces", r.Key, len(r.Samples), r.Traces)
	case sum != r.Critical:
		return fmt.Errorf("%s: per-trace times add up to %d ns, not the critical time %d ns", r.Key, sum, r.Critical)
	case r.Missing && (r.Service != "" || r.Name != "" || r.Spans != 0):
		return fmt.Errorf("the group of missing spans has no service, name or spans")
	case r.Queue && r.Self != 0:
		return fmt.Errorf("%s: queue waits have no self time", r.Key)
	case at.by == ByService && !r.Missing && r.Name != "":
		return fmt.Errorf("%s: an operation in an attribution by service", r.Key)
	}
	n := len(at.rows)
	g := at.keyGroup(r.Key)
	if len(at.rows) == n {
		return fmt.Errorf("%s: group given twice", r.Key)
	}
	at.rows[g].row = Row{Key: r.Key, Spans: r.Spans, Traces: r.Traces, Self: r.Self, Critical: r.Critical}
	for _, v := range r.Samples {
		at.samples.add(g, v)
	}
	at.totalSelf += r.Self
	return nil
}

// AddEndToEnd adds traces known by their end-to-end times only, as
// EndToEndSamples reported them: with AddRow, it reads an attribution back.
func (at *Attribution) AddEndToEnd(durations []int64) {
	at.traces += len(durations)
	at.endToEnd = append(at.endToEnd, durations...)
}

// By returns the grouping.
func (at *Attribution) By() By { return at.by }

// EndToEndSamples returns every trace's end-to-end time, sorted.
func (at *Attribution) EndToEndSamples() []int64 {
	s := slices.Clone(at.endToEnd)
	slices.Sort(s)
	return s
}

// flush records group g's running per-trace sum, if any.
func (at *Attribution) flush(g int32) {
	if acc := &at.rows[g]; acc.lastTrace != 0 {
		at.samples.add(g, acc.cur)
		acc.cur = 0
	}
}

// Traces returns the number of traces added.
func (at *Attribution) Traces() int { return at.traces }

// EndToEnd returns the total end-to-end time (the sum of every trace's root
// durations) and the percentiles of the per-trace end-to-end time.
func (at *Attribution) EndToEnd() (int64, Percentiles) {
	var total int64
	for _, d := range at.endToEnd {
		total += d
	}
	return total, PercentilesOf(slices.Clone(at.endToEnd))
}

// Rows returns one Row per group, by critical share (largest first), then
// self time, then key.
func (at *Attribution) Rows() []Row {
	total, _ := at.EndToEnd()
	rows := make([]Row, len(at.rows))
	samples := at.gather()
	for g := range at.rows {
		r := at.rows[g].row
		r.Samples = samples[g]
		r.PerTrace = PercentilesOf(r.Samples)
		if total > 0 {
			r.CriticalShare = float64(r.Critical) / float64(total)
		}
		if at.totalSelf > 0 {
			r.SelfShare = float64(r.Self) / float64(at.totalSelf)
		}
		rows[g] = r
	}
	slices.SortFunc(rows, func(x, y Row) int {
		if c := cmp.Compare(y.Critical, x.Critical); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Self, x.Self); c != 0 {
			return c
		}
		return compareKeys(x.Key, y.Key)
	})
	return rows
}

// gather returns each group's samples, the running trace's included,
// all in one exactly sized slice.
func (at *Attribution) gather() [][]int64 {
	end := make([]int, len(at.rows)) // counts, then each group's end
	for _, c := range at.samples.chunks {
		for _, g := range c.group {
			end[g]++
		}
	}
	total := 0
	for g := range at.rows {
		if at.rows[g].lastTrace != 0 {
			end[g]++
		}
		total += end[g]
		end[g] = total
	}
	all := make([]int64, total)
	samples := make([][]int64, len(at.rows))
	next := make([]int, len(at.rows)) // where each group's next sample goes
	for g := range at.rows {
		start := 0
		if g > 0 {
			start = end[g-1]
		}
		samples[g] = all[start:end[g]:end[g]]
		next[g] = start
	}
	for _, c := range at.samples.chunks {
		for i, g := range c.group {
			all[next[g]] = c.value[i]
			next[g]++
		}
	}
	for g := range at.rows {
		if acc := &at.rows[g]; acc.lastTrace != 0 {
			all[next[g]] = acc.cur
		}
	}
	return samples
}

func compareKeys(x, y Key) int {
	if x.Queue != y.Queue {
		if x.Queue {
			return 1
		}
		return -1
	}
	if x.Missing != y.Missing {
		if x.Missing {
			return 1
		}
		return -1
	}
	if c := cmp.Compare(x.Service, y.Service); c != 0 {
		return c
	}
	return cmp.Compare(x.Name, y.Name)
}

// Dominant returns the operation that owns the most time on path p (ties:
// the smaller key) and that time: the one-line verdict "62% of this trace
// is payment/charge".
func (a *Analysis) Dominant(p *Path) (Key, int64) {
	// The segments' groups, sorted, summed run by run: a map per path was
	// most of what a million-span critpath allocated.
	sp := ownedScratch.Get().(*[]keyOwned)
	defer ownedScratch.Put(sp)
	owned := (*sp)[:0]
	for _, s := range p.Segments {
		k := KeyOf(a.Tree, s.Node, ByOperation)
		k.Queue = s.Queue
		owned = append(owned, keyOwned{k, s.Duration()})
	}
	slices.SortFunc(owned, func(x, y keyOwned) int { return compareKeys(x.key, y.key) })
	var best Key
	var most int64 = -1
	for i := 0; i < len(owned); {
		k, v := owned[i].key, int64(0)
		for ; i < len(owned) && owned[i].key == k; i++ {
			v += owned[i].owned
		}
		if v > most { // ties: the first, smaller key stays
			best, most = k, v
		}
	}
	clear(owned) // keep no span's strings alive
	*sp = owned
	return best, max(most, 0)
}

type keyOwned struct {
	key   Key
	owned int64
}

var ownedScratch = sync.Pool{New: func() any { return new([]keyOwned) }}

// WhatIf accumulates a what-if comparison over many traces: each trace's
// end-to-end time before and after Retime.
type WhatIf struct {
	Rules   []Speedup
	before  []int64
	after   []int64
	matched int
	z       Analyzer // holds the re-timed analysis Add returns
}

// WhatIfReport is the outcome of a what-if over all traces added.
type WhatIfReport struct {
	Rules         []Speedup
	Traces        int
	MatchedSpans  int // spans the rules matched
	Before, After Percentiles
	// TotalBefore and TotalAfter are the summed end-to-end times.
	TotalBefore, TotalAfter int64
}

// Add re-times one trace and records its end-to-end time before and after.
// It returns the re-timed analysis, which is valid until the next Add.
func (w *WhatIf) Add(a *Analysis) *Analysis {
	b, m := a.retime(w.Rules, &w.z)
	w.before = append(w.before, a.Duration())
	w.after = append(w.after, b.Duration())
	w.matched += m
	return b
}

// Merge adds the traces o re-timed; both must have the same rules.
func (w *WhatIf) Merge(o *WhatIf) {
	w.before = append(w.before, o.before...)
	w.after = append(w.after, o.after...)
	w.matched += o.matched
}

// Report summarises the traces added.
func (w *WhatIf) Report() WhatIfReport {
	r := WhatIfReport{Rules: w.Rules, Traces: len(w.before), MatchedSpans: w.matched}
	for i := range w.before {
		r.TotalBefore += w.before[i]
		r.TotalAfter += w.after[i]
	}
	r.Before = PercentilesOf(slices.Clone(w.before))
	r.After = PercentilesOf(slices.Clone(w.after))
	return r
}
