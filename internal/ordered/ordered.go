// Package ordered runs jobs on several goroutines and hands their results
// on in the order the jobs were submitted: the shape of every stage of
// tracectl that spreads work over the cores but must print (or pass on)
// exactly what doing the jobs one by one would — decoding framed protobuf
// and JSON Lines in internal/ingest, analysing and rendering traces in
// internal/critpath. It owns the scheduling only: what a job is, how it
// is done and where its result goes are the caller's.
package ordered

import (
	"sync"
)

// Pipeline does jobs of type J on workers and delivers them in submission
// order. It guarantees:
//
//   - bounded work in flight: at most a fixed number of jobs (InFlight) are
//     submitted and not yet delivered; Submit waits for room, so a fast
//     producer cannot run ahead of a slow consumer;
//   - delivery in submission order, as soon as a job and every job before
//     it are done: whichever goroutine completes the oldest job delivers it
//     and the done ones after it, so results flow while the producer is
//     blocked reading more input;
//   - never two deliveries at once, and none under the pipeline's lock:
//     the producer and the other workers go on while a job is delivered;
//   - the first error of Deliver stops delivery: Submit and Drain return
//     it, and the job that failed stays at the head of the undelivered
//     ones (Undelivered), with the jobs after it, for the caller to take
//     back (a fallback that redoes them another way);
//   - per-worker state: each worker's function comes from its own call of
//     Config.Worker, so a worker reuses its scratch memory (or keeps a
//     partial result) without locking;
//   - with one worker or fewer, jobs are done and delivered on the
//     submitting goroutine, within Submit: no goroutine, no hand-over.
//
// Jobs are recycled: Get returns a delivered (or dropped) job cleared by
// Config.Recycle, so the buffers a job holds are reused.
//
// Get, Drop, Submit, Drain, Fail, Undelivered and Stop are for the one
// producing goroutine; Idle may be called from any.
type Pipeline[J any] struct {
	cfg  Config[J]
	seq  func(J) // workers ≤ 1: do the job on the submitting goroutine
	jobs chan submitted[J]
	wg   sync.WaitGroup

	mu         sync.Mutex
	room       sync.Cond // signalled when jobs are done or delivered
	ring       []slot[J] // the jobs in flight, at seq % len(ring)
	head, tail uint64    // the oldest job not delivered; the next to submit
	busy       int       // submitted and not done
	delivering bool      // a goroutine is delivering the head
	free       []J       // delivered or dropped, recycled
	err        error     // Deliver's first error; the job stays at the head
}

// Config says what a Pipeline's jobs are and where they go.
type Config[J any] struct {
	// Workers is how many goroutines do jobs; ≤ 1 means none: jobs are
	// done on the goroutine that submits them.
	Workers int
	// InFlight is how many jobs may be submitted and not delivered at
	// once; 0 means twice the workers (enough to keep every worker busy
	// while the head is delivered).
	InFlight int
	// New makes a job when none is free to reuse.
	New func() J
	// Worker is called once per worker, when the pipeline is made and on
	// the goroutine that makes it, and returns that worker's function,
	// which does a job (with state of its own).
	Worker func() func(J)
	// Deliver is called with each done job in submission order, never
	// twice at once; an error stops the delivery (see Pipeline).
	Deliver func(J) error
	// Recycle, when not nil, clears a delivered or dropped job for reuse,
	// keeping its buffers.
	Recycle func(J)
}

// slot is a job in flight.
type slot[J any] struct {
	job  J
	done bool
}

// submitted is a job on its way to a worker.
type submitted[J any] struct {
	seq uint64
	job J
}

// New starts a Pipeline's workers.
func New[J any](cfg Config[J]) *Pipeline[J] {
	p := &Pipeline[J]{cfg: cfg}
	p.room.L = &p.mu
	limit := cfg.InFlight
	if limit <= 0 {
		limit = 2 * max(cfg.Workers, 1)
	}
	p.ring = make([]slot[J], limit)
	if cfg.Workers <= 1 {
		p.seq = cfg.Worker()
		return p
	}
	jobs := make(chan submitted[J], limit)
	p.jobs = jobs
	p.wg.Add(cfg.Workers)
	for range cfg.Workers {
		do := cfg.Worker()
		go func() {
			defer p.wg.Done()
			for s := range jobs {
				do(s.job)
				p.done(s.seq)
			}
		}()
	}
	return p
}

// Get returns a job to fill: a recycled one, or a new one.
func (p *Pipeline[J]) Get() J {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := len(p.free); k > 0 {
		j := p.free[k-1]
		var zero J
		p.free[k-1] = zero
		p.free = p.free[:k-1]
		return j
	}
	return p.cfg.New()
}

// Drop recycles a job from Get that will not be submitted.
func (p *Pipeline[J]) Drop(j J) {
	p.recycle(j)
}

func (p *Pipeline[J]) recycle(j J) {
	if p.cfg.Recycle != nil {
		p.cfg.Recycle(j)
	}
	p.mu.Lock()
	p.free = append(p.free, j)
	p.mu.Unlock()
}

// Submit queues j, waiting while InFlight jobs are. If delivery has
// stopped on an error, it returns that error instead, and j is still the
// caller's. With one worker, j is done and delivered before Submit
// returns, and an error in delivering it is returned (j then stays at the
// head of Undelivered).
func (p *Pipeline[J]) Submit(j J) error {
	p.mu.Lock()
	for p.tail-p.head >= uint64(len(p.ring)) && p.err == nil {
		p.room.Wait()
	}
	if err := p.err; err != nil {
		p.mu.Unlock()
		return err
	}
	seq := p.tail
	p.tail++
	p.ring[seq%uint64(len(p.ring))] = slot[J]{job: j}
	p.busy++
	p.mu.Unlock()
	if p.seq != nil {
		p.seq(j)
		p.done(seq)
		return p.Err()
	}
	p.jobs <- submitted[J]{seq, j}
	return nil
}

// done marks job seq done and delivers every done job at the head, until
// one fails, unless another goroutine is delivering (it then delivers
// this one too, if it can).
func (p *Pipeline[J]) done(seq uint64) {
	n := uint64(len(p.ring))
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ring[seq%n].done = true
	p.busy--
	defer p.room.Broadcast()
	if p.delivering {
		return
	}
	p.delivering = true
	for p.err == nil && p.head < p.tail && p.ring[p.head%n].done {
		j := p.ring[p.head%n].job
		p.mu.Unlock()
		err := p.cfg.Deliver(j)
		if err == nil && p.cfg.Recycle != nil {
			p.cfg.Recycle(j)
		}
		p.mu.Lock()
		if err != nil {
			p.err = err
			break
		}
		p.ring[p.head%n] = slot[J]{}
		p.head++
		p.free = append(p.free, j)
		p.room.Broadcast()
	}
	p.delivering = false
}

// Idle reports whether every job submitted has been delivered. A producer
// that batches its input can hand a partial batch on at once when the
// pipeline is idle, so input that comes slowly flows through as it comes
// while a fast producer still fills whole batches.
func (p *Pipeline[J]) Idle() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.head == p.tail
}

// Err returns the error that stopped delivery, if any.
func (p *Pipeline[J]) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Drain waits until every job submitted is done, and so delivered unless
// delivery stopped on an error, which it returns.
func (p *Pipeline[J]) Drain() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.busy > 0 || p.delivering {
		p.room.Wait()
	}
	return p.err
}

// Fail returns err, the producer's own error (reading its input), once
// the jobs submitted before it are delivered; an error in delivering one
// of those comes first instead, as it would doing the jobs in order.
func (p *Pipeline[J]) Fail(err error) error {
	if derr := p.Drain(); derr != nil {
		return derr
	}
	return err
}

// Undelivered returns the jobs submitted and not delivered, in submission
// order: after Drain has returned an error, the job whose delivery failed
// and the ones after it.
func (p *Pipeline[J]) Undelivered() []J {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := uint64(len(p.ring))
	js := make([]J, 0, p.tail-p.head)
	for s := p.head; s < p.tail; s++ {
		js = append(js, p.ring[s%n].job)
	}
	return js
}

// Stop ends the workers once the jobs in flight are done, and returns
// the recycled jobs, for the caller to keep their memory beyond the
// pipeline. It may be called more than once; the pipeline takes no more
// jobs after it.
func (p *Pipeline[J]) Stop() []J {
	if p.jobs != nil {
		close(p.jobs)
		p.jobs = nil
		p.wg.Wait()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.free
}
