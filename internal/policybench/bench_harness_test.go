package policybench_test

import (
	"bufio"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/poller"
)

// Tests of the benchmarks' harness: workloads, statistics, the wait loops
// and the getters, so the numbers in docs/benchmarks.md rest on checked code.

func TestBenchWorkloads(t *testing.T) {
	median := func(execs []benchExec) time.Duration {
		ds := make([]time.Duration, len(execs))
		for i, e := range execs {
			ds[i] = e.finish()
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	tests := []struct {
		workload            string
		wantN               int
		medianLo, medianHi  time.Duration
		wantAttach, wantFan bool
	}{
		{"cold", benchExecs, 27 * time.Second, 33 * time.Second, false, false},
		{"late", benchExecs, 27 * time.Second, 33 * time.Second, true, false},
		{"steady", benchExecs, 44 * time.Second, 46 * time.Second, false, false},
		// Queued for up to 10 minutes, 5 at the median, then ~30 s.
		{"fan-out", benchExecs, 4 * time.Minute, 7 * time.Minute, false, true},
	}
	workloads := map[string]benchWorkload{}
	for _, wl := range benchWorkloads() {
		workloads[wl.name] = wl
	}
	for _, tt := range tests {
		t.Run(tt.workload, func(t *testing.T) {
			wl, ok := workloads[tt.workload]
			if !ok {
				t.Fatalf("no workload %q", tt.workload)
			}
			execs := wl.gen(rand.New(rand.NewPCG(1, 2)))
			if again := wl.gen(rand.New(rand.NewPCG(1, 2))); !slices.Equal(execs, again) {
				t.Error("two runs from the same seed differ")
			}
			if len(execs) != tt.wantN {
				t.Fatalf("%d executions, want %d", len(execs), tt.wantN)
			}
			if wl.fanOut != tt.wantFan {
				t.Errorf("fanOut %v, want %v", wl.fanOut, tt.wantFan)
			}
			if m := median(execs); m < tt.medianLo || m > tt.medianHi {
				t.Errorf("median duration %v, want in [%v, %v]", m, tt.medianLo, tt.medianHi)
			}
			attached := 0
			for i, e := range execs {
				if e.running < benchMinDuration || e.running > benchMaxDuration {
					t.Fatalf("execution %d runs %v, want in [%v, %v]", i, e.running, benchMinDuration, benchMaxDuration)
				}
				if e.queued < 0 || e.queued >= benchFanOutOver || (!tt.wantFan && e.queued != 0) {
					t.Fatalf("execution %d queued %v, want 0, or under %v in a fan-out", i, e.queued, benchFanOutOver)
				}
				if e.attach < 0 || (e.attach > 0 && e.attach >= e.finish()) || (!tt.wantAttach && e.attach != 0) {
					t.Fatalf("execution %d attached at %v of %v", i, e.attach, e.finish())
				}
				if e.attach > 0 {
					attached++
				}
			}
			if tt.wantAttach && attached < len(execs)*9/10 {
				t.Errorf("%d of %d waits start late, want nearly all", attached, len(execs))
			}
		})
	}
}

// TestBenchWebhookEvents checks the webhook workloads' events: 99 % of
// those delivered within a second of the end, and the share lost.
func TestBenchWebhookEvents(t *testing.T) {
	tests := []struct {
		workload       string
		lostLo, lostHi float64
		wantHints      time.Duration
	}{
		{"cold", 0, 0, 0},
		{"cold-webhooks", 0, 0, benchHintCap},
		{"cold-webhooks-5pct-lost", 0.045, 0.055, benchHintCap},
	}
	workloads := map[string]benchWorkload{}
	for _, wl := range benchWorkloads() {
		workloads[wl.name] = wl
	}
	for _, tt := range tests {
		t.Run(tt.workload, func(t *testing.T) {
			wl := workloads[tt.workload]
			if wl.hints != tt.wantHints {
				t.Fatalf("hints %v, want %v", wl.hints, tt.wantHints)
			}
			execs := wl.gen(rand.New(rand.NewPCG(1, 2)))
			var delays []float64
			lost := 0
			for _, e := range execs {
				if e.event < 0 {
					lost++
				} else {
					delays = append(delays, e.event.Seconds())
				}
			}
			if share := float64(lost) / float64(len(execs)); share < tt.lostLo || share > tt.lostHi {
				t.Errorf("%.3f of the events lost, want from %v to %v", share, tt.lostLo, tt.lostHi)
			}
			slices.Sort(delays)
			if wl.hints == 0 {
				if delays[len(delays)-1] != 0 {
					t.Errorf("events in a workload without webhooks")
				}
				return
			}
			if p99 := benchQuantile(delays, 0.99); p99 > 1 {
				t.Errorf("99th percentile of the delivery delay %.2f s, want at most 1 s", p99)
			}
		})
	}
}

func TestBenchLogNormalClamps(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	lo, hi := 10*time.Second, 20*time.Second
	var sawLo, sawHi bool
	for range 1000 {
		d := benchLogNormal(rng, 15*time.Second, 3, lo, hi)
		if d < lo || d > hi {
			t.Fatalf("got %v, want in [%v, %v]", d, lo, hi)
		}
		sawLo, sawHi = sawLo || d == lo, sawHi || d == hi
	}
	if !sawLo || !sawHi {
		t.Errorf("with sigma 3, saw the low bound %v and the high bound %v, want both", sawLo, sawHi)
	}
}

func TestBenchQuantile(t *testing.T) {
	tests := []struct {
		xs   []float64
		q    float64
		want float64
	}{
		{[]float64{5}, 0.5, 5},
		{[]float64{3, 1, 2}, 0.5, 2},
		{[]float64{4, 3, 2, 1}, 0.5, 2},
		{[]float64{1, 2, 3, 4}, 0.99, 4},
		{[]float64{1, 2, 3, 4}, 0, 1},
		{[]float64{1, 2, 3, 4}, 1, 4},
	}
	for _, tt := range tests {
		xs := slices.Clone(tt.xs)
		if got := benchQuantile(xs, tt.q); got != tt.want {
			t.Errorf("benchQuantile(%v, %v) = %v, want %v", tt.xs, tt.q, got, tt.want)
		}
	}
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(100 - i) // 100 .. 1
	}
	if got := benchQuantile(hundred, 0.99); got != 99 {
		t.Errorf("p99 of 1..100 = %v, want 99", got)
	}
	if got := benchQuantile(nil, 0.5); !math.IsNaN(got) {
		t.Errorf("quantile of nothing = %v, want NaN", got)
	}
}

func TestSummarizeRun(t *testing.T) {
	s := time.Second
	got := summarizeRun(30, []time.Duration{0, 2 * s, 4 * s}, []time.Duration{10 * s, 4 * s, 2 * s})
	want := benchSummary{reqPerExec: 10, lagMean: 2, lagP50: 2, lagP99: 4, relLagP99: 2}
	if got != want {
		t.Errorf("summarizeRun = %+v, want %+v", got, want)
	}
}

func TestParseTrialPolicy(t *testing.T) {
	good := []struct {
		in   string
		want poller.Policy
	}{
		{"1s,1.5,15s,0.2", poller.Policy{InitialInterval: time.Second, Multiplier: 1.5, MaxInterval: 15 * time.Second, Jitter: 0.2}},
		{" 500ms, 2, 1m, 0 ", poller.Policy{InitialInterval: 500 * time.Millisecond, Multiplier: 2, MaxInterval: time.Minute, Jitter: 0}},
	}
	for _, tt := range good {
		got, err := parseTrialPolicy(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseTrialPolicy(%q) = %+v, %v; want %+v, nil", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, wantInErr string }{
		{"1s,1.5,15s", "want initial,multiplier,max,jitter"},
		{"1x,1.5,15s,0.2", `"1x"`},
		{"1s,fast,15s,0.2", `"fast"`},
		{"1s,1.5,15s,1", "jitter 1"},
		{"20s,1.5,15s,0.2", "max interval 15s"},
	}
	for _, tt := range bad {
		_, err := parseTrialPolicy(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
			t.Errorf("parseTrialPolicy(%q) error %v, want one containing %q", tt.in, err, tt.wantInErr)
		}
	}
}

func TestParseVmHWM(t *testing.T) {
	tests := []struct {
		name, status string
		want         int64
		wantErr      bool
	}{
		{"linux status", "Name:\tgo\nVmPeak:\t  900 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 1000 kB\n", 123456, false},
		{"no line", "Name:\tgo\nVmRSS:\t 1000 kB\n", 0, true},
		{"bad unit", "VmHWM:\t 12 MB\n", 0, true},
		{"bad number", "VmHWM:\t twelve kB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVmHWM(bufio.NewScanner(strings.NewReader(tt.status)))
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("parseVmHWM = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestPeerWaitPollTimes checks, over HTTP against the fake, that a peer's
// loop polls exactly when its delay function says: gh run watch polls twice
// at once, then every 3 s, and returns at the first poll after the end.
func TestPeerWaitPollTimes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer()
		defer s.Close()
		id := s.AddExecution(benchTaskID, anchortest.Succeed(time.Second, 6*time.Second, "done"))
		start := time.Now()
		exec, polls, err := peerWait(t.Context(), s.Client(), poller.Ref{TaskID: benchTaskID, ExecutionID: id}, ghRunWatchDelay, func() float64 { return 0.5 })
		if err != nil || exec.Status != client.StatusSuccess {
			t.Fatalf("peerWait: %v, %v; want success", exec, err)
		}
		if got := time.Since(start); got != 9*time.Second {
			t.Errorf("returned after %v, want 9s (the first poll after the end at 7s)", got)
		}
		var got []time.Duration
		for _, r := range s.RequestsFor(id) {
			got = append(got, r.Time.Sub(start))
		}
		want := []time.Duration{0, 0, 3 * time.Second, 6 * time.Second, 9 * time.Second}
		if !slices.Equal(got, want) || polls != len(want) {
			t.Errorf("polls at %v (%d counted), want %v", got, polls, want)
		}
	})
}

func TestPeerWaitGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := anchortest.NewInMemoryServer()
		defer s.Close()
		id := s.AddExecution(benchTaskID, anchortest.Always(client.StatusRunning))
		giveUp := func(n int, _ time.Duration, _ float64) time.Duration {
			if n == 3 {
				return -1
			}
			return time.Second
		}
		exec, polls, err := peerWait(t.Context(), &stateGetter{s: s}, poller.Ref{TaskID: benchTaskID, ExecutionID: id}, giveUp, rand.Float64)
		if err == nil || polls != 3 || exec == nil || exec.Status != client.StatusRunning {
			t.Errorf("peerWait = %v, %d polls, %v; want running after 3 polls and an error", exec, polls, err)
		}
	})
}

// TestRunStrategyLags checks the lags the harness computes against ones
// worked out by hand.
func TestRunStrategyLags(t *testing.T) {
	s := time.Second
	execs := []benchExec{
		{running: 2500 * time.Millisecond},               // kubectl polls at 3 s: lag 0.5 s; azure at 30 s: 27.5 s
		{running: 7 * s, attach: 4 * s},                  // kubectl polls at 7 s: lag 0; azure at 4 s then 34 s: 27 s
		{queued: 10 * s, running: 35 * s, attach: 1 * s}, // ends at 45 s: kubectl 0; azure polls at 1, 31, 61 s: 16 s
	}
	tests := []struct {
		peer     peerDelay
		name     string
		wantLags []time.Duration
		wantReqs int
	}{
		{fixedDelay(time.Second), "kubectl-1s", []time.Duration{s / 2, 0, 0}, 4 + 4 + 45},
		{azurePollUntilDoneDelay, "azure-30s", []time.Duration{27500 * time.Millisecond, 27 * s, 16 * s}, 2 + 2 + 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				run := runStrategy(t, benchStrategy{name: tt.name, peer: tt.peer}, benchWorkload{}, execs, nil, viaState)
				if !slices.Equal(run.lags, tt.wantLags) {
					t.Errorf("lags %v, want %v", run.lags, tt.wantLags)
				}
				if run.requests != tt.wantReqs {
					t.Errorf("%d requests, want %d", run.requests, tt.wantReqs)
				}
				if want := []time.Duration{2500 * time.Millisecond, 7 * s, 45 * s}; !slices.Equal(run.durations, want) {
					t.Errorf("durations %v, want %v", run.durations, want)
				}
			})
		})
	}
}

// TestStateGetterMatchesHTTP shows that reading the fake's state, as the
// peers do, yields the very answers polling it over HTTP does: the same
// polls at the same times for every peer.
func TestStateGetterMatchesHTTP(t *testing.T) {
	s := time.Second
	execs := []benchExec{
		{running: s},
		{running: 2500 * time.Millisecond},
		{running: 7 * s, attach: 2 * s},
		{queued: 20 * s, running: 31 * s},
		{running: 95 * s, attach: 40 * s},
		{queued: 50 * s, running: 70 * s, attach: 5 * s},
	}
	for _, p := range peers() {
		t.Run(p.name, func(t *testing.T) {
			var polls [2][]int
			for via := range 2 {
				synctest.Test(t, func(t *testing.T) {
					srv := anchortest.NewInMemoryServer()
					defer srv.Close()
					sg := &stateGetter{s: srv}
					var g poller.API = srv.Client()
					if via == 1 {
						g = sg
					}
					for i, e := range execs {
						id := sg.add(anchortest.Succeed(e.queued, e.running, "done"))
						time.Sleep(e.attach)
						_, n, err := peerWait(t.Context(), g, poller.Ref{TaskID: benchTaskID, ExecutionID: id}, p.delay, rand.New(rand.NewPCG(1, uint64(i))).Float64)
						if err != nil {
							t.Fatal(err)
						}
						polls[via] = append(polls[via], n)
					}
				})
			}
			if !slices.Equal(polls[0], polls[1]) {
				t.Errorf("polls over HTTP %v, from state %v; want equal", polls[0], polls[1])
			}
		})
	}
}

// TestPollerViaStateMatchesHTTP shows that the Poller, every informed part
// on, makes the same requests and sees every end at the same moment
// whether it reads the fake's state or goes over HTTP, alone and in a
// WaitAll, with a history and without.
func TestPollerViaStateMatchesHTTP(t *testing.T) {
	s := time.Second
	noJitter := poller.DefaultPolicy()
	noJitter.Jitter = 0
	for _, wl := range []benchWorkload{{name: "one by one"}, {name: "wait-all", fanOut: true}} {
		t.Run(wl.name, func(t *testing.T) {
			var execs []benchExec
			for i := range 40 {
				e := benchExec{queued: time.Duration(i%5) * s, running: time.Duration(5+i*7%60) * s}
				if !wl.fanOut { // one by one, as CI jobs would
					e.create, e.attach = time.Duration(i)*3*s, time.Duration(i%4)*s
				}
				execs = append(execs, e)
			}
			past := []time.Duration{20 * s, 22 * s, 25 * s, 24 * s, 21 * s, 23 * s}
			var runs [2]benchRun
			for i, via := range []benchVia{viaHTTP, viaState} {
				synctest.Test(t, func(t *testing.T) {
					runs[i] = runStrategy(t, benchStrategy{name: "ours", policy: noJitter}, wl, execs, past, via)
				})
			}
			if runs[0].requests != runs[1].requests {
				t.Errorf("requests over HTTP %d, from state %d; want equal", runs[0].requests, runs[1].requests)
			}
			if !slices.Equal(runs[0].lags, runs[1].lags) {
				t.Errorf("lags over HTTP %v, from state %v; want equal", runs[0].lags, runs[1].lags)
			}
		})
	}
}
