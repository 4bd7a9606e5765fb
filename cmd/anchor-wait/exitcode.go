package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// Exit codes: the contract with CI pipelines. What each means, and which
// wins when several apply, is exitTable.
const (
	exitSuccess     = 0   // every execution ended success
	exitFailure     = 1   // at least one ended failure
	exitUsage       = 2   // bad usage; no request was sent
	exitWaitTimeout = 3   // --timeout ran out with one still queued or running
	exitAPIError    = 4   // the API could not answer for at least one
	exitTimeout     = 5   // at least one ended timeout (Anchor's own limit)
	exitCancelled   = 6   // at least one ended cancelled
	exitStalled     = 7   // --stall ran out: one kept its status that long
	exitWriteError  = 8   // the results could not be written
	exitInterrupted = 130 // a signal before every execution finished
)

// exitDef is one exit code: its number, the word written as status= to
// $GITHUB_OUTPUT, and what it means. In meaning, `backquoted` words are
// flags and names: the README shows them as code, --help as they are.
type exitDef struct {
	code    int
	word    string
	meaning string
}

// exitTable lists every exit code, in precedence order: with several
// executions, the first row that applies wins. exitCode, statusWord, the
// exit codes of --help and of the README all come from it.
var exitTable = []exitDef{
	{exitUsage, "usage", "usage: bad flag, bad ID, missing API key or webhook secret, a report file that cannot be used, a `--webhook-listen` address that cannot be listened on; no request was sent"},
	{exitInterrupted, "interrupted", "interrupted (SIGINT, SIGTERM or SIGHUP) before every execution finished or every report was written; what is known is reported"},
	{exitWriteError, "write-error", "the results could not be written (stdout, `--junit`, `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`)"},
	{exitAPIError, "api-error", "the API could not answer for at least one execution (not found, unauthorized, persistent errors, or no status at all before `--timeout` ran out)"},
	{exitStalled, "stalled", "`--stall` ran out: at least one execution kept one status (`queued`, say) that long"},
	{exitWaitTimeout, "wait-timeout", "`--timeout` ran out with at least one execution still queued or running"},
	{exitFailure, "failure", "at least one execution ended `failure`"},
	{exitTimeout, "timeout", "at least one execution ended `timeout` (Anchor's own limit, not `--timeout`)"},
	{exitCancelled, "cancelled", "at least one execution ended `cancelled`"},
	{exitSuccess, "success", "every execution ended `success`"},
}

// exitRank is the place of code in exitTable, len(exitTable) for a code
// that is not there.
func exitRank(code int) int {
	for i, d := range exitTable {
		if d.code == code {
			return i
		}
	}
	return len(exitTable)
}

// worse returns whichever of the exit codes a and b comes first in
// exitTable: the one that wins when both apply.
func worse(a, b int) int {
	if exitRank(b) < exitRank(a) {
		return b
	}
	return a
}

// statusWord is the one-word summary of an exit code, written as status=
// to $GITHUB_OUTPUT.
func statusWord(code int) string {
	if i := exitRank(code); i < len(exitTable) {
		return exitTable[i].word
	}
	return "unknown"
}

// outcome is how the wait for one execution ended.
type outcome int

const (
	outcomeSuccess     outcome = iota // status success
	outcomeFailure                    // status failure
	outcomeTimeout                    // status timeout (Anchor's limit)
	outcomeCancelled                  // status cancelled
	outcomeWaitTimeout                // our --timeout ran out first
	outcomeAPIError                   // the API could not answer
	outcomeInterrupted                // a signal ended the wait
	outcomeStopped                    // --fail-fast stopped the wait after another one failed
	outcomeStalled                    // --stall ended the wait: the status did not change for that long
)

// outcomeDef is what an outcome is called and the exit code it calls for.
type outcomeDef struct {
	word string
	code int
}

// outcomeTable gives each outcome its word, as the JSON "status" summary
// and the GitHub output say it, and its exit code. A wait stopped by
// --fail-fast calls for exit 3 only when no other outcome explains the
// stop (see exitCode).
var outcomeTable = map[outcome]outcomeDef{
	outcomeSuccess:     {"success", exitSuccess},
	outcomeFailure:     {"failure", exitFailure},
	outcomeTimeout:     {"timeout", exitTimeout},
	outcomeCancelled:   {"cancelled", exitCancelled},
	outcomeWaitTimeout: {"wait-timeout", exitWaitTimeout},
	outcomeAPIError:    {"api-error", exitAPIError},
	outcomeInterrupted: {"interrupted", exitInterrupted},
	outcomeStopped:     {"stopped", exitWaitTimeout},
	outcomeStalled:     {"stalled", exitStalled},
}

// String names the outcome.
func (o outcome) String() string {
	if d, ok := outcomeTable[o]; ok {
		return d.word
	}
	return "unknown"
}

// classify says how a wait ended, from the last status seen ("" for none),
// the number of polls sent and the poller's error. Only the end of
// --timeout (errWaitTimeout, the cause of its context) counts as
// outcomeWaitTimeout: an error that merely wraps context.DeadlineExceeded,
// such as a request that timed out, is the API not answering. So is a
// --timeout that ran out before any poll had brought a status back: the
// execution may not be queued or running at all.
func classify(status client.Status, polls int, err error) outcome {
	var unsuccessful *poller.UnsuccessfulError
	switch {
	case err == nil && status == client.StatusSuccess:
		return outcomeSuccess
	case errors.As(err, &unsuccessful):
		status = unsuccessful.Status
	case errors.Is(err, poller.ErrFailFast):
		return outcomeStopped
	case errors.Is(err, poller.ErrStalled):
		return outcomeStalled
	case errors.Is(err, errWaitTimeout):
		if status == "" && polls > 0 {
			return outcomeAPIError
		}
		return outcomeWaitTimeout
	case errors.Is(err, context.Canceled):
		return outcomeInterrupted
	case err != nil:
		return outcomeAPIError
	}
	switch status {
	case client.StatusFailure:
		return outcomeFailure
	case client.StatusTimeout:
		return outcomeTimeout
	case client.StatusCancelled:
		return outcomeCancelled
	}
	// No error, yet not success: nothing the poller returns. Count it as
	// not finished rather than guess an outcome.
	return outcomeWaitTimeout
}

// exitCode maps the outcomes of the executions of a run to its exit code:
// the one of exitTable's precedence that any outcome calls for. A wait
// stopped by --fail-fast counts only when nothing else explains it, as one
// that did not finish (3). With no outcome at all there was nothing to
// wait for: a usage error.
func exitCode(outcomes []outcome) int {
	if len(outcomes) == 0 {
		return exitUsage
	}
	code, stopped := exitSuccess, false
	for _, o := range outcomes {
		if o == outcomeStopped {
			stopped = true
			continue
		}
		code = worse(code, outcomeTable[o].code)
	}
	if code == exitSuccess && stopped {
		return exitWaitTimeout
	}
	return code
}

// exitReason explains an exit code in words, counting the executions whose
// outcomes caused it: "one execution failed", "2 executions ended
// cancelled". It returns "" when no outcome of the executions explains the
// code (a failed start, a failed write): the caller knows why.
func exitReason(code int, outcomes []outcome, things func(int) string) string {
	count := func(want ...outcome) int {
		n := 0
		for _, o := range outcomes {
			for _, w := range want {
				if o == w {
					n++
				}
			}
		}
		return n
	}
	var n int
	var text string
	switch code {
	case exitSuccess:
		if len(outcomes) == 1 {
			return strings.Replace(things(1), "one", "the", 1) + " succeeded"
		}
		return "all " + things(len(outcomes)) + " succeeded"
	case exitUsage:
		return "nothing to wait for"
	case exitFailure:
		n = count(outcomeFailure)
		text = things(n) + " failed"
	case exitTimeout:
		n = count(outcomeTimeout)
		text = things(n) + " ended timeout (Anchor's own time limit)"
	case exitCancelled:
		n = count(outcomeCancelled)
		text = things(n) + " ended cancelled"
	case exitWaitTimeout:
		n = count(outcomeWaitTimeout, outcomeStopped)
		text = "--timeout ran out with " + things(n) + " still queued or running"
	case exitStalled:
		n = count(outcomeStalled)
		text = things(n) + " kept one status past --stall"
	case exitAPIError:
		n = count(outcomeAPIError)
		text = "the API could not answer for " + things(n)
	case exitInterrupted:
		n = count(outcomeInterrupted)
		text = "interrupted with " + things(n) + " still waiting"
	}
	if n == 0 {
		return ""
	}
	return text
}

// thingsOf says what results are, counted: executions, or v2 runs when
// every one is a run.
func thingsOf(results []result) func(int) string {
	if len(results) > 0 && !slices.ContainsFunc(results, func(r result) bool { return r.kind != kindRun }) {
		return v2Runs
	}
	return executions
}

// executions says "one execution" or "N executions".
func executions(n int) string {
	if n == 1 {
		return "one execution"
	}
	return fmt.Sprintf("%d executions", n)
}

// exitCodesHelp is the exit code section of --help, from exitTable.
func exitCodesHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes (with several executions, the first row that applies wins):\n")
	for _, d := range exitTable {
		b.WriteString(wrapHelp(fmt.Sprintf("  %-4d ", d.code), stripCode(d.meaning)))
	}
	return b.String()
}

// exitCodesMarkdown is the exit code table of the README, from exitTable.
func exitCodesMarkdown() string {
	var b strings.Builder
	b.WriteString("| code | status | meaning |\n|---|---|---|\n")
	for _, d := range exitTable {
		fmt.Fprintf(&b, "| %d | `%s` | %s |\n", d.code, d.word, d.meaning)
	}
	return b.String()
}

// stripCode drops the backquotes that mark code in a text of the tables.
func stripCode(s string) string { return strings.ReplaceAll(s, "`", "") }
