package poller

import (
	"context"
	"errors"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// worker runs jobs, one at a time, with call options made once.
type worker struct {
	resp     client.Response
	opts     []client.CallOption // a GET's
	pageOpts []client.CallOption // a page's: opts and the page's body limit
}

// do runs j: it passes the Poller's budget, sends the request, and hands
// what came back to the entries it answers for. It returns an entry whose
// wait it ended in error (not by its context), for fail-fast; nil if none.
func (wk *worker) do(ctx context.Context, w *waiting, j *job, timer *time.Timer) (failed *entry) {
	if wk.opts == nil {
		wk.opts = []client.CallOption{client.SingleAttempt(), client.CaptureResponse(&wk.resp)}
		wk.pageOpts = append(wk.opts[:len(wk.opts):len(wk.opts)], client.BodyLimit(pageBodyLimit))
	}
	p := w.p
	if err := p.budget.acquire(ctx, timer); err != nil {
		for _, m := range j.members {
			w.end(ctx, m, contextError(ctx, m), true)
		}
		return nil
	}
	if j.page == 0 {
		return wk.get(ctx, w, j.e)
	}
	return wk.page(ctx, w, j)
}

// get polls e with a GET.
func (wk *worker) get(ctx context.Context, w *waiting, e *entry) (failed *entry) {
	p := w.p
	r := reply{resp: &wk.resp}
	func() {
		// The slot goes back even if the API panics.
		defer func() { p.budget.release(&wk.resp, r.err) }()
		wk.resp = client.Response{}
		r.exec, r.run, r.err = p.fetch(ctx, e.ref, wk.opts)
	}()
	r.requests = requestsMade(&wk.resp, r.err)
	now := time.Now()
	if r.err != nil && ctx.Err() != nil {
		// The request failed because the wait's context ended.
		e.requests += r.requests
		w.end(ctx, e, contextError(ctx, e), true)
		return nil
	}
	due, ended := w.after(ctx, e, &r, now)
	if ended {
		return failedOf(e)
	}
	w.mu.Lock()
	w.reschedule(e, due)
	w.mu.Unlock()
	return nil
}

// page reads page j.page of its task's list and hands each waited
// execution on it what the page says of it.
func (wk *worker) page(ctx context.Context, w *waiting, j *job) (failed *entry) {
	p := w.p
	l := p.api.(lister) // plan made a page job only for an API that lists
	var res *client.ExecutionPage
	var err error
	func() {
		defer func() { p.budget.release(&wk.resp, err) }()
		wk.resp = client.Response{}
		res, err = l.ListExecutions(ctx, j.ts.id, client.ListOptions{Page: j.page, Limit: j.limit}, wk.pageOpts...)
	}()
	j.e.requests += requestsMade(&wk.resp, err)
	now := time.Now()
	if err != nil {
		w.mu.Lock()
		w.pageDone(j)
		if ctx.Err() == nil {
			j.ts.pageFailed(j, err, now, p.cfg.policy.InitialInterval)
		}
		for _, m := range j.members {
			w.reschedule(m, now)
		}
		w.mu.Unlock()
		if ctx.Err() != nil {
			w.mu.Lock()
			for _, m := range j.members {
				w.queue.remove(m)
			}
			w.mu.Unlock()
			for _, m := range j.members {
				w.end(ctx, m, contextError(ctx, m), true)
			}
		}
		return nil
	}

	// Which waited executions the page shows, and where.
	type found struct {
		e    *entry
		exec *client.Execution
	}
	var seen []found
	size := 0
	for i := range res.Results {
		size += len(res.Results[i].Raw)
	}
	w.mu.Lock()
	j.ts.listFails = 0
	j.ts.total = res.Pagination.Total
	j.ts.fitPage(len(res.Results), size)
	for i := range res.Results {
		x := w.byID[res.Results[i].ID]
		if x == nil || x.ref.TaskID != j.ts.id || x.finished {
			continue
		}
		switch {
		case x.parkedOn >= 0: // waiting for this page, or for any
			x.parkedOn = -1
			j.members = append(j.members, x)
		case !x.held: // queued: this answer refreshes it too
			w.queue.remove(x)
			x.held = true
			j.members = append(j.members, x)
		case !j.holds(x):
			continue // another request has it
		}
		x.listPos, x.listTotal = (j.page-1)*j.limit+i, res.Pagination.Total
		// A copy of its own: neither the page nor the other executions on
		// it stay alive for as long as this one is waited for.
		exec := res.Results[i]
		seen = append(seen, found{x, &exec})
	}
	w.pageDone(j)
	w.mu.Unlock()
	if p.cfg.history {
		for i := range res.Results {
			p.history.add(j.ts.id, &res.Results[i])
		}
	}

	// Each entry seen is polled by this answer; the others are not where
	// they were thought to be, and are looked for again at once.
	dues := make(map[*entry]time.Time, len(seen))
	for i := range seen {
		f := &seen[i]
		r := reply{exec: f.exec, resp: &wk.resp}
		due, ended := w.after(ctx, f.e, &r, now)
		if ended {
			if failed == nil {
				failed = failedOf(f.e)
			}
			continue
		}
		dues[f.e] = due
	}
	w.capSweep(dues, now)
	w.mu.Lock()
	for _, m := range j.members {
		if m.finished {
			continue
		}
		due, ok := dues[m]
		switch {
		case ok:
		case m.listPos >= 0 && res.Pagination.Total != m.listTotal:
			// Executions added above it (or gone) since it was placed have
			// moved it off this page: where to, its place says still. It
			// keeps the due time it had.
			due = later(now, time.Unix(0, m.due))
		case m.listPos >= 0 && !j.covers(m):
			// It waited for a page of that number in another page size:
			// its own page is asked for at once.
			due = now
		default:
			m.listPos, due = -1, now // not where it was: look for it again
		}
		w.reschedule(m, due)
	}
	w.mu.Unlock()
	return failed
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// pageDone records that j's page has been read: the entries parked on it
// join j, and once no page looking for entries not placed yet is being
// read, the entries waiting for those go back to the queue. w.mu must be
// held.
func (w *waiting) pageDone(j *job) {
	ts := j.ts
	delete(ts.reading, j.page)
	j.members = append(j.members, ts.unpark(j.page)...)
	if j.discovery {
		ts.discovery--
		if ts.discovery == 0 {
			for _, x := range ts.unpark(0) {
				w.reschedule(x, time.Now())
			}
		}
	}
}

// covers reports whether j's page held the place where x stands now.
func (j *job) covers(x *entry) bool {
	pos := x.listPos + max(j.ts.total-x.listTotal, 0)
	from := (j.page - 1) * j.limit
	return pos >= from && pos < from+j.limit
}

// holds reports whether j holds x.
func (j *job) holds(x *entry) bool {
	for _, m := range j.members {
		if m == x {
			return true
		}
	}
	return false
}

// capSweep brings the next polls of the entries of one page, due at dues,
// within the sweep interval when that costs at most twice the requests
// their own schedules would make: one page a sweep interval answers for
// them all, where their own polls would add up to at least half a request
// in that time. Then they are seen ending within a sweep interval, however
// long their own delays have grown.
func (w *waiting) capSweep(dues map[*entry]time.Time, now time.Time) {
	s := w.p.cfg.sweepInterval
	if !w.p.cfg.sweeps || s <= 0 || len(dues) < 2 {
		return
	}
	if h := w.p.cfg.hintInterval; h > 0 {
		s = max(s, h) // hints tell of the ends: the pages are a safety net
	}
	var rate float64 // requests per second of their own schedules
	for _, due := range dues {
		rate += 1 / max(due.Sub(now).Seconds(), 1e-3)
	}
	if rate*s.Seconds() < 0.5 {
		return
	}
	capAt := now.Add(s)
	for e, due := range dues {
		if due.After(capAt) {
			dues[e] = capAt
		}
	}
}

// failedOf returns e when its wait ended in error by itself, not by its
// context.
func failedOf(e *entry) *entry {
	if e.err != nil && !e.stopped {
		return e
	}
	return nil
}

// after hands r, which came back for e at now, to e's wait: it reports the
// update and ends the wait (ended true), or returns when e is next due.
// e must be held.
func (w *waiting) after(ctx context.Context, e *entry, r *reply, now time.Time) (due time.Time, ended bool) {
	p := w.p
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
		w.end(ctx, e, outcome, false)
		return time.Time{}, true
	}
	if ctx.Err() != nil {
		w.report(ctx, e, Update{Kind: kind, Time: now, Previous: prev, Err: r.err, NextDelay: -1})
		w.end(ctx, e, contextError(ctx, e), true)
		return time.Time{}, true
	}
	if d := p.cfg.stall; d > 0 && !e.changed.IsZero() && now.Sub(e.changed) >= d {
		w.report(ctx, e, Update{Kind: kind, Time: now, Previous: prev, Err: r.err})
		w.end(ctx, e, &StalledError{Status: e.status(), For: now.Sub(e.changed)}, false)
		return time.Time{}, true
	}
	m := Moment{
		Now:        now,
		Started:    w.start,
		Deadline:   w.deadline,
		Began:      e.began,
		Running:    e.running,
		RetryAfter: retryAfter,
	}
	if p.cfg.history && p.cfg.hintInterval == 0 && e.exec != nil && e.ref.kind() == taskExecution {
		m.Estimate = p.history.estimate(e.ref.TaskID, e.exec)
	}
	next := p.policy.NextPoll(m, p.random())
	if d := p.cfg.stall; d > 0 && !e.changed.IsZero() {
		// Look again when the stall would be reached, not later.
		if at := e.changed.Add(d).Sub(now); at < next.Wait && at > 0 {
			next = Due{Wait: at}
		}
	}
	u := Update{Kind: kind, Time: now, Previous: prev, Err: r.err, NextDelay: next.Wait, FinalPoll: next.Final}
	if next.None {
		u.NextDelay = -1
		// No poll fits before the deadline: e waits for it, out of the
		// queue, and endRest ends it.
		w.report(ctx, e, u)
		return time.Unix(0, 1<<62), false
	}
	w.report(ctx, e, u)
	return now.Add(next.Wait), false
}

// fetch asks the API for ref, with a GET of the kind ref names.
func (p *Poller) fetch(ctx context.Context, ref Ref, opts []client.CallOption) (*client.Execution, *client.Run, error) {
	switch ref.kind() {
	case v2Run:
		r, err := p.api.(runGetter).GetRun(ctx, ref.RunID, opts...)
		if err != nil || r == nil {
			return nil, nil, err
		}
		return r.AsExecution(), r, nil
	case executionByID:
		e, err := p.api.(executionByIDGetter).GetExecutionByID(ctx, ref.ExecutionID, opts...)
		return e, nil, err
	}
	e, err := p.api.GetExecution(ctx, ref.TaskID, ref.ExecutionID, opts...)
	return e, nil, err
}

// canFetch returns an error when the API lacks the method ref's GETs need
// (canonical has checked ref).
func (p *Poller) canFetch(ref Ref) error {
	switch ref.kind() {
	case v2Run:
		if _, ok := p.api.(runGetter); !ok {
			return errors.New("poller: the API cannot fetch v2 runs: it has no GetRun method")
		}
	case executionByID:
		if _, ok := p.api.(executionByIDGetter); !ok {
			return errors.New("poller: the API cannot fetch an execution by its ID alone: it has no GetExecutionByID method")
		}
	}
	return nil
}
