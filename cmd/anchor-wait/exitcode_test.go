package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

func TestExitCode(t *testing.T) {
	const (
		S  = outcomeSuccess
		F  = outcomeFailure
		T  = outcomeTimeout
		C  = outcomeCancelled
		W  = outcomeWaitTimeout
		A  = outcomeAPIError
		I  = outcomeInterrupted
		ST = outcomeStopped
	)
	tests := []struct {
		name     string
		outcomes []outcome
		want     int
	}{
		{"nothing to wait for", nil, exitUsage},
		{"one success", []outcome{S}, exitSuccess},
		{"all success", []outcome{S, S, S}, exitSuccess},
		{"one failure", []outcome{S, F, S}, exitFailure},
		{"anchor timeout", []outcome{S, T}, exitTimeout},
		{"cancelled", []outcome{C, S}, exitCancelled},
		{"wait timeout", []outcome{S, W}, exitWaitTimeout},
		{"api error", []outcome{A, S}, exitAPIError},
		{"interrupted", []outcome{S, I}, exitInterrupted},
		{"failure beats timeout", []outcome{T, F}, exitFailure},
		{"failure beats cancelled", []outcome{C, F}, exitFailure},
		{"timeout beats cancelled", []outcome{C, T}, exitTimeout},
		{"wait timeout beats failure", []outcome{F, W, T, C}, exitWaitTimeout},
		{"api error beats wait timeout", []outcome{W, A, F}, exitAPIError},
		{"interrupted beats api error", []outcome{A, I, W, F}, exitInterrupted},
		{"stopped explained by failure", []outcome{F, ST, ST}, exitFailure},
		{"stopped explained by api error", []outcome{ST, A}, exitAPIError},
		{"stopped alone is unfinished", []outcome{S, ST}, exitWaitTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.outcomes); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.outcomes, got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	unsuccessful := func(s client.Status) error {
		return fmt.Errorf("wrapped: %w", &poller.UnsuccessfulError{Status: s})
	}
	ourDeadline := fmt.Errorf("x: %w: %w", context.DeadlineExceeded, errWaitTimeout)
	tests := []struct {
		name   string
		status client.Status
		polls  int
		err    error
		want   outcome
	}{
		{"success", client.StatusSuccess, 3, nil, outcomeSuccess},
		{"failure", client.StatusFailure, 3, unsuccessful(client.StatusFailure), outcomeFailure},
		{"timeout", client.StatusTimeout, 3, unsuccessful(client.StatusTimeout), outcomeTimeout},
		{"cancelled", client.StatusCancelled, 3, unsuccessful(client.StatusCancelled), outcomeCancelled},
		{"our deadline", client.StatusRunning, 9, ourDeadline, outcomeWaitTimeout},
		{"our deadline before any poll", "", 0, ourDeadline, outcomeWaitTimeout},
		{"our deadline, polls sent, no status back", "", 5, ourDeadline, outcomeAPIError},
		{"a poll error wrapping DeadlineExceeded", client.StatusRunning, 2, fmt.Errorf("get execution: %w", context.DeadlineExceeded), outcomeAPIError},
		{"a poll error wrapping DeadlineExceeded, no status", "", 1, fmt.Errorf("get execution: %w", context.DeadlineExceeded), outcomeAPIError},
		{"interrupt", client.StatusQueued, 2, fmt.Errorf("x: %w", context.Canceled), outcomeInterrupted},
		{"interrupt before any status", "", 2, fmt.Errorf("x: %w", context.Canceled), outcomeInterrupted},
		{"fail-fast", client.StatusRunning, 2, fmt.Errorf("x: %w: %w", context.Canceled, poller.ErrFailFast), outcomeStopped},
		{"not found", "", 1, fmt.Errorf("x: %w", &client.APIError{StatusCode: 404}), outcomeAPIError},
		{"unauthorized", "", 1, fmt.Errorf("x: %w", &client.APIError{StatusCode: 401}), outcomeAPIError},
		{"transport", client.StatusRunning, 7, fmt.Errorf("x: %w", client.ErrTransport), outcomeAPIError},
		{"no error, not finished", client.StatusRunning, 1, nil, outcomeWaitTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.status, tt.polls, tt.err); got != tt.want {
				t.Errorf("classify(%q, %d, %v) = %v, want %v", tt.status, tt.polls, tt.err, got, tt.want)
			}
		})
	}
}

func TestExitReasonAndStatusWord(t *testing.T) {
	tests := []struct {
		code     int
		outcomes []outcome
		reason   string
		word     string
	}{
		{exitSuccess, []outcome{outcomeSuccess}, "the execution succeeded", "success"},
		{exitSuccess, []outcome{outcomeSuccess, outcomeSuccess}, "all 2 executions succeeded", "success"},
		{exitFailure, []outcome{outcomeSuccess, outcomeFailure}, "one execution failed", "failure"},
		{exitFailure, []outcome{outcomeFailure, outcomeFailure}, "2 executions failed", "failure"},
		{exitTimeout, []outcome{outcomeTimeout}, "one execution ended timeout (Anchor's own time limit)", "timeout"},
		{exitCancelled, []outcome{outcomeCancelled}, "one execution ended cancelled", "cancelled"},
		{exitWaitTimeout, []outcome{outcomeWaitTimeout, outcomeWaitTimeout}, "--timeout ran out with 2 executions still queued or running", "wait-timeout"},
		{exitAPIError, []outcome{outcomeAPIError}, "the API could not answer for one execution", "api-error"},
		{exitInterrupted, []outcome{outcomeInterrupted, outcomeSuccess}, "interrupted with one execution still waiting", "interrupted"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code, tt.outcomes), func(t *testing.T) {
			if got := exitReason(tt.code, tt.outcomes, executions); got != tt.reason {
				t.Errorf("exitReason(%d, %v) = %q, want %q", tt.code, tt.outcomes, got, tt.reason)
			}
			if got := statusWord(tt.code); got != tt.word {
				t.Errorf("statusWord(%d) = %q, want %q", tt.code, got, tt.word)
			}
		})
	}
}

// TestHelpListsEveryExitCode keeps the help's table in step with the
// constants.
func TestHelpListsEveryExitCode(t *testing.T) {
	for _, code := range []int{exitSuccess, exitFailure, exitUsage, exitWaitTimeout, exitAPIError, exitTimeout, exitCancelled, exitStalled, exitWriteError, exitInterrupted} {
		for _, cmd := range allCmds {
			if !strings.Contains(helpText(cmd), fmt.Sprintf("\n  %-4d ", code)) {
				t.Errorf("help of %s does not list exit code %d", cmd, code)
			}
		}
	}
}

// TestExitTable: the exit codes come in the documented precedence, each
// with its own status word; worse follows the table; every outcome calls
// for a code of the table, and the reason of a code counts the
// executions whose outcome called for it.
func TestExitTable(t *testing.T) {
	var order, words []string
	for _, d := range exitTable {
		order = append(order, fmt.Sprint(d.code))
		words = append(words, d.word)
		if d.meaning == "" {
			t.Errorf("exit %d has no meaning", d.code)
		}
	}
	if got, want := strings.Join(order, ", "), "2, 130, 8, 4, 7, 3, 1, 5, 6, 0"; got != want {
		t.Errorf("precedence %s, want %s", got, want)
	}
	for i, w := range words {
		for _, v := range words[i+1:] {
			if w == v {
				t.Errorf("status word %q is used twice", w)
			}
		}
	}
	for i, a := range exitTable {
		for j, b := range exitTable {
			want := a.code
			if j < i {
				want = b.code
			}
			if got := worse(a.code, b.code); got != want {
				t.Errorf("worse(%d, %d) = %d, want %d", a.code, b.code, got, want)
			}
		}
	}
	for o, d := range outcomeTable {
		if exitRank(d.code) == len(exitTable) {
			t.Errorf("outcome %v calls for exit %d, which is not in the table", o, d.code)
		}
		if o == outcomeStopped || o == outcomeSuccess {
			continue
		}
		if r := exitReason(d.code, []outcome{o, o}, executions); r == "" || !strings.Contains(r, "2 executions") {
			t.Errorf("exitReason(%d, two %v) = %q, want it to count 2 executions", d.code, o, r)
		}
		if r := exitReason(d.code, []outcome{outcomeSuccess}, executions); r != "" {
			t.Errorf("exitReason(%d) with no execution calling for it = %q, want \"\"", d.code, r)
		}
	}
	if got := statusWord(exitWriteError); got != "write-error" {
		t.Errorf("statusWord(8) = %q", got)
	}
}
