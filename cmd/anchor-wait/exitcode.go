package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// Exit codes: the contract with CI pipelines (see the help text).
const (
	exitSuccess     = 0   // every execution ended success
	exitFailure     = 1   // at least one ended failure
	exitUsage       = 2   // bad usage; no request was sent
	exitWaitTimeout = 3   // --timeout ran out with one still queued or running
	exitAPIError    = 4   // the API could not answer for at least one
	exitTimeout     = 5   // at least one ended timeout (Anchor's own limit)
	exitCancelled   = 6   // at least one ended cancelled
	exitInterrupted = 130 // SIGINT or SIGTERM before every execution finished
)

// outcome is how the wait for one execution ended.
type outcome int

const (
	outcomeSuccess     outcome = iota // status success
	outcomeFailure                    // status failure
	outcomeTimeout                    // status timeout (Anchor's limit)
	outcomeCancelled                  // status cancelled
	outcomeWaitTimeout                // our --timeout ran out first
	outcomeAPIError                   // the API could not answer
	outcomeInterrupted                // SIGINT/SIGTERM ended the wait
	outcomeStopped                    // --fail-fast stopped the wait after another one failed
)

// String names the outcome as the JSON "status" summary and the GitHub
// output do.
func (o outcome) String() string {
	switch o {
	case outcomeSuccess:
		return "success"
	case outcomeFailure:
		return "failure"
	case outcomeTimeout:
		return "timeout"
	case outcomeCancelled:
		return "cancelled"
	case outcomeWaitTimeout:
		return "wait-timeout"
	case outcomeAPIError:
		return "api-error"
	case outcomeInterrupted:
		return "interrupted"
	case outcomeStopped:
		return "stopped"
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

// exitCode maps the outcomes of a run to its exit code. The first rule that
// applies wins: interrupted 130, API error 4, --timeout 3, failure 1,
// timeout 5, cancelled 6, else 0. A wait stopped by --fail-fast counts only
// when nothing else explains it, as one that did not finish (3). With no
// outcome at all there was nothing to wait for: a usage error.
func exitCode(outcomes []outcome) int {
	if len(outcomes) == 0 {
		return exitUsage
	}
	seen := map[outcome]bool{}
	for _, o := range outcomes {
		seen[o] = true
	}
	switch {
	case seen[outcomeInterrupted]:
		return exitInterrupted
	case seen[outcomeAPIError]:
		return exitAPIError
	case seen[outcomeWaitTimeout]:
		return exitWaitTimeout
	case seen[outcomeFailure]:
		return exitFailure
	case seen[outcomeTimeout]:
		return exitTimeout
	case seen[outcomeCancelled]:
		return exitCancelled
	case seen[outcomeStopped]:
		return exitWaitTimeout
	}
	return exitSuccess
}

// statusWord is the one-word summary of an exit code, written as status=
// to $GITHUB_OUTPUT.
func statusWord(code int) string {
	switch code {
	case exitSuccess:
		return "success"
	case exitFailure:
		return "failure"
	case exitUsage:
		return "usage"
	case exitWaitTimeout:
		return "wait-timeout"
	case exitAPIError:
		return "api-error"
	case exitTimeout:
		return "timeout"
	case exitCancelled:
		return "cancelled"
	case exitInterrupted:
		return "interrupted"
	}
	return "unknown"
}

// exitReason explains an exit code in words, counting the outcomes that
// caused it: "one execution failed", "2 executions ended cancelled".
func exitReason(code int, outcomes []outcome) string {
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
	switch code {
	case exitSuccess:
		if len(outcomes) == 1 {
			return "the execution succeeded"
		}
		return fmt.Sprintf("all %d executions succeeded", len(outcomes))
	case exitFailure:
		return executions(count(outcomeFailure)) + " failed"
	case exitTimeout:
		return executions(count(outcomeTimeout)) + " ended timeout (Anchor's own time limit)"
	case exitCancelled:
		return executions(count(outcomeCancelled)) + " ended cancelled"
	case exitWaitTimeout:
		return "--timeout ran out with " + executions(count(outcomeWaitTimeout, outcomeStopped)) + " still queued or running"
	case exitAPIError:
		return "the API could not answer for " + executions(count(outcomeAPIError))
	case exitInterrupted:
		return "interrupted with " + executions(count(outcomeInterrupted)) + " still waiting"
	case exitUsage:
		return "nothing to wait for"
	}
	return "unknown exit code"
}

// executions says "one execution" or "N executions".
func executions(n int) string {
	if n == 1 {
		return "one execution"
	}
	return fmt.Sprintf("%d executions", n)
}
