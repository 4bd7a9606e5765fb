package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// starter starts one run of a task within the budget of the requests of
// the wait that follows. *poller.Poller is one.
type starter interface {
	Start(ctx context.Context, req client.RunTaskRequest) (poller.Started, error)
}

// starts is what startRuns did.
type starts struct {
	ids []string // the IDs started, in the order of the starts
	// requests counts, by ID, the HTTP requests that started each (the
	// start, its repeats, any list pages).
	requests map[string]int
	// err is the error of the first start that failed, or ctx's if starts
	// were left undone; nil when all started.
	err error
	// maybe counts the failed starts whose request may have started an
	// execution anyway (poller.ErrMaybeStarted: cut in flight by ctx, a
	// 5xx, a broken connection): each may have started one that is not
	// in ids.
	maybe int
}

// startRuns starts the task o.count times through s, up to concurrency
// starts at once, and writes "started execution ID" to stderr as soon as
// each has started, so the IDs are in the log even if the job is killed.
// After a start fails, no further start begins (those in flight finish: an
// execution they start is not lost); when ctx ends, none does. When the
// API's answer named no execution and s found it in the task's list, the
// line says so.
func startRuns(ctx context.Context, s starter, o *startFlags, concurrency int, taskID string, stderr io.Writer) starts {
	req := client.RunTaskRequest{TaskID: taskID, Version: o.taskVersion, Async: true, Inputs: o.inputs}
	return startAll(ctx, o.count, concurrency, "execution", stderr, func(ctx context.Context) (string, int, string, error) {
		st, err := s.Start(ctx, req)
		if err != nil {
			return "", 0, "", err
		}
		note := ""
		if st.Listed {
			note = fmt.Sprintf("the API named no execution: waiting for %s, the newest execution of the task started after the request", st.ExecutionID)
		}
		return st.ExecutionID, st.Requests, note, nil
	})
}

// startOne makes one start: it returns the ID it started, the HTTP
// requests that took, and a line to write before "started ..." ("" for
// none).
type startOne func(ctx context.Context) (id string, requests int, note string, err error)

// startAll makes n starts with one, up to concurrency at once, and writes
// "started NOUN ID (i of n)" to stderr as soon as each has started. After
// a start fails, no further start begins (those in flight finish); when
// ctx ends, none does.
func startAll(ctx context.Context, n, concurrency int, noun string, stderr io.Writer, one startOne) starts {
	ids := make([]string, n)
	errs := make([]error, n)
	reqs := make([]int, n)
	var failed atomic.Bool // a start failed: begin no other
	var printMu sync.Mutex // one line at a time on stderr
	var g errgroup.Group
	g.SetLimit(max(concurrency, 1))
	for i := range n {
		if failed.Load() || ctx.Err() != nil {
			break
		}
		g.Go(func() error { // blocks while concurrency starts are out
			if failed.Load() || ctx.Err() != nil {
				return nil // left undone
			}
			id, requests, note, err := one(ctx)
			if err != nil {
				errs[i] = err
				failed.Store(true)
				return nil
			}
			ids[i], reqs[i] = id, requests
			of := ""
			if n > 1 {
				of = fmt.Sprintf(" (%d of %d)", i+1, n)
			}
			printMu.Lock()
			defer printMu.Unlock()
			if note != "" {
				fmt.Fprintf(stderr, "%s%s\n", note, of)
			}
			fmt.Fprintf(stderr, "started %s %s%s\n", noun, id, of)
			return nil
		})
	}
	_ = g.Wait() // every start's error is in errs
	st := starts{requests: map[string]int{}}
	for i := range n {
		if errors.Is(errs[i], poller.ErrMaybeStarted) {
			st.maybe++
		}
		switch {
		case ids[i] != "":
			st.ids = append(st.ids, ids[i])
			st.requests[ids[i]] = reqs[i]
		case st.err != nil:
		case errs[i] != nil:
			st.err = startError(i, n, errs[i])
		case !failed.Load():
			st.err = startError(i, n, context.Cause(ctx)) // ctx ended before it began
		}
	}
	return st
}

// startError is the error of start i (0-based) of n.
func startError(i, n int, err error) error {
	if n > 1 {
		return fmt.Errorf("start %d of %d: %w", i+1, n, err)
	}
	return err
}

// startFailure is why a task could not be started, all of it or some.
type startFailure struct {
	taskID string
	err    error // the first failed start's, or the context's
	// code is the exit code it calls for: 4 (the API), 3 (--timeout ran
	// out while starting), 130 (a signal), 2 (the API refused the request
	// as invalid).
	code int
	// message says it for people: "cannot start task X: ...", and
	// whether an execution may have started unseen.
	message string
	// maybe counts the failed starts that may have started an execution
	// (see starts).
	maybe int
}

// newStartFailure describes st's failure to start task taskID; ctx is the
// context the starts ran in, timeout the --timeout.
func newStartFailure(ctx context.Context, st starts, taskID string, timeout time.Duration) *startFailure {
	sf := &startFailure{taskID: taskID, err: st.err, maybe: st.maybe}
	text := oneLine(st.err.Error())
	cause := context.Cause(ctx)
	switch {
	case ctx.Err() != nil && !errors.Is(cause, errWaitTimeout):
		sf.code = exitInterrupted
		sf.message = fmt.Sprintf("cannot start task %s: interrupted before every start was sent", taskID)
		if st.maybe > 0 {
			sf.message = fmt.Sprintf("cannot start task %s: interrupted while starting it", taskID)
		}
	case ctx.Err() != nil:
		sf.code = exitWaitTimeout
		sf.message = fmt.Sprintf("cannot start task %s: --timeout %v ran out while starting it: %s", taskID, timeout, text)
	case isUsage(st.err):
		sf.code = exitUsage
		sf.message = fmt.Sprintf("cannot start task %s: %s", taskID, text)
	default:
		sf.code = exitAPIError
		sf.message = fmt.Sprintf("cannot start task %s: %s", taskID, text)
	}
	switch {
	case st.maybe == 1:
		sf.message += "; a start request was out, so an execution may have started that is not waited for (see the task's executions in Anchor)"
	case st.maybe > 1:
		sf.message += fmt.Sprintf("; %d start requests were out, so executions may have started that are not waited for (see the task's executions in Anchor)", st.maybe)
	}
	return sf
}

// reason says why the exit code is sf's.
func (sf *startFailure) reason() string {
	switch sf.code {
	case exitInterrupted:
		if sf.maybe > 0 {
			return "interrupted while starting the task (an execution may have started)"
		}
		return "interrupted before the task was started"
	case exitWaitTimeout:
		return "--timeout ran out while starting the task"
	}
	return "the task could not be started"
}

// caseName names the JUnit test case of the failure.
func (sf *startFailure) caseName() string { return "start task " + sf.taskID }
