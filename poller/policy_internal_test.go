package poller

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestPolicyInterval(t *testing.T) {
	p := DefaultPolicy()
	want := []time.Duration{
		seconds(1), seconds(1.5), seconds(2.25), seconds(3.375), seconds(5.0625), seconds(7.59375),
		seconds(11.390625), seconds(17.0859375),
		seconds(25), seconds(25), seconds(25), seconds(25), // capped at 30s/(1+20%), not 25.63s
	}
	for i, w := range want {
		if got := p.interval(i + 1); got != w {
			t.Errorf("interval(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := p.interval(10_000); got != 25*time.Second {
		t.Errorf("Interval(10000) = %v, want the cap 25s", got)
	}
}

func TestPolicyIntervalCap(t *testing.T) {
	tests := []struct {
		max    time.Duration
		jitter float64
		want   time.Duration
	}{
		{30 * time.Second, 0.2, 25 * time.Second},
		{30 * time.Second, 0, 30 * time.Second},
		{12 * time.Second, 0.5, 8 * time.Second},
		{time.Second, 0.25, 800 * time.Millisecond},
		{2 * time.Second, 0.99, 1005025125 * time.Nanosecond}, // 2s/1.99, rounded down
		{2, 0.2, 1},
		{1, 0.2, 0}, // Validate rejects it
	}
	for _, tt := range tests {
		p := Policy{InitialInterval: 1, MaxInterval: tt.max, Multiplier: 1.5, Jitter: tt.jitter}
		if got := p.intervalCap(); got != tt.want {
			t.Errorf("IntervalCap() with max %v, jitter %v = %v, want %v", tt.max, tt.jitter, got, tt.want)
		}
	}
}

// TestPolicyDelayNeverAboveMax checks the promise of MaxInterval: no delay,
// whatever the random number, is longer, for maxima and jitters that do not
// divide evenly.
func TestPolicyDelayNeverAboveMax(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 9))
	for range 2000 {
		p := Policy{
			InitialInterval: time.Millisecond + time.Duration(rnd.Int64N(int64(time.Minute))),
			Multiplier:      1 + 3*rnd.Float64(),
			Jitter:          rnd.Float64(),
		}
		p.MaxInterval = p.InitialInterval + time.Duration(rnd.Int64N(int64(time.Hour)))
		if err := p.Validate(); err != nil {
			t.Fatalf("%+v: Validate() = %v, want nil", p, err)
		}
		for _, r := range []float64{0, 0.5, math.Nextafter(1, 0)} {
			for _, n := range []int{1, 2, 10, 1000} {
				if d := p.jitter(p.interval(n), r); d <= 0 || d > p.MaxInterval {
					t.Fatalf("%+v: Delay(%d, %v) = %v, want in (0, %v]", p, n, r, d, p.MaxInterval)
				}
			}
		}
		if got := p.interval(1); got != min(p.InitialInterval, p.intervalCap()) {
			t.Fatalf("%+v: Interval(1) = %v, want min(initial, cap %v)", p, got, p.intervalCap())
		}
	}
}

func TestPolicyIntervalShapes(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		n    int
		want time.Duration
	}{
		{"constant multiplier 1", Policy{InitialInterval: 2 * time.Second, MaxInterval: time.Minute, Multiplier: 1}, 50, 2 * time.Second},
		{"doubling", Policy{InitialInterval: time.Second, MaxInterval: time.Hour, Multiplier: 2}, 5, 16 * time.Second},
		{"cap equal to initial", Policy{InitialInterval: 5 * time.Second, MaxInterval: 5 * time.Second, Multiplier: 3}, 4, 5 * time.Second},
		{"cap reached exactly", Policy{InitialInterval: time.Second, MaxInterval: 4 * time.Second, Multiplier: 2}, 3, 4 * time.Second},
		{"cap reached past", Policy{InitialInterval: time.Second, MaxInterval: 3 * time.Second, Multiplier: 2}, 3, 3 * time.Second},
		{"cap leaves room for jitter", Policy{InitialInterval: time.Second, MaxInterval: 12 * time.Second, Multiplier: 2, Jitter: 0.2}, 10, 10 * time.Second},
		{"below the cap, jitter does not matter", Policy{InitialInterval: time.Second, MaxInterval: 12 * time.Second, Multiplier: 2, Jitter: 0.2}, 4, 8 * time.Second},
		{"initial above the cap is lowered", Policy{InitialInterval: 30 * time.Second, MaxInterval: 30 * time.Second, Multiplier: 1.5, Jitter: 0.2}, 1, 25 * time.Second},
		{"initial above the cap, multiplier 1", Policy{InitialInterval: 30 * time.Second, MaxInterval: 30 * time.Second, Multiplier: 1, Jitter: 0.2}, 7, 25 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.interval(tt.n); got != tt.want {
				t.Errorf("Interval(%d) = %v, want %v", tt.n, got, tt.want)
			}
		})
	}
}

func TestPolicyApplyJitter(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		r    float64
		want time.Duration
	}{
		{0, 8 * time.Second},
		{0.25, 9 * time.Second},
		{0.5, 10 * time.Second},
		{0.75, 11 * time.Second},
		{-1, 10 * time.Second},         // out of range: no spread
		{1, 10 * time.Second},          // out of range: no spread
		{math.NaN(), 10 * time.Second}, // out of range: no spread
	}
	for _, tt := range tests {
		if got := p.jitter(10*time.Second, tt.r); got != tt.want {
			t.Errorf("ApplyJitter(10s, %v) = %v, want %v", tt.r, got, tt.want)
		}
	}
}

func TestPolicyJitterBounds(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	for _, j := range []float64{0, 0.1, 0.2, 0.5, 0.99} {
		p := DefaultPolicy()
		p.Jitter = j
		for n := 1; n <= 40; n++ {
			base := p.interval(n)
			lo := time.Duration(float64(base) * (1 - j))
			hi := time.Duration(float64(base) * (1 + j))
			for range 200 {
				got := p.jitter(p.interval(n), rnd.Float64())
				if got < lo || got > hi || (j > 0 && got == hi) {
					t.Fatalf("jitter %v: Delay(%d) = %v, want in [%v, %v)", j, n, got, lo, hi)
				}
				if got > p.MaxInterval {
					t.Fatalf("jitter %v: Delay(%d) = %v is above the max interval %v", j, n, got, p.MaxInterval)
				}
			}
		}
	}
	// Extremes of r reach the ends of the range at the cap: 25s ± 20%, so
	// up to the max interval of 30s and never past it.
	p := DefaultPolicy()
	if got, want := p.jitter(p.interval(20), 0), 20*time.Second; got != want {
		t.Errorf("Delay(20, 0) = %v, want %v", got, want)
	}
	if got, want := p.jitter(p.interval(20), math.Nextafter(1, 0)), 30*time.Second; want-got > time.Microsecond || got > want {
		t.Errorf("Delay(20, ~1) = %v, want %v or just under", got, want)
	}
}

func TestPolicyValidate(t *testing.T) {
	ok := DefaultPolicy()
	if err := ok.Validate(); err != nil {
		t.Fatalf("DefaultPolicy().Validate() = %v, want nil", err)
	}
	tests := []struct {
		name   string
		modify func(*Policy)
		want   []string // parts of the message
	}{
		{"zero initial", func(p *Policy) { p.InitialInterval = 0 }, []string{"initial interval 0s", "greater than 0"}},
		{"negative initial", func(p *Policy) { p.InitialInterval = -time.Second }, []string{"initial interval -1s", "greater than 0"}},
		{"max below initial", func(p *Policy) { p.MaxInterval = 500 * time.Millisecond }, []string{"max interval 500ms", "at least the initial interval 1s"}},
		{"multiplier below 1", func(p *Policy) { p.Multiplier = 0.5 }, []string{"multiplier 0.5", ">= 1"}},
		{"multiplier NaN", func(p *Policy) { p.Multiplier = math.NaN() }, []string{"multiplier NaN"}},
		{"multiplier Inf", func(p *Policy) { p.Multiplier = math.Inf(1) }, []string{"multiplier +Inf", "finite"}},
		{"negative jitter", func(p *Policy) { p.Jitter = -0.1 }, []string{"jitter -0.1", "[0, 1)"}},
		{"jitter 1", func(p *Policy) { p.Jitter = 1 }, []string{"jitter 1", "[0, 1)"}},
		{"jitter NaN", func(p *Policy) { p.Jitter = math.NaN() }, []string{"jitter NaN"}},
		{"no room for jitter", func(p *Policy) { p.InitialInterval, p.MaxInterval = 1, 1 }, []string{"max interval 1ns", "too short for jitter 0.2", "at least 2ns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			tt.modify(&p)
			err := p.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestFinalPollMargin(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		budget time.Duration
		want   time.Duration
	}{
		{time.Hour, time.Second},
		{time.Minute, time.Second},
		{20 * time.Second, time.Second},
		{5 * time.Second, 250 * time.Millisecond},
		{100 * time.Millisecond, 5 * time.Millisecond},
		{0, 0},
		{-time.Second, 0},
	}
	for _, tt := range tests {
		if got := finalPollMargin(start, start.Add(tt.budget)); got != tt.want {
			t.Errorf("finalPollMargin(budget %v) = %v, want %v", tt.budget, got, tt.want)
		}
	}
}

// TestNextPoll checks where NextPoll puts a poll against a deadline and a
// server's wait, for a policy whose delay is the same after every request.
func TestNextPoll(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return start.Add(seconds(s)) }
	deadline := at(60) // margin 1s: the last poll may land at 59s
	tests := []struct {
		name       string
		now        time.Time
		delay      time.Duration
		retryAfter time.Duration
		deadline   time.Time
		want       Due
	}{
		{"no deadline", at(10), 5 * time.Second, 0, time.Time{}, Due{Wait: 5 * time.Second}},
		{"no deadline, retry-after longer", at(10), 5 * time.Second, 20 * time.Second, time.Time{}, Due{Wait: 20 * time.Second}},
		{"no deadline, retry-after shorter", at(10), 5 * time.Second, time.Second, time.Time{}, Due{Wait: 5 * time.Second}},
		{"well before deadline", at(10), 5 * time.Second, 0, deadline, Due{Wait: 5 * time.Second}},
		{"just before the last slot", at(50), seconds(8.999), 0, deadline, Due{Wait: seconds(8.999)}},
		{"lands on the last slot", at(50), 9 * time.Second, 0, deadline, Due{Wait: 9 * time.Second, Final: true}},
		{"would cross the deadline", at(50), 30 * time.Second, 0, deadline, Due{Wait: 9 * time.Second, Final: true}},
		{"would land in the margin", at(50), seconds(9.5), 0, deadline, Due{Wait: 9 * time.Second, Final: true}},
		{"already in the margin", at(59.5), time.Second, 0, deadline, Due{None: true}},
		{"exactly at the last slot", at(59), time.Second, 0, deadline, Due{None: true}},
		{"past the deadline", at(61), time.Second, 0, deadline, Due{None: true}},
		{"retry-after within budget", at(30), time.Second, 20 * time.Second, deadline, Due{Wait: 20 * time.Second}},
		{"retry-after up to the last slot", at(30), time.Second, 29 * time.Second, deadline, Due{Wait: 29 * time.Second, Final: true}},
		{"retry-after past the last slot", at(30), time.Second, 29*time.Second + 1, deadline, Due{None: true}},
		{"retry-after shorter, delay crosses", at(30), 40 * time.Second, 10 * time.Second, deadline, Due{Wait: 29 * time.Second, Final: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Policy{InitialInterval: tt.delay, MaxInterval: tt.delay, Multiplier: 1}
			m := Moment{Now: tt.now, Started: start, Deadline: tt.deadline, Requests: 3, RetryAfter: tt.retryAfter}
			if got := p.NextPoll(m, 0.5); got != tt.want {
				t.Errorf("NextPoll(now +%v, delay %v, retry-after %v) = %+v, want %+v",
					tt.now.Sub(start), tt.delay, tt.retryAfter, got, tt.want)
			}
		})
	}
}

// TestNextPollJitter checks that NextPoll's delay is the policy's interval
// after the requests so far, spread by the random number.
func TestNextPollJitter(t *testing.T) {
	p := DefaultPolicy()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		requests int
		r        float64
		want     time.Duration
	}{
		{1, 0.5, time.Second}, {0, 0.5, time.Second}, {1, 0, 800 * time.Millisecond}, {3, 0.75, seconds(2.25 * 1.1)}, {50, 0, 20 * time.Second},
	} {
		if got := p.NextPoll(Moment{Now: now, Started: now, Requests: tt.requests}, tt.r).Wait; got != tt.want {
			t.Errorf("NextPoll after %d requests, r %v: wait %v, want %v", tt.requests, tt.r, got, tt.want)
		}
	}
}

// seconds converts fractional seconds to a Duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
