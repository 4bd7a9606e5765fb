package client_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// Build a client from the environment the official SDKs read. Here the
// environment points at a fake API on loopback.
func ExampleNewFromEnv() {
	fake := anchortest.NewServer()
	defer fake.Close()
	env := map[string]string{
		client.EnvAPIKey:  fake.APIKey(),
		client.EnvBaseURL: fake.URL,
	}
	c, err := client.NewFromEnv(func(k string) string { return env[k] })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.BaseURL() == fake.URL)

	_, err = client.NewFromEnv(func(string) string { return "" })
	fmt.Println(err)
	// Output:
	// true
	// no API key: set ANCHORBROWSER_API_KEY to your Anchor Browser API key
}

// New refuses a base URL that would send the key in clear text.
func ExampleNew() {
	_, err := client.New("my-key", client.WithBaseURL("http://api.example.com"))
	fmt.Println(errors.Is(err, client.ErrInsecureURL))
	fmt.Println(err)
	// Output:
	// true
	// insecure base URL "http://api.example.com": the API key is sent only over https, or over http to a loopback address (localhost, 127.0.0.1, ::1)
}

// Start a task asynchronously and read its execution once. Waiting until it
// finishes is package poller's job.
func ExampleClient_GetExecution() {
	fake := anchortest.NewServer(anchortest.WithTemplate(anchortest.Succeed(0, 0, `{"title":"Example Domain"}`)))
	defer fake.Close()
	c := fake.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	const taskID = "550e8400-e29b-41d4-a716-446655440000"
	run, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskID, Async: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	exec, err := c.GetExecution(ctx, taskID, run.ExecutionResultID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(exec.Status, exec.Status.Terminal(), *exec.Output)

	_, err = c.GetExecution(ctx, taskID, "not-an-id")
	fmt.Println(errors.Is(err, client.ErrInvalidID))

	_, err = c.GetExecution(ctx, taskID, "00000000-0000-4000-8000-000000000000")
	fmt.Println(errors.Is(err, client.ErrNotFound))
	// Output:
	// success true {"title":"Example Domain"}
	// true
	// true
}

// Read an execution by its ID alone: no task ID needed, and the answer
// also says which task it belongs to and what inputs it ran with.
func ExampleClient_GetExecutionByID() {
	fake := anchortest.NewServer(anchortest.WithTemplate(anchortest.Succeed(0, 0, "done")))
	defer fake.Close()
	c := fake.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	const taskID = "550e8400-e29b-41d4-a716-446655440000"
	run, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskID, Async: true, Inputs: map[string]string{"ANCHOR_URL": "https://example.com"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	exec, err := c.GetExecutionByID(ctx, run.ExecutionResultID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(exec.TaskID == taskID, exec.Status, *exec.Output, string(exec.Inputs))
	// Output: true success done {"ANCHOR_URL":"https://example.com"}
}

// Start a v2 run and poll it. A run's ID is not a UUID; GetRun refuses,
// without sending anything, one that is not a safe path segment.
func ExampleClient_RunTaskV2() {
	fake := anchortest.NewServer(anchortest.WithTemplate(anchortest.Succeed(0, 0, `{"title":"Example Domain"}`)))
	defer fake.Close()
	c := fake.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	run, err := c.RunTaskV2(ctx, client.RunTaskV2Request{
		TaskID: "550e8400-e29b-41d4-a716-446655440000",
		Inputs: map[string]string{"url": "https://example.com"}, // v2 has no ANCHOR_ prefix rule
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := c.GetRun(ctx, run.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.ID == run.ID, got.Status, got.Status.Terminal(), string(got.Result))

	_, err = c.GetRun(ctx, "../../v1/task/run")
	fmt.Println(errors.Is(err, client.ErrInvalidID))
	// Output:
	// true success true {"title":"Example Domain"}
	// true
}

// Poll a v2 run. AsExecution gives the Execution view of it, for code
// written to wait on executions.
func ExampleClient_GetRun() {
	fake := anchortest.NewServer()
	defer fake.Close()
	runID := fake.AddRun("550e8400-e29b-41d4-a716-446655440000", anchortest.Fail(0, 0, "login page changed"))
	c := fake.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	run, err := c.GetRun(ctx, runID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(run.Status, *run.Error)
	exec := run.AsExecution()
	fmt.Println(exec.ID == runID, exec.Status.Terminal(), *exec.ErrorMessage)
	// Output:
	// failure login page changed
	// true true login page changed
}
