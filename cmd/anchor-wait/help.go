package main

import (
	"runtime"
	"runtime/debug"
)

// exitCodeHelp is the exit code table, shown by every --help.
const exitCodeHelp = `Exit codes (with several executions, the first row that applies wins):
  2    usage: bad flag, bad ID, missing API key; no request was sent
  130  interrupted (SIGINT/SIGTERM) before every execution finished; what is known is printed
  4    the API could not answer for at least one execution (not found, unauthorized, persistent errors,
       or no status at all before --timeout ran out)
  3    --timeout ran out with at least one execution still queued or running
  1    at least one execution ended failure
  5    at least one execution ended timeout (Anchor's own limit, not --timeout)
  6    at least one execution ended cancelled
  0    every execution ended success
`

// waitFlagsHelp lists the flags shared by the wait and run commands.
const waitFlagsHelp = `  --timeout DURATION       stop waiting after this long (default 30m; 0 means no limit)
  --interval DURATION      delay after the first poll; each later one is 1.5 times the last
                           (default 1s; at least 10ms)
  --max-interval DURATION  longest delay between polls, jitter included (default 30s; at least 10ms)
  --concurrency N          requests in flight at most (default 8); never limits how many executions are waited on
  --rate N                 requests per second at most (default 0: no limit)
  --fail-fast              stop waiting for the others once one execution does not succeed
  --output FORMAT          results on stdout: text (a table), json (one document at the end) or
                           jsonl (one line per execution as it finishes) (default text)
  --junit FILE             also write a JUnit XML report to FILE (one test case per execution)
  --api-key-file FILE      read the API key from FILE instead of $ANCHORBROWSER_API_KEY
  --base-url URL           API server (default $ANCHORBROWSER_BASE_URL, else https://api.anchorbrowser.io);
                           plain http only to a loopback address
  --quiet                  no progress on stderr
  --verbose                poll-by-poll detail on stderr (never the API key)
  --no-color               no color in the progress line (so does NO_COLOR=1)
  -h, --help               this help
`

const environmentHelp = `Environment:
  ANCHORBROWSER_API_KEY   the API key (unless --api-key-file); never printed
  ANCHORBROWSER_BASE_URL  the API server (unless --base-url)
  NO_COLOR                when set, no color
  GITHUB_ACTIONS=true     also write ::error:: annotations for executions that did not succeed,
                          a table to $GITHUB_STEP_SUMMARY, and status=, failed= and exit-code=
                          to $GITHUB_OUTPUT
`

const mainHelp = `anchor-wait waits for Anchor Browser task executions to finish and turns their
outcome into an exit code, for CI pipelines. Results go to stdout, progress to stderr.

Usage:
  anchor-wait [flags] TASK_ID EXECUTION_ID...   wait for these executions
  anchor-wait [flags] TASK_ID -                 wait for the execution IDs on stdin (separated by white space;
                                                on a terminal, end them with Ctrl-D)
  anchor-wait run [flags] TASK_ID               start the task, then wait for it (see anchor-wait run --help)
  anchor-wait demo                              a self-contained demo on a built-in fake API; needs no key
  anchor-wait --version                         print the version of anchor-wait

Examples:
  export ANCHORBROWSER_API_KEY=...            # from the Anchor Browser dashboard
  anchor-wait TASK_ID EXECUTION_ID
  anchor-wait --timeout 10m --output json TASK_ID ID1 ID2 > results.json
  cat ids.txt | anchor-wait --junit report.xml TASK_ID -
  anchor-wait run --count 3 --input ANCHOR_URL=https://example.com TASK_ID

Flags (before or after the IDs):
` + waitFlagsHelp + `  --version                print the version of anchor-wait and exit

` + environmentHelp + `
` + exitCodeHelp

const runHelp = `anchor-wait run starts a task through POST /v1/task/run (async) and waits for the
executions it started. Their IDs go to stderr at once ("started execution ID"),
so a job that is killed still leaves them in its log (even with --quiet).

Usage:
  anchor-wait run [flags] TASK_ID

Examples:
  anchor-wait run TASK_ID
  anchor-wait run --version 3 --input ANCHOR_URL=https://example.com TASK_ID
  anchor-wait run --count 5 --output jsonl --junit report.xml TASK_ID

Flags (before or after TASK_ID):
  --version VERSION        task version to run: draft, latest or a number (default: the API's choice).
                           Here --version is the task's version; anchor-wait --version prints the tool's
  --input NAME=VALUE       a task input; NAME starts with ANCHOR_; repeat for several
  --count N                start the task N times and wait for all of them (default 1, at most 1000);
                           up to --concurrency starts at once. --timeout covers starting and waiting
` + waitFlagsHelp + `
` + environmentHelp + `
` + exitCodeHelp + `  A failure to start the task (after any execution it did start is waited for) exits 4,
  or 3 when it was --timeout running out.
`

const demoHelp = `anchor-wait demo starts a fake Anchor Browser API on a loopback port, adds a few
simulated executions (some succeed, one fails, one is slow) and waits for them
through the same code path as a real run: real HTTP, progress and the summary.
It needs no API key and ends in about ten seconds. It exits 0 when the
demonstration ran as intended and says which exit code a real run with those
outcomes would have returned.

Usage:
  anchor-wait demo [flags]

Examples:
  go run ./cmd/anchor-wait demo
  anchor-wait demo --output json

Flags:
  --output FORMAT          results on stdout: text, json or jsonl (default text)
  --junit FILE             also write a JUnit XML report to FILE
  --quiet                  no progress on stderr
  --verbose                poll-by-poll detail on stderr
  --no-color               no color in the progress line (so does NO_COLOR=1)
  -h, --help               this help

` + exitCodeHelp + `  For demo itself: 0 when the demonstration went as planned, 1 when it did not.
`

// helpText returns the help of cmd.
func helpText(cmd command) string {
	switch cmd {
	case cmdRun:
		return runHelp
	case cmdDemo:
		return demoHelp
	}
	return mainHelp
}

// toolVersion is the version of anchor-wait: the module version it was
// built from (set by go install module@version), else "(devel)".
func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// versionText is what --version prints.
func versionText() string {
	return "anchor-wait " + toolVersion() + " (" + runtime.Version() + ")\n"
}
