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
	began := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	// The polls of a wait that starts with the execution, by the
	// execution's age: 4 s, then each 55 % older, never more than 30 s
	// apart. (r is the random number for jitter: 0 leaves the delay whole.)
	now := began
	var ages []string
	for range 10 {
		ages = append(ages, now.Sub(began).Round(time.Millisecond).String())
		now = now.Add(p.NextPoll(poller.Moment{Now: now, Started: began, Began: began}, 0).Wait)
	}
	fmt.Println(ages)

	// A wait that attaches to an execution ten minutes old starts at the
	// cap, not at 4 s.
	late := began.Add(10 * time.Minute)
	fmt.Println(p.NextPoll(poller.Moment{Now: late, Started: late, Began: began}, 0).Wait)

	// What the task's history says (most runs take 40 s to 60 s) lets a
	// running execution sleep until the window, then poll it densely.
	est := poller.Estimate{Low: 40 * time.Second, High: 60 * time.Second}
	m := poller.Moment{Now: began.Add(20 * time.Second), Started: began, Began: began, Running: began, Estimate: est}
	fmt.Println(p.NextPoll(m, 0).Wait)

	// With a deadline, the poll that would cross it moves to just before it;
	// and a server's Retry-After is never undercut, even if it leaves no poll.
	m = poller.Moment{Now: began.Add(50 * time.Second), Started: began, Began: began, Deadline: began.Add(time.Minute)}
	fmt.Printf("%+v\n", p.NextPoll(m, 0))
	m.RetryAfter = 20 * time.Second
	fmt.Printf("%+v\n", p.NextPoll(m, 0))
	// Output:
	// [0s 4s 6.2s 9.61s 14.896s 23.088s 35.786s 55.469s 1m25.469s 1m55.469s]
	// 30s
	// 20s
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
	// poller: poll policy: jitter 1.5: must be in [0, 1) (0.1 means up to 10% shorter)
}
