package poller

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"
)

// Defaults of the options that are not part of Policy.
const (
	// DefaultNotFoundGrace is how long after a wait starts a 404 is taken
	// to mean "not visible yet" rather than "does not exist".
	DefaultNotFoundGrace = 10 * time.Second
	// DefaultTransientLimit is how long polls may keep failing with
	// transient errors, in a row, before the wait gives up.
	DefaultTransientLimit = 5 * time.Minute
	// DefaultConcurrency is how many requests a Poller has in flight at most.
	DefaultConcurrency = 8
)

// Option configures a Poller; see New.
type Option func(*config)

type config struct {
	policy         Policy
	notFoundGrace  time.Duration
	transientLimit time.Duration
	concurrency    int
	rate           float64
	failFast       bool
	onUpdate       func(Update)
	logger         *slog.Logger
	rand           func() float64
	randSet        bool
}

func defaultConfig() config {
	return config{
		policy:         DefaultPolicy(),
		notFoundGrace:  DefaultNotFoundGrace,
		transientLimit: DefaultTransientLimit,
		concurrency:    DefaultConcurrency,
	}
}

func (c *config) validate() error {
	if err := c.policy.Validate(); err != nil {
		return err
	}
	switch {
	case c.notFoundGrace < 0:
		return fmt.Errorf("not-found grace %v: must be 0 or more", c.notFoundGrace)
	case c.transientLimit < 0:
		return fmt.Errorf("transient error limit %v: must be 0 or more", c.transientLimit)
	case c.concurrency < 1:
		return fmt.Errorf("concurrency %d: must be at least 1", c.concurrency)
	case math.IsNaN(c.rate) || math.IsInf(c.rate, 0) || c.rate < 0:
		return fmt.Errorf("rate %v requests/s: must be a finite number >= 0 (0 means no limit)", c.rate)
	case c.randSet && c.rand == nil:
		return errors.New("random source: must not be nil")
	}
	return nil
}

// WithPolicy sets the whole poll schedule at once; the other schedule
// options change single fields of it.
func WithPolicy(p Policy) Option { return func(c *config) { c.policy = p } }

// WithInitialInterval sets the delay after the first poll, before jitter
// (default 1 s); it must be greater than 0 and not above the max interval.
func WithInitialInterval(d time.Duration) Option {
	return func(c *config) { c.policy.InitialInterval = d }
}

// WithMaxInterval sets the longest delay between polls, jitter included
// (default 30 s): the interval grows up to MaxInterval/(1+jitter) and its
// jitter never takes a delay past MaxInterval (see Policy). It must be at
// least the initial interval.
func WithMaxInterval(d time.Duration) Option {
	return func(c *config) { c.policy.MaxInterval = d }
}

// WithMultiplier sets how much the delay grows after each poll (default
// 1.5); it must be at least 1.
func WithMultiplier(m float64) Option { return func(c *config) { c.policy.Multiplier = m } }

// WithJitter sets the relative random spread of each delay (default 0.2,
// that is ±20 %); it must be in [0, 1).
func WithJitter(j float64) Option { return func(c *config) { c.policy.Jitter = j } }

// WithRand sets the source of the random numbers in [0, 1) used for jitter,
// such as rand.New(rand.NewPCG(1, 2)).Float64 for a reproducible schedule.
// The Poller calls f from one goroutine at a time. The default is
// math/rand/v2's Float64.
func WithRand(f func() float64) Option {
	return func(c *config) { c.rand, c.randSet = f, true }
}

// WithNotFoundGrace sets how long after the start of a wait a 404 is
// tolerated (default 10 s): a just-started execution may not be visible yet.
// After it, a 404 ends the wait. 0 means a 404 ends the wait at once.
func WithNotFoundGrace(d time.Duration) Option {
	return func(c *config) { c.notFoundGrace = d }
}

// WithTransientLimit sets how long requests may keep failing with
// transient errors (network, 429, 5xx, garbled body), in a row, before the
// wait ends with the last of them (default 5 min). 0 means the first one
// ends it. It also bounds any pause a server's Retry-After asks for.
func WithTransientLimit(d time.Duration) Option {
	return func(c *config) { c.transientLimit = d }
}

// WithConcurrency bounds how many requests the Poller has in flight at once
// across all its waits (default 8); it must be at least 1. It never bounds
// how many executions are waited on.
func WithConcurrency(n int) Option { return func(c *config) { c.concurrency = n } }

// WithRate bounds how many requests per second the Poller sends across all
// its waits, evenly spaced; 0 (the default) means no bound.
func WithRate(perSecond float64) Option { return func(c *config) { c.rate = perSecond } }

// WithFailFast makes WaitAll stop the other waits as soon as one ends with an
// error (an execution that did not succeed, or one the API could not report).
// Their results then carry an error matching context.Canceled and
// ErrFailFast, with the last status they saw. By default every execution is
// waited to the end.
func WithFailFast(on bool) Option { return func(c *config) { c.failFast = on } }

// WithOnUpdate sets a function called after every request of a wait and at
// its end (see Update). It is called from the goroutine that made the
// request (a worker of WaitAll, the caller of Wait), so concurrently when
// several run; it must be safe for that and return quickly, as that
// goroutine polls nothing meanwhile.
func WithOnUpdate(f func(Update)) Option { return func(c *config) { c.onUpdate = f } }

// WithLogger sets a logger for status changes (Info), retries and unknown
// statuses (Warn), each poll (Debug) and the end of each wait. Server text
// in its records has the API key blanked out when the API can do that (see
// API). nil, the default, logs nothing.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }
