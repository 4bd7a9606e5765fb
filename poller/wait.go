package poller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/anchorwait/anchorwait/client"
)

// waiter is the state of one wait. It is small and lives on the waiting
// goroutine's stack.
type waiter struct {
	p        *Poller
	ref      Ref
	start    time.Time
	deadline time.Time // zero: ctx has none
	bo       backoff.ExponentialBackOff

	exec   *client.Execution // last execution seen
	status client.Status     // its status, "" before any
	polls  int               // requests sent

	lastErr   error     // error of the last poll, nil if it succeeded
	failSince time.Time // start of the current run of transient errors
	failures  int       // transient errors in a row

	ctxEnded bool // the wait ended because its context did

	// pool, when not nil, makes the wait's requests (WaitAll); reply
	// receives their results.
	pool  *pool
	reply chan callResult
}

// run polls until an outcome; see Poller.Wait.
func (w *waiter) run(ctx context.Context) (*client.Execution, error) {
	w.start = time.Now()
	w.deadline, _ = ctx.Deadline()
	w.bo = w.p.cfg.policy.backoff()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()

	for {
		if ctx.Err() != nil {
			return w.end(ctx, w.contextError(ctx))
		}
		exec, sent, err := w.get(ctx, timer)
		if sent {
			w.polls++
		}
		if err == nil && exec == nil {
			err = fmt.Errorf("%w: no execution and no error returned", client.ErrBadResponse)
		}
		now := time.Now()
		kind := UpdatePoll
		var retryAfter time.Duration
		prev := w.status
		if err == nil {
			w.exec, w.status = exec, exec.Status
			w.lastErr, w.failures = nil, 0
			if w.status != prev {
				kind = UpdateStatusChange
			}
			if !w.status.Known() && kind == UpdateStatusChange {
				w.warnUnknown(ctx)
			}
			if w.status.Terminal() {
				w.report(ctx, Update{Kind: kind, Time: now, Previous: prev})
				if w.status == client.StatusSuccess {
					return w.end(ctx, nil)
				}
				return w.end(ctx, newUnsuccessful(w.ref, exec, w.p.redact))
			}
			if ctx.Err() != nil {
				w.report(ctx, Update{Kind: kind, Time: now, Previous: prev, NextDelay: -1})
				return w.end(ctx, w.contextError(ctx))
			}
		} else {
			if ctx.Err() != nil {
				return w.end(ctx, w.contextError(ctx))
			}
			if fatal := w.classify(err, now); fatal != nil {
				return w.end(ctx, fatal)
			}
			kind = UpdateRetry
			w.lastErr = err
			retryAfter, _ = client.RetryAfterOf(err)
			// A server wait longer than the failures we tolerate would only
			// postpone the end of the wait: poll again when that bound is up.
			retryAfter = min(retryAfter, w.p.cfg.transientLimit)
			// get has paused every wait of the Poller already (pauseFor).
		}

		interval := w.bo.NextBackOff()
		if interval == backoff.Stop { // cannot happen with MaxElapsedTime 0; never poll in a tight loop
			interval = w.p.cfg.policy.IntervalCap()
		}
		delay := w.p.cfg.policy.ApplyJitter(interval, w.p.random())
		wait, ok := NextPoll(now, delay, retryAfter, w.start, w.deadline)
		u := Update{Kind: kind, Time: now, Previous: prev, Err: err, NextDelay: wait, FinalPoll: ok && wait < max(delay, retryAfter)}
		if !ok {
			u.NextDelay = -1
		}
		w.report(ctx, u)
		if !ok {
			// No poll fits before the deadline: wait for it.
			<-ctx.Done()
			return w.end(ctx, w.contextError(ctx))
		}
		if sleep(ctx, timer, wait) != nil {
			return w.end(ctx, w.contextError(ctx))
		}
	}
}

// classify returns the error that ends the wait for a failed poll, or nil
// when the wait goes on.
func (w *waiter) classify(err error, now time.Time) error {
	id := w.ref.ExecutionID
	switch {
	case errors.Is(err, client.ErrNotFound):
		if elapsed := now.Sub(w.start); elapsed >= w.p.cfg.notFoundGrace {
			return fmt.Errorf("wait for execution %s: still not found %v after the wait started: %w", id, elapsed, err)
		}
		return nil
	case client.IsTransient(err):
		if w.failures == 0 {
			w.failSince = now
		}
		w.failures++
		if d := now.Sub(w.failSince); d >= w.p.cfg.transientLimit {
			return fmt.Errorf("wait for execution %s: polls failing for %v (%s in a row): %w", id, d, plural(w.failures, "error"), err)
		}
		return nil
	}
	return fmt.Errorf("wait for execution %s: %w", id, err)
}

// contextError is the error of a wait whose context ended: it matches
// ctx.Err() and the context's cause, and names the last status seen.
func (w *waiter) contextError(ctx context.Context) error {
	w.ctxEnded = true
	var seen string
	switch {
	case w.polls == 0:
		seen = "no poll made"
	case w.status == "":
		seen = "no status seen after " + plural(w.polls, "poll")
	default:
		seen = fmt.Sprintf("last status %s after %s", w.status, plural(w.polls, "poll"))
	}
	if w.lastErr != nil {
		seen += "; last poll failed: " + w.lastErr.Error()
	}
	err, cause := ctx.Err(), context.Cause(ctx)
	if cause != nil && cause != err {
		return &contextEndError{fmt.Errorf("wait for execution %s: %w: %w (%s)", w.ref.ExecutionID, err, cause, seen)}
	}
	return &contextEndError{fmt.Errorf("wait for execution %s: %w (%s)", w.ref.ExecutionID, err, seen)}
}

// contextEndError marks the error of a wait that its context ended.
type contextEndError struct{ err error }

func (e *contextEndError) Error() string { return e.err.Error() }
func (e *contextEndError) Unwrap() error { return e.err }

// end reports the outcome of the wait and returns it.
func (w *waiter) end(ctx context.Context, err error) (*client.Execution, error) {
	w.report(ctx, Update{Kind: UpdateDone, Time: time.Now(), Previous: w.status, Err: err})
	return w.exec, err
}

// report passes u, completed with the wait's state, to the callback and the
// logger.
func (w *waiter) report(ctx context.Context, u Update) {
	cfg := &w.p.cfg
	if cfg.onUpdate == nil && cfg.logger == nil {
		return
	}
	u.Ref, u.Attempt, u.Status, u.Execution = w.ref, w.polls, w.status, w.exec
	if cfg.onUpdate != nil {
		cfg.onUpdate(u)
	}
	if cfg.logger != nil {
		w.log(ctx, &u)
	}
}

func (w *waiter) log(ctx context.Context, u *Update) {
	l := w.p.cfg.logger
	var level slog.Level
	var msg string
	switch u.Kind {
	case UpdatePoll:
		level, msg = slog.LevelDebug, "polled"
	case UpdateStatusChange:
		level, msg = slog.LevelInfo, "status changed"
	case UpdateRetry:
		level, msg = slog.LevelWarn, "poll failed, will retry"
		if errors.Is(u.Err, client.ErrNotFound) {
			level, msg = slog.LevelInfo, "execution not found yet, will retry"
		}
	case UpdateDone:
		level, msg = slog.LevelInfo, "wait ended"
		if u.Err != nil {
			level = slog.LevelWarn
		}
	}
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs,
		slog.String("task", u.TaskID),
		slog.String("execution", u.ExecutionID),
		slog.String("status", string(u.Status)),
		slog.Int("attempt", u.Attempt))
	if u.Kind == UpdateStatusChange {
		attrs = append(attrs, slog.String("previous", string(u.Previous)))
	}
	if u.Kind != UpdateDone {
		attrs = append(attrs, slog.Duration("next", u.NextDelay))
	}
	if u.Err != nil {
		attrs = append(attrs, slog.String("error", u.Err.Error()))
	}
	l.LogAttrs(ctx, level, msg, attrs...)
}

// warnUnknown logs an undocumented status at Warn, once per value per Poller.
func (w *waiter) warnUnknown(ctx context.Context) {
	l := w.p.cfg.logger
	if l == nil {
		return
	}
	if _, seen := w.p.warned.LoadOrStore(w.status, struct{}{}); seen {
		return
	}
	l.LogAttrs(ctx, slog.LevelWarn, "undocumented execution status: taken as not finished",
		slog.String("status", string(w.status)),
		slog.String("task", w.ref.TaskID),
		slog.String("execution", w.ref.ExecutionID))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
