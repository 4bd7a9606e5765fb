package poller

import (
	"fmt"
	"math"
	"time"
)

// Default poll schedule, chosen by measurement (docs/benchmarks.md): the
// second poll when the execution is 4 s old, then each time its age has
// grown by 55 %, so an end is seen within 55 % of the execution's life, and
// within 30 s whatever its length; each delay shortened at random by up to
// 5 %.
const (
	DefaultInitialInterval = 4 * time.Second
	DefaultMultiplier      = 1.55
	DefaultMaxInterval     = 30 * time.Second
	DefaultJitter          = 0.05
)

// maxFinalPollMargin bounds how long before a context deadline the last
// poll of a wait is made (see finalPollMargin).
const maxFinalPollMargin = time.Second

// Policy is the poll schedule of a wait: exponential in the execution's
// age, from InitialInterval by Multiplier (see NextPoll), each delay
// shortened at random by up to Jitter, and no delay longer than
// MaxInterval.
//
// NextPoll is the schedule itself: the Poller calls it after every request,
// and tests and benchmarks call the same function.
//
// A Policy is a plain value and safe for concurrent use.
type Policy struct {
	InitialInterval time.Duration // the execution's age at the second poll; > 0
	MaxInterval     time.Duration // longest delay between polls, jitter included; >= InitialInterval
	Multiplier      float64       // growth of the age from one poll to the next; > 1
	Jitter          float64       // how much shorter a delay may be made at random; in [0, 1)
}

// DefaultPolicy returns the default schedule: the age at the second poll
// 4 s, x1.55, up to 5 % jitter, no delay longer than 30 s.
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
	case math.IsNaN(p.Multiplier) || math.IsInf(p.Multiplier, 0) || p.Multiplier <= 1:
		return fmt.Errorf("poll policy: multiplier %v: must be a finite number greater than 1", p.Multiplier)
	case math.IsNaN(p.Jitter) || p.Jitter < 0 || p.Jitter >= 1:
		return fmt.Errorf("poll policy: jitter %v: must be in [0, 1) (0.1 means up to 10%% shorter)", p.Jitter)
	}
	return nil
}

// jitter shortens d at random by up to Jitter: d*(1-Jitter*r), in
// (d*(1-Jitter), d]. It never lengthens a delay, so it adds no lag: it
// only keeps executions of the same age from being polled in step. r is a
// random number in [0, 1); a value outside that range (or NaN) is taken as
// 0, no change.
func (p Policy) jitter(d time.Duration, r float64) time.Duration {
	if !(r >= 0 && r < 1) {
		r = 0
	}
	return time.Duration(float64(d) * (1 - p.Jitter*r))
}

// Estimate is what a task's history says about how long its executions
// run: most end between Low and High after they start running. The zero
// Estimate says nothing.
type Estimate struct {
	Low, High time.Duration
}

// known reports whether e says anything.
func (e Estimate) known() bool { return e.Low > 0 && e.High >= e.Low }

// narrowRatio is the widest High/Low of an Estimate worth polling densely
// through: a task whose executions take anything from seconds to minutes
// would only be polled more.
const narrowRatio = 4

// narrow reports whether e's window is narrow enough to poll densely.
func (e Estimate) narrow() bool { return e.High <= narrowRatio*e.Low }

// Moment is what the schedule knows of a wait when it places its next poll.
type Moment struct {
	// Now is when the last answer came (or the last request failed).
	Now time.Time
	// Started is when the wait began.
	Started time.Time
	// Deadline is the wait's context deadline; the zero Time for none.
	Deadline time.Time
	// Began is when the execution began, by the local clock: its
	// startTime, corrected for how far the server's clock is from ours.
	// The zero Time when that is unknown (or absurd): the schedule then
	// counts the execution's age from Started.
	Began time.Time
	// Running is when the execution was first seen running, by the local
	// clock; the zero Time before that. Estimate counts from it.
	Running time.Time
	// Estimate is what the task's history says about its durations; the
	// zero Estimate when there is none.
	Estimate Estimate
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
// Polls are placed in the execution's age (from m.Began, else from the
// start of the wait): the next lands when the execution is InitialInterval
// old, and after that each time its age has grown by Multiplier, so an
// execution that ends is seen ended after a fixed share of its life, and
// a wait that attaches to an old execution does not start polling fast.
// With an Estimate and the execution running, the schedule sleeps until
// the estimate's Low (for a wide window, only when that is later than it
// would poll anyway), and when its window is narrow (High at most four
// times Low) polls more densely through it (each time the running time has
// grown by half the multiplier's growth), then goes on as without one. The
// gap between polls is at least InitialInterval less
// InitialInterval/Multiplier (the age schedule's own shortest step) and at
// most MaxInterval, shortened at random by up to Jitter, and never less
// than m.RetryAfter.
//
// Without a deadline, or when that lands before the deadline less a
// margin (a twentieth of the wait's time, at most 1 s), that is the
// answer. When it would land later, the poll is moved to the deadline less
// the margin (Final), so an execution that finishes in the final stretch
// is still seen finished. When that time has already passed, or the
// server's RetryAfter forbids polling before it, no poll fits (None).
func (p Policy) NextPoll(m Moment, r float64) Due {
	wait := max(p.jitter(p.gap(m), r), m.RetryAfter, 0)
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

// gap is the delay before jitter from m to the next poll.
func (p Policy) gap(m Moment) time.Duration {
	origin := m.Began
	if origin.IsZero() || origin.After(m.Now) {
		origin = m.Started
	}
	age := max(m.Now.Sub(origin), 0)
	next := max(p.InitialInterval, scale(age, p.Multiplier)) // the age to poll at
	if est := m.Estimate; est.known() && !m.Running.IsZero() {
		ran := max(m.Now.Sub(m.Running), 0)
		step := scale(ran, 1+(p.Multiplier-1)/2) - ran // a dense step from here
		switch {
		case ran < est.Low && est.Low-ran >= step/2:
			// Asleep until Low. A narrow window starts there, polled
			// densely; a wide one says only that it will not end before
			// then, which is no reason to poll sooner than without it.
			next = max(next, age+(est.Low-ran))
			if est.narrow() {
				next = age + (est.Low - ran)
			}
		case ran < est.High && est.narrow():
			// Within the window, or so close to its start (a jittered
			// sleep lands a little early) that a step to it would be a
			// poll for nothing.
			next = min(next, age+step)
		}
	}
	// The floor is the age schedule's own shortest step, from the age
	// InitialInterval/Multiplier to InitialInterval: it bounds only the
	// dense steps of an estimate. (A floor of InitialInterval*(Multiplier-1)
	// held a wait attached at an age just under InitialInterval to a
	// longer step than its age called for.)
	floor := p.InitialInterval - time.Duration(float64(p.InitialInterval)/p.Multiplier)
	return min(max(next-age, floor, 1), p.MaxInterval)
}

// scale returns d times f, saturating at the largest Duration.
func scale(d time.Duration, f float64) time.Duration {
	x := float64(d) * f
	if x >= float64(1<<63-1) {
		return 1<<63 - 1
	}
	return time.Duration(x)
}

// finalPollMargin returns how long before deadline the last poll of a wait
// that started at start is made: a twentieth of the time the wait had, at
// most maxFinalPollMargin. A wait given a minute polls for the last time one
// second before its deadline; a wait given 5 s, 250 ms before it.
func finalPollMargin(start, deadline time.Time) time.Duration {
	m := deadline.Sub(start) / 20
	return max(0, min(m, maxFinalPollMargin))
}
