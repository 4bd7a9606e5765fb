package poller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// entry is the state of the wait for one execution: a small record in its
// WaitAll's queue, not a goroutine.
type entry struct {
	ref Ref
	idx int // index of ref's first copy in the refs given

	// queue bookkeeping
	due int64 // Unix nanoseconds
	seq uint64
	pos int // index in the heap, -1 when not queued

	exec     *client.Execution // last execution seen; nil before any
	requests int               // HTTP requests made for it

	lastErr   error     // error of the last request, nil if it brought a status
	failSince time.Time // start of the current run of transient errors
	failures  int       // transient errors in a row

	finished bool
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

// reply is what one request for an entry brought back.
type reply struct {
	exec     *client.Execution
	err      error
	resp     client.Response
	requests int // HTTP requests it took (0 when none could be sent)
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
	e.exec, e.lastErr, e.failures = r.exec, nil, 0
	switch st := r.exec.Status; {
	case st == client.StatusSuccess:
		return true, 0, nil
	case st.Terminal():
		return true, 0, newUnsuccessful(r.exec, w.p.redact)
	}
	return false, 0, nil
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
		if e.failures == 0 {
			e.failSince = now
		}
		e.failures++
		if d := now.Sub(e.failSince); d >= w.p.cfg.transientLimit {
			return fmt.Errorf("requests failing for %v (%s in a row): %w", d.Round(time.Millisecond), plural(e.failures, "error"), err)
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
		seen = "no status seen after " + plural(e.requests, "request")
	default:
		seen = fmt.Sprintf("last status %s after %s", e.status(), plural(e.requests, "request"))
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

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
