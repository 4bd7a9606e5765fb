package poller

import (
	"fmt"
	"math"
	"time"

	"github.com/cenkalti/backoff/v4"
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

// MaxFinalPollMargin bounds how long before a context deadline the last poll
// of a wait is made (see NextPoll).
const MaxFinalPollMargin = time.Second

// Policy is the poll schedule of a wait: exponential backoff from
// InitialInterval, multiplied by Multiplier after each poll, each delay then
// spread at random by ±Jitter, and no delay longer than MaxInterval.
//
// MaxInterval bounds the delay with its jitter: the interval before jitter
// is capped at IntervalCap, MaxInterval/(1+Jitter), so a delay at the cap
// lies in [IntervalCap*(1-Jitter), MaxInterval]. With the defaults (30 s,
// ±20 %) the interval grows to 25 s and every delay is at most 30 s. An
// InitialInterval above IntervalCap is lowered to it.
//
// A Policy is a plain value and safe for concurrent use.
type Policy struct {
	InitialInterval time.Duration // delay after the first poll, before jitter; > 0
	MaxInterval     time.Duration // longest delay between polls, jitter included; >= InitialInterval
	Multiplier      float64       // growth per poll; >= 1
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
	case p.IntervalCap() < 1:
		return fmt.Errorf("poll policy: max interval %v: too short for jitter %v: must be at least %v", p.MaxInterval, p.Jitter, time.Duration(math.Ceil(1+p.Jitter)))
	}
	return nil
}

// IntervalCap returns the longest interval before jitter:
// MaxInterval/(1+Jitter), rounded down so that no jittered delay
// (ApplyJitter) of an interval up to it exceeds MaxInterval. It is
// MaxInterval when Jitter is 0, and 25 s for the default policy.
func (p Policy) IntervalCap() time.Duration {
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

// backoff returns a backoff.ExponentialBackOff that yields p's intervals
// without jitter, from min(InitialInterval, IntervalCap) up to IntervalCap.
// Its own randomization is off because it draws from the global math/rand
// source: ApplyJitter applies p.Jitter with a random number the caller
// supplies, so a schedule is reproducible from a seed. MaxElapsedTime is 0
// so it never stops on its own: only the context ends a wait.
func (p Policy) backoff() backoff.ExponentialBackOff {
	ceiling := p.IntervalCap()
	b := backoff.ExponentialBackOff{
		InitialInterval:     min(p.InitialInterval, ceiling),
		RandomizationFactor: 0,
		Multiplier:          p.Multiplier,
		MaxInterval:         ceiling,
		MaxElapsedTime:      0,
		Stop:                backoff.Stop,
		Clock:               backoff.SystemClock,
	}
	b.Reset()
	return b
}

// Interval returns the delay, before jitter, between poll n and poll n+1 of a
// wait (n >= 1): InitialInterval*Multiplier^(n-1), capped at IntervalCap.
// It returns 0 for n < 1.
func (p Policy) Interval(n int) time.Duration {
	if n < 1 {
		return 0
	}
	ceiling := p.IntervalCap()
	if p.Multiplier == 1 {
		return min(p.InitialInterval, ceiling)
	}
	b := p.backoff()
	d := b.NextBackOff()
	for i := 1; i < n && d < ceiling; i++ {
		d = b.NextBackOff()
	}
	return d
}

// ApplyJitter spreads interval by ±p.Jitter: it returns interval*(1+Jitter*(2r-1)),
// which lies in [interval*(1-Jitter), interval*(1+Jitter)), and so, for an
// interval up to p.IntervalCap(), is at most p.MaxInterval. r is a random
// number in [0, 1); a value outside that range (or NaN) is taken as 0.5, that
// is, no spread.
func (p Policy) ApplyJitter(interval time.Duration, r float64) time.Duration {
	if !(r >= 0 && r < 1) {
		r = 0.5
	}
	return time.Duration(float64(interval) * (1 + p.Jitter*(2*r-1)))
}

// Delay returns the jittered delay between poll n and poll n+1:
// p.ApplyJitter(p.Interval(n), r). For a valid policy it is never above
// p.MaxInterval.
func (p Policy) Delay(n int, r float64) time.Duration {
	return p.ApplyJitter(p.Interval(n), r)
}

// FinalPollMargin returns how long before deadline the last poll of a wait
// that started at start is made: a twentieth of the time the wait had, at
// most MaxFinalPollMargin. A wait given a minute polls for the last time one
// second before its deadline; a wait given 5 s, 250 ms before it.
func FinalPollMargin(start, deadline time.Time) time.Duration {
	m := deadline.Sub(start) / 20
	return max(0, min(m, MaxFinalPollMargin))
}

// NextPoll decides when a wait polls next. now is the time the last poll
// ended, delay the schedule's delay and retryAfter the wait the server asked
// for (0 for none), which is never undercut. start is when the wait began and
// deadline the context's deadline (the zero Time for none).
//
// Without a deadline, or when the poll lands before deadline minus
// FinalPollMargin, NextPoll returns max(delay, retryAfter). When it would land
// later, the poll is moved earlier, to deadline minus the margin, so an
// execution that finishes in the final stretch is still seen finished. When
// that time has already passed, or retryAfter forbids polling before it, ok is
// false: no poll can be made before the deadline.
func NextPoll(now time.Time, delay, retryAfter time.Duration, start, deadline time.Time) (wait time.Duration, ok bool) {
	wait = max(delay, retryAfter, 0)
	if deadline.IsZero() {
		return wait, true
	}
	last := deadline.Add(-FinalPollMargin(start, deadline))
	if now.Add(wait).Before(last) {
		return wait, true
	}
	if !now.Before(last) || now.Add(retryAfter).After(last) {
		return 0, false
	}
	return last.Sub(now), true
}
