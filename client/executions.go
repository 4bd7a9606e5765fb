package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// GetExecution fetches one execution of a task: the call to poll while it is
// queued or running. Both IDs must be UUIDs; otherwise it returns an error
// matching ErrInvalidID and sends nothing. Transient failures are retried
// (see IsTransient); the error returned after the last attempt says what
// happened and is an *APIError for an HTTP error status.
func (c *Client) GetExecution(ctx context.Context, taskID, execID string, opts ...CallOption) (*Execution, error) {
	task, err := c.checkID("task", taskID)
	if err != nil {
		return nil, fmt.Errorf("get execution: %w", err)
	}
	exec, err := c.checkID("execution", execID)
	if err != nil {
		return nil, fmt.Errorf("get execution: %w", err)
	}
	var out Execution
	err = c.do(ctx, call{
		method:     http.MethodGet,
		path:       "/v1/task/" + task + "/executions/" + exec,
		idempotent: true,
	}, &out, opts)
	if err == nil && !strings.EqualFold(out.ID, exec) {
		err = fmt.Errorf("%w: asked for execution %s, got %q", ErrBadResponse, exec, c.redact(out.ID))
	}
	if err != nil {
		return nil, fmt.Errorf("get execution %s: %w", exec, err)
	}
	return &out, nil
}

// ListExecutions fetches one page of a task's executions, newest first,
// filtered by opts. Zero options take the API's defaults.
func (c *Client) ListExecutions(ctx context.Context, taskID string, opts ListOptions, callOpts ...CallOption) (*ExecutionPage, error) {
	task, err := c.checkID("task", taskID)
	if err != nil {
		return nil, fmt.Errorf("list executions: %w", err)
	}
	q := url.Values{}
	switch {
	case opts.Page < 0:
		return nil, fmt.Errorf("list executions: %w: page %d: want 1 or more (0 for the first)", ErrInvalidRequest, opts.Page)
	case opts.Limit < 0:
		return nil, fmt.Errorf("list executions: %w: limit %d: want 1 or more (0 for the API's default)", ErrInvalidRequest, opts.Limit)
	case opts.Status != "" && !opts.Status.Known():
		return nil, fmt.Errorf("list executions: %w: status %q: want one of %v", ErrInvalidRequest, opts.Status, Statuses())
	}
	if opts.Page > 0 {
		q.Set("page", strconv.Itoa(opts.Page))
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Status != "" {
		q.Set("status", string(opts.Status))
	}
	if opts.Version != "" {
		q.Set("version", opts.Version)
	}
	var out ExecutionPage
	err = c.do(ctx, call{
		method:     http.MethodGet,
		path:       "/v1/task/" + task + "/executions",
		query:      q,
		idempotent: true,
	}, &out, callOpts)
	if err != nil {
		return nil, fmt.Errorf("list executions of task %s: %w", task, err)
	}
	return &out, nil
}

// RunTask starts a task. With req.Async set it returns as soon as the run is
// queued, and ExecutionResultID is the execution to wait for. The API does
// not always send it (its own example of an async answer has none): then it
// is empty, and the execution must be found in the task's list
// (poller.Poller.Start does that).
//
// A synchronous run (Async false) must end within the per-attempt timeout
// (WithRequestTimeout, 15 s by default); for longer tasks start it with Async
// and wait for the execution with package poller.
//
// A run is not idempotent, so RunTask retries only when the task cannot have
// started: a refused connection, a 429, or a response that says
// x-should-retry: true. A 5xx or a dropped connection is returned at once,
// since a retry might start the task twice.
func (c *Client) RunTask(ctx context.Context, req RunTaskRequest, opts ...CallOption) (*RunTaskResult, error) {
	task, err := c.checkID("task", req.TaskID)
	if err != nil {
		return nil, fmt.Errorf("run task: %w", err)
	}
	req.TaskID = task
	if req.Version != "" {
		if err := CheckVersion(req.Version); err != nil {
			return nil, fmt.Errorf("run task %s: %w", task, err)
		}
	}
	if req.SessionID != "" {
		if req.SessionID, err = c.checkID("session", req.SessionID); err != nil {
			return nil, fmt.Errorf("run task %s: %w", task, err)
		}
	}
	for k := range req.Inputs {
		if err := CheckInputName(k); err != nil {
			return nil, fmt.Errorf("run task %s: %w", task, c.redactErr(err))
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("run task %s: encode request: %w", task, err)
	}
	var out RunTaskResult
	err = c.do(ctx, call{method: http.MethodPost, path: "/v1/task/run", body: body}, &out, opts)
	if id := out.ExecutionResultID; err == nil && id != "" {
		if _, perr := uuid.Parse(id); perr != nil || len(id) != 36 {
			err = fmt.Errorf("%w: run returned executionResultId %q, want a UUID", ErrBadResponse, c.redact(id))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("run task %s: %w", task, err)
	}
	return &out, nil
}

// checkID is ParseID with the API key blanked out of the error, before the
// ID is cut short in it, should a caller pass the key where an ID belongs.
func (c *Client) checkID(kind, id string) (string, error) {
	canon, err := ParseID(kind, id)
	if err != nil {
		return "", invalidID(kind, c.redact(id))
	}
	return canon, nil
}
