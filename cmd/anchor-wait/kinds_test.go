package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// runResultKeys are the keys of a v2 run's result object, in order.
var runResultKeys = []string{"runId", "taskId", "status", "output", "errorMessage", "startTime", "executionTime", "version", "taskVersionId", "sessionId", "polls", "error", "notReported"}

const testRunID = "run_8f2c0a1b"

// kindResult is the result the waiter makes of pr, for a waiter of task
// taskID ("" for exec and runs).
func kindResult(taskID string, pr poller.Result) result {
	w := &waiter{taskID: taskID}
	pr, kind := w.asExecutionResult(pr)
	r := resultOf(pr, 0, time.Minute)
	r.setKind(kind, pr.Run)
	return r
}

// keysOf returns the keys of the JSON object b, in order.
func keysOf(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s: not a JSON object (%v)", b, err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestRunResultJSON(t *testing.T) {
	result, errText := json.RawMessage(`{"price":12}`), "selector #pay not found"
	tests := []struct {
		name   string
		taskID string
		run    *client.Run
		err    error
		want   map[string]any
	}{
		{"success, started by run --v2", testTask, &client.Run{ID: testRunID, Status: client.StatusSuccess, Result: result, SessionID: "sess-1"}, nil,
			map[string]any{"runId": testRunID, "taskId": testTask, "status": "success", "output": `{"price":12}`, "errorMessage": nil, "sessionId": "sess-1", "polls": 2.0, "error": nil}},
		{"failure, waited by runs", "", &client.Run{ID: testRunID, Status: client.StatusFailure, Error: &errText}, nil,
			map[string]any{"runId": testRunID, "taskId": nil, "status": "failure", "output": nil, "errorMessage": errText, "sessionId": nil, "polls": 2.0, "error": nil}},
		{"never seen", "", nil, client.ErrNotFound,
			map[string]any{"runId": testRunID, "taskId": nil, "status": "", "output": nil, "errorMessage": nil, "sessionId": nil, "polls": 2.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := poller.Result{Ref: poller.Ref{RunID: testRunID}, Run: tt.run, Requests: 2, Err: tt.err}
			if tt.run != nil {
				pr.Execution = tt.run.AsExecution()
			}
			r := kindResult(tt.taskID, pr)
			b, err := json.Marshal(&r)
			if err != nil {
				t.Fatal(err)
			}
			if keys := keysOf(t, b); !slices.Equal(keys, runResultKeys) {
				t.Errorf("keys %v, want %v", keys, runResultKeys)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %#v, want %#v (%s)", k, got[k], v, b)
				}
			}
			for _, k := range runNotReported {
				if got[k] != nil {
					t.Errorf("%s = %v, want null: a run does not report it", k, got[k])
				}
			}
			if nr, _ := got["notReported"].([]any); len(nr) != len(runNotReported) || nr[0] != "startTime" || nr[1] != "executionTime" {
				t.Errorf("notReported = %v, want %v", got["notReported"], runNotReported)
			}
			if tt.err != nil && got["error"] == nil {
				t.Errorf("error is null for a wait that failed (%s)", b)
			}
		})
	}
}

func TestExecutionByIDResult(t *testing.T) {
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		exec       *client.Execution
		wantTask   any
		unreadable []string
	}{
		{"task from the answer, in lower case", &client.Execution{ID: testExec, TaskID: strings.ToUpper(testTask), Status: client.StatusSuccess, StartTime: start}, testTask, nil},
		{"no answer", nil, nil, nil},
		{"a task ID that is not a UUID", &client.Execution{ID: testExec, TaskID: "\x1b[31mtask", Status: client.StatusSuccess}, nil, []string{"taskId"}},
		{"no task ID in the answer", &client.Execution{ID: testExec, Status: client.StatusSuccess, Unreadable: []string{"taskId"}}, nil, []string{"taskId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := poller.Result{Ref: poller.Ref{ExecutionID: testExec}, Execution: tt.exec, Requests: 1}
			if tt.exec == nil {
				pr.Err = client.ErrNotFound
			}
			w := &waiter{}
			got, kind := w.asExecutionResult(pr)
			if kind != kindExecutionByID {
				t.Errorf("kind %v, want kindExecutionByID", kind)
			}
			if got.Execution != nil && !slices.Equal(got.Execution.Unreadable, tt.unreadable) {
				t.Errorf("Unreadable %v, want %v", got.Execution.Unreadable, tt.unreadable)
			}
			if tt.exec != nil && tt.exec.TaskID == "\x1b[31mtask" && slices.Contains(tt.exec.Unreadable, "taskId") {
				t.Error("the API's execution was changed: want a copy")
			}
			r := kindResult("", pr)
			b, err := json.Marshal(&r)
			if err != nil {
				t.Fatal(err)
			}
			if keys := keysOf(t, b); !slices.Equal(keys, resultKeys) {
				t.Errorf("keys %v, want %v: the shape of an execution's result", keys, resultKeys)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if m["taskId"] != tt.wantTask {
				t.Errorf("taskId = %#v, want %#v (%s)", m["taskId"], tt.wantTask, b)
			}
		})
	}
}

// TestKindsInReports: the table, the JUnit report and the annotations
// name what was waited for: a run as a run, and a task only when known.
func TestKindsInReports(t *testing.T) {
	failed := "no such button"
	runPR := poller.Result{Ref: poller.Ref{RunID: testRunID}, Run: &client.Run{ID: testRunID, Status: client.StatusFailure, Error: &failed}, Requests: 3,
		Err: &poller.UnsuccessfulError{Status: client.StatusFailure, ErrorMessage: failed}}
	runPR.Execution = runPR.Run.AsExecution()
	run := kindResult("", runPR)
	byID := kindResult("", poller.Result{Ref: poller.Ref{ExecutionID: testExec}, Err: client.ErrNotFound, Requests: 1})

	var buf bytes.Buffer
	o := newOutput(&buf, io.Discard)
	if err := writeText(o, o.Stdout(), []result{run}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	if !strings.HasPrefix(lines[0], "RUN ") || !strings.HasPrefix(lines[1], testRunID+"  failure  -") || !strings.HasPrefix(lines[3], "v2 runs report no start time") {
		t.Errorf("text table of a run:\n%s", buf.String())
	}
	buf.Reset()
	if err := writeText(o, o.Stdout(), []result{byID}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "EXECUTION ") || strings.Contains(buf.String(), "v2 runs") {
		t.Errorf("text table of an execution by ID:\n%s", buf.String())
	}

	var rep junitSuites
	if err := xml.Unmarshal([]byte(junitXML(o, []result{run, byID}, time.Time{}, time.Second, nil)), &rep); err != nil {
		t.Fatal(err)
	}
	if c := rep.Suites[0].Cases; c[0].Classname != "anchor-wait.run" || c[0].Name != testRunID || c[0].Failure == nil || c[1].Classname != "anchor-wait.execution" {
		t.Errorf("JUnit cases %+v: want a run's and an execution's, by kind", c)
	}

	if md := githubSummary(o, []result{run}, exitFailure, "one failed", time.Second, nil); !strings.Contains(md, "| Run | Status |") || !strings.Contains(md, "| `"+testRunID+"` | ` failure ` | - |") {
		t.Errorf("step summary of a run:\n%s", md)
	}

	var stderr bytes.Buffer
	o = newOutput(io.Discard, &stderr)
	githubAnnotations(o, []result{run, byID})
	want := "::error title=Anchor v2 run " + testRunID + " failure::V2 run " + testRunID + " ended failure: no such button\n" +
		"::error title=Anchor execution " + testExec + " api-error::Execution " + testExec + " did not finish: "
	if !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("annotations:\n%s\nwant them to start:\n%s", stderr.String(), want)
	}
}

func TestWaitingLine(t *testing.T) {
	for _, tt := range []struct {
		taskID string
		refs   []poller.Ref
		want   string
	}{
		{testTask, []poller.Ref{{TaskID: testTask, ExecutionID: testExec}}, "waiting for one execution of task " + testTask},
		{"", []poller.Ref{{ExecutionID: testExec}, {ExecutionID: exampleID}}, "waiting for 2 executions by ID"},
		{"", []poller.Ref{{RunID: testRunID}}, "waiting for one v2 run"},
		{testTask, []poller.Ref{{RunID: "a"}, {RunID: "b"}}, "waiting for 2 v2 runs of task " + testTask},
	} {
		if got := waitingLine(tt.taskID, tt.refs); got != tt.want {
			t.Errorf("waitingLine(%q, %v) = %q, want %q", tt.taskID, tt.refs, got, tt.want)
		}
	}
}
