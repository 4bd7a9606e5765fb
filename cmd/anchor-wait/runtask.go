package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// starter starts one run of a task. *client.Client is one.
type starter interface {
	RunTask(ctx context.Context, req client.RunTaskRequest) (*client.RunTaskResult, error)
}

// startRuns starts the task o.count times, async, one after the other, and
// writes "started execution ID" to stderr as soon as each has started, so
// the IDs are in the log even if the job is killed. It stops at the first
// error and returns the IDs started so far with it.
func startRuns(ctx context.Context, s starter, o *options, taskID string, stderr io.Writer) ([]string, error) {
	var ids []string
	for i := range o.count {
		res, err := s.RunTask(ctx, client.RunTaskRequest{
			TaskID:  taskID,
			Version: o.taskVersion,
			Async:   true,
			Inputs:  o.inputs,
		})
		if err != nil {
			if o.count > 1 {
				err = fmt.Errorf("start %d of %d: %w", i+1, o.count, err)
			}
			return ids, err
		}
		id := strings.ToLower(res.ExecutionResultID)
		if o.count > 1 {
			fmt.Fprintf(stderr, "started execution %s (%d of %d)\n", id, i+1, o.count)
		} else {
			fmt.Fprintf(stderr, "started execution %s\n", id)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// runTask is the run command: start the task, then wait for what started.
// A start that fails after others succeeded still waits for those, and the
// exit code is then 4 (or 130 on an interrupt).
func runTask(ctx context.Context, w *waiter, s starter) int {
	start := time.Now()
	ids, err := startRuns(ctx, s, &w.opts, w.taskID, w.stderr)
	if err == nil {
		_, code := w.wait(ctx, ids)
		return code
	}
	msg := fmt.Sprintf("cannot start task %s: %s", w.taskID, oneLine(err.Error()))
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
	case errors.Is(err, client.ErrInvalidRequest), errors.Is(err, client.ErrInvalidID):
		return exitUsage
	case len(ids) == 0:
		w.priorOutcomes = []outcome{outcomeAPIError}
		return w.report(nil, nil, time.Since(start), start)
	}
	w.priorOutcomes = []outcome{outcomeAPIError}
	_, code := w.wait(ctx, ids)
	return code
}
