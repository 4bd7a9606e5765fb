package main

import (
	"context"
	"time"

	"github.com/anchorwait/anchorwait/poller"
)

// execOptions are the options of exec: wait for executions known by their
// IDs alone.
type execOptions struct {
	poll    pollFlags
	report  reportFlags
	execIDs []string // as given; "-" reads more from stdin
}

func (o *execOptions) targets() flagTargets {
	return flagTargets{poll: &o.poll, report: &o.report}
}

func (o *execOptions) setArgs(positional []string) error {
	if len(positional) == 0 {
		return usagef("no execution ID: want %s (or - to read the IDs from stdin)", usageLine(cmdExec))
	}
	o.execIDs = positional
	return nil
}

func execCommand() *commandDef {
	return bindCommand(commandDef{
		name: cmdExec,
		synopses: []synopsis{
			{"anchor-wait exec [flags] EXECUTION_ID...", "wait for executions by their IDs alone, of any task"},
			{"anchor-wait exec [flags] -", "the same, with the execution IDs on stdin"},
		},
		about: `anchor-wait exec waits for executions known by their IDs alone, with
GET /v1/executions/{executionId}, which names the task of each: use it when you have
an execution ID but not its task's. The flags, results, reports and exit codes are those
of the wait for a task's executions; each result's taskId is the one the API names (null
until it answers).
`,
		examples: []string{
			"anchor-wait exec EXECUTION_ID",
			"anchor-wait exec --output json ID1 ID2 > results.json",
			"cat ids.txt | anchor-wait exec --junit report.xml -",
		},
		flagsNote:   "(before or after the IDs)",
		environment: true,
	}, execRun)
}

// execRun is the exec command: wait for the executions of the command line
// and stdin, by ID alone.
func execRun(ctx context.Context, e *cliEnv, o *execOptions) int {
	start := time.Now()
	if err := o.report.check(); err != nil {
		return e.fail(err)
	}
	if err := o.poll.check(); err != nil {
		return e.fail(err)
	}
	// --timeout covers reading the key, the secret and the IDs too.
	ctx, cancel := e.withTimeout(ctx, o.poll.timeout)
	defer cancel()
	key, err := e.apiKey(ctx, &o.poll)
	if err != nil {
		return e.fail(err)
	}
	for _, id := range o.execIDs {
		if id != stdinMarker {
			if _, err := parseID("execution ID", "execution", id); err != nil {
				return e.fail(err)
			}
		}
	}
	w, err := e.newWaiter(key, "", &o.poll, &o.report, start)
	if err != nil {
		return e.fail(err)
	}
	defer w.close()
	ids, err := executionIDs(ctx, o.execIDs, e.stdin, e.out.Stderr())
	if err != nil {
		return e.fail(err)
	}
	if err := w.openReports(); err != nil {
		return e.fail(err)
	}
	if err := e.startWebhooks(ctx, w); err != nil {
		return e.fail(err)
	}
	refs := make([]poller.Ref, len(ids))
	for i, id := range ids {
		refs[i] = poller.Ref{ExecutionID: id}
	}
	_, code := w.waitRefs(ctx, refs)
	return code
}
