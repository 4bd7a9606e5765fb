package policybench_test

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func TestSmithyComputeDelay(t *testing.T) {
	almost1 := math.Nextafter(1, 0)
	tests := []struct {
		name               string
		attempt            int64
		minD, maxD, remain time.Duration
		r                  float64
		want               time.Duration
	}{
		{"zeroth attempt waits nothing", 0, 6 * time.Second, 600 * time.Second, time.Hour, 0.5, 0},
		{"no time left waits nothing", 3, 6 * time.Second, 600 * time.Second, 0, 0.5, 0},
		{"first attempt is exactly MinDelay", 1, 6 * time.Second, 600 * time.Second, time.Hour, almost1, 6 * time.Second},
		{"second attempt low end", 2, 6 * time.Second, 600 * time.Second, time.Hour, 0, 6 * time.Second},
		{"second attempt midpoint", 2, 6 * time.Second, 600 * time.Second, time.Hour, 0.5, 9 * time.Second},
		{"third attempt midpoint of [6s, 24s)", 3, 6 * time.Second, 600 * time.Second, time.Hour, 0.5, 15 * time.Second},
		{"seventh attempt is the last doubling: [6s, 384s)", 7, 6 * time.Second, 600 * time.Second, time.Hour, 0.5, 195 * time.Second},
		{"past the ceiling: [6s, 600s)", 8, 6 * time.Second, 600 * time.Second, time.Hour, 0.5, 303 * time.Second},
		{"far past the ceiling does not overflow", 200, 6 * time.Second, 600 * time.Second, time.Hour, 0.5, 303 * time.Second},
		{"clamped to leave MinDelay of the remaining time", 3, 6 * time.Second, 600 * time.Second, 20 * time.Second, 0.9, 14 * time.Second},
		{"zero bound is the original's error case", 2, 0, 600 * time.Second, time.Hour, 0.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := smithyComputeDelay(tt.attempt, tt.minD, tt.maxD, tt.remain, tt.r); got != tt.want {
				t.Errorf("smithyComputeDelay(%d, %v, %v, %v, %v) = %v, want %v", tt.attempt, tt.minD, tt.maxD, tt.remain, tt.r, got, tt.want)
			}
		})
	}
}

// TestSmithyComputeDelayUpperBounds checks the bounds smithy-go's own test
// ("standard" in waiter/waiter_test.go) asserts for MinDelay 2 s and MaxDelay
// 120 s: attempt n waits at least MinDelay and at most 2, 4, 8, 16, 32, 64,
// 120, 120 s.
func TestSmithyComputeDelayUpperBounds(t *testing.T) {
	maxima := []time.Duration{2, 4, 8, 16, 32, 64, 120, 120}
	for i, m := range maxima {
		attempt := int64(i + 1)
		for _, r := range []float64{0, 0.25, 0.5, 0.999999} {
			got := smithyComputeDelay(attempt, 2*time.Second, 120*time.Second, time.Hour, r)
			if got < 2*time.Second || got > m*time.Second {
				t.Errorf("attempt %d, r %v: delay %v, want in [2s, %v]", attempt, r, got, m*time.Second)
			}
		}
	}
}

func TestAWSTasksStoppedDelay(t *testing.T) {
	tests := []struct {
		n       int
		elapsed time.Duration
		r       float64
		want    time.Duration
	}{
		{1, 0, 0.7, 6 * time.Second},
		{2, 6 * time.Second, 0.5, 9 * time.Second},
		{4, time.Minute, 0, 6 * time.Second},
		{9, time.Hour, 0.5, 303 * time.Second},
		// Near maxWaitDur the delay shrinks so MinDelay is left, then the
		// waiter gives up.
		{9, awsMaxWait - 10*time.Second, 0.5, 4 * time.Second},
		{9, awsMaxWait - 5*time.Second, 0.5, -1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n=%d/elapsed=%v", tt.n, tt.elapsed), func(t *testing.T) {
			if got := awsTasksStoppedDelay(tt.n, tt.elapsed, tt.r); got != tt.want {
				t.Errorf("awsTasksStoppedDelay(%d, %v, %v) = %v, want %v", tt.n, tt.elapsed, tt.r, got, tt.want)
			}
		})
	}
}

func TestGaxPause(t *testing.T) {
	almost1 := math.Nextafter(1, 0)
	tests := []struct {
		name          string
		n             int
		initial, maxP time.Duration
		mult, r       float64
		want          time.Duration
	}{
		{"full jitter low end is 1ns", 1, time.Second, time.Minute, 2, 0, 1},
		{"first pause at most Initial", 1, time.Second, time.Minute, 2, almost1, time.Second},
		{"second pause doubles the period", 2, time.Second, time.Minute, 2, 0.5, time.Second + 1},
		{"period 32s at the sixth pause", 6, time.Second, time.Minute, 2, 0.5, 16*time.Second + 1},
		{"period capped at Max", 7, time.Second, time.Minute, 2, 0.5, 30*time.Second + 1},
		{"capped for good", 50, time.Second, time.Minute, 2, 0.5, 30*time.Second + 1},
		{"zero fields take Pause's defaults", 7, 0, 0, 0, 0.5, 15*time.Second + 1},
		{"multiplier 1.5", 3, time.Second, time.Minute, 1.5, 0.5, 1125*time.Millisecond + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := gaxPause(tt.n, tt.initial, tt.maxP, tt.mult, tt.r); got != tt.want {
				t.Errorf("gaxPause(%d, %v, %v, %v, %v) = %v, want %v", tt.n, tt.initial, tt.maxP, tt.mult, tt.r, got, tt.want)
			}
		})
	}
}

// TestPeerSchedules checks each peer's first delays against its source's
// defaults, for the random numbers 0 and 0.5.
func TestPeerSchedules(t *testing.T) {
	s := time.Second
	tests := []struct {
		peer         string
		r            float64
		wantFirstSix []time.Duration
	}{
		{"kubectl-1s", 0.5, []time.Duration{s, s, s, s, s, s}},
		{"gh-3s", 0.5, []time.Duration{0, 3 * s, 3 * s, 3 * s, 3 * s, 3 * s}},
		{"aws-ecs", 0, []time.Duration{6 * s, 6 * s, 6 * s, 6 * s, 6 * s, 6 * s}},
		{"aws-ecs", 0.5, []time.Duration{6 * s, 9 * s, 15 * s, 27 * s, 51 * s, 99 * s}},
		{"gcp-lro", 0.5, []time.Duration{s/2 + 1, s + 1, 2*s + 1, 4*s + 1, 8*s + 1, 16*s + 1}},
		{"azure-30s", 0.5, []time.Duration{30 * s, 30 * s, 30 * s, 30 * s, 30 * s, 30 * s}},
	}
	byName := map[string]peer{}
	for _, p := range peers() {
		byName[p.name] = p
		if p.source == "" || p.delay == nil {
			t.Errorf("peer %q: source %q, delay set %v; want both", p.name, p.source, p.delay != nil)
		}
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/r=%v", tt.peer, tt.r), func(t *testing.T) {
			p, ok := byName[tt.peer]
			if !ok {
				t.Fatalf("no peer named %q", tt.peer)
			}
			var elapsed time.Duration
			for i, want := range tt.wantFirstSix {
				got := p.delay(i+1, elapsed, tt.r)
				if got != want {
					t.Errorf("delay after poll %d = %v, want %v", i+1, got, want)
				}
				elapsed += got
			}
		})
	}
	if len(byName) != 6 {
		t.Errorf("%d peers, want 6 with distinct names", len(byName))
	}
}

func TestInt63n(t *testing.T) {
	tests := []struct {
		n    int64
		r    float64
		want int64
	}{
		{10, 0, 0},
		{10, 0.55, 5},
		{10, 0.9999999999999999, 9},
		{0, 0.5, 0},
		{-3, 0.5, 0},
		{10, -0.1, 0},
	}
	for _, tt := range tests {
		if got := int63n(tt.n, tt.r); got != tt.want {
			t.Errorf("int63n(%d, %v) = %d, want %d", tt.n, tt.r, got, tt.want)
		}
	}
}
