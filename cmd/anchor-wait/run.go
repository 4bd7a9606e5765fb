package main

import (
	"context"
	"time"

	"github.com/anchorwait/anchorwait/poller"
)

// runOptions are the options of run: start a task, then wait for it.
type runOptions struct {
	poll   pollFlags
	report reportFlags
	start  startFlags
	taskID string
}

func (o *runOptions) targets() flagTargets {
	return flagTargets{poll: &o.poll, report: &o.report, start: &o.start}
}

func (o *runOptions) setArgs(positional []string) error {
	switch {
	case len(positional) == 0:
		return usagef("no task ID: want %s", usageLine(cmdRun))
	case len(positional) > 1:
		return usagef("run takes one TASK_ID, got %d arguments: want %s", len(positional), usageLine(cmdRun))
	}
	o.taskID = positional[0]
	return nil
}

func runCommand() *commandDef {
	return bindCommand(commandDef{
		name: cmdRun,
		synopses: []synopsis{
			{"anchor-wait run [flags] TASK_ID", "start the task, then wait for it"},
			{"anchor-wait run --v2 [flags] TASK_ID", "start it with POST /v2/tasks/{taskId}/run, then wait for its runs"},
		},
		about: `anchor-wait run starts a task through POST /v1/task/run (async) and waits for the
executions it started. Their IDs go to stderr at once ("started execution ID"),
so a job that is killed still leaves them in its log (even with --quiet).
With --v2 it starts the task through POST /v2/tasks/{taskId}/run instead and waits for the
v2 runs it started ("started run ID"), as anchor-wait runs does; v2 input names need no
ANCHOR_ prefix.
`,
		examples: []string{
			"anchor-wait run TASK_ID",
			"anchor-wait run --version 3 --input ANCHOR_URL=https://example.com TASK_ID",
			"anchor-wait run --count 5 --output jsonl --junit report.xml TASK_ID",
			"anchor-wait run --v2 --input url=https://example.com TASK_ID",
		},
		flagsNote:   "(before or after TASK_ID)",
		environment: true,
		exitNote: `  A failure to start the task (after any execution it did start is waited for) exits 4,
  or 3 when it was --timeout running out; the JSON document ("error"), the JUnit report
  (a test case of its own) and the step summary say why. Interrupted while a start request
  was out, it says that an execution may have started.
`,
	}, runRun)
}

// checkWith checks the start flags once every flag is parsed (check),
// and refuses with --v2 the flags of a task's list in poll, which v2 runs
// do not have: taken silently, they would do nothing.
func (o *startFlags) checkWith(poll *pollFlags) error {
	if err := o.check(); err != nil || !o.v2 {
		return err
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"page-size", poll.pageSize != poller.DefaultPageSize},
		{"no-history", poll.noHistory},
		{"no-sweeps", poll.noSweeps},
	} {
		if f.set {
			return usagef("--%s does not apply to --v2: v2 has no list of runs to read; want --v2 without it", f.name)
		}
	}
	return nil
}

// openStart reads, within ctx, what run and start need before any
// request: the API key, the task ID (rawTask checked) and what --state
// holds (nil when the executions are to be started).
func (e *cliEnv) openStart(ctx context.Context, poll *pollFlags, start *startFlags, rawTask string) (key, taskID string, resumed *stateDoc, err error) {
	if key, err = e.apiKey(ctx, poll); err != nil {
		return "", "", nil, err
	}
	if taskID, err = parseID("task ID", "task", rawTask); err != nil {
		return "", "", nil, err
	}
	resumed, err = openState(ctx, start.state, taskID, start.v2)
	return key, taskID, resumed, err
}

// runRun is the run command.
func runRun(ctx context.Context, e *cliEnv, o *runOptions) int {
	start := time.Now()
	if err := o.report.check(); err != nil {
		return e.fail(err)
	}
	if err := o.poll.check(); err != nil {
		return e.fail(err)
	}
	if err := o.start.checkWith(&o.poll); err != nil {
		return e.fail(err)
	}
	// --timeout covers reading the key, starting and waiting.
	ctx, cancel := e.withTimeout(ctx, o.poll.timeout)
	defer cancel()
	key, taskID, resumed, err := e.openStart(ctx, &o.poll, &o.start, o.taskID)
	if err != nil {
		return e.fail(err)
	}
	w, err := e.newWaiter(key, taskID, &o.poll, &o.report, start)
	if err != nil {
		return e.fail(err)
	}
	defer w.close()
	if err := w.openReports(); err != nil {
		return e.fail(err)
	}
	if err := e.startWebhooks(ctx, w); err != nil {
		return e.fail(err)
	}
	if resumed != nil { // a re-run: wait for what the state names
		resumeNote(w.out, o.start.state, resumed)
		if resumed.v2() {
			_, code := w.waitRefs(ctx, runRefs(resumed.RunIDs))
			return code
		}
		_, code := w.waitFor(ctx, resumed.ExecutionIDs)
		return code
	}
	if o.start.v2 {
		return runTaskV2(ctx, w, &o.start)
	}
	return runTask(ctx, w, &o.start)
}

// runTask starts the task as o says, then waits for what started, all
// within ctx (which carries --timeout) and through w's poller, so starts
// and polls share one budget of requests. A start that fails after others
// succeeded still waits for those, and the exit code is then 4 (3 when
// --timeout ran out while starting). On an interrupt it reports what was
// started, unwaited for, and exits 130.
func runTask(ctx context.Context, w *waiter, o *startFlags) int {
	st := startRuns(ctx, w.poller, o, w.poll.concurrency, w.taskID, w.out.Stderr())
	w.startRequests = st.requests
	if o.state != "" {
		saveState(w.out, o.state, w.taskID, st.ids, false, o.count, time.Now())
	}
	if st.err == nil {
		_, code := w.waitFor(ctx, st.ids)
		return code
	}
	sf := newStartFailure(ctx, st, w.taskID, w.poll.timeout)
	w.startFailure = sf
	w.out.errorf("%s", w.out.line(sf.message))
	if w.github != nil {
		w.out.annotate("anchor-wait could not start the task", sf.message)
	}
	switch {
	case sf.code == exitInterrupted:
		results := make([]result, len(st.ids))
		for i, id := range st.ids {
			results[i] = interruptedResult(w.taskID, id)
		}
		return w.reportResults(results, nil)
	case len(st.ids) == 0:
		return w.reportResults(nil, nil)
	}
	_, code := w.waitFor(ctx, st.ids)
	return code
}
