package anchortest

import (
	"cmp"
	"slices"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// Step is one point on an execution's timeline: from At on (counted from the
// moment the execution was added), the execution reports Status, Output and
// ErrorMessage, until the next step.
type Step struct {
	// At is when the step begins, since the execution was added. A negative
	// value counts as 0.
	At time.Duration
	// Status is reported from At on. Any value is sent as it is, so a status
	// the API does not document can be expressed: client.Status("paused").
	Status client.Status
	// Output is the execution's output from At on; nil sends null.
	Output *string
	// ErrorMessage is the execution's errorMessage from At on; nil sends null.
	ErrorMessage *string
}

// Script is how one execution behaves over time. The zero Script is an
// execution that stays queued forever.
//
// Before its first step an execution is queued. Steps need not be sorted;
// steps with the same At keep their order and the last one wins. A timeline
// may go back (running, then queued again) or change after a final status.
//
// An execution reports startTime as the moment it was added. executionTime is
// null until a step with a final status (see client.Status.Terminal); from
// then on it is the time in milliseconds between the first running step before
// it and that step, or 0 when the execution never ran.
//
// A Script is a plain value; the server keeps its own copy.
type Script struct {
	// Steps is the timeline.
	Steps []Step
	// VisibleAfter hides the execution for this long after it is added: until
	// then requests for it get 404 and it is left out of lists, as a
	// just-started execution may be on the real API.
	VisibleAfter time.Duration
	// Version is the task version the execution reports; "" means "1".
	Version string
	// Faults shape the answers to the GETs of this execution (by either
	// endpoint) or run. Request numbers and time windows count from the
	// execution or run: its first GET, the moment it was added. The first
	// matching fault wins; server-wide faults (WithFaults) are checked first.
	Faults []Fault
}

// DefaultOutput is the output of an execution that the default template
// (DefaultTemplate) runs to success.
const DefaultOutput = `{"result":"done"}`

// DefaultTemplate is the script of executions started through
// POST /v1/task/run when no WithTemplate option is given: queued for one
// second, running for three, then success with DefaultOutput.
func DefaultTemplate() Script {
	return Succeed(time.Second, 3*time.Second, DefaultOutput)
}

// Succeed returns a script that is queued for the queued duration, running
// for the running duration, then ends in success with output.
func Succeed(queued, running time.Duration, output string) Script {
	s := Finish(client.StatusSuccess, queued, running)
	s.Steps[len(s.Steps)-1].Output = &output
	return s
}

// Fail returns a script that is queued for the queued duration, running for
// the running duration, then ends in failure with errorMessage.
func Fail(queued, running time.Duration, errorMessage string) Script {
	s := Finish(client.StatusFailure, queued, running)
	s.Steps[len(s.Steps)-1].ErrorMessage = &errorMessage
	return s
}

// Finish returns a script that is queued for the queued duration, running
// for the running duration, then reports status, whatever it is: a final
// status such as client.StatusTimeout, or one the API does not document.
// Output and errorMessage stay null; set them on the last step if needed.
// A running duration of 0 or less leaves out the running step, so the
// execution goes straight from queued to status.
func Finish(status client.Status, queued, running time.Duration) Script {
	queued = max(queued, 0)
	steps := []Step{{At: 0, Status: client.StatusQueued}}
	if running > 0 {
		steps = append(steps, Step{At: queued, Status: client.StatusRunning})
	}
	steps = append(steps, Step{At: queued + max(running, 0), Status: status})
	return Script{Steps: steps}
}

// Always returns a script that reports status forever: client.StatusQueued
// for an execution that never starts, client.StatusRunning for one that never
// ends, or any other value.
func Always(status client.Status) Script {
	return Script{Steps: []Step{{At: 0, Status: status}}}
}

// timeline is a Script prepared for fast lookups: steps sorted, negative
// times clamped, and the executionTime of each final step worked out.
type timeline struct {
	steps []Step
	// execMillis[i] is the executionTime of steps[i], or -1 when steps[i]
	// is not final.
	execMillis   []float64
	visibleAfter time.Duration
	version      string
	faults       []Fault
}

// compile copies s into a timeline, so later changes to s do not reach it.
func compile(s Script) *timeline {
	steps := slices.Clone(s.Steps)
	for i := range steps {
		steps[i].At = max(steps[i].At, 0)
	}
	slices.SortStableFunc(steps, func(a, b Step) int { return cmp.Compare(a.At, b.At) })
	tl := &timeline{
		steps:        steps,
		execMillis:   make([]float64, len(steps)),
		visibleAfter: max(s.VisibleAfter, 0),
		version:      s.Version,
		faults:       cloneFaults(s.Faults),
	}
	if tl.version == "" {
		tl.version = "1"
	}
	runStart := time.Duration(-1)
	for i, st := range steps {
		tl.execMillis[i] = -1
		switch {
		case st.Status == client.StatusRunning && runStart < 0:
			runStart = st.At
		case st.Status.Terminal():
			tl.execMillis[i] = 0
			if runStart >= 0 {
				tl.execMillis[i] = float64(st.At-runStart) / float64(time.Millisecond)
			}
		}
	}
	return tl
}

// at returns the index of the step in force elapsed after the start, or -1
// before the first step.
func (tl *timeline) at(elapsed time.Duration) int {
	// Steps are few; a linear scan from the end beats a binary search.
	for i := len(tl.steps) - 1; i >= 0; i-- {
		if tl.steps[i].At <= elapsed {
			return i
		}
	}
	return -1
}

// firstFinal returns the first moment at or after from when the step in
// force has a final status, and false when that never happens.
func (tl *timeline) firstFinal(from time.Duration) (time.Duration, bool) {
	if i := tl.at(from); i >= 0 && tl.steps[i].Status.Terminal() {
		return from, true
	}
	for i, st := range tl.steps {
		if st.At <= from || (i+1 < len(tl.steps) && tl.steps[i+1].At == st.At) {
			continue // not in the future, or overridden by a later step at the same time
		}
		if st.Status.Terminal() {
			return st.At, true
		}
	}
	return 0, false
}
