// Command anchor-wait waits for Anchor Browser task executions to finish and
// turns their outcome into an exit code, for CI pipelines.
//
// Usage:
//
//	anchor-wait [flags] TASK_ID EXECUTION_ID...   wait for these executions
//	anchor-wait [flags] TASK_ID -                 execution IDs from stdin
//	anchor-wait run [flags] TASK_ID               start the task and wait for it
//	anchor-wait run --v2 [flags] TASK_ID          start it with v2 and wait for the runs
//	anchor-wait start [flags] TASK_ID             start the task, print the IDs, do not wait
//	anchor-wait exec [flags] EXECUTION_ID... | -  wait for executions by ID alone
//	anchor-wait runs [flags] RUN_ID... | -        wait for v2 runs
//	anchor-wait demo                              a self-contained demo on a fake API
//	anchor-wait help [COMMAND]                    the help of a command
//	anchor-wait version                           the version
//
// Results go to stdout (a table, a JSON document, or one JSON line per
// execution as it finishes); progress goes to stderr. The exit code says how
// the executions ended: 0 all succeeded, 1 one failed, 5 one timed out on
// Anchor's side, 6 one was cancelled, 3 --timeout ran out first, 7 one kept
// its status past --stall, 4 the API could not answer, 8 the results could
// not be written, 2 bad usage (nothing was sent), 130 interrupted. Run
// anchor-wait --help for the flags and the full table.
//
// run and start take --state FILE: the IDs they start are written there
// before any wait, and a re-run with the same FILE waits for those instead
// of starting new executions. --output-dir DIR keeps each whole output in
// DIR/ID.output (and error message in DIR/ID.error).
//
// The API key comes from ANCHORBROWSER_API_KEY or --api-key-file and is never
// printed. With --webhook-listen ADDR, a wait command also receives Anchor's
// webhook events while it waits (webhook.go): each verified event makes the
// waits it names due at once, and polls become a safety net.
//
// The code follows the model of gh: each command has its options type and
// its run function in a file named for it (wait.go, run.go, startcmd.go,
// exec.go, runs.go, demo.go, help.go, version.go; run --v2 is runv2.go),
// listed in the command table (commands.go); every
// flag is a row of the flag table (flags.go), which defines the flag sets
// and the flags section of --help; the exit codes are a table too
// (exitcode.go). Everything the command writes goes through one output
// layer (output.go), which redacts it, and whose seams (safe.go) neutralize
// the server's text with internal/safetext for where it is written. One
// poller.Poller makes every request of a command, starts included
// (waiter.go, start.go); --state is state.go, --stall stall.go,
// --output-dir outputdir.go; resultOf (result.go) is the only place a
// poller.Result becomes the command's result (kinds.go says how an
// execution by ID and a v2 run differ from a task's execution), and
// pollerOptions
// (waiter.go) the only place flags become poller options.
package main
