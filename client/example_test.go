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
