package poller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/anchorwait/anchorwait/client"
)

// ErrMaybeStarted matches the error of a Start whose request reached the
// server, or may have, with no answer saying the task did not start: the
// connection broke or timed out, the server answered 5xx, or the context
// ended while the request was in flight. An execution may then exist that
// nobody waits for; look at the task's executions before starting again.
var ErrMaybeStarted = errors.New("the task may have started")

// startRetries is how many times Start repeats a start that cannot have
// started (the official SDKs' two retries).
const startRetries = 2

// starter is what Start needs of the API; *client.Client has it.
type starter interface {
	RunTask(ctx context.Context, req client.RunTaskRequest, opts ...client.CallOption) (*client.RunTaskResult, error)
}

// starterV2 is what StartV2 needs of the API; *client.Client has it.
type starterV2 interface {
	RunTaskV2(ctx context.Context, req client.RunTaskV2Request, opts ...client.CallOption) (*client.Run, error)
}

// lister is what finding an execution in a task's list needs of the API;
// *client.Client has it.
type lister interface {
	ListExecutions(ctx context.Context, taskID string, opts client.ListOptions, callOpts ...client.CallOption) (*client.ExecutionPage, error)
}

// Started is what Start learned about the execution it started.
type Started struct {
	// Ref is the execution to wait for.
	Ref
	// Run is the API's answer to the start.
	Run *client.RunTaskResult
	// Listed is true when that answer named no execution (the API's own
	// example of an async answer has no executionResultId) and ExecutionID
	// is the newest execution of the task that started after the request,
	// as the task's list shows it: a match by time, which the caller
	// should say it made.
	Listed bool
	// Requests is the number of HTTP requests Start made: the start, its
	// retries, and any list pages.
	Requests int
}

// Start starts task req.TaskID asynchronously (req.Async is set whatever
// it holds) and returns the execution to wait for. Every request it makes
// passes the Poller's budget, like the requests of its waits.
//
// A start is not idempotent, so it is repeated, on the Poller's schedule
// and never before a server's Retry-After, only when the task cannot have
// started: the connection was refused, the server answered 429, or it said
// x-should-retry: true (see client.Unsent); at most twice. Any other
// failure is returned at once; it matches ErrMaybeStarted when the request
// may have started the task anyway.
//
// When the answer names no execution, Start looks for it in the task's
// list (the API needs a moment to show a new execution, so it looks again,
// on the schedule, within the not-found grace). Executions that other
// Starts of the Poller returned are never returned again, so concurrent
// starts of one task do not share a match.
//
// Start is safe for concurrent use. The API must have a RunTask method
// (and ListExecutions for the fallback), as *client.Client does.
func (p *Poller) Start(ctx context.Context, req client.RunTaskRequest) (Started, error) {
	if ctx == nil {
		return Started{}, errors.New("poller: nil Context")
	}
	st, ok := p.api.(starter)
	if !ok {
		return Started{}, errors.New("poller: the API cannot start tasks: it has no RunTask method")
	}
	task, err := client.ParseID("task", req.TaskID)
	if err != nil {
		return Started{}, err
	}
	req.TaskID, req.Async = task, true

	var out Started
	var res *client.RunTaskResult
	timer := newStoppedTimer()
	defer timer.Stop()
	n, sent, resp, err := p.send(ctx, timer, func(opts []client.CallOption) (err error) {
		res, err = st.RunTask(ctx, req, opts...)
		return err
	})
	out.Requests = n
	if err != nil {
		return out, err
	}
	out.Run, out.TaskID = res, task
	if id := res.ExecutionResultID; id != "" {
		out.ExecutionID, _ = client.ParseID("execution", id) // the client checked it is a UUID
		p.claimed.Store(out.ExecutionID, struct{}{})
		return out, nil
	}
	id, n, err := p.findStarted(ctx, task, sent, resp, timer)
	out.Requests += n
	if err != nil {
		return out, fmt.Errorf("%w: the API started the task but named no execution, and %w", ErrMaybeStarted, err)
	}
	out.ExecutionID, out.Listed = id, true
	return out, nil
}

// StartedRun is what StartV2 learned about the v2 run it started.
type StartedRun struct {
	// Ref is the run to wait for: its RunID.
	Ref
	// Run is the API's answer to the start.
	Run *client.Run
	// Requests is the number of HTTP requests StartV2 made: the start and
	// its retries.
	Requests int
}

// StartV2 starts task req.TaskID with POST /v2/tasks/{taskId}/run (req.Sync
// is cleared whatever it holds) and returns the run to wait for, as Start
// does for v1: through the Poller's budget, repeated only when the task
// cannot have started, and an error matching ErrMaybeStarted when the
// request may have started it anyway. The API must have a RunTaskV2
// method, as *client.Client does. It is safe for concurrent use.
func (p *Poller) StartV2(ctx context.Context, req client.RunTaskV2Request) (StartedRun, error) {
	if ctx == nil {
		return StartedRun{}, errors.New("poller: nil Context")
	}
	st, ok := p.api.(starterV2)
	if !ok {
		return StartedRun{}, errors.New("poller: the API cannot start v2 runs: it has no RunTaskV2 method")
	}
	task, err := client.ParseID("task", req.TaskID)
	if err != nil {
		return StartedRun{}, err
	}
	req.TaskID, req.Sync = task, false
	var out StartedRun
	timer := newStoppedTimer()
	defer timer.Stop()
	n, _, _, err := p.send(ctx, timer, func(opts []client.CallOption) (err error) {
		out.Run, err = st.RunTaskV2(ctx, req, opts...)
		return err
	})
	out.Requests = n
	if err != nil {
		return out, err
	}
	out.RunID = out.Run.ID // the client checked it can be polled
	return out, nil
}

// send makes a start: call sends it with the call options given, each
// attempt within the Poller's budget, repeated on the Poller's schedule
// (never before a Retry-After) only when it cannot have started, at most
// startRetries times. It returns the requests made, when the last was sent
// and the answer to it, and the error of the last, which matches
// ErrMaybeStarted when the task may have started anyway.
func (p *Poller) send(ctx context.Context, timer *time.Timer, call func([]client.CallOption) error) (requests int, sent time.Time, resp client.Response, err error) {
	opts := []client.CallOption{client.SingleAttempt(), client.CaptureResponse(&resp)}
	deadline, _ := ctx.Deadline()
	sched := &startBackOff{p: p, start: time.Now(), deadline: deadline}
	attempt := func() error {
		if err := p.budget.acquire(ctx, timer); err != nil {
			return backoff.Permanent(err)
		}
		resp, sent = client.Response{}, time.Now()
		var err error
		func() {
			defer func() { p.budget.release(&resp, err) }()
			err = call(opts)
		}()
		requests += requestsMade(&resp, err)
		switch {
		case err == nil:
			return nil
		case ctx.Err() == nil && client.Unsent(err):
			sched.last = err
			return err
		}
		return backoff.Permanent(err)
	}
	err = backoff.Retry(attempt, backoff.WithContext(backoff.WithMaxRetries(sched, startRetries), ctx))
	if err != nil {
		err = startError(err, requests > 0)
	}
	return requests, sent, resp, err
}

// startError adds to a failed start whether it may have started the task.
func startError(err error, sent bool) error {
	var apiErr *client.APIError
	switch {
	case !sent, client.Unsent(err):
		return err
	case errors.As(err, &apiErr) && apiErr.StatusCode < http.StatusInternalServerError:
		return err // the server refused it: nothing started
	}
	return fmt.Errorf("%w: %w", ErrMaybeStarted, err)
}

// startBackOff is the wait before Start repeats a start, as a
// backoff.BackOff for backoff.Retry: the Poller's schedule after the
// requests made so far, never less than the server's Retry-After, and
// Stop when no attempt fits before the deadline.
type startBackOff struct {
	p               *Poller
	start, deadline time.Time
	last            error
}

// NextBackOff implements backoff.BackOff.
func (b *startBackOff) NextBackOff() time.Duration {
	wait, _ := client.RetryAfterOf(b.last)
	due := b.p.cfg.policy.NextPoll(Moment{
		Now:        time.Now(),
		Started:    b.start,
		Deadline:   b.deadline,
		RetryAfter: wait,
	}, b.p.random())
	if due.None {
		return backoff.Stop
	}
	return due.Wait
}

// Reset implements backoff.BackOff.
func (b *startBackOff) Reset() {}

// findStarted finds, in task's list, the newest execution that started
// after a start sent at sent (by the local clock) and that no other Start
// of the Poller returned; resp is the start's answer, whose Date header
// tells how far the server's clock is from ours. It looks again on the
// schedule until the not-found grace has passed. It returns the requests
// it made.
func (p *Poller) findStarted(ctx context.Context, task string, sent time.Time, resp client.Response, timer *time.Timer) (string, int, error) {
	l, ok := p.api.(lister)
	if !ok {
		return "", 0, errors.New("the API cannot list the task's executions to find it")
	}
	// startTime is by the server's clock; the Date header has whole
	// seconds, so allow one second more.
	after := sent.Add(-time.Second)
	if !resp.Date.IsZero() && !resp.Received.IsZero() {
		after = after.Add(resp.Date.Sub(resp.Received))
	}
	var page client.Response
	opts := []client.CallOption{client.SingleAttempt(), client.CaptureResponse(&page)}
	begin := time.Now()
	requests := 0
	for {
		if err := p.budget.acquire(ctx, timer); err != nil {
			return "", requests, fmt.Errorf("looking for it in the task's list ended: %w", err)
		}
		var res *client.ExecutionPage
		var err error
		func() {
			defer func() { p.budget.release(&page, err) }()
			res, err = l.ListExecutions(ctx, task, client.ListOptions{Limit: 20}, opts...)
		}()
		requests += requestsMade(&page, err)
		if err == nil {
			for _, e := range res.Results { // newest first
				if e.StartTime.Before(after) {
					break
				}
				id, perr := client.ParseID("execution", e.ID)
				if perr != nil {
					continue
				}
				if _, taken := p.claimed.LoadOrStore(id, struct{}{}); !taken {
					return id, requests, nil
				}
			}
		} else if !client.IsTransient(err) {
			return "", requests, fmt.Errorf("listing the task's executions failed: %w", err)
		}
		now := time.Now()
		if now.Sub(begin) >= p.cfg.notFoundGrace {
			return "", requests, fmt.Errorf("none that started after the request appeared in the task's list within %v", p.cfg.notFoundGrace)
		}
		ra, _ := client.RetryAfterOf(err)
		due := p.cfg.policy.NextPoll(Moment{Now: now, Started: begin, RetryAfter: ra}, p.random())
		if err := sleep(ctx, timer, due.Wait); err != nil {
			return "", requests, fmt.Errorf("looking for it in the task's list ended: %w", err)
		}
	}
}
