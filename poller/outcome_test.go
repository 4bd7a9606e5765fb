package poller_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/internal/syncbuf"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

func TestWaitOutcomes(t *testing.T) {
	running := step{at: 0, status: client.StatusRunning}
	budgetCause := errors.New("CI budget spent")
	tests := []struct {
		name    string
		steps   []step
		ctx     func(context.Context) (context.Context, context.CancelFunc)
		cancel  time.Duration // cancel the context after this long, when set
		wantIs  []error       // errors.Is targets; none means success
		wantNot []error       // errors.Is targets that must not match
		// wantAs is the status an *UnsuccessfulError must carry.
		wantAs     client.Status
		wantMsg    string        // UnsuccessfulError.ErrorMessage
		wantText   []string      // parts of err.Error()
		wantStatus client.Status // status of the returned execution; "" for nil
		wantPolls  int
		wantEnd    time.Duration // fake time when Wait returned
		// wantEndSlack is how much later than wantEnd it may be.
		wantEndSlack time.Duration
	}{
		{name: "success at once", steps: []step{{status: client.StatusSuccess}},
			wantStatus: client.StatusSuccess, wantPolls: 1},
		{name: "running then success", steps: runningThen(10*time.Second, client.StatusSuccess),
			wantStatus: client.StatusSuccess, wantPolls: 5, wantEnd: age(4)},
		{name: "queued running success", steps: []step{{status: client.StatusQueued}, {at: secs(2), status: client.StatusRunning}, {at: secs(4), status: client.StatusSuccess}},
			wantStatus: client.StatusSuccess, wantPolls: 2, wantEnd: secs(4)},
		{name: "failure with message", steps: []step{running, {at: secs(2), status: client.StatusFailure, msg: "element not found"}},
			wantIs: []error{poller.ErrUnsuccessful}, wantAs: client.StatusFailure, wantMsg: "element not found",
			wantText:   []string{"execution ended failure: element not found"},
			wantStatus: client.StatusFailure, wantPolls: 2, wantEnd: secs(4)},
		{name: "timeout", steps: []step{{status: client.StatusTimeout}},
			wantIs: []error{poller.ErrUnsuccessful}, wantAs: client.StatusTimeout,
			wantText: []string{"execution ended timeout"}, wantStatus: client.StatusTimeout, wantPolls: 1},
		{name: "cancelled", steps: []step{{status: client.StatusCancelled, msg: "stopped by user"}},
			wantIs: []error{poller.ErrUnsuccessful}, wantAs: client.StatusCancelled, wantMsg: "stopped by user",
			wantStatus: client.StatusCancelled, wantPolls: 1},
		{name: "401 ends at once", steps: []step{running, {at: secs(1), err: apiError(401, 0)}},
			wantIs: []error{client.ErrUnauthorized}, wantNot: []error{poller.ErrUnsuccessful},
			wantText: []string{"API answered 401"}, wantStatus: client.StatusRunning, wantPolls: 2, wantEnd: secs(4)},
		{name: "403 ends at once", steps: []step{{err: apiError(403, 0)}},
			wantIs: []error{client.ErrUnauthorized}, wantPolls: 1},
		{name: "400 ends at once", steps: []step{{err: apiError(400, 0)}},
			wantIs: []error{}, wantNot: []error{client.ErrUnauthorized, client.ErrNotFound}, wantText: []string{"400"}, wantPolls: 1},
		{name: "bad ID ends at once", steps: []step{{err: fmt.Errorf("%w: execution ID %q is not a UUID", client.ErrInvalidID, "e1")}},
			wantIs: []error{client.ErrInvalidID}, wantPolls: 1},
		{name: "body too large ends at once", steps: []step{{err: fmt.Errorf("%w: over 32 MiB", client.ErrBodyTooLarge)}},
			wantIs: []error{client.ErrBodyTooLarge}, wantPolls: 1},
		{name: "unclassified error ends at once", steps: []step{{err: errors.New("disk on fire")}},
			wantText: []string{"disk on fire"}, wantPolls: 1},
		{name: "404 within the grace", steps: []step{{at: 0, err: notFound("e1")}, {at: secs(3), status: client.StatusRunning}, {at: secs(5), status: client.StatusSuccess}},
			wantStatus: client.StatusSuccess, wantPolls: 3, wantEnd: age(2)},
		{name: "404 past the grace", steps: []step{{at: 0, err: notFound("e1")}},
			wantIs: []error{client.ErrNotFound}, wantText: []string{"still not found 14.896s after the wait started"},
			wantPolls: 5, wantEnd: age(4)},
		{name: "404 after being seen, past the grace", steps: []step{running, {at: 20 * time.Second, err: notFound("e1")}},
			wantIs: []error{client.ErrNotFound}, wantStatus: client.StatusRunning, wantPolls: 6, wantEnd: age(5)},
		{name: "5xx that pass", steps: []step{{err: apiError(503, 0)}, {at: 2 * time.Minute, status: client.StatusRunning}, {at: 3 * time.Minute, status: client.StatusSuccess}},
			wantStatus: client.StatusSuccess, wantPolls: 13, wantEnd: age(12)},
		{name: "5xx past the limit", steps: []step{running, {at: secs(1), err: apiError(503, 0)}},
			wantIs: []error{}, wantText: []string{"requests failing for 5m21.469s (16 errors in a row)", "503"},
			wantStatus: client.StatusRunning, wantPolls: 17, wantEnd: age(16)},
		// 429s that say nothing of the limit also slow the pace (each cuts
		// it by a third): the early polls come a little later.
		{name: "429 past the limit", steps: []step{{err: apiError(429, 0)}},
			wantIs: []error{client.ErrRateLimited}, wantPolls: 17, wantEnd: age(16), wantEndSlack: time.Second},
		{name: "network errors past the limit", steps: []step{{err: fmt.Errorf("%w: connection refused", client.ErrTransport)}},
			wantIs: []error{client.ErrTransport}, wantPolls: 17, wantEnd: age(16)},
		{name: "garbled bodies that pass", steps: []step{{err: fmt.Errorf("%w: unexpected EOF", client.ErrBadResponse)}, {at: 10 * time.Second, status: client.StatusSuccess}},
			wantStatus: client.StatusSuccess, wantPolls: 5, wantEnd: age(4)},
		{name: "nil execution and nil error", steps: nil, // see the nil script below
			wantIs: []error{client.ErrBadResponse}, wantPolls: 17, wantEnd: age(16)},
		{name: "unknown status then success", steps: []step{{status: "paused"}, {at: 5 * time.Second, status: client.StatusSuccess}},
			wantStatus: client.StatusSuccess, wantPolls: 3, wantEnd: age(2)},
		// Polls until 115 s on the schedule, then a final one before the
		// deadline.
		{name: "unknown status until the deadline", steps: []step{{status: "paused"}},
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, 2*time.Minute)
			},
			wantIs: []error{context.DeadlineExceeded}, wantText: []string{"context deadline exceeded (last status paused after 11 requests)"},
			wantStatus: "paused", wantPolls: 11, wantEnd: 2 * time.Minute},
		{name: "cancelled while running", steps: []step{running}, cancel: 30 * time.Second,
			wantIs: []error{context.Canceled}, wantNot: []error{context.DeadlineExceeded, poller.ErrUnsuccessful},
			wantText:   []string{"context canceled (last status running after 6 requests)"},
			wantStatus: client.StatusRunning, wantPolls: 6, wantEnd: 30 * time.Second},
		{name: "deadline while queued", steps: []step{{status: client.StatusQueued}},
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, 45*time.Second)
			},
			wantIs: []error{context.DeadlineExceeded}, wantText: []string{"last status queued after 8 requests"},
			wantStatus: client.StatusQueued, wantPolls: 8, wantEnd: 45 * time.Second},
		{name: "deadline with a cause", steps: []step{running},
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeoutCause(ctx, 10*time.Second, budgetCause)
			},
			wantIs: []error{context.DeadlineExceeded, budgetCause}, wantText: []string{"context deadline exceeded: CI budget spent (last status running"},
			wantStatus: client.StatusRunning, wantPolls: 4, wantEnd: 10 * time.Second},
		{name: "deadline during transient errors", steps: []step{running, {at: secs(1), err: apiError(502, 0)}},
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, 30*time.Second)
			},
			wantIs: []error{context.DeadlineExceeded}, wantNot: []error{client.ErrNotFound},
			wantText:   []string{"last status running after 7 requests; last request failed:", "502"},
			wantStatus: client.StatusRunning, wantPolls: 7, wantEnd: 30 * time.Second},
		{name: "deadline while not found yet", steps: []step{{err: notFound("e1")}},
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, 5*time.Second)
			},
			wantIs: []error{context.DeadlineExceeded}, wantNot: []error{client.ErrNotFound},
			wantText: []string{"no status seen after 3 requests"}, wantPolls: 3, wantEnd: 5 * time.Second},
		{name: "context already cancelled", steps: []step{running}, cancel: -1,
			wantIs: []error{context.Canceled}, wantText: []string{"(no request made)"}, wantPolls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var g poller.API
				if tt.steps == nil {
					g = nilGetter{}
				} else {
					f := newFake(0)
					f.add("e1", tt.steps...)
					g = f
				}
				counted := &countingGetter{API: g}
				p := newPoller(t, counted, poller.WithRand(noJitter))
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tt.ctx != nil {
					ctx, cancel = tt.ctx(ctx)
					defer cancel()
				}
				switch {
				case tt.cancel < 0:
					cancel()
				case tt.cancel > 0:
					time.AfterFunc(tt.cancel, cancel)
				}
				start := time.Now()
				exec, err := p.Wait(ctx, testTask, uid("e1"))
				elapsed := time.Since(start)

				success := tt.wantIs == nil && tt.wantText == nil
				if success && err != nil {
					t.Fatalf("Wait error = %v, want nil", err)
				}
				if !success && err == nil {
					t.Fatalf("Wait error = nil, want an error")
				}
				for _, target := range tt.wantIs {
					if !errors.Is(err, target) {
						t.Errorf("errors.Is(%q, %v) = false, want true", err, target)
					}
				}
				for _, target := range tt.wantNot {
					if errors.Is(err, target) {
						t.Errorf("errors.Is(%q, %v) = true, want false", err, target)
					}
				}
				var ue *poller.UnsuccessfulError
				if got := errors.As(err, &ue); got != (tt.wantAs != "") {
					t.Errorf("errors.As(%v, *UnsuccessfulError) = %v, want %v", err, got, tt.wantAs != "")
				} else if got {
					if ue.Status != tt.wantAs || ue.ErrorMessage != tt.wantMsg || ue.Execution != exec {
						t.Errorf("UnsuccessfulError = %+v, want status %q, message %q, IDs t1/e1 and the execution", ue, tt.wantAs, tt.wantMsg)
					}
				}
				for _, w := range tt.wantText {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q, want it to contain %q", err, w)
					}
				}
				var gotStatus client.Status
				if exec != nil {
					gotStatus = exec.Status
				}
				if gotStatus != tt.wantStatus {
					t.Errorf("returned execution status %q, want %q", gotStatus, tt.wantStatus)
				}
				if got := counted.count(); got != tt.wantPolls {
					t.Errorf("%d polls, want %d", got, tt.wantPolls)
				}
				if elapsed < tt.wantEnd || elapsed > tt.wantEnd+tt.wantEndSlack {
					t.Errorf("Wait returned after %v, want %v (up to %v later)", elapsed, tt.wantEnd, tt.wantEndSlack)
				}
			})
		})
	}
}

// nilGetter returns neither an execution nor an error, which a Getter must
// not do: the wait takes it as a garbled response.
type nilGetter struct{}

func (nilGetter) GetExecution(context.Context, string, string, ...client.CallOption) (*client.Execution, error) {
	return nil, nil
}

type countingGetter struct {
	poller.API
	mu sync.Mutex
	n  int
}

func (c *countingGetter) GetExecution(ctx context.Context, taskID, execID string, _ ...client.CallOption) (*client.Execution, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.API.GetExecution(ctx, taskID, execID)
}

func (c *countingGetter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func TestWaitOptionsChangeLimits(t *testing.T) {
	tests := []struct {
		name    string
		steps   []step
		opts    []poller.Option
		wantIs  error
		wantEnd time.Duration
	}{
		{"no 404 grace", []step{{err: notFound("e1")}}, []poller.Option{poller.WithNotFoundGrace(0)}, client.ErrNotFound, 0},
		{"longer 404 grace", []step{{err: notFound("e1")}}, []poller.Option{poller.WithNotFoundGrace(time.Minute)}, client.ErrNotFound, age(8)},
		{"no transient tolerance", []step{{err: apiError(500, 0)}}, []poller.Option{poller.WithTransientLimit(0)}, nil, 0},
		{"short transient tolerance", []step{{err: apiError(500, 0)}}, []poller.Option{poller.WithTransientLimit(5 * time.Second)}, nil, age(2)},
		{"doubling from 3s", []step{{err: apiError(500, 0)}}, []poller.Option{poller.WithTransientLimit(10 * time.Second),
			poller.WithInitialInterval(3 * time.Second), poller.WithMultiplier(2)}, nil, 12 * time.Second}, // 0, 3, 6, 12
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(0)
				f.add("e1", tt.steps...)
				p := newPoller(t, f, append([]poller.Option{poller.WithRand(noJitter)}, tt.opts...)...)
				start := time.Now()
				_, err := p.Wait(t.Context(), testTask, uid("e1"))
				if err == nil || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) {
					t.Fatalf("Wait error = %v, want one matching %v", err, tt.wantIs)
				}
				if got := time.Since(start); got != tt.wantEnd {
					t.Errorf("Wait returned after %v, want %v", got, tt.wantEnd)
				}
			})
		})
	}
}

func TestOnUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		// Requests at 0, 4, 6.2, 9.61, 14.8955 and 23.088025 s.
		f.add("e1",
			step{at: 0, err: apiError(503, 0)},
			step{at: secs(1), status: client.StatusQueued},
			step{at: secs(8), status: "paused"},
			step{at: secs(12), status: client.StatusRunning},
			step{at: secs(20), status: client.StatusSuccess})
		var got []poller.Update
		p := newPoller(t, f, poller.WithRand(noJitter), poller.WithOnUpdate(func(u poller.Update) { got = append(got, u) }))
		start := time.Now()
		if _, err := p.Wait(t.Context(), testTask, uid("e1")); err != nil {
			t.Fatalf("Wait: %v", err)
		}
		type view struct {
			kind           poller.UpdateKind
			at             time.Duration
			attempt        int
			status, prev   client.Status
			next           time.Duration
			hasErr, hasExe bool
		}
		want := []view{
			{poller.UpdateRetry, 0, 1, "", "", secs(4), true, false},
			{poller.UpdateStatusChange, age(1), 2, client.StatusQueued, "", 2200 * time.Millisecond, false, true},
			{poller.UpdatePoll, age(2), 3, client.StatusQueued, client.StatusQueued, 3410 * time.Millisecond, false, true},
			{poller.UpdateStatusChange, age(3), 4, "paused", client.StatusQueued, 5285500 * time.Microsecond, false, true},
			{poller.UpdateStatusChange, age(4), 5, client.StatusRunning, "paused", 8192525 * time.Microsecond, false, true},
			{poller.UpdateStatusChange, age(5), 6, client.StatusSuccess, client.StatusRunning, 0, false, true},
			{poller.UpdateDone, age(5), 6, client.StatusSuccess, client.StatusSuccess, 0, false, true},
		}
		if len(got) != len(want) {
			t.Fatalf("got %d updates %+v, want %d", len(got), got, len(want))
		}
		for i, u := range got {
			v := view{u.Kind, u.Time.Sub(start), u.Requests, u.Status, u.Previous, u.NextDelay, u.Err != nil, u.Execution != nil}
			if v != want[i] {
				t.Errorf("update %d = %+v, want %+v", i, v, want[i])
			}
			if u.TaskID != testTask || u.ExecutionID != uid("e1") {
				t.Errorf("update %d is for %+v, want t1/e1", i, u.Ref)
			}
		}
		if got[3].Status.Known() {
			t.Errorf("status %q reported as known", got[3].Status)
		}
	})
}

func TestOnUpdateFinalPollAndDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		f.add("e1", step{status: client.StatusRunning})
		var got []poller.Update
		p := newPoller(t, f, poller.WithRand(noJitter), poller.WithOnUpdate(func(u poller.Update) { got = append(got, u) }))
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		if _, err := p.Wait(ctx, testTask, uid("e1")); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait error = %v, want deadline exceeded", err)
		}
		// Requests at 0, 4, 6.2, 9.61, 14.8955; the next (23.1) would cross
		// the deadline, so the last is at 19s, after which none fits.
		n := len(got)
		if n != 7 {
			t.Fatalf("got %d updates, want 7: %+v", n, got)
		}
		if u := got[n-3]; !u.FinalPoll || u.NextDelay != 19*time.Second-age(4) {
			t.Errorf("update before the final poll: FinalPoll %v, NextDelay %v, want true, %v", u.FinalPoll, u.NextDelay, 19*time.Second-age(4))
		}
		if u := got[n-2]; u.FinalPoll || u.NextDelay != -1 {
			t.Errorf("update of the final poll: FinalPoll %v, NextDelay %v, want false, -1", u.FinalPoll, u.NextDelay)
		}
		if u := got[n-1]; u.Kind != poller.UpdateDone || !errors.Is(u.Err, context.DeadlineExceeded) {
			t.Errorf("last update %v with error %v, want done with deadline exceeded", u.Kind, u.Err)
		}
	})
}

func TestLogger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		// Requests at 0, 4, 6.2, 9.61 and 14.8955 s.
		for _, id := range []string{"e1", "e2", "e3"} {
			f.add(id, step{status: "paused"}, step{at: 3 * time.Second, err: apiError(502, 0)},
				step{at: 5 * time.Second, status: client.StatusRunning}, step{at: 12 * time.Second, status: client.StatusFailure, msg: "boom"})
		}
		var buf syncbuf.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
			Level: slog.LevelDebug,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			},
		}))
		p := newPoller(t, f, poller.WithRand(noJitter), poller.WithLogger(logger))
		_, err := p.WaitAll(t.Context(), []poller.Ref{ref("e1"), ref("e2"), ref("e3")})
		if !errors.Is(err, poller.ErrUnsuccessful) {
			t.Fatalf("WaitAll error = %v, want ErrUnsuccessful", err)
		}
		out := buf.String()
		if n := strings.Count(out, "undocumented execution status"); n != 1 {
			t.Errorf("unknown status warned %d times, want once per Poller:\n%s", n, out)
		}
		for _, want := range []string{
			`level=WARN msg="undocumented execution status: taken as not finished" status=paused`,
			`level=INFO msg="status changed" task=` + testTask + ` execution=` + uid("e1") + ` status=running requests=3 previous=paused next=3.41s`,
			`level=WARN msg="request failed, will retry" task=` + testTask + ` execution=` + uid("e2") + ` status=paused requests=2 next=2.2s error=`,
			`level=DEBUG msg=polled task=` + testTask + ` execution=` + uid("e3") + ` status=running requests=4 next=5.2855s`,
			`level=WARN msg="wait ended" task=` + testTask + ` execution=` + uid("e3") + ` status=failure requests=5 error="execution ended failure: boom"`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
	})
}

// TestHugeRetryAfterIsBounded checks that a server asking for a wait of
// centuries cannot hang a wait without a deadline: the wait is bounded by the
// transient limit, and it ends there with the server's error.
func TestHugeRetryAfterIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		huge := &client.APIError{StatusCode: 429, RetryAfter: 1 << 62}
		f.add("e1", step{at: 0, err: huge})
		p, err := poller.New(f, poller.WithTransientLimit(5*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = p.Wait(context.Background(), testTask, uid("e1"))
		if !errors.Is(err, client.ErrRateLimited) {
			t.Fatalf("got %v, want the 429", err)
		}
		if took := time.Since(start); took != 5*time.Minute {
			t.Errorf("the wait took %v, want 5m0s (the transient limit)", took)
		}
		if calls := f.callTimes("e1"); len(calls) != 2 {
			t.Errorf("polls at %v, want 2 (at 0 and at the limit)", calls)
		}
	})
}

// panicGetter panics on its first call and then reports success.
type panicGetter struct{ calls atomic.Int32 }

func (g *panicGetter) GetExecution(context.Context, string, string, ...client.CallOption) (*client.Execution, error) {
	if g.calls.Add(1) == 1 {
		panic("getter bug")
	}
	return &client.Execution{ID: "e1", Status: client.StatusSuccess}, nil
}

// TestGetterPanicKeepsSlot: a Getter that panics, recovered by the caller,
// must not leak the Poller's only in-flight slot.
func TestGetterPanicKeepsSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &panicGetter{}
		p, err := poller.New(g, poller.WithConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() { _ = recover() }()
			_, _ = p.Wait(t.Context(), testTask, uid("e1"))
		}()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if _, err := p.Wait(ctx, testTask, uid("e1")); err != nil {
			t.Fatalf("Wait after a recovered panic: %v, want success (the slot was leaked)", err)
		}
	})
}

// TestRateLimitedWhileOthersAnswered checks that 429s for one wait do not
// add up to an outage while the Poller's other requests are answered (the
// server is there, pacing the key), and do when nothing is answered.
func TestRateLimitedWhileOthersAnswered(t *testing.T) {
	limited := &client.APIError{StatusCode: 429}
	tests := []struct {
		name    string
		others  bool // another wait's polls are answered meanwhile
		wantErr error
	}{
		{"others answered: the wait goes on", true, nil},
		{"nothing answered: the transient limit ends it", false, client.ErrRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(0)
				f.add("e1", step{at: 0, err: limited}, step{at: 5 * time.Minute, status: client.StatusSuccess})
				refs := []poller.Ref{ref("e1")}
				if tt.others {
					f.add("e2", runningThen(10*time.Minute, client.StatusSuccess)...)
					refs = append(refs, ref("e2"))
				}
				p := newPoller(t, f, poller.WithTransientLimit(time.Minute), poller.WithRand(noJitter))
				res, _ := p.WaitAll(t.Context(), refs)
				if got := res[0].Err; !errors.Is(got, tt.wantErr) || (tt.wantErr == nil && got != nil) {
					t.Errorf("e1's wait: %v, want %v", got, tt.wantErr)
				}
			})
		})
	}
}
