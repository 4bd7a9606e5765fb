package poller_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"weak"

	"golang.org/x/sync/errgroup"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

func ref(name string) poller.Ref { return poller.Ref{TaskID: testTask, ExecutionID: uid(name)} }

func TestWaitAllOrderAndDuplicates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		f.add("a", runningThen(5*time.Second, client.StatusSuccess)...)
		f.add("b", runningThen(3*time.Second, client.StatusFailure)...)
		f.add("c", runningThen(time.Second, client.StatusSuccess)...)
		p := newPoller(t, f, poller.WithRand(noJitter))
		refs := []poller.Ref{ref("a"), ref("b"), ref("a"), ref("c"), ref("a")}
		res, err := p.WaitAll(t.Context(), refs)
		if len(res) != len(refs) {
			t.Fatalf("got %d results, want %d", len(res), len(refs))
		}
		for i, r := range res {
			if r.Ref != refs[i] {
				t.Errorf("result %d is for %v, want %v", i, r.Ref, refs[i])
			}
		}
		wantStatus := []client.Status{client.StatusSuccess, client.StatusFailure, client.StatusSuccess, client.StatusSuccess, client.StatusSuccess}
		for i, r := range res {
			if r.Status() != wantStatus[i] {
				t.Errorf("result %d status %q, want %q", i, r.Status(), wantStatus[i])
			}
		}
		if res[2] != res[0] || res[4] != res[0] {
			t.Errorf("duplicates of a differ: %+v, %+v, %+v", res[0], res[2], res[4])
		}
		// a ends at 5s: polled at 0, 4 and 6.2s.
		if got, want := len(f.callTimes("a")), 3; got != want || res[0].Requests != want {
			t.Errorf("a polled %d times (result says %d), want %d: duplicates polled once", got, res[0].Requests, want)
		}
		if res[0].Waited != age(2) {
			t.Errorf("a waited %v, want %v", res[0].Waited, age(2))
		}
		if !errors.Is(res[1].Err, poller.ErrUnsuccessful) {
			t.Errorf("b error %v, want ErrUnsuccessful", res[1].Err)
		}
		if !errors.Is(err, poller.ErrUnsuccessful) || !strings.HasPrefix(err.Error(), "1 of 5 executions did not succeed; first: execution "+uid("b")+": execution ended failure") {
			t.Errorf("WaitAll error = %v, want 1 of 5 with b's failure", err)
		}
	})
}

func TestWaitAllEmpty(t *testing.T) {
	p := newPoller(t, newFake(0))
	res, err := p.WaitAll(context.Background(), nil)
	if err != nil || len(res) != 0 {
		t.Errorf("WaitAll(nil) = %v, %v, want no results and nil", res, err)
	}
}

func TestWaitAllPartialResults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		f.add("a", runningThen(5*time.Second, client.StatusSuccess)...)
		f.add("b", step{status: client.StatusQueued}, step{at: 20 * time.Second, status: client.StatusRunning})
		f.add("c", step{err: apiError(401, 0)})
		p := newPoller(t, f, poller.WithRand(noJitter))
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		res, err := p.WaitAll(ctx, []poller.Ref{ref("a"), ref("b"), ref("c")})
		if len(res) != 3 {
			t.Fatalf("got %d results, want 3", len(res))
		}
		if res[0].Err != nil || res[0].Status() != client.StatusSuccess {
			t.Errorf("a: %v %q, want success", res[0].Err, res[0].Status())
		}
		// b: polls at 0, 4, 6.4, 10.24, 16.384, 26.2144, then the last at 29s.
		if !errors.Is(res[1].Err, context.DeadlineExceeded) || res[1].Status() != client.StatusRunning || res[1].Requests != 7 {
			t.Errorf("b: err %v, status %q, %d polls; want deadline exceeded, running, 7 polls", res[1].Err, res[1].Status(), res[1].Requests)
		}
		if !errors.Is(res[2].Err, client.ErrUnauthorized) || res[2].Execution != nil {
			t.Errorf("c: err %v, execution %v; want unauthorized and none", res[2].Err, res[2].Execution)
		}
		// The first error that is not the context ending is c's.
		if !errors.Is(err, client.ErrUnauthorized) || !strings.HasPrefix(err.Error(), "2 of 3 executions did not succeed") {
			t.Errorf("WaitAll error = %v, want 2 of 3 wrapping c's", err)
		}
	})
}

func TestWaitAllOnlyContextErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		f.add("a", step{status: client.StatusRunning})
		p := newPoller(t, f)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Minute, cancel)
		res, err := p.WaitAll(ctx, []poller.Ref{ref("a"), ref("a")})
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "2 of 2 executions did not succeed") {
			t.Errorf("WaitAll error = %v, want 2 of 2, context canceled", err)
		}
		if len(res) != 2 || !errors.Is(res[1].Err, context.Canceled) {
			t.Errorf("results %+v, want two cancelled", res)
		}
	})
}

func TestWaitAllFailFast(t *testing.T) {
	for _, failFast := range []bool{false, true} {
		t.Run(fmt.Sprintf("failFast=%v", failFast), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(0)
				f.add("slow", runningThen(10*time.Minute, client.StatusSuccess)...)
				f.add("bad", runningThen(10*time.Second, client.StatusFailure)...)
				f.add("quick", runningThen(2*time.Second, client.StatusSuccess)...)
				p := newPoller(t, f, poller.WithRand(noJitter), poller.WithFailFast(failFast))
				start := time.Now()
				res, err := p.WaitAll(t.Context(), []poller.Ref{ref("slow"), ref("bad"), ref("quick")})
				elapsed := time.Since(start)
				if !errors.Is(err, poller.ErrUnsuccessful) {
					t.Errorf("WaitAll error = %v, want ErrUnsuccessful", err)
				}
				if res[2].Err != nil || !errors.Is(res[1].Err, poller.ErrUnsuccessful) {
					t.Errorf("quick %v, bad %v: want success and unsuccessful", res[2].Err, res[1].Err)
				}
				if !failFast {
					if res[0].Err != nil || elapsed < 10*time.Minute {
						t.Errorf("slow: %v after %v, want success after 10m", res[0].Err, elapsed)
					}
					return
				}
				if elapsed != age(4) {
					t.Errorf("WaitAll returned after %v, want %v (bad's failure seen)", elapsed, age(4))
				}
				if e := res[0].Err; !errors.Is(e, context.Canceled) || !errors.Is(e, poller.ErrFailFast) || errors.Is(e, poller.ErrUnsuccessful) {
					t.Errorf("slow error %v, want canceled and ErrFailFast, not ErrUnsuccessful", e)
				}
				if res[0].Status() != client.StatusRunning || !strings.Contains(res[0].Err.Error(), "execution "+uid("bad")+": execution ended failure") {
					t.Errorf("slow: status %q, error %v; want running and a cause naming bad", res[0].Status(), res[0].Err)
				}
				if !strings.HasPrefix(err.Error(), "2 of 3 executions did not succeed; first: execution "+uid("bad")) {
					t.Errorf("WaitAll error = %v, want it to name bad first", err)
				}
			})
		})
	}
}

func TestWaitAllRateLimitedPausesEveryone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		f.add("a", step{status: client.StatusRunning}, step{at: secs(1), err: apiError(429, 10*time.Second)},
			step{at: secs(5), status: client.StatusRunning}, step{at: 30 * time.Second, status: client.StatusSuccess})
		f.add("b", runningThen(30*time.Second, client.StatusSuccess)...)
		f.add("c", runningThen(30*time.Second, client.StatusSuccess)...)
		// Without pacing by the server's limits, which would also slow the
		// requests after the pause (see TestServerRateLimits).
		p := newPoller(t, f, poller.WithRand(noJitter), poller.WithConcurrency(1), poller.WithServerRateLimits(false))
		if _, err := p.WaitAll(t.Context(), []poller.Ref{ref("a"), ref("b"), ref("c")}); err != nil {
			t.Fatalf("WaitAll: %v", err)
		}
		// Everyone polls at 0 and 4s; a's 429 at 4s asks for 10s: a waits
		// 10s, and so do b and c (due at 4s too, queued behind a's request)
		// although they were never refused.
		for _, id := range []string{"a", "b", "c"} {
			calls := f.callTimes(id)
			for _, c := range calls {
				if c > secs(4) && c < secs(14) {
					t.Errorf("%s polled at %v, during the 10s pause after a's 429 at 4s (all: %v)", id, c, calls)
				}
			}
			if !slices.Contains(calls, secs(14)) {
				t.Errorf("%s did not poll again at 14s, when the pause ended: %v", id, calls)
			}
		}
	})
}

func TestWaitAllRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		var refs []poller.Ref
		for i := range 30 {
			id := fmt.Sprintf("e%02d", i)
			f.add(id, step{status: client.StatusSuccess})
			refs = append(refs, ref(id))
		}
		p := newPoller(t, f, poller.WithRate(10))
		start := time.Now()
		if _, err := p.WaitAll(t.Context(), refs); err != nil {
			t.Fatalf("WaitAll: %v", err)
		}
		var all []time.Duration
		for _, r := range refs {
			all = append(all, f.callTimes(r.ExecutionID)...)
		}
		slices.Sort(all)
		for i := 1; i < len(all); i++ {
			if gap := all[i] - all[i-1]; gap < 100*time.Millisecond {
				t.Fatalf("requests %d and %d %v apart, want at least 100ms at 10/s", i, i+1, gap)
			}
		}
		if got := time.Since(start); got != 2900*time.Millisecond {
			t.Errorf("30 requests at 10/s took %v, want 2.9s", got)
		}
	})
}

func TestWaitAllConcurrencyBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(time.Second)
		var refs []poller.Ref
		for i := range 10 {
			id := fmt.Sprintf("e%d", i)
			f.add(id, runningThen(5*time.Second, client.StatusSuccess)...)
			refs = append(refs, ref(id))
		}
		p := newPoller(t, f, poller.WithConcurrency(3))
		if _, err := p.WaitAll(t.Context(), refs); err != nil {
			t.Fatalf("WaitAll: %v", err)
		}
		if got := f.peakInFlight(); got != 3 {
			t.Errorf("peak requests in flight %d, want exactly the bound 3", got)
		}
	})
}

// promptness checks that every execution was first polled within firstBound
// of the start, and seen finished within detectBound of finishing; it returns
// the worst cases and a description of the first violation ("" for none).
func promptness(f *fakeGetter, finish map[string]time.Duration, firstBound, detectBound time.Duration) (worstFirst, worstDetect time.Duration, violation string) {
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range finish {
			if !yield(id) {
				return
			}
		}
	})
	for _, id := range ids {
		calls := f.callTimes(id)
		if len(calls) == 0 {
			if violation == "" {
				violation = fmt.Sprintf("%s never polled", id)
			}
			continue
		}
		worstFirst = max(worstFirst, calls[0])
		if calls[0] > firstBound && violation == "" {
			violation = fmt.Sprintf("%s first polled at %v, over %v", id, calls[0], firstBound)
		}
		i := slices.IndexFunc(calls, func(c time.Duration) bool { return c >= finish[id] })
		if i < 0 {
			if violation == "" {
				violation = fmt.Sprintf("%s, finished at %v, never seen finished", id, finish[id])
			}
			continue
		}
		d := calls[i] - finish[id]
		worstDetect = max(worstDetect, d)
		if d > detectBound && violation == "" {
			violation = fmt.Sprintf("%s, finished at %v, seen finished %v later, over %v", id, finish[id], d, detectBound)
		}
	}
	return worstFirst, worstDetect, violation
}

// maxDelay is the longest delay between two polls under the default policy:
// its max interval, jitter included.
const maxDelay = poller.DefaultMaxInterval

func TestWaitAll10000OverAnHour(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 executions over a fake hour")
	}
	realStart := time.Now()
	synctest.Test(t, func(t *testing.T) {
		const n, latency = 10_000, 5 * time.Millisecond
		f := newFake(latency)
		rnd := rand.New(rand.NewPCG(42, 1))
		finish := make(map[string]time.Duration, n)
		refs := make([]poller.Ref, n)
		names := make([]string, n)
		for i := range refs {
			id := fmt.Sprintf("exec-%05d", i)
			names[i] = id
			at := time.Duration(rnd.Int64N(int64(time.Hour)))
			finish[id] = at
			f.add(id, step{status: client.StatusQueued}, step{at: at / 4, status: client.StatusRunning}, step{at: at, status: client.StatusSuccess})
			refs[i] = ref(id)
		}
		p := newPoller(t, f, poller.WithRand(rand.New(rand.NewPCG(7, 7)).Float64))
		res, err := p.WaitAll(t.Context(), refs)
		if err != nil {
			t.Fatalf("WaitAll: %v", err)
		}
		for i, r := range res {
			if r.Ref != refs[i] || r.Status() != client.StatusSuccess || r.Requests != len(f.callTimes(names[i])) {
				t.Fatalf("result %d = %+v, want %v succeeded with its polls counted", i, r, refs[i])
			}
		}
		if got := f.peakInFlight(); got != poller.DefaultConcurrency {
			t.Errorf("peak requests in flight %d, want the bound %d reached, never passed", got, poller.DefaultConcurrency)
		}
		// The first polls of 10,000 executions, 8 at a time at 5ms each,
		// take 6.25s: every execution is polled in that first round. From
		// the start of one poll to the start of the next there is the
		// request (5ms) and a delay of at most the max interval.
		worstFirst, worstDetect, violation := promptness(f, finish, 7*time.Second, maxDelay+latency)
		if violation != "" {
			t.Error(violation)
		}
		t.Logf("%d polls; latest first poll %v; worst detection %v after finishing", f.totalCalls(), worstFirst, worstDetect)
	})
	t.Logf("real time %v", time.Since(realStart))
}

// waitAllWithSetLimit is the design WaitAll must not have: a bound on whole
// waits rather than on requests. Execution k is not polled before k/limit
// waits have ended.
func waitAllWithSetLimit(ctx context.Context, p *poller.Poller, refs []poller.Ref, limit int) {
	var g errgroup.Group
	g.SetLimit(limit)
	for _, r := range refs {
		g.Go(func() error {
			_, err := p.Wait(ctx, r.TaskID, r.ExecutionID)
			return err
		})
	}
	_ = g.Wait()
}

func TestPromptnessCatchesWaitLimit(t *testing.T) {
	const n = 200
	run := func(t *testing.T, setLimit bool) (violation string) {
		synctest.Test(t, func(t *testing.T) {
			f := newFake(5 * time.Millisecond)
			finish := map[string]time.Duration{}
			var refs []poller.Ref
			for i := range n {
				id := fmt.Sprintf("e%03d", i)
				finish[id] = 10 * time.Minute
				f.add(id, runningThen(10*time.Minute, client.StatusSuccess)...)
				refs = append(refs, ref(id))
			}
			p := newPoller(t, f)
			if setLimit {
				waitAllWithSetLimit(t.Context(), p, refs, poller.DefaultConcurrency)
			} else if _, err := p.WaitAll(t.Context(), refs); err != nil {
				t.Fatalf("WaitAll: %v", err)
			}
			_, _, violation = promptness(f, finish, 7*time.Second, maxDelay)
		})
		return violation
	}
	if v := run(t, false); v != "" {
		t.Errorf("WaitAll: %s", v)
	}
	if v := run(t, true); v == "" {
		t.Errorf("the promptness check passed a fan-out limited by errgroup.SetLimit; it must catch it")
	} else {
		t.Logf("errgroup.SetLimit design caught: %s", v)
	}
}

// weakAPI hands out what api returns and keeps only weak pointers to it.
type weakAPI struct {
	api *fakeGetter
	mu  sync.Mutex
	got map[string][]weak.Pointer[client.Execution]
}

func (w *weakAPI) GetExecution(ctx context.Context, taskID, execID string, opts ...client.CallOption) (*client.Execution, error) {
	e, err := w.api.GetExecution(ctx, taskID, execID, opts...)
	if e != nil {
		w.mu.Lock()
		w.got[execID] = append(w.got[execID], weak.Make(e))
		w.mu.Unlock()
	}
	return e, err
}

// TestWaitEachKeepsNoEndedResult checks that once a wait's result has been
// handed to each, the Poller holds nothing of it: its executions can be
// collected while other waits go on.
func TestWaitEachKeepsNoEndedResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		f.add("a", runningThen(time.Second, client.StatusSuccess)...)
		f.add("b", runningThen(2*time.Second, client.StatusSuccess)...)
		f.add("c", runningThen(time.Minute, client.StatusSuccess)...)
		api := &weakAPI{api: f, got: map[string][]weak.Pointer[client.Execution]{}}
		p := newPoller(t, api, poller.WithRand(noJitter))
		var live []string
		err := p.WaitEach(t.Context(), []poller.Ref{ref("a"), ref("b"), ref("c")}, func(i int, r poller.Result) {
			if i != 2 {
				return
			}
			runtime.GC()
			api.mu.Lock()
			defer api.mu.Unlock()
			for _, name := range []string{"a", "b"} {
				for k, wp := range api.got[uid(name)] {
					if wp.Value() != nil {
						live = append(live, fmt.Sprintf("%s's poll %d", name, k+1))
					}
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(api.got[uid("a")]) == 0 {
			t.Fatal("a was never polled")
		}
		if len(live) > 0 {
			t.Errorf("when c ended, the executions of %v were still held, want none", live)
		}
	})
}
