package main

// End-to-end proof of the one budget of requests: the built binary
// against a fake that answers 503, over loopback.

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/anchorwait/anchorwait/client/anchortest"
)

// TestE2EBudgetUnder503: with --rate R and --timeout T, against a server
// that answers 503, the server sees at most R*T+1 requests, never more
// than --concurrency at once, and the results' polls count every one of
// them (a request that --timeout cut in flight may be counted and not
// seen: at most --concurrency of those). Starts share the budget: run
// --count N is bounded the same way.
func TestE2EBudgetUnder503(t *testing.T) {
	t.Parallel()
	const timeoutSecs = 2
	// Each case runs twice: bound by the rate (answers at once) and by the
	// concurrency (answers held 400ms, the rate high).
	bounds := []struct {
		name       string
		rate, conc int
		delay      time.Duration
	}{
		{"rate-bound", 5, 3, 0},
		{"concurrency-bound", 50, 3, 400 * time.Millisecond},
	}
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	tests := []struct {
		name   string
		ops    []anchortest.Operation // the requests answered 503; none for all
		args   []string
		starts int // POSTs the server must see at least
	}{
		{"wait", nil, append([]string{testTask}, ids...), 0},
		{"run, every request 503", nil, []string{"run", "--count", "10", testTask}, 1},
		// A poll is a GET of the execution or a page of the task's list.
		{"run, polls 503", []anchortest.Operation{anchortest.OpGetExecution, anchortest.OpListExecutions}, []string{"run", "--count", "3", testTask}, 3},
	}
	for _, b := range bounds {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				faults := []anchortest.Fault{{Status: 503, Delay: b.delay}}
				if len(tt.ops) > 0 {
					faults = nil
					for _, op := range tt.ops {
						faults = append(faults, anchortest.Fault{Status: 503, Op: op, Delay: b.delay})
					}
				}
				srv := newFake(t, anchortest.WithFaults(faults...))
				flags := []string{"--rate", strconv.Itoa(b.rate), "--timeout", strconv.Itoa(timeoutSecs) + "s", "--concurrency", strconv.Itoa(b.conc),
					"--interval", "10ms", "--max-interval", "20ms", "--output", "json", "--quiet"}
				args := append(flags, tt.args...)
				if tt.args[0] == "run" {
					args = append([]string{"run"}, append(flags, tt.args[1:]...)...)
				}
				r := runBin(t, fakeEnv(srv), "", args...)
				if r.code != exitAPIError {
					t.Errorf("exit %d, want 4\nstderr:\n%s", r.code, r.stderr)
				}
				seen := srv.Stats().Requests
				if limit := b.rate*timeoutSecs + 1; seen > limit {
					t.Errorf("the server saw %d requests, want at most R*T+1 = %d", seen, limit)
				}
				if seen == 0 {
					t.Error("the server saw no request")
				}
				if got := srv.Stats().MaxInFlight; got > b.conc {
					t.Errorf("%d requests in flight at once, want at most --concurrency %d", got, b.conc)
				}
				posts := 0
				for _, req := range srv.Requests() {
					if req.Op == anchortest.OpRunTask {
						posts++
					}
				}
				if posts < tt.starts || posts > max(tt.starts, b.conc) {
					t.Errorf("%d starts, want %d (at most %d at once)", posts, tt.starts, b.conc)
				}
				var doc struct {
					Results []struct {
						Polls int `json:"polls"`
					} `json:"results"`
				}
				if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
					t.Fatalf("stdout is not the JSON document: %v\n%s", err, r.stdout)
				}
				counted := 0
				for _, res := range doc.Results {
					counted += res.Polls
				}
				t.Logf("the server saw %d requests (%d starts), at most %d at once; the results count %d", seen, posts, srv.Stats().MaxInFlight, counted)
				if len(tt.ops) == 0 && tt.starts > 0 {
					// No execution started: no result counts the starts.
					if len(doc.Results) != 0 {
						t.Errorf("%d results, want none", len(doc.Results))
					}
					return
				}
				if counted < seen || counted > seen+b.conc {
					t.Errorf("the results count %d requests, the server saw %d: want from %d to %d", counted, seen, seen, seen+b.conc)
				}
			})
		}
	}
}
