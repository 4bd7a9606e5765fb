package poller_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// Tests of how WaitAll makes its requests: on a pool of workers, under the
// Poller's shared limits.

// goroutineID returns the ID of the calling goroutine, from its stack trace.
func goroutineID() uint64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf, _ = bytes.CutPrefix(buf, []byte("goroutine "))
	id, _, _ := bytes.Cut(buf, []byte(" "))
	n, err := strconv.ParseUint(string(id), 10, 64)
	if err != nil {
		panic(fmt.Sprintf("goroutine ID from %q: %v", buf, err))
	}
	return n
}

// callerGetter is a fakeGetter that also records which goroutines call it.
type callerGetter struct {
	*fakeGetter
	mu      sync.Mutex
	callers map[uint64]int
}

func (g *callerGetter) GetExecution(ctx context.Context, taskID, execID string, _ ...client.CallOption) (*client.Execution, error) {
	id := goroutineID()
	g.mu.Lock()
	g.callers[id]++
	g.mu.Unlock()
	return g.fakeGetter.GetExecution(ctx, taskID, execID)
}

func (g *callerGetter) distinctCallers() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.callers)
}

// TestWaitAllCallsFromWorkers checks that the requests of a WaitAll are
// made by at most as many goroutines as may have requests in flight, not by
// the goroutine of each execution, whose stack would then grow to hold a
// request's call chain while it sleeps.
func TestWaitAllCallsFromWorkers(t *testing.T) {
	tests := []struct {
		execs, concurrency, wantMax int
	}{
		{50, 3, 3},
		{50, 1, 1},
		{50, 8, 8},
		{2, 8, 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("execs=%d/concurrency=%d", tt.execs, tt.concurrency), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := &callerGetter{fakeGetter: newFake(10 * time.Millisecond), callers: map[uint64]int{}}
				var refs []poller.Ref
				for i := range tt.execs {
					id := fmt.Sprintf("e%02d", i)
					g.add(id, runningThen(time.Duration(i)*time.Second, client.StatusSuccess)...)
					refs = append(refs, ref(id))
				}
				p := newPoller(t, g, poller.WithConcurrency(tt.concurrency))
				res, err := p.WaitAll(t.Context(), refs)
				if err != nil {
					t.Fatalf("WaitAll: %v", err)
				}
				polls := 0
				for _, r := range res {
					polls += r.Polls
				}
				if polls != g.totalCalls() || polls < tt.execs {
					t.Errorf("results count %d polls, the getter saw %d; want equal, at least one per execution", polls, g.totalCalls())
				}
				if got := g.distinctCallers(); got > tt.wantMax {
					t.Errorf("the getter was called from %d goroutines, want at most %d", got, tt.wantMax)
				}
				if got := g.peakInFlight(); got > tt.concurrency {
					t.Errorf("peak requests in flight %d, want at most %d", got, tt.concurrency)
				}
			})
		})
	}
}

// TestWaitAllSharesBoundWithWait checks that Waits and a WaitAll running at
// the same time on one Poller share its one bound on requests in flight.
func TestWaitAllSharesBoundWithWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(time.Second)
		var refs []poller.Ref
		for i := range 10 {
			id := fmt.Sprintf("all%d", i)
			f.add(id, runningThen(5*time.Second, client.StatusSuccess)...)
			refs = append(refs, ref(id))
		}
		for i := range 3 {
			f.add(fmt.Sprintf("one%d", i), runningThen(5*time.Second, client.StatusSuccess)...)
		}
		p := newPoller(t, f, poller.WithConcurrency(3))
		var wg sync.WaitGroup
		for i := range 3 {
			wg.Go(func() {
				if _, err := p.Wait(t.Context(), "t1", fmt.Sprintf("one%d", i)); err != nil {
					t.Errorf("Wait: %v", err)
				}
			})
		}
		if _, err := p.WaitAll(t.Context(), refs); err != nil {
			t.Errorf("WaitAll: %v", err)
		}
		wg.Wait()
		if got := f.peakInFlight(); got != 3 {
			t.Errorf("peak requests in flight %d across Waits and WaitAll, want exactly the bound 3", got)
		}
	})
}

// TestWaitAllContextEndsCallsInFlight checks that when the context of a
// WaitAll ends, the requests in flight end with it, those not sent are not
// sent, and WaitAll returns at once with every result.
func TestWaitAllContextEndsCallsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(time.Hour) // a request ends only with its context
		var refs []poller.Ref
		for i := range 5 {
			id := fmt.Sprintf("e%d", i)
			f.add(id, step{status: client.StatusRunning})
			refs = append(refs, ref(id))
		}
		p := newPoller(t, f, poller.WithConcurrency(2))
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		start := time.Now()
		res, err := p.WaitAll(ctx, refs)
		if got := time.Since(start); got != 10*time.Second {
			t.Errorf("WaitAll returned after %v, want 10s, when its context ended", got)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("WaitAll error %v, want one matching context.DeadlineExceeded", err)
		}
		polls := 0
		for i, r := range res {
			if !errors.Is(r.Err, context.DeadlineExceeded) || r.Execution != nil {
				t.Errorf("result %d: %v, execution %v; want deadline exceeded, no execution", i, r.Err, r.Execution)
			}
			polls += r.Polls
		}
		if got := f.totalCalls(); got != 2 || polls != 2 {
			t.Errorf("%d requests sent (results count %d), want 2: the bound, and no more after the end", got, polls)
		}
	})
}

// TestWaitAllQueuedRequestsWaitOutPause checks that a request queued behind
// the bound on requests in flight when a 429 arrives is held back by it too.
func TestWaitAllQueuedRequestsWaitOutPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(100 * time.Millisecond)
		// Whichever execution is polled first gets the 429 (at 0 to 0.1s);
		// the others queue for the one slot meanwhile.
		for _, id := range []string{"a", "b", "c"} {
			f.add(id, step{err: apiError(429, 10*time.Second)},
				step{at: 50 * time.Millisecond, status: client.StatusRunning},
				step{at: 12 * time.Second, status: client.StatusSuccess})
		}
		p := newPoller(t, f, poller.WithRand(half), poller.WithConcurrency(1))
		if _, err := p.WaitAll(t.Context(), []poller.Ref{ref("a"), ref("b"), ref("c")}); err != nil {
			t.Fatalf("WaitAll: %v", err)
		}
		// The 429 comes back at 0.1s and asks for 10s: no request before 10.1s.
		var early []string
		for _, id := range []string{"a", "b", "c"} {
			for _, c := range f.callTimes(id) {
				if c > 0 && c < secs(10.1) {
					early = append(early, fmt.Sprintf("%s at %v", id, c))
				}
			}
		}
		if len(early) > 0 {
			t.Errorf("requests during the pause after the 429: %v", early)
		}
	})
}

// TestWaitAllAllocsPerPoll checks that a poll made through WaitAll's
// workers allocates nothing in the Poller: a wait of many polls allocates
// no more than a wait of a few.
func TestWaitAllAllocsPerPoll(t *testing.T) {
	allocs := func(polls int) float64 {
		g := &countdownGetter{running: &client.Execution{Status: client.StatusRunning}, success: &client.Execution{Status: client.StatusSuccess}}
		p := newPoller(t, g, poller.WithInitialInterval(time.Nanosecond), poller.WithMaxInterval(2*time.Nanosecond))
		refs := []poller.Ref{ref("e1")}
		return testing.AllocsPerRun(5, func() {
			g.left.Store(int64(polls))
			if _, err := p.WaitAll(context.Background(), refs); err != nil {
				t.Fatalf("WaitAll: %v", err)
			}
		})
	}
	few, many := allocs(10), allocs(2010)
	if perPoll := (many - few) / 2000; perPoll > 0.01 {
		t.Errorf("WaitAll allocates %.0f times for 10 polls, %.0f for 2010: %.3f per poll, want 0", few, many, perPoll)
	}
}
