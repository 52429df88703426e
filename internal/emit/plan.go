package emit

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/baggage"
)

// Baggage members the load driver sets on every shop request. Every service
// derives its own randomness (delays, item counts) from the seed and the
// request number, so a request's shape does not depend on which worker or
// connection carried it, and a fault lands where the driver decided.
const (
	baggageRequest = "shop.request"
	baggageFault   = "shop.fault"
)

// Fault sites of the shop; the driver picks one for a failing request.
const (
	faultCart      = "cart"
	faultInventory = "inventory"
	faultPayment   = "payment"
)

// requestRand is the PRNG of one request as seen by one service (salt).
func requestRand(seed, n uint64, salt string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(salt))
	return rand.New(rand.NewPCG(seed^h.Sum64(), n*0x9e3779b97f4a7c15+1))
}

// requestFloat is a uniform [0,1) number for a request and salt.
func requestFloat(seed, n uint64, salt string) float64 {
	return requestRand(seed, n, salt).Float64()
}

// plan is what a service reads from the request's baggage.
type plan struct {
	n     uint64
	fault string
}

func planFromContext(ctx context.Context) plan {
	b := baggage.FromContext(ctx)
	n, _ := strconv.ParseUint(b.Member(baggageRequest).Value(), 10, 64)
	return plan{n: n, fault: b.Member(baggageFault).Value()}
}

// chooseFault decides whether request n fails, and where.
func chooseFault(cfg *Config, n uint64) string {
	r := requestRand(cfg.Seed, n, "fault")
	if cfg.ErrorRate <= 0 || r.Float64() >= cfg.ErrorRate {
		return ""
	}
	switch x := r.Float64(); {
	case x < 0.5:
		return faultPayment
	case x < 0.8:
		return faultInventory
	default:
		return faultCart
	}
}

// latency is a service's delay range, and an optional slow tail.
type latency struct {
	min, max         time.Duration
	tailP            float64
	tailMin, tailMax time.Duration
}

// profileLatency returns a service's simulated work time under a profile.
// "none" adds nothing (throughput); "normal" adds a few milliseconds per
// service; "payment-tail" is normal plus a slow payment tail in 5% of
// requests (the shape critpath and attrib should pin on payment).
func profileLatency(profile, service string) latency {
	if profile == "none" {
		return latency{}
	}
	ms := time.Millisecond
	l := map[string]latency{
		"frontend":  {min: ms / 2, max: 2 * ms},
		"cart":      {min: ms, max: 4 * ms},
		"checkout":  {min: ms, max: 3 * ms},
		"inventory": {min: ms / 2, max: 2 * ms},
		"payment":   {min: 5 * ms, max: 20 * ms},
		"email":     {min: 2 * ms, max: 6 * ms},
	}[service]
	if profile == "payment-tail" && service == "payment" {
		l.tailP, l.tailMin, l.tailMax = 0.05, 200*ms, 500*ms
	}
	return l
}

// delay is the simulated work time for request n in a service.
func (c *Config) delay(service string, n uint64) time.Duration {
	l := profileLatency(c.Latency, service)
	if l.max == 0 {
		return 0
	}
	r := requestRand(c.Seed, n, "latency."+service)
	if l.tailP > 0 && r.Float64() < l.tailP {
		return l.tailMin + time.Duration(r.Int64N(int64(l.tailMax-l.tailMin)))
	}
	return l.min + time.Duration(r.Int64N(int64(l.max-l.min)))
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
