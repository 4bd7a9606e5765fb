package anchortest

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// TestScale polls 10,000 executions at once through the in-memory server
// (2,000 under the race detector), with at most 64 requests in flight, as a
// fan-out waiter would: every execution must be seen to succeed at the time
// its script says, over reused connections. The client's transport opens at
// most 64 connections at once (MaxConnsPerHost): as the server keeps them
// alive, those are all it ever opens.
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test skipped in -short mode")
	}
	const (
		inFlight = 64
		interval = 5 * time.Second
	)
	executions := 10_000
	if raceEnabled {
		executions = 2_000
	}
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer()
		defer s.Close()
		// Without a cap on connections, a request that finds no idle one
		// dials a new one, and keeps it even when a freed one serves the
		// request first: how many such extra connections there are would
		// depend on scheduling.
		tr := s.transport.Clone()
		tr.MaxConnsPerHost = inFlight
		defer tr.CloseIdleConnections()
		c := s.Client(client.WithMaxRetries(0), client.WithHTTPClient(&http.Client{Transport: tr}))
		ids := make([]string, executions)
		for i := range ids {
			// Executions end at different times, from 5 to 20 seconds.
			ids[i] = s.AddExecution(taskA, Succeed(time.Duration(i%3)*time.Second, time.Duration(5+i%16)*time.Second-time.Duration(i%3)*time.Second, "ok"))
		}
		start := time.Now()
		sem := make(chan struct{}, inFlight)
		var wg sync.WaitGroup
		var mu sync.Mutex
		polls := 0
		for i, id := range ids {
			wg.Go(func() {
				for {
					sem <- struct{}{}
					e, err := c.GetExecution(context.Background(), taskA, id)
					<-sem
					mu.Lock()
					polls++
					mu.Unlock()
					if err != nil {
						t.Errorf("execution %d: %v", i, err)
						return
					}
					if e.Status.Terminal() {
						// Polled every 5 s from the start: seen at the first
						// multiple of 5 s at or after its end.
						end := time.Duration(5+i%16) * time.Second
						want := (end + interval - 1) / interval * interval
						if got := time.Since(start); got != want || e.Status != client.StatusSuccess {
							t.Errorf("execution %d: %s seen at %v, want success at %v", i, e.Status, got, want)
						}
						return
					}
					time.Sleep(interval)
				}
			})
		}
		wg.Wait()
		st := s.Stats()
		if st.Requests != polls || st.MaxInFlight > inFlight {
			t.Errorf("stats %+v after %d polls; want as many requests, at most %d in flight", st, polls, inFlight)
		}
		// Were a connection closed after its request, each request would
		// need one of its own.
		if st.ConnectionsOpened > inFlight {
			t.Errorf("%d connections opened for %d requests, want at most %d (%d in flight at most): connections are not reused", st.ConnectionsOpened, polls, inFlight, inFlight)
		}
		t.Logf("%d executions, %d requests, %d connections, max %d in flight", executions, polls, st.ConnectionsOpened, st.MaxInFlight)
	})
}
