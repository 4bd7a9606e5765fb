package poller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/anchorwait/anchorwait/client"
)

// API is the part of the Anchor API a Poller calls. *client.Client
// implements it.
//
// The Poller passes client.SingleAttempt and client.CaptureResponse to
// every call: each call should send one request, and fill in the
// Response when it can, for the Poller decides on every retry itself and
// counts every request against its limits. An implementation that ignores
// them (a fake in a test) is counted as one request per call.
//
// Errors are classified with the client package: client.ErrNotFound for a
// 404, client.IsTransient for failures worth retrying later,
// client.RetryAfterOf for a wait the server asked for; any other error ends
// the wait at once. An API used by WaitAll, or by several Waits at once,
// must be safe for concurrent use, and should return promptly once its
// context ends.
//
// The Poller also uses the API's other methods when it has them, as
// *client.Client does: ListExecutions (a task's list: its history, and
// pages that answer for many executions at once), GetExecutionByID and
// GetRun (for Refs that name an execution alone, or a v2 run), RunTask and
// RunTaskV2 (Start, StartV2), and Redact(string) string: the Poller passes
// the server's text through it before putting it in errors and logs, so an
// execution that echoes the API key cannot carry it there.
type API interface {
	GetExecution(ctx context.Context, taskID, execID string, opts ...client.CallOption) (*client.Execution, error)
}

// The API's optional methods, each needed for one kind of request:
// *client.Client has them all. A wait that needs one the API lacks is
// refused before any request.
type (
	// executionByIDGetter fetches an execution by its ID alone.
	executionByIDGetter interface {
		GetExecutionByID(ctx context.Context, execID string, opts ...client.CallOption) (*client.Execution, error)
	}
	// runGetter fetches a v2 run.
	runGetter interface {
		GetRun(ctx context.Context, runID string, opts ...client.CallOption) (*client.Run, error)
	}
)

// Poller waits for executions to finish by polling an API. Create one with
// New. It is safe for concurrent use, and every request it makes, for any
// of its waits, passes one budget: its bound on requests in flight, its
// rate limit, and a pause after a 429 (when any wait gets one, no request
// is sent before the Retry-After it carried has passed, or, without one,
// the policy's initial interval; any other error with a Retry-After pauses
// them the same way).
type Poller struct {
	api    API
	redact func(string) string // the API's Redact method; nil when it has none
	cfg    config
	budget *budget

	randMu sync.Mutex
	// warned holds the undocumented statuses already logged at Warn.
	warned sync.Map
	// claimed holds the IDs of the executions Start returned, so that a
	// match found in a task's list is never returned twice.
	claimed sync.Map
	// history is what the Poller has learned of its tasks' durations.
	history history
	// policy is the schedule its waits follow (see config.pollPolicy).
	policy Policy

	// live holds the waits under way, for Hint.
	liveMu sync.Mutex
	live   map[*waiting]struct{}
	// hintedAll is when a hint that named none of the waits last made
	// them all due, in Unix nanoseconds.
	hintedAll atomic.Int64
}

// New returns a Poller that polls api, configured by opts. Without options
// it uses DefaultPolicy, DefaultNotFoundGrace, DefaultTransientLimit and
// DefaultConcurrency, with no rate limit, no callback and no logging.
//
// It returns an error naming the bad value and what is expected when an
// option is out of range (say, a negative interval or a jitter of 1), or
// when api is nil.
func New(api API, opts ...Option) (*Poller, error) {
	if api == nil {
		return nil, errors.New("poller: API must not be nil")
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
	p := &Poller{api: api, cfg: cfg, budget: newBudget(&cfg), policy: cfg.pollPolicy(), live: make(map[*waiting]struct{})}
	if r, ok := api.(interface{ Redact(string) string }); ok {
		p.redact = r.Redact
	}
	return p, nil
}

// Wait polls execution execID of task taskID until it reaches a terminal
// status or ctx ends, on the calling goroutine. The first poll is made at
// once, the next ones when the Policy's NextPoll says. If ctx has a deadline
// that the next delay would cross, one last poll is made just before it.
//
// Outcomes:
//   - success: the execution and nil.
//   - failure, timeout or cancelled: the execution and an
//     *UnsuccessfulError, which matches ErrUnsuccessful.
//   - ctx ended: the execution as last seen (nil if none) and an error
//     matching ctx.Err() (and context.Cause(ctx)) that says what was seen.
//   - the API could not report it: the last execution seen (or nil) and an
//     error wrapping the API's, such as client.ErrUnauthorized, or
//     client.ErrNotFound once the not-found grace has passed, or the last
//     transient error once they have lasted past the transient limit.
//   - a bad ID: nil and an error matching client.ErrInvalidID, before any
//     request.
//
// A Retry-After from the server is never undercut. An undocumented status
// is taken as not finished: the wait goes on and reports it through OnUpdate
// and the logger.
func (p *Poller) Wait(ctx context.Context, taskID, execID string) (*client.Execution, error) {
	r, err := p.waitOne(ctx, Ref{TaskID: taskID, ExecutionID: execID})
	return r.Execution, err
}

// WaitExecution is Wait for an execution known by its ID alone, fetched with
// GET /v1/executions/{id}, whose answer names its task and more (see
// client.Execution). The API must have a GetExecutionByID method, as
// *client.Client does.
func (p *Poller) WaitExecution(ctx context.Context, execID string) (*client.Execution, error) {
	r, err := p.waitOne(ctx, Ref{ExecutionID: execID})
	return r.Execution, err
}

// WaitRun is Wait for a v2 run, fetched with GET
// /v2/tasks/runs/{runId}/status, with the same outcomes: nil for success,
// an error matching ErrUnsuccessful for failure, timeout or cancelled (the
// run's error is its ErrorMessage), one matching ctx.Err() when ctx ends
// first, the API's otherwise. A run reports no startTime, so its schedule
// counts its age from the start of the wait. The API must have a GetRun
// method, as *client.Client does.
func (p *Poller) WaitRun(ctx context.Context, runID string) (*client.Run, error) {
	r, err := p.waitOne(ctx, Ref{RunID: runID})
	return r.Run, err
}

// waitOne waits for ref on the calling goroutine.
func (p *Poller) waitOne(ctx context.Context, ref Ref) (Result, error) {
	var res Result
	w, err := p.newWaiting(ctx, []Ref{ref}, func(_ int, r Result) { res = r })
	if err != nil {
		return res, err
	}
	w.run(ctx, 0)
	return res, res.Err
}

// WaitAll waits for every execution in refs, each as Wait would, and
// returns one Result per ref, in the order of refs, even when ctx ends
// first (those results then hold the last status seen and an error
// matching ctx.Err()). A ref listed more than once is polled once; its
// copies share the same Result.
//
// Waiting executions are entries in one queue ordered by when each is due,
// polled by a pool of workers, as many as the Poller may have requests in
// flight: however many executions there are, each is polled on its own
// schedule, and only requests are bounded (by the Poller's concurrency and
// rate limit, shared with its other waits). The workers stop before WaitAll
// returns. If the API panics, the other waits are stopped and WaitAll
// panics with the same value once they have. With WithFailFast, the first
// wait that ends in error stops the others.
//
// The error is nil when every execution succeeded. Otherwise it says how
// many did not and wraps the first of their errors in the order of refs,
// preferring one that is not the context ending, so errors.Is(err,
// ErrUnsuccessful) or errors.Is(err, context.DeadlineExceeded) tell the
// main reason; the Results tell each one. A bad ID in refs makes WaitAll
// return no results and an error matching client.ErrInvalidID that names
// it, before any request.
func (p *Poller) WaitAll(ctx context.Context, refs []Ref) ([]Result, error) {
	results := make([]Result, len(refs))
	err := p.WaitEach(ctx, refs, func(i int, r Result) { results[i] = r })
	var invalid *refError
	if errors.As(err, &invalid) {
		return nil, err
	}
	return results, err
}

// WaitEach is WaitAll handing each result to each as its wait ends, rather
// than keeping them all: what a caller waiting for many executions with
// large outputs needs to keep memory bounded. each is called once for
// every index of refs, one call at a time, in the order the waits end (the
// copies of a ref listed more than once together), from the goroutine of
// the worker that ended it; it should return quickly, as that worker polls
// nothing meanwhile. WaitEach returns once the last call has returned,
// with the error WaitAll would return.
func (p *Poller) WaitEach(ctx context.Context, refs []Ref, each func(i int, r Result)) error {
	w, err := p.newWaiting(ctx, refs, each)
	if err != nil {
		return &refError{err}
	}
	w.run(ctx, min(p.cfg.concurrency, len(w.entries)))
	return w.tally.err()
}

// refError is the error of refs that cannot be waited for.
type refError struct{ err error }

func (e *refError) Error() string { return e.err.Error() }
func (e *refError) Unwrap() error { return e.err }

// random returns the next random number for jitter.
func (p *Poller) random() float64 {
	if !p.cfg.randSet {
		return rand.Float64()
	}
	p.randMu.Lock()
	defer p.randMu.Unlock()
	return p.cfg.rand()
}

// warnUnknown logs an undocumented status at Warn, once per value per Poller.
func (p *Poller) warnUnknown(ctx context.Context, e *entry) {
	l := p.cfg.logger
	if l == nil {
		return
	}
	st := e.status()
	if _, seen := p.warned.LoadOrStore(st, struct{}{}); seen {
		return
	}
	l.LogAttrs(ctx, slog.LevelWarn, "undocumented execution status: taken as not finished",
		slog.String("status", p.text(string(st))),
		slog.String("task", e.ref.TaskID),
		slog.String("execution", e.ref.ExecutionID))
}

// text returns server text fit for the Poller's errors and logs: with the
// API key blanked out when the API can do that.
func (p *Poller) text(s string) string {
	if p.redact == nil {
		return s
	}
	return p.redact(s)
}
