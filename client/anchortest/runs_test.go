package anchortest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// runIDPattern is the form of the run IDs the server makes.
var runIDPattern = regexp.MustCompile(`^run_[0-9a-f]{32}$`)

func TestRunTaskV2(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer(WithTemplate(Succeed(time.Second, 2*time.Second, `{"title":"Example"}`)))
		defer s.Close()
		c := s.Client()
		ctx := context.Background()
		start := time.Now()
		run, err := c.RunTaskV2(ctx, client.RunTaskV2Request{TaskID: taskA, Inputs: map[string]string{"url": "https://example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		if !runIDPattern.MatchString(run.ID) || run.Status != client.StatusQueued || run.Result != nil || run.Error != nil || run.SessionID == "" {
			t.Errorf("started run %+v; want a run_ ID, queued, no result or error, a session", run)
		}
		for _, cp := range []struct {
			at         time.Duration
			want       client.Status
			wantResult string
		}{
			{0, client.StatusQueued, ""},
			{time.Second, client.StatusRunning, ""},
			{3 * time.Second, client.StatusSuccess, `{"title":"Example"}`},
		} {
			time.Sleep(cp.at - time.Since(start))
			got, err := c.GetRun(ctx, run.ID)
			if err != nil {
				t.Fatalf("at %v: %v", cp.at, err)
			}
			if got.Status != cp.want || string(got.Result) != cp.wantResult || got.Error != nil || got.SessionID != run.SessionID || got.Unreadable != nil {
				t.Errorf("at %v: %+v; want %s with result %q in session %s", cp.at, got, cp.want, cp.wantResult, run.SessionID)
			}
		}
		recs := s.RequestsFor(run.ID)
		if len(recs) != 4 || recs[0].Op != OpRunTaskV2 || recs[0].TaskID != taskA || recs[1].Op != OpGetRun || recs[1].RunID != run.ID {
			t.Errorf("records %+v; want the start and three GETs of run %s", recs, run.ID)
		}
		if n := s.RequestCountFor(run.ID); n != 4 {
			t.Errorf("RequestCountFor(run) = %d, want 4", n)
		}
	})
}

func TestRunTaskV2Sync(t *testing.T) {
	tests := []struct {
		name       string
		template   Script
		wantStatus client.Status
		wantResult string
		wantError  string
		wantTook   time.Duration
	}{
		{"success with an object output", Succeed(time.Second, 2*time.Second, `{"a":[1,2]}`), client.StatusSuccess, `{"a":[1,2]}`, "", 3 * time.Second},
		{"success with text output", Succeed(0, time.Second, "plain text"), client.StatusSuccess, `{"output":"plain text"}`, "", time.Second},
		{"success without output", Finish(client.StatusSuccess, 0, time.Second), client.StatusSuccess, `{}`, "", time.Second},
		{"failure", Fail(0, time.Minute, "boom"), client.StatusFailure, "", "boom", time.Minute},
		{"cancelled without message", Finish(client.StatusCancelled, time.Second, 0), client.StatusCancelled, "", "Task ended with status cancelled", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := NewInMemoryServer(WithTemplate(tt.template))
				defer s.Close()
				c := s.Client(client.WithRequestTimeout(time.Hour))
				start := time.Now()
				run, err := c.RunTaskV2(context.Background(), client.RunTaskV2Request{TaskID: taskA, Sync: true})
				if err != nil {
					t.Fatal(err)
				}
				if took := time.Since(start); took != tt.wantTook {
					t.Errorf("answered after %v, want %v", took, tt.wantTook)
				}
				if run.Status != tt.wantStatus || string(run.Result) != tt.wantResult || deref(run.Error) != tt.wantError {
					t.Errorf("run %+v (error %q); want %s, result %q, error %q", run, deref(run.Error), tt.wantStatus, tt.wantResult, tt.wantError)
				}
			})
		})
	}
}

func TestRunTaskV2Requests(t *testing.T) {
	s := NewServer(WithTasks(taskA))
	defer s.Close()
	key := s.APIKey()
	runPath := "/v2/tasks/" + taskA + "/run"
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantMsg                  string
	}{
		{"minimal", "POST", runPath, `{"input_params":{}}`, 200, ""},
		{"every field", "POST", runPath, `{"input_params":{"any name":"v"},"identity_id":"i","session_id":"s","cleanup_sessions":false,"identity_skip_validation":true,"sync":false,"version":"3"}`, 200, ""},
		{"no input_params", "POST", runPath, `{"sync":false}`, 400, "input_params is required"},
		{"input_params not strings", "POST", runPath, `{"input_params":{"n":1}}`, 400, "invalid request body"},
		{"bad version", "POST", runPath, `{"input_params":{},"version":"v3"}`, 400, `version "v3"`},
		{"two JSON values", "POST", runPath, `{"input_params":{}} {}`, 400, "data after the JSON object"},
		{"no body", "POST", runPath, ``, 400, "invalid request body"},
		{"task ID not a UUID", "POST", "/v2/tasks/task-1/run", `{"input_params":{}}`, 400, `taskId "task-1"`},
		{"unknown task", "POST", "/v2/tasks/" + taskB + "/run", `{"input_params":{}}`, 404, "Task " + taskB + " not found"},
		{"GET on run", "GET", runPath, ``, 405, "use POST"},
		{"unknown run", "GET", "/v2/tasks/runs/run_0/status", ``, 404, "Run run_0 not found"},
		{"POST on a run's status", "POST", "/v2/tasks/runs/run_0/status", ``, 405, "use GET"},
		{"no run ID", "GET", "/v2/tasks/runs//status", ``, 404, "No route"},
		{"below a run", "GET", "/v2/tasks/runs/run_0/status/x", ``, 404, "No route"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, context.Background(), s, tt.method, tt.path, key, tt.body)
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %s)", r.status, tt.wantStatus, r.body)
			}
			if tt.wantStatus != 200 {
				if _, msg := apiErr(t, r); !strings.Contains(msg, tt.wantMsg) {
					t.Errorf("message %q, want it to contain %q", msg, tt.wantMsg)
				}
				return
			}
			var run struct {
				RunID     string `json:"run_id"`
				Status    string `json:"status"`
				SessionID string `json:"session_id"`
			}
			if err := json.Unmarshal(r.body, &run); err != nil || !runIDPattern.MatchString(run.RunID) || run.Status != "queued" {
				t.Errorf("body %s, want an unwrapped queued run", r.body)
			}
			if strings.Contains(tt.body, `"session_id":"s"`) && run.SessionID != "s" {
				t.Errorf("session_id %q, want the one asked for", run.SessionID)
			}
		})
	}
}

func TestAddRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer()
		defer s.Close()
		c := s.Client(client.WithMaxRetries(0))
		ctx := context.Background()
		a := s.AddRun(taskA, Script{VisibleAfter: time.Second, Steps: []Step{{At: 2 * time.Second, Status: client.StatusFailure, ErrorMessage: new("no luck")}}})
		b := s.AddRun(taskA, Script{Faults: []Fault{{FromRequest: 2, ToRequest: 2, Status: 503}, {Op: OpGetExecution, Status: 418}}})
		if a == b || !runIDPattern.MatchString(a) {
			t.Fatalf("run IDs %q and %q; want two distinct run_ IDs", a, b)
		}
		if _, err := c.GetRun(ctx, a); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("before VisibleAfter: got %v, want not found", err)
		}
		time.Sleep(2 * time.Second)
		if run, err := c.GetRun(ctx, a); err != nil || run.Status != client.StatusFailure || deref(run.Error) != "no luck" {
			t.Errorf("after 2s: got %+v, %v; want failure with its message", run, err)
		}
		// b's script faults apply to its GETs by number; one for another
		// endpoint does not.
		var statuses []int
		for range 3 {
			_, err := c.GetRun(ctx, b)
			var apiErr *client.APIError
			if errors.As(err, &apiErr) {
				statuses = append(statuses, apiErr.StatusCode)
			} else {
				statuses = append(statuses, 200)
			}
		}
		if !slices.Equal(statuses, []int{200, 503, 200}) {
			t.Errorf("GETs of a run with a fault on its 2nd: statuses %v, want [200 503 200]", statuses)
		}
		if n := s.RequestCountFor(b); n != 3 {
			t.Errorf("RequestCountFor = %d, want 3", n)
		}
	})
}

func TestGetExecutionByID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer(WithTemplate(Succeed(time.Second, time.Second, "out")))
		defer s.Close()
		c := s.Client(client.WithMaxRetries(0))
		ctx := context.Background()
		res, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskA, Async: true, Version: "draft", Inputs: map[string]string{"ANCHOR_URL": "https://example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		const session = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
		inSession, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskA, Async: true, SessionID: session})
		if err != nil {
			t.Fatal(err)
		}
		added := s.AddExecution(taskB, Always(client.StatusRunning))

		e, err := c.GetExecutionByID(ctx, res.ExecutionResultID)
		if err != nil {
			t.Fatal(err)
		}
		if e.TaskID != taskA || !e.IsDraft || e.Version != "draft" || e.Status != client.StatusQueued || e.HasLogs || e.BrowserSessionID != nil ||
			string(e.Inputs) != `{"ANCHOR_URL":"https://example.com"}` || e.Tags == nil || len(e.Tags) != 0 || e.ToolName != nil || e.ToolPublicID != nil || e.Unreadable != nil {
			t.Errorf("queued execution by ID = %+v; want task A, draft, queued, no logs or session yet, the inputs, no tags", e)
		}
		if e, err := c.GetExecutionByID(ctx, inSession.ExecutionResultID); err != nil || deref(e.BrowserSessionID) != session {
			t.Errorf("execution started in a session: %+v, %v; want session %s", e, err, session)
		}
		time.Sleep(2 * time.Second)
		e, err = c.GetExecutionByID(ctx, res.ExecutionResultID)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != client.StatusSuccess || deref(e.Output) != "out" || !e.HasLogs || e.BrowserSessionID == nil || e.ExecutionTime == nil || *e.ExecutionTime != 1000 {
			t.Errorf("finished execution by ID = %+v; want success with output, logs, a session, 1000 ms", e)
		}
		if e, err := c.GetExecutionByID(ctx, added); err != nil || e.TaskID != taskB || e.IsDraft || string(e.Inputs) != `{}` {
			t.Errorf("added execution by ID = %+v, %v; want task B, not draft, no inputs", e, err)
		}
		if _, err := c.GetExecutionByID(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("unknown execution: got %v, want not found", err)
		}
		if r := get(t, s, "/v1/executions/42"); r.status != http.StatusBadRequest {
			t.Errorf("execution ID not a UUID: status %d, want 400", r.status)
		}
		recs := s.RequestsFor(added)
		if len(recs) != 1 || recs[0].Op != OpGetExecutionByID || recs[0].ExecutionID != added || recs[0].TaskID != "" {
			t.Errorf("records %+v; want one getExecutionByID naming the execution only", recs)
		}
	})
}

func TestScriptFaultsSeeBothExecutionEndpoints(t *testing.T) {
	s := NewServer()
	defer s.Close()
	id := s.AddExecution(taskA, Script{Steps: []Step{{Status: client.StatusRunning}}, Faults: []Fault{
		{FromRequest: 2, ToRequest: 2, Status: 500},
		{Op: OpGetExecutionByID, FromRequest: 3, ToRequest: 3, Status: 429},
		{Op: OpGetExecution, FromRequest: 4, ToRequest: 4, Status: 429},
	}})
	var got []int
	for _, path := range []string{execPath(taskA, id), "/v1/executions/" + id, "/v1/executions/" + id, "/v1/executions/" + id, execPath(taskA, id)} {
		got = append(got, get(t, s, path).status)
	}
	// The 2nd GET (by ID) meets the first fault; the 3rd the by-ID one;
	// the 4th is by ID, so the task-scoped fault does not match it.
	if want := []int{200, 500, 429, 200, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

func TestServerFaultsByNewOperation(t *testing.T) {
	s := NewServer(WithFaults(Fault{Op: OpRunTaskV2, Status: 503}, Fault{Op: OpGetRun, Status: 502}, Fault{Op: OpGetExecutionByID, Status: 504}))
	defer s.Close()
	c := s.Client(client.WithMaxRetries(0))
	ctx := context.Background()
	id := s.AddExecution(taskA, Always(client.StatusRunning))
	run := s.AddRun(taskA, Always(client.StatusRunning))
	for name, call := range map[string]func() error{
		"RunTaskV2":        func() error { _, err := c.RunTaskV2(ctx, client.RunTaskV2Request{TaskID: taskA}); return err },
		"GetRun":           func() error { _, err := c.GetRun(ctx, run); return err },
		"GetExecutionByID": func() error { _, err := c.GetExecutionByID(ctx, id); return err },
	} {
		var apiErr *client.APIError
		if err := call(); !errors.As(err, &apiErr) || apiErr.StatusCode < 502 {
			t.Errorf("%s: got %v, want the fault's 5xx", name, err)
		}
	}
	if _, err := c.GetExecution(ctx, taskA, id); err != nil {
		t.Errorf("GetExecution, which no fault selects: %v", err)
	}
	if st := s.Stats(); st.Faults != 3 {
		t.Errorf("%d faulted answers, want 3", st.Faults)
	}
}

func TestWithoutExecutionResultID(t *testing.T) {
	s := NewServer(WithoutExecutionResultID(), WithTemplate(Always(client.StatusSuccess)))
	defer s.Close()
	c := s.Client()
	ctx := context.Background()
	res, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskA, Async: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExecutionResultID != "" || !res.Success || !res.Async || res.Unreadable != nil || strings.Contains(string(res.Raw), "executionResultId") {
		t.Errorf("async run %+v (raw %s); want success with no executionResultId", res, res.Raw)
	}
	recs := s.Requests()
	if len(recs) != 1 || recs[0].ExecutionID == "" {
		t.Fatalf("records %+v; want the execution started named", recs)
	}
	page, err := c.ListExecutions(ctx, taskA, client.ListOptions{})
	if err != nil || len(page.Results) != 1 || page.Results[0].ID != recs[0].ExecutionID {
		t.Errorf("list %+v, %v; want the execution started", page, err)
	}
}
