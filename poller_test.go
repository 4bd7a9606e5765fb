package anchorwait_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/internal/heapsample"

	"go.uber.org/goleak"

	"github.com/anchorwait/anchorwait"
	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/poller"
)

// envFake is the fake API on loopback that the environment points at for
// the whole test binary: the functions of the root package build their
// client from it once, on first use.
var envFake *anchortest.Server

func TestMain(m *testing.M) {
	envFake = anchortest.NewServer()
	os.Setenv(client.EnvAPIKey, envFake.APIKey())
	os.Setenv(client.EnvBaseURL, envFake.URL)
	code := m.Run()
	envFake.Close()
	if code == 0 {
		if err := goleak.Find(goleak.IgnoreCurrent()); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

const task = "3f1c0b1e-6a0d-4c6e-9a55-2f4f1b7d9c10"

// newFake starts an in-memory fake API, closed at the end of the test.
func newFake(t *testing.T, opts ...anchortest.Option) *anchortest.Server {
	t.Helper()
	s := anchortest.NewInMemoryServer(opts...)
	t.Cleanup(s.Close)
	return s
}

func newPoller(t testing.TB, g poller.API, opts ...poller.Option) *poller.Poller {
	t.Helper()
	p, err := poller.New(g, opts...)
	if err != nil {
		t.Fatalf("poller.New: %v", err)
	}
	return p
}

// requestTimes returns when the fake received each request for execID,
// counted from start.
func requestTimes(s *anchortest.Server, execID string, start time.Time) []time.Duration {
	var out []time.Duration
	for _, r := range s.RequestsFor(execID) {
		out = append(out, r.Time.Sub(start))
	}
	return out
}

// noJitter is a random source that leaves every delay whole.
func noJitter() float64 { return 0 }

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// The poller over the real client and HTTP (in memory), in fake time.

func TestEndToEndOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		script    anchortest.Script
		timeout   time.Duration
		wantIs    error
		wantErr   bool
		wantStat  client.Status
		wantOut   string
		wantEnd   time.Duration
		wantPolls int
	}{
		{name: "an hour-long success", script: anchortest.Succeed(10*time.Second, time.Hour, `{"rows":3}`),
			wantStat: client.StatusSuccess, wantOut: `{"rows":3}`, wantEnd: secs(115.468980062 + 117*30), wantPolls: 127}, // 4 s, x1.55 to 115.5 s, then every 30 s
		{name: "failure", script: anchortest.Fail(time.Second, 5*time.Second, "login form not found"),
			wantIs: poller.ErrUnsuccessful, wantStat: client.StatusFailure, wantEnd: secs(6.2), wantPolls: 3},
		{name: "Anchor's own timeout", script: anchortest.Finish(client.StatusTimeout, 0, 3*time.Second),
			wantIs: poller.ErrUnsuccessful, wantStat: client.StatusTimeout, wantEnd: secs(4), wantPolls: 2},
		{name: "not visible at first", script: anchortest.Script{VisibleAfter: 4 * time.Second, Steps: []anchortest.Step{{At: 0, Status: client.StatusSuccess}}},
			wantStat: client.StatusSuccess, wantEnd: secs(4), wantPolls: 3}, // the list does not show it: a GET at once, 404, then at 4s
		{name: "never visible", script: anchortest.Script{VisibleAfter: time.Hour},
			wantIs: client.ErrNotFound, wantEnd: secs(14.8955), wantPolls: 6}, // the list, a GET at once, then 4, 6.2, 9.61 and 14.9 s
		// Polls until 55.5 s, then a final one at 59 s.
		{name: "finishes in the final stretch", script: anchortest.Succeed(0, 57*time.Second, "late"), timeout: time.Minute,
			wantStat: client.StatusSuccess, wantOut: "late", wantEnd: 59 * time.Second, wantPolls: 9},
		{name: "still running at the deadline", script: anchortest.Always(client.StatusRunning), timeout: time.Minute,
			wantIs: context.DeadlineExceeded, wantStat: client.StatusRunning, wantEnd: time.Minute, wantPolls: 9},
		{name: "an undocumented status", script: anchortest.Finish("paused", 0, 0), timeout: 10 * time.Second,
			wantIs: context.DeadlineExceeded, wantStat: "paused", wantEnd: 10 * time.Second, wantPolls: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newFake(t)
				id := s.AddExecution(task, tt.script)
				p := newPoller(t, s.Client(), poller.WithRand(noJitter))
				ctx := t.Context()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				start := time.Now()
				exec, err := p.Wait(ctx, task, id)
				if tt.wantIs == nil && err != nil {
					t.Fatalf("Wait error = %v, want nil", err)
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Fatalf("Wait error = %v, want one matching %v", err, tt.wantIs)
				}
				var got client.Status
				if exec != nil {
					got = exec.Status
				}
				if got != tt.wantStat {
					t.Errorf("status %q, want %q", got, tt.wantStat)
				}
				if tt.wantOut != "" && (exec.Output == nil || *exec.Output != tt.wantOut) {
					t.Errorf("output %v, want %q", exec.Output, tt.wantOut)
				}
				if elapsed := time.Since(start); elapsed != tt.wantEnd {
					t.Errorf("Wait returned after %v, want %v", elapsed, tt.wantEnd)
				}
				// The first request is a page of the task's list (the
				// history), which answers for the execution too.
				if n := s.Stats().Requests; n != tt.wantPolls {
					t.Errorf("%d requests, want %d", n, tt.wantPolls)
				}
			})
		})
	}
}

func TestEndToEndFailureDetails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newFake(t)
		id := s.AddExecution(task, anchortest.Fail(0, time.Second, "captcha wall"))
		_, err := newPoller(t, s.Client()).Wait(t.Context(), task, id)
		var ue *poller.UnsuccessfulError
		if !errors.As(err, &ue) {
			t.Fatalf("Wait error = %v, want an *UnsuccessfulError", err)
		}
		if ue.Status != client.StatusFailure || ue.ErrorMessage != "captcha wall" || ue.Execution == nil || ue.Execution.ID != id {
			t.Errorf("UnsuccessfulError = %+v, want failure, \"captcha wall\", execution %s", ue, id)
		}
	})
}

func TestEndToEndUnauthorized(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newFake(t)
		id := s.AddExecution(task, anchortest.Always(client.StatusRunning))
		const wrongKey = "sk-wrong-key-1234"
		c, err := client.New(wrongKey, client.WithBaseURL(s.URL), client.WithHTTPClient(s.HTTPClient()))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = newPoller(t, c).Wait(t.Context(), task, id)
		if !errors.Is(err, client.ErrUnauthorized) {
			t.Fatalf("Wait error = %v, want unauthorized", err)
		}
		if strings.Contains(err.Error(), wrongKey) {
			t.Errorf("error %q shows the API key", err)
		}
		if n, elapsed := len(s.RequestsFor(id)), time.Since(start); n != 1 || elapsed != 0 {
			t.Errorf("%d requests over %v, want 1 at once", n, elapsed)
		}
	})
}

func TestEndToEndBadID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newFake(t)
		_, err := newPoller(t, s.Client()).Wait(t.Context(), task, "not-a-uuid")
		if !errors.Is(err, client.ErrInvalidID) {
			t.Fatalf("Wait error = %v, want ErrInvalidID", err)
		}
		if n := len(s.Requests()); n != 0 {
			t.Errorf("%d requests sent for a bad ID, want none", n)
		}
	})
}

func TestEndToEndTransientErrors(t *testing.T) {
	t.Run("outages that pass", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newFake(t)
			id := s.AddExecution(task, anchortest.Script{
				Steps:  []anchortest.Step{{At: 0, Status: client.StatusRunning}, {At: 3 * time.Minute, Status: client.StatusSuccess}},
				Faults: []anchortest.Fault{{After: 10 * time.Second, Before: 2 * time.Minute, Status: http.StatusServiceUnavailable}, {After: 2 * time.Minute, Before: secs(150), Drop: anchortest.DropConnection}},
			})
			exec, err := newPoller(t, s.Client()).Wait(t.Context(), task, id)
			if err != nil || exec.Status != client.StatusSuccess {
				t.Fatalf("Wait = %v, %v; want success through the outage", exec, err)
			}
		})
	})
	t.Run("an outage past the limit", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newFake(t)
			id := s.AddExecution(task, anchortest.Script{
				Steps:  []anchortest.Step{{At: 0, Status: client.StatusRunning}},
				Faults: []anchortest.Fault{{After: 10 * time.Second, Status: http.StatusBadGateway}},
			})
			start := time.Now()
			exec, err := newPoller(t, s.Client(), poller.WithTransientLimit(time.Minute)).Wait(t.Context(), task, id)
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway || !client.IsTransient(err) {
				t.Fatalf("Wait error = %v, want the 502 that lasted", err)
			}
			if exec == nil || exec.Status != client.StatusRunning {
				t.Errorf("execution %v, want the last one seen, running", exec)
			}
			if elapsed := time.Since(start); elapsed < 70*time.Second || elapsed > 70*time.Second+2*36*time.Second {
				t.Errorf("gave up after %v, want soon after the minute of errors from 10s", elapsed)
			}
		})
	})
}

func TestEndToEndRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newFake(t)
		// The 2nd to 4th requests for a get a 429 asking for 40s: each is
		// one poll, and the next never comes before the 40s are up.
		a := s.AddExecution(task, anchortest.Script{
			Steps:  []anchortest.Step{{At: 0, Status: client.StatusRunning}, {At: 2 * time.Minute, Status: client.StatusSuccess}},
			Faults: []anchortest.Fault{{FromRequest: 2, ToRequest: 4, Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"40"}}}},
		})
		b := s.AddExecution(task, anchortest.Succeed(0, 2*time.Minute, ""))
		start := time.Now()
		// One by one: a page of the task's list would answer around a's
		// faults.
		p := newPoller(t, s.Client(), poller.WithRand(noJitter), poller.WithHistory(false), poller.WithListSweeps(false))
		if _, err := p.WaitAll(t.Context(), []anchorwait.Ref{{TaskID: task, ExecutionID: a}, {TaskID: task, ExecutionID: b}}); err != nil {
			t.Fatalf("WaitAll: %v", err)
		}
		ta := requestTimes(s, a, start)
		if len(ta) < 5 {
			t.Fatalf("requests for a at %v, want the 429s and more", ta)
		}
		for i := 2; i < 4; i++ { // the polls after the 2nd request's 429
			if gap := ta[i] - ta[i-1]; gap < 40*time.Second {
				t.Errorf("a's request %d came %v after the 429 before it, want >= 40s (all: %v)", i+1, gap, ta)
			}
		}
		if gap := ta[4] - ta[3]; gap < 40*time.Second {
			t.Errorf("a's poll after the last 429 came %v later, want >= 40s: never undercut (all: %v)", gap, ta)
		}
		// b was never refused, yet it holds back after each of a's 429s:
		// the pause is the Poller's, for all its waits.
		for _, t429 := range ta[1:4] {
			for _, tb := range requestTimes(s, b, start) {
				if tb > t429 && tb < t429+40*time.Second {
					t.Errorf("b polled at %v, within 40s of a's 429 at %v (a: %v)", tb, t429, ta)
				}
			}
		}
	})
}

// TestEndToEndFanOut waits for 400 executions of one task finishing at
// random over half an hour, through the client and HTTP, polled one by one
// or with pages of the task's list: requests in flight stay within the
// bound, and every execution, wherever it is in the list, is seen at once
// and seen finished within one delay cap (one sweep interval, with pages).
func TestEndToEndFanOut(t *testing.T) {
	if testing.Short() {
		t.Skip("400 executions over half an hour of fake time")
	}
	tests := []struct {
		name       string
		opts       []poller.Option
		perID      bool          // every request names one execution
		maxRequest int           // requests in all, at most
		maxLag     time.Duration // from an execution's end to its wait's
	}{
		// One delay cap (30 s), plus the request's own time.
		{"one by one", []poller.Option{poller.WithListSweeps(false), poller.WithHistory(false)}, true, 400 * 70, 31 * time.Second},
		// A page answers for up to 100: far fewer requests, and each
		// execution is refreshed every sweep interval (10 s) while its page
		// has others, at the cap when alone on it.
		{"list sweeps", nil, false, 400 * 20, 31 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n = 400
				s := newFake(t, anchortest.WithLatency(20*time.Millisecond))
				rnd := rand.New(rand.NewPCG(3, 4))
				refs := make([]anchorwait.Ref, n)
				finish := make(map[string]time.Duration, n)
				start := time.Now()
				for i := range refs {
					d := time.Duration(rnd.Int64N(int64(30 * time.Minute)))
					id := s.AddExecution(task, anchortest.Succeed(d/3, d-d/3, ""))
					refs[i] = anchorwait.Ref{TaskID: task, ExecutionID: id}
					finish[id] = d
				}
				var mu sync.Mutex
				first := make(map[string]time.Duration, n)
				seen := poller.WithOnUpdate(func(u poller.Update) {
					mu.Lock()
					defer mu.Unlock()
					if _, ok := first[u.ExecutionID]; !ok && u.Execution != nil {
						first[u.ExecutionID] = u.Time.Sub(start)
					}
				})
				p := newPoller(t, s.Client(), append([]poller.Option{poller.WithConcurrency(4), seen}, tt.opts...)...)
				res, err := p.WaitAll(t.Context(), refs)
				if err != nil {
					t.Fatalf("WaitAll: %v", err)
				}
				if got := s.Stats().MaxInFlight; got > 4 || got < 2 {
					t.Errorf("at most %d requests in flight, want up to the bound 4 and not over", got)
				}
				var worstFirst, worstLag time.Duration
				counted := 0
				for i, r := range res {
					if r.ExecutionID != refs[i].ExecutionID || r.Status() != client.StatusSuccess {
						t.Fatalf("result %d = %+v, want %s succeeded", i, r, refs[i].ExecutionID)
					}
					counted += r.Requests
					if tt.perID {
						if times := requestTimes(s, r.ExecutionID, start); len(times) != r.Requests {
							t.Errorf("result %d counts %d requests, the fake saw %d for it", i, r.Requests, len(times))
						}
					}
					worstFirst = max(worstFirst, first[r.ExecutionID])
					worstLag = max(worstLag, r.Waited-finish[r.ExecutionID])
				}
				if total := s.Stats().Requests; counted != total || total > tt.maxRequest {
					t.Errorf("results count %d requests, the fake saw %d; want equal, at most %d", counted, total, tt.maxRequest)
				}
				// 400 first requests, 4 at a time, 20ms each, take 2s.
				if worstFirst > 3*time.Second {
					t.Errorf("an execution was first seen %v after the start, want within 3s", worstFirst)
				}
				if worstLag > tt.maxLag {
					t.Errorf("an execution was seen finished %v after it finished, want within %v", worstLag, tt.maxLag)
				}
				t.Logf("%d requests; latest first look %v; worst detection %v", s.Stats().Requests, worstFirst, worstLag)
			})
		})
	}
}

// The root functions, with the client from the environment.

// useFake returns the fake API the environment points at (see TestMain).
func useFake(*testing.T) *anchortest.Server { return envFake }

func TestWaitFromEnvironment(t *testing.T) {
	s := useFake(t)
	ok := s.AddExecution(task, anchortest.Succeed(0, 0, "fine"))
	bad := s.AddExecution(task, anchortest.Fail(0, 0, "broken"))
	exec, err := anchorwait.Wait(t.Context(), task, ok)
	if err != nil || exec.Status != client.StatusSuccess || *exec.Output != "fine" {
		t.Fatalf("Wait = %+v, %v; want success with output", exec, err)
	}
	if _, err := anchorwait.Wait(t.Context(), task, bad); !errors.Is(err, poller.ErrUnsuccessful) {
		t.Errorf("Wait error = %v, want ErrUnsuccessful", err)
	}
	res, err := anchorwait.WaitAll(t.Context(), []anchorwait.Ref{{TaskID: task, ExecutionID: ok}, {TaskID: task, ExecutionID: bad}},
		poller.WithInitialInterval(10*time.Millisecond))
	if len(res) != 2 || res[0].Err != nil || !errors.Is(res[1].Err, poller.ErrUnsuccessful) {
		t.Errorf("WaitAll results %+v, want success then failure", res)
	}
	if !errors.Is(err, poller.ErrUnsuccessful) {
		t.Errorf("WaitAll error = %v, want ErrUnsuccessful", err)
	}
}

func TestClientBuiltOnce(t *testing.T) {
	c1, err := anchorwait.Client()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := anchorwait.Client()
	if err != nil || c1 != c2 || c1.BaseURL() != envFake.URL {
		t.Errorf("Client() twice = %p, %p (%v); want the same client, at %s", c1, c2, err, envFake.URL)
	}
}

func TestNilContext(t *testing.T) {
	//lint:ignore SA1012 a nil Context is what this test passes
	if _, err := anchorwait.Wait(nil, task, "9b2e4c1a-0c67-4d7e-8f43-5a1b2c3d4e5f"); err == nil || !strings.Contains(err.Error(), "nil Context") {
		t.Errorf("Wait(nil, ...) error = %v, want one saying the Context is nil", err)
	}
	//lint:ignore SA1012 a nil Context is what this test passes
	if res, err := anchorwait.WaitAll(nil, []anchorwait.Ref{{TaskID: task, ExecutionID: "9b2e4c1a-0c67-4d7e-8f43-5a1b2c3d4e5f"}}); err == nil || res != nil {
		t.Errorf("WaitAll(nil, ...) = %v, %v; want no results and an error", res, err)
	}
}

func TestBadOptions(t *testing.T) {
	s := useFake(t)
	id := s.AddExecution(task, anchortest.Succeed(0, 0, ""))
	_, err := anchorwait.Wait(t.Context(), task, id, poller.WithJitter(2))
	if err == nil || !strings.Contains(err.Error(), "jitter 2") {
		t.Errorf("Wait error = %v, want one naming jitter 2", err)
	}
	res, err := anchorwait.WaitAll(t.Context(), []anchorwait.Ref{{TaskID: task, ExecutionID: id}}, poller.WithConcurrency(-1))
	if err == nil || res != nil || !strings.Contains(err.Error(), "concurrency -1") {
		t.Errorf("WaitAll = %v, %v; want an error naming concurrency -1", res, err)
	}
	if n := s.RequestCountFor(id); n != 0 {
		t.Errorf("%d requests sent with bad options, want none", n)
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

// BenchmarkEndToEnd10k waits for 10,000 executions finishing at random over
// an hour of fake time, through the client, real HTTP/1.1 over in-memory
// connections and the fake API. One op is the whole hour. It reports the
// requests made, the peak heap in use, and heap plus goroutine stacks per
// execution while all of them are waiting (server side included).
func BenchmarkEndToEnd10k(b *testing.B) {
	const n = 10_000
	var requests int
	var peakHeap, perExec, stackPerExec float64
	for b.Loop() {
		inBubble(b, func(t *testing.T) {
			s := newFake(t)
			rnd := rand.New(rand.NewPCG(42, 1))
			refs := make([]anchorwait.Ref, n)
			for i := range refs {
				d := 15*time.Second + time.Duration(rnd.Int64N(int64(time.Hour-15*time.Second)))
				refs[i] = anchorwait.Ref{TaskID: task, ExecutionID: s.AddExecution(task, anchortest.Succeed(0, d, ""))}
			}
			p := newPoller(t, s.Client())
			sampler := heapsample.Start(n, 10*time.Second) // fake time: the second sample is past the first round of polls
			res, err := p.WaitAll(t.Context(), refs)
			mem := sampler.Stop()
			if err != nil || len(res) != n {
				t.Fatalf("WaitAll: %d results, %v", len(res), err)
			}
			requests = len(s.Requests())
			peakHeap, perExec, stackPerExec = float64(mem.PeakHeap), mem.PerItem, mem.StackPerItem
		})
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(peakHeap/(1<<20), "peak-heap-MB")
	b.ReportMetric(perExec, "B/waiting-exec")
	b.ReportMetric(stackPerExec, "stack-B/waiting-exec")
}

// TestBudgetUnder503 checks the promise of the one budget against a server
// that answers 503 to everything: with rate R for T seconds the server sees
// at most R*T+1 requests, never more than the in-flight bound at once, and
// the results count every one. Waits and starts share the budget.
func TestBudgetUnder503(t *testing.T) {
	const rate, concurrency, seconds, n = 2, 4, 10, 20
	tests := []struct {
		name   string
		starts int
	}{
		{"waits", 0},
		{"waits and starts", n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newFake(t, anchortest.WithFaults(anchortest.Fault{Status: http.StatusServiceUnavailable}))
				refs := make([]anchorwait.Ref, n)
				for i := range refs {
					refs[i] = anchorwait.Ref{TaskID: task, ExecutionID: s.AddExecution(task, anchortest.Always(client.StatusRunning))}
				}
				p := newPoller(t, s.Client(), poller.WithRate(rate), poller.WithConcurrency(concurrency))
				ctx, cancel := context.WithTimeout(t.Context(), seconds*time.Second)
				defer cancel()
				var startRequests atomic.Int64
				var wg sync.WaitGroup
				for range tt.starts {
					wg.Go(func() {
						st, err := p.Start(ctx, client.RunTaskRequest{TaskID: task})
						switch {
						case st.Requests == 0 && errors.Is(err, context.DeadlineExceeded):
							// The budget had no room before the deadline.
						case !errors.Is(err, poller.ErrMaybeStarted):
							t.Errorf("Start error %v after %d requests, want a 503 that may have started the task", err, st.Requests)
						}
						startRequests.Add(int64(st.Requests))
					})
				}
				res, _ := p.WaitAll(ctx, refs)
				wg.Wait()
				counted := int(startRequests.Load())
				for _, r := range res {
					counted += r.Requests
				}
				got := s.Stats()
				if limit := rate*seconds + 1; got.Requests > limit {
					t.Errorf("server saw %d requests in %ds at %d/s, want at most %d", got.Requests, seconds, rate, limit)
				}
				if got.Requests < rate*seconds-1 {
					t.Errorf("server saw %d requests, want close to the %d the rate allows", got.Requests, rate*seconds)
				}
				if got.MaxInFlight > concurrency {
					t.Errorf("%d requests in flight at once, want at most %d", got.MaxInFlight, concurrency)
				}
				// A request sent as the deadline fires may be cut before
				// the server reads it: counted, not seen. No other request
				// may be counted and not seen, and none seen but not counted.
				if counted < got.Requests || counted > got.Requests+concurrency {
					t.Errorf("results and starts count %d requests, the server saw %d: want all it saw, and at most %d cut in flight more", counted, got.Requests, concurrency)
				}
			})
		})
	}
}

// panicAPI panics on its second call.
type panicAPI struct{ calls atomic.Int32 }

func (a *panicAPI) GetExecution(_ context.Context, _, execID string, _ ...client.CallOption) (*client.Execution, error) {
	if a.calls.Add(1) == 2 {
		panic("boom in the API")
	}
	return &client.Execution{ID: execID, Status: client.StatusRunning}, nil
}

// TestAPIPanic checks that a panic of the API reaches the caller of Wait or
// WaitAll on its own goroutine, after the other waits have stopped, with
// no request slot and no goroutine left behind.
func TestAPIPanic(t *testing.T) {
	ids := []string{"9b2e4c1a-0c67-4d7e-8f43-5a1b2c3d4e5f", "9b2e4c1a-0c67-4d7e-8f43-5a1b2c3d4e60", "9b2e4c1a-0c67-4d7e-8f43-5a1b2c3d4e61"}
	for _, all := range []bool{false, true} {
		t.Run(fmt.Sprintf("WaitAll=%v", all), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				api := &panicAPI{}
				p := newPoller(t, api, poller.WithConcurrency(1))
				got := func() (v any) {
					defer func() { v = recover() }()
					if all {
						refs := make([]anchorwait.Ref, len(ids))
						for i, id := range ids {
							refs[i] = anchorwait.Ref{TaskID: task, ExecutionID: id}
						}
						_, _ = p.WaitAll(t.Context(), refs)
					} else {
						_, _ = p.Wait(t.Context(), task, ids[0])
					}
					return nil
				}()
				if got != "boom in the API" {
					t.Fatalf("recovered %v, want the API's panic", got)
				}
				// The one slot is free again: a wait of the same Poller
				// still polls.
				api.calls.Store(10)
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				defer cancel()
				if _, err := p.Wait(ctx, task, ids[0]); !errors.Is(err, context.DeadlineExceeded) || api.calls.Load() < 12 {
					t.Errorf("after the panic: %v with %d calls; want polls until the deadline", err, api.calls.Load()-10)
				}
			})
		})
	}
}
