package critpath

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
)

// Speedup is one what-if rule (`--speedup service=payment:2`,
// `--speedup operation=payment/charge:2`): the self work of the spans it
// matches is divided by Factor.
type Speedup struct {
	Service string
	// Name is the span name an operation rule matches; "" for a service
	// rule, which matches every span of the service.
	Name      string
	Operation bool
	// Factor > 1 makes the work faster, < 1 slower; 1 changes nothing.
	Factor float64
}

// String returns the rule as ParseSpeedup accepts it.
func (r Speedup) String() string {
	f := strconv.FormatFloat(r.Factor, 'g', -1, 64)
	if r.Operation {
		return "operation=" + r.Service + "/" + r.Name + ":" + f
	}
	return "service=" + r.Service + ":" + f
}

// ParseSpeedup parses `service=NAME:K` or `operation=SERVICE/SPAN NAME:K`.
// The operation's service ends at the first "/" (span names often contain
// slashes, service names rarely do) and the factor follows the last ":".
// K is a positive number: 2 means twice as fast, 0.5 twice as slow.
func ParseSpeedup(s string) (Speedup, error) {
	kind, rest, ok := strings.Cut(s, "=")
	if !ok {
		return Speedup{}, fmt.Errorf("speedup %q: want service=NAME:K or operation=SERVICE/SPAN:K", s)
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return Speedup{}, fmt.Errorf("speedup %q: missing :K factor (e.g. %s:2)", s, s)
	}
	target, factor := rest[:i], rest[i+1:]
	k, err := strconv.ParseFloat(factor, 64)
	if err != nil || !(k > 0) || math.IsInf(k, 0) {
		return Speedup{}, fmt.Errorf("speedup %q: factor %q is not a positive number", s, factor)
	}
	r := Speedup{Factor: k}
	switch kind {
	case "service":
		r.Service = target
	case "operation", "op":
		svc, name, ok := strings.Cut(target, "/")
		if !ok || name == "" {
			return Speedup{}, fmt.Errorf("speedup %q: operation must be SERVICE/SPAN NAME", s)
		}
		r.Service, r.Name, r.Operation = svc, name, true
	default:
		return Speedup{}, fmt.Errorf("speedup %q: unknown kind %q (want service or operation)", s, kind)
	}
	if r.Service == "" {
		return Speedup{}, fmt.Errorf("speedup %q: empty service name", s)
	}
	return r, nil
}

// factorOf returns the factor the rules give a span: an operation rule wins
// over a service rule, and among rules of the same kind the last one given
// wins. Placeholders (s == nil) are never matched.
func factorOf(rules []Speedup, s *dag.Span) (float64, bool) {
	if s == nil {
		return 1, false
	}
	svc := s.Service()
	f, found, byOp := 1.0, false, false
	for _, r := range rules {
		if r.Service != svc {
			continue
		}
		switch {
		case r.Operation && r.Name == s.Name():
			f, found, byOp = r.Factor, true, true
		case !r.Operation && !byOp:
			f, found = r.Factor, true
		}
	}
	return f, found
}

// scale divides a stretch of self work by f.
func scale(d int64, f float64) int64 {
	if f == 1 {
		return d
	}
	return int64(math.Round(float64(d) / f))
}

// Retime returns the analysis of the trace as it would have run with the
// rules applied, and how many spans the rules matched. Dropped nodes stay
// dropped (they did not delay their root) and keep their self time.
//
// The re-timing model works on the clipped tree the walk uses, bottom-up. A
// span's interval is split by its children into stages: sweep the children
// in start order keeping the frontier (the latest end seen so far); a child
// that starts at or after the frontier opens a new stage — it waited for
// everything before it — and the gap between the frontier and its start is
// the span's own (self) work; a child that starts before the frontier joins
// the current stage, launched concurrently at a fixed offset after the
// stage's first child. The gap before the first child, the gaps between
// stages and the gap after the last stage add up to exactly the span's self
// time. Re-timed, with f the span's factor (1 when no rule matches):
//
//	stage start' = frontier' + gap/f          (first stage: span start' + gap/f)
//	child start' = stage start' + (child start − stage start)
//	child end'   = child start' + child duration'   (its own re-timed duration)
//	frontier'    = max(frontier', child end')
//	span end'    = frontier' + final gap/f
//
// and roots keep their start. So a span's work sped up shrinks the gaps it
// owns, children that waited on that work or on a sped-up sibling start
// earlier, and everything after moves up; the order of the stages, and of
// work within a span, never changes. With every factor 1 the trace is
// reproduced exactly; with factors ≥ 1 no span — and so no trace — gets
// longer (each re-timed offset and duration is at most the original). Gaps
// are rounded to the nanosecond.
//
// The model is one of synchronous work: a must be an AsyncPrune analysis
// (asynchronous children are dropped, so they stay out of the re-timing).
// A queue wait is not work any service does, and re-timing extended
// intervals would scale it as if it were.
func (a *Analysis) Retime(rules []Speedup) (*Analysis, int) {
	var z Analyzer
	return a.retime(rules, &z)
}

// retime is Retime writing into z's memory.
func (a *Analysis) retime(rules []Speedup, z *Analyzer) (*Analysis, int) {
	tr := a.Tree
	n := len(tr.Nodes)
	if cap(z.times) < 2*n {
		z.times, z.durs = make([]uint64, 2*n), make([]int64, 2*n)
	}
	times, durs := z.times[:2*n], z.durs[:2*n]
	clear(times)
	clear(durs)
	z.paths = slices.Grow(z.paths[:0], len(a.Paths))[:len(a.Paths)]
	clear(z.paths)
	z.a = newAnalysis(tr, times, durs)
	z.a.Paths, z.a.Dropped = z.paths, a.Dropped
	b := &z.a
	// Until the top-down pass, Start and End hold offsets and durations:
	// never negative, since children are clipped to their parents.
	rel := b.Start // child start' − parent start'
	dur := b.End   // duration'

	matched := 0
	for pi := range a.Paths {
		nodes := a.Paths[pi].Nodes
		for k := len(nodes) - 1; k >= 0; k-- {
			i := nodes[k]
			if a.Dropped[i] {
				continue
			}
			f, ok := factorOf(rules, tr.Nodes[i].Span)
			if ok {
				matched++
			}
			var (
				front    = a.Start[i] // frontier, original times
				front2   int64        // frontier', relative to start'
				stage    uint64       // stage start, original
				stage2   int64        // stage start', relative
				anyChild bool
			)
			for _, c := range tr.Children(i) {
				if a.Dropped[c] {
					continue
				}
				cs := a.Start[c]
				if !anyChild || cs >= front {
					stage, stage2 = cs, front2+scale(dag.Sub(cs, front), f)
					rel[c] = uint64(stage2)
					anyChild = true
				} else {
					rel[c] = uint64(stage2 + dag.Sub(cs, stage))
				}
				front = max(front, a.End[c])
				front2 = max(front2, int64(rel[c]+dur[c]))
			}
			dur[i] = uint64(front2 + scale(dag.Sub(a.End[i], front), f))
		}
		// Top-down: absolute times. Pre-order visits parents first.
		for _, i := range nodes {
			if a.Dropped[i] {
				continue
			}
			if p := tr.Nodes[i].Parent; p != dag.None {
				b.Start[i] += b.Start[p] // rel → absolute
			} else {
				b.Start[i] = a.Start[i]
			}
			b.End[i] += b.Start[i] // duration → absolute end
		}
		r := a.Paths[pi].Root
		b.Paths[pi] = Path{Root: r, Start: b.Start[r], End: b.End[r], Nodes: nodes}
	}
	z.segs, z.ends = b.walk(&z.sc, z.segs[:0], z.ends[:0])
	// Self time of the re-timed spans; dropped ones keep their own.
	for i := range tr.Nodes {
		if b.Dropped[i] {
			b.Self[i] = a.Self[i]
			continue
		}
		s, e := b.Start[i], b.End[i]
		runE := s
		b.Self[i] = dag.Sub(e, s)
		for _, c := range tr.Children(int32(i)) {
			if !b.Dropped[c] {
				b.Self[i] -= growUnion(&runE, s, e, b.Start[c], b.End[c])
			}
		}
	}
	return b, matched
}
