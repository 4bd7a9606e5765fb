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

// startRuns starts the task o.count times, async, with up to o.concurrency
// starts in flight at once, and writes "started execution ID" to stderr as
// soon as each has started, so the IDs are in the log even if the job is
// killed. After a start fails, no further start begins (those in flight
// finish: an execution they start is not lost); when ctx ends, none does.
// It returns the IDs started, in the order of the starts, and the error of
// the first start that failed, or ctx's if starts were left undone.
func startRuns(ctx context.Context, s starter, o *options, taskID string, stderr io.Writer) ([]string, error) {
	n := o.count
	ids := make([]string, n)
	errs := make([]error, n)
	slots := make(chan struct{}, max(o.concurrency, 1))
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
				once.Do(func() { close(failed) })
				return
			}
			if res.ExecutionResultID == "" {
				errs[i] = fmt.Errorf("%w: the API started the task but sent no executionResultId", client.ErrBadResponse)
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
	var started []string
	var firstErr error
	for i := range n {
		switch {
		case ids[i] != "":
			started = append(started, ids[i])
		case firstErr != nil:
		case errs[i] != nil:
			firstErr = startError(i, n, errs[i])
		case i >= begun && !isClosed(failed):
			firstErr = startError(i, n, context.Cause(ctx))
		}
	}
	return started, firstErr
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

// runTask is the run command: start the task, then wait for what started,
// all within --timeout. A start that fails after others succeeded still
// waits for those, and the exit code is then 4 (3 when --timeout ran out
// while starting, 130 on an interrupt).
func runTask(ctx context.Context, w *waiter, s starter) int {
	start := time.Now()
	runCtx, cancel := w.withTimeout(ctx)
	defer cancel()
	ids, err := startRuns(runCtx, s, &w.opts, w.taskID, w.stderr)
	if err == nil {
		_, code := w.waitWithin(runCtx, ids, start)
		return code
	}
	msg := fmt.Sprintf("cannot start task %s: %s", w.taskID, oneLine(err.Error()))
	if ctx.Err() == nil && context.Cause(runCtx) == errWaitTimeout {
		msg = fmt.Sprintf("cannot start task %s: --timeout %v ran out while starting it: %s", w.taskID, w.opts.timeout, oneLine(err.Error()))
	}
	fmt.Fprintf(w.stderr, "anchor-wait: %s\n", msg)
	if w.github {
		fmt.Fprintf(w.stderr, "::error title=%s::%s\n", escapeProperty("anchor-wait could not start the task"), escapeData(msg))
	}
	switch {
	case ctx.Err() != nil:
		// Interrupted: report what was started, unwaited for.
		results := make([]result, len(ids))
		for i, id := range ids {
			results[i] = interruptedResult(w.taskID, id)
		}
		w.priorOutcomes = []outcome{outcomeInterrupted}
		w.report(results, nil, time.Since(start), start)
		return exitInterrupted
	case context.Cause(runCtx) == errWaitTimeout:
		w.priorOutcomes = []outcome{outcomeWaitTimeout}
	case errors.Is(err, client.ErrInvalidRequest), errors.Is(err, client.ErrInvalidID):
		return exitUsage
	default:
		w.priorOutcomes = []outcome{outcomeAPIError}
	}
	if len(ids) == 0 {
		return w.report(nil, nil, time.Since(start), start)
	}
	_, code := w.waitWithin(runCtx, ids, start)
	return code
}
