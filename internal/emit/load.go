package emit

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what the load driver did.
type loadResult struct {
	requests int64
	failed   int64
	elapsed  time.Duration
}

// drive calls do for request numbers 0, 1, 2 … from cfg.Workers goroutines
// until cfg.Requests are done, cfg.Duration has passed, or ctx ends.
//
// Pacing is open-loop: request n is due at start + n/rate, whichever worker
// takes it, so a slow request does not lower the offered rate as long as a
// worker is free (with all workers busy, requests queue behind them).
func drive(ctx context.Context, cfg *Config, do func(ctx context.Context, n uint64) error) loadResult {
	var (
		next          atomic.Int64
		done, failed  atomic.Int64
		wg            sync.WaitGroup
		start         = time.Now()
		deadline      time.Time
		limitRequests = int64(cfg.Requests)
	)
	if cfg.Duration > 0 {
		deadline = start.Add(cfg.Duration)
	}
	for range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			timer := time.NewTimer(time.Hour)
			timer.Stop()
			defer timer.Stop()
			for {
				n := next.Add(1) - 1
				if limitRequests > 0 && n >= limitRequests {
					return
				}
				if cfg.Rate > 0 {
					due := start.Add(time.Duration(float64(n) / cfg.Rate * float64(time.Second)))
					if !deadline.IsZero() && !due.Before(deadline) {
						return
					}
					if wait := time.Until(due); wait > 0 {
						timer.Reset(wait)
						select {
						case <-ctx.Done():
							return
						case <-timer.C:
						}
					}
				} else if !deadline.IsZero() && !time.Now().Before(deadline) {
					return
				}
				if ctx.Err() != nil {
					return
				}
				if err := do(ctx, uint64(n)); err != nil {
					failed.Add(1)
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return loadResult{requests: done.Load(), failed: failed.Load(), elapsed: time.Since(start)}
}
