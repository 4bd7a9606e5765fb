package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// result is what anchor-wait reports for one execution, in every output
// format. Its JSON shape is part of the contract: unknown values are null,
// status is "" when no status was seen.
type result struct {
	TaskID        string        `json:"taskId"`
	ExecutionID   string        `json:"executionId"`
	Status        client.Status `json:"status"`
	Output        *string       `json:"output"`
	ErrorMessage  *string       `json:"errorMessage"`
	StartTime     *time.Time    `json:"startTime"`
	ExecutionTime *float64      `json:"executionTime"`
	Version       *string       `json:"version"`
	TaskVersionID *string       `json:"taskVersionId"`
	Polls         int           `json:"polls"`
	// Error says why waiting itself failed (the API could not answer,
	// --timeout ran out, an interrupt); null when the wait saw the
	// execution to its end.
	Error *string `json:"error"`

	outcome outcome // how the wait ended; not part of the JSON
}

// waitEnd is what is known about the end of one wait.
type waitEnd struct {
	exec  *client.Execution // as last polled; nil if no poll succeeded
	polls int               // polls sent
	err   error             // the wait's error, nil for success
	// lastPollErr is the error of the last poll that came back, nil when it
	// brought a status (or no poll came back).
	lastPollErr error
}

// newResult builds the result of one wait from what the poller reports.
// Text from the API and from errors goes through redact, whole, before
// anything is made of it.
func newResult(taskID, execID string, end waitEnd, timeout time.Duration, redact func(string) string) result {
	r := result{TaskID: taskID, ExecutionID: execID, Polls: end.polls}
	if end.exec != nil {
		e := *end.exec
		r.Status = client.Status(redact(string(e.Status)))
		r.Output = redactPtr(e.Output, redact)
		r.ErrorMessage = redactPtr(e.ErrorMessage, redact)
		if !e.StartTime.IsZero() {
			r.StartTime = &e.StartTime
		}
		r.ExecutionTime = e.ExecutionTime
		r.Version = redactPtr(&e.Version, redact)
		r.TaskVersionID = redactPtr(&e.TaskVersionID, redact)
	}
	var raw client.Status // the outcome comes from the status as sent, not as shown
	if end.exec != nil {
		raw = end.exec.Status
	}
	r.outcome = classify(raw, end.polls, end.err)
	if msg := waitError(r.outcome, r.Status, end, timeout); msg != "" {
		msg = redact(msg)
		r.Error = &msg
	}
	return r
}

// waitError is the "error" of a result: why waiting failed, or "" when the
// wait saw the execution end.
func waitError(o outcome, status client.Status, end waitEnd, timeout time.Duration) string {
	last := "no status seen yet"
	if status != "" {
		last = "last status " + string(status)
	}
	if end.lastPollErr != nil {
		last += "; last poll error: " + oneLine(end.lastPollErr.Error())
	}
	switch o {
	case outcomeSuccess, outcomeFailure, outcomeTimeout, outcomeCancelled:
		return ""
	case outcomeWaitTimeout:
		return fmt.Sprintf("--timeout %v ran out before the execution finished (%s)", timeout, last)
	case outcomeInterrupted:
		return "interrupted"
	case outcomeStopped:
		return fmt.Sprintf("stopped by --fail-fast after another execution did not succeed (%s)", last)
	}
	if errors.Is(end.err, errWaitTimeout) { // the API never answered with a status
		if end.lastPollErr != nil {
			return fmt.Sprintf("--timeout %v ran out before the API gave any status (%s; last poll error: %s)",
				timeout, plural(end.polls, "poll"), oneLine(end.lastPollErr.Error()))
		}
		// No poll came back at all: the first was still out.
		return fmt.Sprintf("--timeout %v ran out before the API gave any status (the first poll had not come back)", timeout)
	}
	if end.err == nil {
		return "the API could not answer"
	}
	return oneLine(end.err.Error())
}

// plural says "1 poll" or "3 polls".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// interruptedResult is the result of an execution that was started but not
// waited for, because of an interrupt.
func interruptedResult(taskID, execID string) result {
	msg := "interrupted"
	return result{TaskID: taskID, ExecutionID: execID, Error: &msg, outcome: outcomeInterrupted}
}

func redactPtr(s *string, redact func(string) string) *string {
	if s == nil {
		return nil
	}
	v := redact(*s)
	return &v
}

// outcomesOf lists the outcome of each result.
func outcomesOf(results []result) []outcome {
	out := make([]outcome, len(results))
	for i, r := range results {
		out[i] = r.outcome
	}
	return out
}

// detail is the most telling short text about a result: why waiting
// failed, else the execution's error message, else its output.
func (r *result) detail() string {
	switch {
	case r.Error != nil:
		return *r.Error
	case r.ErrorMessage != nil && *r.ErrorMessage != "":
		return *r.ErrorMessage
	case r.Output != nil:
		return *r.Output
	}
	return ""
}

// duration formats the execution time: "850ms", "3.2s", "2m3s", or "-"
// when the API has not reported one.
func (r *result) duration() string {
	if r.ExecutionTime == nil {
		return "-"
	}
	return formatMillis(*r.ExecutionTime)
}

// formatMillis formats a duration given in milliseconds for people.
func formatMillis(ms float64) string {
	d := time.Duration(ms * float64(time.Millisecond))
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// succeeded reports whether the execution ended success.
func (r *result) succeeded() bool { return r.outcome == outcomeSuccess }
