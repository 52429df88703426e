package report

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/tracectl/tracectl/internal/check"
	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/diff"
	"github.com/tracectl/tracectl/internal/graph"
	"github.com/tracectl/tracectl/internal/render"
	"github.com/tracectl/tracectl/internal/termstr"
)

// Options say what Build puts in the page.
type Options struct {
	Title   string
	Version string
	// Inputs name what was read (the candidate, with a base); Base the
	// base inputs.
	Inputs, Base []string
	Where        string
	Generated    time.Time
	// Async is how critical paths treat asynchronous edges.
	Async critpath.Async
	// Slowest and Erroring are how many traces are drawn as waterfalls:
	// the slowest, and those with error spans. 0 means DefaultTraces.
	Slowest, Erroring int
	// MaxSpans bounds the spans drawn per waterfall; 0 means
	// DefaultMaxSpans.
	MaxSpans int
	Check    check.Options
	// Diff is how the base and the candidate are compared (with a base).
	Diff diff.Options
}

// Bounds of the page, so a huge input still makes a page a browser opens.
const (
	DefaultTraces   = 10
	DefaultMaxSpans = 2000
	MaxRows         = 300  // attribution rows per table, diff rows
	MaxFrames       = 3000 // flame graph frames
	MaxFindings     = 100  // findings listed per rule
	MaxValue        = 1024 // bytes of an attribute value
	histogramBins   = 32
)

// builder accumulates a Page.
type builder struct {
	p        *Page
	services map[string]int
	res      map[*dag.Resource]int
	resText  map[string]int
}

// service returns the index of a service in Page.Services.
func (b *builder) service(name string) int {
	if k, ok := b.services[name]; ok {
		return k
	}
	k := len(b.p.Services)
	b.services[name] = k
	c, _ := render.ServiceColor(name).(lipgloss.CompleteColor)
	b.p.Services = append(b.p.Services, Service{Name: termstr.Escape(name), Color: ansiHex(c.ANSI256)})
	return k
}

// traceInfo is what the pass over every trace keeps of one.
type traceInfo struct {
	tr       *dag.Tree
	duration int64
	errors   int
	// signature names the kind of error: where the first error span
	// without an erroring child is, and what it said.
	signature string
}

// Build analyses trees (the candidate, with a base) once and gathers what
// the page shows. base is nil without a diff.
func Build(trees, base []*dag.Tree, opts Options) *Page {
	if opts.Slowest == 0 {
		opts.Slowest = DefaultTraces
	}
	if opts.Erroring == 0 {
		opts.Erroring = DefaultTraces
	}
	if opts.MaxSpans <= 0 {
		opts.MaxSpans = DefaultMaxSpans
	}
	p := &Page{
		Title: termstr.Escape(opts.Title), Version: opts.Version, Inputs: escapeAll(opts.Inputs), Base: escapeAll(opts.Base),
		Where:     termstr.Escape(opts.Where),
		Generated: opts.Generated.UTC().Format("2006-01-02 15:04:05 UTC"), Async: opts.Async.String(),
		Services: []Service{}, Resources: [][][2]string{},
	}
	b := &builder{p: p, services: map[string]int{}, res: map[*dag.Resource]int{}, resText: map[string]int{}}

	z := critpath.Analyzer{Async: opts.Async}
	byOp := critpath.NewAttribution(critpath.ByOperation)
	bySvc := critpath.NewAttribution(critpath.ByService)
	crit := critpath.NewFolded(critpath.ByOperation, critpath.WeightCritical)
	self := critpath.NewFolded(critpath.ByOperation, critpath.WeightSelf)
	chk := check.New(opts.Check)
	infos := make([]traceInfo, len(trees))
	var start, end uint64
	for k, tr := range trees {
		a := z.Analyze(tr)
		byOp.Add(a)
		bySvc.Add(a)
		crit.Add(a)
		self.Add(a)
		chk.Add(tr)
		info := traceInfo{tr: tr, duration: a.Duration()}
		for i := range tr.Nodes {
			if s := tr.Nodes[i].Span; s != nil {
				p.Summary.Spans++
				if s.Status().Code == dag.StatusError {
					info.errors++
				}
			}
		}
		if info.errors > 0 {
			info.signature = errorSignature(tr)
			p.Summary.ErrorTraces++
			p.Summary.ErrorSpans += info.errors
		}
		infos[k] = info
		if k == 0 || tr.Start < start {
			start = tr.Start
		}
		end = max(end, tr.End)
	}
	p.Summary.Traces = len(trees)
	if len(trees) > 0 {
		p.Summary.Start, p.Summary.End = render.Timestamp(start), render.Timestamp(end)
	}
	total, lat := byOp.EndToEnd()
	p.Summary.Latency = Percentiles{P50: lat.P50, P90: lat.P90, P99: lat.P99}
	durations := make([]int64, len(infos))
	for k := range infos {
		durations[k] = infos[k].duration
		p.Summary.Latency.Max = max(p.Summary.Latency.Max, infos[k].duration)
	}
	var baseDurations []int64
	if base != nil {
		baseDurations = make([]int64, len(base))
		bz := critpath.Analyzer{Async: opts.Async}
		for k, tr := range base {
			baseDurations[k] = bz.Analyze(tr).Duration()
		}
	}
	p.Summary.Histogram = histogram(durations, baseDurations)

	p.Attribution = Attribution{Traces: byOp.Traces(), EndToEnd: total}
	p.Attribution.Operations, p.Attribution.OmittedOperations = b.attrRows(byOp.Rows())
	p.Attribution.Services, p.Attribution.OmittedServices = b.attrRows(bySvc.Rows())
	p.Flame = b.flame(crit, self)
	p.Selection = Selection{Slowest: opts.Slowest, Erroring: opts.Erroring, Of: len(trees), MaxSpans: opts.MaxSpans}
	for _, sel := range selectTraces(infos, opts.Slowest, opts.Erroring) {
		p.Traces = append(p.Traces, b.waterfall(sel, opts))
	}
	if p.Traces == nil {
		p.Traces = []Waterfall{}
	}
	p.Check = b.check(chk.Report(), opts.Check.PII)
	p.Drawing = escapeGraph(graph.Build(trees))
	p.Graph = p.Drawing
	if n := len(p.Drawing.Edges); n > MaxRows {
		g := *p.Drawing
		g.Edges = slices.Clone(g.Edges)
		slices.SortStableFunc(g.Edges, func(a, b graph.Edge) int { return cmp.Compare(b.Calls, a.Calls) })
		g.Edges = g.Edges[:MaxRows]
		p.Graph, p.GraphOmitted = &g, n-MaxRows
	}
	if base != nil {
		p.Diff = b.diff(base, trees, opts)
	}
	return p
}

// errorSignature says where a trace's error comes from: the first error
// span (in tree order) none of whose children errs — where the error
// started rather than the callers it travelled up through — and its
// message.
func errorSignature(tr *dag.Tree) string {
	for _, i := range tr.PreOrder() {
		s := tr.Nodes[i].Span
		if s == nil || s.Status().Code != dag.StatusError {
			continue
		}
		if !slices.ContainsFunc(tr.Children(i), func(c int32) bool {
			cs := tr.Nodes[c].Span
			return cs != nil && cs.Status().Code == dag.StatusError
		}) {
			return s.Service() + "\x00" + s.Name() + "\x00" + s.Status().Message
		}
	}
	return ""
}

// selected is a trace chosen for a waterfall and why.
type selected struct {
	*traceInfo
	reasons []string
}

// selectTraces picks the slowest traces, then traces with errors: one of
// each kind of error (errorSignature) first, the most frequent kind
// first, so ten traces failing the same way do not hide an eleventh
// failing another way.
func selectTraces(infos []traceInfo, slowest, erroring int) []selected {
	bySlow := make([]*traceInfo, len(infos))
	for k := range infos {
		bySlow[k] = &infos[k]
	}
	slices.SortStableFunc(bySlow, func(a, b *traceInfo) int {
		if c := cmp.Compare(b.duration, a.duration); c != 0 {
			return c
		}
		return strings.Compare(a.tr.TraceIDText(), b.tr.TraceIDText())
	})
	var out []selected
	at := map[*traceInfo]int{}
	for _, t := range bySlow[:min(slowest, len(bySlow))] {
		at[t] = len(out)
		out = append(out, selected{t, []string{"slowest"}})
	}
	kinds := map[string][]*traceInfo{}
	var order []string
	for _, t := range bySlow {
		if t.errors == 0 {
			continue
		}
		if _, ok := kinds[t.signature]; !ok {
			order = append(order, t.signature)
		}
		kinds[t.signature] = append(kinds[t.signature], t)
	}
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(len(kinds[b]), len(kinds[a])) })
	taken := 0
	for round := 0; taken < erroring; round++ {
		more := false
		for _, sig := range order {
			list := kinds[sig]
			if round >= len(list) || taken == erroring {
				continue
			}
			more = true
			t := list[round]
			taken++
			if k, ok := at[t]; ok {
				out[k].reasons = append(out[k].reasons, "error")
				continue
			}
			at[t] = len(out)
			out = append(out, selected{t, []string{"error"}})
		}
		if !more {
			break
		}
	}
	return out
}

// attrRows converts attribution rows, keeping the first MaxRows.
func (b *builder) attrRows(rows []critpath.Row) ([]AttrRow, int) {
	n := min(len(rows), MaxRows)
	out := make([]AttrRow, n)
	for k, r := range rows[:n] {
		svc := -1
		if !r.Missing {
			svc = b.service(r.Service)
		}
		out[k] = AttrRow{
			Label: termstr.Escape(r.Key.String()), Service: svc, Spans: r.Spans, Traces: r.Traces,
			Self: r.Self, SelfShare: r.SelfShare, Crit: r.Critical, CritShare: r.CriticalShare,
			P50: r.PerTrace.P50, P90: r.PerTrace.P90, P99: r.PerTrace.P99,
		}
	}
	return out, len(rows) - n
}

// flame merges the critical-time and self-time stacks into one tree with
// both (inclusive) weights, keeping the MaxFrames widest frames.
func (b *builder) flame(crit, self *critpath.Folded) Flame {
	type frameKey struct {
		parent int32
		key    critpath.Key
	}
	type frame struct {
		key        critpath.Key
		parent     int32 // -1 at the top
		crit, self int64
	}
	var frames []frame
	index := map[frameKey]int32{}
	add := func(f *critpath.Folded, weight func(*frame) *int64) {
		at := map[int32]int32{} // f's frame id → ours
		f.Frames(func(id, parent int32, key critpath.Key, value int64) {
			our := int32(-1)
			if parent != 0 {
				our = at[parent]
			}
			fk := frameKey{our, key}
			k, ok := index[fk]
			if !ok {
				k = int32(len(frames))
				index[fk] = k
				frames = append(frames, frame{key: key, parent: our})
			}
			at[id] = k
			*weight(&frames[k]) += value
		})
	}
	add(crit, func(f *frame) *int64 { return &f.crit })
	add(self, func(f *frame) *int64 { return &f.self })
	// Inclusive weights: children come after their parents.
	for k := len(frames) - 1; k >= 0; k-- {
		if p := frames[k].parent; p >= 0 {
			frames[p].crit += frames[k].crit
			frames[p].self += frames[k].self
		}
	}
	var totCrit, totSelf int64
	for k := range frames {
		if frames[k].parent < 0 {
			totCrit += frames[k].crit
			totSelf += frames[k].self
		}
	}
	// A frame is at least as wide as any descendant under both weights,
	// so the widest frames (ties: parents first) include their ancestors.
	width := func(f *frame) float64 {
		return max(share(f.crit, totCrit), share(f.self, totSelf))
	}
	keep := make([]int32, len(frames))
	for k := range keep {
		keep[k] = int32(k)
	}
	omitted := 0
	if len(frames) > MaxFrames {
		slices.SortStableFunc(keep, func(x, y int32) int { return cmp.Compare(width(&frames[y]), width(&frames[x])) })
		omitted = len(frames) - MaxFrames
		keep = keep[:MaxFrames]
		slices.Sort(keep)
	}
	to := make(map[int32]int32, len(keep))
	fl := Flame{Label: []string{}, Service: []int{}, Parent: []int32{}, Queue: []bool{}, Crit: []int64{}, Self: []int64{}, Omitted: omitted}
	for n, k := range keep {
		f := &frames[k]
		to[k] = int32(n)
		parent := int32(-1)
		if f.parent >= 0 {
			parent = to[f.parent]
		}
		svc := -1
		if !f.key.Missing {
			svc = b.service(f.key.Service)
		}
		fl.Label = append(fl.Label, termstr.Escape(f.key.String()))
		fl.Service = append(fl.Service, svc)
		fl.Parent = append(fl.Parent, parent)
		fl.Queue = append(fl.Queue, f.key.Queue)
		fl.Crit = append(fl.Crit, f.crit)
		fl.Self = append(fl.Self, f.self)
	}
	return fl
}

func share(v, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return float64(v) / float64(total)
}

// histogram bins durations (and the base's, in the same bins) on a log
// scale from the smallest to the largest.
func histogram(durations, base []int64) Histogram {
	all := slices.Concat(durations, base)
	if len(all) == 0 {
		return Histogram{Edges: []int64{}, Counts: []int{}}
	}
	lo, hi := slices.Min(all), slices.Max(all)
	lo = max(lo, 1)
	hi = max(hi, lo)
	edges := []int64{lo}
	if hi > lo {
		ratio := math.Log(float64(hi) / float64(lo))
		for k := 1; k <= histogramBins; k++ {
			e := int64(math.Round(float64(lo) * math.Exp(ratio*float64(k)/histogramBins)))
			if k == histogramBins {
				e = hi
			}
			if e > edges[len(edges)-1] {
				edges = append(edges, e)
			}
		}
	} else {
		edges = append(edges, hi)
	}
	count := func(values []int64) []int {
		c := make([]int, len(edges)-1)
		for _, v := range values {
			k, _ := slices.BinarySearch(edges, v+1) // first edge > v
			c[min(max(k-1, 0), len(c)-1)]++
		}
		return c
	}
	h := Histogram{Edges: edges, Counts: count(durations)}
	if base != nil {
		h.BaseCounts = count(base)
	}
	return h
}

// attrs converts attributes to key/value text, cutting long values.
func attrs(list []dag.Attr) [][2]string {
	if len(list) == 0 {
		return nil
	}
	out := make([][2]string, len(list))
	for k, a := range list {
		out[k] = [2]string{termstr.Escape(a.Key), cut(termstr.Escape(a.Value.String()))}
	}
	return out
}

// cut shortens s to MaxValue bytes (at a character boundary), saying how
// long it was.
func cut(s string) string {
	if len(s) <= MaxValue {
		return s
	}
	n := MaxValue
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:n], len(s))
}

// resource returns the index of a resource's attributes in
// Page.Resources, shared by every span with the same attributes.
func (b *builder) resource(r *dag.Resource) int {
	if r == nil || len(r.Attrs) == 0 {
		return -1
	}
	if k, ok := b.res[r]; ok {
		return k
	}
	kv := attrs(r.Attrs)
	var key strings.Builder
	for _, a := range kv {
		key.WriteString(a[0])
		key.WriteByte(0)
		key.WriteString(a[1])
		key.WriteByte(0)
	}
	k, ok := b.resText[key.String()]
	if !ok {
		k = len(b.p.Resources)
		b.p.Resources = append(b.p.Resources, kv)
		b.resText[key.String()] = k
	}
	b.res[r] = k
	return k
}

// waterfall draws one selected trace: its spans in tree order, each with
// its times, critical and self time and details, and the critical path.
func (b *builder) waterfall(sel selected, opts Options) Waterfall {
	tr := sel.tr
	z := critpath.Analyzer{Async: opts.Async}
	a := z.Analyze(tr)
	sum := dag.Summarize(tr)
	w := Waterfall{
		TraceID: tr.TraceIDText(), Start: render.Timestamp(tr.Start), Duration: a.Duration(), Extent: tr.Duration(),
		Spans: sum.Spans, Errors: sum.Errors, Reasons: sel.reasons,
	}
	switch {
	case !sum.RootMissing:
		w.Root = termstr.Escape(sum.RootService + " " + sum.RootName)
	case sum.RootID.IsZero():
		w.Root = dag.MissingSpans
	default:
		w.Root = dag.MissingSpan(sum.RootIDText())
	}
	for k := range tr.Joined {
		w.Joined = append(w.Joined, tr.JoinedIDText(k))
	}
	order := tr.PreOrder()
	shown := order[:min(len(order), opts.MaxSpans)]
	w.Omitted = len(order) - len(shown)
	// pos maps a node to its row; a node left out maps to its nearest
	// shown ancestor, so the critical path still covers the root.
	pos := make([]int32, len(tr.Nodes))
	for i := range pos {
		pos[i] = -1
	}
	for k, i := range shown {
		pos[i] = int32(k)
	}
	for _, i := range order[len(shown):] {
		pos[i] = pos[tr.Nodes[i].Parent] // parents come first in pre-order
	}
	off := func(t uint64) int64 { return dag.Sub(t, tr.Start) }
	w.Nodes = make([]Span, len(shown))
	for k, i := range shown {
		n := &tr.Nodes[i]
		sp := Span{Parent: -1, Depth: n.Depth, ID: tr.IDText(n.ID), Service: -1, Start: off(n.Start), Dur: n.Duration(),
			Self: a.Self[i], Crit: a.Critical[i], Resource: -1, Async: tr.AsyncChild(i)}
		if n.Parent >= 0 {
			sp.Parent = pos[n.Parent]
		}
		if a.Queue != nil {
			sp.Queue = a.Queue[i]
		}
		s := n.Span
		if s == nil {
			sp.Missing, sp.Name = true, dag.MissingSpan(tr.IDText(n.ID))
			w.Nodes[k] = sp
			continue
		}
		sp.Service = b.service(s.Service())
		sp.Name, sp.Kind = termstr.Escape(s.Name()), s.Kind.String()
		sp.Dur = s.Duration()
		if s.Status().Code != dag.StatusUnset {
			sp.Status = s.Status().Code.String()
		}
		sp.Error, sp.Message = s.Status().Code == dag.StatusError, cut(termstr.Escape(s.Status().Message))
		if s.TraceID != tr.TraceID {
			sp.TraceID = s.TraceIDText()
		}
		sp.Attrs = attrs(s.AttrList())
		sp.Resource = b.resource(s.Resource())
		if sc := s.Scope(); sc != nil && sc.Name != "" {
			sp.Scope = termstr.Escape(strings.TrimSpace(sc.Name + " " + sc.Version))
		}
		for _, e := range s.Events() {
			sp.Events = append(sp.Events, Event{Time: off(e.Time), Name: cut(termstr.Escape(e.Name)), Attrs: attrs(e.Attrs)})
		}
		for _, l := range s.Links() {
			sp.Links = append(sp.Links, Link{TraceID: l.TraceID.String(), SpanID: l.SpanID.String(), Attrs: attrs(l.Attrs)})
		}
		w.Nodes[k] = sp
	}
	w.Segments = []Segment{}
	for pi := range a.Paths {
		for _, seg := range a.Paths[pi].Segments {
			node := pos[seg.Node]
			s := Segment{Node: node, Start: off(seg.Start), End: off(seg.End), Queue: seg.Queue}
			// Merge adjacent stretches of one row (a span's time around a
			// child left out).
			if n := len(w.Segments); n > 0 && w.Segments[n-1].Node == node && w.Segments[n-1].End == s.Start && w.Segments[n-1].Queue == s.Queue {
				w.Segments[n-1].End = s.End
				continue
			}
			w.Segments = append(w.Segments, s)
		}
	}
	return w
}

// check groups the findings by rule.
func (b *builder) check(rep check.Report, pii bool) Check {
	c := Check{Traces: len(rep.Traces), Spans: rep.Spans, Findings: rep.Findings, WithFindings: rep.WithFindings, PII: pii, Rules: []CheckRule{}}
	at := map[dag.Rule]int{}
	for _, rc := range rep.Rules {
		at[rc.Rule] = len(c.Rules)
		c.Rules = append(c.Rules, CheckRule{Rule: string(rc.Rule), Severity: rc.Severity.String(), Count: rc.Count, Findings: []Finding{}})
	}
	for _, t := range rep.Traces {
		for k := range t.Findings {
			f := &t.Findings[k]
			r := &c.Rules[at[f.Rule]]
			if len(r.Findings) < MaxFindings {
				r.Findings = append(r.Findings, Finding{TraceID: f.TraceIDText(), SpanID: f.SpanIDText(), Message: termstr.Escape(f.Message)})
			}
		}
	}
	for _, s := range rep.Skew {
		c.Skew = append(c.Skew, Skew{Parent: termstr.Escape(s.ParentService), Child: termstr.Escape(s.ChildService), Offset: s.Offset, Spans: s.Spans, Explained: s.Explained})
	}
	return c
}

// diff compares the base with the candidate as `tracectl diff` does: span
// by span with one trace per side, per group otherwise.
func (b *builder) diff(base, cand []*dag.Tree, opts Options) *Diff {
	async := opts.Async
	analyze := func(tr *dag.Tree) *critpath.Analysis {
		z := critpath.Analyzer{Async: async}
		return z.Analyze(tr)
	}
	if len(base) == 1 && len(cand) == 1 {
		spans := diff.Align(analyze(base[0]), analyze(cand[0]))
		d := &Diff{BaseTraces: 1, CandTraces: 1, BaseTrace: base[0].TraceIDText(), CandTrace: cand[0].TraceIDText()}
		n := min(len(spans), opts.MaxSpans)
		d.Omitted = len(spans) - n
		for _, s := range spans[:n] {
			svc := -1
			if s.Service != "" {
				svc = b.service(s.Service)
			}
			d.Spans = append(d.Spans, DiffSpan{Depth: s.Depth, Service: svc, Name: termstr.Escape(s.Name), Change: string(s.Change),
				BaseDur: s.BaseDuration, CandDur: s.CandDuration, BaseCrit: s.BaseCritical, CandCrit: s.CandCritical})
		}
		return d
	}
	do := opts.Diff
	do.NewAnalyzer = func() *critpath.Analyzer { return &critpath.Analyzer{Async: async} }
	rep := diff.Compare(base, cand, do)
	d := &Diff{By: rep.By.String(), Alpha: rep.Alpha, MinChange: rep.MinChange, BaseTraces: rep.BaseTraces, CandTraces: rep.CandTraces,
		Notes: render.DiffNotes(render.NewStyles(io.Discard, false), rep)}
	for _, r := range rep.Rows[:min(len(rep.Rows), MaxRows)] {
		svc := -1
		if !r.EndToEnd && !r.Key.Missing {
			svc = b.service(r.Key.Service)
		}
		side := func(s diff.Side) DiffSide {
			return DiffSide{Traces: s.Traces, Calls: s.CallsPerTrace, ErrorRate: s.ErrorRate,
				P50: s.Latency.P50, P90: s.Latency.P90, P99: s.Latency.P99}
		}
		d.Rows = append(d.Rows, DiffRow{Group: termstr.Escape(r.Group), Service: svc, EndToEnd: r.EndToEnd, Verdict: string(r.Verdict),
			Base: side(r.Base), Cand: side(r.Cand), Shift: r.Shift.Estimate, Low: r.Shift.Low, High: r.Shift.High,
			P: r.P, Share: r.Share})
	}
	d.Omitted = len(rep.Rows) - len(d.Rows)
	return d
}

// ansiHex converts an ANSI-256 colour number (as render.ServiceColor
// chooses it) to #rrggbb, so a service has the colour it has in the
// terminal.
func ansiHex(c string) string {
	var n int
	fmt.Sscan(c, &n)
	switch {
	case n >= 16 && n < 232:
		n -= 16
		level := func(v int) int {
			if v == 0 {
				return 0
			}
			return 55 + 40*v
		}
		return fmt.Sprintf("#%02x%02x%02x", level(n/36), level(n/6%6), level(n%6))
	case n >= 232 && n < 256:
		g := 8 + 10*(n-232)
		return fmt.Sprintf("#%02x%02x%02x", g, g, g)
	}
	return "#888888"
}

func escapeAll(list []string) []string {
	out := make([]string, len(list))
	for k, s := range list {
		out[k] = termstr.Escape(s)
	}
	return out
}

// escapeGraph escapes the service names of g in place for display, as the
// page shows every name; the drawing escapes them too (termstr.Escape is
// idempotent, so they read the same).
func escapeGraph(g *graph.Graph) *graph.Graph {
	for k := range g.Nodes {
		g.Nodes[k].Service = termstr.Escape(g.Nodes[k].Service)
	}
	for k := range g.Edges {
		e := &g.Edges[k]
		e.From, e.To = termstr.Escape(e.From), termstr.Escape(e.To)
	}
	return g
}
