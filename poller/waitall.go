package poller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/anchorwait/anchorwait/client"
)

// Ref names one execution to wait for.
type Ref struct {
	TaskID      string
	ExecutionID string
}

// Result is the outcome of the wait for one execution in WaitAll.
type Result struct {
	Ref
	// Execution is the execution as last polled; nil if no poll succeeded.
	Execution *client.Execution
	// Err is the wait's error, as Poller.Wait returns it; nil for success.
	Err error
	// Polls is the number of requests sent for this execution.
	Polls int
	// Waited is how long the wait lasted.
	Waited time.Duration
}

// Status returns the last status seen, or "" when none was.
func (r Result) Status() client.Status {
	if r.Execution == nil {
		return ""
	}
	return r.Execution.Status
}

// WaitAll waits for every execution in refs, each as Poller.Wait would, and
// returns one Result per ref, in the order of refs, even when ctx ends first
// (those results then hold the last status seen and an error matching
// ctx.Err()). A ref listed more than once is polled once; its copies share
// the same Result.
//
// Every execution has its own goroutine, so all are polled on their own
// schedules however many there are; only requests are bounded, by the
// Poller's concurrency and rate limit (shared with any other Wait or WaitAll
// of the Poller running at the same time), and a 429 seen by any wait holds
// back the requests of all. The Getter is called from a pool of worker
// goroutines, one per request that may be in flight, started for the call
// and stopped before it returns; it must return promptly once the context
// it is given ends. With WithFailFast, the first wait that ends in error
// stops the others.
//
// The error is nil when every execution succeeded. Otherwise it says how many
// did not and wraps the first of their errors in the order of refs,
// preferring one that is not the context ending, so errors.Is(err,
// ErrUnsuccessful) or errors.Is(err, context.DeadlineExceeded) tell the
// main reason; the Results tell each one.
func (p *Poller) WaitAll(ctx context.Context, refs []Ref) ([]Result, error) {
	results := make([]Result, len(refs))
	first := make(map[Ref]int, len(refs)) // index of each ref's first copy
	unique := make([]int, 0, len(refs))   // indexes of the first copies
	for i, ref := range refs {
		if _, dup := first[ref]; !dup {
			first[ref] = i
			unique = append(unique, i)
		}
	}
	waitCtx, cancel := ctx, context.CancelCauseFunc(nil)
	if p.cfg.failFast {
		waitCtx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
	}
	// The requests are made on a pool of workers, as many as may be in
	// flight: the goroutines of the waits only sleep and queue.
	pl := startPool(p.getter, min(p.cfg.concurrency, len(unique)))
	var g errgroup.Group
	for _, i := range unique {
		g.Go(func() error {
			r := &results[i]
			w := waiter{p: p, ref: refs[i], pool: pl, reply: make(chan callResult, 1)}
			r.Ref = refs[i]
			r.Execution, r.Err = w.run(waitCtx)
			r.Polls, r.Waited = w.polls, time.Since(w.start)
			if r.Err != nil && !w.ctxEnded && cancel != nil {
				cancel(fmt.Errorf("%w: %v", ErrFailFast, r.Err))
			}
			return nil
		})
	}
	_ = g.Wait() // the goroutines report through results, never through errors
	pl.stop()
	if len(unique) < len(refs) {
		for i, ref := range refs {
			if j := first[ref]; j != i {
				results[i] = results[j]
			}
		}
	}
	return results, summarize(results)
}

// summarize returns WaitAll's error for results.
func summarize(results []Result) error {
	failed := 0
	var firstErr, firstCtxErr error
	for _, r := range results {
		if r.Err == nil {
			continue
		}
		failed++
		var ce *contextEndError
		switch {
		case errors.As(r.Err, &ce):
			if firstCtxErr == nil {
				firstCtxErr = r.Err
			}
		case firstErr == nil:
			firstErr = r.Err
		}
	}
	if failed == 0 {
		return nil
	}
	if firstErr == nil {
		firstErr = firstCtxErr
	}
	return fmt.Errorf("%d of %d executions did not succeed; first: %w", failed, len(results), firstErr)
}
