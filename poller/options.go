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
	// DefaultSweepInterval is the longest a swept execution goes without
	// being refreshed (see WithSweepInterval).
	DefaultSweepInterval = 10 * time.Second
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

	ageSchedule   bool // place polls in the execution's age, from its startTime
	history       bool // learn the task's durations from its list and the waits
	sweeps        bool // answer many executions of one task with list pages
	pageSize      int
	sweepInterval time.Duration
	serverLimits  bool          // pace by the server's RateLimit headers
	hintInterval  time.Duration // with Hint: polls are a safety net this far apart; 0 without
	stall         time.Duration // end a wait whose status has not changed for this long; 0 never
}

func defaultConfig() config {
	return config{
		policy:         DefaultPolicy(),
		notFoundGrace:  DefaultNotFoundGrace,
		transientLimit: DefaultTransientLimit,
		concurrency:    DefaultConcurrency,
		ageSchedule:    true,
		history:        true,
		sweeps:         true,
		pageSize:       DefaultPageSize,
		sweepInterval:  DefaultSweepInterval,
		serverLimits:   true,
	}
}

func (c *config) validate() error {
	if err := c.policy.Validate(); err != nil {
		return err
	}
	if c.hintInterval > 0 && c.hintInterval < c.policy.InitialInterval {
		return fmt.Errorf("hinted max interval %v: must be at least the initial interval %v", c.hintInterval, c.policy.InitialInterval)
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
	case c.pageSize < 1 || c.pageSize > MaxPageSize:
		return fmt.Errorf("page size %d: must be from 1 to %d", c.pageSize, MaxPageSize)
	case c.sweepInterval < 0:
		return fmt.Errorf("sweep interval %v: must be 0 or more (0 leaves swept executions on their own schedules)", c.sweepInterval)
	case c.hintInterval < 0:
		return fmt.Errorf("hinted max interval %v: must be 0 or more (0 for no hints)", c.hintInterval)
	case c.stall < 0:
		return fmt.Errorf("stall %v: must be 0 or more (0 never ends a wait for it)", c.stall)
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
// ends it. A 429 while the Poller's other requests are answered starts the
// count again: it is the key's pace, which the Poller follows. The limit
// also bounds any pause a server's Retry-After asks for.
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

// WithAgeSchedule places polls in the execution's age, counted from its
// startTime (corrected for the server's clock with the answer's Date
// header), when on (the default): a wait that attaches to an old
// execution starts at long delays instead of short ones. Off, or with a
// startTime that is absurd (in the future, or older than 30 days), the age
// counts from the start of the wait.
func WithAgeSchedule(on bool) Option { return func(c *config) { c.ageSchedule = on } }

// WithHistory makes the Poller learn how long a task's executions run, when
// on (the default): the first request of a wait on a task it knows nothing
// of is a page of the task's list, which answers for the execution when it
// is on it and shows how long the task's recent executions ran; the waits
// that end add to it. The schedule then sleeps until the short end of what
// the task's executions take and polls densely through what most take
// (see Policy.NextPoll). A history that is wrong costs a few requests and
// corrects itself as executions end.
func WithHistory(on bool) Option { return func(c *config) { c.history = on } }

// WithListSweeps makes a wait for several executions of one task refresh
// them with pages of the task's list, each of which answers for up to a
// page of them, instead of a GET each, when on (the default). Executions
// the pages do not find are polled one by one. A list that fails is left
// alone for a while, and its executions polled one by one meanwhile.
func WithListSweeps(on bool) Option { return func(c *config) { c.sweeps = on } }

// WithPageSize sets how many executions a list page asks for (default
// DefaultPageSize, at most 1000). Under a rate limit (WithRate) a wait for
// many executions of one task asks for larger pages, up to 1000, so that
// refreshing them all takes at most half a sweep interval of the budget. A
// page over the client's body cap halves it for that task.
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// WithSweepInterval sets the longest an execution refreshed by list pages
// goes without being refreshed, when that costs fewer requests than its
// own schedule (default DefaultSweepInterval): with a page answering for
// many executions, each is seen ending within that time. 0 leaves them on
// their own schedules.
func WithSweepInterval(d time.Duration) Option { return func(c *config) { c.sweepInterval = d } }

// WithServerRateLimits makes the Poller pace its requests by what the
// server's RateLimit and RateLimit-Policy headers say remains of the API
// key's quota, read on every answer, when on (the default): it spreads the
// requests left over the time to the reset, and holds them all when none
// is left, before a 429 rather than after. As the server counts for the
// key, this also keeps several processes that share a key within its
// limit.
func WithServerRateLimits(on bool) Option { return func(c *config) { c.serverLimits = on } }

// sweepPageSize is the page size for a task with n executions waited for:
// the configured one, or at a pace of perSecond requests (the caller's
// limit or the server's; 0 for none) one large enough (up to MaxPageSize)
// that refreshing them all takes at most half a sweep interval, so a sweep
// keeps its interval within the budget.
func (c *config) sweepPageSize(n int, perSecond float64) int {
	if perSecond <= 0 || c.sweepInterval <= 0 {
		return c.pageSize
	}
	pages := perSecond * c.sweepInterval.Seconds() / 2 // pages a sweep may take
	need := int(math.Ceil(float64(n) / max(pages, 1)))
	return min(max(c.pageSize, need), MaxPageSize)
}

// WithHints tells the Poller that Hint will be called when the executions
// it waits for may have changed (a webhook receiver does that, see package
// webhook): polls then become a safety net, the first at once and the next
// maxInterval apart (say 5 min), and a hint makes a wait due at once, so a
// healthy webhook costs about two requests an execution, the first and the
// one that confirms its end. maxInterval must be at least the policy's
// initial interval; 0, the default, means no hints are expected.
func WithHints(maxInterval time.Duration) Option {
	return func(c *config) { c.hintInterval = maxInterval }
}

// WithStall ends the wait of an execution whose status has not changed for
// d (queued for ever, say) with a *StalledError, which matches ErrStalled;
// 0, the default, never does.
func WithStall(d time.Duration) Option { return func(c *config) { c.stall = d } }

// pollPolicy is the schedule the Poller's waits follow: its policy, or with
// hints one that polls at once and then every hint interval.
func (c *config) pollPolicy() Policy {
	if c.hintInterval <= 0 {
		return c.policy
	}
	return Policy{InitialInterval: c.hintInterval, MaxInterval: c.hintInterval, Multiplier: c.policy.Multiplier, Jitter: c.policy.Jitter}
}
