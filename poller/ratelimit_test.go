package poller_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/poller"
)

// waitRunning waits for n executions that never end, with pollers (one
// WaitAll each over the refs dealt out in turn), for d, polling one by one
// (no list sweeps) so that the waits need many requests. It returns the
// requests the server saw and how many it answered 429.
func waitRunning(t *testing.T, s *anchortest.Server, pollers []*poller.Poller, n int, d time.Duration) (requests, limited int) {
	t.Helper()
	refs := make([][]poller.Ref, len(pollers))
	for i := range n {
		id := s.AddExecution(testTask, anchortest.Always(client.StatusRunning))
		refs[i%len(pollers)] = append(refs[i%len(pollers)], poller.Ref{TaskID: testTask, ExecutionID: id})
	}
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	var wg sync.WaitGroup
	for i, p := range pollers {
		wg.Go(func() { _, _ = p.WaitAll(ctx, refs[i]) })
	}
	wg.Wait()
	for _, r := range s.Requests() {
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	return s.Stats().Requests, limited
}

// TestServerRateLimits checks that the Poller keeps to a server's rate
// limit: paced by its RateLimit headers with no 429 at all, by one
// Poller or by two that share the key; and, when the server does not say,
// settling just under the limit its 429s show, with few of them.
func TestServerRateLimits(t *testing.T) {
	const limit, burst, n, d = 10, 10, 400, time.Minute
	tests := []struct {
		name        string
		tell        bool
		pollers     int
		maxLimited  float64 // the most 429s, as a share of the requests
		minRate     float64 // the fewest requests a second, as a share of the limit
		serverOff   bool    // WithServerRateLimits(false): the pace of 429s alone
		wantLimited bool
	}{
		{name: "told", tell: true, pollers: 1, maxLimited: 0, minRate: 0.9},
		{name: "told, two pollers share the key", tell: true, pollers: 2, maxLimited: 0.02, minRate: 0.9},
		{name: "not told", pollers: 1, maxLimited: 0.05, minRate: 0.6},
		{name: "not told, paced by 429s only", pollers: 1, serverOff: true, maxLimited: 1, minRate: 0, wantLimited: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := anchortest.NewInMemoryServer(anchortest.WithRateLimit(limit, burst, tt.tell))
				defer s.Close()
				var ps []*poller.Poller
				for range tt.pollers {
					ps = append(ps, newPoller(t, s.Client(), poller.WithListSweeps(false), poller.WithHistory(false),
						poller.WithMaxInterval(5*time.Second), poller.WithServerRateLimits(!tt.serverOff)))
				}
				requests, limited := waitRunning(t, s, ps, n, d)
				share := float64(limited) / float64(requests)
				t.Logf("%d requests in %v (%.1f/s), %d answered 429 (%.1f %%)", requests, d, float64(requests)/d.Seconds(), limited, 100*share)
				if share > tt.maxLimited {
					t.Errorf("%d of %d requests answered 429 (%.1f %%), want at most %.0f %%", limited, requests, 100*share, 100*tt.maxLimited)
				}
				if accepted := float64(requests-limited) / d.Seconds(); accepted < tt.minRate*limit {
					t.Errorf("%.1f requests a second accepted, want at least %.0f%% of the limit %d", accepted, 100*tt.minRate, limit)
				}
				if tt.wantLimited && limited == 0 {
					t.Errorf("no 429 at all: want the limit reached")
				}
			})
		})
	}
}

// TestRateLimitNoneLeft checks that an answer saying no request is left
// holds every request until the reset it names, before any 429.
func TestRateLimitNoneLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer()
		defer s.Close()
		id := s.AddExecution(testTask, anchortest.Script{
			Steps:  []anchortest.Step{{Status: client.StatusRunning}, {At: 30 * time.Second, Status: client.StatusSuccess}},
			Faults: []anchortest.Fault{{ToRequest: 1, Header: http.Header{"Ratelimit": {`"min";r=0;t=20`}, "Ratelimit-Policy": {`"min";q=5;w=60`}}}},
		})
		p := newPoller(t, s.Client(), poller.WithHistory(false))
		if _, err := p.Wait(t.Context(), testTask, id); err != nil {
			t.Fatal(err)
		}
		reqs := s.RequestsFor(id)
		if len(reqs) < 2 {
			t.Fatalf("%d requests, want more than one", len(reqs))
		}
		if gap := reqs[1].Time.Sub(reqs[0].Time); gap < 20*time.Second {
			t.Errorf("second request %v after the first, want none before the reset 20s later", gap)
		}
	})
}
