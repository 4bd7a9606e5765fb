package poller_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/poller"
)

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		opt  poller.Option
		want []string // parts of the message
	}{
		{"initial interval", poller.WithInitialInterval(-time.Second), []string{"initial interval -1s", "greater than 0"}},
		{"max interval", poller.WithMaxInterval(100 * time.Millisecond), []string{"max interval 100ms", "at least the initial interval 1s"}},
		{"multiplier", poller.WithMultiplier(0.9), []string{"multiplier 0.9", ">= 1"}},
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

func TestNewNilGetter(t *testing.T) {
	if p, err := poller.New(nil); err == nil || p != nil {
		t.Errorf("New(nil) = %v, %v; want an error", p, err)
	}
}

func TestNewDefaults(t *testing.T) {
	p, err := poller.New(newFake(0), nil, poller.WithRate(0))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if got, want := p.Policy(), poller.DefaultPolicy(); got != want {
		t.Errorf("Policy() = %+v, want %+v", got, want)
	}
	want := poller.Policy{InitialInterval: 2 * time.Second, MaxInterval: time.Minute, Multiplier: 2, Jitter: 0}
	p, err = poller.New(newFake(0), poller.WithInitialInterval(2*time.Second), poller.WithMaxInterval(time.Minute),
		poller.WithMultiplier(2), poller.WithJitter(0))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if got := p.Policy(); got != want {
		t.Errorf("Policy() = %+v, want %+v", got, want)
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
