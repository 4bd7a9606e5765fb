package poller_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/poller"
)

// runningBody is a GET's answer for a running execution id that started at
// start, by the server's clock.
func runningBody(id, start string) anchortest.Body {
	return anchortest.RawBody("", fmt.Appendf(nil,
		`{"data":{"id":%q,"taskVersionId":"7c1d2a3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d","version":"1","status":"running","output":null,"errorMessage":null,"startTime":%q,"executionTime":null}}`,
		id, start))
}

// TestAgeFromStartTime checks how the age of an execution is read from its
// startTime and the answer's Date header: corrected for a server clock an
// hour behind, and not believed when absurd. Each case's first answer is
// made up; the second request comes when the schedule says, 4 s after the
// first for an execution that has just started, 30 s (the cap) for one
// that is old.
func TestAgeFromStartTime(t *testing.T) {
	// Fake time starts at 2000-01-01 00:00:00 UTC in every bubble.
	const id = "6a2e3f40-1b2c-4d5e-8f90-a1b2c3d4e5f6"
	tests := []struct {
		name     string
		start    string // the execution's startTime, by the server's clock
		date     string // the answer's Date header; "" for the real one
		age      bool   // WithAgeSchedule
		wantNext time.Duration
	}{
		{"just started", "2000-01-01T00:00:00Z", "", true, 4 * time.Second},
		{"ten minutes old", "1999-12-31T23:50:00Z", "", true, 30 * time.Second},
		{"ten minutes old, age schedule off", "1999-12-31T23:50:00Z", "", false, 4 * time.Second},
		{"just started, server clock an hour behind", "1999-12-31T23:00:00Z", "Fri, 31 Dec 1999 23:00:00 GMT", true, 4 * time.Second},
		{"clock an hour behind, uncorrected it would look an hour old", "1999-12-31T22:00:00Z", "Fri, 31 Dec 1999 23:00:00 GMT", true, 30 * time.Second},
		{"years old: absurd, the wait's clock", "1990-01-01T00:00:00Z", "", true, 4 * time.Second},
		{"an hour in the future: absurd", "2000-01-01T01:00:00Z", "", true, 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := anchortest.Fault{ToRequest: 1, Body: runningBody(id, tt.start)}
				if tt.date != "" {
					f.Header = http.Header{"Date": {tt.date}}
				}
				s := anchortest.NewInMemoryServer()
				defer s.Close()
				sc := anchortest.Always(client.StatusRunning)
				sc.Faults = []anchortest.Fault{f}
				if err := s.AddExecutionWithID(testTask, id, sc); err != nil {
					t.Fatal(err)
				}
				var next time.Duration
				p := newPoller(t, s.Client(), poller.WithRand(noJitter), poller.WithHistory(false), poller.WithAgeSchedule(tt.age),
					poller.WithOnUpdate(func(u poller.Update) {
						if u.Requests == 1 && u.Kind != poller.UpdateDone {
							next = u.NextDelay
						}
					}))
				ctx, cancel := contextFor(t, 5*time.Minute)
				defer cancel()
				_, _ = p.Wait(ctx, testTask, id)
				if next != tt.wantNext {
					t.Errorf("after the first answer the next poll is %v away, want %v", next, tt.wantNext)
				}
			})
		})
	}
}

// TestHistoryEdges checks the history's edge cases: a task with no ended
// execution, and one whose ended executions are of another version, give
// no estimate (the age schedule goes on); one with ended runs of the same
// version does, and the first request is then a page of the list that
// answers for the execution too.
func TestHistoryEdges(t *testing.T) {
	tests := []struct {
		name        string
		past        int    // ended runs of 40-45 s before the wait
		pastVersion string // their version
		wantPolls   []time.Duration
	}{
		// Ends at 43 s: polled at 0, 4, 6.2, ... by age, until 55.5 s.
		{"empty history", 0, "", ages[:8]},
		{"history of another version", 20, "7", ages[:8]},
		// Most runs end from 36 s (a tenth below 40 s): asleep until then,
		// at the cap first, then dense steps through the window.
		{"history of the same version", 20, "1", []time.Duration{0, secs(30), secs(36), secs(45.9)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := anchortest.NewInMemoryServer()
				defer s.Close()
				for i := range tt.past {
					sc := anchortest.Succeed(0, 40*time.Second+time.Duration(i)*250*time.Millisecond, "done")
					sc.Version = tt.pastVersion
					s.AddExecution(testTask, sc)
				}
				time.Sleep(time.Minute)
				id := s.AddExecution(testTask, anchortest.Succeed(0, 43*time.Second, "done"))
				start := time.Now()
				p := newPoller(t, s.Client(), poller.WithRand(noJitter))
				if _, err := p.Wait(t.Context(), testTask, id); err != nil {
					t.Fatal(err)
				}
				var got []time.Duration
				for _, r := range s.Requests() {
					if r.Time.Before(start) {
						continue
					}
					got = append(got, r.Time.Sub(start))
				}
				equalTimes(t, "request times", got, tt.wantPolls)
				if first := s.Requests()[0]; first.Op != anchortest.OpListExecutions {
					t.Errorf("first request %s, want a page of the task's list", first.Op)
				}
			})
		})
	}
}

// TestSweepsShiftingAndFailingLists checks that waiting for many
// executions of one task with pages of its list stays right when other
// executions are added above them while they wait (the pages shift), and
// when the list fails for a while (they are polled one by one meanwhile):
// every one is seen ended, within a delay cap of its end, for far fewer
// requests than polling each.
func TestSweepsShiftingAndFailingLists(t *testing.T) {
	tests := []struct {
		name    string
		inserts time.Duration
		faults  []anchortest.Fault
		wantGET bool // some executions must be polled one by one
		maxReqs int  // requests per execution, at most
	}{
		{"still list", 0, nil, false, 1},
		{"executions added above", 300 * time.Millisecond, nil, false, 1},
		// While the list fails, each execution is polled on its own
		// schedule, a few times in the minute.
		{"list failing for a minute", 0, []anchortest.Fault{{Op: anchortest.OpListExecutions, After: 20 * time.Second, Before: 80 * time.Second, Status: http.StatusInternalServerError}}, true, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n = 500
				s := anchortest.NewInMemoryServer(anchortest.WithFaults(tt.faults...))
				defer s.Close()
				refs := make([]poller.Ref, n)
				ends := make([]time.Duration, n)
				for i := range refs {
					ends[i] = time.Duration(i%97+3) * 2 * time.Second
					refs[i] = poller.Ref{TaskID: testTask, ExecutionID: s.AddExecution(testTask, anchortest.Succeed(0, ends[i], "done"))}
				}
				var stop atomic.Bool
				if tt.inserts > 0 {
					go func() {
						for !stop.Load() {
							time.Sleep(tt.inserts)
							s.AddExecution(testTask, anchortest.Always(client.StatusRunning))
						}
					}()
				}
				p := newPoller(t, s.Client())
				res, err := p.WaitAll(t.Context(), refs)
				stop.Store(true)
				if err != nil {
					t.Fatalf("WaitAll: %v", err)
				}
				for i, r := range res {
					if lag := r.Waited - ends[i]; lag < 0 || lag > 31*time.Second {
						t.Errorf("execution %d ended at %v, seen ended %v later; want within 31s", i, ends[i], lag)
					}
				}
				reqs := s.Requests()
				gets := slices.IndexFunc(reqs, func(r anchortest.Request) bool { return r.Op == anchortest.OpGetExecution }) >= 0
				// (An execution alone on its page is polled with a GET too,
				// which is cheaper than the page.)
				if tt.wantGET && !gets {
					t.Errorf("no GET of single executions, want them while the list fails")
				}
				if len(reqs) > n*tt.maxReqs {
					t.Errorf("%d requests for %d executions, want at most %d", len(reqs), n, n*tt.maxReqs)
				}
				// Sweeps resume once the list answers again: a page is
				// read after the last fault's end (or, with none, after
				// the first poll).
				var resumeAt time.Time
				for _, f := range tt.faults {
					resumeAt = reqs[0].Time.Add(f.Before)
				}
				if !slices.ContainsFunc(reqs, func(r anchortest.Request) bool {
					return r.Op == anchortest.OpListExecutions && r.Time.After(resumeAt)
				}) {
					t.Errorf("no page of the list after %v, want sweeps again once it answers", resumeAt)
				}
				t.Logf("%d requests for %d executions", len(reqs), n)
				time.Sleep(time.Second) // the inserting goroutine ends
			})
		})
	}
}

// TestSweepsUnderAnUntoldLimit checks a fan-out against a server that
// allows 5 requests a second and says so only with 429s: the pace its 429s
// show sizes the pages, so the sweeps keep every wait within the sweep
// interval of its end, with few 429s.
func TestSweepsUnderAnUntoldLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, perSecond = 3000, 5
		s := anchortest.NewInMemoryServer(anchortest.WithRateLimit(perSecond, perSecond, false))
		defer s.Close()
		refs := make([]poller.Ref, n)
		ends := make([]time.Duration, n)
		for i := range refs {
			ends[i] = time.Duration(10+i%50) * time.Second
			refs[i] = poller.Ref{TaskID: testTask, ExecutionID: s.AddExecution(testTask, anchortest.Succeed(0, ends[i], "done"))}
		}
		p := newPoller(t, s.Client())
		res, err := p.WaitAll(t.Context(), refs)
		if err != nil {
			t.Fatalf("WaitAll: %v", err)
		}
		var worst time.Duration
		for i, r := range res {
			worst = max(worst, r.Waited-ends[i])
		}
		if worst > 2*poller.DefaultSweepInterval {
			t.Errorf("an end seen %v after it came, want within %v", worst, 2*poller.DefaultSweepInterval)
		}
		reqs := s.Requests()
		limited := 0
		for _, r := range reqs {
			if r.Status == http.StatusTooManyRequests {
				limited++
			}
		}
		if share := float64(limited) / float64(len(reqs)); share > 0.05 {
			t.Errorf("%d of %d requests answered 429, want at most 5 %%", limited, len(reqs))
		}
		t.Logf("%d requests (%d answered 429) for %d executions; the latest end seen %v after it came", len(reqs), limited, n, worst)
	})
}

// TestSweepsLargeExecutions checks the pages of executions whose outputs
// are large (they come with success, so pages grow as executions end): a
// page over the body limit is refused early and asked again smaller, every
// wait still gets its whole output, sweeps go on while they pay, and a task
// whose executions are too large to share a page is polled one by one.
func TestSweepsLargeExecutions(t *testing.T) {
	tests := []struct {
		name      string
		n, output int
		wantGETs  bool // the task ends up polled one by one
		maxReqs   int  // requests in all, at most
	}{
		// Pages of 100 KiB executions hold about 10: still fewer requests
		// than a GET of each.
		{"100 KiB outputs", 60, 100 << 10, false, 59},
		// Pages of 1 MiB executions would hold one: after a few pages the
		// list is left alone, and the waits cost what GETs cost.
		{"1 MiB outputs", 20, 1 << 20, true, 20 * 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := anchortest.NewInMemoryServer()
				defer s.Close()
				out := strings.Repeat("x", tt.output)
				refs := make([]poller.Ref, tt.n)
				for i := range refs {
					refs[i] = poller.Ref{TaskID: testTask, ExecutionID: s.AddExecution(testTask, anchortest.Succeed(0, time.Duration(i%30+2)*time.Second, out))}
				}
				p := newPoller(t, s.Client())
				res, err := p.WaitAll(t.Context(), refs)
				if err != nil {
					t.Fatalf("WaitAll: %v", err)
				}
				for i, r := range res {
					if r.Execution == nil || r.Execution.Output == nil || len(*r.Execution.Output) != tt.output {
						t.Fatalf("result %d: %+v, want the execution with its whole output", i, r)
					}
				}
				reqs := s.Requests()
				lists, lastList := 0, -1
				for i, r := range reqs {
					if r.Op == anchortest.OpListExecutions {
						lists, lastList = lists+1, i
					}
				}
				gets := len(reqs) - lists
				switch {
				case tt.wantGETs && (lastList >= len(reqs)/2 || lists > 12):
					t.Errorf("%d pages, the last of them request %d of %d: want at most 12, all in the first half, then GETs", lists, lastList+1, len(reqs))
				case !tt.wantGETs && lists < gets:
					t.Errorf("%d pages, %d GETs: want the pages to answer for most", lists, gets)
				}
				if len(reqs) > tt.maxReqs {
					t.Errorf("%d requests for %d executions, want at most %d", len(reqs), tt.n, tt.maxReqs)
				}
			})
		})
	}
}

// contextFor returns a context of t's that ends after d.
func contextFor(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}
