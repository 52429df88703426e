package main

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCmds are the testscript commands beyond tracectl itself.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"gentraces": genTraces,
}

// genTraces writes a deterministic workload as OTLP JSON lines, one trace
// per line, for the diff scripts:
//
//	gentraces FILE SEED N [charge=K] [cart=N] [card=K] [errors=F]
//
// Each request is frontend "GET /checkout" calling cart "GET /cart" (cart
// calls, each with a db "SELECT cart") and then payment "charge", whose own
// work (×charge, ×card more when paid by card) surrounds a bank
// "authorize" call; work is log-normal around fixed medians.
func genTraces(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: gentraces FILE SEED N [charge=K] [cart=N] [card=K] [errors=F]")
	}
	seed, err := strconv.ParseUint(args[1], 10, 64)
	ts.Check(err)
	n, err := strconv.Atoi(args[2])
	ts.Check(err)
	charge, cartCalls, card, errRate := 1.0, 1, 1.0, 0.0
	for _, kv := range args[3:] {
		k, v, _ := strings.Cut(kv, "=")
		f, err := strconv.ParseFloat(v, 64)
		ts.Check(err)
		switch k {
		case "charge":
			charge = f
		case "cart":
			cartCalls = int(f)
		case "card":
			card = f
		case "errors":
			errRate = f
		default:
			ts.Fatalf("gentraces: unknown knob %q", k)
		}
	}
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	w := bufio.NewWriter(f)
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	work := func(ms float64) int64 { return int64(ms * 1e6 * math.Exp(0.3*r.NormFloat64())) }
	const t0 = int64(1_767_225_600_000_000_000) // 2026-01-01
	for t := range n {
		type span struct {
			id, parent    int
			svc, name     string
			start, end    int64
			attrs, status string
		}
		var spans []*span
		add := func(parent int, svc, name string, start int64) *span {
			s := &span{id: len(spans) + 1, parent: parent, svc: svc, name: name, start: start}
			spans = append(spans, s)
			return s
		}
		start := t0 + int64(t)*1e9
		root := add(0, "frontend", "GET /checkout", start)
		now := start + work(2)
		for range cartCalls {
			c := add(root.id, "cart", "GET /cart", now)
			q := add(c.id, "db", "SELECT cart", now+work(0.5))
			q.end = q.start + work(3)
			c.end = q.end + work(1)
			now = c.end
		}
		now += work(1)
		method, k := "paypal", charge
		if r.Float64() < 0.5 {
			method, k = "card", charge*card
		}
		ch := add(root.id, "payment", "charge", now)
		ch.attrs = fmt.Sprintf(`[{"key":"payment.method","value":{"stringValue":%q}}]`, method)
		b := add(ch.id, "bank", "authorize", ch.start+int64(k*float64(work(8))))
		b.end = b.start + work(10)
		ch.end = b.end + int64(k*float64(work(6)))
		if r.Float64() < errRate {
			ch.status = `{"code":2}`
		}
		root.end = ch.end + work(1)

		var rs []string
		for _, s := range spans {
			parent := ""
			if s.parent != 0 {
				parent = fmt.Sprintf("%016x", s.parent)
			}
			extra := ""
			if s.attrs != "" {
				extra += `,"attributes":` + s.attrs
			}
			if s.status != "" {
				extra += `,"status":` + s.status
			}
			rs = append(rs, fmt.Sprintf(`{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":%q}}]},"scopeSpans":[{"spans":[{"traceId":"%016x%016x","spanId":"%016x","parentSpanId":%q,"name":%q,"kind":2,"startTimeUnixNano":"%d","endTimeUnixNano":"%d"%s}]}]}`,
				s.svc, seed, t+1, s.id, parent, s.name, s.start, s.end, extra))
		}
		fmt.Fprintf(w, "{\"resourceSpans\":[%s]}\n", strings.Join(rs, ","))
	}
	ts.Check(w.Flush())
	ts.Check(f.Close())
}
