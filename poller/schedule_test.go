package poller_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

func newPoller(t testing.TB, g poller.API, opts ...poller.Option) *poller.Poller {
	t.Helper()
	p, err := poller.New(g, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// equalTimes reports the first difference between got and want.
func equalTimes(t *testing.T, what string, got, want []time.Duration) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d polls %v, want %d %v", what, len(got), got, len(want), want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: poll %d at %v, want %v (all: %v)", what, i+1, got[i], want[i], got)
			return
		}
	}
}

// ages are the fake times at which the default policy, without jitter,
// polls an execution that starts with the wait: 0, 4 s, then 55 % older
// each time, at most 30 s apart.
var ages = []time.Duration{0, secs(4), secs(6.2), secs(9.61), secs(14.8955), secs(23.088025),
	secs(35.78643875), secs(55.468980062), secs(85.468980062), secs(115.468980062)}

// age returns the time of poll i+1 of that schedule (ages, then the cap
// after them).
func age(i int) time.Duration {
	if i < len(ages) {
		return ages[i]
	}
	return ages[len(ages)-1] + time.Duration(i-len(ages)+1)*30*time.Second
}

func TestScheduleWithoutJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		f.add("e1", runningThen(80*time.Second, client.StatusSuccess)...)
		p := newPoller(t, f, poller.WithRand(noJitter))
		exec, err := p.Wait(t.Context(), testTask, uid("e1"))
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if exec.Status != client.StatusSuccess {
			t.Errorf("status %q, want success", exec.Status)
		}
		equalTimes(t, "poll times", f.callTimes("e1"), ages[:9])
	})
}

// seededTimes is the schedule the default policy gives an execution that
// starts with the wait, for the random numbers of rnd, computed here from
// the documented rule: the next poll when the execution is 55 % older (4 s
// at first), the delay at least 2.2 s and at most 30 s, then shortened by
// up to 5 % at random.
func seededTimes(rnd *rand.Rand, n int) []time.Duration {
	times := []time.Duration{0}
	d := 4 * time.Second
	floor := d - time.Duration(float64(d)/1.55)
	for len(times) < n {
		age := times[len(times)-1]
		next := max(4*time.Second, time.Duration(float64(age)*1.55))
		gap := min(max(next-age, floor), 30*time.Second)
		gap = time.Duration(float64(gap) * (1 - 0.05*rnd.Float64()))
		times = append(times, age+gap)
	}
	return times
}

func TestScheduleFixedSeed(t *testing.T) {
	var first []time.Duration
	for run := range 2 {
		synctest.Test(t, func(t *testing.T) {
			f := newFake(0)
			f.add("e1", runningThen(10*time.Minute, client.StatusSuccess)...)
			p := newPoller(t, f, poller.WithRand(rand.New(rand.NewPCG(1, 2)).Float64))
			if _, err := p.Wait(t.Context(), testTask, uid("e1")); err != nil {
				t.Fatalf("Wait: %v", err)
			}
			got := f.callTimes("e1")
			want := seededTimes(rand.New(rand.NewPCG(1, 2)), len(got))
			equalTimes(t, "seeded poll times", got, want)
			if last := got[len(got)-1]; last < 10*time.Minute || last > 10*time.Minute+30*time.Second {
				t.Errorf("last poll at %v, want within 30s after 10m", last)
			}
			if run == 0 {
				first = got
			} else {
				equalTimes(t, "second run with the same seed", got, first)
			}
		})
	}
}

func TestScheduleJitterAndCap(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		synctest.Test(t, func(t *testing.T) {
			f := newFake(0)
			f.add("e1", runningThen(time.Hour, client.StatusSuccess)...)
			p := newPoller(t, f, poller.WithRand(rand.New(rand.NewPCG(seed, 0)).Float64))
			if _, err := p.Wait(t.Context(), testTask, uid("e1")); err != nil {
				t.Fatalf("Wait: %v", err)
			}
			got := f.callTimes("e1")
			pol := poller.DefaultPolicy()
			began := time.Unix(0, 0)
			for i := 1; i < len(got); i++ {
				// NextPoll with r = 0 is the delay without jitter.
				at := began.Add(got[i-1])
				base := pol.NextPoll(poller.Moment{Now: at, Started: began, Began: began}, 0).Wait
				gap := got[i] - got[i-1]
				if lo := time.Duration(float64(base) * 0.95); gap < lo || gap > base {
					t.Fatalf("seed %d: gap before poll %d is %v, want in [%v, %v]", seed, i+1, gap, lo, base)
				}
				if gap > 30*time.Second {
					t.Fatalf("seed %d: gap %v is over the max interval 30s", seed, gap)
				}
			}
			if n := len(got); n < 3600/30 || n > 3600/28+10 {
				t.Errorf("seed %d: %d polls in an hour, want between %d and %d", seed, n, 3600/30, 3600/28+10)
			}
		})
	}
}

func TestFinalPollBeforeDeadline(t *testing.T) {
	// Without jitter the polls fall at 0, 4, 6.2, ... 35.79, 55.47; the next
	// one would be at 85.5s, past a 60s deadline, so the last poll is made
	// at 59s (the deadline less a 1s margin).
	wantTimes := append(ages[:8:8], secs(59))
	tests := []struct {
		name     string
		finishAt time.Duration
		wantErr  error
	}{
		{"finished in the final stretch", 57 * time.Second, nil},
		{"finished after the final poll", secs(59.5), context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(0)
				f.add("e1", runningThen(tt.finishAt, client.StatusSuccess)...)
				p := newPoller(t, f, poller.WithRand(noJitter))
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				start := time.Now()
				exec, err := p.Wait(ctx, testTask, uid("e1"))
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
					t.Fatalf("Wait error = %v, want %v", err, tt.wantErr)
				}
				equalTimes(t, "poll times", f.callTimes("e1"), wantTimes)
				wantEnd, wantStatus := secs(59), client.StatusSuccess
				if tt.wantErr != nil {
					wantEnd, wantStatus = time.Minute, client.StatusRunning
				}
				if got := time.Since(start); got != wantEnd {
					t.Errorf("Wait returned after %v, want %v", got, wantEnd)
				}
				if exec == nil || exec.Status != wantStatus {
					t.Errorf("execution %+v, want status %s", exec, wantStatus)
				}
			})
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		f.add("e1",
			step{at: 0, status: client.StatusRunning},
			step{at: secs(4), err: apiError(429, 20*time.Second)},    // poll 2
			step{at: secs(24), status: client.StatusRunning},         // poll 3 at 24: 55 % older is 37.2
			step{at: secs(37), err: apiError(503, time.Millisecond)}, // poll 4: shorter than the schedule
			step{at: secs(50), status: client.StatusSuccess},         // poll 5 at 37.2*1.55
		)
		var next []time.Duration
		p := newPoller(t, f, poller.WithRand(noJitter), poller.WithOnUpdate(func(u poller.Update) {
			if u.Kind != poller.UpdateDone {
				next = append(next, u.NextDelay)
			}
		}))
		if _, err := p.Wait(t.Context(), testTask, uid("e1")); err != nil {
			t.Fatalf("Wait: %v", err)
		}
		// 0, 4 (429: wait 20s, not 2.2s), 24, 37.2, then 57.66 as the 1ms
		// Retry-After is shorter than the schedule.
		want := []time.Duration{0, secs(4), secs(24), secs(37.2), secs(57.66)}
		equalTimes(t, "poll times", f.callTimes("e1"), want)
		equalTimes(t, "announced delays", next, []time.Duration{secs(4), secs(20), secs(13.2), secs(20.46), 0})
	})
}

func TestHourLongExecution(t *testing.T) {
	realStart := time.Now()
	synctest.Test(t, func(t *testing.T) {
		f := newFake(0)
		f.add("e1",
			step{at: 0, status: client.StatusQueued},
			step{at: 2 * time.Minute, status: client.StatusRunning},
			step{at: time.Hour, status: client.StatusSuccess})
		p := newPoller(t, f)
		start := time.Now()
		exec, err := p.Wait(t.Context(), testTask, uid("e1"))
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if exec.Status != client.StatusSuccess {
			t.Errorf("status %q, want success", exec.Status)
		}
		if got := time.Since(start); got < time.Hour || got > time.Hour+30*time.Second {
			t.Errorf("waited %v of fake time, want between 1h and 1h0m30s", got)
		}
		if n := len(f.callTimes("e1")); n > 160 {
			t.Errorf("%d polls for an hour, want at most 160", n)
		}
	})
	if real := time.Since(realStart); real > 5*time.Second {
		t.Errorf("an hour of fake time took %v of real time, want well under 5s", real)
	}
}
