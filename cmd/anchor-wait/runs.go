package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// runsOptions are the options of runs: wait for v2 runs.
type runsOptions struct {
	poll   pollFlags
	report reportFlags
	runIDs []string // as given; "-" reads more from stdin
}

func (o *runsOptions) targets() flagTargets {
	return flagTargets{poll: &o.poll, report: &o.report}
}

func (o *runsOptions) setArgs(positional []string) error {
	if len(positional) == 0 {
		return usagef("no run ID: want %s (or - to read the IDs from stdin)", usageLine(cmdRuns))
	}
	o.runIDs = positional
	return nil
}

func runsCommand() *commandDef {
	return bindCommand(commandDef{
		name: cmdRuns,
		synopses: []synopsis{
			{"anchor-wait runs [flags] RUN_ID...", "wait for these v2 runs"},
			{"anchor-wait runs [flags] -", "the same, with the run IDs on stdin"},
		},
		about: `anchor-wait runs waits for v2 task runs, with GET /v2/tasks/runs/{runId}/status.
A run is waited for as an execution is, with the same flags, reports and exit codes; its
result object is its output (as JSON text) and its error its error message. A run reports no
start time, execution time or version: they are null in the JSON (whose notReported says
so), EXEC TIME is -, and the poll schedule counts a run's age from the start of the wait.
A run ID is 1 to 128 characters of A-Z, a-z, 0-9, - and _, matched as given (case counts).
`,
		examples: []string{
			"anchor-wait runs RUN_ID",
			"anchor-wait runs --output jsonl RUN_ID1 RUN_ID2",
			"anchor-wait run --v2 --input url=https://example.com TASK_ID   # start one and wait",
		},
		flagsNote:   "(before or after the IDs)",
		environment: true,
	}, runsRun)
}

// runsRun is the runs command: wait for the v2 runs of the command line
// and stdin.
func runsRun(ctx context.Context, e *cliEnv, o *runsOptions) int {
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
	for _, id := range o.runIDs {
		if id != stdinMarker {
			if _, err := parseRunID(id); err != nil {
				return e.fail(err)
			}
		}
	}
	w, err := e.newWaiter(key, "", &o.poll, &o.report, start)
	if err != nil {
		return e.fail(err)
	}
	defer w.close()
	ids, err := runIDs(ctx, o.runIDs, e.stdin, e.out.Stderr())
	if err != nil {
		return e.fail(err)
	}
	if err := w.openReports(); err != nil {
		return e.fail(err)
	}
	if err := e.startWebhooks(ctx, w); err != nil {
		return e.fail(err)
	}
	_, code := w.waitRefs(ctx, runRefs(ids))
	return code
}

// runRefs are the poller's refs of the v2 runs ids.
func runRefs(ids []string) []poller.Ref {
	refs := make([]poller.Ref, len(ids))
	for i, id := range ids {
		refs[i] = poller.Ref{RunID: id}
	}
	return refs
}

// exampleRunID is a well-formed run ID for messages.
const exampleRunID = "run_8Kf3x2Qa9Lm"

// runIDWant says what a run ID is.
var runIDWant = fmt.Sprintf("1 to %d characters of A-Z, a-z, 0-9, - and _, such as %s", client.MaxRunIDLen, exampleRunID)

// parseRunID returns id checked, as client.ParseRunID says; the error
// quotes id as quoteValue does and matches client.ErrInvalidID.
func parseRunID(id string) (string, error) {
	canon, err := client.ParseRunID(id)
	if err != nil {
		return "", &usageError{msg: fmt.Sprintf("run ID %s is not a v2 run ID: want %s (the run_id that POST /v2/tasks/{taskId}/run answers)", quoteValue(id), runIDWant), err: err}
	}
	return canon, nil
}

// runsStdinHint is written to stderr when the run IDs are read from a
// terminal.
const runsStdinHint = "reading run IDs from stdin; end with Ctrl-D\n"

// runIDSyntax is the syntax of v2 run IDs on stdin: matched as given
// (case counts).
var runIDSyntax = idSyntax{
	noun:  "run IDs",
	parse: client.ParseRunID,
	bad: func(line int, word string) string {
		return fmt.Sprintf("stdin line %d: %s is not a v2 run ID: want run IDs (%s) separated by white space", line, quoteValue(word), runIDWant)
	},
	none: fmt.Sprintf("no run IDs on stdin: want run IDs (%s) separated by white space", runIDWant),
}

// runIDs returns the run IDs of the command line: args, or the IDs on
// stdin where args hold "-"; checked and kept once each.
func runIDs(ctx context.Context, args []string, stdin io.Reader, stderr io.Writer) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	fromStdin := false
	for _, a := range args {
		if a == stdinMarker {
			if fromStdin {
				return nil, usagef("- is given twice: want it once, to read run IDs from stdin")
			}
			fromStdin = true
			continue
		}
		id, err := parseRunID(a)
		if err != nil {
			return nil, err
		}
		add(id)
	}
	if fromStdin {
		if isTerminal(stdin) {
			io.WriteString(stderr, runsStdinHint)
		}
		read, err := readIDs(ctx, stdin, runIDSyntax)
		if err != nil {
			return nil, err
		}
		for _, id := range read {
			add(id)
		}
	}
	return ids, nil
}
