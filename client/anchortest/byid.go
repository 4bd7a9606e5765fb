package anchortest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// executionByID is the answer of GET /v1/executions/{executionId}: the
// ExecutionByID schema, not wrapped in "data".
type executionByID struct {
	ID               string            `json:"id"`
	TaskID           string            `json:"taskId"`
	TaskVersionID    string            `json:"taskVersionId"`
	Version          string            `json:"version"`
	IsDraft          bool              `json:"isDraft"`
	Status           client.Status     `json:"status"`
	Output           *string           `json:"output"`
	ErrorMessage     *string           `json:"errorMessage"`
	BrowserSessionID *string           `json:"browserSessionId"`
	StartTime        time.Time         `json:"startTime"`
	ExecutionTime    *float64          `json:"executionTime"`
	HasLogs          bool              `json:"hasLogs"`
	Inputs           map[string]string `json:"inputs"`
	ToolName         *string           `json:"toolName"`
	ToolPublicID     *string           `json:"toolPublicId"`
	Tags             []string          `json:"tags"`
}

// getExecutionByID answers GET /v1/executions/{executionId}, for an
// execution of any task.
func (x *exchange) getExecutionByID(execID string) {
	if !x.checkIDs([2]string{"executionId", execID}) {
		return
	}
	e := x.s.store.byID(execID)
	if e == nil {
		x.sendError(http.StatusNotFound, fmt.Sprintf("Execution %s not found", execID))
		return
	}
	elapsed, ok := x.lookedUp(e, OpGetExecutionByID)
	if !ok {
		return
	}
	if !e.visible(elapsed) {
		x.sendError(http.StatusNotFound, fmt.Sprintf("Execution %s not found", execID))
		return
	}
	snap := e.snapshot(elapsed)
	inputs := e.inputs
	if inputs == nil {
		inputs = map[string]string{}
	}
	x.send(http.StatusOK, jsonBody(executionByID{
		ID:               snap.ID,
		TaskID:           e.taskID,
		TaskVersionID:    snap.TaskVersionID,
		Version:          snap.Version,
		IsDraft:          snap.Version == "draft",
		Status:           snap.Status,
		Output:           snap.Output,
		ErrorMessage:     snap.ErrorMessage,
		BrowserSessionID: e.browserSession(snap.Status),
		StartTime:        snap.StartTime,
		ExecutionTime:    snap.ExecutionTime,
		HasLogs:          snap.Status != client.StatusQueued,
		Inputs:           inputs,
		Tags:             []string{},
	}))
}
