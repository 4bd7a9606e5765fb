package poller

import (
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// UpdateKind says what an Update reports.
type UpdateKind int

// The kinds of Update. A request that the wait goes on after (or that finds
// a terminal status) yields one Update of kind UpdatePoll, UpdateStatusChange
// or UpdateRetry. A wait's last Update, and the only one for a poll whose error
// ends the wait, is of kind UpdateDone.
const (
	// UpdatePoll: a poll returned the same status as the one before.
	UpdatePoll UpdateKind = iota + 1
	// UpdateStatusChange: a poll returned a status other than the one
	// before (the first status seen counts as a change, with Previous "").
	// The status may be one the API does not document (Status.Known()
	// false): the wait treats it as not finished.
	UpdateStatusChange
	// UpdateRetry: a poll failed with an error the wait tolerates (a
	// transient error, or not found during the grace period); Err holds it
	// and the wait goes on.
	UpdateRetry
	// UpdateDone: the wait ended; Err is its outcome (nil for success).
	UpdateDone
)

// String returns the kind's name, such as "status-change".
func (k UpdateKind) String() string {
	switch k {
	case UpdatePoll:
		return "poll"
	case UpdateStatusChange:
		return "status-change"
	case UpdateRetry:
		return "retry"
	case UpdateDone:
		return "done"
	}
	return "unknown"
}

// Update is what a wait reports to the OnUpdate callback (see WithOnUpdate).
type Update struct {
	Ref
	Kind UpdateKind
	Time time.Time // when it happened

	// Requests is the number of HTTP requests made for the execution so
	// far, this one included.
	Requests int
	// Status is the last status seen ("" before any) and Previous the one
	// before it; they differ only in an UpdateStatusChange.
	Status, Previous client.Status
	// Execution is the execution as last polled, nil before any poll
	// succeeded. It must not be modified.
	Execution *client.Execution
	// Err is the poll's error for UpdateRetry and the wait's outcome for
	// UpdateDone; nil otherwise.
	Err error
	// NextDelay is how long the wait sleeps before its next poll, or -1 when
	// no poll can be made before the context's deadline. It is 0 in an
	// UpdateDone.
	NextDelay time.Duration
	// FinalPoll is true when the next poll is the last one before the
	// context's deadline (see NextPoll).
	FinalPoll bool
}
