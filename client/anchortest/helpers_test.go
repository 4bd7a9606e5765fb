package anchortest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Fixed IDs for tests.
const (
	taskA = "550e8400-e29b-41d4-a716-446655440000"
	taskB = "6fa459ea-ee8a-4ca4-894e-db77e160355e"
	execX = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
)

// reply is a response read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
	err    error // transport or read error
}

// do sends a request to s with key ("" sends none) and reads the whole answer.
func do(t *testing.T, ctx context.Context, s *Server, method, path, key, body string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if key != "" {
		req.Header.Set(apiKeyHeader, key)
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// get is do for a GET with the server's key.
func get(t *testing.T, s *Server, path string) reply {
	t.Helper()
	return do(t, context.Background(), s, http.MethodGet, path, s.APIKey(), "")
}

// open sends a GET with the server's key and returns the answer with its
// body unread, for tests of what happens while an answer is in progress.
func open(t *testing.T, s *Server, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(apiKeyHeader, s.APIKey())
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func execPath(task, exec string) string { return "/v1/task/" + task + "/executions/" + exec }

// apiErr decodes an error body, failing the test if it is not one.
func apiErr(t *testing.T, r reply) (code int, message string) {
	t.Helper()
	var doc struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || doc.Error == nil {
		t.Fatalf("body %q is not an API error document (%v)", r.body, err)
	}
	return doc.Error.Code, doc.Error.Message
}

// decodeData decodes {"data": v}, failing the test on anything else.
func decodeData[T any](t *testing.T, r reply) T {
	t.Helper()
	var doc struct {
		Data *T `json:"data"`
	}
	if r.err != nil {
		t.Fatalf("request failed: %v", r.err)
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || doc.Data == nil {
		t.Fatalf("status %d body %q is not a data document (%v)", r.status, r.body, err)
	}
	return *doc.Data
}
