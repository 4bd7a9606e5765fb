package anchortest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/anchorwait/anchorwait/client"
)

// execution is one execution, or v2 run, the server knows. Everything but
// the request counters is fixed when it is added, so reads need no lock.
type execution struct {
	id            string
	taskID        string
	taskVersionID string
	version       string
	inputs        map[string]string // as POST /v1/task/run gave them; nil for none
	sessionID     string            // the browser session asked for, "" for a new one
	created       time.Time
	tl            *timeline
	requests      atomic.Int64 // GETs of it so far, for its script's faults
	ended         atomic.Int64 // requests that named it and have ended
}

// visible reports whether the execution can be seen elapsed after it was added.
func (e *execution) visible(elapsed time.Duration) bool {
	return elapsed >= e.tl.visibleAfter
}

// snapshot returns the execution as the API shows it elapsed after it was added.
func (e *execution) snapshot(elapsed time.Duration) client.Execution {
	x := client.Execution{
		ID:            e.id,
		TaskVersionID: e.taskVersionID,
		Version:       e.version,
		Status:        client.StatusQueued,
		StartTime:     e.created.UTC().Truncate(time.Millisecond),
	}
	if i := e.tl.at(elapsed); i >= 0 {
		st := &e.tl.steps[i]
		x.Status, x.Output, x.ErrorMessage = st.Status, st.Output, st.ErrorMessage
		if ms := e.tl.execMillis[i]; ms >= 0 {
			x.ExecutionTime = &ms
		}
	}
	return x
}

// session is the browser session the execution runs in: the one it was
// started in, or one of its own.
func (e *execution) session() string {
	if e.sessionID != "" {
		return e.sessionID
	}
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("anchortest:session:"+e.id)).String()
}

// browserSession is the browserSessionId an execution with status reports:
// none while it is queued, unless it was started in a session.
func (e *execution) browserSession(status client.Status) *string {
	if status == client.StatusQueued && e.sessionID == "" {
		return nil
	}
	id := e.session()
	return &id
}

// task is one task's executions in the order they were added.
type task struct {
	execs []*execution
}

// store holds the server's tasks and executions. It is safe for concurrent use.
type store struct {
	mu    sync.RWMutex
	execs map[string]*execution // by execution ID
	runs  map[string]*execution // v2 runs by run ID, which is case-sensitive
	tasks map[string]*task      // by task ID
	// onlyTasks, when not nil, are the tasks that POST /v1/task/run accepts
	// besides those that already have executions.
	onlyTasks map[string]bool
	// onAdd, when set, sees every execution (run false) and v2 run (run
	// true) once added, under the lock.
	onAdd func(e *execution, run bool)

	idMu sync.Mutex
	rng  *rand.ChaCha8 // nil: IDs from crypto/rand
}

func newStore(seed *uint64, onlyTasks []string) *store {
	st := &store{execs: make(map[string]*execution), runs: make(map[string]*execution), tasks: make(map[string]*task)}
	if seed != nil {
		var key [32]byte
		binary.LittleEndian.PutUint64(key[:], *seed)
		st.rng = rand.NewChaCha8(key)
	}
	if onlyTasks != nil {
		st.onlyTasks = make(map[string]bool, len(onlyTasks))
		for _, id := range onlyTasks {
			st.onlyTasks[canonicalID(id)] = true
		}
	}
	return st
}

// newID returns a fresh random (version 4) UUID.
func (st *store) newID() string {
	if st.rng == nil {
		return uuid.NewString()
	}
	st.idMu.Lock()
	defer st.idMu.Unlock()
	id, err := uuid.NewRandomFromReader(st.rng)
	if err != nil { // ChaCha8.Read never fails
		return uuid.NewString()
	}
	return id.String()
}

// newRunID returns a fresh v2 run ID. The API documents run IDs only as
// strings; these are not UUIDs, so that a client that takes them for UUIDs
// fails its tests.
func (st *store) newRunID() string {
	return "run_" + strings.ReplaceAll(st.newID(), "-", "")
}

var errDuplicateID = errors.New("execution ID already in use")

// newExecution returns an execution of taskID following tl, reporting
// version ("" for the timeline's), not yet stored. An empty execID gets a
// fresh one.
func (st *store) newExecution(taskID, execID string, tl *timeline, version string) *execution {
	taskID = canonicalID(taskID)
	if execID == "" {
		execID = st.newID()
	}
	if version == "" {
		version = tl.version
	}
	return &execution{
		id:            canonicalID(execID),
		taskID:        taskID,
		taskVersionID: taskVersionID(taskID, version),
		version:       version,
		tl:            tl,
	}
}

// add stores a new execution of taskID following tl, reporting version
// ("" for the timeline's). An empty execID gets a fresh one. The execution
// starts now, taken under the lock, so a task's list is in order of creation.
func (st *store) add(taskID, execID string, tl *timeline, version string) (*execution, error) {
	e := st.newExecution(taskID, execID, tl, version)
	return e, st.insert(e)
}

// insert stores e, made by newExecution, and starts it now.
func (st *store) insert(e *execution) error {
	taskID := e.taskID
	st.mu.Lock()
	defer st.mu.Unlock()
	e.created = time.Now()
	if _, dup := st.execs[e.id]; dup {
		return fmt.Errorf("add execution %s: %w", e.id, errDuplicateID)
	}
	st.execs[e.id] = e
	t := st.tasks[taskID]
	if t == nil {
		t = &task{}
		st.tasks[taskID] = t
	}
	t.execs = append(t.execs, e)
	if st.onAdd != nil {
		st.onAdd(e, false)
	}
	return nil
}

// addRun stores a new v2 run of taskID following tl, started now, in
// browser session sessionID ("" for a new one).
func (st *store) addRun(taskID string, tl *timeline, version, sessionID string) *execution {
	for {
		r := st.newExecution(taskID, "", tl, version)
		r.id = st.newRunID()
		r.sessionID = sessionID
		st.mu.Lock()
		if _, dup := st.runs[r.id]; !dup {
			r.created = time.Now()
			st.runs[r.id] = r
			if st.onAdd != nil {
				st.onAdd(r, true)
			}
			st.mu.Unlock()
			return r
		}
		st.mu.Unlock()
	}
}

// run returns the v2 run runID, or nil.
func (st *store) run(runID string) *execution {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.runs[runID]
}

// get returns the execution execID of taskID, or nil.
func (st *store) get(taskID, execID string) *execution {
	st.mu.RLock()
	e := st.execs[canonicalID(execID)]
	st.mu.RUnlock()
	if e == nil || e.taskID != canonicalID(taskID) {
		return nil
	}
	return e
}

// byID returns the execution execID of any task, or nil.
func (st *store) byID(execID string) *execution {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.execs[canonicalID(execID)]
}

// execOrRun returns the execution or v2 run called id, or nil.
func (st *store) execOrRun(id string) *execution {
	if e := st.byID(id); e != nil {
		return e
	}
	return st.run(id)
}

// list returns taskID's executions, oldest first, and false for a task the
// server does not know. The slice must not be changed.
func (st *store) list(taskID string) ([]*execution, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	t := st.tasks[canonicalID(taskID)]
	if t == nil {
		return nil, false
	}
	return t.execs[:len(t.execs):len(t.execs)], true
}

// accepts reports whether POST /v1/task/run may start taskID.
func (st *store) accepts(taskID string) bool {
	if st.onlyTasks == nil {
		return true
	}
	taskID = canonicalID(taskID)
	st.mu.RLock()
	_, known := st.tasks[taskID]
	st.mu.RUnlock()
	return known || st.onlyTasks[taskID]
}

// taskVersionID is a stable ID for a task's version: the same task and
// version always get the same one.
func taskVersionID(taskID, version string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("anchortest:"+taskID+"@"+version)).String()
}

// canonicalID lower-cases an ID, allocating only when it has upper case.
func canonicalID(id string) string {
	for i := 0; i < len(id); i++ {
		if c := id[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(id)
		}
	}
	return id
}

// validID reports whether id is a UUID in its canonical 36-character form.
func validID(id string) bool {
	if len(id) != 36 {
		return false
	}
	_, err := uuid.Parse(id)
	return err == nil
}
