package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// starter starts one run of a task. *client.Client is one.
type starter interface {
	RunTask(ctx context.Context, req client.RunTaskRequest, opts ...client.CallOption) (*client.RunTaskResult, error)
}

// starts is what startRuns did.
type starts struct {
	ids []string // the IDs started, in the order of the starts
	// err is the error of the first start that failed, or ctx's if starts
	// were left undone; nil when all started.
	err error
	// inFlight counts the starts whose request was out when ctx ended:
	// each may have started an execution that is not in ids.
	inFlight int
}

// startRuns starts the task o.count times, async, with up to concurrency
// starts in flight at once, and writes "started execution ID" to stderr as
// soon as each has started, so the IDs are in the log even if the job is
// killed. After a start fails, no further start begins (those in flight
// finish: an execution they start is not lost); when ctx ends, none does.
func startRuns(ctx context.Context, s starter, o *startFlags, concurrency int, taskID string, stderr io.Writer) starts {
	n := o.count
	ids := make([]string, n)
	errs := make([]error, n)
	cut := make([]bool, n) // the start's request was out when ctx ended
	slots := make(chan struct{}, max(concurrency, 1))
	failed := make(chan struct{}) // closed at the first failed start
	var once sync.Once
	var printMu sync.Mutex // one line at a time on stderr
	var wg sync.WaitGroup
	begun := 0
	for i := range n {
		select {
		case slots <- struct{}{}:
		case <-failed:
		case <-ctx.Done():
		}
		if isClosed(failed) || ctx.Err() != nil {
			break
		}
		begun++
		wg.Go(func() {
			defer func() { <-slots }()
			res, err := s.RunTask(ctx, client.RunTaskRequest{TaskID: taskID, Version: o.taskVersion, Async: true, Inputs: o.inputs})
			if err != nil {
				errs[i] = err
				cut[i] = ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
				once.Do(func() { close(failed) })
				return
			}
			id := strings.ToLower(res.ExecutionResultID)
			ids[i] = id
			printMu.Lock()
			defer printMu.Unlock()
			if n > 1 {
				fmt.Fprintf(stderr, "started execution %s (%d of %d)\n", id, i+1, n)
			} else {
				fmt.Fprintf(stderr, "started execution %s\n", id)
			}
		})
	}
	wg.Wait()
	var st starts
	for i := range n {
		if cut[i] {
			st.inFlight++
		}
		switch {
		case ids[i] != "":
			st.ids = append(st.ids, ids[i])
		case st.err != nil:
		case errs[i] != nil:
			st.err = startError(i, n, errs[i])
		case i >= begun && !isClosed(failed):
			st.err = startError(i, n, context.Cause(ctx))
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

// isClosed reports whether ch is closed; nothing is ever sent on it.
func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
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
	// inFlight counts the starts cut short while their request was out:
	// each may have started an execution.
	inFlight int
}

// newStartFailure describes st's failure to start task taskID; ctx is the
// context the starts ran in, timeout the --timeout.
func newStartFailure(ctx context.Context, st starts, taskID string, timeout time.Duration) *startFailure {
	sf := &startFailure{taskID: taskID, err: st.err, inFlight: st.inFlight}
	text := oneLine(st.err.Error())
	cause := context.Cause(ctx)
	switch {
	case ctx.Err() != nil && !errors.Is(cause, errWaitTimeout):
		sf.code = exitInterrupted
		sf.message = fmt.Sprintf("cannot start task %s: interrupted before every start was sent", taskID)
		if st.inFlight > 0 {
			sf.message = fmt.Sprintf("cannot start task %s: interrupted while starting it", taskID)
		}
	case ctx.Err() != nil:
		sf.code = exitWaitTimeout
		sf.message = fmt.Sprintf("cannot start task %s: --timeout %v ran out while starting it: %s", taskID, timeout, text)
	case errors.Is(st.err, client.ErrInvalidRequest), errors.Is(st.err, client.ErrInvalidID):
		sf.code = exitUsage
		sf.message = fmt.Sprintf("cannot start task %s: %s", taskID, text)
	default:
		sf.code = exitAPIError
		sf.message = fmt.Sprintf("cannot start task %s: %s", taskID, text)
	}
	switch {
	case st.inFlight == 1:
		sf.message += "; a start request was out, so an execution may have started that is not waited for (see the task's executions in Anchor)"
	case st.inFlight > 1:
		sf.message += fmt.Sprintf("; %d start requests were out, so executions may have started that are not waited for (see the task's executions in Anchor)", st.inFlight)
	}
	return sf
}

// reason says why the exit code is sf's.
func (sf *startFailure) reason() string {
	switch sf.code {
	case exitInterrupted:
		if sf.inFlight > 0 {
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
