package poller_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/poller"
)

// TestWaitKinds checks the waits for an execution by its ID alone and for a
// v2 run: the same outcomes as a task's execution, through the endpoint of
// their kind, and their refs among others in one WaitAll.
func TestWaitKinds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer()
		defer s.Close()
		p := newPoller(t, s.Client(), poller.WithRand(noJitter))

		exec := s.AddExecution(testTask, anchortest.Succeed(0, 5*time.Second, "fine"))
		e, err := p.WaitExecution(t.Context(), exec)
		if err != nil || e.Status != client.StatusSuccess || e.TaskID != testTask || *e.Output != "fine" {
			t.Fatalf("WaitExecution = %+v, %v; want success with its task named", e, err)
		}
		for _, r := range s.RequestsFor(exec) {
			if r.Op != anchortest.OpGetExecutionByID {
				t.Errorf("request %s for an execution by ID, want only %s", r.Op, anchortest.OpGetExecutionByID)
			}
		}

		ok := s.AddRun(testTask, anchortest.Succeed(0, 5*time.Second, `{"rows":3}`))
		run, err := p.WaitRun(t.Context(), ok)
		if err != nil || run.Status != client.StatusSuccess || string(run.Result) != `{"rows":3}` {
			t.Fatalf("WaitRun = %+v, %v; want success with its result", run, err)
		}
		bad := s.AddRun(testTask, anchortest.Fail(0, time.Second, "captcha"))
		run, err = p.WaitRun(t.Context(), bad)
		var ue *poller.UnsuccessfulError
		if !errors.As(err, &ue) || ue.Status != client.StatusFailure || ue.ErrorMessage != "captcha" || run == nil {
			t.Fatalf("WaitRun = %+v, %v; want a failure with its error", run, err)
		}

		refs := []poller.Ref{
			{TaskID: testTask, ExecutionID: s.AddExecution(testTask, anchortest.Succeed(0, time.Second, ""))},
			{ExecutionID: s.AddExecution(testTask, anchortest.Succeed(0, time.Second, ""))},
			{RunID: s.AddRun(testTask, anchortest.Succeed(0, time.Second, ""))},
		}
		res, err := p.WaitAll(t.Context(), refs)
		if err != nil {
			t.Fatalf("WaitAll: %v", err)
		}
		if res[2].Run == nil || res[2].Execution == nil || res[0].Run != nil {
			t.Errorf("results %+v: want the run's Run and Execution set, no Run for the execution", res)
		}
	})
}

// TestRefChecks checks that refs of any kind are checked before any
// request, and that a kind the API cannot fetch is refused.
func TestRefChecks(t *testing.T) {
	f := newFake(0) // GetExecution only
	p := newPoller(t, f)
	for _, tt := range []struct {
		ref  poller.Ref
		want error
		text string
	}{
		{poller.Ref{RunID: "run/1"}, client.ErrInvalidID, "run ID"},
		{poller.Ref{RunID: "run_1", TaskID: testTask}, client.ErrInvalidID, "names a run alone"},
		{poller.Ref{ExecutionID: "nope"}, client.ErrInvalidID, "execution ID"},
		{poller.Ref{RunID: "run_1"}, nil, "cannot fetch v2 runs"},
		{poller.Ref{ExecutionID: uid("e1")}, nil, "by its ID alone"},
	} {
		_, err := p.WaitAll(t.Context(), []poller.Ref{tt.ref})
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("WaitAll(%+v) error %v, want one saying %q", tt.ref, err, tt.text)
		}
	}
	if n := f.totalCalls(); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

// TestStartV2 checks that StartV2 starts a v2 run through the budget and
// returns it to wait for.
func TestStartV2(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer(anchortest.WithFaults(anchortest.Fault{Op: anchortest.OpRunTaskV2, ToRequest: 1, Status: 429}))
		defer s.Close()
		p := newPoller(t, s.Client(), poller.WithRand(noJitter))
		st, err := p.StartV2(t.Context(), client.RunTaskV2Request{TaskID: testTask, Inputs: map[string]string{"url": "https://example.com"}})
		if err != nil || st.RunID == "" || st.Requests != 2 {
			t.Fatalf("StartV2 = %+v, %v; want a run after a 429 and a retry", st, err)
		}
		if _, err := p.WaitRun(t.Context(), st.RunID); err != nil {
			t.Errorf("WaitRun of the run started: %v", err)
		}
	})
}

// TestHints checks that with WithHints a wait polls at once, then seldom,
// and at once again when a hint names it; that a hint naming none of the
// waits makes them all due soon, but not more often than every 30 s; and
// that the outcome is the poll's, not the hint's.
func TestHints(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer()
		defer s.Close()
		p := newPoller(t, s.Client(), poller.WithRand(noJitter), poller.WithHints(5*time.Minute), poller.WithHistory(false), poller.WithListSweeps(false))
		a := s.AddExecution(testTask, anchortest.Succeed(0, 40*time.Second, "a"))
		b := s.AddExecution(testTask, anchortest.Succeed(0, 2*time.Hour, "b"))
		start := time.Now()
		go func() {
			time.Sleep(41 * time.Second)
			p.Hint(a) // a's webhook, a second after its end
			time.Sleep(9 * time.Second)
			p.Hint("evt_of_something_else") // 50 s: both due soon
			time.Sleep(5 * time.Second)
			p.Hint("evt_again") // 55 s: within 30 s of the last, ignored
		}()
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
		defer cancel()
		res, _ := p.WaitAll(ctx, []poller.Ref{{TaskID: testTask, ExecutionID: a}, {TaskID: testTask, ExecutionID: b}})
		if res[0].Err != nil || res[0].Waited != 41*time.Second {
			t.Errorf("a: %v after %v, want success seen at 41s, at the hint", res[0].Err, res[0].Waited)
		}
		if !errors.Is(res[1].Err, context.DeadlineExceeded) {
			t.Errorf("b: %v, want still running at the deadline", res[1].Err)
		}
		var bTimes []time.Duration
		for _, r := range s.RequestsFor(b) {
			bTimes = append(bTimes, r.Time.Sub(start))
		}
		// b: at once, at the hint that named nothing (50 s plus its share
		// of the spread), and the last poll before the deadline.
		if len(bTimes) != 3 || bTimes[0] != 0 || bTimes[1] < 50*time.Second || bTimes[1] > 55*time.Second || bTimes[2] != 3*time.Minute-time.Second {
			t.Errorf("b polled at %v, want 0, 50-55s and 2m59s", bTimes)
		}
	})
}

// TestStall checks that WithStall ends a wait whose status has not changed
// for that long, on time, with the status and how long it kept it.
func TestStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		f.add("e1", step{status: client.StatusQueued}, step{at: 20 * time.Second, status: client.StatusRunning})
		p := newPoller(t, f, poller.WithRand(noJitter), poller.WithStall(time.Minute))
		start := time.Now()
		_, err := p.Wait(t.Context(), testTask, uid("e1"))
		var se *poller.StalledError
		if !errors.As(err, &se) || !errors.Is(err, poller.ErrStalled) || se.Status != client.StatusRunning {
			t.Fatalf("Wait error %v, want running stalled", err)
		}
		// Running first seen at 23.1s: stalled a minute later.
		if got := time.Since(start); got != age(5)+time.Minute || se.For != time.Minute {
			t.Errorf("ended after %v, stalled for %v; want %v and 1m", got, se.For, age(5)+time.Minute)
		}
	})
}
