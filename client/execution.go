package client

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Status is the state of a task execution as the API reports it.
//
// Queued and running are the only values that are not final. A value the API
// may add later is kept as it is and is not terminal, so a waiter keeps going
// and reports it rather than guessing an outcome.
type Status string

// The statuses the API documents.
const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusSuccess   Status = "success"
	StatusFailure   Status = "failure"
	StatusTimeout   Status = "timeout"
	StatusCancelled Status = "cancelled"
)

// Statuses returns every documented status, non-terminal ones first, in a
// new slice the caller may keep.
func Statuses() []Status {
	return []Status{StatusQueued, StatusRunning, StatusSuccess, StatusFailure, StatusTimeout, StatusCancelled}
}

// Terminal reports whether s is a final status: success, failure, timeout or
// cancelled. Queued, running and any undocumented value are not terminal.
func (s Status) Terminal() bool {
	switch s {
	case StatusSuccess, StatusFailure, StatusTimeout, StatusCancelled:
		return true
	}
	return false
}

// Known reports whether s is one of the six documented statuses.
func (s Status) Known() bool {
	return s.Terminal() || s == StatusQueued || s == StatusRunning
}

// String returns the status as the API spells it.
func (s Status) String() string { return string(s) }

// Execution is one run of a task, as GET /v1/task/{taskId}/executions/{executionId}
// returns it. Nullable fields are pointers: nil means the API sent null or
// nothing, which stays distinct from an empty string or zero.
//
// An Execution is a plain value; it is safe to read from several goroutines.
type Execution struct {
	ID            string    `json:"id"`
	TaskVersionID string    `json:"taskVersionId"`
	Version       string    `json:"version"`
	Status        Status    `json:"status"`
	Output        *string   `json:"output"`
	ErrorMessage  *string   `json:"errorMessage"`
	StartTime     time.Time `json:"startTime"`
	// ExecutionTime is the duration in milliseconds; nil while unknown.
	ExecutionTime *float64 `json:"executionTime"`
}

// Duration returns ExecutionTime as a time.Duration, and false when the API
// has not reported one.
func (e *Execution) Duration() (time.Duration, bool) {
	if e == nil || e.ExecutionTime == nil {
		return 0, false
	}
	return time.Duration(*e.ExecutionTime * float64(time.Millisecond)), true
}

// executionWire is the JSON shape with every required field a pointer, so a
// missing one can be told from a zero value.
type executionWire struct {
	ID            *string    `json:"id"`
	TaskVersionID *string    `json:"taskVersionId"`
	Version       *string    `json:"version"`
	Status        *Status    `json:"status"`
	Output        *string    `json:"output"`
	ErrorMessage  *string    `json:"errorMessage"`
	StartTime     *time.Time `json:"startTime"`
	ExecutionTime *float64   `json:"executionTime"`
}

// UnmarshalJSON decodes an execution and fails, naming the fields, when any
// required field (id, taskVersionId, version, status, startTime) is missing or
// null. Unknown fields are ignored.
func (e *Execution) UnmarshalJSON(b []byte) error {
	var w executionWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var missing []string
	if w.ID == nil {
		missing = append(missing, "id")
	}
	if w.TaskVersionID == nil {
		missing = append(missing, "taskVersionId")
	}
	if w.Version == nil {
		missing = append(missing, "version")
	}
	if w.Status == nil {
		missing = append(missing, "status")
	}
	if w.StartTime == nil {
		missing = append(missing, "startTime")
	}
	if len(missing) > 0 {
		return fmt.Errorf("execution is missing required field(s): %s", strings.Join(missing, ", "))
	}
	*e = Execution{
		ID:            *w.ID,
		TaskVersionID: *w.TaskVersionID,
		Version:       *w.Version,
		Status:        *w.Status,
		Output:        w.Output,
		ErrorMessage:  w.ErrorMessage,
		StartTime:     *w.StartTime,
		ExecutionTime: w.ExecutionTime,
	}
	return nil
}

// ListOptions selects one page of a task's executions. Zero fields are left
// out of the request, so the API's defaults apply (page 1, 10 per page).
type ListOptions struct {
	Page    int    // 1-based page number
	Limit   int    // results per page
	Status  Status // only executions with this status
	Version string // only executions of this task version
}

// Pagination describes where a page stands in the whole list.
type Pagination struct {
	Page       int `json:"page"`
	Limit      int `json:"limit"`
	Total      int `json:"total"`
	TotalPages int `json:"totalPages"`
}

// ExecutionPage is one page of ListExecutions, newest execution first.
type ExecutionPage struct {
	Results    []Execution `json:"results"`
	Pagination Pagination  `json:"pagination"`
}

// UnmarshalJSON decodes a page and fails when results or pagination is
// missing, as the API promises both.
func (p *ExecutionPage) UnmarshalJSON(b []byte) error {
	var w struct {
		Results    *[]Execution `json:"results"`
		Pagination *Pagination  `json:"pagination"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Results == nil || w.Pagination == nil {
		return fmt.Errorf("execution page is missing results or pagination")
	}
	*p = ExecutionPage{Results: *w.Results, Pagination: *w.Pagination}
	return nil
}

// RunTaskRequest is the body of POST /v1/task/run. Set Async to get an
// execution ID back at once instead of waiting for the run to end.
type RunTaskRequest struct {
	TaskID          string            `json:"taskId"`
	Version         string            `json:"version,omitempty"`   // "draft", "latest" or a number
	SessionID       string            `json:"sessionId,omitempty"` // reuse a browser session
	Async           bool              `json:"async"`
	Inputs          map[string]string `json:"inputs,omitempty"` // every key starts with ANCHOR_
	CleanupSessions *bool             `json:"cleanupSessions,omitempty"`
}

// RunTaskResult is what POST /v1/task/run returns. In async mode
// ExecutionResultID is the execution to poll; the sync-only fields are nil.
type RunTaskResult struct {
	Success           bool     `json:"success"`
	Async             bool     `json:"async"`
	Message           string   `json:"message"`
	TaskID            string   `json:"taskId"`
	ExecutionResultID string   `json:"executionResultId,omitempty"`
	ExecutionTime     *float64 `json:"executionTime,omitempty"`
	Output            *string  `json:"output,omitempty"`
	Error             *string  `json:"error,omitempty"`
}
