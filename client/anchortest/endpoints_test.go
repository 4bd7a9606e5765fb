package anchortest

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

func TestErrorAnswers(t *testing.T) {
	const wrongKey = "sk-wrong-secret-0123456789"
	s := NewServer()
	defer s.Close()
	if err := s.AddExecutionWithID(taskA, execX, Always(client.StatusRunning)); err != nil {
		t.Fatal(err)
	}
	key := s.APIKey()
	big := `{"taskId":"` + taskA + `","inputs":{"ANCHOR_X":"` + strings.Repeat("x", maxRunBody) + `"}}`
	tests := []struct {
		name, method, path, key, body string
		wantStatus                    int
		wantMsg                       string // the message contains this
		wantAllow                     string
	}{
		{"missing key", "GET", execPath(taskA, execX), "", "", 401, "Missing API key", ""},
		{"wrong key", "GET", execPath(taskA, execX), wrongKey, "", 401, "Invalid API key", ""},
		{"wrong key on unknown route", "GET", "/v2/nothing", wrongKey, "", 401, "Invalid API key", ""},
		{"unknown execution", "GET", execPath(taskA, "9b2d5a4e-3c1f-4e8a-9d7b-6f5e4d3c2b1a"), key, "", 404, "not found", ""},
		{"execution of another task", "GET", execPath(taskB, execX), key, "", 404, "not found", ""},
		{"task ID not a UUID", "GET", execPath("task-1", execX), key, "", 400, `taskId "task-1"`, ""},
		{"execution ID not a UUID", "GET", execPath(taskA, "42"), key, "", 400, `executionId "42"`, ""},
		{"execution ID without hyphens", "GET", execPath(taskA, strings.ReplaceAll(execX, "-", "")), key, "", 400, "must be a UUID", ""},
		{"execution ID in braces", "GET", execPath(taskA, "{"+execX[:34]+"}"), key, "", 400, "must be a UUID", ""},
		{"unknown route", "GET", "/v1/tasks", key, "", 404, "No route for GET /v1/tasks", ""},
		{"path below an execution", "GET", execPath(taskA, execX) + "/logs", key, "", 404, "No route", ""},
		{"POST on an execution", "POST", execPath(taskA, execX), key, "", 405, "use GET", "GET"},
		{"DELETE on a list", "DELETE", "/v1/task/" + taskA + "/executions", key, "", 405, "use GET", "GET"},
		{"GET on run", "GET", "/v1/task/run", key, "", 405, "use POST", "POST"},
		{"list of unknown task", "GET", "/v1/task/" + taskB + "/executions", key, "", 404, "Task " + taskB + " not found", ""},
		{"list with bad task ID", "GET", "/v1/task/x/executions", key, "", 400, `taskId "x"`, ""},
		{"list page 0", "GET", "/v1/task/" + taskA + "/executions?page=0", key, "", 400, `page "0"`, ""},
		{"list page with leading zero", "GET", "/v1/task/" + taskA + "/executions?page=01", key, "", 400, `page "01"`, ""},
		{"list page with plus", "GET", "/v1/task/" + taskA + "/executions?page=%2B1", key, "", 400, `page "+1"`, ""},
		{"list limit not a number", "GET", "/v1/task/" + taskA + "/executions?limit=ten", key, "", 400, `limit "ten"`, ""},
		{"list limit negative", "GET", "/v1/task/" + taskA + "/executions?limit=-5", key, "", 400, `limit "-5"`, ""},
		{"list limit too big for int", "GET", "/v1/task/" + taskA + "/executions?limit=99999999999999999999", key, "", 400, "limit", ""},
		{"list unknown status", "GET", "/v1/task/" + taskA + "/executions?status=paused", key, "", 400, `status "paused"`, ""},
		{"list bad query", "GET", "/v1/task/" + taskA + "/executions?page=%zz", key, "", 400, "query", ""},
		{"run with no body", "POST", "/v1/task/run", key, "", 400, "invalid request body", ""},
		{"run with bad JSON", "POST", "/v1/task/run", key, `{"taskId":`, 400, "invalid request body", ""},
		{"run with two JSON values", "POST", "/v1/task/run", key, `{"taskId":"` + taskA + `"} {}`, 400, "data after the JSON object", ""},
		{"run without taskId", "POST", "/v1/task/run", key, `{"async":true}`, 400, "taskId is required", ""},
		{"run with taskId of wrong type", "POST", "/v1/task/run", key, `{"taskId":5}`, 400, "invalid request body", ""},
		{"run with bad taskId", "POST", "/v1/task/run", key, `{"taskId":"abc"}`, 400, `taskId "abc"`, ""},
		{"run with bad version", "POST", "/v1/task/run", key, `{"taskId":"` + taskA + `","version":"v2"}`, 400, `version "v2"`, ""},
		{"run with bad sessionId", "POST", "/v1/task/run", key, `{"taskId":"` + taskA + `","sessionId":"s1"}`, 400, `sessionId "s1"`, ""},
		{"run with input not ANCHOR_", "POST", "/v1/task/run", key, `{"taskId":"` + taskA + `","inputs":{"URL":"x"}}`, 400, `input "URL"`, ""},
		{"run with body over the cap", "POST", "/v1/task/run", key, big, 400, "over 1048576 bytes", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, context.Background(), s, tt.method, tt.path, tt.key, tt.body)
			if r.err != nil {
				t.Fatalf("request failed: %v", r.err)
			}
			if r.status != tt.wantStatus {
				t.Errorf("status %d, want %d (body %s)", r.status, tt.wantStatus, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			code, msg := apiErr(t, r)
			if code != tt.wantStatus {
				t.Errorf("error.code %d, want %d", code, tt.wantStatus)
			}
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("error.message %q, want it to contain %q", msg, tt.wantMsg)
			}
			if got := r.header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow %q, want %q", got, tt.wantAllow)
			}
			for _, k := range []string{wrongKey, key} {
				if strings.Contains(string(r.body), k) {
					t.Errorf("body %s contains an API key", r.body)
				}
			}
		})
	}
}

func TestIDsAreCaseInsensitive(t *testing.T) {
	s := NewServer()
	defer s.Close()
	id := s.AddExecution(strings.ToUpper(taskA), Always(client.StatusRunning))
	r := get(t, s, execPath(strings.ToUpper(taskA), strings.ToUpper(id)))
	if r.status != http.StatusOK {
		t.Fatalf("GET with upper-case IDs: status %d, want 200 (body %s)", r.status, r.body)
	}
	if got := decodeData[client.Execution](t, r); got.ID != id {
		t.Errorf("id %q, want %q", got.ID, id)
	}
	if recs := s.RequestsFor(strings.ToUpper(id)); len(recs) != 1 || recs[0].TaskID != taskA {
		t.Errorf("RequestsFor(upper-case ID) = %+v, want one request for task %s", recs, taskA)
	}
}

func TestListExecutions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer()
		defer s.Close()
		c := s.Client()
		// Oldest first; a second apart so "newest first" is unambiguous.
		var ids []string
		for i, sc := range []Script{
			Succeed(0, time.Second, "a"),
			Always(client.StatusRunning),
			{Steps: []Step{{Status: client.StatusRunning}}, Version: "2"},
			Always(client.StatusQueued),
			Always(client.StatusRunning),
		} {
			if i > 0 {
				time.Sleep(time.Second)
			}
			ids = append(ids, s.AddExecution(taskA, sc))
		}
		hidden := s.AddExecution(taskA, Script{VisibleAfter: time.Hour})
		s.AddExecution(taskB, Always(client.StatusRunning))
		time.Sleep(2 * time.Second)

		tests := []struct {
			opts      client.ListOptions
			want      []string
			wantPages client.Pagination
		}{
			{client.ListOptions{}, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}, client.Pagination{Page: 1, Limit: 10, Total: 5, TotalPages: 1}},
			{client.ListOptions{Limit: 2}, []string{ids[4], ids[3]}, client.Pagination{Page: 1, Limit: 2, Total: 5, TotalPages: 3}},
			{client.ListOptions{Limit: 2, Page: 3}, []string{ids[0]}, client.Pagination{Page: 3, Limit: 2, Total: 5, TotalPages: 3}},
			{client.ListOptions{Limit: 2, Page: 4}, []string{}, client.Pagination{Page: 4, Limit: 2, Total: 5, TotalPages: 3}},
			{client.ListOptions{Status: client.StatusRunning}, []string{ids[4], ids[2], ids[1]}, client.Pagination{Page: 1, Limit: 10, Total: 3, TotalPages: 1}},
			{client.ListOptions{Status: client.StatusSuccess}, []string{ids[0]}, client.Pagination{Page: 1, Limit: 10, Total: 1, TotalPages: 1}},
			{client.ListOptions{Status: client.StatusFailure}, []string{}, client.Pagination{Page: 1, Limit: 10, Total: 0, TotalPages: 0}},
			{client.ListOptions{Version: "2"}, []string{ids[2]}, client.Pagination{Page: 1, Limit: 10, Total: 1, TotalPages: 1}},
			{client.ListOptions{Limit: math.MaxInt, Page: 2}, []string{}, client.Pagination{Page: 2, Limit: math.MaxInt, Total: 5, TotalPages: 1}},
			{client.ListOptions{Limit: math.MaxInt, Page: math.MaxInt}, []string{}, client.Pagination{Page: math.MaxInt, Limit: math.MaxInt, Total: 5, TotalPages: 1}},
		}
		for _, tt := range tests {
			page, err := c.ListExecutions(context.Background(), taskA, tt.opts)
			if err != nil {
				t.Fatalf("ListExecutions(%+v): %v", tt.opts, err)
			}
			var got []string
			for _, e := range page.Results {
				got = append(got, e.ID)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("ListExecutions(%+v) results %v, want %v", tt.opts, got, tt.want)
			}
			if page.Pagination != tt.wantPages {
				t.Errorf("ListExecutions(%+v) pagination %+v, want %+v", tt.opts, page.Pagination, tt.wantPages)
			}
		}

		// The hidden execution joins the list once visible.
		time.Sleep(time.Hour)
		page, err := c.ListExecutions(context.Background(), taskA, client.ListOptions{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Results) != 1 || page.Results[0].ID != hidden || page.Pagination.Total != 6 {
			t.Errorf("after an hour: first result %+v of %d, want %s of 6", page.Results, page.Pagination.Total, hidden)
		}
	})
}

func TestRunTaskAsync(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer()
		defer s.Close()
		c := s.Client()
		ctx := context.Background()
		tests := []struct {
			version, wantVersion string
		}{
			{"", "1"}, {"latest", "1"}, {"draft", "draft"}, {"7", "7"},
		}
		for _, tt := range tests {
			res, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskA, Async: true, Version: tt.version})
			if err != nil {
				t.Fatalf("RunTask(version %q): %v", tt.version, err)
			}
			if !res.Success || !res.Async || res.TaskID != taskA || res.ExecutionResultID == "" || res.Output != nil || res.ExecutionTime != nil {
				t.Errorf("RunTask(version %q) = %+v; want success, async, task %s, an execution ID, no sync fields", tt.version, res, taskA)
			}
			got, ok := s.Execution(res.ExecutionResultID)
			if !ok || got.Version != tt.wantVersion || got.Status != client.StatusQueued {
				t.Errorf("started execution = %+v, %v; want version %q, queued", got, ok, tt.wantVersion)
			}
		}
		recs := s.Requests()
		if len(recs) != len(tests) || recs[0].Op != OpRunTask || recs[0].TaskID != taskA || recs[0].ExecutionID == "" {
			t.Errorf("records %+v; want %d runTask records naming the task and the execution started", recs, len(tests))
		}

		// The default template: queued 1s, running 3s, success.
		start := time.Now()
		res, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskB, Async: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, cp := range []checkpoint{
			{0, client.StatusQueued, "", "", -1},
			{time.Second, client.StatusRunning, "", "", -1},
			{4 * time.Second, client.StatusSuccess, DefaultOutput, "", 3000},
		} {
			time.Sleep(cp.at - time.Since(start))
			got, err := c.GetExecution(ctx, taskB, res.ExecutionResultID)
			if err != nil {
				t.Fatalf("at %v: %v", cp.at, err)
			}
			checkExecution(t, cp, got)
		}
	})
}

func TestRunTaskSync(t *testing.T) {
	tests := []struct {
		name        string
		template    Script
		wantSuccess bool
		wantOutput  string
		wantError   string
		wantTook    time.Duration
		wantMillis  float64
	}{
		{"success", Succeed(2*time.Second, 3*time.Second, "out"), true, "out", "", 5 * time.Second, 3000},
		{"failure", Fail(time.Second, time.Minute, "boom"), false, "", "boom", 61 * time.Second, 60000},
		{"timeout without message", Finish(client.StatusTimeout, 0, time.Hour), false, "", "Task ended with status timeout", time.Hour, 3600000},
		{"already final", Always(client.StatusSuccess), true, "", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := NewInMemoryServer(WithTemplate(tt.template))
				defer s.Close()
				c := s.Client(client.WithRequestTimeout(2 * time.Hour))
				start := time.Now()
				res, err := c.RunTask(context.Background(), client.RunTaskRequest{TaskID: taskA})
				if err != nil {
					t.Fatal(err)
				}
				if took := time.Since(start); took != tt.wantTook {
					t.Errorf("answered after %v, want %v (when the template ends)", took, tt.wantTook)
				}
				if res.Success != tt.wantSuccess || res.Async || res.TaskID != taskA || res.ExecutionResultID != "" {
					t.Errorf("result %+v; want success %v, not async, task %s, no execution ID", res, tt.wantSuccess, taskA)
				}
				if deref(res.Output) != tt.wantOutput || deref(res.Error) != tt.wantError {
					t.Errorf("output %q error %q; want %q and %q", deref(res.Output), deref(res.Error), tt.wantOutput, tt.wantError)
				}
				if res.ExecutionTime == nil || *res.ExecutionTime != tt.wantMillis {
					t.Errorf("executionTime %v, want %v", res.ExecutionTime, tt.wantMillis)
				}
				if res.Message == "" {
					t.Error("message is empty")
				}
			})
		})
	}
}

func TestRunTaskSyncHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer(WithTemplate(Always(client.StatusRunning)))
		defer s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		start := time.Now()
		r := do(t, ctx, s, http.MethodPost, "/v1/task/run", s.APIKey(), `{"taskId":"`+taskA+`"}`)
		if !errors.Is(r.err, context.DeadlineExceeded) {
			t.Errorf("got %+v, want the client's deadline to end the request", r)
		}
		if took := time.Since(start); took != 10*time.Minute {
			t.Errorf("request ended after %v, want 10m", took)
		}
		synctest.Wait() // let the handler see the cancellation and record it
		recs := s.Requests()
		if len(recs) != 1 || recs[0].Status != 0 || recs[0].Duration != 10*time.Minute {
			t.Errorf("records %+v; want one with status 0 (no answer) after 10m", recs)
		}
	})
}

func TestRunTaskOnlyKnownTasks(t *testing.T) {
	s := NewServer(WithTasks(taskA))
	defer s.Close()
	c := s.Client()
	ctx := context.Background()
	if _, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskA, Async: true}); err != nil {
		t.Errorf("RunTask(listed task): %v", err)
	}
	s.AddExecution(taskB, Script{})
	if _, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskB, Async: true}); err != nil {
		t.Errorf("RunTask(task with an execution): %v", err)
	}
	const other = "0b7e2f4c-1d3a-4c5b-8e6f-7a8b9c0d1e2f"
	_, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: other, Async: true})
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("RunTask(unknown task) error %v, want one matching client.ErrNotFound", err)
	}
}
