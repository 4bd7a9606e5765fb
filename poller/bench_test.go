package poller_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/internal/heapsample"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// countdownGetter answers "running" until its budget of polls is spent, then
// "success", from preallocated executions: it costs next to nothing, so a
// benchmark measures the poller alone.
type countdownGetter struct {
	left             atomic.Int64
	running, success *client.Execution
}

func (g *countdownGetter) GetExecution(context.Context, string, string, ...client.CallOption) (*client.Execution, error) {
	if g.left.Add(-1) > 0 {
		return g.running, nil
	}
	return g.success, nil
}

// BenchmarkWait measures the poller's own cost per poll: one op is one poll
// of a single long wait. The schedule is shrunk to nanoseconds (1ns before
// jitter, at most 2ns with it) so real timers fire at once; the getter is
// free. The observed variants report every poll to a callback; via=waitall
// makes the wait with WaitAll, whose polls go through its worker pool.
func BenchmarkWait(b *testing.B) {
	for _, bm := range []struct {
		name              string
		observed, waitAll bool
	}{
		{"observed=false", false, false},
		{"observed=true", true, false},
		{"observed=false/via=waitall", false, true},
	} {
		b.Run(bm.name, func(b *testing.B) {
			g := &countdownGetter{running: &client.Execution{Status: client.StatusRunning}, success: &client.Execution{Status: client.StatusSuccess}}
			g.left.Store(int64(b.N))
			opts := []poller.Option{poller.WithInitialInterval(time.Nanosecond), poller.WithMaxInterval(2 * time.Nanosecond)}
			var updates int
			if bm.observed {
				opts = append(opts, poller.WithOnUpdate(func(poller.Update) { updates++ }))
			}
			p := newPoller(b, g, opts...)
			b.ReportAllocs()
			b.ResetTimer()
			if bm.waitAll {
				if _, err := p.WaitAll(context.Background(), []poller.Ref{ref("e1")}); err != nil {
					b.Fatal(err)
				}
			} else if _, err := p.Wait(context.Background(), testTask, uid("e1")); err != nil {
				b.Fatal(err)
			}
			if bm.observed && updates != b.N+1 {
				b.Fatalf("%d updates for %d polls, want one per poll and one at the end", updates, b.N)
			}
		})
	}
}

// inBubble runs f in a synctest bubble from a benchmark, through a test of
// its own, as synctest.Test needs a *testing.T.
func inBubble(b *testing.B, f func(t *testing.T)) {
	b.Helper()
	ok := testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: b.Name(), F: func(t *testing.T) { synctest.Test(t, f) }}})
	if !ok {
		b.Fatal("the run in the synctest bubble failed")
	}
}

// spreadGetter serves executions that finish at given times of fake time,
// from preallocated executions (so a poll allocates nothing), after a
// fixed latency.
type spreadGetter struct {
	start            time.Time
	latency          time.Duration
	finish           map[string]time.Duration
	running, success *client.Execution
	polls            atomic.Int64
}

func (g *spreadGetter) GetExecution(ctx context.Context, _, execID string, _ ...client.CallOption) (*client.Execution, error) {
	g.polls.Add(1)
	if g.latency > 0 {
		time.Sleep(g.latency)
	}
	if time.Since(g.start) >= g.finish[execID] {
		return g.success, nil
	}
	return g.running, nil
}

// BenchmarkWaitAll100k waits for 100,000 executions that finish at random
// over five minutes of fake time, in one WaitAll. One op is the whole wait.
// It reports the real time per op, the polls made, the peak heap in use,
// and the heap plus goroutine stacks per execution while all of them are
// waiting, over what was in use before WaitAll: the Poller's own cost of a
// waiting execution, its Result included (the executions the fake answers
// with are preallocated, so they weigh nothing).
func BenchmarkWaitAll100k(b *testing.B) {
	for _, latency := range []time.Duration{0, 5 * time.Millisecond} {
		b.Run(fmt.Sprintf("latency=%v", latency), func(b *testing.B) {
			const n = 100_000
			var polls int64
			var peakHeap, perExec, stackPerExec float64
			for b.Loop() {
				inBubble(b, func(t *testing.T) {
					rnd := rand.New(rand.NewPCG(42, 1))
					g := &spreadGetter{start: time.Now(), latency: latency, finish: make(map[string]time.Duration, n),
						running: &client.Execution{Status: client.StatusRunning}, success: &client.Execution{Status: client.StatusSuccess}}
					refs := make([]poller.Ref, n)
					for i := range refs {
						id := uid(fmt.Sprint(i))
						g.finish[id] = 15*time.Second + time.Duration(rnd.Int64N(int64(5*time.Minute-15*time.Second)))
						refs[i] = poller.Ref{TaskID: testTask, ExecutionID: id}
					}
					p := newPoller(t, g, poller.WithRand(rand.New(rand.NewPCG(7, 7)).Float64), poller.WithConcurrency(64))

					// Fake time: the second sample is past the first round
					// of polls (100,000 at 64 at a time, at 5 ms each, take 8 s).
					sampler := heapsample.Start(n, 12*time.Second)
					res, err := p.WaitAll(t.Context(), refs)
					mem := sampler.Stop()
					if err != nil || len(res) != n {
						t.Fatalf("WaitAll: %d results, %v", len(res), err)
					}
					polls = g.polls.Load()
					peakHeap, perExec, stackPerExec = float64(mem.PeakHeap), mem.PerItem, mem.StackPerItem
				})
			}
			b.ReportMetric(float64(polls), "polls/op")
			b.ReportMetric(peakHeap/(1<<20), "peak-heap-MB")
			b.ReportMetric(perExec, "B/waiting-exec")
			b.ReportMetric(stackPerExec, "stack-B/waiting-exec")
		})
	}
}
