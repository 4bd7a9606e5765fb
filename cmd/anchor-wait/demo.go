package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/client/anchortest"
)

// demoTaskID is the task of the demo's simulated executions.
const demoTaskID = "7a3c9e2b-5d41-4f8a-9b6c-0e1d2f3a4b5c"

// demoExecution is one simulated execution of the demo and the outcome it
// is meant to have.
type demoExecution struct {
	script anchortest.Script
	want   outcome
}

// demoPlan is what the demo runs: three executions that succeed within
// four seconds, one that fails, one slow one that succeeds after about
// eight seconds.
func demoPlan() []demoExecution {
	return []demoExecution{
		{anchortest.Succeed(300*time.Millisecond, 1200*time.Millisecond, `{"title":"Example Domain","links":1}`), outcomeSuccess},
		{anchortest.Succeed(600*time.Millisecond, 2500*time.Millisecond, `{"price":"19.99","currency":"USD"}`), outcomeSuccess},
		{anchortest.Succeed(400*time.Millisecond, 3500*time.Millisecond, `{"rows":42}`), outcomeSuccess},
		{anchortest.Fail(500*time.Millisecond, 4*time.Second, `timed out waiting for selector "#checkout"`), outcomeFailure},
		{anchortest.Succeed(time.Second, 7*time.Second, `{"report":"ready","pages":12}`), outcomeSuccess},
	}
}

// demoOptions are the options of demo.
type demoOptions struct {
	report reportFlags
}

func (o *demoOptions) targets() flagTargets { return flagTargets{report: &o.report} }

func (o *demoOptions) setArgs(positional []string) error { return noArgs(cmdDemo, positional) }

func demoCommand() *commandDef {
	return bindCommand(commandDef{
		name: cmdDemo,
		synopses: []synopsis{
			{"anchor-wait demo [flags]", "a self-contained demo on a built-in fake API; needs no key"},
		},
		about: `anchor-wait demo starts a fake Anchor Browser API on a loopback port, adds a few
simulated executions (some succeed, one fails, one is slow) and waits for them
through the same code path as a real run: real HTTP, progress and the summary.
It needs no API key and ends in about ten seconds. It exits 0 when the
demonstration ran as intended and says which exit code a real run with those
outcomes would have returned.
`,
		examples: []string{
			"go run ./cmd/anchor-wait demo",
			"anchor-wait demo --output json",
		},
		exitNote: "  For demo itself: 0 when the demonstration went as planned, 1 when it did not.\n",
	}, demoRun)
}

// demoPollFlags are the poll flags a real run would be given: the
// defaults, with short poll intervals, so the demo ends promptly.
func demoPollFlags() pollFlags {
	o := *defaultTargets().poll
	o.timeout = 30 * time.Second
	o.interval = 250 * time.Millisecond
	o.maxInterval = time.Second
	return o
}

// demoRun is the demo command: a fake API on a loopback port, a handful of
// simulated executions, and the same wait as a real run.
func demoRun(ctx context.Context, e *cliEnv, o *demoOptions) int {
	start := time.Now()
	if err := o.report.check(); err != nil {
		return e.fail(err)
	}
	stderr := e.out.Stderr()
	srv, err := anchortest.Listen("127.0.0.1:0")
	if err != nil {
		if srv, err = anchortest.Listen("[::1]:0"); err != nil {
			fmt.Fprintf(stderr, "anchor-wait demo: cannot start the fake API on a loopback port: %s\n", oneLine(err.Error()))
			return exitFailure
		}
	}
	defer srv.Close()
	e.out.addSecret(srv.APIKey())
	poll := demoPollFlags()
	ctx, cancel := e.withTimeout(ctx, poll.timeout)
	defer cancel()

	plan := demoPlan()
	ids := make([]string, len(plan))
	want := map[string]outcome{}
	for i, d := range plan {
		ids[i] = srv.AddExecution(demoTaskID, d.script)
		want[ids[i]] = d.want
	}
	c, err := newClient(srv.APIKey(), srv.URL)
	if err != nil {
		fmt.Fprintf(stderr, "anchor-wait demo: %s\n", oneLine(err.Error()))
		return exitFailure
	}
	w, err := e.waiterFor(demoTaskID, c, &poll, &o.report, start)
	if err != nil {
		return e.fail(err)
	}
	defer w.close()
	if err := w.openReports(); err != nil {
		return e.fail(err)
	}
	if !o.report.quiet {
		fmt.Fprintf(stderr, "anchor-wait demo: a fake Anchor Browser API is serving on %s (loopback only, no API key needed).\n", srv.URL)
		fmt.Fprintf(stderr, "It runs %d simulated executions of task %s: three succeed within 4s, one fails, one is slow (about 8s).\n", len(plan), demoTaskID)
		fmt.Fprintf(stderr, "Waiting for them as `anchor-wait %s ID...` would, polling over real HTTP:\n\n", demoTaskID)
	}
	results, code := w.waitFor(ctx, ids)
	if ctx.Err() != nil && !errors.Is(context.Cause(ctx), errWaitTimeout) {
		fmt.Fprintln(stderr, "anchor-wait demo: interrupted")
		return exitInterrupted
	}
	var wrong []string
	for _, r := range results {
		if r.outcome != want[r.ExecutionID] {
			wrong = append(wrong, fmt.Sprintf("%s ended %s, not %s", r.ExecutionID, r.outcome, want[r.ExecutionID]))
		}
	}
	reason := w.reason(code, outcomesOf(results), executions)
	if len(wrong) > 0 || code != exitFailure {
		fmt.Fprintf(stderr, "\nanchor-wait demo: the demonstration did not go as planned (a real run would exit %d: %s): %s\n",
			code, reason, strings.Join(wrong, "; "))
		return exitFailure
	}
	fmt.Fprintf(stderr, "\nanchor-wait demo: went as planned. A real run would exit %d: %s.\n", code, reason)
	fmt.Fprintf(stderr, "Try it for real: ANCHORBROWSER_API_KEY=... anchor-wait TASK_ID EXECUTION_ID (see anchor-wait --help).\n")
	return exitSuccess
}
