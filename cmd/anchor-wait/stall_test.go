package main

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/internal/syncbuf"
	"github.com/anchorwait/anchorwait/poller"
)

// TestStall: on fake time, an execution that stays queued ends its wait
// exactly when --stall has passed since it was first seen queued, with
// exit 7 and a message naming the status and for how long; one whose
// status keeps changing is not stalled, and exit 7 comes after 4 and
// before 3 in precedence.
func TestStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		polls := map[string]int{}
		const stuck, moving = testExec, "22222222-3333-4444-8555-666666666666"
		get := func(_ context.Context, _, id string) (*client.Execution, error) {
			mu.Lock()
			defer mu.Unlock()
			polls[id]++
			if id == moving && polls[id] >= 3 {
				return &client.Execution{ID: id, Status: client.StatusSuccess}, nil
			}
			if id == moving {
				return &client.Execution{ID: id, Status: client.StatusRunning}, nil
			}
			return &client.Execution{ID: id, Status: client.StatusQueued}, nil
		}
		var stdout, stderr syncbuf.Buffer
		w := testWaiter(get, time.Hour, &stdout, &stderr)
		w.poll.stall = 5 * time.Minute
		p, err := poller.New(fakeAPI{get: get}, pollerOptions(&w.poll, w.progress.update)...)
		if err != nil {
			t.Fatal(err)
		}
		w.poller = p
		start := time.Now()
		ctx, cancel := timeoutContext(context.Background(), w.poll.timeout)
		defer cancel()
		results, code := w.waitFor(ctx, []string{stuck, moving})
		if took := time.Since(start); took != 5*time.Minute {
			t.Errorf("the wait took %v, want --stall 5m", took)
		}
		if code != exitStalled {
			t.Fatalf("exit %d, want 7; stderr:\n%s", code, stderr.String())
		}
		if r := results[0]; r.outcome != outcomeStalled || r.Error == nil || *r.Error != "--stall ran out: status queued unchanged for 5m0s" {
			t.Errorf("stuck: outcome %v, error %v; want stalled, the status and 5m0s", r.outcome, r.Error)
		}
		if r := results[1]; r.outcome != outcomeSuccess {
			t.Errorf("moving: outcome %v, want success", r.outcome)
		}
		var doc struct {
			ExitCode int `json:"exitCode"`
		}
		if err := json.Unmarshal([]byte(stdout.String()), &doc); err != nil || doc.ExitCode != exitStalled {
			t.Errorf("document exit code %d (%v), want 7", doc.ExitCode, err)
		}
	})
	for _, tt := range []struct {
		outcomes []outcome
		want     int
	}{
		{[]outcome{outcomeStalled, outcomeWaitTimeout, outcomeFailure}, exitStalled},
		{[]outcome{outcomeStalled, outcomeAPIError}, exitAPIError},
		{[]outcome{outcomeSuccess, outcomeStalled}, exitStalled},
	} {
		if got := exitCode(tt.outcomes); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.outcomes, got, tt.want)
		}
	}
	if got := classify(client.StatusQueued, 3, &poller.StalledError{Status: client.StatusQueued, For: time.Minute}); got != outcomeStalled {
		t.Errorf("classify(a StalledError) = %v, want stalled", got)
	}
	if got := stallMessage(&poller.StalledError{Status: "", For: 1500 * time.Millisecond}); !strings.Contains(got, `status "" unchanged for 1.5s`) {
		t.Errorf("stallMessage of an empty status = %q", got)
	}
}
