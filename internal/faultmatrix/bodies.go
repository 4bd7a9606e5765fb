package faultmatrix

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// Fixed execution IDs, for scripts whose raw bodies name the execution.
const (
	futureID  = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
	pastID    = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	keyEchoID = "7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
)

// rawExecution is an execution as the API sends it, with every field under
// the test's control.
type rawExecution struct {
	ID            string  `json:"id"`
	TaskVersionID string  `json:"taskVersionId"`
	Version       string  `json:"version"`
	Status        string  `json:"status"`
	Output        *string `json:"output"`
	ErrorMessage  *string `json:"errorMessage"`
	StartTime     string  `json:"startTime"`
	// ExecutionTime is raw JSON, so any number (or null) can be sent.
	ExecutionTime json.RawMessage `json:"executionTime"`
}

// executionBody is the 200 body of GET execution for e.
func executionBody(e rawExecution) anchortest.Body {
	if e.TaskVersionID == "" {
		e.TaskVersionID = "c0ffee00-1111-4222-8333-444455556666"
	}
	if e.Version == "" {
		e.Version = "1"
	}
	if e.ExecutionTime == nil {
		e.ExecutionTime = json.RawMessage("null")
	}
	b, err := json.Marshal(struct {
		Data rawExecution `json:"data"`
	}{e})
	if err != nil {
		panic("faultmatrix: " + err.Error()) // the table's own values; cannot happen
	}
	return anchortest.RawBody("", b)
}

// errorBody is an API error body with message.
func errorBody(status int, message string) anchortest.Body {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": status, "message": message}})
	return anchortest.RawBody("", b)
}

// Far-off clocks: startTime as a server whose clock is wrong would send it.
const (
	// futureStart is the latest instant RFC 3339 can write, in the zone
	// furthest west: year 10000 in UTC.
	futureStart = "9999-12-31T23:59:59-23:59"
	pastStart   = "1970-01-01T00:00:00Z"
	// An executionTime that a clock running backwards yields (minus a day)
	// and one that a clock stuck in 1970 yields (about 55 years).
	futureExecMillis = "-86400000"
	pastExecMillis   = "1735689600000"
)

// clockScript is an execution of id whose server clock is off: running for
// two requests, then success, startTime start and executionTime execMillis.
func clockScript(id, start, execMillis string) anchortest.Script {
	ok := "ok"
	return anchortest.Script{
		Steps: []anchortest.Step{{At: 0, Status: client.StatusRunning}},
		Faults: []anchortest.Fault{
			{ToRequest: 2, Body: executionBody(rawExecution{ID: id, Status: "running", StartTime: start})},
			{FromRequest: 3, Body: executionBody(rawExecution{ID: id, Status: "success", Output: &ok, StartTime: start, ExecutionTime: json.RawMessage(execMillis)})},
		},
	}
}

// checkClock returns a Check that the execution came back with the
// server's startTime and executionTime as sent.
func checkClock(start, execMillis string) func([]*client.Execution) error {
	return func(execs []*client.Execution) error {
		want, err := time.Parse(time.RFC3339, start)
		if err != nil {
			return err
		}
		wantMillis, err := strconv.ParseFloat(execMillis, 64)
		if err != nil {
			return err
		}
		e := execs[0]
		switch {
		case e == nil:
			return fmt.Errorf("no execution seen, want one with startTime %s", start)
		case !e.StartTime.Equal(want):
			return fmt.Errorf("startTime %s, want %s as the server sent it", e.StartTime.Format(time.RFC3339), start)
		case e.ExecutionTime == nil || *e.ExecutionTime != wantMillis:
			return fmt.Errorf("executionTime %v, want %s as the server sent it", ptrText(e.ExecutionTime), execMillis)
		}
		return nil
	}
}

// checkOutputLen returns a Check that the execution's output is n bytes.
func checkOutputLen(n int) func([]*client.Execution) error {
	return func(execs []*client.Execution) error {
		e := execs[0]
		switch {
		case e == nil || e.Output == nil:
			return fmt.Errorf("no output, want %d bytes", n)
		case len(*e.Output) != n:
			return fmt.Errorf("output of %d bytes, want %d", len(*e.Output), n)
		}
		return nil
	}
}

// keyEchoScript is an execution whose server echoes the API key: in a 503's
// message, in an HTML page, in another 503, then in the errorMessage and
// output of a failure.
func keyEchoScript() anchortest.Script {
	msg := "login failed: header anchor-api-key=" + Key + " rejected"
	out := `{"debug":"sent anchor-api-key ` + Key + `"}`
	html := "<html><body><h1>502 Bad Gateway</h1><pre>anchor-api-key: " + Key + "</pre></body></html>"
	return anchortest.Script{
		Steps: []anchortest.Step{{At: 0, Status: client.StatusRunning}},
		Faults: []anchortest.Fault{
			{ToRequest: 1, Status: http.StatusServiceUnavailable, Body: errorBody(http.StatusServiceUnavailable, "upstream refused key "+Key)},
			{FromRequest: 2, ToRequest: 2, Body: anchortest.RawBody("text/html", []byte(html))},
			{FromRequest: 3, ToRequest: 3, Status: http.StatusServiceUnavailable, Body: errorBody(http.StatusServiceUnavailable, "still refusing "+Key)},
			{FromRequest: 4, Body: executionBody(rawExecution{ID: keyEchoID, Status: "failure", ErrorMessage: &msg, Output: &out, StartTime: "2026-01-02T03:04:05Z", ExecutionTime: json.RawMessage("1500")})},
		},
	}
}

// ptrText shows a *float64 for a message: its value or "null".
func ptrText(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}
