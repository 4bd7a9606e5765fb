package poller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/anchorwait/anchorwait/client"
)

// waiting is one call of Wait, WaitAll or WaitEach: its executions, their
// queue, and how their results are handed back.
type waiting struct {
	p        *Poller
	start    time.Time
	deadline time.Time // zero: the context has none
	entries  []*entry  // one per distinct ref, in the order of refs
	queue    *queue
	// copies lists, for a ref given more than once, the indexes of its
	// later copies; nil when every ref is distinct.
	copies map[*entry][]int
	// each receives every result as its wait ends, one call at a time.
	each   func(int, Result)
	eachMu sync.Mutex
	tally  tally
}

// newWaiting checks refs and sets up their waits; nothing is sent yet.
func (p *Poller) newWaiting(ctx context.Context, refs []Ref, each func(int, Result)) (*waiting, error) {
	if ctx == nil {
		return nil, errors.New("poller: nil Context")
	}
	w := &waiting{p: p, each: each, entries: make([]*entry, 0, len(refs))}
	first := make(map[Ref]*entry, len(refs))
	for i, ref := range refs {
		ref, err := ref.canonical()
		if err != nil {
			if len(refs) > 1 {
				err = fmt.Errorf("ref %d of %d: %w", i+1, len(refs), err)
			}
			return nil, err
		}
		if e, dup := first[ref]; dup {
			if w.copies == nil {
				w.copies = make(map[*entry][]int)
			}
			w.copies[e] = append(w.copies[e], i)
			continue
		}
		e := &entry{ref: ref, idx: i, pos: -1}
		first[ref] = e
		w.entries = append(w.entries, e)
	}
	w.start = time.Now()
	w.deadline, _ = ctx.Deadline()
	w.queue = newQueue(len(w.entries))
	for _, e := range w.entries {
		w.queue.push(e, w.start)
	}
	return w, nil
}

// run polls until every wait has ended or ctx has. With workers 0 the
// calling goroutine polls alone. Otherwise one dispatcher hands each entry,
// as it comes due, to the first of workers that is free: only the
// dispatcher sleeps until the next due time, so however many entries and
// workers there are, each due time wakes one goroutine. A panic of the API
// on a worker stops the other waits and is raised again here, on the
// caller's goroutine, once every worker has stopped.
func (w *waiting) run(ctx context.Context, workers int) {
	if workers == 0 {
		w.pollInline(ctx)
		w.endRest(ctx)
		return
	}
	g, gctx := errgroup.WithContext(ctx)
	ready := make(chan *entry)
	g.Go(func() error {
		defer close(ready)
		timer := newStoppedTimer()
		defer timer.Stop()
		for {
			e := w.queue.next(gctx, timer)
			if e == nil {
				return nil
			}
			select {
			case ready <- e:
			case <-gctx.Done():
				return nil // e is ended by endRest
			}
		}
	})
	var panicked any
	var panicOnce sync.Once
	stop := w.failFast()
	for range workers {
		g.Go(func() (err error) {
			defer func() {
				if v := recover(); v != nil {
					panicOnce.Do(func() { panicked = v })
					err = errPanicked
				}
			}()
			timer := newStoppedTimer()
			defer timer.Stop()
			var r reply
			opts := []client.CallOption{client.SingleAttempt(), client.CaptureResponse(&r.resp)}
			for e := range ready {
				if w.poll(gctx, e, &r, opts, timer) && stop != nil && e.err != nil && !e.stopped {
					return stop(e)
				}
			}
			return nil
		})
	}
	_ = g.Wait() // its error is gctx's cause, which the waits it ended report
	if panicked != nil {
		panic(panicked)
	}
	w.endRest(gctx)
}

// errPanicked ends the other workers of a WaitAll whose API panicked.
var errPanicked = errors.New("poller: the API panicked")

// failFast returns what a worker returns to stop the other waits when e's
// ended in error, or nil without WithFailFast.
func (w *waiting) failFast() func(e *entry) error {
	if !w.p.cfg.failFast {
		return nil
	}
	return func(e *entry) error {
		return fmt.Errorf("%w: execution %s: %v", ErrFailFast, e.ref.ExecutionID, e.err)
	}
}

// pollInline polls every entry on the calling goroutine, as they come due,
// until every wait has ended or ctx has.
func (w *waiting) pollInline(ctx context.Context) {
	timer := newStoppedTimer()
	defer timer.Stop()
	var r reply
	opts := []client.CallOption{client.SingleAttempt(), client.CaptureResponse(&r.resp)}
	for {
		e := w.queue.next(ctx, timer)
		if e == nil {
			return
		}
		w.poll(ctx, e, &r, opts, timer)
	}
}

// newStoppedTimer returns a timer that is stopped, for sleep and
// queue.next to reset.
func newStoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// poll makes one request for e, once the Poller's budget allows, and
// either ends e's wait (returning true) or queues its next poll.
func (w *waiting) poll(ctx context.Context, e *entry, r *reply, opts []client.CallOption, timer *time.Timer) bool {
	p := w.p
	if err := p.budget.acquire(ctx, timer); err != nil {
		return w.end(ctx, e, contextError(ctx, e), true)
	}
	*r = reply{}
	func() {
		// The slot goes back even if the API panics.
		defer func() { p.budget.release(r.err) }()
		r.exec, r.err = p.api.GetExecution(ctx, e.ref.TaskID, e.ref.ExecutionID, opts...)
	}()
	r.requests = requestsMade(&r.resp, r.err)
	now := time.Now()
	if r.err != nil && ctx.Err() != nil {
		// The request failed because the wait's context ended.
		e.requests += r.requests
		return w.end(ctx, e, contextError(ctx, e), true)
	}
	prev := e.status()
	done, retryAfter, outcome := w.observe(e, r, now)
	kind := UpdatePoll
	switch {
	case r.err != nil:
		kind = UpdateRetry
	case e.status() != prev:
		kind = UpdateStatusChange
		if !e.status().Known() {
			p.warnUnknown(ctx, e)
		}
	}
	if done {
		if r.err == nil {
			w.report(ctx, e, Update{Kind: kind, Time: now, Previous: prev})
		}
		return w.end(ctx, e, outcome, false)
	}
	if ctx.Err() != nil {
		w.report(ctx, e, Update{Kind: kind, Time: now, Previous: prev, Err: r.err, NextDelay: -1})
		return w.end(ctx, e, contextError(ctx, e), true)
	}
	due := p.cfg.policy.NextPoll(Moment{
		Now:        now,
		Started:    w.start,
		Deadline:   w.deadline,
		Requests:   e.requests,
		RetryAfter: retryAfter,
	}, p.random())
	u := Update{Kind: kind, Time: now, Previous: prev, Err: r.err, NextDelay: due.Wait, FinalPoll: due.Final}
	if due.None {
		u.NextDelay = -1
	}
	w.report(ctx, e, u)
	if !due.None {
		w.queue.push(e, now.Add(due.Wait))
	}
	// With no poll left before the deadline, e stays out of the queue
	// until the context ends the wait.
	return false
}

// end finishes e's wait with outcome and hands its result back. It returns
// true, for poll's convenience.
func (w *waiting) end(ctx context.Context, e *entry, outcome error, stopped bool) bool {
	e.finished, e.err, e.stopped = true, outcome, stopped
	w.report(ctx, e, Update{Kind: UpdateDone, Time: time.Now(), Previous: e.status(), Err: outcome})
	w.hand(e)
	w.queue.finish()
	return true
}

// endRest ends, with ctx's error, every wait that ctx ended before it did:
// those still queued and those with no poll left before the deadline.
func (w *waiting) endRest(ctx context.Context) {
	for _, e := range w.entries {
		if !e.finished {
			w.end(ctx, e, contextError(ctx, e), true)
		}
	}
}

// hand passes e's result to each, for every index of refs it stands for,
// and counts it.
func (w *waiting) hand(e *entry) {
	r := Result{
		Ref:       e.ref,
		Execution: e.exec,
		Err:       e.err,
		Requests:  e.requests,
		LastErr:   e.lastErr,
		Stopped:   e.stopped,
		Waited:    time.Since(w.start),
	}
	w.eachMu.Lock()
	defer w.eachMu.Unlock()
	w.tally.add(e.idx, r)
	if w.each != nil {
		w.each(e.idx, r)
	}
	for _, i := range w.copies[e] {
		w.tally.add(i, r)
		if w.each != nil {
			w.each(i, r)
		}
	}
}
