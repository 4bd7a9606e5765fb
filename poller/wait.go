package poller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// waiting is one call of Wait, WaitAll or WaitEach: its executions, their
// queue and tasks, and how their results are handed back.
type waiting struct {
	p        *Poller
	start    time.Time
	deadline time.Time         // zero: the context has none
	entries  []*entry          // one per distinct ref, in the order of refs
	byID     map[string]*entry // by execution or run ID
	// copies lists, for a ref given more than once, the indexes of its
	// later copies; nil when every ref is distinct.
	copies map[*entry][]int

	mu    sync.Mutex // guards queue, tasks and the entries' scheduling state
	queue *queue
	tasks map[string]*taskState

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
	w := &waiting{p: p, each: each, entries: make([]*entry, 0, len(refs)), byID: make(map[string]*entry, len(refs))}
	first := make(map[Ref]*entry, len(refs))
	for i, ref := range refs {
		ref, err := ref.canonical()
		if err != nil {
			if len(refs) > 1 {
				err = fmt.Errorf("ref %d of %d: %w", i+1, len(refs), err)
			}
			return nil, err
		}
		if e := first[ref]; e != nil {
			if w.copies == nil {
				w.copies = make(map[*entry][]int)
			}
			w.copies[e] = append(w.copies[e], i)
			continue
		}
		if err := p.canFetch(ref); err != nil {
			return nil, err
		}
		e := &entry{ref: ref, idx: i, pos: -1, listPos: -1, parkedOn: -1}
		first[ref] = e
		if w.byID[ref.key()] == nil { // the same ID under two tasks: one is wrong
			w.byID[ref.key()] = e
		}
		if lower := strings.ToLower(ref.RunID); lower != ref.RunID && w.byID[lower] == nil {
			w.byID[lower] = e // a hint's tokens are in lower case
		}
		w.entries = append(w.entries, e)
	}
	w.start = time.Now()
	w.deadline, _ = ctx.Deadline()
	w.queue = newQueue(len(w.entries))
	w.tasks = make(map[string]*taskState)
	for _, e := range w.entries {
		if e.ref.kind() != taskExecution {
			w.queue.push(e, w.start)
			continue
		}
		ts := w.tasks[e.ref.TaskID]
		if ts == nil {
			ts = newTaskState(e.ref.TaskID, p.cfg.pageSize)
			w.tasks[e.ref.TaskID] = ts
		}
		ts.entries = append(ts.entries, e)
		ts.waiting++
		w.queue.push(e, w.start)
	}
	for _, ts := range w.tasks {
		ts.limit = p.cfg.sweepPageSize(len(ts.entries), p.budget.pace())
		ts.want = ts.limit
	}
	return w, nil
}

// run polls until every wait has ended or ctx has. With workers 0 the
// calling goroutine polls alone. Otherwise one dispatcher hands each job,
// as it comes due, to the first of workers that is free: only the
// dispatcher sleeps until the next due time, so however many entries and
// workers there are, each due time wakes one goroutine. A panic of the API
// on a worker stops the other waits and is raised again here, on the
// caller's goroutine, once every worker has stopped.
func (w *waiting) run(ctx context.Context, workers int) {
	defer w.p.register(w)()
	if workers == 0 {
		timer := newStoppedTimer()
		defer timer.Stop()
		var wk worker
		for {
			j := w.next(ctx, timer)
			if j == nil {
				break
			}
			wk.do(ctx, w, j, timer)
		}
		w.endRest(ctx)
		return
	}
	g, gctx := errgroup.WithContext(ctx)
	ready := make(chan *job)
	g.Go(func() error {
		defer close(ready)
		timer := newStoppedTimer()
		defer timer.Stop()
		for {
			j := w.next(gctx, timer)
			if j == nil {
				return nil
			}
			select {
			case ready <- j:
			case <-gctx.Done():
				return nil // its entries are ended by endRest
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
			var wk worker
			for j := range ready {
				if failed := wk.do(gctx, w, j, timer); failed != nil && stop != nil {
					return stop(failed)
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

// newStoppedTimer returns a timer that is stopped, for sleep and next to
// reset.
func newStoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// next blocks until an entry is due, and returns the job that polls it
// (see plan). It returns nil once every wait has ended, or when ctx ends.
// timer is the caller's own, stopped or expired; it is left so.
func (w *waiting) next(ctx context.Context, timer *time.Timer) *job {
	for {
		w.mu.Lock()
		e, wait := w.queue.first()
		if e != nil && wait <= 0 {
			w.queue.pop()
			j := w.plan(e)
			w.mu.Unlock()
			if j == nil { // parked on a request under way
				continue
			}
			return j
		}
		w.mu.Unlock()
		var fire <-chan time.Time // nil: nothing queued, wait for a push
		if e != nil {
			timer.Reset(wait)
			fire = timer.C
		}
		select {
		case <-fire:
		case <-w.queue.wake:
		case <-w.queue.done:
			timer.Stop()
			return nil
		case <-ctx.Done():
			timer.Stop()
			return nil
		}
		timer.Stop()
	}
}

// reschedule puts e back in the queue, due at due, and lets its job go.
// w.mu must be held.
func (w *waiting) reschedule(e *entry, due time.Time) {
	e.held = false
	if e.hinted { // a hint came while its request was out
		e.hinted, due = false, time.Now()
	}
	w.queue.push(e, due)
}

// end finishes e's wait with outcome and hands its result back. e must be
// held, or out of the queue.
func (w *waiting) end(ctx context.Context, e *entry, outcome error, stopped bool) {
	e.err, e.stopped = outcome, stopped
	w.report(ctx, e, Update{Kind: UpdateDone, Time: time.Now(), Previous: e.status(), Err: outcome})
	if w.p.cfg.history && e.ref.kind() == taskExecution && (outcome == nil || errors.Is(outcome, ErrUnsuccessful)) {
		w.p.history.add(e.ref.TaskID, e.exec)
	}
	w.hand(e)
	w.mu.Lock()
	e.finished, e.held = true, false
	// The result is handed back: what it holds is the caller's now, and
	// a WaitEach over many large outputs keeps none of them. A failure
	// stays for WithFailFast to name (see failedOf).
	e.exec, e.run, e.lastErr = nil, nil, nil
	if !w.p.cfg.failFast || stopped {
		e.err = nil
	}
	if ts := w.tasks[e.ref.TaskID]; ts != nil {
		ts.waiting--
	}
	w.queue.finish()
	w.mu.Unlock()
}

// endRest ends, with ctx's error, every wait that ctx ended before it did:
// those still queued, those held by a job that was never run, and those
// with no poll left before the deadline. No job runs any more.
func (w *waiting) endRest(ctx context.Context) {
	for _, e := range w.entries {
		w.mu.Lock()
		done := e.finished
		w.queue.remove(e)
		w.mu.Unlock()
		if !done {
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
		Run:       e.run,
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
