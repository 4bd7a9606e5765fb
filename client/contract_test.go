package client

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The project's copy of the API subset; see testdata/anchor-api.yaml.
const specPath = "testdata/anchor-api.yaml"

func loadRouter(t *testing.T) routers.Router {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		t.Fatalf("load %s: %v", specPath, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("%s is not a valid OpenAPI document: %v", specPath, err)
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// specTransport validates every request against the spec and answers with a
// canned, spec-valid body, so a test sees exactly what the client sends.
type specTransport struct {
	t      *testing.T
	router routers.Router
	reply  func(*http.Request) (int, string)

	mu     sync.Mutex
	checks int
}

func (s *specTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		s.t.Errorf("%s %s: no such operation in the spec: %v", req.Method, req.URL, err)
	} else {
		in := &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: func(_ context.Context, ai *openapi3filter.AuthenticationInput) error {
				if req.Header.Get("anchor-api-key") == "" {
					return io.EOF
				}
				return nil
			}},
		}
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			s.t.Errorf("%s %s: request does not match the spec: %v", req.Method, req.URL, err)
		}
		s.mu.Lock()
		s.checks++
		s.mu.Unlock()
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	code, reply := s.reply(req)
	return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(reply)), Request: req}, nil
}

func TestRequestsMatchSpec(t *testing.T) {
	const task, exec = "550e8400-e29b-41d4-a716-446655440000", "3c90c3cc-0d44-4b50-8888-8dd25736052a"
	const runID = "run_8f14e45fceea167a"
	st := &specTransport{t: t, router: loadRouter(t), reply: func(req *http.Request) (int, string) {
		switch {
		case strings.HasPrefix(req.URL.Path, "/v2/"):
			return 200, `{"run_id":"` + runID + `","status":"queued"}`
		case strings.HasPrefix(req.URL.Path, "/v1/executions/"):
			return 200, `{"id":"` + exec + `","taskId":"` + task + `","status":"running","startTime":"2026-11-28T12:00:00Z"}`
		case req.Method == http.MethodPost:
			return 200, `{"data":{"success":true,"async":true,"message":"started","taskId":"` + task + `","executionResultId":"` + exec + `"}}`
		case strings.HasSuffix(req.URL.Path, "/executions"):
			return 200, `{"data":{"results":[],"pagination":{"page":1,"limit":10,"total":0,"totalPages":0}}}`
		}
		return 200, seedExample
	}}
	c, err := New(testKey, WithHTTPClient(&http.Client{Transport: st}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Upper-case IDs are sent in canonical lower case.
	if _, err := c.GetExecution(ctx, strings.ToUpper(task), exec); err != nil {
		t.Errorf("GetExecution: %v", err)
	}
	for _, opts := range []ListOptions{{}, {Page: 2, Limit: 100, Status: StatusRunning, Version: "3"}} {
		if _, err := c.ListExecutions(ctx, task, opts); err != nil {
			t.Errorf("ListExecutions(%+v): %v", opts, err)
		}
	}
	f := false
	for _, req := range []RunTaskRequest{
		{TaskID: task, Async: true},
		{TaskID: task, Async: true, Version: "latest", SessionID: exec, Inputs: map[string]string{"ANCHOR_URL": "https://example.com"}, CleanupSessions: &f},
	} {
		res, err := c.RunTask(ctx, req)
		if err != nil || res.ExecutionResultID != exec {
			t.Errorf("RunTask(%+v) = %+v, %v; want execution %s", req, res, err, exec)
		}
	}
	if e, err := c.GetExecutionByID(ctx, strings.ToUpper(exec)); err != nil || e.TaskID != task {
		t.Errorf("GetExecutionByID = %+v, %v; want execution of task %s", e, err, task)
	}
	tr := true
	for _, req := range []RunTaskV2Request{
		{TaskID: task},
		{TaskID: task, Inputs: map[string]string{"url": "https://example.com", "ANCHOR_X": "y"}, IdentityID: "id-1", SessionID: "s-1",
			CleanupSessions: &f, IdentitySkipValidation: &tr, Version: "3", Sync: true},
	} {
		if run, err := c.RunTaskV2(ctx, req); err != nil || run.ID != runID {
			t.Errorf("RunTaskV2(%+v) = %+v, %v; want run %s", req, run, err, runID)
		}
	}
	if run, err := c.GetRun(ctx, runID); err != nil || run.Status != StatusQueued {
		t.Errorf("GetRun = %+v, %v; want queued", run, err)
	}
	if st.checks != 9 {
		t.Errorf("validated %d requests, want 9", st.checks)
	}
}
