package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// TestCauseFirst: people see the innermost cause of an error first, and
// what the layers around it add after, without the IDs the row shows.
func TestCauseFirst(t *testing.T) {
	apiErr := &client.APIError{StatusCode: 401, Message: "Invalid API key"}
	notFound := &client.APIError{StatusCode: 404, Message: "Execution not found"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"the IDs three times", fmt.Errorf("wait for execution %s: %w", testExec, fmt.Errorf("get execution %s: %w", testExec, apiErr)),
			"API answered 401 Unauthorized: Invalid API key"},
		{"context kept, durations rounded", fmt.Errorf("wait for execution %s: still not found 12.981303376s after the wait started: %w", testExec, fmt.Errorf("get execution %s: %w", testExec, notFound)),
			"API answered 404 Not Found: Execution not found (still not found 13s after the wait started)"},
		{"a retry count", fmt.Errorf("get execution %s: %w", testExec, fmt.Errorf("gave up after 3 attempts: %w", fmt.Errorf("%w: dial tcp 127.0.0.1:1: connection refused", client.ErrTransport))),
			"transport error: dial tcp 127.0.0.1:1: connection refused (gave up after 3 attempts)"},
		{"a wrap that does not end with the cause", fmt.Errorf("wait for execution %s: %w (while waiting 2.5s)", testExec, apiErr),
			"wait for execution " + testExec + ": API answered 401 Unauthorized: Invalid API key (while waiting 2.5s)"},
		{"no wrap", errors.New("boom"), "boom"},
		{"several wrapped at once", fmt.Errorf("wait for execution %s: %w: %w", testExec, context.DeadlineExceeded, errWaitTimeout),
			"wait for execution " + testExec + ": context deadline exceeded: --timeout ran out"},
		{"control characters", fmt.Errorf("run task %s: %w", testTask, errors.New("bad\nline")), "bad line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := causeFirst(tt.err, testTask, testExec); got != tt.want {
				t.Errorf("causeFirst(%q) =\n  %q\nwant\n  %q", tt.err, got, tt.want)
			}
		})
	}
	if got := causeFirst(nil); got != "" {
		t.Errorf("causeFirst(nil) = %q, want \"\"", got)
	}
}

// TestResultCause: the table shows the cause first; the JSON error keeps
// the whole text.
func TestResultCause(t *testing.T) {
	err := fmt.Errorf("wait for execution %s: %w", testExec, fmt.Errorf("get execution %s: %w", testExec, &client.APIError{StatusCode: 401, Message: "Invalid API key"}))
	r := resultOf(poller.Result{Ref: poller.Ref{TaskID: testTask, ExecutionID: testExec}, Requests: 1, Err: err}, 0, time.Minute)
	if r.Error == nil || *r.Error != err.Error() {
		t.Errorf("JSON error %v, want %q", r.Error, err.Error())
	}
	if got, want := r.detail(), "API answered 401 Unauthorized: Invalid API key"; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
}

func TestHumanDurations(t *testing.T) {
	for in, want := range map[string]string{
		"still not found 11.295941476s after": "still not found 11.3s after",
		"polls failing for 5m0.000123s (3 in": "polls failing for 5m0s (3 in",
		"took 850.4ms and 1h2m3.5s":           "took 850ms and 1h2m4s",
		"404 and 3steps":                      "404 and 3steps",
	} {
		if got := roundDurations(in); got != want {
			t.Errorf("roundDurations(%q) = %q, want %q", in, got, want)
		}
	}
	for ms, want := range map[float64]string{-5: "-", 1e308: "over 1000h0m0s", 12981.303376: "13s"} {
		if got := formatMillis(ms); got != want {
			t.Errorf("formatMillis(%v) = %q, want %q", ms, got, want)
		}
	}
}

func TestClosingLine(t *testing.T) {
	rs := sampleResults()
	if got, want := closingLine(rs), "4 executions: 1 success, 1 failure, 1 api-error, 1 wait-timeout; exec time of 2 min 1.2s, median 2.6s, max 4s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := closingLine(rs[:1]), "one execution: 1 success; exec time 1.2s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	three := append(sampleResults()[:2], rs[0])
	three[2].ExecutionTime = ptr(60_000.0)
	if got, want := closingLine(three), "3 executions: 2 success, 1 failure; exec time min 1.2s, median 4s, max 1m0s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
