package poller_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/poller"
)

func TestPolicyInterval(t *testing.T) {
	p := poller.DefaultPolicy()
	want := []time.Duration{
		0, // n = 0: no interval before the first poll
		secs(1), secs(1.5), secs(2.25), secs(3.375), secs(5.0625), secs(7.59375),
		secs(11.390625), secs(17.0859375),
		secs(25), secs(25), secs(25), secs(25), // capped at 30s/(1+20%), not 25.63s
	}
	for n, w := range want {
		if got := p.Interval(n); got != w {
			t.Errorf("Interval(%d) = %v, want %v", n, got, w)
		}
	}
	if got := p.Interval(10_000); got != 25*time.Second {
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
		p := poller.Policy{InitialInterval: 1, MaxInterval: tt.max, Multiplier: 1.5, Jitter: tt.jitter}
		if got := p.IntervalCap(); got != tt.want {
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
		p := poller.Policy{
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
				if d := p.Delay(n, r); d <= 0 || d > p.MaxInterval {
					t.Fatalf("%+v: Delay(%d, %v) = %v, want in (0, %v]", p, n, r, d, p.MaxInterval)
				}
			}
		}
		if got := p.Interval(1); got != min(p.InitialInterval, p.IntervalCap()) {
			t.Fatalf("%+v: Interval(1) = %v, want min(initial, cap %v)", p, got, p.IntervalCap())
		}
	}
}

func TestPolicyIntervalShapes(t *testing.T) {
	tests := []struct {
		name string
		p    poller.Policy
		n    int
		want time.Duration
	}{
		{"constant multiplier 1", poller.Policy{InitialInterval: 2 * time.Second, MaxInterval: time.Minute, Multiplier: 1}, 50, 2 * time.Second},
		{"doubling", poller.Policy{InitialInterval: time.Second, MaxInterval: time.Hour, Multiplier: 2}, 5, 16 * time.Second},
		{"cap equal to initial", poller.Policy{InitialInterval: 5 * time.Second, MaxInterval: 5 * time.Second, Multiplier: 3}, 4, 5 * time.Second},
		{"cap reached exactly", poller.Policy{InitialInterval: time.Second, MaxInterval: 4 * time.Second, Multiplier: 2}, 3, 4 * time.Second},
		{"cap reached past", poller.Policy{InitialInterval: time.Second, MaxInterval: 3 * time.Second, Multiplier: 2}, 3, 3 * time.Second},
		{"cap leaves room for jitter", poller.Policy{InitialInterval: time.Second, MaxInterval: 12 * time.Second, Multiplier: 2, Jitter: 0.2}, 10, 10 * time.Second},
		{"below the cap, jitter does not matter", poller.Policy{InitialInterval: time.Second, MaxInterval: 12 * time.Second, Multiplier: 2, Jitter: 0.2}, 4, 8 * time.Second},
		{"initial above the cap is lowered", poller.Policy{InitialInterval: 30 * time.Second, MaxInterval: 30 * time.Second, Multiplier: 1.5, Jitter: 0.2}, 1, 25 * time.Second},
		{"initial above the cap, multiplier 1", poller.Policy{InitialInterval: 30 * time.Second, MaxInterval: 30 * time.Second, Multiplier: 1, Jitter: 0.2}, 7, 25 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Interval(tt.n); got != tt.want {
				t.Errorf("Interval(%d) = %v, want %v", tt.n, got, tt.want)
			}
		})
	}
}

func TestPolicyApplyJitter(t *testing.T) {
	p := poller.DefaultPolicy()
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
		if got := p.ApplyJitter(10*time.Second, tt.r); got != tt.want {
			t.Errorf("ApplyJitter(10s, %v) = %v, want %v", tt.r, got, tt.want)
		}
	}
}

func TestPolicyJitterBounds(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	for _, j := range []float64{0, 0.1, 0.2, 0.5, 0.99} {
		p := poller.DefaultPolicy()
		p.Jitter = j
		for n := 1; n <= 40; n++ {
			base := p.Interval(n)
			lo := time.Duration(float64(base) * (1 - j))
			hi := time.Duration(float64(base) * (1 + j))
			for range 200 {
				got := p.Delay(n, rnd.Float64())
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
	p := poller.DefaultPolicy()
	if got, want := p.Delay(20, 0), 20*time.Second; got != want {
		t.Errorf("Delay(20, 0) = %v, want %v", got, want)
	}
	if got, want := p.Delay(20, math.Nextafter(1, 0)), 30*time.Second; want-got > time.Microsecond || got > want {
		t.Errorf("Delay(20, ~1) = %v, want %v or just under", got, want)
	}
}

func TestPolicyValidate(t *testing.T) {
	ok := poller.DefaultPolicy()
	if err := ok.Validate(); err != nil {
		t.Fatalf("DefaultPolicy().Validate() = %v, want nil", err)
	}
	tests := []struct {
		name   string
		modify func(*poller.Policy)
		want   []string // parts of the message
	}{
		{"zero initial", func(p *poller.Policy) { p.InitialInterval = 0 }, []string{"initial interval 0s", "greater than 0"}},
		{"negative initial", func(p *poller.Policy) { p.InitialInterval = -time.Second }, []string{"initial interval -1s", "greater than 0"}},
		{"max below initial", func(p *poller.Policy) { p.MaxInterval = 500 * time.Millisecond }, []string{"max interval 500ms", "at least the initial interval 1s"}},
		{"multiplier below 1", func(p *poller.Policy) { p.Multiplier = 0.5 }, []string{"multiplier 0.5", ">= 1"}},
		{"multiplier NaN", func(p *poller.Policy) { p.Multiplier = math.NaN() }, []string{"multiplier NaN"}},
		{"multiplier Inf", func(p *poller.Policy) { p.Multiplier = math.Inf(1) }, []string{"multiplier +Inf", "finite"}},
		{"negative jitter", func(p *poller.Policy) { p.Jitter = -0.1 }, []string{"jitter -0.1", "[0, 1)"}},
		{"jitter 1", func(p *poller.Policy) { p.Jitter = 1 }, []string{"jitter 1", "[0, 1)"}},
		{"jitter NaN", func(p *poller.Policy) { p.Jitter = math.NaN() }, []string{"jitter NaN"}},
		{"no room for jitter", func(p *poller.Policy) { p.InitialInterval, p.MaxInterval = 1, 1 }, []string{"max interval 1ns", "too short for jitter 0.2", "at least 2ns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := poller.DefaultPolicy()
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
		if got := poller.FinalPollMargin(start, start.Add(tt.budget)); got != tt.want {
			t.Errorf("FinalPollMargin(budget %v) = %v, want %v", tt.budget, got, tt.want)
		}
	}
}

func TestNextPoll(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return start.Add(secs(s)) }
	deadline := at(60) // margin 1s: the last poll may land at 59s
	tests := []struct {
		name       string
		now        time.Time
		delay      time.Duration
		retryAfter time.Duration
		deadline   time.Time
		wantWait   time.Duration
		wantOK     bool
	}{
		{"no deadline", at(10), 5 * time.Second, 0, time.Time{}, 5 * time.Second, true},
		{"no deadline, retry-after longer", at(10), 5 * time.Second, 20 * time.Second, time.Time{}, 20 * time.Second, true},
		{"no deadline, retry-after shorter", at(10), 5 * time.Second, time.Second, time.Time{}, 5 * time.Second, true},
		{"negative delay", at(10), -time.Second, 0, time.Time{}, 0, true},
		{"well before deadline", at(10), 5 * time.Second, 0, deadline, 5 * time.Second, true},
		{"just before the last slot", at(50), secs(8.999), 0, deadline, secs(8.999), true},
		{"lands on the last slot", at(50), 9 * time.Second, 0, deadline, 9 * time.Second, true},
		{"would cross the deadline", at(50), 30 * time.Second, 0, deadline, 9 * time.Second, true},
		{"would land in the margin", at(50), secs(9.5), 0, deadline, 9 * time.Second, true},
		{"already in the margin", at(59.5), time.Second, 0, deadline, 0, false},
		{"exactly at the last slot", at(59), time.Second, 0, deadline, 0, false},
		{"past the deadline", at(61), time.Second, 0, deadline, 0, false},
		{"retry-after within budget", at(30), time.Second, 20 * time.Second, deadline, 20 * time.Second, true},
		{"retry-after up to the last slot", at(30), time.Second, 29 * time.Second, deadline, 29 * time.Second, true},
		{"retry-after past the last slot", at(30), time.Second, 29*time.Second + 1, deadline, 0, false},
		{"retry-after shorter, delay crosses", at(30), 40 * time.Second, 10 * time.Second, deadline, 29 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wait, ok := poller.NextPoll(tt.now, tt.delay, tt.retryAfter, start, tt.deadline)
			if wait != tt.wantWait || ok != tt.wantOK {
				t.Errorf("NextPoll(now +%v, delay %v, retry-after %v) = (%v, %v), want (%v, %v)",
					tt.now.Sub(start), tt.delay, tt.retryAfter, wait, ok, tt.wantWait, tt.wantOK)
			}
		})
	}
}
