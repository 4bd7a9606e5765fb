package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/internal/words"
	"github.com/anchorwait/anchorwait/poller"
)

// result is what anchor-wait reports for one execution, in every output
// format. Its JSON shape is part of the contract: unknown values are null,
// status is "" when no status was seen. It holds the API's text as the API
// sent it (or, once keepExcerpts has run, a start of it): the output layer
// redacts and neutralizes whatever it writes.
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
	// Polls is the number of HTTP requests made for the execution:
	// those of its wait, retries included, and those that started it.
	Polls int `json:"polls"`
	// Error says why waiting itself failed (the API could not answer,
	// --timeout ran out, an interrupt); null when the wait saw the
	// execution to its end.
	Error *string `json:"error"`

	kind    resultKind    // what was waited for: an execution of a task, one by ID, a v2 run
	outcome outcome       // how the wait ended
	waited  time.Duration // how long anchor-wait waited; 0 when unknown
	// cause is Error for people: the innermost cause first, durations
	// rounded, without the execution ID that the row shows already.
	cause string
	// outputBytes and errorBytes are the sizes of the output and error
	// message the API sent, when Output and ErrorMessage hold only their
	// start (see keepExcerpts); 0 when they hold all of it.
	outputBytes, errorBytes int
	// sessionID is a v2 run's session_id; nil for an execution, or when
	// the API sent none.
	sessionID *string
}

// keptBytes is how much of an execution's output, and of its error
// message, a result keeps once its wait has ended, unless --output json
// needs all of it: enough for the table, the step summary (blockBytes) and
// a JUnit report that is read by people.
const keptBytes = 64 << 10

// keepExcerpts makes r keep only the start of its output and error
// message, keptBytes of each at most, redacted by o first (a key cut in
// two would no longer be recognized), and in memory of their own, so the
// whole texts can be freed.
func (r *result) keepExcerpts(o *output) {
	r.Output, r.outputBytes = keepStart(o, r.Output)
	r.ErrorMessage, r.errorBytes = keepStart(o, r.ErrorMessage)
}

// keepStart returns the start of *s that a result keeps, and the size of
// *s when that is not all of it (else 0).
func keepStart(o *output, s *string) (*string, int) {
	if s == nil || len(*s) <= keptBytes {
		return s, 0
	}
	t := o.redact(*s)
	i := keptBytes
	for i > 0 && !utf8.RuneStart(t[i]) {
		i--
	}
	kept := strings.Clone(t[:i])
	return &kept, len(*s)
}

// resultOf turns the poller's result of one wait into anchor-wait's. It
// is the only place that does: jsonl lines, tables and reports all come
// from it. started is the number of requests that started the execution
// (run; 0 otherwise), which its polls count with those of the wait;
// timeout is --timeout.
func resultOf(pr poller.Result, started int, timeout time.Duration) result {
	r := result{TaskID: pr.TaskID, ExecutionID: pr.ExecutionID, Polls: started + pr.Requests, waited: pr.Waited}
	var status client.Status
	if e := pr.Execution; e != nil {
		status = e.Status
		r.Status = e.Status
		r.Output = e.Output
		r.ErrorMessage = e.ErrorMessage
		if !e.StartTime.IsZero() {
			t := e.StartTime
			r.StartTime = &t
		}
		r.ExecutionTime = e.ExecutionTime
		r.Version = ptrTo(e.Version)
		r.TaskVersionID = ptrTo(e.TaskVersionID)
		// A field the API sent in a form it does not document is null,
		// not its zero value (see noteUnreadable).
		for _, name := range e.Unreadable {
			switch name {
			case "version":
				r.Version = nil
			case "taskVersionId":
				r.TaskVersionID = nil
			}
		}
	}
	r.outcome = classify(status, pr.Requests, pr.Err)
	end := waitEnd{status: status, seen: pr.Execution != nil, polls: pr.Requests, err: pr.Err, lastErr: pr.LastErr, timeout: timeout}
	if msg := end.message(r.outcome, func(err error) string { return oneLine(err.Error()) }); msg != "" {
		r.Error = &msg
		r.cause = end.message(r.outcome, func(err error) string { return causeFirst(err, pr.TaskID, pr.ExecutionID) })
	}
	return r
}

// ptrTo returns a pointer to a copy of s.
func ptrTo(s string) *string { return &s }

// waitEnd is what is known about the end of one wait.
type waitEnd struct {
	status  client.Status // last status seen, "" for none
	seen    bool          // a poll brought the execution (its status may be "")
	polls   int           // HTTP requests sent
	err     error         // the wait's error, nil for success
	lastErr error         // the last request's error, nil when it brought a status
	timeout time.Duration // --timeout
}

// message is the "error" of a result: why waiting failed, or "" when the
// wait saw the execution end. errText renders the errors it quotes.
func (end waitEnd) message(o outcome, errText func(error) string) string {
	last := "no status seen yet"
	switch {
	case end.status != "":
		last = "last status " + string(end.status)
	case end.seen:
		last = `the API answered with an empty status ("")`
	}
	if end.lastErr != nil {
		last += "; last poll error: " + errText(end.lastErr)
	}
	switch o {
	case outcomeSuccess, outcomeFailure, outcomeTimeout, outcomeCancelled:
		return ""
	case outcomeWaitTimeout:
		return fmt.Sprintf("--timeout %v ran out before the execution finished (%s)", end.timeout, last)
	case outcomeInterrupted:
		return "interrupted"
	case outcomeStopped:
		return fmt.Sprintf("stopped by --fail-fast after another execution did not succeed (%s)", last)
	case outcomeStalled:
		return stallMessage(end.err)
	}
	if errors.Is(end.err, errWaitTimeout) { // the API never answered with a status
		polls := words.Plural(end.polls, "poll")
		switch {
		case end.seen:
			// It answered, but with no status in it.
			return fmt.Sprintf("--timeout %v ran out before the API gave any status (%s; %s)", end.timeout, polls, last)
		case end.lastErr != nil:
			return fmt.Sprintf("--timeout %v ran out before the API gave any status (%s; last poll error: %s)",
				end.timeout, polls, errText(end.lastErr))
		case end.polls <= 1:
			// No poll came back at all: the first was still out.
			return fmt.Sprintf("--timeout %v ran out before the API gave any status (the first poll had not come back)", end.timeout)
		}
		return fmt.Sprintf("--timeout %v ran out before the API gave any status (%s, the last still out)", end.timeout, polls)
	}
	if end.err == nil {
		return "the API could not answer"
	}
	return errText(end.err)
}

// interruptedResult is the result of an execution that was started but not
// waited for, because of an interrupt.
func interruptedResult(taskID, execID string) result {
	msg := "interrupted"
	return result{TaskID: taskID, ExecutionID: execID, Error: &msg, cause: msg, outcome: outcomeInterrupted}
}

// outcomesOf lists the outcome of each result.
func outcomesOf(results []result) []outcome {
	out := make([]outcome, len(results))
	for i, r := range results {
		out[i] = r.outcome
	}
	return out
}

// detail is the most telling short text about a result, for people: why
// waiting failed (its cause first), else the execution's error message,
// else its output.
func (r *result) detail() string {
	switch {
	case r.Error != nil && r.cause != "":
		return r.cause
	case r.Error != nil:
		return *r.Error
	case r.ErrorMessage != nil && *r.ErrorMessage != "":
		return *r.ErrorMessage
	case r.Output != nil:
		return *r.Output
	}
	return ""
}

// duration formats Anchor's executionTime: "850ms", "3.2s", "2m3s", or "-"
// when the API has not reported one.
func (r *result) duration() string {
	if r.ExecutionTime == nil {
		return "-"
	}
	return formatMillis(*r.ExecutionTime)
}

// waitedText formats how long anchor-wait waited, "-" when unknown.
func (r *result) waitedText() string {
	if r.waited <= 0 {
		return "-"
	}
	return humanDuration(r.waited)
}

// formatMillis formats a duration given in milliseconds for people.
func formatMillis(ms float64) string {
	if !(ms >= 0) { // NaN, or a negative time from a skewed clock
		return "-"
	}
	if ms > float64(maxShownDuration/time.Millisecond) {
		return "over " + humanDuration(maxShownDuration)
	}
	return humanDuration(time.Duration(ms * float64(time.Millisecond)))
}

// maxShownDuration is the longest duration formatMillis shows as it is.
const maxShownDuration = 1000 * time.Hour

// humanDuration rounds d for people: to the millisecond under a second,
// to a tenth of a second under a minute, else to the second.
func humanDuration(d time.Duration) string {
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

// causeFirst renders err for people: its innermost cause first, then, in
// parentheses, what the layers around it add, without the IDs given (a
// table row shows them already) and with durations rounded.
//
// The cause is the innermost error whose text the wrapping ones end with
// ("wait for execution X: get execution X: API answered 401 Unauthorized:
// Invalid API key" gives "API answered 401 Unauthorized: Invalid API
// key"). A layer that adds nothing once the IDs are gone ("get execution")
// is left out.
func causeFirst(err error, ids ...string) string {
	if err == nil {
		return ""
	}
	var texts []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		texts = append(texts, e.Error())
	}
	// Go inwards while each layer's text ends with the next one's.
	var context []string
	inner := texts[0]
	for i := 0; i+1 < len(texts); i++ {
		own, ok := strings.CutSuffix(texts[i], texts[i+1])
		if !ok || texts[i+1] == "" {
			break
		}
		context = append(context, strings.TrimSuffix(strings.TrimSpace(own), ":"))
		inner = texts[i+1]
	}
	var parts []string
	for _, c := range context {
		for _, id := range ids {
			if id != "" {
				c = strings.ReplaceAll(c, id, "")
			}
		}
		for _, p := range strings.Split(c, ": ") {
			p = strings.Join(strings.Fields(p), " ")
			if p == "" || idlessNoise.MatchString(p) {
				continue
			}
			parts = append(parts, roundDurations(p))
		}
	}
	text := oneLine(inner)
	if len(parts) > 0 {
		text += " (" + oneLine(strings.Join(parts, "; ")) + ")"
	}
	return text
}

// idlessNoise matches what a layer of an error says once the IDs are
// gone, when that is only what it was doing: "wait for execution", "get
// execution", "run task".
var idlessNoise = regexp.MustCompile(`^[a-z]+( [a-z]+)*( for)? (execution|task)s?:?$`)

// goDuration matches a duration as Go prints it: "11.295941476s", "1m2.5s".
var goDuration = regexp.MustCompile(`\b(?:\d+(?:\.\d+)?(?:h|ms|µs|us|ns|m|s))+\b`)

// roundDurations rounds the durations in s, our own text, for people.
func roundDurations(s string) string {
	return goDuration.ReplaceAllStringFunc(s, func(m string) string {
		d, err := time.ParseDuration(m)
		if err != nil {
			return m
		}
		return humanDuration(d)
	})
}
