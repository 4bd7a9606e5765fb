package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// GetExecution fetches one execution of a task: the call to poll while it is
// queued or running. Both IDs must be UUIDs; otherwise it returns an error
// matching ErrInvalidID and sends nothing. Transient failures are retried
// (see IsTransient); the error returned after the last attempt says what
// happened and is an *APIError for an HTTP error status. An answer for
// another execution than execID is a bad response (ErrBadResponse).
func (c *Client) GetExecution(ctx context.Context, taskID, execID string, opts ...CallOption) (*Execution, error) {
	task, err := c.checkID("task", taskID)
	if err != nil {
		return nil, fmt.Errorf("get execution: %w", err)
	}
	exec, err := c.checkID("execution", execID)
	if err != nil {
		return nil, fmt.Errorf("get execution: %w", err)
	}
	t := &executionBody{want: exec, wrapped: true}
	err = c.do(ctx, c.endpoint(http.MethodGet, c.prefix+"/v1/task/"+task+"/executions/"+exec, true), t, opts)
	if err != nil {
		return nil, fmt.Errorf("get execution %s: %w", exec, err)
	}
	return &t.exec, nil
}

// GetExecutionByID fetches one execution by its ID alone, with
// GET /v1/executions/{executionId}, which needs no task ID and also
// reports TaskID, IsDraft, BrowserSessionID, HasLogs, Inputs, Tags,
// ToolName and ToolPublicID. execID must be a UUID; otherwise it returns an
// error matching ErrInvalidID and sends nothing. Retries and errors are as
// for GetExecution. This endpoint requires only id, status and startTime:
// TaskVersionID and Version are not unreadable when absent.
func (c *Client) GetExecutionByID(ctx context.Context, execID string, opts ...CallOption) (*Execution, error) {
	exec, err := c.checkID("execution", execID)
	if err != nil {
		return nil, fmt.Errorf("get execution: %w", err)
	}
	t := &executionBody{want: exec, byID: true}
	err = c.do(ctx, c.endpoint(http.MethodGet, c.prefix+"/v1/executions/"+exec, true), t, opts)
	if err != nil {
		return nil, fmt.Errorf("get execution %s: %w", exec, err)
	}
	return &t.exec, nil
}

// executionBody is the target of a one-execution decode. The Execution is
// its first field, so that the caller's *Execution and the target are one
// allocation.
type executionBody struct {
	exec    Execution
	want    string // the execution ID asked for
	wrapped bool   // in {"data": ...}
	byID    bool   // the ExecutionByID schema
}

func (t *executionBody) decode(r *reader) error {
	sh := shapeTask
	if t.byID {
		sh = shapeByID
	}
	if t.wrapped {
		return r.envelope(func() error { return r.execution(&t.exec, sh, t.want) })
	}
	if err := r.execution(&t.exec, sh, t.want); err != nil {
		return err
	}
	return r.end()
}

// pageBody is the target of ListExecutions' decode.
type pageBody struct{ page ExecutionPage }

func (t *pageBody) decode(r *reader) error {
	return r.envelope(func() error { return r.page(&t.page) })
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
	t := &pageBody{}
	cl := c.endpoint(http.MethodGet, c.prefix+"/v1/task/"+task+"/executions", true)
	cl.query = q
	err = c.do(ctx, cl, t, callOpts)
	if err != nil {
		return nil, fmt.Errorf("list executions of task %s: %w", task, err)
	}
	return &t.page, nil
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
// since a retry might start the task twice. An executionResultId that is
// not a UUID is a bad response, though the task may have started.
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
	t := &runTaskBody{}
	cl := c.endpoint(http.MethodPost, c.prefix+"/v1/task/run", false)
	cl.body = body
	err = c.do(ctx, cl, t, opts)
	if err != nil {
		return nil, fmt.Errorf("run task %s: %w", task, err)
	}
	return &t.res, nil
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
