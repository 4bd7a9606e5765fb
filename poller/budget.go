package poller

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"github.com/anchorwait/anchorwait/client"
)

// maxPause bounds one pause of all requests, whatever the server asks.
const maxPause = 24 * time.Hour

// minPause is the shortest pause of every request after a 429 that asks
// for no wait.
const minPause = time.Second

// budget is the one gate every request of a Poller passes, whichever wait,
// retry, list page or start it is for: a bound on requests in flight, the
// caller's rate limit, the server's (what its RateLimit headers say, or
// what its 429s show), and a pause that a 429 (or a Retry-After) sets for
// all of them. It is safe for concurrent use.
type budget struct {
	slots   *semaphore.Weighted
	limiter *rate.Limiter // the caller's; nil for none
	server  *serverLimit  // nil unless WithServerRateLimits
	// pauseUntil is a time, in Unix nanoseconds, before which no request
	// is sent; 0 when none was asked for.
	pauseUntil atomic.Int64
	// maxWait is the longest a server's wait is honoured for.
	maxWait time.Duration
	// answered is when a request last came back without error, in Unix
	// nanoseconds; 0 before any.
	answered atomic.Int64
}

func newBudget(cfg *config) *budget {
	b := &budget{
		slots:   semaphore.NewWeighted(int64(cfg.concurrency)),
		maxWait: min(cfg.transientLimit, maxPause),
	}
	if cfg.rate > 0 {
		b.limiter = rate.NewLimiter(rate.Limit(cfg.rate), 1)
	}
	if cfg.serverLimits {
		b.server = newServerLimit()
	}
	return b
}

// pace returns how many requests a second the Poller may send now, by
// the caller's rate limit and the server's, whichever is lower; 0 when
// neither limits.
func (b *budget) pace() float64 {
	r := rate.Inf
	if b.limiter != nil {
		r = b.limiter.Limit()
	}
	if l := b.server.limiter(); l != nil {
		r = min(r, l.Limit())
	}
	if r == rate.Inf {
		return 0
	}
	return float64(r)
}

// acquire blocks until a request may be sent: it takes a slot, then waits
// out any pause and for the rate limit. The caller sends one request and
// then calls release. It returns ctx's error, holding nothing, when ctx
// ends first. timer is the caller's, stopped or expired; it is left so.
func (b *budget) acquire(ctx context.Context, timer *time.Timer) error {
	if err := b.slots.Acquire(ctx, 1); err != nil {
		return err
	}
	for {
		if err := b.waitPause(ctx, timer); err != nil {
			b.slots.Release(1)
			return err
		}
		for _, l := range [...]*rate.Limiter{b.limiter, b.server.limiter()} {
			if l == nil {
				continue
			}
			if err := l.Wait(ctx); err != nil {
				b.slots.Release(1)
				// The limiter refuses at once a wait that would outlast
				// the deadline: no request can be sent before ctx ends.
				if ctx.Done() != nil {
					<-ctx.Done()
				}
				return ctx.Err()
			}
		}
		if err := ctx.Err(); err != nil {
			// The token came at the deadline: too late to send.
			b.slots.Release(1)
			return err
		}
		// A 429 may have come while this request waited for its token.
		if _, paused := b.paused(); !paused {
			return nil
		}
	}
}

// release hands back the slot of a request that ended with err, its
// answer described by resp (nil when unknown), after pausing every request
// for the wait the answer asked for: a 429 pauses for its Retry-After (or,
// without one, a second), any other transient error for its Retry-After;
// and after learning what the answer says of the server's rate limit. The
// pause is set before the slot is free, so no request queued for it can
// slip out in between.
func (b *budget) release(resp *client.Response, err error) {
	now := time.Now()
	if err == nil {
		b.answered.Store(now.UnixNano())
	}
	limited := errors.Is(err, client.ErrRateLimited)
	if err != nil && client.IsTransient(err) {
		wait, _ := client.RetryAfterOf(err)
		if limited {
			wait = max(wait, minPause)
		}
		if wait = min(wait, b.maxWait); wait > 0 {
			b.pause(now.Add(wait))
		}
	}
	if resp != nil && b.server != nil {
		if until, ok := b.server.observe(resp, limited, now); ok {
			b.pause(now.Add(min(until.Sub(now), b.maxWait)))
		}
	}
	b.slots.Release(1)
}

// answeredSince reports whether a request has come back without error
// after t.
func (b *budget) answeredSince(t time.Time) bool {
	return b.answered.Load() > t.UnixNano()
}

// pause holds every request back until t (at most maxPause from now),
// unless a longer pause holds already.
func (b *budget) pause(t time.Time) {
	if limit := time.Now().Add(maxPause); t.After(limit) {
		t = limit
	}
	n := t.UnixNano()
	for {
		old := b.pauseUntil.Load()
		if old >= n || b.pauseUntil.CompareAndSwap(old, n) {
			return
		}
	}
}

// paused reports whether a pause is in effect, and for how much longer.
func (b *budget) paused() (time.Duration, bool) {
	until := b.pauseUntil.Load()
	if until == 0 {
		return 0, false
	}
	d := time.Duration(until - time.Now().UnixNano())
	return d, d > 0
}

// waitPause sleeps until no pause is in effect, or ctx ends.
func (b *budget) waitPause(ctx context.Context, timer *time.Timer) error {
	for {
		d, ok := b.paused()
		if !ok {
			return nil
		}
		if err := sleep(ctx, timer, d); err != nil {
			return err
		}
	}
}

// sleep waits for d on timer, which must be stopped or expired, or until ctx
// ends. It leaves timer stopped or expired.
func sleep(ctx context.Context, timer *time.Timer, d time.Duration) error {
	timer.Reset(d)
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		timer.Stop()
		return ctx.Err()
	}
}
