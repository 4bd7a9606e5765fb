package policybench_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/poller"
)

// The policy benchmark's harness: it runs one strategy over one workload
// against the in-memory fake API, inside a testing/synctest bubble, so
// hours of waiting take a moment of real time and come out the same on
// every run.

// benchTaskID is the task every benchmark execution belongs to.
const benchTaskID = "5b1f3f8e-2c4d-4e6a-9b7c-0d1e2f3a4b5c"

// Seeds of the workloads and of the strategies' jitter.
const (
	benchWorkloadSeed = 2026
	benchJitterSeed   = 5
)

// benchStrategy is a wait strategy under benchmark: a peer's loop, or a
// Poller with a Policy and options.
type benchStrategy struct {
	name   string
	peer   peerDelay     // nil: this package's Poller with policy and opts
	policy poller.Policy // for a Poller
	opts   []poller.Option
}

// benchStrategies returns the peers, the old default, then ours with its
// defaults and with each informed part alone, then, when trial is not nil,
// ours with the trial policy.
func benchStrategies(trial *poller.Policy) []benchStrategy {
	var all []benchStrategy
	for _, p := range peers() {
		all = append(all, benchStrategy{name: p.name, peer: p.delay})
	}
	def := poller.DefaultPolicy()
	all = append(all,
		benchStrategy{name: "ours", policy: def},
		benchStrategy{name: "ours-age", policy: def, opts: []poller.Option{poller.WithHistory(false), poller.WithListSweeps(false)}},
		benchStrategy{name: "ours-history", policy: def, opts: []poller.Option{poller.WithListSweeps(false)}},
		benchStrategy{name: "ours-sweeps", policy: def, opts: []poller.Option{poller.WithHistory(false)}},
	)
	if trial != nil {
		all = append(all, benchStrategy{name: "trial", policy: *trial})
	}
	return all
}

// benchRun is what one run measured.
type benchRun struct {
	requests  int             // requests the fake answered
	limited   int             // of them, answered 429 (with a serverRate)
	lags      []time.Duration // per execution: from its end to its wait's return
	durations []time.Duration // per execution: from its creation to its end
}

// benchVia says how a Poller reaches the fake.
type benchVia int

const (
	// viaState reads the fake's state (stateGetter): the same answers at
	// the same fake times as HTTP, at a fraction of the real cost.
	viaState benchVia = iota
	// viaHTTP goes through s.Client(): real HTTP/1.1 over in-memory
	// connections, the Date header included.
	viaHTTP
)

// runStrategy runs st's waits for wl's executions execs on a new in-memory
// fake and returns what it measured; past is the task's history, if any. It
// must be called inside a synctest bubble. Peers read the fake's state
// (stateGetter: the same answers as over HTTP, at a fraction of the cost);
// a Poller reaches it as via says. With wl.fanOut, a Poller waits for all executions with one
// WaitAll; otherwise every execution has a wait, and for a Poller a Poller
// of its own, as separate CI jobs would, starting e.attach after its
// creation.
func runStrategy(t *testing.T, st benchStrategy, wl benchWorkload, execs []benchExec, past []time.Duration, via benchVia) benchRun {
	t.Helper()
	sopts := []anchortest.Option{anchortest.WithFaults(wl.faults...)}
	if wl.serverRate > 0 {
		sopts = append(sopts, anchortest.WithRateLimit(wl.serverRate, int(wl.serverRate), false))
		via = viaHTTP
	}
	s := anchortest.NewInMemoryServer(sopts...)
	defer s.Close()
	ctx := t.Context()
	var limiter *rate.Limiter
	if wl.rate > 0 && st.peer != nil {
		limiter = rate.NewLimiter(rate.Limit(wl.rate), 1)
	}
	sg := &stateGetter{s: s, limiter: limiter}
	// taskOf is the task of execution i: benchTaskID, or with
	// wl.historyPerWait one of its own, with past of its own.
	taskOf := func(int) string { return benchTaskID }
	if wl.historyPerWait {
		taskOf = func(i int) string {
			return uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "bench-task-%d", i)).String()
		}
	}
	if len(past) > 0 {
		tasks := 1
		if wl.historyPerWait {
			tasks = len(execs)
		}
		for i := range tasks {
			for _, d := range past {
				sg.addTo(taskOf(i), anchortest.Succeed(0, d, "done"))
			}
		}
		time.Sleep(slices.Max(past) + time.Second) // all ended
	}
	var c poller.API = sg
	if via == viaHTTP {
		c = s.Client()
	}
	newPoller := func(rnd func() float64) *poller.Poller {
		opts := append([]poller.Option{poller.WithPolicy(st.policy), poller.WithRand(rnd), poller.WithRate(wl.rate)}, st.opts...)
		if wl.hints > 0 {
			opts = append(opts, poller.WithHints(wl.hints))
		}
		p, err := poller.New(c, opts...)
		if err != nil {
			t.Fatalf("poller.New: %v", err)
		}
		return p
	}
	stopInserts := make(chan struct{})
	var inserting sync.WaitGroup
	if wl.inserts > 0 {
		inserting.Go(func() {
			tick := time.NewTicker(wl.inserts)
			defer tick.Stop()
			for {
				select {
				case <-tick.C:
					sg.add(anchortest.Always(client.StatusRunning))
				case <-stopInserts:
					return
				}
			}
		})
	}

	t0 := time.Now() // fake time stands still while this goroutine runs
	done := make([]time.Time, len(execs))
	if st.peer == nil && wl.fanOut {
		refs := make([]poller.Ref, len(execs))
		for i, e := range execs {
			refs[i] = poller.Ref{TaskID: benchTaskID, ExecutionID: sg.add(anchortest.Succeed(e.queued, e.running, "done"))}
		}
		p := newPoller(rand.New(rand.NewPCG(benchJitterSeed, 0)).Float64)
		results, err := p.WaitAll(ctx, refs)
		if err != nil {
			t.Fatalf("WaitAll: %v", err)
		}
		for i, r := range results {
			if r.Status() != client.StatusSuccess {
				t.Fatalf("execution %d: status %q, want success", i, r.Status())
			}
			// Every wait of the WaitAll started at t0 and lasted r.Waited.
			done[i] = t0.Add(execs[i].attach + r.Waited)
		}
	} else {
		var wg sync.WaitGroup
		for i, e := range execs {
			wg.Go(func() {
				time.Sleep(e.create)
				task := taskOf(i)
				ref := poller.Ref{TaskID: task, ExecutionID: sg.addTo(task, anchortest.Succeed(e.queued, e.running, "done"))}
				time.Sleep(e.attach)
				rnd := rand.New(rand.NewPCG(benchJitterSeed, uint64(i))).Float64
				var exec *client.Execution
				var err error
				if st.peer != nil {
					exec, _, err = peerWait(ctx, sg, ref, st.peer, rnd)
				} else {
					p := newPoller(rnd)
					if wl.hints > 0 && e.event >= 0 {
						// The event comes e.event after the end, to the
						// wait's Poller, as to its job's receiver.
						hint := time.AfterFunc(e.finish()-e.attach+e.event, func() { p.Hint(ref.ExecutionID) })
						defer hint.Stop()
					}
					exec, err = p.Wait(ctx, ref.TaskID, ref.ExecutionID)
				}
				done[i] = time.Now()
				switch {
				case err != nil:
					t.Errorf("%s: execution %d: %v", st.name, i, err)
				case exec.Status != client.StatusSuccess:
					t.Errorf("%s: execution %d: status %q, want success", st.name, i, exec.Status)
				}
			})
		}
		wg.Wait()
	}
	close(stopInserts)
	inserting.Wait()

	run := benchRun{requests: int(sg.calls.Load()) + s.Stats().Requests, lags: make([]time.Duration, len(execs)), durations: make([]time.Duration, len(execs))}
	if wl.serverRate > 0 {
		for _, r := range s.Requests() {
			if r.Status == http.StatusTooManyRequests {
				run.limited++
			}
		}
	}
	for i, e := range execs {
		run.durations[i] = e.finish()
		run.lags[i] = done[i].Sub(t0.Add(e.create + e.finish()))
		if run.lags[i] < 0 {
			t.Errorf("%s: execution %d seen finished %v before it finished", st.name, i, -run.lags[i])
		}
	}
	return run
}

// peerWait is the loop every peer runs: poll at once, and after poll n,
// while the status is not terminal, sleep delay(n, elapsed, rnd()). It
// returns the execution last seen and the number of polls made.
func peerWait(ctx context.Context, g poller.API, ref poller.Ref, delay peerDelay, rnd func() float64) (*client.Execution, int, error) {
	start := time.Now()
	for n := 1; ; n++ {
		exec, err := g.GetExecution(ctx, ref.TaskID, ref.ExecutionID)
		if err != nil {
			return nil, n, fmt.Errorf("poll %d of execution %s: %w", n, ref.ExecutionID, err)
		}
		if exec.Status.Terminal() {
			return exec, n, nil
		}
		d := delay(n, time.Since(start), rnd())
		if d < 0 {
			return exec, n, fmt.Errorf("execution %s: the strategy gave up after %d polls, status %s", ref.ExecutionID, n, exec.Status)
		}
		timer := time.NewTimer(d)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return exec, n, ctx.Err()
		}
	}
}

// stateGetter is a poller.API that reads executions straight from the
// fake's state, as a GET or a list page at that moment would show them,
// with no HTTP, within limiter's rate when it has one. Executions must be
// added through it, so it knows the task's list. It counts its calls. It is
// safe for concurrent use.
type stateGetter struct {
	s       *anchortest.Server
	limiter *rate.Limiter
	calls   atomic.Int64

	mu  sync.Mutex
	ids map[string][]string // by task, its executions, oldest first
}

// add adds an execution of benchTaskID following sc and returns its ID.
func (g *stateGetter) add(sc anchortest.Script) string { return g.addTo(benchTaskID, sc) }

// addTo adds an execution of task following sc and returns its ID.
func (g *stateGetter) addTo(task string, sc anchortest.Script) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	id := g.s.AddExecution(task, sc)
	if g.ids == nil {
		g.ids = make(map[string][]string)
	}
	g.ids[task] = append(g.ids[task], id)
	return id
}

// call counts a call, once the rate limit allows it.
func (g *stateGetter) call(ctx context.Context) error {
	if g.limiter != nil {
		if err := g.limiter.Wait(ctx); err != nil {
			return err
		}
	}
	g.calls.Add(1)
	return nil
}

func (g *stateGetter) GetExecution(ctx context.Context, _, execID string, _ ...client.CallOption) (*client.Execution, error) {
	if err := g.call(ctx); err != nil {
		return nil, err
	}
	e, ok := g.s.Execution(execID)
	if !ok {
		return nil, fmt.Errorf("get execution %s: %w", execID, client.ErrNotFound)
	}
	return &e, nil
}

// ListExecutions answers a page of task's list, newest first, as the
// fake's endpoint does (the benchmark's scripts are never hidden, and it
// asks for no filter).
func (g *stateGetter) ListExecutions(ctx context.Context, task string, opts client.ListOptions, _ ...client.CallOption) (*client.ExecutionPage, error) {
	if err := g.call(ctx); err != nil {
		return nil, err
	}
	page, limit := max(opts.Page, 1), opts.Limit
	if limit <= 0 {
		limit = 10
	}
	g.mu.Lock()
	all := g.ids[task]
	ids := all[:len(all):len(all)]
	g.mu.Unlock()
	total := len(ids)
	out := &client.ExecutionPage{Pagination: client.Pagination{Page: page, Limit: limit, Total: total, TotalPages: (total + limit - 1) / limit}}
	for k := (page - 1) * limit; k < min(page*limit, total); k++ {
		e, _ := g.s.Execution(ids[total-1-k])
		out.Results = append(out.Results, e)
	}
	return out, nil
}

// benchBubble runs f in a synctest bubble from a benchmark, through a test
// of its own, as synctest.Test needs a *testing.T. It fails b when f fails.
func benchBubble(b *testing.B, f func(t *testing.T)) {
	b.Helper()
	ok := testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: b.Name(), F: func(t *testing.T) { synctest.Test(t, f) }}})
	if !ok {
		b.Fatal("the run in the synctest bubble failed")
	}
}
