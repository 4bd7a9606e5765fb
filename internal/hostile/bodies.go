package hostile

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// defaultStart is the startTime of an Execution that names none.
var defaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Execution is an execution in the shape GET
// /v1/task/{taskId}/executions/{executionId} returns it (see the API
// spec's Execution schema). Zero fields take valid defaults, so
// Execution{ID: id}.JSON() is a valid running execution. It is a plain
// value, safe to share.
type Execution struct {
	ID            string    // the execution's ID
	Status        string    // "" is "running"
	Output        *string   // nil is null
	ErrorMessage  *string   // nil is null
	StartTime     time.Time // zero is 2026-01-01T00:00:00Z
	ExecutionTime *float64  // milliseconds; nil is null
	TaskVersionID string    // "" is a fixed UUID
	Version       string    // "" is "1"
}

// JSON returns {"data":{...}}, the answer of GET .../executions/{id}.
func (e Execution) JSON() string {
	if e.Status == "" {
		e.Status = "running"
	}
	if e.StartTime.IsZero() {
		e.StartTime = defaultStart
	}
	if e.TaskVersionID == "" {
		e.TaskVersionID = "5b1c3e1e-7a41-4a5e-9a55-1f3f0a6f7c21"
	}
	if e.Version == "" {
		e.Version = "1"
	}
	return data(map[string]any{
		"id":            e.ID,
		"taskVersionId": e.TaskVersionID,
		"version":       e.Version,
		"status":        e.Status,
		"output":        e.Output,
		"errorMessage":  e.ErrorMessage,
		"startTime":     e.StartTime.UTC().Format(time.RFC3339Nano),
		"executionTime": e.ExecutionTime,
	})
}

// RunJSON returns the answer of POST /v1/task/run for an async start of
// task taskID as execution execID.
func RunJSON(taskID, execID string) string {
	return data(map[string]any{
		"success":           true,
		"async":             true,
		"message":           "Task started",
		"taskId":            taskID,
		"executionResultId": execID,
	})
}

// ErrorJSON returns the API's error answer: {"error":{"code":...,"message":...}}.
func ErrorJSON(code int, message string) string {
	return marshal(map[string]any{"error": map[string]any{"code": code, "message": message}})
}

// Response returns a complete HTTP/1.1 response with status and a JSON
// body, framed by its Content-Length, that allows the connection to be
// used again.
func Response(status int, body string) string {
	return fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}

func data(v any) string { return marshal(map[string]any{"data": v}) }

func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("hostile: " + err.Error()) // only maps of strings, numbers and booleans get here
	}
	return string(b)
}
