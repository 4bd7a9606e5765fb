package policybench_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// The workloads of the policy benchmark and the statistics it reports, as
// pure functions of a seeded random source.

// benchExec is one execution of a workload, in times counted from the
// moment it is created on the fake API.
type benchExec struct {
	queued  time.Duration // queued this long before it runs
	running time.Duration // then runs this long, then succeeds
	attach  time.Duration // the wait for it starts this long after its creation
}

// finish is when the execution ends, since its creation: its duration.
func (e benchExec) finish() time.Duration { return e.queued + e.running }

// benchWorkload is one workload of the policy benchmark.
type benchWorkload struct {
	name string
	// fanOut waits for all executions with one WaitAll (for the Poller) and
	// reaches the fake through its state rather than HTTP (see benchVia).
	fanOut bool
	gen    func(rng *rand.Rand) []benchExec
}

// Workload parameters.
const (
	benchExecs       = 1_000
	benchFanOutExecs = 10_000
	benchFanOutOver  = 10 * time.Minute
	benchMinDuration = time.Second
	benchMaxDuration = time.Hour
)

// benchWorkloads returns the workloads in the order the report lists them.
func benchWorkloads() []benchWorkload {
	return []benchWorkload{
		{name: "cold", gen: func(rng *rand.Rand) []benchExec { return coldWorkload(rng, benchExecs) }},
		{name: "late", gen: func(rng *rand.Rand) []benchExec { return lateWorkload(rng, benchExecs) }},
		{name: "steady", gen: func(rng *rand.Rand) []benchExec { return steadyWorkload(rng, benchExecs) }},
		{name: "fan-out", fanOut: true, gen: func(rng *rand.Rand) []benchExec { return fanOutWorkload(rng, benchFanOutExecs) }},
	}
}

// benchLogNormal draws from the log-normal distribution with the given median
// and sigma (of the underlying normal), clamped to [lo, hi].
func benchLogNormal(rng *rand.Rand, median time.Duration, sigma float64, lo, hi time.Duration) time.Duration {
	d := time.Duration(float64(median) * math.Exp(sigma*rng.NormFloat64()))
	return min(max(d, lo), hi)
}

// coldWorkload is n executions lasting log-normal(median 30 s, sigma 1.0),
// clamped to [1 s, 1 h], each waited from the moment it starts.
func coldWorkload(rng *rand.Rand, n int) []benchExec {
	execs := make([]benchExec, n)
	for i := range execs {
		execs[i] = benchExec{running: benchLogNormal(rng, 30*time.Second, 1.0, benchMinDuration, benchMaxDuration)}
	}
	return execs
}

// lateWorkload is coldWorkload's durations, each waited from a uniformly
// random point of the execution's life: CI jobs often attach to executions
// started elsewhere.
func lateWorkload(rng *rand.Rand, n int) []benchExec {
	execs := coldWorkload(rng, n)
	for i := range execs {
		execs[i].attach = time.Duration(rng.Float64() * float64(execs[i].finish()))
	}
	return execs
}

// steadyWorkload is one task run n times with consistent durations:
// log-normal(median 45 s, sigma 0.15), each waited from its start.
func steadyWorkload(rng *rand.Rand, n int) []benchExec {
	execs := make([]benchExec, n)
	for i := range execs {
		execs[i] = benchExec{running: benchLogNormal(rng, 45*time.Second, 0.15, benchMinDuration, benchMaxDuration)}
	}
	return execs
}

// fanOutWorkload is n executions of one task, all submitted at once and
// started by the API at uniformly random moments over 10 minutes (queued
// until then), each running for coldWorkload's durations. They are all
// waited for from the moment they are submitted, with one WaitAll.
func fanOutWorkload(rng *rand.Rand, n int) []benchExec {
	execs := make([]benchExec, n)
	for i := range execs {
		execs[i] = benchExec{
			queued:  time.Duration(rng.Float64() * float64(benchFanOutOver)),
			running: benchLogNormal(rng, 30*time.Second, 1.0, benchMinDuration, benchMaxDuration),
		}
	}
	return execs
}

// benchSummary is what the policy benchmark reports for one strategy on one
// workload.
type benchSummary struct {
	reqPerExec float64 // requests per execution, mean
	lagMean    float64 // detection lag in seconds: mean, median, 99th percentile
	lagP50     float64
	lagP99     float64
	relLagP99  float64 // 99th percentile of lag divided by the execution's duration
}

// summarizeRun computes the benchmark's statistics from the total number of
// requests, each execution's detection lag and its duration. lags and
// durations must be the same length, at least 1.
func summarizeRun(requests int, lags, durations []time.Duration) benchSummary {
	secs := make([]float64, len(lags))
	rel := make([]float64, len(lags))
	var sum float64
	for i, l := range lags {
		secs[i] = l.Seconds()
		rel[i] = l.Seconds() / durations[i].Seconds()
		sum += secs[i]
	}
	return benchSummary{
		reqPerExec: float64(requests) / float64(len(lags)),
		lagMean:    sum / float64(len(lags)),
		lagP50:     benchQuantile(secs, 0.50),
		lagP99:     benchQuantile(secs, 0.99),
		relLagP99:  benchQuantile(rel, 0.99),
	}
}

// benchQuantile returns the q-quantile of xs by the nearest-rank method: the
// smallest x such that at least a fraction q of xs are <= x. xs is sorted in
// place; it returns NaN for an empty xs.
func benchQuantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	slices.Sort(xs)
	rank := int(math.Ceil(q * float64(len(xs))))
	return xs[min(max(rank, 1), len(xs))-1]
}
