package client_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// BenchmarkGetExecution measures one poll as the poller makes it: a whole
// GetExecution through the client, net/http and the in-memory transport to
// the fake. Compare BenchmarkGetExecutionCannedTransport for the client's
// own share.
func BenchmarkGetExecution(b *testing.B) {
	s := anchortest.NewInMemoryServer(anchortest.WithRecordLimit(0))
	defer s.Close()
	c := s.Client()
	id := s.AddExecution(taskID, anchortest.Succeed(0, 0, "done"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetExecution(ctx, taskID, id); err != nil {
			b.Fatal(err)
		}
	}
}

// cannedTransport answers every request with the same body, without a
// server or a connection, leaving only the client's work (and http.Client's).
type cannedTransport struct{ body string }

func (t cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(t.body)),
		ContentLength: int64(len(t.body)), Request: req}, nil
}

// BenchmarkGetExecutionCannedTransport is BenchmarkGetExecution without the
// fake, the connection or HTTP parsing: the client's cost per poll.
func BenchmarkGetExecutionCannedTransport(b *testing.B) {
	const exec = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
	body := `{"data":{"id":"` + exec + `","taskVersionId":"3c90c3cc-0d44-4b50-8888-8dd25736052b","version":"1","status":"running","output":null,"errorMessage":null,"startTime":"2026-11-28T12:00:00Z","executionTime":null}}`
	c, err := client.New("bench-key-0123456789", client.WithHTTPClient(&http.Client{Transport: cannedTransport{body}}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetExecution(ctx, taskID, exec); err != nil {
			b.Fatal(err)
		}
	}
}
