// Package anchorwait waits for Anchor Browser task executions to finish.
//
// Anchor runs a task asynchronously and hands back an execution ID; the only
// way to learn how it ended is to poll the execution until its status leaves
// queued and running. Wait does that for one execution and WaitAll for many:
//
//	exec, err := anchorwait.Wait(ctx, taskID, executionID)
//	switch {
//	case err == nil: // exec.Status is success; exec.Output holds the result
//	case errors.Is(err, poller.ErrUnsuccessful): // failure, timeout or cancelled
//	case errors.Is(err, context.DeadlineExceeded): // ctx ran out; exec is the last seen
//	default: // the API could not answer: unauthorized, not found, persistent errors
//	}
//
// Both use an API client built from the environment the official SDKs read
// (ANCHORBROWSER_API_KEY, and ANCHORBROWSER_BASE_URL when set), once, and
// shared by every call. Options from package poller tune the schedule,
// concurrency, rate and callbacks.
//
// To use a client of one's own (another key, a custom http.Client, the fake
// API of package client/anchortest), build a Poller over it:
//
//	c, err := client.New(key)
//	p, err := poller.New(c, poller.WithConcurrency(16))
//	exec, err := p.Wait(ctx, taskID, executionID)
//
// The work is done by three packages: client (the typed HTTP client), poller
// (the schedule, Wait and the WaitAll fan-out) and client/anchortest (a fake
// API for tests). The anchor-wait command brings the same to CI pipelines.
package anchorwait
