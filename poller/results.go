package poller

import (
	"errors"
	"fmt"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// Ref names one thing to wait for: an execution of a task (TaskID and
// ExecutionID), an execution by its ID alone (ExecutionID only: it is
// fetched with GET /v1/executions/{id}), or a v2 run (RunID only).
type Ref struct {
	TaskID      string
	ExecutionID string
	RunID       string
}

// kind says which of the three a Ref names.
type refKind uint8

const (
	taskExecution refKind = iota // TaskID and ExecutionID
	executionByID                // ExecutionID alone
	v2Run                        // RunID alone
)

// kind returns which of the three r names; canonical checks it does so.
func (r Ref) kind() refKind {
	switch {
	case r.RunID != "":
		return v2Run
	case r.TaskID == "":
		return executionByID
	}
	return taskExecution
}

// key is r's ID, as a page or a hint names it.
func (r Ref) key() string {
	if r.RunID != "" {
		return r.RunID
	}
	return r.ExecutionID
}

// canonical returns r with its IDs checked and in their canonical form, or
// an error matching client.ErrInvalidID.
func (r Ref) canonical() (Ref, error) {
	if r.RunID != "" {
		if r.TaskID != "" || r.ExecutionID != "" {
			return r, fmt.Errorf("%w: a ref names a run alone: want RunID without TaskID or ExecutionID", client.ErrInvalidID)
		}
		id, err := client.ParseRunID(r.RunID)
		return Ref{RunID: id}, err
	}
	exec, err := client.ParseID("execution", r.ExecutionID)
	if err != nil {
		return r, err
	}
	if r.TaskID == "" {
		return Ref{ExecutionID: exec}, nil
	}
	task, err := client.ParseID("task", r.TaskID)
	if err != nil {
		return r, err
	}
	return Ref{TaskID: task, ExecutionID: exec}, nil
}

// Result is the outcome of the wait for one execution.
type Result struct {
	Ref
	// Execution is the execution as last seen; nil if no request brought it.
	// For a run, it is the run as an execution (client.Run.AsExecution).
	Execution *client.Execution
	// Run is the v2 run as last seen, for a Ref that names one; nil
	// otherwise.
	Run *client.Run
	// Err is the wait's error, as Poller.Wait returns it; nil for success.
	Err error
	// Requests is the number of HTTP requests sent for this execution,
	// retries included: every one the server saw, and one cut short in
	// flight when the context ended, which the server may not have read.
	Requests int
	// LastErr is the error of the last request, nil when it brought a
	// status (or no request was made). It tells why a wait that its
	// context ended saw no status, say.
	LastErr error
	// Stopped is true when the context ended the wait before an outcome:
	// its deadline, a cancellation, or WithFailFast after another wait
	// failed. Err then matches the context's error.
	Stopped bool
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

// tally keeps what WaitAll's and WaitEach's error needs: how many waits did
// not succeed, and the first of their errors in the order of refs,
// preferring one that is not the context ending.
type tally struct {
	n, failed            int
	firstIdx, firstCtxAt int
	first, firstCtx      error
}

func (t *tally) add(i int, r Result) {
	t.n++
	if r.Err == nil {
		return
	}
	t.failed++
	what := "execution " + r.ExecutionID
	if r.RunID != "" {
		what = "run " + r.RunID
	}
	err := fmt.Errorf("%s: %w", what, r.Err)
	var ce *contextEndError
	switch {
	case errors.As(r.Err, &ce):
		if t.firstCtx == nil || i < t.firstCtxAt {
			t.firstCtx, t.firstCtxAt = err, i
		}
	case t.first == nil || i < t.firstIdx:
		t.first, t.firstIdx = err, i
	}
}

// err returns the error of the whole: nil when every wait succeeded.
func (t *tally) err() error {
	if t.failed == 0 {
		return nil
	}
	first := t.first
	if first == nil {
		first = t.firstCtx
	}
	return fmt.Errorf("%d of %d executions did not succeed; first: %w", t.failed, t.n, first)
}
