package policybench_test

import (
	"math"
	"time"
)

// The wait strategies of the tools and SDKs people use today, each written
// down as a pure delay function from its public source and defaults, so the
// policy benchmark (policy_bench_test.go) can run them side by side with this
// package's Poller. Every peer polls at once when its wait starts, as all of
// them do, and after poll n sleeps for its delay function's answer.

// peerDelay is a wait strategy's schedule as a pure function: the delay
// between poll n and poll n+1 of one wait (n >= 1), given elapsed, the time
// since the wait began, and r, a random number in [0, 1) for peers that
// jitter. A negative delay means the peer gives up waiting.
type peerDelay func(n int, elapsed time.Duration, r float64) time.Duration

// peer is one strategy of the policy benchmark other than this package's.
type peer struct {
	name   string // sub-benchmark name: strategy=name
	source string // what it stands for, for the report
	delay  peerDelay
}

// peers returns the peer strategies in the order the report lists them.
func peers() []peer {
	return []peer{
		{"kubectl-1s", "fixed 1 s, the loop of k8s.io/apimachinery wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, cond) and of shell `until …; do sleep 1; done` scripts", fixedDelay(time.Second)},
		{"gh-3s", "`gh run watch` (cli/cli v2 pkg/cmd/run/watch/watch.go, defaultInterval 3)", ghRunWatchDelay},
		{"aws-ecs", "AWS SDK for Go v2 ECS TasksStopped waiter: smithy-go waiter.ComputeDelay, MinDelay 6 s, MaxDelay 600 s", awsTasksStoppedDelay},
		{"gcp-lro", "cloud.google.com/go/longrunning Operation.Wait: gax-go v2 Backoff{Initial: 1 s, Max: 60 s}.Pause", gcpOperationWaitDelay},
		{"azure-30s", "azcore runtime.Poller.PollUntilDone, default Frequency 30 s", azurePollUntilDoneDelay},
		{"ours-old", "this project's Poller before informed waiting: 1 s after the first poll, x1.5 after each, capped at 25 s before ±20 % jitter", oldDefaultDelay},
	}
}

// oldDefaultDelay is the schedule the Poller had before it placed polls
// in the execution's age: the delay after poll n was 1 s multiplied by
// 1.5 n-1 times (each product truncated to the nanosecond), capped at 25 s,
// spread by ±20 %, so never over 30 s.
func oldDefaultDelay(n int, _ time.Duration, r float64) time.Duration {
	const ceiling = 25 * time.Second
	d := time.Second
	for i := 1; i < n && d < ceiling; i++ {
		d = min(time.Duration(float64(d)*1.5), ceiling)
	}
	return time.Duration(float64(d) * (1 + 0.2*(2*r-1)))
}

// fixedDelay polls every d, with no jitter: a kubectl-style loop. It stands
// for k8s.io/apimachinery/pkg/util/wait.PollUntilContextTimeout(ctx,
// time.Second, timeout, true, cond), which polls at once (immediate true) and
// then on a fixed Backoff{Duration: interval} timer, and for the shell loops
// CI scripts write around `kubectl get` or `curl`.
func fixedDelay(d time.Duration) peerDelay {
	return func(int, time.Duration, float64) time.Duration { return d }
}

// ghDefaultInterval is `gh run watch`'s default --interval:
// const defaultInterval int = 3 in cli/cli pkg/cmd/run/watch/watch.go.
const ghDefaultInterval = 3 * time.Second

// ghRunWatchDelay is `gh run watch` with its default interval. watchRun
// fetches the run once before its loop (GetRun, returning at once if the run
// has completed), then at the top of every loop iteration renderRun fetches
// it again and the loop sleeps the interval when it has not completed. So
// the second poll follows the first at once and the next ones come every
// 3 s. (gh also fetches the run's jobs and annotations each iteration;
// Anchor executions have neither, so only the status polls are modelled.)
func ghRunWatchDelay(n int, _ time.Duration, _ float64) time.Duration {
	if n == 1 {
		return 0
	}
	return ghDefaultInterval
}

// The ECS TasksStopped waiter's defaults, from NewTasksStoppedWaiter in
// aws/aws-sdk-go-v2 service/ecs/api_op_DescribeTasks.go (generated code at
// commit 058d9848; releases before that had MaxDelay 120 s). TasksStopped is
// the AWS waiter closest to an Anchor execution: it waits for a run of a
// task to finish, where EC2's InstanceRunning waits for a machine to boot.
const (
	awsMinDelay = 6 * time.Second
	awsMaxDelay = 600 * time.Second
	// awsMaxWait is the maxWaitDur the benchmark passes to the waiter's
	// Wait, which requires one: two hours, longer than any execution of the
	// workloads, so the waiter never gives up on one.
	awsMaxWait = 2 * time.Hour
)

// awsTasksStoppedDelay is the delay of aws-sdk-go-v2's generated
// TasksStoppedWaiter.WaitForOutput after attempt n: it breaks out (gives up)
// once the remaining time is below MinDelay, else sleeps
// smithywaiter.ComputeDelay(attempt, MinDelay, MaxDelay, remainingTime).
// The waiter's remainingTime is maxWaitDur less the time spent in requests
// and sleeps, that is, less elapsed.
func awsTasksStoppedDelay(n int, elapsed time.Duration, r float64) time.Duration {
	remaining := awsMaxWait - elapsed
	if remaining < awsMinDelay || remaining <= 0 {
		return -1
	}
	return smithyComputeDelay(int64(n), awsMinDelay, awsMaxDelay, remaining, r)
}

// smithyComputeDelay is smithy-go's waiter.ComputeDelay (aws/smithy-go,
// waiter/waiter.go) line for line, with the random draw passed in: r in
// [0, 1) stands for rand.CryptoRandInt63n's uniform draw. The delay after
// attempt n is uniform in [minDelay, min(maxDelay, minDelay*2^(n-1))), exactly
// minDelay after the first attempt, then clamped so that at least minDelay of
// remainingTime is left. Where the original returns an error (a delay bound
// of 0) this returns 0.
func smithyComputeDelay(attempt int64, minDelay, maxDelay, remainingTime time.Duration, r float64) time.Duration {
	if attempt <= 0 || remainingTime <= 0 || minDelay == 0 || maxDelay == 0 {
		return 0
	}
	// Attempt ceiling to prevent integer overflow, as in the original.
	attemptCeiling := (math.Log(float64(maxDelay/minDelay)) / math.Log(2)) + 1
	var delay time.Duration
	if attempt > int64(attemptCeiling) {
		delay = maxDelay
	} else {
		delay = minDelay * time.Duration(int64(1)<<uint64(attempt-1))
	}
	if delay != minDelay {
		delay = time.Duration(int63n(int64(delay-minDelay), r)) + minDelay
	}
	if remainingTime-delay <= minDelay {
		delay = remainingTime - minDelay
	}
	return delay
}

// longrunning's Operation.Wait schedule: cloud.google.com/go/longrunning
// (googleapis/google-cloud-go longrunning/longrunning.go) sets
// DefaultWaitInterval = 60 s and waits with gax.Backoff{Initial: 1 s,
// Max: interval}, leaving Multiplier to Pause's default of 2. (gax's own
// default Max is 30 s; Operation.Wait overrides it.)
const (
	gcpInitial    = time.Second
	gcpMax        = 60 * time.Second
	gcpMultiplier = 0 // unset: Pause uses 2
)

// gcpOperationWaitDelay is the delay of longrunning's Operation.Wait after
// poll n: Poll, then sleep bo.Pause(), on a Backoff made for the wait.
func gcpOperationWaitDelay(n int, _ time.Duration, r float64) time.Duration {
	return gaxPause(n, gcpInitial, gcpMax, gcpMultiplier, r)
}

// gaxPause is what the nth call of Pause returns on a fresh gax-go v2
// Backoff{Initial: initial, Max: maxPause, Multiplier: mult}
// (googleapis/gax-go v2/call_option.go), with its defaults for zero fields
// (Initial 1 s, Max 30 s, Multiplier 2 when below 1). Pause draws "full
// jitter": a duration in [1ns, cur], where cur starts at Initial and is
// multiplied by Multiplier after each call, capped at Max. r in [0, 1)
// stands for rand.Int63n's draw.
func gaxPause(n int, initial, maxPause time.Duration, mult float64, r float64) time.Duration {
	if initial == 0 {
		initial = time.Second
	}
	if maxPause == 0 {
		maxPause = 30 * time.Second
	}
	if mult < 1 {
		mult = 2
	}
	cur := initial
	for i := 1; i < n && cur < maxPause; i++ {
		cur = time.Duration(float64(cur) * mult)
		if cur > maxPause {
			cur = maxPause
		}
	}
	return time.Duration(1 + int63n(int64(cur), r))
}

// azureDefaultFrequency is PollUntilDoneOptions.Frequency's default in
// Azure/azure-sdk-for-go sdk/azcore/runtime/poller.go.
const azureDefaultFrequency = 30 * time.Second

// azurePollUntilDoneDelay is azcore's runtime.Poller.PollUntilDone with nil
// options: Poll, and while not done, sleep Frequency (30 s) unless the
// response carries a Retry-After header, which the fake API never sends.
func azurePollUntilDoneDelay(int, time.Duration, float64) time.Duration {
	return azureDefaultFrequency
}

// int63n maps r in [0, 1) to [0, n), standing for rand.Int63n(n). It returns
// 0 for n <= 0, where rand.Int63n would panic.
func int63n(n int64, r float64) int64 {
	if n <= 0 || !(r >= 0) {
		return 0
	}
	v := int64(r * float64(n))
	return min(v, n-1)
}
