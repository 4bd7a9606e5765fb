package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// anchor-wait waits for three kinds of things (see poller.Ref): an
// execution of a task (the default command and run), an execution by its
// ID alone (exec), and a v2 run (runs, run --v2). Everything after the
// poller sees them as executions: a run's ID stands where an execution's
// does, and its result and error where an execution's output and error
// message do. What differs is said here: the words, and the JSON shape.

// resultKind is what one result is the wait for.
type resultKind uint8

const (
	kindTaskExecution resultKind = iota // TaskID and ExecutionID
	kindExecutionByID                   // ExecutionID alone: the task comes from the answer
	kindRun                             // a v2 run: RunID alone
)

// runNotReported names the fields of a result that a v2 run does not
// report: they are always null in its JSON, which lists them in
// "notReported".
var runNotReported = []string{"startTime", "executionTime", "version", "taskVersionId"}

// refID is the ID that names ref in progress lines, tables and reports.
func refID(ref poller.Ref) string {
	if ref.RunID != "" {
		return ref.RunID
	}
	return ref.ExecutionID
}

// waitingLine is the first progress line of a wait for refs, all of one
// kind: "waiting for 2 executions of task X", "waiting for 2 executions
// by ID", "waiting for one v2 run".
func waitingLine(taskID string, refs []poller.Ref) string {
	switch {
	case len(refs) > 0 && refs[0].RunID != "" && taskID != "":
		return fmt.Sprintf("waiting for %s of task %s", v2Runs(len(refs)), taskID)
	case len(refs) > 0 && refs[0].RunID != "":
		return "waiting for " + v2Runs(len(refs))
	case taskID == "":
		return fmt.Sprintf("waiting for %s by ID", executions(len(refs)))
	}
	return fmt.Sprintf("waiting for %s of task %s", executions(len(refs)), taskID)
}

// v2Runs says "one v2 run" or "N v2 runs".
func v2Runs(n int) string {
	if n == 1 {
		return "one v2 run"
	}
	return fmt.Sprintf("%d v2 runs", n)
}

// asExecutionUpdate is u as progress reads it: a run's ID stands as the
// execution's.
func asExecutionUpdate(u poller.Update) poller.Update {
	if u.RunID != "" {
		u.ExecutionID = u.RunID
	}
	return u
}

// asExecutionResult is pr as resultOf reads it, and the kind of the wait:
// a run's ID stands as the execution's, with w's task (run --v2 knows it,
// runs does not); an execution fetched by ID alone gets the task its
// answer names. A task ID the API sent that is not a UUID is not shown:
// it is named in Unreadable, so noteUnreadable says so.
func (w *waiter) asExecutionResult(pr poller.Result) (poller.Result, resultKind) {
	switch {
	case pr.RunID != "":
		pr.ExecutionID = pr.RunID
		pr.TaskID = w.taskID
		return pr, kindRun
	case pr.TaskID != "":
		return pr, kindTaskExecution
	}
	if e := pr.Execution; e != nil && e.TaskID != "" {
		if task, err := client.ParseID("task", e.TaskID); err == nil {
			pr.TaskID = task
		} else if !slices.Contains(e.Unreadable, "taskId") {
			c := *e
			c.Unreadable = append(slices.Clone(e.Unreadable), "taskId")
			pr.Execution = &c
		}
	}
	return pr, kindExecutionByID
}

// setKind makes r the result of a wait of kind k; run is the v2 run as
// last seen, for a run. A run reports no start time, execution time or
// version: they are null, whatever the execution view of it holds.
func (r *result) setKind(k resultKind, run *client.Run) {
	r.kind = k
	if k != kindRun {
		return
	}
	r.StartTime, r.ExecutionTime, r.Version, r.TaskVersionID = nil, nil, nil, nil
	if run != nil && run.SessionID != "" {
		r.sessionID = ptrTo(run.SessionID)
	}
}

// noun is what r waited for: "execution" or "v2 run".
func (r *result) noun() string {
	if r.kind == kindRun {
		return "v2 run"
	}
	return "execution"
}

// subject names r for people: "execution ID of task T", "v2 run ID", and
// without "of task" when the task is not known.
func (r *result) subject() string {
	return r.noun() + " " + r.ExecutionID + ofTask(r.TaskID)
}

// junitClass is the classname of r's JUnit test case: the task's when it
// is known, else the kind's.
func (r *result) junitClass() string {
	switch {
	case r.TaskID != "":
		return "anchor-wait.task." + r.TaskID
	case r.kind == kindRun:
		return "anchor-wait.run"
	}
	return "anchor-wait.execution"
}

// idHeading is the heading of the ID column of the step summary's table:
// Run when every result is a run's, else Execution.
func idHeading(results []result) string {
	for _, r := range results {
		if r.kind != kindRun {
			return "Execution"
		}
	}
	return "Run"
}

// idColumn is idHeading for the text table: RUN or EXECUTION.
func idColumn(results []result) string { return strings.ToUpper(idHeading(results)) }

// runNote is the line under the text table of results that are runs,
// saying what a run does not report; "" when none is.
func runNote(results []result) string {
	if !slices.ContainsFunc(results, func(r result) bool { return r.kind == kindRun }) {
		return ""
	}
	return "v2 runs report no start time, execution time or version: EXEC TIME is -, and a run's output is its result object\n"
}

// plainResult is result without its methods: the JSON of an execution.
type plainResult result

// runJSON is the JSON of a v2 run's result: the execution's, with runId
// in place of executionId, the run's sessionId, null for what a run does
// not report, and notReported naming those fields.
type runJSON struct {
	RunID         string        `json:"runId"`
	TaskID        *string       `json:"taskId"`
	Status        client.Status `json:"status"`
	Output        *string       `json:"output"`
	ErrorMessage  *string       `json:"errorMessage"`
	StartTime     *time.Time    `json:"startTime"`
	ExecutionTime *float64      `json:"executionTime"`
	Version       *string       `json:"version"`
	TaskVersionID *string       `json:"taskVersionId"`
	SessionID     *string       `json:"sessionId"`
	Polls         int           `json:"polls"`
	Error         *string       `json:"error"`
	NotReported   []string      `json:"notReported"`
}

// MarshalJSON writes r in the shape of its kind: an execution's (with
// taskId null when the task is not known, as for an execution by ID whose
// answer never came), or a run's (see runJSON).
func (r result) MarshalJSON() ([]byte, error) {
	if r.kind == kindRun {
		j := runJSON{RunID: r.ExecutionID, Status: r.Status, Output: r.Output, ErrorMessage: r.ErrorMessage,
			SessionID: r.sessionID, Polls: r.Polls, Error: r.Error, NotReported: runNotReported}
		if r.TaskID != "" {
			j.TaskID = ptrTo(r.TaskID)
		}
		return json.Marshal(j)
	}
	b, err := json.Marshal(plainResult(r))
	if err != nil || r.TaskID != "" {
		return b, err
	}
	// taskId is the first field: unknown, it is null.
	if rest, ok := bytes.CutPrefix(b, []byte(`{"taskId":""`)); ok {
		return append([]byte(`{"taskId":null`), rest...), nil
	}
	return b, nil
}

// interruptedRunResult is interruptedResult for a v2 run of task taskID.
func interruptedRunResult(taskID, runID string) result {
	r := interruptedResult(taskID, runID)
	r.kind = kindRun
	return r
}

// capitalized returns s with its first letter in upper case.
func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ofTask is " of task ID", or "" when the task is not known.
func ofTask(taskID string) string {
	if taskID == "" {
		return ""
	}
	return " of task " + taskID
}
