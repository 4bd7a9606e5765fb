package client

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

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
//
// Success and ExecutionResultID are decoded strictly (Success decides a
// synchronous run's outcome; the ID, when sent, must be a UUID), the rest
// leniently, as for Execution.
type RunTaskResult struct {
	Success           bool     `json:"success"`
	Async             bool     `json:"async"`
	Message           string   `json:"message"`
	TaskID            string   `json:"taskId"`
	ExecutionResultID string   `json:"executionResultId,omitempty"`
	ExecutionTime     *float64 `json:"executionTime,omitempty"`
	Output            *string  `json:"output,omitempty"`
	Error             *string  `json:"error,omitempty"`

	// Unreadable names the fields that were missing though required, or
	// not as documented, as Execution.Unreadable does.
	Unreadable []string `json:"-"`
	// Raw is the "data" object exactly as the server sent it.
	Raw json.RawMessage `json:"-"`
}

// The fields of a run result, numbered for unreadable sets.
const (
	rtSuccess = iota
	rtAsync
	rtMessage
	rtTaskID
	rtExecutionResultID
	rtExecutionTime
	rtOutput
	rtError
)

var runTaskFields = []string{
	rtSuccess: "success", rtAsync: "async", rtMessage: "message", rtTaskID: "taskId",
	rtExecutionResultID: "executionResultId", rtExecutionTime: "executionTime",
	rtOutput: "output", rtError: "error",
}

func runTaskField(name []byte) int {
	switch string(name) {
	case "success":
		return rtSuccess
	case "async":
		return rtAsync
	case "message":
		return rtMessage
	case "taskId":
		return rtTaskID
	case "executionResultId":
		return rtExecutionResultID
	case "executionTime":
		return rtExecutionTime
	case "output":
		return rtOutput
	case "error":
		return rtError
	}
	return -1
}

// runTaskBody is the target of RunTask's decode.
type runTaskBody struct{ res RunTaskResult }

func (t *runTaskBody) decode(r *reader) error {
	return r.envelope(func() error { return r.runTaskResult(&t.res) })
}

// runTaskResult reads the data object of POST /v1/task/run.
func (r *reader) runTaskResult(res *RunTaskResult) error {
	*res = RunTaskResult{}
	from, err := r.beginObject(`"data"`)
	if err != nil {
		return err
	}
	var seen, bad unreadable
	for {
		name, more, err := r.member()
		if err != nil {
			return err
		}
		if !more {
			break
		}
		i := runTaskField(name)
		if i < 0 {
			if err := r.skip(); err != nil {
				return err
			}
			continue
		}
		v, err := r.value()
		if err != nil {
			return err
		}
		bit := unreadable(1) << i
		if seen&bit != 0 {
			if i == rtSuccess || i == rtExecutionResultID {
				return fmt.Errorf("%q appears twice in the run result", runTaskFields[i])
			}
			bad |= bit
			res.zero(i)
			continue
		}
		seen |= bit
		if err := r.runTaskValue(res, i, v); err != nil {
			return err
		}
		if !r.runTaskLenient(res, i, v) {
			bad |= bit
			res.zero(i)
		}
	}
	to := r.offset()
	if seen&(1<<rtSuccess) == 0 {
		return errors.New(`the run result has no "success"`)
	}
	bad |= (1<<rtAsync | 1<<rtMessage | 1<<rtTaskID) &^ seen
	res.Unreadable = bad.list(runTaskFields)
	res.Raw = r.raw(from, to)
	return nil
}

// runTaskValue decodes the strict fields: success must be a boolean, and
// executionResultId, when not null, a UUID.
func (r *reader) runTaskValue(res *RunTaskResult, i int, v jsontext.Value) error {
	switch i {
	case rtSuccess:
		b, ok := boolean(v)
		if !ok {
			return fmt.Errorf(`run result "success" is %s, want a boolean`, kindName(v.Kind()))
		}
		res.Success = b
	case rtExecutionResultID:
		if v.Kind() == 'n' {
			return nil
		}
		id, ok := r.str(v)
		if !ok {
			return fmt.Errorf(`run result "executionResultId" is %s, want a UUID string`, kindName(v.Kind()))
		}
		if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
			return fmt.Errorf("run returned executionResultId %q, want a UUID", id)
		}
		res.ExecutionResultID = id
	}
	return nil
}

// runTaskLenient decodes the other fields, reporting whether v was as
// documented; the strict ones always are by now.
func (r *reader) runTaskLenient(res *RunTaskResult, i int, v jsontext.Value) (ok bool) {
	switch i {
	case rtSuccess, rtExecutionResultID:
		return true
	case rtAsync:
		res.Async, ok = boolean(v)
	case rtMessage:
		res.Message, ok = r.str(v)
	case rtTaskID:
		res.TaskID, ok = r.str(v)
	case rtExecutionTime:
		if v.Kind() == 'n' {
			return true
		}
		var ms float64
		if ms, ok = number(v); ok {
			res.ExecutionTime = &ms
		}
	case rtOutput:
		res.Output, ok = r.nullableStr(v)
	case rtError:
		res.Error, ok = r.nullableStr(v)
	}
	return ok
}

// zero clears field i of res.
func (res *RunTaskResult) zero(i int) {
	switch i {
	case rtAsync:
		res.Async = false
	case rtMessage:
		res.Message = ""
	case rtTaskID:
		res.TaskID = ""
	case rtExecutionTime:
		res.ExecutionTime = nil
	case rtOutput:
		res.Output = nil
	case rtError:
		res.Error = nil
	}
}
