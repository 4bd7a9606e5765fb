package poller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/internal/words"
)

// entry is the state of the wait for one execution: a small record in its
// WaitAll's queue, not a goroutine.
type entry struct {
	ref Ref
	idx int // index of ref's first copy in the refs given

	// Scheduling state, guarded by the waiting's mutex.
	due  int64  // Unix nanoseconds
	seq  uint64 // push order
	pos  int    // index in the queue's heap, -1 when not queued
	held bool   // a job has it: only that job's worker touches the rest
	// parkedOn is the page of its task's list it waits for (0 for the
	// pages looking for entries not placed yet), held meanwhile; -1 when
	// not parked.
	parkedOn int
	// listPos is where the execution stood in its task's list (0 is the
	// newest) when the list's total was listTotal; -1 when not known.
	listPos, listTotal int

	exec     *client.Execution // last execution seen; nil before any
	run      *client.Run       // for a run, the run as last seen
	requests int               // HTTP requests made on its account
	seen     time.Time         // when exec was seen
	changed  time.Time         // when its status was first seen as it is
	hinted   bool              // a hint came while a job held it: due at once after
	// began is when the execution began by the local clock (its
	// startTime corrected for the server's clock), zero when unknown or
	// absurd; running is when it was first seen running, zero before.
	began, running time.Time

	lastErr   error     // error of the last request, nil if it brought a status
	failSince time.Time // start of the current run of transient errors
	failures  int       // transient errors in a row

	finished bool  // guarded by the waiting's mutex
	err      error // the outcome, once finished
	stopped  bool  // the context ended the wait
}

// status returns the last status seen, "" before any.
func (e *entry) status() client.Status {
	if e.exec == nil {
		return ""
	}
	return e.exec.Status
}

// reply is what one request brought back for an entry.
type reply struct {
	exec     *client.Execution
	run      *client.Run // for a run
	err      error
	resp     *client.Response // the answer it came in
	requests int              // HTTP requests to count on the entry's account
}

// requestsMade counts the HTTP requests of one call: as the client reports
// them, or one when the API does not say (a fake of it), or none for an ID
// refused before sending.
func requestsMade(resp *client.Response, err error) int {
	switch {
	case resp.Attempts > 0:
		return resp.Attempts
	case errors.Is(err, client.ErrInvalidID), errors.Is(err, client.ErrInvalidRequest):
		return 0
	}
	return 1
}

// observe applies what a request brought to e at time now, and returns the
// outcome when it ends the wait (done true), or else how long the server
// asked to wait before the next request.
func (w *waiting) observe(e *entry, r *reply, now time.Time) (done bool, retryAfter time.Duration, outcome error) {
	e.requests += r.requests
	if r.err == nil && r.exec == nil {
		r.err = fmt.Errorf("%w: no execution and no error returned", client.ErrBadResponse)
	}
	if r.err != nil {
		if fatal := w.classify(e, r.err, now); fatal != nil {
			return true, 0, fatal
		}
		e.lastErr = r.err
		retryAfter, _ = client.RetryAfterOf(r.err)
		// A server wait longer than the failures tolerated would only
		// postpone the end of the wait: poll again when that bound is up.
		return false, min(retryAfter, w.p.cfg.transientLimit), nil
	}
	w.see(e, r.exec, r.resp, now)
	if r.run != nil {
		e.run = r.run
	}
	switch st := r.exec.Status; {
	case st == client.StatusSuccess:
		return true, 0, nil
	case st.Terminal():
		return true, 0, newUnsuccessful(r.exec, w.p.redact)
	}
	return false, 0, nil
}

// maxStartAge bounds how old a startTime may say an execution is before it
// is taken as absurd (and the wait's own clock used instead).
const maxStartAge = 30 * 24 * time.Hour

// see records exec, seen at now in an answer described by resp: its
// status, when it began (its startTime on our clock) and when it started
// running.
func (w *waiting) see(e *entry, exec *client.Execution, resp *client.Response, now time.Time) {
	prevSeen, prevStatus := e.seen, e.status()
	e.exec, e.seen, e.lastErr, e.failures = exec, now, nil, 0
	if exec.Status != prevStatus || e.changed.IsZero() {
		e.changed = now
	}
	if w.p.cfg.ageSchedule {
		e.began = beganAt(exec.StartTime, resp, now)
	}
	if exec.Status == client.StatusRunning && e.running.IsZero() {
		switch {
		case prevStatus == "" && !e.began.IsZero():
			e.running = e.began // running already at the first look
		case prevStatus == "":
			e.running = now
		default: // it started between the last look and this one
			e.running = prevSeen.Add(now.Sub(prevSeen) / 2)
		}
	}
}

// beganAt returns when an execution that started at start by the server's
// clock began by ours, using the answer's Date header for the difference
// between the clocks; the zero Time when start is zero or absurd (in the
// future, or older than maxStartAge).
func beganAt(start time.Time, resp *client.Response, now time.Time) time.Time {
	if start.IsZero() {
		return time.Time{}
	}
	began := start
	if resp != nil && !resp.Date.IsZero() && !resp.Received.IsZero() {
		// Date has whole seconds: the server's clock read Date to Date+1s
		// when the answer left, so a difference within that second says
		// nothing, and the clocks are taken to agree.
		if skew := resp.Date.Sub(resp.Received); skew > time.Second || skew < -time.Second {
			began = start.Add(-skew)
		}
	}
	switch {
	case began.After(now.Add(time.Minute)), now.Sub(began) > maxStartAge:
		return time.Time{}
	case began.After(now):
		return now // a clock a little off
	}
	return began
}

// classify returns the error that ends the wait for a failed request, or
// nil when the wait goes on. It adds what the wait alone knows: how long it
// has gone on, how many errors came in a row.
func (w *waiting) classify(e *entry, err error, now time.Time) error {
	switch {
	case errors.Is(err, client.ErrNotFound):
		if elapsed := now.Sub(w.start); elapsed >= w.p.cfg.notFoundGrace {
			return fmt.Errorf("still not found %v after the wait started: %w", elapsed.Round(time.Millisecond), err)
		}
		return nil
	case client.IsTransient(err):
		// A 429 while other requests are answered is the key's pace,
		// which the budget keeps, not this execution failing: under a
		// limit, two 429s in a row for one of many waits can be far
		// apart, and would otherwise look like a long outage.
		limitedOnly := errors.Is(err, client.ErrRateLimited) && w.p.budget.answeredSince(e.failSince)
		if e.failures == 0 || limitedOnly {
			e.failSince, e.failures = now, 0
		}
		e.failures++
		if d := now.Sub(e.failSince); d >= w.p.cfg.transientLimit {
			return fmt.Errorf("requests failing for %v (%s in a row): %w", d.Round(time.Millisecond), words.Plural(e.failures, "error"), err)
		}
		return nil
	}
	return err
}

// contextError is the error of a wait that ctx ended: it matches ctx.Err()
// and the context's cause, and says what was last seen.
func contextError(ctx context.Context, e *entry) error {
	var seen string
	switch {
	case e.requests == 0:
		seen = "no request made"
	case e.status() == "":
		seen = "no status seen after " + words.Plural(e.requests, "request")
	default:
		seen = fmt.Sprintf("last status %s after %s", e.status(), words.Plural(e.requests, "request"))
	}
	if e.lastErr != nil {
		seen += "; last request failed: " + e.lastErr.Error()
	}
	err, cause := ctx.Err(), context.Cause(ctx)
	if cause != nil && cause != err {
		return &contextEndError{fmt.Errorf("%w: %w (%s)", err, cause, seen)}
	}
	return &contextEndError{fmt.Errorf("%w (%s)", err, seen)}
}

// contextEndError marks the error of a wait that its context ended.
type contextEndError struct{ err error }

func (e *contextEndError) Error() string { return e.err.Error() }
func (e *contextEndError) Unwrap() error { return e.err }
