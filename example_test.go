package anchorwait_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anchorwait/anchorwait"
	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/poller"
)

// exampleTask is the ID of the task the examples wait on.
const exampleTask = "3f1c0b1e-6a0d-4c6e-9a55-2f4f1b7d9c10"

// exampleFake returns the fake Anchor API that ANCHORBROWSER_API_KEY and
// ANCHORBROWSER_BASE_URL point at in these examples (TestMain sets them, as
// a CI job would set them for the real API).
func exampleFake() *anchortest.Server { return envFake }

func ExampleWait() {
	fake := exampleFake()
	execID := fake.AddExecution(exampleTask, anchortest.Succeed(0, 200*time.Millisecond, `{"title":"Example Domain"}`))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	exec, err := anchorwait.Wait(ctx, exampleTask, execID)
	if err != nil {
		fmt.Println("wait:", err)
		return
	}
	fmt.Println(exec.Status, *exec.Output)
	// Output: success {"title":"Example Domain"}
}

func ExampleWait_outcomes() {
	fake := exampleFake()
	execID := fake.AddExecution(exampleTask, anchortest.Fail(0, 100*time.Millisecond, "login form not found"))

	_, err := anchorwait.Wait(context.Background(), exampleTask, execID)
	var unsuccessful *poller.UnsuccessfulError
	switch {
	case err == nil:
		fmt.Println("succeeded")
	case errors.As(err, &unsuccessful):
		fmt.Printf("ended %s: %s\n", unsuccessful.Status, unsuccessful.ErrorMessage)
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Println("still running when our time ran out")
	default:
		fmt.Println("the API could not tell:", err)
	}
	// Output: ended failure: login form not found
}

func ExampleWaitAll() {
	fake := exampleFake()
	refs := []anchorwait.Ref{
		{TaskID: exampleTask, ExecutionID: fake.AddExecution(exampleTask, anchortest.Succeed(0, 100*time.Millisecond, "ok"))},
		{TaskID: exampleTask, ExecutionID: fake.AddExecution(exampleTask, anchortest.Fail(0, 0, "captcha wall"))},
		{TaskID: exampleTask, ExecutionID: fake.AddExecution(exampleTask, anchortest.Finish(client.StatusTimeout, 0, 0))},
	}

	results, err := anchorwait.WaitAll(context.Background(), refs)
	for i, r := range results {
		fmt.Printf("%d: %s (error: %v)\n", i, r.Status(), r.Err != nil)
	}
	fmt.Println("all succeeded:", err == nil, "- some unsuccessful:", errors.Is(err, poller.ErrUnsuccessful))
	// Output:
	// 0: success (error: false)
	// 1: failure (error: true)
	// 2: timeout (error: true)
	// all succeeded: false - some unsuccessful: true
}

func ExampleWaitAll_options() {
	fake := exampleFake()
	execID := fake.AddExecution(exampleTask, anchortest.Succeed(0, 300*time.Millisecond, "done"))

	_, err := anchorwait.WaitAll(context.Background(), []anchorwait.Ref{{TaskID: exampleTask, ExecutionID: execID}},
		poller.WithInitialInterval(100*time.Millisecond), // poll after 100ms, 150ms, 225ms, ...
		poller.WithMaxInterval(5*time.Second),            // ... but never wait more than 5s, jitter included
		poller.WithJitter(0.1),                           // spread each delay by ±10%
		poller.WithConcurrency(16),                       // at most 16 requests in flight
		poller.WithRate(50),                              // and at most 50 a second
		poller.WithFailFast(true),                        // stop all at the first failure
		poller.WithOnUpdate(func(u poller.Update) {
			if u.Kind == poller.UpdateStatusChange {
				fmt.Println("now", u.Status)
			}
		}),
	)
	fmt.Println("error:", err)
	// Output:
	// now running
	// now success
	// error: <nil>
}

func ExampleWaitRun() {
	fake := exampleFake()
	runID := fake.AddRun(exampleTask, anchortest.Succeed(0, 100*time.Millisecond, `{"title":"Example Domain"}`))

	run, err := anchorwait.WaitRun(context.Background(), runID)
	if err != nil {
		fmt.Println("wait:", err)
		return
	}
	fmt.Println(run.Status, string(run.Result))
	// Output: success {"title":"Example Domain"}
}

func ExampleWaitExecution() {
	fake := exampleFake()
	execID := fake.AddExecution(exampleTask, anchortest.Succeed(0, 100*time.Millisecond, "done"))

	// No task ID needed: the answer names it.
	exec, err := anchorwait.WaitExecution(context.Background(), execID)
	if err != nil {
		fmt.Println("wait:", err)
		return
	}
	fmt.Println(exec.Status, exec.TaskID == exampleTask)
	// Output: success true
}
