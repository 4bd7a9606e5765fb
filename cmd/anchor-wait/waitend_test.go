package main

// Tests of how a wait ends when the API misbehaves, and of run's starting
// phase, with in-memory fakes of the API under testing/synctest.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/internal/syncbuf"
	"github.com/anchorwait/anchorwait/poller"
)

// getterFunc is a poller.API made of a function.
type getterFunc func(ctx context.Context, taskID, execID string) (*client.Execution, error)

func (f getterFunc) GetExecution(ctx context.Context, taskID, execID string, _ ...client.CallOption) (*client.Execution, error) {
	return f(ctx, taskID, execID)
}

// fakeAPI is a poller.API that polls with get and starts with start (a
// start fails when it is nil).
type fakeAPI struct {
	get   getterFunc
	start *fakeStarter
}

func (a fakeAPI) GetExecution(ctx context.Context, taskID, execID string, opts ...client.CallOption) (*client.Execution, error) {
	return a.get.GetExecution(ctx, taskID, execID, opts...)
}

func (a fakeAPI) RunTask(ctx context.Context, req client.RunTaskRequest, opts ...client.CallOption) (*client.RunTaskResult, error) {
	if a.start == nil {
		return nil, errors.New("no starter")
	}
	return a.start.RunTask(ctx, req, opts...)
}

// testWaiter returns a waiter on g with --output json, the given timeout
// and fast polls, writing to stdout and stderr.
func testWaiter(g getterFunc, timeout time.Duration, stdout, stderr io.Writer) *waiter {
	return testRunWaiter(g, nil, timeout, poller.DefaultConcurrency, stdout, stderr)
}

// testRunWaiter is testWaiter that starts with s, concurrency requests in
// flight at most.
func testRunWaiter(g getterFunc, s *fakeStarter, timeout time.Duration, concurrency int, stdout, stderr io.Writer) *waiter {
	t := defaultTargets()
	poll, report := *t.poll, *t.report
	poll.timeout, poll.interval, poll.maxInterval, report.output = timeout, 100*time.Millisecond, 500*time.Millisecond, formatJSON
	poll.concurrency = concurrency
	out := newOutput(stdout, stderr)
	prog := newProgress(out, progressLines, true, false)
	p, err := poller.New(fakeAPI{get: g, start: s}, pollerOptions(&poll, prog.update)...)
	if err != nil {
		panic(err)
	}
	return &waiter{poll: poll, report: report, taskID: testTask, poller: p, out: out,
		progress: prog, stdout: out.Stdout(), start: time.Now()}
}

// testPoller returns a Poller that starts with s.
func testPoller(s *fakeStarter) *poller.Poller {
	p, err := poller.New(fakeAPI{start: s})
	if err != nil {
		panic(err)
	}
	return p
}

// waitWithin waits for ids with w, within its --timeout.
func waitWithin(w *waiter, ids []string) ([]result, int) {
	ctx, cancel := timeoutContext(context.Background(), w.poll.timeout)
	defer cancel()
	return w.waitFor(ctx, ids)
}

// decodeResults decodes the --output json document.
func decodeResults(t *testing.T, stdout string) jsonDoc {
	t.Helper()
	var d jsonDoc
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatalf("stdout is not the JSON document: %v\n%s", err, stdout)
	}
	return d
}

func running(execID string) *client.Execution {
	return &client.Execution{ID: execID, Status: client.StatusRunning}
}

// TestWaitEnds covers how the exit code and the result's error follow
// from what the API did before the wait ended.
func TestWaitEnds(t *testing.T) {
	unavailable := &client.APIError{StatusCode: 503, Message: "Service Unavailable"}
	tests := []struct {
		name      string
		get       getterFunc
		timeout   time.Duration
		wantCode  int
		wantError []string // in the result's error
	}{
		{"a poll error wrapping DeadlineExceeded is the API failing, not --timeout",
			func(ctx context.Context, _, id string) (*client.Execution, error) {
				return nil, fmt.Errorf("get execution %s: %w", id, context.DeadlineExceeded)
			}, time.Minute, exitAPIError, []string{"get execution", "context deadline exceeded"}},
		{"every poll fails until --timeout: the API could not answer",
			func(ctx context.Context, _, id string) (*client.Execution, error) {
				return nil, fmt.Errorf("get execution %s: %w", id, unavailable)
			}, 2 * time.Second, exitAPIError, []string{"--timeout 2s ran out before the API gave any status (", " polls; last poll error: get execution ", "503"}},
		{"a poll never answered until --timeout: the API could not answer",
			func(ctx context.Context, _, _ string) (*client.Execution, error) {
				<-ctx.Done()
				return nil, fmt.Errorf("%w: %w", client.ErrTransport, ctx.Err())
			}, 2 * time.Second, exitAPIError, []string{"--timeout 2s ran out before the API gave any status (the first poll had not come back)"}},
		{"a status, then failing polls until --timeout: still running",
			func() getterFunc {
				var mu sync.Mutex
				polls := 0
				return func(ctx context.Context, _, id string) (*client.Execution, error) {
					mu.Lock()
					defer mu.Unlock()
					if polls++; polls == 1 {
						return running(id), nil
					}
					return nil, fmt.Errorf("get execution %s: %w", id, unavailable)
				}
			}(), 2 * time.Second, exitWaitTimeout, []string{"--timeout 2s ran out before the execution finished (last status running; last poll error: get execution", "503"}},
		{"running until --timeout",
			func(ctx context.Context, _, id string) (*client.Execution, error) { return running(id), nil },
			2 * time.Second, exitWaitTimeout, []string{"--timeout 2s ran out before the execution finished (last status running)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var stdout, stderr syncbuf.Buffer
				w := testWaiter(tt.get, tt.timeout, &stdout, &stderr)
				_, code := waitWithin(w, []string{testExec})
				if code != tt.wantCode {
					t.Errorf("exit code %d, want %d\nstderr:\n%s", code, tt.wantCode, stderr.String())
				}
				d := decodeResults(t, stdout.String())
				if len(d.Results) != 1 {
					t.Fatalf("%d results, want 1", len(d.Results))
				}
				msg, _ := d.Results[0]["error"].(string)
				for _, want := range tt.wantError {
					if !strings.Contains(msg, want) {
						t.Errorf("result error %q does not contain %q", msg, want)
					}
				}
			})
		})
	}
}

// fakeStarter is a starter whose starts each take delay, and fail from
// failFrom on (1-based, 0 never), after failDelay if it is set. It records
// how many were in flight at most. It is safe for concurrent use.
type fakeStarter struct {
	delay     time.Duration
	failFrom  int
	failDelay time.Duration

	mu                    sync.Mutex
	calls, inFlight, most int
}

func (s *fakeStarter) RunTask(ctx context.Context, req client.RunTaskRequest, _ ...client.CallOption) (*client.RunTaskResult, error) {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.inFlight++
	s.most = max(s.most, s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	fails := s.failFrom > 0 && n >= s.failFrom
	delay := s.delay
	if fails && s.failDelay > 0 {
		delay = s.failDelay
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
		return nil, fmt.Errorf("run task %s: %w", req.TaskID, ctx.Err())
	}
	if fails {
		return nil, fmt.Errorf("run task %s: %w", req.TaskID, &client.APIError{StatusCode: 500, Message: "boom"})
	}
	return &client.RunTaskResult{ExecutionResultID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n)}, nil
}

func (s *fakeStarter) stats() (calls, most int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, s.most
}

// TestStartRunsInParallel: run --count starts up to --concurrency runs at
// once, and names each as soon as it has started.
func TestStartRunsInParallel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &fakeStarter{delay: time.Second}
		var stderr bytes.Buffer
		start := time.Now()
		st := startRuns(context.Background(), testPoller(s), &startFlags{count: 7}, 3, testTask, &stderr)
		if st.err != nil {
			t.Fatal(st.err)
		}
		ids := st.ids
		if took := time.Since(start); took != 3*time.Second {
			t.Errorf("7 starts of 1s each, 3 at a time, took %v; want 3s", took)
		}
		if calls, most := s.stats(); calls != 7 || most != 3 {
			t.Errorf("%d starts, %d at once; want 7, 3 (--concurrency)", calls, most)
		}
		if len(ids) != 7 || strings.Count(stderr.String(), "started execution ") != 7 {
			t.Errorf("got IDs %q and stderr:\n%s\nwant 7 of each", ids, stderr.String())
		}
		for _, id := range ids {
			if !strings.Contains(stderr.String(), "started execution "+id+" (") {
				t.Errorf("stderr does not name %s:\n%s", id, stderr.String())
			}
		}
	})
}

// TestStartRunsStopsAfterFailure: once a start fails no other begins; those
// in flight finish and their executions are kept. The second start fails
// at 1s, while the first is still in flight until 2s: had the two ended at
// the same instant, which came first (and so whether a third start began
// in the slot the first freed) would be up to the scheduler.
func TestStartRunsStopsAfterFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &fakeStarter{delay: 2 * time.Second, failFrom: 2, failDelay: time.Second}
		start := time.Now()
		st := startRuns(context.Background(), testPoller(s), &startFlags{count: 10}, 2, testTask, io.Discard)
		ids, err := st.ids, st.err
		if took := time.Since(start); took != 2*time.Second {
			t.Errorf("startRuns took %v, want 2s (the start in flight at the failure finishes)", took)
		}
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || !strings.Contains(err.Error(), " of 10: ") {
			t.Errorf("error %v, want the failed start's, naming which of 10", err)
		}
		if calls, _ := s.stats(); calls != 2 || len(ids) != 1 {
			t.Errorf("%d starts and IDs %q; want 2 starts (the two in flight) and the one that started", calls, ids)
		}
	})
}

// TestRunTaskTimeoutCoversStarting: --timeout counts from before the first
// start, not from the end of the last.
func TestRunTaskTimeoutCoversStarting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &fakeStarter{delay: time.Second}
		success := func(ctx context.Context, _, id string) (*client.Execution, error) {
			return &client.Execution{ID: id, Status: client.StatusSuccess}, nil
		}
		var stdout, stderr syncbuf.Buffer
		w := testRunWaiter(success, s, 2500*time.Millisecond, 1, &stdout, &stderr)
		start := time.Now()
		ctx, cancel := timeoutContext(context.Background(), w.poll.timeout)
		defer cancel()
		code := runTask(ctx, w, &startFlags{count: 5})
		if took := time.Since(start); took != 2500*time.Millisecond {
			t.Errorf("run took %v, want --timeout 2.5s", took)
		}
		if code != exitWaitTimeout {
			t.Errorf("exit %d, want 3; stderr:\n%s", code, stderr.String())
		}
		if !strings.Contains(stderr.String(), "cannot start task "+testTask+": --timeout 2.5s ran out while starting it: start 3 of 5:") {
			t.Errorf("stderr does not say --timeout ran out while starting:\n%s", stderr.String())
		}
		d := decodeResults(t, stdout.String())
		if len(d.Results) != 2 || d.ExitCode != exitWaitTimeout {
			t.Errorf("document %+v: want the 2 executions started and exit code 3", d)
		}
	})
}

// TestOutcomeFromRawStatus: the outcome comes from the status the API sent,
// not from its redacted display: a key that happens to be part of
// "success" must not turn a success into a failed wait.
func TestOutcomeFromRawStatus(t *testing.T) {
	var stdout bytes.Buffer
	o := newOutput(&stdout, io.Discard)
	o.addSecret("ucc")
	exec := &client.Execution{ID: "e", Status: client.StatusSuccess}
	r := resultOf(poller.Result{Ref: poller.Ref{TaskID: "t", ExecutionID: "e"}, Execution: exec, Requests: 1}, 0, time.Minute)
	if err := writeText(o, o.Stdout(), []result{r}); err != nil {
		t.Fatal(err)
	}
	if r.outcome != outcomeSuccess || !strings.Contains(stdout.String(), "s"+redacted+"ess") {
		t.Errorf("outcome %v for status success shown as %q, want success, shown redacted", r.outcome, stdout.String())
	}
}

// TestTimeoutCoversStdin: a producer that never closes stdin cannot hang the
// job past --timeout.
func TestTimeoutCoversStdin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		env := map[string]string{client.EnvAPIKey: testKey, client.EnvBaseURL: "http://127.0.0.1:1"}
		var stdout, stderr bytes.Buffer
		start := time.Now()
		code := run(t.Context(), []string{"--timeout", "5s", "--quiet", testTask, "-"}, pr, &stdout, &stderr, envOf(env))
		if code != exitWaitTimeout {
			t.Fatalf("exit %d, want %d; stderr: %s", code, exitWaitTimeout, stderr.String())
		}
		if took := time.Since(start); took != 5*time.Second {
			t.Errorf("returned after %v, want 5s", took)
		}
		if !strings.Contains(stderr.String(), "while reading execution IDs from stdin") {
			t.Errorf("stderr %q, want it to say --timeout ran out while reading stdin", stderr.String())
		}
	})
}

// TestRunInterruptedWhileStartInFlight: an interrupt while a start's
// request is out says that an execution may have started, and counts only
// the executions that did start as still waiting.
func TestRunInterruptedWhileStartInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The first start takes 1s; the second would take 10s.
		s := &fakeStarter{delay: time.Second, failFrom: 2, failDelay: 10 * time.Second}
		running := func(ctx context.Context, _, id string) (*client.Execution, error) { return running(id), nil }
		var stdout, stderr syncbuf.Buffer
		w := testRunWaiter(running, s, 0, poller.DefaultConcurrency, &stdout, &stderr)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			time.Sleep(2 * time.Second)
			cancel()
		}()
		code := runTask(ctx, w, &startFlags{count: 2})
		if code != exitInterrupted {
			t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr.String())
		}
		for _, want := range []string{
			"cannot start task " + testTask + ": interrupted while starting it; a start request was out, so an execution may have started that is not waited for",
			"one execution in 2s: 1 interrupted; exit 130: interrupted with one execution still waiting\n",
		} {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr does not contain %q:\n%s", want, stderr.String())
			}
		}
		d := decodeResults(t, stdout.String())
		if len(d.Results) != 1 || d.ExitCode != exitInterrupted || d.Results[0]["error"] != "interrupted" {
			t.Errorf("document %+v: want the started execution, interrupted, and exit code 130", d)
		}
		if !strings.Contains(stdout.String(), `"error": "cannot start task `) {
			t.Errorf("the document does not say why the task was not started:\n%s", stdout.String())
		}
	})
}

// TestRunInterruptedBeforeAnyStart: an interrupt before any start was sent
// says so, with no execution counted.
func TestRunInterruptedBeforeAnyStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stdout, stderr syncbuf.Buffer
		w := testRunWaiter(nil, &fakeStarter{}, 0, poller.DefaultConcurrency, &stdout, &stderr)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if code := runTask(ctx, w, &startFlags{count: 3}); code != exitInterrupted {
			t.Fatalf("exit %d, want 130", code)
		}
		want := "anchor-wait: cannot start task " + testTask + ": interrupted before every start was sent\n" +
			"no execution to wait for; exit 130: interrupted before the task was started\n"
		if stderr.String() != want {
			t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), want)
		}
	})
}
