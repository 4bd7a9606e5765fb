package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// run --v2 starts a task with POST /v2/tasks/{taskId}/run and waits for the
// v2 runs it started, as run does for v1: through the command's one
// poller, --count starts at once up to --concurrency, "started run ID"
// on stderr as each has started, and a start that may have started a run
// said, never guessed at.

// check checks the start flags once every flag is parsed: the input names
// follow the rule of the API version that --v2 picks. v1 takes only names
// that start with ANCHOR_; v2 has no rule for names, so only what JSON
// would change is refused: an empty name (the flag's parser refuses it),
// and names and values that are not valid UTF-8.
func (o *startFlags) check() error {
	names := make([]string, 0, len(o.inputs))
	for name := range o.inputs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		switch {
		case !o.v2 && client.CheckInputName(name) != nil:
			return usagef("invalid --input %s: want ANCHOR_NAME=value: v1 input names start with ANCHOR_, such as ANCHOR_URL=https://example.com (with --v2, any name)", quoteValue(name))
		case o.v2 && !utf8.ValidString(name):
			return usagef("invalid --input %s: the name is not valid UTF-8: want NAME=value in UTF-8", quoteValue(name))
		case o.v2 && !utf8.ValidString(o.inputs[name]):
			return usagef("invalid --input %s: its value is not valid UTF-8: want NAME=value in UTF-8", quoteValue(name))
		}
	}
	return nil
}

// runStarter starts one v2 run of a task within the budget of the
// requests of the wait that follows. *poller.Poller is one.
type runStarter interface {
	StartV2(ctx context.Context, req client.RunTaskV2Request) (poller.StartedRun, error)
}

// startRunsV2 is startRuns for v2: it starts the task o.count times
// through s, up to concurrency starts at once, and writes "started run
// ID" to stderr as soon as each has started. The starts it returns name
// run IDs where startRuns names execution IDs.
func startRunsV2(ctx context.Context, s runStarter, o *startFlags, concurrency int, taskID string, stderr io.Writer) starts {
	req := client.RunTaskV2Request{TaskID: taskID, Version: o.taskVersion, Inputs: o.inputs}
	return startAll(ctx, o.count, concurrency, "run", stderr, func(ctx context.Context) (string, int, string, error) {
		st, err := s.StartV2(ctx, req)
		return st.RunID, st.Requests, "", err
	})
}

// newStartFailureV2 is newStartFailure for v2 starts: it says that a run,
// not an execution, may have started unseen.
func newStartFailureV2(ctx context.Context, st starts, taskID string, w *waiter) *startFailure {
	maybe := st.maybe
	st.maybe = 0 // the sentences about it are v2's own
	sf := newStartFailure(ctx, st, taskID, w.poll.timeout)
	sf.maybe = maybe
	if maybe > 0 && sf.code == exitInterrupted {
		sf.message = fmt.Sprintf("cannot start task %s (v2): interrupted while starting it", taskID)
	}
	switch {
	case maybe == 1:
		sf.message += "; a start request was out, so a v2 run may have started that is not waited for (its run ID is not known: see the task's runs in Anchor)"
	case maybe > 1:
		sf.message += fmt.Sprintf("; %d start requests were out, so v2 runs may have started that are not waited for (their run IDs are not known: see the task's runs in Anchor)", maybe)
	}
	return sf
}

// runTaskV2 is runTask for --v2: it starts the task as o says, then waits
// for the runs that started, all within ctx and through w's poller. A
// start that fails after others succeeded still waits for those (exit 4,
// or 3 when --timeout ran out while starting); on an interrupt it reports
// what was started, unwaited for, and exits 130.
func runTaskV2(ctx context.Context, w *waiter, o *startFlags) int {
	st := startRunsV2(ctx, w.poller, o, w.poll.concurrency, w.taskID, w.out.Stderr())
	w.startRequests = st.requests
	if o.state != "" {
		saveState(w.out, o.state, w.taskID, st.ids, true, o.count, time.Now())
	}
	if st.err == nil {
		_, code := w.waitRefs(ctx, runRefs(st.ids))
		return code
	}
	sf := newStartFailureV2(ctx, st, w.taskID, w)
	w.startFailure = sf
	w.out.errorf("%s", w.out.line(sf.message))
	if w.github != nil {
		w.out.annotate("anchor-wait could not start the task", sf.message)
	}
	switch {
	case sf.code == exitInterrupted:
		results := make([]result, len(st.ids))
		for i, id := range st.ids {
			results[i] = interruptedRunResult(w.taskID, id)
		}
		return w.reportResults(results, nil)
	case len(st.ids) == 0:
		return w.reportResults(nil, nil)
	}
	_, code := w.waitRefs(ctx, runRefs(st.ids))
	return code
}
