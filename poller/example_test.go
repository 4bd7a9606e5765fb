package poller_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/poller"
)

// The schedule is one pure function: given what a wait knows, it says when
// to poll next. The Poller calls it after every request; so can a test.
func ExamplePolicy_NextPoll() {
	p := poller.DefaultPolicy()
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var waits []time.Duration
	for n := 1; n <= 11; n++ {
		// r = 0.5 is no jitter; r in [0, 1) spreads each delay by ±20 %.
		waits = append(waits, p.NextPoll(poller.Moment{Now: start, Started: start, Requests: n}, 0.5).Wait)
	}
	fmt.Println(waits)
	// The delays stop growing at 25s, so that no jittered delay is above the
	// max interval, 30s.
	fmt.Println(p.NextPoll(poller.Moment{Now: start, Started: start, Requests: 20}, 0.999).Wait)

	// With a deadline, the poll that would cross it moves to just before it.
	deadline := start.Add(time.Minute) // the last poll may land at 59s
	now := start.Add(50 * time.Second)
	m := poller.Moment{Now: now, Started: start, Deadline: deadline, Requests: 9}
	fmt.Printf("%+v\n", p.NextPoll(m, 0.5))
	// A server's Retry-After is never undercut, even if it leaves no poll.
	m.RetryAfter = 20 * time.Second
	fmt.Printf("%+v\n", p.NextPoll(m, 0.5))
	// Output:
	// [1s 1.5s 2.25s 3.375s 5.0625s 7.59375s 11.390625s 17.0859375s 25s 25s 25s]
	// 29.99s
	// {Wait:9s Final:true None:false}
	// {Wait:0s Final:false None:true}
}

func ExamplePoller_WaitAll() {
	const task = "3f1c0b1e-6a0d-4c6e-9a55-2f4f1b7d9c10"
	fake := anchortest.NewInMemoryServer()
	defer fake.Close()
	refs := []poller.Ref{
		{TaskID: task, ExecutionID: fake.AddExecution(task, anchortest.Succeed(0, 50*time.Millisecond, "ok"))},
		{TaskID: task, ExecutionID: fake.AddExecution(task, anchortest.Fail(0, 0, "captcha wall"))},
	}

	p, err := poller.New(fake.Client(), // any Getter: here a client of the fake API
		poller.WithInitialInterval(20*time.Millisecond),
		poller.WithConcurrency(4),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	results, err := p.WaitAll(context.Background(), refs)
	for i, r := range results {
		fmt.Println(i, r.Status(), r.Err != nil)
	}
	fmt.Println(err != nil)
	// Output:
	// 0 success false
	// 1 failure true
	// true
}

// Wait for one execution with a poller over a client of your own: here the
// fake API's. New refuses bad option values, naming them.
func ExamplePoller_Wait() {
	fake := anchortest.NewServer()
	defer fake.Close()
	const task = "550e8400-e29b-41d4-a716-446655440000"
	id := fake.AddExecution(task, anchortest.Fail(0, 200*time.Millisecond, "selector #buy not found"))

	p, err := poller.New(fake.Client(), poller.WithInitialInterval(100*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exec, err := p.Wait(ctx, task, id)
	var unsuccessful *poller.UnsuccessfulError
	if errors.As(err, &unsuccessful) {
		fmt.Println(exec.Status, unsuccessful.ErrorMessage)
	}

	_, err = poller.New(fake.Client(), poller.WithJitter(1.5))
	fmt.Println(err)
	// Output:
	// failure selector #buy not found
	// poller: poll policy: jitter 1.5: must be in [0, 1) (0.2 means ±20%)
}
