package poller

import (
	"slices"
	"sync"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// historySize is how many recent durations the history keeps per task
// version.
const historySize = 100

// historyMinRuns is how many durations a history needs before it says
// anything.
const historyMinRuns = 5

// history keeps, per task version, how long its recent executions ran, as
// the task's list and the Poller's own waits saw them. It is safe for
// concurrent use.
type history struct {
	mu sync.Mutex
	// runs holds the durations of a task version, keyed by historyKey.
	runs map[string]*runs
	// listed holds the tasks whose list was asked for their history.
	listed map[string]bool
}

// runs is one task version's recent durations, a ring, and the estimate
// they make (computed when first needed after a change).
type runs struct {
	ring  []run
	next  int             // the slot to fill next once the ring is full
	seen  map[string]bool // the executions in the ring
	est   Estimate
	dirty bool
}

// run is one execution's duration.
type run struct {
	id string
	d  time.Duration
}

// historyKey is the key of task's version v in the history: the
// execution's taskVersionId when it has one, else its version name.
func historyKey(task string, e *client.Execution) string {
	v := e.TaskVersionID
	if v == "" {
		v = e.Version
	}
	return task + "\x00" + v
}

// add counts e, a terminal execution of task, if it reports how long it
// ran and was not counted before.
func (h *history) add(task string, e *client.Execution) {
	d, ok := e.Duration()
	if !ok || d <= 0 || !e.Status.Terminal() {
		return
	}
	key := historyKey(task, e)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.runs == nil {
		h.runs = make(map[string]*runs)
	}
	r := h.runs[key]
	if r == nil {
		r = &runs{seen: make(map[string]bool)}
		h.runs[key] = r
	}
	if r.seen[e.ID] {
		return
	}
	r.seen[e.ID] = true
	if len(r.ring) < historySize {
		r.ring = append(r.ring, run{e.ID, d})
	} else {
		delete(r.seen, r.ring[r.next].id)
		r.ring[r.next] = run{e.ID, d}
		r.next = (r.next + 1) % historySize
	}
	r.dirty = true
}

// estimate returns what the history says of the durations of e's task
// version: the zero Estimate below historyMinRuns runs.
func (h *history) estimate(task string, e *client.Execution) Estimate {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.runs[historyKey(task, e)]
	if r == nil || len(r.ring) < historyMinRuns {
		return Estimate{}
	}
	if r.dirty {
		r.est, r.dirty = estimateOf(r.ring), false
	}
	return r.est
}

// markListed records that task's list was asked for its history, and
// reports whether it had been already.
func (h *history) markListed(task string) (already bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.listed == nil {
		h.listed = make(map[string]bool)
	}
	already = h.listed[task]
	h.listed[task] = true
	return already
}

// estimateOf makes an Estimate of durations: the window from a tenth below
// the shortest of the middle 96 % to a tenth above the longest. The margins
// keep a history that is a little off from costing lag.
func estimateOf(runs []run) Estimate {
	d := make([]time.Duration, len(runs))
	for i, r := range runs {
		d[i] = r.d
	}
	slices.Sort(d)
	lo := d[len(d)*2/100]
	hi := d[len(d)-1-len(d)*2/100]
	return Estimate{Low: lo * 9 / 10, High: hi * 11 / 10}
}
