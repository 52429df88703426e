package ordered

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// job is a test job: its number, and the result a worker computes.
type job struct {
	n, square int
	worker    int // which worker did it
}

// squares is a pipeline squaring numbers; gate, when not nil, is called
// by the worker before doing a job (to hold jobs back in a test);
// deliver sees each job delivered.
func squares(workers, inFlight int, gate func(n int), deliver func(*job) error) (*Pipeline[*job], *atomic.Int32) {
	var made atomic.Int32
	nworker := 0
	p := New(Config[*job]{
		Workers:  workers,
		InFlight: inFlight,
		New: func() *job {
			made.Add(1)
			return new(job)
		},
		Worker: func() func(*job) {
			nworker++
			id := nworker // per-worker state
			return func(j *job) {
				if gate != nil {
					gate(j.n)
				}
				j.square, j.worker = j.n*j.n, id
			}
		},
		Deliver: deliver,
		Recycle: func(j *job) { *j = job{} },
	})
	return p, &made
}

// recording is squares delivering to a list of the numbers delivered.
func recording(workers, inFlight int, gate func(n int)) (*Pipeline[*job], *[]int) {
	var got []int
	p, _ := squares(workers, inFlight, gate, func(j *job) error {
		got = append(got, j.n)
		return nil
	})
	return p, &got
}

// submitNumbers submits jobs 0 to n-1, calling after (when not nil)
// after each.
func submitNumbers(p *Pipeline[*job], n int, after func()) error {
	for i := range n {
		j := p.Get()
		j.n = i
		if err := p.Submit(j); err != nil {
			return err
		}
		if after != nil {
			after()
		}
	}
	return nil
}

func TestPipelineDeliversInOrder(t *testing.T) {
	for _, workers := range []int{0, 1, 2, 4, 8} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			var got []int
			var delivering atomic.Int32
			workersSeen := map[int]bool{}
			p, made := squares(workers, 0, nil, func(j *job) error {
				if delivering.Add(1) != 1 {
					t.Error("two deliveries at once")
				}
				defer delivering.Add(-1)
				if j.square != j.n*j.n {
					t.Errorf("job %d delivered before it was done", j.n)
				}
				got = append(got, j.n)
				workersSeen[j.worker] = true
				return nil
			})
			const n = 1000
			var want []int
			for i := range n {
				j := p.Get()
				j.n = i
				if err := p.Submit(j); err != nil {
					t.Fatal(err)
				}
				want = append(want, i)
			}
			if err := p.Drain(); err != nil {
				t.Fatal(err)
			}
			if !p.Idle() {
				t.Error("not idle after Drain")
			}
			free := p.Stop()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
			// Jobs are reused: no more are made than may be in flight,
			// plus one per worker being delivered around.
			limit := int32(2 * max(workers, 1))
			if m := made.Load(); m > limit+1 {
				t.Errorf("made %d jobs for %d in flight", m, limit)
			}
			if len(free) != int(made.Load()) {
				t.Errorf("Stop returned %d recycled jobs, made %d", len(free), made.Load())
			}
			for _, j := range free {
				if *j != (job{}) {
					t.Errorf("a recycled job was not cleared: %+v", *j)
				}
			}
			if workers <= 1 && !(len(workersSeen) == 1 && workersSeen[1]) {
				t.Errorf("workers %d: jobs done by %v, want the one worker", workers, workersSeen)
			}
		})
	}
}

// TestPipelineSequentialOnCaller: with one worker the job is done and
// delivered within Submit, on the caller's goroutine.
func TestPipelineSequentialOnCaller(t *testing.T) {
	p, delivered := recording(1, 0, nil)
	defer p.Stop()
	for i := 1; i <= 3; i++ {
		j := p.Get()
		j.n = i
		if err := p.Submit(j); err != nil {
			t.Fatal(err)
		}
		if len(*delivered) != i {
			t.Fatalf("after Submit(%d): delivered %v", i, *delivered)
		}
		if !p.Idle() {
			t.Fatalf("after Submit(%d): not idle", i)
		}
	}
}

// TestPipelineErrorStopsDelivery: the first error of Deliver stops the
// delivery; the failed job and the ones after it stay for the caller, in
// order; Submit returns the error and leaves its job to the caller; Fail
// gives the delivery error precedence over the producer's.
func TestPipelineErrorStopsDelivery(t *testing.T) {
	for _, workers := range []int{1, 2, 4} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			errBad := errors.New("bad job")
			var got []int
			p, _ := squares(workers, 0, nil, func(j *job) error {
				if j.n == 5 {
					return errBad
				}
				got = append(got, j.n)
				return nil
			})
			defer p.Stop()
			var err error
			submitted := 0
			for i := range 100 {
				j := p.Get()
				j.n = i
				if err = p.Submit(j); err != nil {
					if workers > 1 {
						p.Drop(j) // still ours
					}
					break
				}
				submitted++
			}
			if !errors.Is(err, errBad) {
				t.Fatalf("Submit returned %v, want %v", err, errBad)
			}
			if err := p.Drain(); !errors.Is(err, errBad) {
				t.Errorf("Drain returned %v, want %v", err, errBad)
			}
			if err := p.Fail(errors.New("read error")); !errors.Is(err, errBad) {
				t.Errorf("Fail returned %v, want the earlier delivery error", err)
			}
			if diff := cmp.Diff([]int{0, 1, 2, 3, 4}, got); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
			var left []int
			for _, j := range p.Undelivered() {
				left = append(left, j.n)
				if j.square != j.n*j.n {
					t.Errorf("undelivered job %d was not done", j.n)
				}
			}
			var want []int
			for i := 5; i < submitted; i++ {
				want = append(want, i)
			}
			if workers == 1 {
				want = []int{5} // Submit(5) did and delivered it
			}
			if diff := cmp.Diff(want, left); diff != "" {
				t.Errorf("undelivered (-want +got):\n%s", diff)
			}
			if p.Idle() {
				t.Error("idle with undelivered jobs")
			}
		})
	}
}

// TestPipelineFailAfterDelivery: the producer's error comes after every
// job submitted before it is delivered.
func TestPipelineFailAfterDelivery(t *testing.T) {
	p, got := recording(3, 0, nil)
	defer p.Stop()
	if err := submitNumbers(p, 10, nil); err != nil {
		t.Fatal(err)
	}
	errRead := errors.New("truncated")
	if err := p.Fail(errRead); err != errRead {
		t.Fatalf("Fail returned %v", err)
	}
	if len(*got) != 10 {
		t.Errorf("delivered %v before the error, want all 10", *got)
	}
}

// TestPipelineBoundedInFlight: while the oldest job is held, the producer
// can submit InFlight jobs and no more; the jobs after the oldest are done
// but not delivered; releasing it delivers them all in order.
func TestPipelineBoundedInFlight(t *testing.T) {
	const inFlight = 4
	release := make(chan struct{})
	p, got := recording(2, inFlight, func(n int) {
		if n == 0 {
			<-release
		}
	})
	defer p.Stop()
	var submitted atomic.Int32
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := submitNumbers(p, 10, func() { submitted.Add(1) }); err != nil {
			t.Error(err)
		}
	}()
	// Wait (a bounded loop) for the producer to fill the pipeline and
	// the other worker to do the jobs after the held one.
	for range 10000 {
		p.mu.Lock()
		full := p.tail-p.head == inFlight && p.busy == 1
		p.mu.Unlock()
		if full {
			break
		}
		time.Sleep(time.Millisecond)
	}
	p.mu.Lock()
	inPipe, busy := p.tail-p.head, p.busy
	p.mu.Unlock()
	if inPipe != inFlight || busy != 1 || submitted.Load() != inFlight {
		t.Errorf("with the head held: %d jobs in flight, %d not done, %d submitted; want %d, 1, %d", inPipe, busy, submitted.Load(), inFlight, inFlight)
	}
	if len(*got) != 0 {
		t.Errorf("delivered %v while the head was held", *got)
	}
	close(release)
	wg.Wait()
	if err := p.Drain(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, *got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}
