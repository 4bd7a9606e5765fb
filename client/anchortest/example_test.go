package anchortest_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

const taskID = "550e8400-e29b-41d4-a716-446655440000"

// A server with no options accepts any task: POST /v1/task/run starts an
// execution that is queued for a second, runs for three, then succeeds.
func ExampleNewServer() {
	s := anchortest.NewServer()
	defer s.Close()
	c := s.Client()
	ctx := context.Background()

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
	fmt.Println(run.Success, run.Async, exec.Status)
	// Output: true true queued
}

// A Script says what an execution reports over time; a Fault makes chosen
// requests fail. Here the first request is rate limited, and the client
// retries after the wait the server asks for.
func ExampleServer_AddExecution() {
	s := anchortest.NewServer()
	defer s.Close()
	id := s.AddExecution(taskID, anchortest.Script{
		Steps: []anchortest.Step{
			{At: 0, Status: client.StatusRunning},
			{At: 0, Status: client.StatusSuccess, Output: new("42 pages checked")},
		},
		Faults: []anchortest.Fault{
			{ToRequest: 1, Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After-Ms": {"10"}}},
		},
	})

	exec, err := s.Client().GetExecution(context.Background(), taskID, id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(exec.Status, *exec.Output)
	for _, r := range s.RequestsFor(id) {
		fmt.Println(r.Seq, r.Status, r.Fault)
	}
	// Output:
	// success 42 pages checked
	// 1 429 true
	// 2 200 false
}

// The common timelines have constructors. An in-memory server needs no
// socket; inside a testing/synctest bubble its clock is the bubble's, so a
// test can wait through an hour-long script in milliseconds.
func ExampleNewInMemoryServer() {
	s := anchortest.NewInMemoryServer()
	defer s.Close()
	id := s.AddExecution(taskID, anchortest.Succeed(time.Minute, time.Hour, "done"))

	exec, err := s.Client().GetExecution(context.Background(), taskID, id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(exec.Status, exec.ExecutionTime == nil)
	// Output: queued true
}

// A server that answers a great many requests, in a load test or a
// long-running fake, can keep no request records at all: Stats and
// RequestCountFor still count every request.
func ExampleWithRecordLimit() {
	s := anchortest.NewServer(anchortest.WithRecordLimit(0))
	defer s.Close()
	id := s.AddExecution(taskID, anchortest.Succeed(0, 0, "done"))
	c := s.Client()
	for range 3 {
		if _, err := c.GetExecution(context.Background(), taskID, id); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(len(s.Requests()), s.Stats().Requests, s.RequestCountFor(id))
	// Output: 0 3 3
}
