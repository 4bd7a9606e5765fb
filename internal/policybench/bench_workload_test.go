package policybench_test

import (
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/anchorwait/anchorwait/client/anchortest"
)

// The workloads of the policy benchmark and the statistics it reports, as
// pure functions of a seeded random source.

// benchExec is one execution of a workload.
type benchExec struct {
	create  time.Duration // it is created this long after the run starts
	queued  time.Duration // then queued this long before it runs
	running time.Duration // then runs this long, then succeeds
	attach  time.Duration // its wait starts this long after its creation
	// event is how long after its end its webhook event reaches the
	// waits (with a workload's hints); < 0 when it is lost.
	event time.Duration
}

// finish is when the execution ends, since its creation: its duration.
func (e benchExec) finish() time.Duration { return e.queued + e.running }

// benchWorkload is one workload of the policy benchmark.
type benchWorkload struct {
	name string
	// fanOut waits for all executions with one WaitAll (for the Poller);
	// otherwise every execution has a wait, and a Poller, of its own, as
	// separate CI jobs would.
	fanOut bool
	gen    func(rng *rand.Rand) []benchExec
	// history, when set, gives the durations of the task's executions that
	// have ended before the run starts: what its list shows of its past.
	history func(rng *rand.Rand) []time.Duration
	// historyPerWait gives every execution a task of its own, with that
	// history: every wait is the first after the task changed, so a
	// history that is off stays off (on one task, the waits' own runs
	// soon fill its list and correct it).
	historyPerWait bool
	// rate is the budget, in requests per second, of the waits (peers
	// share it too); 0 for none.
	rate float64
	// inserts, when set, creates another execution of the task this often
	// while the waits run, so the list's pages shift under them.
	inserts time.Duration
	// faults are the fake's server-wide faults.
	faults []anchortest.Fault
	// oursOnly leaves the peers out: the workload differs from another
	// only in what peers do not use (the task's history, its list, its
	// webhook events).
	oursOnly bool
	// serverRate, when set, makes the fake allow that many requests a
	// second (burst as many) and answer 429 past them without saying so in
	// headers; the Poller then reaches it over HTTP, where the limit is.
	serverRate float64
	// hints, when set, delivers each execution's webhook event (see
	// benchExec.event) to the Poller as a Hint, and the Poller is built
	// with WithHints(hints): polls are then a safety net this far apart.
	hints time.Duration
}

// Workload parameters. benchExecs is at least 10,000: at 1,000, the noise
// of a 99th percentile near 0.6 is about ±0.05.
const (
	benchExecs       = 10_000
	benchArrival     = 2 * time.Second // mean time between two executions created one by one
	benchHistoryRuns = 50
	benchFanOutOver  = 10 * time.Minute
	benchMinDuration = time.Second
	benchMaxDuration = time.Hour
	// benchEventDelay is the mean delay, exponential, of a webhook event
	// after the end it tells of: 99 % come within 0.92 s.
	benchEventDelay = 200 * time.Millisecond
	// benchHintCap is the safety net's interval with webhooks, the CLI's
	// default --webhook-max-interval.
	benchHintCap = 5 * time.Minute
)

// benchWorkloads returns the workloads in the order the report lists them.
func benchWorkloads() []benchWorkload {
	fanOut := func(rng *rand.Rand) []benchExec { return fanOutWorkload(rng, benchExecs) }
	steadyPast := func(median time.Duration) func(*rand.Rand) []time.Duration {
		return func(rng *rand.Rand) []time.Duration { return pastRuns(rng, median) }
	}
	return []benchWorkload{
		{name: "cold", gen: func(rng *rand.Rand) []benchExec { return coldWorkload(rng, benchExecs) }},
		{name: "late", gen: func(rng *rand.Rand) []benchExec { return lateWorkload(rng, benchExecs) }},
		{name: "steady", gen: func(rng *rand.Rand) []benchExec { return steadyWorkload(rng, benchExecs) }, history: steadyPast(45 * time.Second)},
		{name: "steady-history-3x-short", oursOnly: true, historyPerWait: true, gen: func(rng *rand.Rand) []benchExec { return steadyWorkload(rng, benchExecs) }, history: steadyPast(15 * time.Second)},
		{name: "steady-history-3x-long", oursOnly: true, historyPerWait: true, gen: func(rng *rand.Rand) []benchExec { return steadyWorkload(rng, benchExecs) }, history: steadyPast(135 * time.Second)},
		{name: "cold-webhooks", oursOnly: true, hints: benchHintCap, gen: func(rng *rand.Rand) []benchExec { return withEvents(rng, coldWorkload(rng, benchExecs), 0) }},
		{name: "cold-webhooks-5pct-lost", oursOnly: true, hints: benchHintCap, gen: func(rng *rand.Rand) []benchExec { return withEvents(rng, coldWorkload(rng, benchExecs), 0.05) }},
		{name: "fan-out", fanOut: true, gen: fanOut},
		{name: "fan-out-rate-10", fanOut: true, gen: fanOut, rate: 10},
		{name: "fan-out-server-10-untold", oursOnly: true, fanOut: true, gen: fanOut, serverRate: 10},
		{name: "fan-out-inserts", oursOnly: true, fanOut: true, gen: fanOut, inserts: 500 * time.Millisecond},
		{name: "fan-out-list-errors", oursOnly: true, fanOut: true, gen: fanOut, faults: []anchortest.Fault{
			// The list answers 500 for two minutes early on, and half a
			// minute later.
			{Op: anchortest.OpListExecutions, After: time.Minute, Before: 3 * time.Minute, Status: http.StatusInternalServerError},
			{Op: anchortest.OpListExecutions, After: 6 * time.Minute, Before: 6*time.Minute + 30*time.Second, Status: http.StatusInternalServerError},
		}},
	}
}

// benchLogNormal draws from the log-normal distribution with the given median
// and sigma (of the underlying normal), clamped to [lo, hi].
func benchLogNormal(rng *rand.Rand, median time.Duration, sigma float64, lo, hi time.Duration) time.Duration {
	d := time.Duration(float64(median) * math.Exp(sigma*rng.NormFloat64()))
	return min(max(d, lo), hi)
}

// arrivals returns n creation times of executions started one by one, at
// exponentially distributed intervals of mean benchArrival.
func arrivals(rng *rand.Rand, n int) []time.Duration {
	out := make([]time.Duration, n)
	var at time.Duration
	for i := range out {
		out[i] = at
		at += time.Duration(rng.ExpFloat64() * float64(benchArrival))
	}
	return out
}

// coldWorkload is n executions created one by one, lasting
// log-normal(median 30 s, sigma 1.0), clamped to [1 s, 1 h], each waited
// from the moment it starts: the blind case, with no history to go by.
func coldWorkload(rng *rand.Rand, n int) []benchExec {
	execs := make([]benchExec, n)
	for i, at := range arrivals(rng, n) {
		execs[i] = benchExec{create: at, running: benchLogNormal(rng, 30*time.Second, 1.0, benchMinDuration, benchMaxDuration)}
	}
	return execs
}

// lateWorkload is coldWorkload's executions, each waited from a uniformly
// random point of its life: CI jobs often attach to executions started
// elsewhere.
func lateWorkload(rng *rand.Rand, n int) []benchExec {
	execs := coldWorkload(rng, n)
	for i := range execs {
		execs[i].attach = time.Duration(rng.Float64() * float64(execs[i].finish()))
	}
	return execs
}

// steadyWorkload is one task run n times, one by one, with consistent
// durations: log-normal(median 45 s, sigma 0.15), each waited from its
// start. Its workloads give the task a history of past runs.
func steadyWorkload(rng *rand.Rand, n int) []benchExec {
	execs := make([]benchExec, n)
	for i, at := range arrivals(rng, n) {
		execs[i] = benchExec{create: at, running: benchLogNormal(rng, 45*time.Second, 0.15, benchMinDuration, benchMaxDuration)}
	}
	return execs
}

// pastRuns is benchHistoryRuns durations of past runs of a steady task of
// the given median: the steady workload's own, or one 3x off, as when the
// task has just got slower or faster.
func pastRuns(rng *rand.Rand, median time.Duration) []time.Duration {
	out := make([]time.Duration, benchHistoryRuns)
	for i := range out {
		out[i] = benchLogNormal(rng, median, 0.15, benchMinDuration, benchMaxDuration)
	}
	return out
}

// withEvents gives each of execs a webhook event, delivered
// benchEventDelay (mean, exponential) after its end, or, with probability
// lost, never.
func withEvents(rng *rand.Rand, execs []benchExec, lost float64) []benchExec {
	for i := range execs {
		execs[i].event = time.Duration(rng.ExpFloat64() * float64(benchEventDelay))
		if rng.Float64() < lost {
			execs[i].event = -1
		}
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
