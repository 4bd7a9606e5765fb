package anchortest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// runAnswer is a v2 run as POST /v2/tasks/{taskId}/run and
// GET /v2/tasks/runs/{runId}/status answer it: the TaskRunStatusV2 schema,
// not wrapped in "data".
type runAnswer struct {
	RunID     string          `json:"run_id"`
	Status    client.Status   `json:"status"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *string         `json:"error,omitempty"`
	SessionID string          `json:"session_id,omitempty"`
}

// runSnapshot is run r as the API shows it elapsed after it started. A
// run that succeeded has a result: its step's Output when that is the
// text of a JSON object, else {"output": Output} ({} for no output). A
// run that ended otherwise has an error: its step's ErrorMessage, else a
// message naming the status.
func (r *execution) runSnapshot(elapsed time.Duration) runAnswer {
	snap := r.snapshot(elapsed)
	a := runAnswer{RunID: r.id, Status: snap.Status, SessionID: r.session()}
	switch {
	case snap.Status == client.StatusSuccess:
		a.Result = resultObject(snap.Output)
	case snap.Status.Terminal():
		a.Error = snap.ErrorMessage
		if a.Error == nil {
			msg := "Task ended with status " + string(snap.Status)
			a.Error = &msg
		}
	}
	return a
}

// resultObject is a run's result for its output: see runSnapshot.
func resultObject(output *string) json.RawMessage {
	if output == nil {
		return json.RawMessage(`{}`)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(*output), &obj); err == nil && obj != nil {
		return json.RawMessage(*output)
	}
	b, _ := json.Marshal(map[string]string{"output": *output})
	return b
}

// runV2Request is the body of POST /v2/tasks/{taskId}/run, with pointers to
// tell absent fields.
type runV2Request struct {
	InputParams            *map[string]string `json:"input_params"`
	IdentityID             *string            `json:"identity_id"`
	SessionID              *string            `json:"session_id"`
	CleanupSessions        *bool              `json:"cleanup_sessions"`
	IdentitySkipValidation *bool              `json:"identity_skip_validation"`
	Sync                   *bool              `json:"sync"`
	Version                *string            `json:"version"`
}

// parseRunV2 decodes and checks a v2 run request. input_params is
// required, and version, when given, is draft, latest or a number, as
// for v1; input names follow no rule.
func parseRunV2(body []byte) (runV2Request, error) {
	var req runV2Request
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("invalid request body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return req, errors.New("invalid request body: data after the JSON object")
	}
	switch {
	case req.InputParams == nil:
		return req, errors.New("input_params is required")
	case req.Version != nil && !versionPattern.MatchString(*req.Version):
		return req, fmt.Errorf("invalid version %q: must be draft, latest or a version number", *req.Version)
	}
	return req, nil
}

// runTaskV2 answers POST /v2/tasks/{taskId}/run: it starts a run from the
// template and, with sync true, waits for it to end.
func (x *exchange) runTaskV2(taskID string) {
	if !x.checkIDs([2]string{"taskId", taskID}) {
		return
	}
	if x.bodyErr != nil {
		x.sendError(http.StatusBadRequest, fmt.Sprintf("Request body unreadable or over %d bytes", maxRunBody))
		return
	}
	req, err := parseRunV2(x.body)
	if err != nil {
		x.sendError(http.StatusBadRequest, err.Error())
		return
	}
	if !x.s.store.accepts(taskID) {
		x.sendError(http.StatusNotFound, fmt.Sprintf("Task %s not found", taskID))
		return
	}
	version, session := "", ""
	if req.Version != nil && *req.Version != "latest" {
		version = *req.Version
	}
	if req.SessionID != nil {
		session = *req.SessionID
	}
	r := x.s.store.addRun(taskID, x.s.nextTemplate(), version, session)
	x.req.RunID, x.exec = r.id, r
	if req.Sync != nil && *req.Sync && !x.waitForEnd(r) {
		return
	}
	x.send(http.StatusOK, jsonBody(r.runSnapshot(time.Since(r.created))))
}

// getRun answers GET /v2/tasks/runs/{runId}/status.
func (x *exchange) getRun(runID string) {
	r := x.s.store.run(runID)
	if r == nil {
		x.sendError(http.StatusNotFound, fmt.Sprintf("Run %s not found", runID))
		return
	}
	elapsed, ok := x.lookedUp(r, OpGetRun)
	if !ok {
		return
	}
	if !r.visible(elapsed) {
		x.sendError(http.StatusNotFound, fmt.Sprintf("Run %s not found", runID))
		return
	}
	x.send(http.StatusOK, jsonBody(r.runSnapshot(elapsed)))
}
