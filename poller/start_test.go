package poller_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/poller"
)

// TestStart checks Start against the fake API: what it returns, the
// requests it makes, which failures it repeats, and which it says may have
// started the task.
func TestStart(t *testing.T) {
	runOnly := func(f anchortest.Fault) anchortest.Fault { f.Op = anchortest.OpRunTask; return f }
	tests := []struct {
		name         string
		faults       []anchortest.Fault
		cancelAt     time.Duration
		wantErr      []error // errors.Is targets; nil for success
		wantNot      []error
		wantRequests int
		wantEnd      time.Duration
		wantEndSlack time.Duration // how much later than wantEnd it may be
		wantListed   bool
	}{
		{name: "started", wantRequests: 1},
		{name: "429 is repeated after its Retry-After",
			faults:       []anchortest.Fault{runOnly(anchortest.Fault{ToRequest: 1, Status: 429, Header: http.Header{"Retry-After": {"3"}}})},
			wantRequests: 2, wantEnd: 4 * time.Second}, // the schedule's 4 s, longer than the 3 s asked
		{name: "x-should-retry: true is repeated on the schedule",
			faults:       []anchortest.Fault{runOnly(anchortest.Fault{ToRequest: 2, Status: 500, Header: http.Header{"X-Should-Retry": {"true"}}})},
			wantRequests: 3, wantEnd: 6200 * time.Millisecond}, // at 0, 4 and 6.2 s
		{name: "at most two repeats",
			faults: []anchortest.Fault{runOnly(anchortest.Fault{Status: 429})},
			// At 0, 4 and 6.2 s, the last a little later: 429s that say
			// nothing of the limit slow the pace.
			wantErr: []error{client.ErrRateLimited}, wantNot: []error{poller.ErrMaybeStarted}, wantRequests: 3, wantEnd: 6200 * time.Millisecond, wantEndSlack: 100 * time.Millisecond},
		{name: "503 may have started: not repeated",
			faults:  []anchortest.Fault{runOnly(anchortest.Fault{Status: 503})},
			wantErr: []error{poller.ErrMaybeStarted}, wantRequests: 1},
		{name: "dropped connection may have started",
			faults:  []anchortest.Fault{runOnly(anchortest.Fault{Drop: anchortest.DropConnection})},
			wantErr: []error{poller.ErrMaybeStarted, client.ErrTransport}, wantRequests: 1},
		{name: "404 did not start",
			faults:  []anchortest.Fault{runOnly(anchortest.Fault{Status: 404})},
			wantErr: []error{client.ErrNotFound}, wantNot: []error{poller.ErrMaybeStarted}, wantRequests: 1},
		{name: "cancelled in flight may have started",
			faults:   []anchortest.Fault{runOnly(anchortest.Fault{Delay: time.Hour})},
			cancelAt: 2 * time.Second,
			wantErr:  []error{poller.ErrMaybeStarted, context.Canceled}, wantRequests: 1, wantEnd: 2 * time.Second},
		{name: "no executionResultId: found in the list",
			faults:       []anchortest.Fault{runOnly(anchortest.Fault{Body: anchortest.MissingField("executionResultId")})},
			wantRequests: 2, wantListed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := anchortest.NewInMemoryServer(anchortest.WithFaults(tt.faults...))
				defer s.Close()
				p := newPoller(t, s.Client(), poller.WithRand(noJitter))
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tt.cancelAt > 0 {
					time.AfterFunc(tt.cancelAt, cancel)
				}
				start := time.Now()
				got, err := p.Start(ctx, client.RunTaskRequest{TaskID: testTask})
				if got.Requests != tt.wantRequests || s.Stats().Requests != tt.wantRequests {
					t.Errorf("Requests = %d, server saw %d; want %d", got.Requests, s.Stats().Requests, tt.wantRequests)
				}
				if d := time.Since(start); d < tt.wantEnd || d > tt.wantEnd+tt.wantEndSlack {
					t.Errorf("Start returned after %v, want %v (up to %v later)", d, tt.wantEnd, tt.wantEndSlack)
				}
				for _, target := range tt.wantErr {
					if !errors.Is(err, target) {
						t.Errorf("error %v, want it to match %v", err, target)
					}
				}
				for _, target := range tt.wantNot {
					if errors.Is(err, target) {
						t.Errorf("error %v matches %v, want it not to", err, target)
					}
				}
				if tt.wantErr != nil {
					return
				}
				if err != nil {
					t.Fatalf("Start: %v", err)
				}
				if _, known := s.Execution(got.ExecutionID); !known || got.TaskID != testTask || got.Listed != tt.wantListed {
					t.Errorf("Start = %+v; want an execution the server started, of %s, listed %v", got, testTask, tt.wantListed)
				}
			})
		})
	}
}

// TestStartListedConcurrently checks that concurrent Starts whose answers
// name no execution each get a different one from the list.
func TestStartListedConcurrently(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer(anchortest.WithFaults(anchortest.Fault{Op: anchortest.OpRunTask, Body: anchortest.MissingField("executionResultId")}))
		defer s.Close()
		// An execution that started before the requests must never be
		// taken for one of theirs.
		old := s.AddExecution(testTask, anchortest.Always(client.StatusRunning))
		time.Sleep(time.Minute)
		p := newPoller(t, s.Client())
		const n = 5
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				got, err := p.Start(t.Context(), client.RunTaskRequest{TaskID: testTask})
				if err != nil || !got.Listed {
					t.Errorf("Start %d = %+v, %v; want one found in the list", i, got, err)
				}
				ids[i] = got.ExecutionID
			})
		}
		wg.Wait()
		seen := map[string]bool{old: true}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("execution %s returned twice (or the old one), ids %v", id, ids)
			}
			seen[id] = true
		}
	})
}

// TestStartNotFoundInList checks that a start whose execution never shows
// up in the list says so, after the not-found grace, as one that may have
// started.
func TestStartNotFoundInList(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer(anchortest.WithFaults(
			anchortest.Fault{Op: anchortest.OpRunTask, Body: anchortest.MissingField("executionResultId")},
			anchortest.Fault{Op: anchortest.OpListExecutions, Body: anchortest.RawBody("", []byte(`{"data":{"results":[],"pagination":{"page":1,"limit":20,"total":0,"totalPages":0}}}`))},
		))
		defer s.Close()
		p := newPoller(t, s.Client(), poller.WithRand(noJitter))
		start := time.Now()
		_, err := p.Start(t.Context(), client.RunTaskRequest{TaskID: testTask})
		if !errors.Is(err, poller.ErrMaybeStarted) {
			t.Fatalf("Start error %v, want ErrMaybeStarted", err)
		}
		if d := time.Since(start); d < poller.DefaultNotFoundGrace || d > poller.DefaultNotFoundGrace+5*time.Second {
			t.Errorf("gave up after %v, want just past the %v grace", d, poller.DefaultNotFoundGrace)
		}
	})
}
