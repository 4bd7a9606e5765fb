package policybench_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

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
// Poller with a Policy.
type benchStrategy struct {
	name   string
	peer   peerDelay     // nil: this package's Poller with policy
	policy poller.Policy // for a Poller
}

// benchStrategies returns the peers, then ours with the default policy, then,
// when trial is not nil, ours with the trial policy.
func benchStrategies(trial *poller.Policy) []benchStrategy {
	var all []benchStrategy
	for _, p := range peers() {
		all = append(all, benchStrategy{name: p.name, peer: p.delay})
	}
	all = append(all, benchStrategy{name: "ours", policy: poller.DefaultPolicy()})
	if trial != nil {
		all = append(all, benchStrategy{name: "trial", policy: *trial})
	}
	return all
}

// benchVia says how the waits reach the fake API.
type benchVia int

const (
	// viaHTTP polls through s.Client(): real HTTP/1.1 over in-memory
	// connections, with at most poller.DefaultConcurrency requests in
	// flight across all waits, as one shared *client.Client would have.
	viaHTTP benchVia = iota
	// viaState reads the fake's state directly (Server.Execution), with
	// no HTTP: the same answers at the same fake times, at a fraction of
	// the real cost, for the fan-out's millions of polls.
	viaState
)

func (v benchVia) String() string {
	if v == viaState {
		return "state"
	}
	return "http"
}

// benchRun is what one run measured.
type benchRun struct {
	requests  int             // requests the fake answered
	lags      []time.Duration // per execution: from its end to its wait's return
	durations []time.Duration // per execution: from its creation to its end
}

// runStrategy runs st's waits for execs on a new in-memory fake and returns
// what it measured. It must be called inside a synctest bubble. With fanOut,
// a Poller waits for all executions with one WaitAll; otherwise every
// execution has a wait of its own (and, for a Poller, a Poller of its own,
// as separate CI jobs would), starting e.attach after its creation.
func runStrategy(t *testing.T, st benchStrategy, execs []benchExec, via benchVia, fanOut bool) benchRun {
	t.Helper()
	s := anchortest.NewInMemoryServer()
	defer s.Close()

	var g poller.API
	var requests func() int
	switch via {
	case viaHTTP:
		g = &limitGetter{g: s.Client(), sem: make(chan struct{}, poller.DefaultConcurrency)}
		requests = func() int { return s.Stats().Requests }
	default:
		sg := &stateGetter{s: s}
		g = sg
		requests = func() int { return int(sg.calls.Load()) }
	}

	// Fake time stands still while this goroutine runs, so every execution
	// is created at t0.
	t0 := time.Now()
	refs := make([]poller.Ref, len(execs))
	for i, e := range execs {
		id := s.AddExecution(benchTaskID, anchortest.Succeed(e.queued, e.running, "done"))
		refs[i] = poller.Ref{TaskID: benchTaskID, ExecutionID: id}
	}

	ctx := t.Context()
	done := make([]time.Time, len(execs))
	if st.peer == nil && fanOut {
		p, err := poller.New(g, poller.WithPolicy(st.policy),
			poller.WithRand(rand.New(rand.NewPCG(benchJitterSeed, 0)).Float64))
		if err != nil {
			t.Fatalf("poller.New: %v", err)
		}
		results, err := p.WaitAll(ctx, refs)
		if err != nil {
			t.Fatalf("WaitAll: %v", err)
		}
		for i, r := range results {
			if r.Status() != client.StatusSuccess {
				t.Fatalf("execution %d: status %q, want success", i, r.Status())
			}
			// Every wait of the WaitAll started at t0 (fake time does
			// not pass while goroutines start) and lasted r.Waited.
			done[i] = t0.Add(execs[i].attach + r.Waited)
		}
	} else {
		var wg sync.WaitGroup
		for i := range execs {
			wg.Go(func() {
				time.Sleep(execs[i].attach)
				rnd := rand.New(rand.NewPCG(benchJitterSeed, uint64(i))).Float64
				exec, err := waitOne(ctx, g, st, refs[i], rnd)
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

	run := benchRun{requests: requests(), lags: make([]time.Duration, len(execs)), durations: make([]time.Duration, len(execs))}
	for i, e := range execs {
		run.durations[i] = e.finish()
		run.lags[i] = done[i].Sub(t0.Add(e.finish()))
		if run.lags[i] < 0 {
			t.Errorf("%s: execution %d seen finished %v before it finished", st.name, i, -run.lags[i])
		}
	}
	return run
}

// waitOne waits for ref with st: a peer's loop, or a Poller of its own whose
// jitter comes from rnd.
func waitOne(ctx context.Context, g poller.API, st benchStrategy, ref poller.Ref, rnd func() float64) (*client.Execution, error) {
	if st.peer != nil {
		exec, _, err := peerWait(ctx, g, ref, st.peer, rnd)
		return exec, err
	}
	p, err := poller.New(g, poller.WithPolicy(st.policy), poller.WithRand(rnd))
	if err != nil {
		return nil, err
	}
	return p.Wait(ctx, ref.TaskID, ref.ExecutionID)
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
// fake's state, as a GET at that moment would show them, with no HTTP. It
// counts its calls. It is safe for concurrent use.
type stateGetter struct {
	s     *anchortest.Server
	calls atomic.Int64
}

func (g *stateGetter) GetExecution(_ context.Context, _, execID string, _ ...client.CallOption) (*client.Execution, error) {
	g.calls.Add(1)
	e, ok := g.s.Execution(execID)
	if !ok {
		return nil, fmt.Errorf("get execution %s: %w", execID, client.ErrNotFound)
	}
	return &e, nil
}

// limitGetter passes at most cap(sem) calls at a time to g. It is safe for
// concurrent use when g is.
type limitGetter struct {
	g   poller.API
	sem chan struct{}
}

func (l *limitGetter) GetExecution(ctx context.Context, taskID, execID string, _ ...client.CallOption) (*client.Execution, error) {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.sem }()
	return l.g.GetExecution(ctx, taskID, execID)
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
