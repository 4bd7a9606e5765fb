package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

const taskID = "550e8400-e29b-41d4-a716-446655440000"

func noJitter() float64 { return 0 }

// gaps returns the time between consecutive requests the server saw.
func gaps(reqs []anchortest.Request) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(reqs); i++ {
		out = append(out, reqs[i].Time.Sub(reqs[i-1].Time))
	}
	return out
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRetriesAgainstFake runs GetExecution against the in-memory fake with
// scripted faults, in fake time, and checks the exact retry schedule, the
// bound on attempts and the outcome.
func TestRetriesAgainstFake(t *testing.T) {
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name     string
		faults   []anchortest.Fault
		opts     []client.Option
		callOpts []client.CallOption
		wantErr  error // nil for success; else errors.Is target
		wantText string
		wantGaps []time.Duration
	}{
		{
			name:     "two 503s then success: own backoff 0.5 s, 1 s",
			faults:   []anchortest.Fault{{ToRequest: 2, Status: 503}},
			wantGaps: []time.Duration{500 * time.Millisecond, time.Second},
		},
		{
			name:     "429 with Retry-After seconds",
			faults:   []anchortest.Fault{{ToRequest: 1, Status: 429, Header: hdr("Retry-After", "2")}},
			wantGaps: []time.Duration{2 * time.Second},
		},
		{
			name:     "retry-after-ms wins over Retry-After",
			faults:   []anchortest.Fault{{ToRequest: 1, Status: 429, Header: hdr("Retry-After-Ms", "1500", "Retry-After", "9")}},
			wantGaps: []time.Duration{1500 * time.Millisecond},
		},
		{
			name:     "Retry-After as an HTTP date",
			faults:   []anchortest.Fault{{ToRequest: 1, Status: 503, RetryAfterDate: 7 * time.Second}},
			wantGaps: []time.Duration{7 * time.Second},
		},
		{
			name:     "a server wait over 60 s is left to the caller, not undercut",
			faults:   []anchortest.Fault{{ToRequest: 1, Status: 503, Header: hdr("Retry-After", "120")}},
			wantText: "API answered 503",
			wantGaps: nil,
		},
		{
			name:     "bound held: three attempts, then the last error",
			faults:   []anchortest.Fault{{Status: 500}},
			wantText: "gave up after 3 attempts: API answered 500",
			wantGaps: []time.Duration{500 * time.Millisecond, time.Second},
		},
		{
			name:     "x-should-retry false on a 503 is not retried",
			faults:   []anchortest.Fault{{Status: 503, Header: hdr("X-Should-Retry", "false")}},
			wantText: "API answered 503",
			wantGaps: nil,
		},
		{
			name:     "x-should-retry true on a 400 is retried",
			faults:   []anchortest.Fault{{ToRequest: 1, Status: 400, Header: hdr("X-Should-Retry", "true")}},
			wantGaps: []time.Duration{500 * time.Millisecond},
		},
		{
			name:     "404 is not retried",
			faults:   []anchortest.Fault{{Status: 404}},
			wantErr:  client.ErrNotFound,
			wantGaps: nil,
		},
		{
			name:     "dropped connection is retried",
			faults:   []anchortest.Fault{{ToRequest: 1, Drop: anchortest.DropConnection}},
			wantGaps: []time.Duration{500 * time.Millisecond},
		},
		{
			name:     "connection dropped mid-body is retried",
			faults:   []anchortest.Fault{{ToRequest: 1, Drop: anchortest.DropMidBody}},
			wantGaps: []time.Duration{500 * time.Millisecond},
		},
		{
			name:     "garbled 200 is retried",
			faults:   []anchortest.Fault{{ToRequest: 2, Body: anchortest.HTMLBody()}},
			wantGaps: []time.Duration{500 * time.Millisecond, time.Second},
		},
		{
			name:     "a hung attempt times out and is retried",
			faults:   []anchortest.Fault{{ToRequest: 1, Delay: time.Hour}},
			opts:     []client.Option{client.WithRequestTimeout(15 * time.Second)},
			wantGaps: []time.Duration{15*time.Second + 500*time.Millisecond},
		},
		{
			name:     "a body over the cap is not retried",
			faults:   []anchortest.Fault{{Body: anchortest.HugeOutput(2 << 20)}},
			opts:     []client.Option{client.WithMaxBodySize(1 << 20)},
			wantErr:  client.ErrBodyTooLarge,
			wantGaps: nil,
		},
		{
			name:     "a body over the call's BodyLimit is not retried",
			faults:   []anchortest.Fault{{Body: anchortest.HugeOutput(2 << 20)}},
			callOpts: []client.CallOption{client.BodyLimit(1 << 20)},
			wantErr:  client.ErrBodyTooLarge,
			wantText: "over 1048576 bytes (the call's BodyLimit)",
			wantGaps: nil,
		},
		{
			name:     "a BodyLimit over the Client's cap leaves the cap",
			faults:   []anchortest.Fault{{Body: anchortest.HugeOutput(2 << 20)}},
			opts:     []client.Option{client.WithMaxBodySize(1 << 20)},
			callOpts: []client.CallOption{client.BodyLimit(4 << 20)},
			wantErr:  client.ErrBodyTooLarge,
			wantText: "over 1048576 bytes (raise the cap with WithMaxBodySize)",
			wantGaps: nil,
		},
		{
			name:     "no retries when MaxRetries is 0",
			faults:   []anchortest.Fault{{Status: 502}},
			opts:     []client.Option{client.WithMaxRetries(0)},
			wantText: "API answered 502",
			wantGaps: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := anchortest.NewInMemoryServer()
				defer s.Close()
				exec := s.AddExecution(taskID, anchortest.Script{
					Steps:  []anchortest.Step{{At: 0, Status: client.StatusRunning}},
					Faults: tt.faults,
				})
				c := s.Client(append([]client.Option{client.WithRandom(noJitter)}, tt.opts...)...)
				got, err := c.GetExecution(context.Background(), taskID, exec, tt.callOpts...)
				if tt.wantText != "" && (err == nil || !strings.Contains(err.Error(), tt.wantText)) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantText)
				}
				switch {
				case tt.wantErr != nil:
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("got %v, want %v", err, tt.wantErr)
					}
				case tt.wantText != "":
				default:
					if err != nil || got.Status != client.StatusRunning {
						t.Fatalf("got %+v, %v; want the running execution", got, err)
					}
				}
				if err != nil && strings.Contains(err.Error(), s.APIKey()) {
					t.Errorf("error %q contains the API key", err)
				}
				if g := gaps(s.RequestsFor(exec)); !equalDurations(g, tt.wantGaps) {
					t.Errorf("gaps between requests = %v, want %v", g, tt.wantGaps)
				}
			})
		})
	}
}

// TestCancelStopsRetrySleep checks that a ctx ending in the middle of a
// retry wait ends the call at that moment, not when the wait would have.
func TestCancelStopsRetrySleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer()
		defer s.Close()
		exec := s.AddExecution(taskID, anchortest.Script{Faults: []anchortest.Fault{
			{Status: 429, Header: http.Header{"Retry-After": {"30"}}},
		}})
		c := s.Client()
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			time.Sleep(time.Second)
			cancel()
		}()
		start := time.Now()
		_, err := c.GetExecution(ctx, taskID, exec)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if took := time.Since(start); took != time.Second {
			t.Errorf("returned after %v, want 1s (when ctx was cancelled)", took)
		}
		if n := len(s.RequestsFor(exec)); n != 1 {
			t.Errorf("sent %d requests, want 1", n)
		}
	})
}

// TestCancelStopsRequest checks that a ctx ending while a request hangs ends
// the call at once.
func TestCancelStopsRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer()
		defer s.Close()
		exec := s.AddExecution(taskID, anchortest.Script{Faults: []anchortest.Fault{{Delay: time.Hour}}})
		c := s.Client()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.GetExecution(ctx, taskID, exec)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want context.DeadlineExceeded", err)
		}
		if took := time.Since(start); took != 3*time.Second {
			t.Errorf("returned after %v, want 3s", took)
		}
	})
}

// TestRunTaskRetries checks that a run, v1 or v2, which is not idempotent,
// is retried only when it cannot have started.
func TestRunTaskRetries(t *testing.T) {
	tests := []struct {
		name      string
		fault     anchortest.Fault
		wantOK    bool
		wantCalls int
	}{
		{"503 is not retried: the run may have started", anchortest.Fault{ToRequest: 1, Status: 503}, false, 1},
		{"dropped connection is not retried", anchortest.Fault{ToRequest: 1, Drop: anchortest.DropConnection}, false, 1},
		{"garbled answer is not retried", anchortest.Fault{ToRequest: 1, Body: anchortest.TruncatedBody()}, false, 1},
		{"429 is retried", anchortest.Fault{ToRequest: 1, Status: 429}, true, 2},
		{"x-should-retry true is retried", anchortest.Fault{ToRequest: 1, Status: 500, Header: http.Header{"X-Should-Retry": {"true"}}}, true, 2},
	}
	starts := map[anchortest.Operation]func(c *client.Client) error{
		anchortest.OpRunTask: func(c *client.Client) error {
			_, err := c.RunTask(context.Background(), client.RunTaskRequest{TaskID: taskID, Async: true})
			return err
		},
		anchortest.OpRunTaskV2: func(c *client.Client) error {
			_, err := c.RunTaskV2(context.Background(), client.RunTaskV2Request{TaskID: taskID})
			return err
		},
	}
	for op, start := range starts {
		for _, tt := range tests {
			t.Run(string(op)+"/"+tt.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					fault := tt.fault
					fault.Op = op
					s := anchortest.NewInMemoryServer(anchortest.WithFaults(fault))
					defer s.Close()
					err := start(s.Client())
					if tt.wantOK != (err == nil) {
						t.Fatalf("got %v; want success %v", err, tt.wantOK)
					}
					// A dropped request is recorded when its handler
					// returns, which may be after the client saw the
					// connection close.
					synctest.Wait()
					if n := len(s.Requests()); n != tt.wantCalls {
						t.Errorf("sent %d requests, want %d", n, tt.wantCalls)
					}
				})
			})
		}
	}
}

// TestPollsRetried checks that the v1-by-ID and v2 polls, which are
// idempotent, are retried after a 503 like GetExecution.
func TestPollsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer()
		defer s.Close()
		c := s.Client()
		ctx := context.Background()
		fault := []anchortest.Fault{{ToRequest: 1, Status: 503}}
		exec := s.AddExecution(taskID, anchortest.Script{Steps: []anchortest.Step{{Status: client.StatusRunning}}, Faults: fault})
		run := s.AddRun(taskID, anchortest.Script{Steps: []anchortest.Step{{Status: client.StatusRunning}}, Faults: fault})
		if e, err := c.GetExecutionByID(ctx, exec); err != nil || e.Status != client.StatusRunning {
			t.Errorf("GetExecutionByID = %+v, %v; want running after a retry", e, err)
		}
		if r, err := c.GetRun(ctx, run); err != nil || r.Status != client.StatusRunning {
			t.Errorf("GetRun = %+v, %v; want running after a retry", r, err)
		}
		for _, id := range []string{exec, run} {
			if n := s.RequestCountFor(id); n != 2 {
				t.Errorf("%d requests for %s, want 2", n, id)
			}
		}
	})
}

// TestWrongKey checks that a refused key is ErrUnauthorized, not retried, and
// not shown.
func TestWrongKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer()
		defer s.Close()
		exec := s.AddExecution(taskID, anchortest.Always(client.StatusRunning))
		const wrong = "sk-wrong-key-0f1e2d3c4b5a"
		c, err := client.New(wrong, client.WithBaseURL(s.URL), client.WithHTTPClient(s.HTTPClient()))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetExecution(context.Background(), taskID, exec)
		if !errors.Is(err, client.ErrUnauthorized) {
			t.Fatalf("got %v, want ErrUnauthorized", err)
		}
		if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), s.APIKey()) {
			t.Errorf("error %q shows a key", err)
		}
		if n := len(s.Requests()); n != 1 {
			t.Errorf("sent %d requests, want 1", n)
		}
	})
}

// TestEndpointsAgainstFake runs the three calls for real against the fake.
func TestEndpointsAgainstFake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer(anchortest.WithTemplate(anchortest.Succeed(time.Second, 5*time.Second, "ok")))
		defer s.Close()
		c := s.Client()
		ctx := context.Background()
		run, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskID, Async: true})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		e, err := c.GetExecution(ctx, taskID, run.ExecutionResultID)
		if err != nil || e.Status != client.StatusSuccess || e.Output == nil || *e.Output != "ok" {
			t.Fatalf("got %+v, %v; want success with output ok", e, err)
		}
		if d, ok := e.Duration(); !ok || d != 5*time.Second {
			t.Errorf("Duration() = %v, %v; want 5s", d, ok)
		}
		page, err := c.ListExecutions(ctx, taskID, client.ListOptions{Status: client.StatusSuccess})
		if err != nil || len(page.Results) != 1 || page.Results[0].ID != run.ExecutionResultID || page.Pagination.Total != 1 {
			t.Fatalf("got %+v, %v; want the one execution", page, err)
		}
	})
}

// TestCallOptions checks that SingleAttempt sends one request whatever the
// client's retries, and that CaptureResponse reports what the last answer
// said besides its data.
func TestCallOptions(t *testing.T) {
	rateHeaders := http.Header{
		"Retry-After":      {"3"},
		"RateLimit":        {`"5-in-1min"; r=0; t=58`},
		"RateLimit-Policy": {`"5-in-1min"; q=5; w=60`},
	}
	tests := []struct {
		name         string
		opts         func(*client.Response) []client.CallOption
		wantErr      bool
		wantRequests int
		want         client.Response // Received and Date are checked apart
	}{
		{
			name: "single attempt",
			opts: func(r *client.Response) []client.CallOption {
				return []client.CallOption{client.SingleAttempt(), client.CaptureResponse(r)}
			},
			wantErr:      true,
			wantRequests: 1,
			want: client.Response{Attempts: 1, StatusCode: 429, RetryAfter: 3 * time.Second,
				RateLimit: client.RateLimit{Known: true, Remaining: 0, Reset: 58 * time.Second, Quota: 5, Window: time.Minute}},
		},
		{
			name:         "retries, then success",
			opts:         func(r *client.Response) []client.CallOption { return []client.CallOption{client.CaptureResponse(r)} },
			wantRequests: 3,
			want:         client.Response{Attempts: 3, StatusCode: 200},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := anchortest.NewInMemoryServer()
				defer s.Close()
				exec := s.AddExecution(taskID, anchortest.Script{
					Steps:  []anchortest.Step{{Status: client.StatusRunning}},
					Faults: []anchortest.Fault{{ToRequest: 2, Status: 429, Header: rateHeaders}},
				})
				var resp client.Response
				start := time.Now()
				_, err := s.Client().GetExecution(context.Background(), taskID, exec, tt.opts(&resp)...)
				if (err != nil) != tt.wantErr {
					t.Fatalf("got error %v, want error: %v", err, tt.wantErr)
				}
				if got := len(s.RequestsFor(exec)); got != tt.wantRequests {
					t.Errorf("server saw %d requests, want %d", got, tt.wantRequests)
				}
				if resp.Received.IsZero() || resp.Date.IsZero() || resp.Date.Sub(start) > time.Minute {
					t.Errorf("Received %v, Date %v: want both set, near %v", resp.Received, resp.Date, start)
				}
				resp.Received, resp.Date = time.Time{}, time.Time{}
				if resp != tt.want {
					t.Errorf("captured %+v, want %+v", resp, tt.want)
				}
			})
		})
	}
}

// TestNoResponseCaptured checks that a call whose request cannot be sent, or
// gets no answer, leaves a Response that says so.
func TestNoResponseCaptured(t *testing.T) {
	c, err := client.New("test-key", client.WithBaseURL("http://127.0.0.1:1"), client.WithHTTPClient(&http.Client{Transport: refuseAll{}}))
	if err != nil {
		t.Fatal(err)
	}
	var resp client.Response
	if _, err := c.GetExecution(context.Background(), "not-a-uuid", taskID, client.CaptureResponse(&resp)); !errors.Is(err, client.ErrInvalidID) {
		t.Fatalf("got %v, want ErrInvalidID", err)
	}
	if resp != (client.Response{}) {
		t.Errorf("after a bad ID: captured %+v, want the zero Response", resp)
	}
	_, err = c.GetExecution(context.Background(), taskID, taskID, client.SingleAttempt(), client.CaptureResponse(&resp))
	if !errors.Is(err, client.ErrTransport) || resp != (client.Response{Attempts: 1}) {
		t.Errorf("refused: got %v and %+v; want ErrTransport and one attempt with no answer", err, resp)
	}
}

// refuseAll is a transport that fails every request as a refused dial would.
type refuseAll struct{}

func (refuseAll) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
}

// TestDataByteExactErrorsRedacted checks the one rule per layer: API data
// comes back as the server sent it, even when it echoes the key, while no
// error the client makes holds the key.
func TestDataByteExactErrorsRedacted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer()
		defer s.Close()
		key := s.APIKey()
		out, msg := "token="+key+" \x1b[31m##[add-mask]x", "failed with "+key
		exec := s.AddExecution(taskID, anchortest.Script{Steps: []anchortest.Step{{Status: client.StatusFailure, Output: &out, ErrorMessage: &msg}}})
		run := s.AddRun(taskID, anchortest.Script{Steps: []anchortest.Step{{Status: client.StatusFailure, ErrorMessage: &msg}}})
		c := s.Client(client.WithMaxRetries(0))
		ctx := context.Background()
		for name, get := range map[string]func() (*client.Execution, error){
			"GetExecution":     func() (*client.Execution, error) { return c.GetExecution(ctx, taskID, exec) },
			"GetExecutionByID": func() (*client.Execution, error) { return c.GetExecutionByID(ctx, exec) },
		} {
			e, err := get()
			if err != nil || *e.Output != out || *e.ErrorMessage != msg || !strings.Contains(string(e.Raw), key) {
				t.Errorf("%s = %+v, %v; want output and errorMessage byte for byte", name, e, err)
			}
		}
		if r, err := c.GetRun(ctx, run); err != nil || *r.Error != msg {
			t.Errorf("GetRun = %+v, %v; want the error byte for byte", r, err)
		}

		// The same text in a body that is not an execution, and in an
		// error answer, never reaches the error's text.
		bad := anchortest.NewInMemoryServer(anchortest.WithFaults(
			anchortest.Fault{Op: anchortest.OpGetExecution, Body: anchortest.RawBody("", []byte(`{"data":{"echo":"`+key+`"}}`))},
			anchortest.Fault{Op: anchortest.OpGetRun, Status: 500, Body: anchortest.RawBody("", []byte(`{"error":{"code":500,"message":"bad key `+key+`"}}`))},
		))
		defer bad.Close()
		bc := bad.Client(client.WithMaxRetries(0))
		_, err1 := bc.GetExecution(ctx, taskID, exec)
		_, err2 := bc.GetRun(ctx, "run_1")
		for _, err := range []error{err1, err2} {
			if err == nil || strings.Contains(err.Error(), bad.APIKey()) || !strings.Contains(err.Error(), "[REDACTED]") {
				t.Errorf("error %v: want one with the key blanked out", err)
			}
		}
	})
}
