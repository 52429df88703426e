package dag

import (
	"fmt"
)

// CheckOptions tune Check.
type CheckOptions struct {
	// Tolerance is how far (ns) a child may start before or end after its
	// parent before a happens-before rule fires: clocks tick in coarse
	// steps on some platforms, and a microsecond of slack hides nothing
	// an SRE cares about.
	Tolerance int64
	// Skew, when not nil, collects every clock_skew relation Check finds so
	// that the offsets can be estimated per service pair over many traces.
	Skew *SkewEstimator
}

// Check returns every finding about one trace: the structural findings
// Build made (tr.Findings) followed by the per-span and happens-before
// findings in tree order:
//
//   - end_before_start (error): a span ends before it starts.
//   - child_starts_before_parent (error): on one clock (same service and
//     instance), a child starts before its parent: causality is broken.
//   - clock_skew (warning): a child on another service's clock does not fit
//     inside its parent in a way a clock offset explains (see skewShift).
//   - child_ends_after_parent (warning): a child of a synchronous parent
//     outlives it (after any clock-skew shift); asynchronous relations
//     (a PRODUCER parent, a CONSUMER child) are exempt.
//
// Check never modifies tr. It runs in O(n) plus the findings' messages.
func Check(tr *Tree, opts CheckOptions) []Finding {
	// Most traces have no finding: nil then, not an empty array per trace
	// that a report of every trace would keep.
	var out []Finding
	if len(tr.Findings) > 0 {
		out = append(make([]Finding, 0, len(tr.Findings)+4), tr.Findings...)
	}
	c := checker{tr: tr, tol: max(opts.Tolerance, 0), skew: opts.Skew}
	for _, i := range tr.PreOrder() {
		out = c.node(out, i)
	}
	return out
}

type checker struct {
	tr     *Tree
	tol    int64
	skew   *SkewEstimator
	clocks clocks
}

func (c *checker) node(out []Finding, i int32) []Finding {
	n := &c.tr.Nodes[i]
	s := n.Span
	if s == nil {
		return out
	}
	if s.End < s.Start {
		return append(out, c.finding(s, RuleEndBeforeStart, fmt.Sprintf("span %q ends %s before it starts", s.Name(), FormatDuration(Sub(s.Start, s.End)))))
	}
	if n.Parent == None {
		return out
	}
	p := c.tr.Nodes[n.Parent].Span
	if p == nil || p.End < p.Start {
		// A placeholder has no clock of its own, and a parent that ends
		// before it starts has no interval to compare with (it is reported
		// on its own).
		return out
	}
	async := asyncRelation(p, s)
	if c.clocks.same(p.Resource(), s.Resource()) {
		if early := Sub(p.Start, s.Start); early > c.tol {
			out = append(out, c.finding(s, RuleChildStartsBeforeParent, fmt.Sprintf("span %q starts %s before its parent %q on the same clock (service %s)", s.Name(), FormatDuration(early), p.Name(), s.Service())))
		}
		if late := Sub(s.End, p.End); !async && late > c.tol {
			out = append(out, c.finding(s, RuleChildEndsAfterParent, fmt.Sprintf("span %q ends %s after its parent %q (%s → %s)", s.Name(), FormatDuration(late), p.Name(), kindOf(p), kindOf(s))))
		}
		return out
	}
	shift := skewShift(p.Start, p.End, s.Start, s.End, async, c.tol)
	if shift != 0 {
		what := ""
		if early := Sub(p.Start, s.Start); early > c.tol {
			what = fmt.Sprintf("starts %s before", FormatDuration(early))
		} else {
			what = fmt.Sprintf("ends %s after", FormatDuration(Sub(s.End, p.End)))
		}
		out = append(out, c.finding(s, RuleClockSkew, fmt.Sprintf("span %q (%s) %s its parent %q (%s): clock skew, estimated offset %s", s.Name(), s.Service(), what, p.Name(), p.Service(), FormatShift(shift))))
		if c.skew != nil {
			c.skew.add(p, s, shift, c.tol, async)
		}
	}
	if late := Sub(Add(s.End, shift), p.End); !async && late > c.tol {
		out = append(out, c.finding(s, RuleChildEndsAfterParent, fmt.Sprintf("span %q (%s) ends %s after its parent %q (%s)%s", s.Name(), s.Service(), FormatDuration(late), p.Name(), p.Service(), shiftNote(shift))))
	}
	return out
}

func (c *checker) finding(s *Span, rule Rule, msg string) Finding {
	return newFinding(c.tr, s.SpanID, rule, msg)
}

func shiftNote(shift int64) string {
	if shift == 0 {
		return ""
	}
	return " even after the clock-skew shift of " + FormatShift(shift)
}

func kindOf(s *Span) string { return s.Kind.String() }

// asyncRelation reports whether a child need not finish before its parent:
// a PRODUCER span ends once the message is handed over, and a CONSUMER span
// processes it whenever it arrives; a FOLLOWS_FROM parent (AsyncParent) did
// not wait either. Links are not parent relations and are never compared.
func asyncRelation(parent, child *Span) bool {
	return parent.Kind == KindProducer || child.Kind == KindConsumer || child.AsyncParent
}

// skewShift is the shift (ns, to add to the child's times) that reconciles
// a child on another clock with its parent, following Jaeger's clock-skew
// adjuster:
//
//   - a child that already fits (within tol) needs none;
//   - a child longer than its parent (or an asynchronous child, whose end
//     says nothing) can only be made to start with its parent: shifted when
//     it starts too early, otherwise left alone;
//   - a shorter child is centred inside its parent, assuming the network
//     latency is split evenly between request and response.
//
// Both spans must end at or after they start.
func skewShift(pStart, pEnd, cStart, cEnd uint64, async bool, tol int64) int64 {
	startsOK := Sub(pStart, cStart) <= tol
	endsOK := async || Sub(cEnd, pEnd) <= tol
	if startsOK && endsOK {
		return 0
	}
	pDur, cDur := Sub(pEnd, pStart), Sub(cEnd, cStart)
	if async || cDur > pDur {
		if startsOK {
			return 0
		}
		return Sub(pStart, cStart)
	}
	return Sub(Add(pStart, (pDur-cDur)/2), cStart)
}

// clock identifies one process clock: spans of the same service instance
// on the same host share it.
type clock struct {
	service, instance, host string
}

// clocks compares spans' clocks, caching each resource's clock: a trace
// has few resources but every span points at one. The first few are
// cached in place, the rest in a map: a map per trace was a tenth of what
// checking a million spans allocated.
type clocks struct {
	last  *Resource
	lastC clock
	few   [8]resourceClock
	nFew  int
	cache map[*Resource]clock
}

type resourceClock struct {
	r *Resource
	c clock
}

func (cs *clocks) of(r *Resource) clock {
	if r == cs.last && r != nil {
		return cs.lastC
	}
	c, ok := cs.cached(r)
	if !ok {
		c = clock{service: UnknownService}
		if r != nil {
			if r.Service != "" {
				c.service = r.Service
			}
			if v, ok := Lookup(r.Attrs, "service.instance.id"); ok {
				c.instance = v.String()
			}
			if v, ok := Lookup(r.Attrs, "host.name"); ok {
				c.host = v.String()
			}
		}
		if cs.nFew < len(cs.few) {
			cs.few[cs.nFew] = resourceClock{r, c}
			cs.nFew++
		} else {
			if cs.cache == nil {
				cs.cache = make(map[*Resource]clock)
			}
			cs.cache[r] = c
		}
	}
	cs.last, cs.lastC = r, c
	return c
}

func (cs *clocks) cached(r *Resource) (clock, bool) {
	for _, e := range cs.few[:cs.nFew] {
		if e.r == r {
			return e.c, true
		}
	}
	c, ok := cs.cache[r]
	return c, ok
}

// same reports whether spans of the two resources share a clock.
func (cs *clocks) same(a, b *Resource) bool {
	if a == b {
		return true
	}
	return cs.of(a) == cs.of(b)
}
