package anchortest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// maxRunBody caps the body of POST /v1/task/run.
const maxRunBody = 1 << 20

// getExecution answers GET /v1/task/{taskId}/executions/{executionId}.
func (x *exchange) getExecution(taskID, execID string) {
	if !x.checkIDs([2]string{"taskId", taskID}, [2]string{"executionId", execID}) {
		return
	}
	e := x.s.store.get(taskID, execID)
	if e == nil {
		x.executionNotFound(taskID, execID)
		return
	}
	elapsed, ok := x.lookedUp(e, OpGetExecution)
	if !ok {
		return
	}
	if !e.visible(elapsed) {
		x.executionNotFound(taskID, execID)
		return
	}
	x.send(http.StatusOK, dataBody(e.snapshot(elapsed)))
}

// lookedUp counts a GET of e, the execution or run a request named, and
// applies e's script faults unless a server-wide one is already in force.
// It returns how long e has existed as of the answer, and false when a
// fault has ended the exchange.
func (x *exchange) lookedUp(e *execution, op Operation) (time.Duration, bool) {
	x.exec = e
	n := e.requests.Add(1)
	if x.fault == nil {
		if f := matchFault(e.tl.faults, n, time.Since(e.created), op); f != nil && x.useFault(f) {
			return 0, false
		}
	}
	return time.Since(e.created), true // after any delay: the answer is as of now
}

func (x *exchange) executionNotFound(taskID, execID string) {
	x.sendError(http.StatusNotFound, fmt.Sprintf("Execution %s not found for task %s", execID, taskID))
}

// listExecutions answers GET /v1/task/{taskId}/executions.
func (x *exchange) listExecutions(taskID string) {
	if !x.checkIDs([2]string{"taskId", taskID}) {
		return
	}
	q, err := url.ParseQuery(x.r.URL.RawQuery)
	if err != nil {
		x.sendError(http.StatusBadRequest, "Invalid query string: "+err.Error())
		return
	}
	page, err := positiveParam(q, "page", 1)
	if err != nil {
		x.sendError(http.StatusBadRequest, err.Error())
		return
	}
	limit, err := positiveParam(q, "limit", 10)
	if err != nil {
		x.sendError(http.StatusBadRequest, err.Error())
		return
	}
	status := client.Status(q.Get("status"))
	if q.Has("status") && !status.Known() {
		x.sendError(http.StatusBadRequest, fmt.Sprintf("Invalid status %q: must be one of %v", status, client.Statuses()))
		return
	}
	version := q.Get("version")

	execs, ok := x.s.store.list(taskID)
	if !ok {
		x.sendError(http.StatusNotFound, fmt.Sprintf("Task %s not found", taskID))
		return
	}
	// Page bounds in the filtered list, worked out with page and limit
	// clamped so that huge values cannot overflow.
	lim := min(limit, 1<<31)
	from := (min(page, 1<<31) - 1) * lim
	to := from + lim
	results := []client.Execution{}
	total := 0
	now := time.Now()
	for i := len(execs) - 1; i >= 0; i-- { // newest first
		e := execs[i]
		elapsed := now.Sub(e.created)
		if !e.visible(elapsed) || version != "" && e.version != version {
			continue
		}
		snap := e.snapshot(elapsed)
		if status != "" && snap.Status != status {
			continue
		}
		if total >= from && total < to {
			results = append(results, snap)
		}
		total++
	}
	x.send(http.StatusOK, dataBody(client.ExecutionPage{
		Results: results,
		Pagination: client.Pagination{
			Page:       page,
			Limit:      limit,
			Total:      total,
			TotalPages: (total + lim - 1) / lim,
		},
	}))
}

// positiveParam reads query parameter name as an integer of 1 or more, or
// def when it is absent.
func positiveParam(q url.Values, name string, def int) (int, error) {
	if !q.Has(name) {
		return def, nil
	}
	v := q.Get(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || v[0] == '+' || v[0] == '0' {
		return 0, fmt.Errorf("invalid %s %q: must be a whole number of 1 or more", name, v)
	}
	return n, nil
}

// runRequest is the body of POST /v1/task/run, with pointers to tell absent
// fields.
type runRequest struct {
	TaskID          *string           `json:"taskId"`
	Version         *string           `json:"version"`
	SessionID       *string           `json:"sessionId"`
	Async           *bool             `json:"async"`
	Inputs          map[string]string `json:"inputs"`
	CleanupSessions *bool             `json:"cleanupSessions"`
}

var versionPattern = regexp.MustCompile(`^(draft|latest|\d+)$`)

// parseRun decodes and checks a run request.
func parseRun(body []byte) (runRequest, error) {
	var req runRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("invalid request body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return req, errors.New("invalid request body: data after the JSON object")
	}
	switch {
	case req.TaskID == nil:
		return req, errors.New("taskId is required")
	case !validID(*req.TaskID):
		return req, fmt.Errorf("invalid taskId %q: must be a UUID", *req.TaskID)
	case req.Version != nil && !versionPattern.MatchString(*req.Version):
		return req, fmt.Errorf("invalid version %q: must be draft, latest or a version number", *req.Version)
	case req.SessionID != nil && !validID(*req.SessionID):
		return req, fmt.Errorf("invalid sessionId %q: must be a UUID", *req.SessionID)
	}
	for k := range req.Inputs {
		if !strings.HasPrefix(k, "ANCHOR_") {
			return req, fmt.Errorf("invalid input %q: input names must start with ANCHOR_", k)
		}
	}
	return req, nil
}

// runTask answers POST /v1/task/run: it starts an execution from the
// template and, unless async, waits for it to end.
func (x *exchange) runTask() {
	if x.bodyErr != nil {
		x.sendError(http.StatusBadRequest, fmt.Sprintf("Request body unreadable or over %d bytes", maxRunBody))
		return
	}
	req, err := parseRun(x.body)
	if err != nil {
		x.sendError(http.StatusBadRequest, err.Error())
		return
	}
	taskID := *req.TaskID
	x.req.TaskID = canonicalID(taskID)
	if !x.s.store.accepts(taskID) {
		x.sendError(http.StatusNotFound, fmt.Sprintf("Task %s not found", taskID))
		return
	}
	tl := x.s.nextTemplate()
	version := ""
	if req.Version != nil && *req.Version != "latest" {
		version = *req.Version
	}
	e := x.s.store.newExecution(taskID, "", tl, version)
	e.inputs = req.Inputs
	if req.SessionID != nil {
		e.sessionID = canonicalID(*req.SessionID)
	}
	if err := x.s.store.insert(e); err != nil { // a random ID collided with a chosen one
		x.sendError(http.StatusInternalServerError, "Could not start the task: "+err.Error())
		return
	}
	x.req.ExecutionID, x.exec = e.id, e

	if req.Async != nil && *req.Async {
		res := client.RunTaskResult{
			Success:           true,
			Async:             true,
			Message:           "Task execution started",
			TaskID:            taskID,
			ExecutionResultID: e.id,
		}
		if x.s.noExecutionResultID {
			res.ExecutionResultID = ""
		}
		x.send(http.StatusOK, dataBody(res))
		return
	}
	if !x.waitForEnd(e) {
		return
	}
	snap := e.snapshot(time.Since(e.created))
	res := client.RunTaskResult{
		Success:       snap.Status == client.StatusSuccess,
		Async:         false,
		TaskID:        taskID,
		ExecutionTime: snap.ExecutionTime,
		Output:        snap.Output,
		Error:         snap.ErrorMessage,
	}
	if res.Success {
		res.Message = "Task completed successfully"
	} else {
		res.Message = "Task ended with status " + string(snap.Status)
		if res.Error == nil {
			res.Error = &res.Message
		}
	}
	x.send(http.StatusOK, dataBody(res))
}

// waitForEnd waits until e has a final status, and returns false when the
// exchange ended first (see wait). A script that never ends waits until the
// client gives up.
func (x *exchange) waitForEnd(e *execution) bool {
	end, ok := e.tl.firstFinal(0)
	if !ok {
		end = time.Duration(1<<63 - 1)
	}
	return x.wait(end - time.Since(e.created))
}

// errorBody is the API's error document.
func errorBody(status int, message string) []byte {
	type apiError struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	b, _ := json.Marshal(struct {
		Error apiError `json:"error"`
	}{apiError{status, message}})
	return b
}

// jsonBody is v as the API's unwrapped success document.
func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return errorBody(http.StatusInternalServerError, "anchortest: encode answer: "+err.Error())
	}
	return b
}

// dataBody is the API's success document around v.
func dataBody[T any](v T) []byte {
	b, err := json.Marshal(struct {
		Data T `json:"data"`
	}{v})
	if err != nil {
		return errorBody(http.StatusInternalServerError, "anchortest: encode answer: "+err.Error())
	}
	return b
}
