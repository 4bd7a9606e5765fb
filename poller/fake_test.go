package poller_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/anchorwait/anchorwait/client"
)

// step is a point on an execution's scripted timeline: from at (since the
// fake started) on, polls get status, or err when it is set.
type step struct {
	at     time.Duration
	status client.Status
	msg    string // errorMessage
	err    error
}

// fakeGetter is a scripted poller.API for tests run in a synctest bubble:
// what a poll returns depends only on the execution's timeline and the fake
// time at which the poll arrives. It records the time of every call.
type fakeGetter struct {
	start   time.Time
	latency time.Duration // fake time each call takes

	mu          sync.Mutex
	scripts     map[string][]step
	calls       map[string][]time.Duration // call times per execution, since start
	inFlight    int
	maxInFlight int
}

func newFake(latency time.Duration) *fakeGetter {
	return &fakeGetter{
		start:   time.Now(),
		latency: latency,
		scripts: map[string][]step{},
		calls:   map[string][]time.Duration{},
	}
}

// add scripts the execution named name (its ID is uid(name)); steps must be
// in time order.
func (f *fakeGetter) add(name string, steps ...step) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scripts[uid(name)] = steps
}

func (f *fakeGetter) GetExecution(ctx context.Context, taskID, execID string, _ ...client.CallOption) (*client.Execution, error) {
	at := time.Since(f.start)
	f.mu.Lock()
	f.calls[execID] = append(f.calls[execID], at)
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	steps, ok := f.scripts[execID]
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if f.latency > 0 {
		t := time.NewTimer(f.latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: %w", client.ErrTransport, ctx.Err())
		}
	}
	if !ok {
		return nil, notFound(execID)
	}
	var cur *step
	for i := range steps {
		if steps[i].at <= at {
			cur = &steps[i]
		}
	}
	if cur == nil {
		return nil, notFound(execID)
	}
	if cur.err != nil {
		return nil, cur.err
	}
	e := &client.Execution{ID: execID, TaskVersionID: "tv-1", Version: "1", Status: cur.status, StartTime: f.start}
	if cur.msg != "" {
		msg := cur.msg
		e.ErrorMessage = &msg
	}
	return e, nil
}

// callTimes returns the times of the calls made for the execution named
// name.
func (f *fakeGetter) callTimes(name string) []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.calls[uid(name)]...)
}

func (f *fakeGetter) totalCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += len(c)
	}
	return n
}

func (f *fakeGetter) peakInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxInFlight
}

func apiError(code int, retryAfter time.Duration) *client.APIError {
	return &client.APIError{StatusCode: code, Message: http.StatusText(code), Method: "GET", Path: "/v1/task/t/executions/e", RetryAfter: retryAfter}
}

func notFound(id string) error {
	return &client.APIError{StatusCode: http.StatusNotFound, Message: "execution " + id + " not found", Method: "GET", Path: "/v1/task/t/executions/" + id}
}

// testTask is the task of every execution the tests wait for.
const testTask = "5b1f3f8e-2c4d-4e6a-9b7c-0d1e2f3a4b5c"

// uid returns the execution ID that tests call name: a UUID, as the Poller
// accepts no other, made from the name so a test reads by name.
func uid(name string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(name)).String()
}

// noJitter is a random source that always returns 0: no jitter at all.
func noJitter() float64 { return 0 }

// secs converts fractional seconds to a Duration.
func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Scripts used by several tests.
func runningThen(at time.Duration, status client.Status) []step {
	return []step{{at: 0, status: client.StatusRunning}, {at: at, status: status}}
}
