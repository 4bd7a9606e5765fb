package poller_test

import (
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		opt  poller.Option
		want []string // parts of the message
	}{
		{"initial interval", poller.WithInitialInterval(-time.Second), []string{"initial interval -1s", "greater than 0"}},
		{"max interval", poller.WithMaxInterval(100 * time.Millisecond), []string{"max interval 100ms", "at least the initial interval 4s"}},
		{"multiplier", poller.WithMultiplier(0.9), []string{"multiplier 0.9", "greater than 1"}},
		{"jitter", poller.WithJitter(1.5), []string{"jitter 1.5", "[0, 1)"}},
		{"policy", poller.WithPolicy(poller.Policy{}), []string{"initial interval 0s"}},
		{"not-found grace", poller.WithNotFoundGrace(-time.Minute), []string{"not-found grace -1m0s", "0 or more"}},
		{"transient limit", poller.WithTransientLimit(-time.Second), []string{"transient error limit -1s", "0 or more"}},
		{"concurrency", poller.WithConcurrency(0), []string{"concurrency 0", "at least 1"}},
		{"negative rate", poller.WithRate(-2), []string{"rate -2 requests/s", ">= 0"}},
		{"NaN rate", poller.WithRate(math.NaN()), []string{"rate NaN requests/s"}},
		{"nil random source", poller.WithRand(nil), []string{"random source", "nil"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := poller.New(newFake(0), tt.opt)
			if err == nil || p != nil {
				t.Fatalf("New = %v, %v; want nil and an error", p, err)
			}
			for _, w := range append(tt.want, "poller: ") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("New error %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestNewNilAPI(t *testing.T) {
	if p, err := poller.New(nil); err == nil || p != nil {
		t.Errorf("New(nil) = %v, %v; want an error", p, err)
	}
}

// TestScheduleOptions checks that the schedule options reach the schedule:
// the poll times follow the policy they set, and nil options are ignored.
func TestScheduleOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []poller.Option
		want []time.Duration
	}{
		{"defaults, no jitter", []poller.Option{nil, poller.WithRate(0), poller.WithJitter(0)},
			ages[:5]},
		{"each field", []poller.Option{poller.WithInitialInterval(2 * time.Second), poller.WithMaxInterval(5 * time.Second),
			poller.WithMultiplier(2), poller.WithJitter(0)},
			[]time.Duration{0, secs(2), secs(4), secs(8), secs(13)}}, // 2 s, doubling, at most 5 s apart
		{"whole policy", []poller.Option{poller.WithPolicy(poller.Policy{InitialInterval: 2 * time.Second, MaxInterval: 2 * time.Second, Multiplier: 2})},
			[]time.Duration{0, secs(2), secs(4), secs(6), secs(8)}}, // doubling, capped at the first delay: every 2 s
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(0)
				f.add("e1", runningThen(tt.want[len(tt.want)-1], client.StatusSuccess)...)
				p, err := poller.New(f, tt.opts...)
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if _, err := p.Wait(t.Context(), testTask, uid("e1")); err != nil {
					t.Fatal(err)
				}
				equalTimes(t, "poll times", f.callTimes("e1"), tt.want)
			})
		})
	}
}

func TestUpdateKindString(t *testing.T) {
	for k, want := range map[poller.UpdateKind]string{
		poller.UpdatePoll: "poll", poller.UpdateStatusChange: "status-change", poller.UpdateRetry: "retry",
		poller.UpdateDone: "done", 0: "unknown",
	} {
		if got := k.String(); got != want {
			t.Errorf("UpdateKind(%d).String() = %q, want %q", k, got, want)
		}
	}
}
