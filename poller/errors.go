package poller

import (
	"errors"
	"fmt"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// ErrUnsuccessful matches, with errors.Is, the error of a wait whose
// execution ended failure, timeout or cancelled. errors.As with an
// *UnsuccessfulError gives its status and error message.
var ErrUnsuccessful = errors.New("execution did not succeed")

// ErrFailFast is the cause (context.Cause) of the cancellation that
// WithFailFast applies to the other waits of a WaitAll once one of them has
// failed. Their errors match both context.Canceled and ErrFailFast.
var ErrFailFast = errors.New("stopped early: another execution did not succeed")

// UnsuccessfulError is the error of a wait whose execution reached a terminal
// status other than success. It matches ErrUnsuccessful with errors.Is.
type UnsuccessfulError struct {
	Status       client.Status // failure, timeout or cancelled
	ErrorMessage string        // the execution's errorMessage, "" when null
	// Execution is the execution as last polled.
	Execution *client.Execution

	redact func(string) string // blanks the API key out of the text; nil for none
}

func newUnsuccessful(exec *client.Execution, redact func(string) string) *UnsuccessfulError {
	e := &UnsuccessfulError{Status: exec.Status, Execution: exec, redact: redact}
	if exec.ErrorMessage != nil {
		e.ErrorMessage = *exec.ErrorMessage
	}
	return e
}

// Error returns "execution ended STATUS", followed by ": MESSAGE" when the
// execution has an error message, with the API key blanked out of both when
// the Poller's API can do that (see API).
func (e *UnsuccessfulError) Error() string {
	msg := fmt.Sprintf("execution ended %s", e.Status)
	if e.ErrorMessage != "" {
		msg += ": " + e.ErrorMessage
	}
	if e.redact != nil {
		msg = e.redact(msg)
	}
	return msg
}

// Is reports whether target is ErrUnsuccessful.
func (e *UnsuccessfulError) Is(target error) bool { return target == ErrUnsuccessful }

// ErrStalled matches, with errors.Is, the error of a wait that WithStall
// ended: the execution's status had not changed for that long. errors.As
// with a *StalledError gives the status and for how long.
var ErrStalled = errors.New("execution stalled")

// StalledError is the error of a wait whose execution kept one status for
// the WithStall duration. It matches ErrStalled with errors.Is.
type StalledError struct {
	Status client.Status // the status it kept
	For    time.Duration // how long it had kept it
}

// Error returns "status STATUS unchanged for DURATION".
func (e *StalledError) Error() string {
	return fmt.Sprintf("status %s unchanged for %v", e.Status, e.For.Round(time.Second))
}

// Is reports whether target is ErrStalled.
func (e *StalledError) Is(target error) bool { return target == ErrStalled }
