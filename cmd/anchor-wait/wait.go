package main

import (
	"context"
	"time"
)

// waitOptions are the options of the default command: wait for
// executions.
type waitOptions struct {
	poll        pollFlags
	report      reportFlags
	toolVersion bool // --version: print the version instead
	taskID      string
	execIDs     []string // as given; "-" reads more from stdin
}

func (o *waitOptions) targets() flagTargets {
	return flagTargets{poll: &o.poll, report: &o.report, toolVersion: &o.toolVersion}
}

func (o *waitOptions) setArgs(positional []string) error {
	const want = "want anchor-wait [flags] TASK_ID EXECUTION_ID... (or TASK_ID - to read the IDs from stdin)"
	switch {
	case len(positional) > 0 && commandWord(positional[0]):
		return mustComeFirst(positional[0])
	case o.toolVersion:
		return nil
	case len(positional) == 0:
		return usagef("no task ID: %s", want)
	case looksLikeCommand(positional[0]):
		return unknownCommand(positional[0])
	case len(positional) == 1:
		return usagef("no execution ID after the task ID: %s", want)
	}
	o.taskID, o.execIDs = positional[0], positional[1:]
	return nil
}

func waitCommand() *commandDef {
	return bindCommand(commandDef{
		name: cmdWait,
		synopses: []synopsis{
			{"anchor-wait [flags] TASK_ID EXECUTION_ID...", "wait for these executions"},
			{"anchor-wait [flags] TASK_ID -", "wait for the execution IDs on stdin (separated by white space;\non a terminal, end them with Ctrl-D)"},
		},
		about: `anchor-wait waits for Anchor Browser task executions to finish and turns their
outcome into an exit code, for CI pipelines. Results go to stdout, progress to stderr.
In the table, EXEC TIME is Anchor's executionTime and WAITED how long anchor-wait waited.
`,
		examples: []string{
			"export ANCHORBROWSER_API_KEY=...            # from the Anchor Browser dashboard",
			"anchor-wait TASK_ID EXECUTION_ID",
			"anchor-wait --timeout 10m --output json TASK_ID ID1 ID2 > results.json",
			"cat ids.txt | anchor-wait --junit report.xml TASK_ID -",
			"anchor-wait run --count 3 --input ANCHOR_URL=https://example.com TASK_ID",
		},
		flagsNote:   "(before or after the IDs)",
		environment: true,
	}, waitRun)
}

// waitRun is the default command: wait for the executions of the command
// line and stdin.
func waitRun(ctx context.Context, e *cliEnv, o *waitOptions) int {
	if o.toolVersion {
		return versionRun(ctx, e, &versionOptions{})
	}
	start := time.Now()
	if err := o.report.check(); err != nil {
		return e.fail(err)
	}
	if err := o.poll.check(); err != nil {
		return e.fail(err)
	}
	// --timeout covers reading the key and the IDs too: a producer that
	// never closes the pipe must not hang the job.
	ctx, cancel := e.withTimeout(ctx, o.poll.timeout)
	defer cancel()
	key, err := e.apiKey(ctx, &o.poll)
	if err != nil {
		return e.fail(err)
	}
	taskID, err := parseID("task ID", "task", o.taskID)
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
	w, err := e.newWaiter(key, taskID, &o.poll, &o.report, start)
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
	_, code := w.waitFor(ctx, ids)
	return code
}

// exampleID is a well-formed ID for messages and help.
const exampleID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
