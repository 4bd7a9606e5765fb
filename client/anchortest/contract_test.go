package anchortest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/anchorwait/anchorwait/client"
)

// specPath is the project's copy of the API spec, shared with package client.
const specPath = "../testdata/anchor-api.yaml"

// specChecker validates responses against the API spec.
type specChecker struct {
	router   routers.Router
	errorDoc *openapi3.Schema // the body of every error response
	opts     *openapi3filter.Options
}

func newSpecChecker(t *testing.T, serverURL string) *specChecker {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		t.Fatalf("load %s: %v", specPath, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("%s is not a valid OpenAPI document: %v", specPath, err)
	}
	// Route requests to the fake rather than the real server.
	doc.Servers = openapi3.Servers{{URL: serverURL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	errResp := doc.Components.Responses["Error"]
	if errResp == nil || errResp.Value.Content.Get("application/json") == nil {
		t.Fatalf("%s has no Error response with a JSON body", specPath)
	}
	return &specChecker{
		router:   router,
		errorDoc: errResp.Value.Content.Get("application/json").Schema.Value,
		opts: &openapi3filter.Options{
			MultiError: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122)),
			},
		},
	}
}

// check validates one response. For an operation in the spec it runs
// openapi3filter.ValidateResponse; every error response (the spec lists only
// some statuses, and 405 or an unknown path has no operation) must also be
// the spec's Error document. op is the operationId, "" for none.
func (c *specChecker) check(req *http.Request, status int, header http.Header, body []byte) (op string, err error) {
	var errs []error
	route, params, rerr := c.router.FindRoute(req)
	if rerr == nil {
		op = route.Operation.OperationID
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: c.opts},
			Status:                 status,
			Header:                 header,
			Options:                c.opts,
		}
		in.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
			errs = append(errs, err)
		}
	}
	if status >= 400 {
		if ct := header.Get("Content-Type"); ct != "application/json" {
			errs = append(errs, fmt.Errorf("error response has Content-Type %q, want application/json", ct))
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			errs = append(errs, fmt.Errorf("error body is not JSON: %w", err))
		} else if err := c.errorDoc.VisitJSON(v, append(c.opts.SchemaValidationOptions, openapi3.VisitAsResponse())...); err != nil {
			errs = append(errs, fmt.Errorf("error body is not the Error document: %w", err))
		} else if m, _ := v.(map[string]any); m["error"] == nil {
			errs = append(errs, fmt.Errorf("error body %s has no error member", body))
		}
	}
	if len(errs) > 0 {
		return op, fmt.Errorf("%s %s -> %d: %v", req.Method, req.URL.Path, status, errs)
	}
	return op, nil
}

// checkedTransport validates every response that passes through it and keeps
// the outcome.
type checkedTransport struct {
	base    http.RoundTripper
	checker *specChecker

	mu      sync.Mutex
	results []checkResult
}

type checkResult struct {
	op     string
	status int
	err    error
}

func (ct *checkedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := ct.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	op, verr := ct.checker.check(req, resp.StatusCode, resp.Header, body)
	ct.mu.Lock()
	ct.results = append(ct.results, checkResult{op: op, status: resp.StatusCode, err: verr})
	ct.mu.Unlock()
	return resp, nil
}

// take returns the results so far and forgets them.
func (ct *checkedTransport) take() []checkResult {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	r := ct.results
	ct.results = nil
	return r
}

func TestResponsesMatchSpec(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer(WithTemplate(Succeed(time.Second, 2*time.Second, "out")))
		defer s.Close()
		ct := &checkedTransport{base: s.HTTPClient().Transport, checker: newSpecChecker(t, s.URL)}
		hc := &http.Client{Transport: ct}
		c := s.Client(client.WithHTTPClient(hc), client.WithMaxRetries(0))
		ctx := context.Background()
		key := s.APIKey()
		raw := func(method, path, key, body string) {
			var rd io.Reader
			if body != "" {
				rd = strings.NewReader(body)
			}
			req, err := http.NewRequestWithContext(ctx, method, s.URL+path, rd)
			if err != nil {
				t.Fatal(err)
			}
			if key != "" {
				req.Header.Set(apiKeyHeader, key)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			resp.Body.Close()
		}

		// Executions in every state, with output, errors and execution times.
		ids := []string{
			s.AddExecution(taskA, Succeed(time.Second, 2*time.Second, "result")),
			s.AddExecution(taskA, Fail(0, time.Second, "it broke")),
			s.AddExecution(taskA, Finish(client.StatusTimeout, 0, 5*time.Second)),
			s.AddExecution(taskA, Finish(client.StatusCancelled, time.Second, 0)),
			s.AddExecution(taskA, Always(client.StatusRunning)),
			s.AddExecution(taskA, Script{}),
		}
		faulty := s.AddExecution(taskA, Script{Faults: []Fault{
			{FromRequest: 1, ToRequest: 1, Status: 429, Header: http.Header{"Retry-After": {"1"}}},
			{FromRequest: 2, ToRequest: 2, Status: 500},
			{FromRequest: 3, ToRequest: 3, Status: 503, RetryAfterDate: time.Minute},
			{FromRequest: 4, ToRequest: 4, Status: 404},
		}})
		hidden := s.AddExecution(taskA, Script{VisibleAfter: time.Hour})
		for _, at := range []time.Duration{0, 1500 * time.Millisecond, 10 * time.Second} {
			time.Sleep(at)
			for _, id := range ids {
				c.GetExecution(ctx, taskA, id)
			}
			c.ListExecutions(ctx, taskA, client.ListOptions{})
		}
		for range 4 {
			c.GetExecution(ctx, taskA, faulty)
		}
		c.GetExecution(ctx, taskA, hidden)
		c.GetExecution(ctx, taskB, ids[0])
		c.ListExecutions(ctx, taskA, client.ListOptions{Page: 2, Limit: 2})
		c.ListExecutions(ctx, taskA, client.ListOptions{Page: 9})
		c.ListExecutions(ctx, taskA, client.ListOptions{Page: math.MaxInt, Limit: math.MaxInt})
		c.ListExecutions(ctx, taskA, client.ListOptions{Status: client.StatusRunning, Version: "1"})
		c.ListExecutions(ctx, taskB, client.ListOptions{})
		c.RunTask(ctx, client.RunTaskRequest{TaskID: taskA, Async: true})
		c.RunTask(ctx, client.RunTaskRequest{TaskID: taskA, Async: false})
		for _, tmpl := range []Script{Fail(0, time.Second, "no luck"), Finish(client.StatusCancelled, 0, time.Second)} {
			other := NewInMemoryServer(WithTemplate(tmpl))
			oct := &checkedTransport{base: other.HTTPClient().Transport, checker: newSpecChecker(t, other.URL)}
			other.Client(client.WithHTTPClient(&http.Client{Transport: oct})).RunTask(ctx, client.RunTaskRequest{TaskID: taskA})
			other.Close()
			for _, r := range oct.take() {
				if r.err != nil || r.op != "runTask" || r.status != 200 {
					t.Errorf("sync run of %v: %+v, want a runTask 200 that matches the spec", tmpl.Steps, r)
				}
			}
		}
		// The execution endpoint without a task, and v2 runs.
		for _, id := range append(ids, faulty, hidden) {
			c.GetExecutionByID(ctx, id)
		}
		c.GetExecutionByID(ctx, "00000000-0000-4000-8000-000000000000")
		faultyByID := s.AddExecution(taskA, Script{Faults: []Fault{
			{FromRequest: 1, ToRequest: 1, Status: 429, Header: http.Header{"Retry-After": {"1"}}},
			{FromRequest: 2, ToRequest: 2, Status: 500},
		}})
		c.GetExecutionByID(ctx, faultyByID)
		c.GetExecutionByID(ctx, faultyByID)
		runs := []string{
			s.AddRun(taskA, Succeed(0, time.Second, `{"title":"x"}`)),
			s.AddRun(taskA, Succeed(0, time.Second, "plain")),
			s.AddRun(taskA, Fail(0, time.Second, "it broke")),
			s.AddRun(taskA, Finish(client.StatusTimeout, 0, time.Second)),
			s.AddRun(taskA, Always(client.StatusRunning)),
			s.AddRun(taskA, Script{Faults: []Fault{{ToRequest: 1, Status: 503}}}),
		}
		for range 2 {
			for _, id := range runs {
				c.GetRun(ctx, id)
			}
			time.Sleep(2 * time.Second)
		}
		c.GetRun(ctx, "run_unknown")
		for _, req := range []client.RunTaskV2Request{
			{TaskID: taskA},
			{TaskID: taskA, Inputs: map[string]string{"k": "v"}, SessionID: "s", Version: "draft"},
			{TaskID: taskA, Sync: true},
		} {
			c.RunTaskV2(ctx, req)
		}
		raw("POST", "/v2/tasks/"+taskA+"/run", key, `{}`)
		raw("POST", "/v2/tasks/not-a-uuid/run", key, `{"input_params":{}}`)
		raw("GET", "/v1/executions/42", key, "")
		noID := NewInMemoryServer(WithoutExecutionResultID())
		defer noID.Close()
		nct := &checkedTransport{base: noID.HTTPClient().Transport, checker: newSpecChecker(t, noID.URL)}
		nc := noID.Client(client.WithHTTPClient(&http.Client{Transport: nct}))
		if res, err := nc.RunTask(ctx, client.RunTaskRequest{TaskID: taskA, Async: true}); err != nil || res.ExecutionResultID != "" {
			t.Errorf("run without executionResultId: %+v, %v", res, err)
		}

		raw("GET", execPath(taskA, ids[0]), "", "")
		raw("GET", execPath(taskA, ids[0]), "wrong-key", "")
		raw("GET", execPath(taskA, "not-a-uuid"), key, "")
		raw("GET", "/v1/task/"+taskA+"/executions?limit=0", key, "")
		raw("POST", "/v1/task/run", key, `{"taskId":"nope"}`)
		raw("POST", "/v1/task/run", key, `{`)
		raw("DELETE", execPath(taskA, ids[0]), key, "")
		raw("GET", "/v1/unknown", key, "")

		results := append(ct.take(), nct.take()...)
		seen := map[string]bool{}
		for _, r := range results {
			if r.err != nil {
				t.Errorf("response does not match the spec: %v", r.err)
			}
			seen[fmt.Sprintf("%s %d", r.op, r.status)] = true
		}
		// The scenario above must have covered every endpoint and error.
		for _, want := range []string{
			"getExecution 200", "getExecution 400", "getExecution 401", "getExecution 404",
			" 405", "getExecution 429", "getExecution 500", "getExecution 503",
			"listExecutions 200", "listExecutions 400", "listExecutions 404",
			"runTask 200", "runTask 400", " 404",
			"getExecutionByID 200", "getExecutionByID 400", "getExecutionByID 404", "getExecutionByID 429", "getExecutionByID 500",
			"runTaskV2 200", "runTaskV2 400", "getTaskRunStatusV2 200", "getTaskRunStatusV2 404", "getTaskRunStatusV2 503",
		} {
			if !seen[want] {
				keys := make([]string, 0, len(seen))
				for k := range seen {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				t.Errorf("no %q response was checked; saw %v", want, keys)
			}
		}
		t.Logf("%d responses checked against %s", len(results), specPath)
	})
}

// TestSpecCheckerCatchesViolations shows the contract test can fail: answers
// that break the spec in different ways are each caught.
func TestSpecCheckerCatchesViolations(t *testing.T) {
	s := NewServer()
	defer s.Close()
	ct := &checkedTransport{base: s.HTTPClient().Transport, checker: newSpecChecker(t, s.URL)}
	hc := &http.Client{Transport: ct}
	const notRFC4122 = "00000000-0000-0000-0000-000000000001" // version 0
	if err := s.AddExecutionWithID(taskA, notRFC4122, Script{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		id    string
		fault Fault
	}{
		{"missing required field", "", Fault{Body: MissingField("status")}},
		{"wrong type", "", Fault{Body: WrongType("startTime")}},
		{"status outside the enum", "", Fault{Body: RawBody("", []byte(`{"data":{"id":"`+execX+`","taskVersionId":"`+execX+`","version":"1","status":"paused","startTime":"2026-01-01T00:00:00Z"}}`))}},
		{"startTime not a date-time", "", Fault{Body: RawBody("", []byte(`{"data":{"id":"`+execX+`","taskVersionId":"`+execX+`","version":"1","status":"queued","startTime":"yesterday"}}`))}},
		{"HTML instead of JSON", "", Fault{Body: HTMLBody()}},
		{"error without the error document", "", Fault{Status: 500, Body: RawBody("", []byte(`{"message":"oops"}`))}},
		{"error as HTML", "", Fault{Status: 503, Body: HTMLBody()}},
		{"ID that is not an RFC 4122 UUID", notRFC4122, Fault{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.id
			if id == "" {
				id = s.AddExecution(taskA, Script{Faults: []Fault{tt.fault}})
			}
			req, err := http.NewRequest(http.MethodGet, s.URL+execPath(taskA, id), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set(apiKeyHeader, s.APIKey())
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			results := ct.take()
			if len(results) != 1 || results[0].err == nil {
				t.Errorf("results %+v; want one spec violation", results)
			}
		})
	}
}
