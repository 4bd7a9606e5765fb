package main

import (
	"errors"

	"github.com/anchorwait/anchorwait/poller"
)

// --stall ends the wait of an execution whose status has not changed for
// that long (poller.WithStall): one stuck in queued, say. Such a wait is
// outcomeStalled, exit 7, which comes after 4 (the API could not answer)
// and before 3 (--timeout ran out) in precedence: a stall is known to be
// wrong, while an execution still running when --timeout ends may merely
// be slow.

// stallMessage is the "error" of a result whose wait --stall ended: the
// status the execution kept and for how long, as "--stall ran out: status
// queued unchanged for 5m0s".
func stallMessage(err error) string {
	var se *poller.StalledError
	if !errors.As(err, &se) {
		return "--stall ran out: the status did not change"
	}
	status := string(se.Status)
	if status == "" {
		status = `""`
	}
	return "--stall ran out: status " + status + " unchanged for " + humanDuration(se.For)
}
