package poller

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"github.com/anchorwait/anchorwait/client"
)

// Getter fetches one execution. *client.Client implements it.
//
// Its errors are classified with the client package: errors.Is with
// client.ErrNotFound for a 404, client.IsTransient for failures worth
// retrying later, client.RetryAfterOf for a wait the server asked for.
// Any other error ends the wait at once. A Getter used by WaitAll, or by
// several concurrent Waits, must be safe for concurrent use. It should
// return promptly once its context ends: a wait whose context has ended
// returns only when its request in flight has.
type Getter interface {
	GetExecution(ctx context.Context, taskID, execID string, opts ...client.CallOption) (*client.Execution, error)
}

// Poller waits for executions to finish by polling a Getter. Create one with
// New. It is safe for concurrent use: all the waits it runs share its bound
// on requests in flight, its rate limit, and its pause after a 429: when any
// wait gets a 429, no wait sends a request before the Retry-After it carried
// has passed (or, without one, the policy's initial interval); any other error
// with a Retry-After pauses them the same way.
type Poller struct {
	getter  Getter
	redact  func(string) string // from the Getter's Redact method; nil when it has none
	cfg     config
	sem     *semaphore.Weighted
	limiter *rate.Limiter // nil: no rate limit

	randMu sync.Mutex
	// pauseUntil is a time, in Unix nanoseconds, before which no wait sends
	// a request: set by a 429 or a Retry-After; 0 when none was seen.
	pauseUntil atomic.Int64
	// warned holds the undocumented statuses already logged at Warn.
	warned sync.Map
}

// New returns a Poller that polls g, configured by opts. Without options it
// uses DefaultPolicy, DefaultNotFoundGrace, DefaultTransientLimit and
// DefaultConcurrency, with no rate limit, no callback and no logging.
//
// It returns an error naming the bad value and what is expected when an
// option is out of range (say, a negative interval or a jitter of 1), or
// when g is nil.
func New(g Getter, opts ...Option) (*Poller, error) {
	if g == nil {
		return nil, errors.New("poller: Getter must not be nil")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("poller: %w", err)
	}
	p := &Poller{getter: g, cfg: cfg, sem: semaphore.NewWeighted(int64(cfg.concurrency))}
	if r, ok := g.(interface{ Redact(string) string }); ok {
		p.redact = r.Redact
	}
	if cfg.rate > 0 {
		p.limiter = rate.NewLimiter(rate.Limit(cfg.rate), 1)
	}
	return p, nil
}

// Policy returns the poll schedule p uses.
func (p *Poller) Policy() Policy { return p.cfg.policy }

// Concurrency returns p's bound on requests in flight, so a caller can size
// its HTTP transport to match.
func (p *Poller) Concurrency() int { return p.cfg.concurrency }

// Wait polls execution execID of task taskID until it reaches a terminal
// status or ctx ends. The first poll is made at once, the next ones on the
// Policy's schedule. If ctx has a deadline that the next delay would cross,
// one last poll is made just before it (see NextPoll).
//
// Outcomes:
//   - success: the execution and nil.
//   - failure, timeout or cancelled: the execution and an
//     *UnsuccessfulError, which matches ErrUnsuccessful.
//   - ctx ended: the execution as last seen (nil if none) and an error
//     matching ctx.Err() (and context.Cause(ctx)) that names the last status.
//   - the API could not report it: the last execution seen (or nil) and an
//     error wrapping the Getter's, such as client.ErrUnauthorized, or
//     client.ErrNotFound once the not-found grace has passed, or the last
//     transient error once they have lasted past the transient limit.
//
// A Retry-After from the server is never undercut. An undocumented status
// is taken as not finished: the wait goes on and reports it through OnUpdate
// and the logger.
func (p *Poller) Wait(ctx context.Context, taskID, execID string) (*client.Execution, error) {
	w := waiter{p: p, ref: Ref{TaskID: taskID, ExecutionID: execID}}
	return w.run(ctx)
}

// random returns the next random number for jitter.
func (p *Poller) random() float64 {
	if !p.cfg.randSet {
		return rand.Float64()
	}
	p.randMu.Lock()
	defer p.randMu.Unlock()
	return p.cfg.rand()
}

// maxPause bounds one pause of all waits.
const maxPause = 24 * time.Hour

// pauseAll makes every wait of p hold its next request until t.
func (p *Poller) pauseAll(t time.Time) {
	// A pause is bounded by the transient limit, which a caller may set to
	// years; past maxPause it would overflow UnixNano.
	if limit := time.Now().Add(maxPause); t.After(limit) {
		t = limit
	}
	n := t.UnixNano()
	for {
		old := p.pauseUntil.Load()
		if old >= n || p.pauseUntil.CompareAndSwap(old, n) {
			return
		}
	}
}

// paused reports whether a pause set by pauseAll is in effect, and for how
// much longer.
func (p *Poller) paused() (time.Duration, bool) {
	until := p.pauseUntil.Load()
	if until == 0 {
		return 0, false
	}
	d := time.Duration(until - time.Now().UnixNano())
	return d, d > 0
}

// get makes one request for w's execution once p's shared limits allow it:
// after any pause, within the rate limit and under the bound on requests in
// flight. All that waiting happens on the waiting goroutine; the request
// itself is made there too, or, when w has a pool (WaitAll), on one of the
// pool's workers. sent reports whether the Getter was called; when it was
// not, err is the reason (the context ended).
func (w *waiter) get(ctx context.Context, timer *time.Timer) (exec *client.Execution, sent bool, err error) {
	p := w.p
	for {
		for {
			d, ok := p.paused()
			if !ok {
				break
			}
			if err := sleep(ctx, timer, d); err != nil {
				return nil, false, err
			}
		}
		if p.limiter != nil {
			if err := p.limiter.Wait(ctx); err != nil {
				// The limiter refuses a wait that would outlast the deadline:
				// no request can be sent before the context ends.
				if ctx.Done() == nil {
					return nil, false, err
				}
				<-ctx.Done()
				return nil, false, ctx.Err()
			}
		}
		if err := p.sem.Acquire(ctx, 1); err != nil {
			return nil, false, err
		}
		// A 429 may have arrived while this request queued for a slot:
		// it holds this request back too.
		if _, ok := p.paused(); !ok {
			break
		}
		p.sem.Release(1)
	}
	// Pause before giving the slot back, so a request queued for it cannot
	// slip out between the 429 and the pause; release even if the Getter
	// panics, so a recovered panic cannot leak the slot.
	defer func() {
		if sent {
			p.pauseFor(err)
		}
		p.sem.Release(1)
	}()
	if w.pool == nil {
		sent = true
		exec, err = p.getter.GetExecution(ctx, w.ref.TaskID, w.ref.ExecutionID)
		return exec, sent, err
	}
	return w.pool.do(ctx, w.ref, w.reply)
}

// pauseFor pauses all of p's waits after a transient error that asks for a
// wait (Retry-After), or is a 429 (then for at least the initial interval).
// Server waits are bounded by the transient limit.
func (p *Poller) pauseFor(err error) {
	if err == nil || !client.IsTransient(err) {
		return
	}
	wait, _ := client.RetryAfterOf(err)
	wait = min(wait, p.cfg.transientLimit)
	if errors.Is(err, client.ErrRateLimited) {
		wait = max(wait, p.cfg.policy.InitialInterval)
	}
	if wait > 0 {
		p.pauseAll(time.Now().Add(wait))
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
