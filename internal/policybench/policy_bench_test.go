package policybench_test

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/poller"
)

// trialPolicyFlag adds a strategy "trial" to BenchmarkPolicy: the Poller
// with the given policy, to measure a change of the defaults before making
// it. The value is "initial,multiplier,max,jitter", such as 1s,1.5,15s,0.2,
// where max is the longest delay, jitter included (Policy.MaxInterval).
var trialPolicyFlag = flag.String("policy.trial", "", "also benchmark the Poller with this policy: initial,multiplier,max,jitter (such as 4s,1.5,30s,0.1)")

// httpFlag makes the Poller reach the fake over HTTP rather than through
// its state: the same numbers (TestStateGetterMatchesHTTP), at many times
// the real cost.
var httpFlag = flag.Bool("policy.http", false, "reach the fake over HTTP for the Poller too (slow)")

// BenchmarkPolicy runs every wait strategy (peers_test.go's, then ours) over
// every workload (bench_workload_test.go) in virtual time against the
// in-memory fake API, and reports per strategy and workload:
//
//	req/exec     requests per execution, mean
//	lag-mean-s   detection lag in seconds (from the execution's end to the
//	lag-p50-s    return of its wait): mean, median, 99th percentile
//	lag-p99-s
//	rel-lag-p99  99th percentile of lag / the execution's duration
//	429-pct      on a workload with a server rate limit: the share of the
//	             requests the server answered 429, in per cent
//
// Results are the same on every run (seeded workloads and jitter), except
// for ours on the fan-outs, where WaitAll's workers share one random source
// in an order the scheduler picks. ns/op is real time per run of the whole
// workload. Run it with
//
//	go test ./internal/policybench -run '^$' -bench Policy -benchtime=1x
//
// and compare runs with benchstat.
func BenchmarkPolicy(b *testing.B) {
	var trial *poller.Policy
	if *trialPolicyFlag != "" {
		p, err := parseTrialPolicy(*trialPolicyFlag)
		if err != nil {
			b.Fatalf("-policy.trial: %v", err)
		}
		trial = &p
	}
	via := viaState
	if *httpFlag {
		via = viaHTTP
	}
	for _, st := range benchStrategies(trial) {
		for wi, wl := range benchWorkloads() {
			if wl.oursOnly && st.peer != nil {
				continue
			}
			rng := rand.New(rand.NewPCG(benchWorkloadSeed, uint64(wi)))
			execs := wl.gen(rng)
			var past []time.Duration
			if wl.history != nil {
				past = wl.history(rng)
			}
			b.Run(fmt.Sprintf("strategy=%s/workload=%s", st.name, wl.name), func(b *testing.B) {
				var run benchRun
				for b.Loop() {
					benchBubble(b, func(t *testing.T) {
						run = runStrategy(t, st, wl, execs, past, via)
					})
				}
				sum := summarizeRun(run.requests, run.lags, run.durations)
				b.ReportMetric(sum.reqPerExec, "req/exec")
				b.ReportMetric(sum.lagMean, "lag-mean-s")
				b.ReportMetric(sum.lagP50, "lag-p50-s")
				b.ReportMetric(sum.lagP99, "lag-p99-s")
				b.ReportMetric(sum.relLagP99, "rel-lag-p99")
				if wl.serverRate > 0 {
					b.ReportMetric(100*float64(run.limited)/float64(max(run.requests, 1)), "429-pct")
				}
			})
		}
	}
}

// parseTrialPolicy parses "initial,multiplier,max,jitter", such as
// "1s,1.5,15s,0.2", into a valid Policy.
func parseTrialPolicy(s string) (poller.Policy, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return poller.Policy{}, fmt.Errorf("policy %q: want initial,multiplier,max,jitter such as 1s,1.5,15s,0.2", s)
	}
	initial, err1 := time.ParseDuration(strings.TrimSpace(parts[0]))
	mult, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	maxInterval, err3 := time.ParseDuration(strings.TrimSpace(parts[2]))
	jitter, err4 := strconv.ParseFloat(strings.TrimSpace(parts[3]), 64)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return poller.Policy{}, fmt.Errorf("policy %q: want initial,multiplier,max,jitter such as 1s,1.5,15s,0.2: %w", s, err)
	}
	p := poller.Policy{InitialInterval: initial, Multiplier: mult, MaxInterval: maxInterval, Jitter: jitter}
	if err := p.Validate(); err != nil {
		return poller.Policy{}, err
	}
	return p, nil
}
