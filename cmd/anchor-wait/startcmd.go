package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// startOptions are the options of start: start a task, and do not wait.
type startOptions struct {
	poll   pollFlags
	report reportFlags
	start  startFlags
	taskID string
}

func (o *startOptions) targets() flagTargets {
	return flagTargets{poll: &o.poll, report: &o.report, start: &o.start}
}

func (o *startOptions) setArgs(positional []string) error {
	switch {
	case len(positional) == 0:
		return usagef("no task ID: want %s", usageLine(cmdStart))
	case len(positional) > 1:
		return usagef("start takes one TASK_ID, got %d arguments: want %s", len(positional), usageLine(cmdStart))
	}
	o.taskID = positional[0]
	return nil
}

func startCommand() *commandDef {
	return bindCommand(commandDef{
		name: cmdStart,
		synopses: []synopsis{
			{"anchor-wait start [flags] TASK_ID", "start the task, print the execution IDs, do not wait"},
			{"anchor-wait start --v2 [flags] TASK_ID", "start it with POST /v2/tasks/{taskId}/run, print the run IDs"},
		},
		about: `anchor-wait start starts a task through POST /v1/task/run (async), as run does, prints
the IDs of the executions it started on stdout, one per line, and exits without waiting.
A later step waits for them with anchor-wait TASK_ID - (the IDs on stdin). In GitHub
Actions it also writes execution-ids= (the IDs, separated by spaces) and exit-code= to
$GITHUB_OUTPUT. With --state, a re-run of the job prints the IDs the file holds and
starts nothing. With --v2 it starts v2 runs and prints their run IDs (run-ids= in
$GITHUB_OUTPUT); anchor-wait runs - waits for them.
`,
		examples: []string{
			"anchor-wait start TASK_ID > ids.txt",
			"anchor-wait TASK_ID - < ids.txt",
			"anchor-wait start --count 5 --state anchor-state.json --input ANCHOR_URL=https://example.com TASK_ID",
			"anchor-wait start --output json TASK_ID",
			"anchor-wait start --v2 TASK_ID | anchor-wait runs -",
		},
		flagsNote:   "(before or after TASK_ID)",
		environment: true,
		exitNote: `  start exits 0 once every execution has started. When the API could not start one it
  exits 4 (3 when --timeout ran out, 2 when the API refused the request as invalid), and
  the IDs of those that did start are printed all the same.
`,
	}, startRun)
}

// startRun is the start command.
func startRun(ctx context.Context, e *cliEnv, o *startOptions) int {
	began := time.Now()
	if err := o.report.check(); err != nil {
		return e.fail(err)
	}
	if err := o.poll.check(); err != nil {
		return e.fail(err)
	}
	if err := o.start.checkWith(&o.poll); err != nil {
		return e.fail(err)
	}
	// --timeout covers reading the key and the state, and starting.
	ctx, cancel := e.withTimeout(ctx, o.poll.timeout)
	defer cancel()
	key, taskID, resumed, err := e.openStart(ctx, &o.poll, &o.start, o.taskID)
	if err != nil {
		return e.fail(err)
	}
	w, err := e.newWaiter(key, taskID, &o.poll, &o.report, began)
	if err != nil {
		return e.fail(err)
	}
	defer w.close()

	var st starts
	switch {
	case resumed != nil:
		resumeNote(e.out, o.start.state, resumed)
		st.ids = resumed.ids()
	case o.start.v2:
		st = startRunsV2(ctx, w.poller, &o.start, o.poll.concurrency, w.taskID, e.out.Stderr())
	default:
		st = startRuns(ctx, w.poller, &o.start, o.poll.concurrency, w.taskID, e.out.Stderr())
	}
	if resumed == nil && o.start.state != "" {
		saveState(e.out, o.start.state, w.taskID, st.ids, o.start.v2, o.start.count, time.Now())
	}
	rep := startReport{taskID: w.taskID, ids: st.ids, v2: o.start.v2, fromState: resumed != nil, code: exitSuccess}
	switch {
	case st.err != nil && o.start.v2:
		rep.failure = newStartFailureV2(ctx, st, w.taskID, w)
	case st.err != nil:
		rep.failure = newStartFailure(ctx, st, w.taskID, o.poll.timeout)
	}
	if st.err != nil {
		rep.code = rep.failure.code
		e.out.errorf("%s", e.out.line(rep.failure.message))
		if w.github != nil {
			e.out.annotate("anchor-wait could not start the task", rep.failure.message)
		}
	}
	return rep.write(e.out, w, o.report.output, time.Since(began))
}

// startReport is what start reports: the executions it started, or that
// --state named.
type startReport struct {
	taskID    string
	ids       []string
	v2        bool          // the IDs are of v2 runs
	fromState bool          // the IDs come from --state: nothing was started
	failure   *startFailure // nil when every start succeeded
	code      int
}

// write writes the report where it goes and returns the exit code: the
// step summary first, then stdout, then the step outputs (whose exit-code=
// is the one the command exits with), then a closing line on stderr.
func (r *startReport) write(o *output, w *waiter, format string, elapsed time.Duration) int {
	code := o.finalCode(r.code)
	if w.github != nil && w.github.summary != nil {
		o.writeReport(w.github.summary, r.summary(o, code))
		code = o.finalCode(code)
	}
	r.writeStdout(o, o.Stdout(), format, code)
	code = o.finalCode(code)
	if w.github != nil && w.github.outputs != nil {
		o.writeReport(w.github.outputs, startOutputs(r.ids, r.v2, code))
		code = o.finalCode(code)
	}
	if w.progress.mode != progressOff {
		verb := "started"
		if r.fromState {
			verb = "resumed from --state"
		}
		fmt.Fprintf(o.Stderr(), "%s %s of task %s in %s; exit %d: %s\n", verb, r.what(), r.taskID, clock(elapsed), code, r.reason(o, code))
	}
	return code
}

// reason says why the exit code is code.
func (r *startReport) reason(o *output, code int) string {
	switch {
	case code == exitWriteError:
		return "could not write " + o.failureText()
	case r.failure != nil && r.failure.code == code:
		return r.failure.reason()
	case code == exitSuccess && r.fromState && r.v2:
		return "the runs had been started before"
	case code == exitSuccess && r.fromState:
		return "the executions had been started before"
	case code == exitSuccess && r.v2:
		return "every run started"
	case code == exitSuccess:
		return "every execution started"
	case code == exitInterrupted:
		return "interrupted while writing the reports"
	}
	return statusWord(code)
}

// writeStdout writes the IDs in format: text is one ID per line; json the
// document {"taskId":…,"executionIds":[…],"fromState":false,"exitCode":N}
// ("runIds" with --v2) with "error" when a start failed; jsonl one
// {"taskId":…,"executionId":…} line per execution ("runId" with --v2).
func (r *startReport) writeStdout(o *output, w io.Writer, format string, code int) error {
	var b strings.Builder
	switch format {
	case formatJSON:
		ids := r.ids
		if ids == nil {
			ids = []string{}
		}
		doc := struct {
			TaskID       string    `json:"taskId"`
			ExecutionIDs *[]string `json:"executionIds,omitempty"`
			RunIDs       *[]string `json:"runIds,omitempty"` // --v2
			FromState    bool      `json:"fromState"`
			ExitCode     int       `json:"exitCode"`
			Error        *string   `json:"error,omitempty"`
		}{TaskID: r.taskID, FromState: r.fromState, ExitCode: code}
		if r.v2 {
			doc.RunIDs = &ids
		} else {
			doc.ExecutionIDs = &ids
		}
		if r.failure != nil {
			doc.Error = &r.failure.message
		}
		js, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		b.Write(o.json(js))
		b.WriteByte('\n')
	case formatJSONL:
		for _, id := range r.ids {
			line := map[string]string{"taskId": r.taskID, "executionId": id}
			if r.v2 {
				line = map[string]string{"taskId": r.taskID, "runId": id}
			}
			js, err := json.Marshal(line)
			if err != nil {
				return err
			}
			b.Write(o.json(js))
			b.WriteByte('\n')
		}
	default:
		for _, id := range r.ids {
			b.WriteString(id + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// summary is the Markdown start appends to $GITHUB_STEP_SUMMARY: what it
// started, and why it could not start the rest.
func (r *startReport) summary(o *output, code int) string {
	var b strings.Builder
	mark, what := "✅", "started "+r.what()
	if r.fromState {
		what = r.what() + " started before (from --state), none started now"
	}
	if code != exitSuccess {
		mark = "❌"
	}
	fmt.Fprintf(&b, "### %s anchor-wait start: %s\n\n", mark, markdownText(what))
	fmt.Fprintf(&b, "Task `%s`, exit code %d.\n\n", r.taskID, code)
	if r.failure != nil {
		fmt.Fprintf(&b, "Could not start the task: %s\n\n", o.markdownCell(r.failure.message, 500))
	}
	for _, id := range r.ids {
		fmt.Fprintf(&b, "- `%s`\n", id)
	}
	if len(r.ids) > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

// what says what r names: "one execution", "3 v2 runs".
func (r *startReport) what() string {
	if r.v2 {
		return v2Runs(len(r.ids))
	}
	return executions(len(r.ids))
}

// startOutputs are the step outputs start writes to $GITHUB_OUTPUT: the
// IDs, separated by spaces (run-ids= for v2 runs, else execution-ids=),
// and the exit code.
func startOutputs(ids []string, v2 bool, code int) string {
	name := "execution-ids"
	if v2 {
		name = "run-ids"
	}
	return fmt.Sprintf("%s=%s\nexit-code=%d\n", name, strings.Join(ids, " "), code)
}
