package poller

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// seconds converts fractional seconds to a Duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// TestNextPollAge checks where NextPoll places the next poll in the
// execution's age, without jitter and without a deadline.
func TestNextPollAge(t *testing.T) {
	p := DefaultPolicy() // 4 s, x1.55, cap 30 s
	tests := []struct {
		name     string
		age      time.Duration // at Now, from Began
		began    bool          // Began is known; else the age counts from Started
		started  time.Duration // how long ago the wait started
		wantWait time.Duration
	}{
		{"at the start", 0, true, 0, 4 * time.Second},
		{"at the first step", 4 * time.Second, true, 4 * time.Second, seconds(2.2)},
		{"grows with the age", 10 * time.Second, true, 10 * time.Second, seconds(5.5)},
		{"capped", 100 * time.Second, true, 100 * time.Second, 30 * time.Second},
		{"attached to a 10-minute-old execution: at the cap at once", 10 * time.Minute, true, 0, 30 * time.Second},
		{"attached to a young one: at 4 s", seconds(2), true, 0, 2 * time.Second},
		// Past 4 s/1.55 the age schedule goes on from the age, not from
		// 4 s: 3.9 s is polled next at 6.045 s, not held to a longer floor.
		{"attached just before the first step", seconds(3.9), true, 0, seconds(2.145)},
		{"no startTime: the wait's own clock", 0, false, 10 * time.Second, seconds(5.5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0.Add(time.Hour)
			m := Moment{Now: now, Started: now.Add(-tt.started)}
			if tt.began {
				m.Began = now.Add(-tt.age)
			}
			if got := p.NextPoll(m, 0); got != (Due{Wait: tt.wantWait}) {
				t.Errorf("NextPoll = %+v, want a wait of %v", got, tt.wantWait)
			}
		})
	}
	// A startTime in the future is not believed: the wait's own clock
	// counts.
	now := t0.Add(time.Hour)
	m := Moment{Now: now, Started: now.Add(-10 * time.Second), Began: now.Add(time.Hour)}
	if got := p.NextPoll(m, 0).Wait; got != seconds(5.5) {
		t.Errorf("Began in the future: wait %v, want 5.5s as from the wait's start", got)
	}
}

// TestNextPollEstimate checks how a history estimate shapes the schedule
// of a running execution: asleep until its Low, dense through a narrow
// window, as without one past its High, and ignored for a wide window or
// an execution not seen running.
func TestNextPollEstimate(t *testing.T) {
	p := DefaultPolicy()
	narrow := Estimate{Low: 30 * time.Second, High: 60 * time.Second}
	wide := Estimate{Low: 3 * time.Second, High: 300 * time.Second}
	tests := []struct {
		name    string
		est     Estimate
		ran     time.Duration // running for this long, also its age
		running bool
		want    time.Duration
	}{
		{"asleep until Low, the cap first", narrow, 0, true, 30 * time.Second},
		{"asleep until Low", narrow, 20 * time.Second, true, 10 * time.Second},
		{"close to Low: a dense step, not a step to it", narrow, 29 * time.Second, true, seconds(7.975)},
		{"dense in the window", narrow, 40 * time.Second, true, 11 * time.Second},
		{"past High: as without an estimate", narrow, 70 * time.Second, true, 30 * time.Second},
		{"wide: no sooner than without it", wide, time.Second, true, 3 * time.Second},
		{"wide: asleep until a Low later than that", Estimate{Low: 20 * time.Second, High: 300 * time.Second}, time.Second, true, 19 * time.Second},
		{"wide: no dense polling", wide, 10 * time.Second, true, seconds(5.5)},
		{"not seen running: no estimate", narrow, 20 * time.Second, false, 11 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0.Add(time.Hour)
			m := Moment{Now: now, Started: now.Add(-tt.ran), Began: now.Add(-tt.ran), Estimate: tt.est}
			if tt.running {
				m.Running = m.Began
			}
			if got := p.NextPoll(m, 0).Wait; got != tt.want {
				t.Errorf("wait %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNextPollJitter checks that jitter only ever shortens a delay, by up
// to Jitter, and that a bad random number changes nothing.
func TestNextPollJitter(t *testing.T) {
	p := DefaultPolicy()
	m := Moment{Now: t0, Started: t0.Add(-100 * time.Second), Began: t0.Add(-100 * time.Second)} // at the cap
	for _, tt := range []struct {
		r    float64
		want time.Duration
	}{
		{0, 30 * time.Second},
		{0.5, seconds(29.25)},
		{0.999999, seconds(28.5000015)},
		{-1, 30 * time.Second},
		{1, 30 * time.Second},
		{math.NaN(), 30 * time.Second},
	} {
		if got := p.NextPoll(m, tt.r).Wait; got != tt.want {
			t.Errorf("r %v: wait %v, want %v", tt.r, got, tt.want)
		}
	}
}

// TestNextPollNeverAboveMax checks the promise of MaxInterval, and that no
// delay is 0, for random valid policies, ages and random numbers.
func TestNextPollNeverAboveMax(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 9))
	for range 5000 {
		p := Policy{
			InitialInterval: time.Millisecond + time.Duration(rnd.Int64N(int64(time.Minute))),
			Multiplier:      1 + 1e-3 + 3*rnd.Float64(),
			Jitter:          rnd.Float64() * 0.99,
		}
		p.MaxInterval = p.InitialInterval + time.Duration(rnd.Int64N(int64(time.Hour)))
		if err := p.Validate(); err != nil {
			t.Fatalf("%+v: Validate() = %v, want nil", p, err)
		}
		age := time.Duration(rnd.Int64N(int64(48 * time.Hour)))
		m := Moment{Now: t0, Started: t0.Add(-age), Began: t0.Add(-age)}
		if rnd.IntN(2) == 0 {
			m.Running = m.Began
			m.Estimate = Estimate{Low: time.Duration(rnd.Int64N(int64(time.Hour))) + 1}
			m.Estimate.High = m.Estimate.Low + time.Duration(rnd.Int64N(int64(time.Hour)))
		}
		if d := p.NextPoll(m, rnd.Float64()).Wait; d <= 0 || d > p.MaxInterval {
			t.Fatalf("%+v at %+v: wait %v, want in (0, %v]", p, m, d, p.MaxInterval)
		}
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
		{"max below initial", func(p *Policy) { p.MaxInterval = 500 * time.Millisecond }, []string{"max interval 500ms", "at least the initial interval 4s"}},
		{"multiplier 1", func(p *Policy) { p.Multiplier = 1 }, []string{"multiplier 1", "greater than 1"}},
		{"multiplier below 1", func(p *Policy) { p.Multiplier = 0.5 }, []string{"multiplier 0.5", "greater than 1"}},
		{"multiplier NaN", func(p *Policy) { p.Multiplier = math.NaN() }, []string{"multiplier NaN"}},
		{"multiplier Inf", func(p *Policy) { p.Multiplier = math.Inf(1) }, []string{"multiplier +Inf", "finite"}},
		{"negative jitter", func(p *Policy) { p.Jitter = -0.1 }, []string{"jitter -0.1", "[0, 1)"}},
		{"jitter 1", func(p *Policy) { p.Jitter = 1 }, []string{"jitter 1", "[0, 1)"}},
		{"jitter NaN", func(p *Policy) { p.Jitter = math.NaN() }, []string{"jitter NaN"}},
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
		if got := finalPollMargin(t0, t0.Add(tt.budget)); got != tt.want {
			t.Errorf("finalPollMargin(budget %v) = %v, want %v", tt.budget, got, tt.want)
		}
	}
}

// TestNextPollDeadline checks where NextPoll puts a poll against a deadline
// and a server's wait, for an execution whose next poll, by its age, is a
// given delay away.
func TestNextPollDeadline(t *testing.T) {
	at := func(s float64) time.Time { return t0.Add(seconds(s)) }
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
			// At age 0 the next poll is InitialInterval away.
			p := Policy{InitialInterval: tt.delay, MaxInterval: tt.delay, Multiplier: 2}
			m := Moment{Now: tt.now, Started: t0, Began: tt.now, Deadline: tt.deadline, RetryAfter: tt.retryAfter}
			if got := p.NextPoll(m, 0); got != tt.want {
				t.Errorf("NextPoll(now +%v, delay %v, retry-after %v) = %+v, want %+v",
					tt.now.Sub(t0), tt.delay, tt.retryAfter, got, tt.want)
			}
		})
	}
}

// TestEstimateOf checks the window a history makes, and that a history
// needs a few runs to say anything.
func TestEstimateOf(t *testing.T) {
	var h history
	task := "5b1f3f8e-2c4d-4e6a-9b7c-0d1e2f3a4b5c"
	exec := func(i int, ms float64, st client.Status) *client.Execution {
		return &client.Execution{ID: fmt.Sprint(i), TaskVersionID: "v1", Status: st, ExecutionTime: &ms}
	}
	for i := range historyMinRuns - 1 {
		h.add(task, exec(i, 10_000, client.StatusSuccess))
	}
	if est := h.estimate(task, exec(0, 0, client.StatusRunning)); est.known() {
		t.Errorf("estimate from %d runs %+v, want none", historyMinRuns-1, est)
	}
	for i := range 100 {
		h.add(task, exec(100+i, float64(20_000+100*i), client.StatusSuccess)) // 20 s to 29.9 s
	}
	h.add(task, exec(999, 1e9, client.StatusRunning)) // not ended: not counted
	h.add(task, exec(100, 1e9, client.StatusSuccess)) // counted before: not again
	est := h.estimate(task, exec(0, 0, client.StatusRunning))
	if want := (Estimate{Low: seconds(20.2 * 0.9), High: seconds(29.7 * 1.1)}); est != want {
		t.Errorf("estimate %+v, want %+v (the middle 96 %% of the last 100, a tenth out)", est, want)
	}
	if !est.narrow() || (Estimate{Low: time.Second, High: 5 * time.Second}).narrow() {
		t.Errorf("narrow(): want true for %v..%v, false for 1s..5s", est.Low, est.High)
	}
}
