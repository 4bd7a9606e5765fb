package faultmatrix

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/poller"
)

// Mode is a way of running anchor-wait against the fake API.
type Mode int

const (
	// Library waits with a poller.Poller over a client.Client reaching
	// anchortest.NewInMemoryServer, inside a testing/synctest bubble: time
	// is fake, so the durations of a case are those of real life.
	Library Mode = iota
	// CLI runs the anchor-wait binary against anchortest.NewServer on
	// loopback, in real time, with the durations of a case scaled down.
	CLI
)

// Modes lists every Mode, in the order the document shows them.
var Modes = []Mode{Library, CLI}

// String returns "library" or "cli".
func (m Mode) String() string {
	switch m {
	case Library:
		return "library"
	case CLI:
		return "cli"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// The API keys of the matrix. The fake accepts Key; WrongKey is one it
// refuses. Neither may appear in any error, log line, stdout or stderr.
const (
	Key      = "sk-faultmatrix-3f9a1c7e5b2d8406"
	WrongKey = "sk-faultmatrix-wrong-8e4d2a6c1b9f"
)

// TaskID is the task of every execution in the matrix.
const TaskID = "5e0c8a7d-2b1f-4c3e-9a6d-7f8e9d0c1b2a"

// Case is one fault, or a combination of faults, and what anchor-wait must
// do under it in each mode. A Case is a plain value, safe for concurrent
// reads.
type Case struct {
	// Name names the case in test output: short, unique, kebab-case.
	Name string
	// Fault says what the server or the network does, for the document.
	Fault string
	// Behaviour says what anchor-wait does about it, for the document.
	Behaviour string
	// Library and CLI are the case in each mode.
	Library, CLI Run
}

// In returns the case's Run in mode m.
func (c *Case) In(m Mode) Run {
	if m == CLI {
		return c.CLI
	}
	return c.Library
}

// Run is a case in one mode: how to set up the fake and what to expect.
type Run struct {
	Setup Setup
	Want  Want
	// Skip, when not empty, says why the case is not run in this mode; the
	// document shows it in place of the expectations.
	Skip string
}

// Setup is how the fake, the client and the wait are set up for a run.
type Setup struct {
	// Executions are added to the fake and waited for, in this order. In
	// Library mode they are added before the wait starts; in CLI mode each
	// is added when the first request for it arrives, so its timeline
	// starts when the binary first asks for it, however long the binary
	// took to start.
	Executions []Execution
	// ServerFaults are the fake's server-wide faults (anchortest.WithFaults),
	// counted over every request it receives.
	ServerFaults []anchortest.Fault
	// WrongKey makes the client send WrongKey instead of Key.
	WrongKey bool
	// Refused points the client at a loopback port where nothing listens,
	// so every connection is refused; the fake is then never reached.
	Refused bool
	// Timeout bounds the wait: the context's deadline (Library) or
	// --timeout (CLI). 0 means no deadline.
	Timeout time.Duration
	// Interval and MaxInterval set the poll schedule: poller options
	// (Library) or --interval and --max-interval (CLI). 0 keeps the
	// poller's default.
	Interval, MaxInterval time.Duration
	// RequestTimeout is the client's per-request timeout (Library only;
	// the CLI always uses client.DefaultRequestTimeout). 0 keeps the
	// default.
	RequestTimeout time.Duration
	// Cancel, when not nil, interrupts the wait while it is under way.
	Cancel *Cancel
	// Stdin gives the execution IDs on standard input (TASK_ID -) as well
	// as on the command line (CLI only).
	Stdin bool
}

// Execution is one execution a run waits for.
type Execution struct {
	// ID is the execution's ID; "" lets the fake pick a random one. A
	// script whose faults send raw bodies naming the execution needs a
	// fixed ID.
	ID string
	// Script is how it behaves, faults included.
	Script anchortest.Script
	// Copies is how many times its ID is listed in the wait (WaitAll's refs,
	// the command line); 0 counts as 1.
	Copies int
}

// Cancel interrupts a wait. Library mode cancels the context At after the
// wait starts, in fake time; CLI mode sends SIGINT once the fake has received
// Request requests, or answered them when Answered is set.
type Cancel struct {
	At       time.Duration
	Request  int
	Answered bool
}

// Want is what a run must come to.
type Want struct {
	// Status is the last status seen for each execution of the Setup, in
	// order; "" when none was seen.
	Status []client.Status
	// Err is the class of the error Wait or WaitAll returns (Library).
	Err ErrClass
	// Exit is the exit code of the binary (CLI).
	Exit int
	// MinTime and MaxTime bound how long the wait lasts: fake time in
	// Library mode, wall-clock time of the whole process in CLI mode,
	// where MaxTime only catches a hang (see CLIMaxTime).
	MinTime, MaxTime time.Duration
	// MinRequests and MaxRequests bound the HTTP requests sent, retries
	// included: attempts seen by the client's transport (Library), requests
	// received by the fake (CLI). With Refused, in CLI mode, the fake sees
	// none and the polls the results report are counted instead.
	MinRequests, MaxRequests int
	// Check, when not nil, checks the executions as last seen, one per
	// execution of the Setup (nil for one never seen). It returns an
	// error saying what is wrong.
	Check func(execs []*client.Execution) error
}

// ErrClass is a class of errors that a wait can end with, matched with
// errors.Is against a sentinel or errors.As against a *client.APIError with
// a given HTTP status. The zero ErrClass is NoError.
type ErrClass struct {
	// Name names the class in the document, such as "client.ErrNotFound".
	Name string
	// Is is the errors.Is target; nil when Status is used.
	Is error
	// Status, when not 0, matches a *client.APIError with this StatusCode.
	Status int
}

// The error classes of the matrix.
var (
	NoError      = ErrClass{}
	Unsuccessful = ErrClass{Name: "poller.ErrUnsuccessful", Is: poller.ErrUnsuccessful}
	NotFound     = ErrClass{Name: "client.ErrNotFound", Is: client.ErrNotFound}
	Unauthorized = ErrClass{Name: "client.ErrUnauthorized", Is: client.ErrUnauthorized}
	BadResponse  = ErrClass{Name: "client.ErrBadResponse", Is: client.ErrBadResponse}
	BodyTooLarge = ErrClass{Name: "client.ErrBodyTooLarge", Is: client.ErrBodyTooLarge}
	Transport    = ErrClass{Name: "client.ErrTransport", Is: client.ErrTransport}
	InsecureURL  = ErrClass{Name: "client.ErrInsecureURL", Is: client.ErrInsecureURL}
	Deadline     = ErrClass{Name: "context.DeadlineExceeded", Is: context.DeadlineExceeded}
	Canceled     = ErrClass{Name: "context.Canceled", Is: context.Canceled}
)

// APIStatus is the class of errors holding a *client.APIError for HTTP
// status code.
func APIStatus(code int) ErrClass {
	return ErrClass{Name: fmt.Sprintf("*client.APIError %d", code), Status: code}
}

// String returns the class's name, "nil" for NoError.
func (c ErrClass) String() string {
	if c.Name == "" {
		return "nil"
	}
	return c.Name
}

// Match reports whether err belongs to the class: err is nil for NoError;
// otherwise errors.Is(err, c.Is), or an *client.APIError with c.Status in
// err's chain.
func (c ErrClass) Match(err error) bool {
	switch {
	case c.Is == nil && c.Status == 0:
		return err == nil
	case err == nil:
		return false
	case c.Is != nil && !errors.Is(err, c.Is):
		return false
	case c.Status != 0:
		var apiErr *client.APIError
		return errors.As(err, &apiErr) && apiErr.StatusCode == c.Status
	}
	return true
}

// Refs lists the IDs a run waits for, each as many times as its Copies, in
// the order of the executions. ids are the executions' IDs as added to the
// fake, one per execution.
func Refs(s Setup, ids []string) []string {
	var out []string
	for i, e := range s.Executions {
		for range max(e.Copies, 1) {
			out = append(out, ids[i])
		}
	}
	return out
}
