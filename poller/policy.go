package poller

import (
	"fmt"
	"math"
	"time"
)

// Default poll schedule: suited to browser tasks that last from seconds to
// an hour. A wait polls at once, then after about 1 s, 1.5 s, 2.25 s, ...
// growing by half each time up to 25 s, each delay spread by ±20 %, so no
// delay is longer than 30 s.
const (
	DefaultInitialInterval = time.Second
	DefaultMultiplier      = 1.5
	DefaultMaxInterval     = 30 * time.Second
	DefaultJitter          = 0.2
)

// maxFinalPollMargin bounds how long before a context deadline the last
// poll of a wait is made (see finalPollMargin).
const maxFinalPollMargin = time.Second

// Policy is the poll schedule of a wait: exponential backoff from
// InitialInterval, multiplied by Multiplier after each request, each delay
// then spread at random by ±Jitter, and no delay longer than MaxInterval.
//
// MaxInterval bounds the delay with its jitter: the interval before jitter
// is capped at MaxInterval/(1+Jitter), so a delay at the cap lies in
// [cap*(1-Jitter), MaxInterval]. With the defaults (30 s, ±20 %) the
// interval grows to 25 s and every delay is at most 30 s.
//
// NextPoll is the schedule itself: the Poller calls it after every request,
// and tests and benchmarks call the same function.
//
// A Policy is a plain value and safe for concurrent use.
type Policy struct {
	InitialInterval time.Duration // delay after the first request, before jitter; > 0
	MaxInterval     time.Duration // longest delay between requests, jitter included; >= InitialInterval
	Multiplier      float64       // growth per request; >= 1
	Jitter          float64       // relative spread of each delay; in [0, 1)
}

// DefaultPolicy returns the default schedule: 1 s initial, x1.5, 20 %
// jitter, no delay longer than 30 s.
func DefaultPolicy() Policy {
	return Policy{
		InitialInterval: DefaultInitialInterval,
		MaxInterval:     DefaultMaxInterval,
		Multiplier:      DefaultMultiplier,
		Jitter:          DefaultJitter,
	}
}

// Validate reports the first field of p that is out of range, naming the
// value and what is expected.
func (p Policy) Validate() error {
	switch {
	case p.InitialInterval <= 0:
		return fmt.Errorf("poll policy: initial interval %v: must be greater than 0", p.InitialInterval)
	case p.MaxInterval < p.InitialInterval:
		return fmt.Errorf("poll policy: max interval %v: must be at least the initial interval %v", p.MaxInterval, p.InitialInterval)
	case math.IsNaN(p.Multiplier) || math.IsInf(p.Multiplier, 0) || p.Multiplier < 1:
		return fmt.Errorf("poll policy: multiplier %v: must be a finite number >= 1", p.Multiplier)
	case math.IsNaN(p.Jitter) || p.Jitter < 0 || p.Jitter >= 1:
		return fmt.Errorf("poll policy: jitter %v: must be in [0, 1) (0.2 means ±20%%)", p.Jitter)
	case p.intervalCap() < 1:
		return fmt.Errorf("poll policy: max interval %v: too short for jitter %v: must be at least %v", p.MaxInterval, p.Jitter, time.Duration(math.Ceil(1+p.Jitter)))
	}
	return nil
}

// intervalCap returns the longest interval before jitter:
// MaxInterval/(1+Jitter), rounded down so that no jittered delay of an
// interval up to it exceeds MaxInterval. It is MaxInterval when Jitter is 0,
// and 25 s for the default policy.
func (p Policy) intervalCap() time.Duration {
	if p.MaxInterval <= 0 || !(p.Jitter > 0 && p.Jitter < 1) {
		return max(p.MaxInterval, 0)
	}
	c := time.Duration(float64(p.MaxInterval) / (1 + p.Jitter))
	// Rounding may leave c one float step too high; step down until the
	// longest jittered delay fits.
	for c > 0 && time.Duration(float64(c)*(1+p.Jitter)) > p.MaxInterval {
		c -= max(1, c>>50)
	}
	return c
}

// interval returns the delay before jitter after request n of a wait
// (n >= 1): InitialInterval multiplied by Multiplier n-1 times, each product
// truncated to a whole nanosecond, capped at intervalCap.
func (p Policy) interval(n int) time.Duration {
	ceiling := p.intervalCap()
	d := min(p.InitialInterval, ceiling)
	for i := 1; i < n && d < ceiling; i++ {
		next := time.Duration(float64(d) * p.Multiplier)
		if next <= d { // a multiplier of 1, or one too close to it to grow d
			break
		}
		d = min(next, ceiling)
	}
	return d
}

// jitter spreads d by ±Jitter: d*(1+Jitter*(2r-1)), which lies in
// [d*(1-Jitter), d*(1+Jitter)). r is a random number in [0, 1); a value
// outside that range (or NaN) is taken as 0.5, no spread.
func (p Policy) jitter(d time.Duration, r float64) time.Duration {
	if !(r >= 0 && r < 1) {
		r = 0.5
	}
	return time.Duration(float64(d) * (1 + p.Jitter*(2*r-1)))
}

// Moment is what the schedule knows of a wait when it places its next poll.
type Moment struct {
	// Now is when the last answer came (or the last request failed).
	Now time.Time
	// Started is when the wait began.
	Started time.Time
	// Deadline is the wait's context deadline; the zero Time for none.
	Deadline time.Time
	// Requests is the number of requests the wait has made so far (1 after
	// the first poll).
	Requests int
	// RetryAfter is the wait the server asked for in its last answer, 0 for
	// none. It is never undercut.
	RetryAfter time.Duration
}

// Due is the schedule's answer: when to poll next.
type Due struct {
	// Wait is how long after Moment.Now the next poll is made.
	Wait time.Duration
	// Final is true when that poll was moved earlier, to land just before
	// the deadline: it is the wait's last.
	Final bool
	// None is true when no poll fits before the deadline (it has come, or
	// the server's RetryAfter forbids polling before it): the wait can only
	// end with its context.
	None bool
}

// NextPoll is the schedule: it says when a wait at moment m polls next, r
// being a random number in [0, 1) for the jitter.
//
// The delay is the policy's interval after m.Requests requests, jittered,
// and never less than m.RetryAfter. Without a deadline, or when that lands
// before the deadline less a margin (a twentieth of the wait's time, at
// most 1 s), that is the answer. When it would land later, the poll is moved
// to the deadline less the margin (Final), so an execution that finishes in
// the final stretch is still seen finished. When that time has already
// passed, or the server's RetryAfter forbids polling before it, no poll fits
// (None).
func (p Policy) NextPoll(m Moment, r float64) Due {
	wait := max(p.jitter(p.interval(max(m.Requests, 1)), r), m.RetryAfter, 0)
	if m.Deadline.IsZero() {
		return Due{Wait: wait}
	}
	last := m.Deadline.Add(-finalPollMargin(m.Started, m.Deadline))
	if m.Now.Add(wait).Before(last) {
		return Due{Wait: wait}
	}
	if !m.Now.Before(last) || m.Now.Add(m.RetryAfter).After(last) {
		return Due{None: true}
	}
	return Due{Wait: last.Sub(m.Now), Final: true}
}

// finalPollMargin returns how long before deadline the last poll of a wait
// that started at start is made: a twentieth of the time the wait had, at
// most maxFinalPollMargin. A wait given a minute polls for the last time one
// second before its deadline; a wait given 5 s, 250 ms before it.
func finalPollMargin(start, deadline time.Time) time.Duration {
	m := deadline.Sub(start) / 20
	return max(0, min(m, maxFinalPollMargin))
}
