package anchortest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"github.com/anchorwait/anchorwait/client"
)

func TestZeroConfigServer(t *testing.T) {
	s := NewServer()
	defer s.Close()
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") && !strings.HasPrefix(s.URL, "http://[::1]:") {
		t.Errorf("URL %q, want a loopback http URL", s.URL)
	}
	if s.APIKey() != DefaultAPIKey {
		t.Errorf("APIKey() = %q, want DefaultAPIKey", s.APIKey())
	}
	c := s.Client()
	ctx := context.Background()
	res, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskA, Async: true})
	if err != nil {
		t.Fatalf("RunTask: %v", err)
	}
	got, err := c.GetExecution(ctx, taskA, res.ExecutionResultID)
	if err != nil || got.Status != client.StatusQueued {
		t.Fatalf("GetExecution = %+v, %v; want a queued execution", got, err)
	}
	// Any other HTTP client reaches a real server too.
	resp, err := http.Get(s.URL + "/v1/task/run")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("plain GET without key: status %d, want 401", resp.StatusCode)
	}
}

func TestWithAPIKey(t *testing.T) {
	tests := []struct {
		give, want string
	}{
		{"sk-custom", "sk-custom"},
		{"", DefaultAPIKey},
	}
	for _, tt := range tests {
		s := NewServer(WithAPIKey(tt.give))
		if got := s.APIKey(); got != tt.want {
			t.Errorf("WithAPIKey(%q): APIKey() = %q, want %q", tt.give, got, tt.want)
		}
		if _, err := s.Client().ListExecutions(context.Background(), taskA, client.ListOptions{}); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("WithAPIKey(%q): list of unknown task: %v, want not found (the key accepted)", tt.give, err)
		}
		s.Close()
	}
}

func TestInMemoryCloseLeavesNoGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer()
		c := s.Client()
		id := s.AddExecution(taskA, Script{})
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if _, err := c.GetExecution(context.Background(), taskA, id); err != nil {
					t.Errorf("GetExecution: %v", err)
				}
			})
		}
		wg.Wait()
		s.Close()
		s.Close() // twice is fine
		// synctest.Test would also fail on a goroutine left blocked; this
		// names any goroutine left at all.
		goleak.VerifyNone(t,
			goleak.IgnoreTopFunction("internal/synctest.Run"),
			goleak.IgnoreTopFunction("testing/synctest.testingSynctestTest"))
	})
}

func TestCloseEndsDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer(WithFaults(Fault{Delay: time.Hour}))
		got := make(chan reply, 1)
		go func() { got <- get(t, s, "/v1/task/run") }()
		synctest.Wait() // the request is being delayed
		start := time.Now()
		s.Close()
		if took := time.Since(start); took >= closeGrace {
			t.Errorf("Close took %v, want less than the %v grace", took, closeGrace)
		}
		r := <-got
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("delayed request got status %d error %v, want 503", r.status, r.err)
		}
		if _, msg := apiErr(t, r); !strings.Contains(msg, "shutting down") {
			t.Errorf("message %q, want it to say the server is shutting down", msg)
		}
	})
}

func TestCloseCutsStuckConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer(WithFaults(Fault{Body: HugeOutput(4 << 20)}))
		id := s.AddExecution(taskA, Script{})
		resp := open(t, s, execPath(taskA, id))
		// The body is never read: the handler is stuck writing it.
		start := time.Now()
		s.Close()
		if took := time.Since(start); took != closeGrace {
			t.Errorf("Close took %v, want the %v grace", took, closeGrace)
		}
		resp.Body.Close()
	})
}

func TestClosedServerRefusesRequests(t *testing.T) {
	s := NewServer()
	h := s.Handler()
	s.Close()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/task/run", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", w.Code)
	}
	if len(s.Requests()) != 0 {
		t.Errorf("requests after close were recorded: %+v", s.Requests())
	}
}

func TestHandlerOnItsOwn(t *testing.T) {
	s := NewServer()
	defer s.Close()
	id := s.AddExecution(taskA, Script{Faults: []Fault{{FromRequest: 2, Drop: DropConnection}}})
	send := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, execPath(taskA, id), nil)
		r.Header.Set(apiKeyHeader, s.APIKey())
		s.Handler().ServeHTTP(w, r)
		return w
	}
	if w := send(); w.Code != http.StatusOK {
		t.Errorf("status %d, want 200", w.Code)
	}
	// A ResponseRecorder cannot be hijacked: the drop becomes a 502 that says so.
	if w := send(); w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), "cannot drop the connection") {
		t.Errorf("status %d body %s, want 502 explaining the drop could not happen", w.Code, w.Body)
	}
}

func TestRequestRecords(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const wrongKey = "sk-wrong-0123456789"
		s := NewInMemoryServer()
		defer s.Close()
		start := time.Now()
		id := s.AddExecution(taskA, Script{})
		ctx := context.Background()
		do(t, ctx, s, http.MethodGet, execPath(taskA, id), "", "")
		time.Sleep(time.Second)
		do(t, ctx, s, http.MethodGet, execPath(taskA, id), wrongKey, "")
		do(t, ctx, s, http.MethodGet, execPath(taskA, id), s.APIKey(), "")
		do(t, ctx, s, http.MethodGet, "/v1/task/"+taskB+"/executions", s.APIKey(), "")
		do(t, ctx, s, http.MethodDelete, "/nowhere", s.APIKey(), "")

		want := []Request{
			{Seq: 1, Time: start, Method: "GET", Path: execPath(taskA, id), Op: OpGetExecution, TaskID: taskA, ExecutionID: id, Status: 401, Auth: AuthMissing},
			{Seq: 2, Time: start.Add(time.Second), Method: "GET", Path: execPath(taskA, id), Op: OpGetExecution, TaskID: taskA, ExecutionID: id, Status: 401, Auth: AuthWrong},
			{Seq: 3, Time: start.Add(time.Second), Method: "GET", Path: execPath(taskA, id), Op: OpGetExecution, TaskID: taskA, ExecutionID: id, Status: 200, Auth: AuthOK},
			{Seq: 4, Time: start.Add(time.Second), Method: "GET", Path: "/v1/task/" + taskB + "/executions", Op: OpListExecutions, TaskID: taskB, Status: 404, Auth: AuthOK},
			{Seq: 5, Time: start.Add(time.Second), Method: "DELETE", Path: "/nowhere", Status: 404, Auth: AuthOK},
		}
		got := s.Requests()
		if len(got) != len(want) {
			t.Fatalf("%d records, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
		if all := fmt.Sprintf("%+v", got); strings.Contains(all, wrongKey) || strings.Contains(all, s.APIKey()) {
			t.Errorf("records hold an API key: %s", all)
		}
		if n := len(s.RequestsFor(id)); n != 3 {
			t.Errorf("RequestsFor(execution) has %d records, want 3", n)
		}
		st := s.Stats()
		if st.Requests != 5 || st.InFlight != 0 || st.MaxInFlight != 1 || st.ConnectionsOpened != 1 || st.ConnectionsOpen != 1 {
			t.Errorf("Stats() = %+v; want 5 requests, none in flight, at most 1, over 1 connection still open", st)
		}
	})
}

func TestAuthString(t *testing.T) {
	for a, want := range map[Auth]string{AuthOK: "ok", AuthMissing: "missing", AuthWrong: "wrong", Auth(9): "unknown"} {
		if got := a.String(); got != want {
			t.Errorf("Auth(%d).String() = %q, want %q", a, got, want)
		}
	}
}

func TestMaxInFlightAndConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 50
		s := NewInMemoryServer(WithLatency(time.Second))
		defer s.Close()
		c := s.Client()
		id := s.AddExecution(taskA, Script{})
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, err := c.GetExecution(context.Background(), taskA, id); err != nil {
					t.Errorf("GetExecution: %v", err)
				}
			})
		}
		synctest.Wait() // all n are inside the handler, waiting out the latency
		if got := s.Stats().InFlight; got != n {
			t.Errorf("InFlight = %d during the latency, want %d", got, n)
		}
		wg.Wait()
		if got := s.Stats().MaxInFlight; got != n {
			t.Errorf("MaxInFlight = %d, want %d", got, n)
		}
		if got := s.Stats().ConnectionsOpened; got != n {
			t.Errorf("ConnectionsOpened = %d after %d concurrent requests, want %d", got, n, n)
		}
		// Sequential requests reuse the idle connections.
		for range 10 {
			if _, err := c.GetExecution(context.Background(), taskA, id); err != nil {
				t.Fatal(err)
			}
		}
		if got := s.Stats().ConnectionsOpened; got != n {
			t.Errorf("ConnectionsOpened = %d after sequential requests, want still %d", got, n)
		}
		if got := s.Stats().InFlight; got != 0 {
			t.Errorf("InFlight = %d at rest, want 0", got)
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client()
	ctx := context.Background()
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				id := s.AddExecution(taskA, Succeed(0, time.Millisecond, "x"))
				if _, err := c.GetExecution(ctx, taskA, id); err != nil {
					t.Errorf("GetExecution: %v", err)
				}
				if _, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskB, Async: true}); err != nil {
					t.Errorf("RunTask: %v", err)
				}
				if _, err := c.ListExecutions(ctx, taskA, client.ListOptions{Limit: 5}); err != nil {
					t.Errorf("ListExecutions: %v", err)
				}
				if (w+i)%10 == 0 {
					_ = s.Requests()
					_ = s.Stats()
				}
			}
		})
	}
	wg.Wait()
	if got, want := len(s.Requests()), workers*each*3; got != want {
		t.Errorf("%d records, want %d", got, want)
	}
	page, err := c.ListExecutions(ctx, taskB, client.ListOptions{Limit: 1})
	if err != nil || page.Pagination.Total != workers*each {
		t.Errorf("task B has %+v, %v; want %d executions", page, err, workers*each)
	}
}

func TestWithSeed(t *testing.T) {
	run := func(opts ...Option) []string {
		s := NewServer(opts...)
		defer s.Close()
		var ids []string
		for range 3 {
			ids = append(ids, s.AddExecution(taskA, Script{}))
		}
		return ids
	}
	a, b, other := run(WithSeed(7)), run(WithSeed(7)), run(WithSeed(8))
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("same seed gave %v and %v, want the same IDs", a, b)
	}
	if a[0] == other[0] {
		t.Errorf("seeds 7 and 8 both gave %s first", a[0])
	}
	for _, id := range append(a, run()...) {
		if u, err := uuid.Parse(id); err != nil || u.Version() != 4 || u.String() != id {
			t.Errorf("ID %q is not a canonical version 4 UUID (%v)", id, err)
		}
	}
}

func TestAddExecutionWithID(t *testing.T) {
	s := NewServer()
	defer s.Close()
	if err := s.AddExecutionWithID(taskA, execX, Script{}); err != nil {
		t.Fatalf("first add: %v", err)
	}
	tests := []struct {
		name, id, wantErr string
	}{
		{"not a UUID", "exec-1", `"exec-1"`},
		{"duplicate", execX, "already in use"},
		{"duplicate in upper case", strings.ToUpper(execX), "already in use"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AddExecutionWithID(taskB, tt.id, Script{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if got, ok := s.Execution(execX); !ok || got.ID != execX {
		t.Errorf("Execution(%s) = %+v, %v", execX, got, ok)
	}
}

func TestExecutionSnapshot(t *testing.T) {
	s := NewServer()
	defer s.Close()
	id := s.AddExecution(taskA, Script{Steps: []Step{{Status: "paused"}}, VisibleAfter: time.Hour, Version: "3"})
	got, ok := s.Execution(id)
	if !ok || got.Status != "paused" || got.Version != "3" {
		t.Errorf("Execution(hidden) = %+v, %v; want paused, version 3, found", got, ok)
	}
	if _, ok := s.Execution(execX); ok {
		t.Error("Execution(unknown) found something")
	}
	if len(s.Requests()) != 0 {
		t.Error("Execution was recorded as a request")
	}
}

func TestListen(t *testing.T) {
	s, err := Listen(":0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("Listen(\":0\").URL = %q, want a 127.0.0.1 URL", s.URL)
	}
	host := strings.TrimPrefix(s.URL, "http://")
	_, err = Listen(host)
	if err == nil || !strings.Contains(err.Error(), host) {
		t.Errorf("Listen on a busy address: %v, want an error naming %s", err, host)
	}
	if _, err := Listen("256.1.1.1:0"); err == nil {
		t.Error("Listen(256.1.1.1:0) succeeded")
	}
}

func TestURLHost(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}, "127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 80}, "127.0.0.1:80"},
		{&net.TCPAddr{Port: 80}, "127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 80}, "127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 80}, "[::1]:80"},
		{memAddr{}, "anchortest.memory"},
	}
	for _, tt := range tests {
		if got := urlHost(tt.addr); got != tt.want {
			t.Errorf("urlHost(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestWithLogger(t *testing.T) {
	const wrongKey = "sk-wrong-0123456789"
	var buf bytes.Buffer
	var mu sync.Mutex
	s := NewServer(WithLogger(slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))))
	do(t, context.Background(), s, http.MethodGet, "/v1/task/run", wrongKey, "")
	s.Close()
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, want := range []string{"method=GET", "path=/v1/task/run", "status=401", "auth=wrong"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, wrongKey) || strings.Contains(out, s.APIKey()) {
		t.Errorf("log %q holds an API key", out)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestClientPanicsOnContradictoryOptions(t *testing.T) {
	s := NewServer()
	defer s.Close()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "max retries -1") {
			t.Errorf("recovered %v, want a panic naming the bad option", r)
		}
	}()
	s.Client(client.WithMaxRetries(-1))
}

func TestMemListener(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMemListener()
		if got := l.Addr().String(); got != "anchortest.memory" {
			t.Errorf("Addr() = %q", got)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := l.dial(ctx, "tcp", "x:1"); !errors.Is(err, context.Canceled) {
			t.Errorf("dial with a cancelled context: %v, want context.Canceled", err)
		}
		l.Close()
		l.Close()
		if _, err := l.dial(context.Background(), "tcp", "x:1"); !errors.Is(err, net.ErrClosed) {
			t.Errorf("dial after Close: %v, want net.ErrClosed", err)
		}
		if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
		}
	})
}
