package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// RunTaskV2Request starts a task with POST /v2/tasks/{taskId}/run.
//
// Unlike v1, v2 has no rule for input names: RunTaskV2 checks only that
// every name is non-empty and that names and values are valid UTF-8 (JSON
// would otherwise change them on the way). Version follows the v1 rule:
// "draft", "latest" or a number.
type RunTaskV2Request struct {
	TaskID string `json:"-"` // a UUID; sent in the path
	// Inputs are the task's input_params; nil sends an empty object.
	Inputs                 map[string]string `json:"input_params"`
	IdentityID             string            `json:"identity_id,omitempty"`
	SessionID              string            `json:"session_id,omitempty"` // reuse a browser session
	CleanupSessions        *bool             `json:"cleanup_sessions,omitempty"`
	IdentitySkipValidation *bool             `json:"identity_skip_validation,omitempty"`
	Version                string            `json:"version,omitempty"`
	// Sync makes the API answer only once the run has ended; it must then
	// end within the per-attempt timeout (WithRequestTimeout). By default
	// (false) the answer comes at once and the run is polled with GetRun.
	Sync bool `json:"sync"`
}

// Run is a v2 task run, as POST /v2/tasks/{taskId}/run and
// GET /v2/tasks/runs/{runId}/status return it.
//
// ID and Status are decoded strictly, the rest leniently, as for
// Execution. A run is waited on like an execution: poll GetRun until
// Status.Terminal(); AsExecution gives the Execution view of it for code
// that handles executions. A run reports no start time.
//
// A Run is a plain value; it is safe to read from several goroutines.
type Run struct {
	ID     string `json:"run_id"`
	Status Status `json:"status"`
	// Result is the run's result object exactly as sent; nil when the API
	// sent none (as before the run ends).
	Result json.RawMessage `json:"result,omitempty"`
	// Error is the run's error message; nil when the API sent none.
	Error     *string `json:"error,omitempty"`
	SessionID string  `json:"session_id,omitempty"`

	// Unreadable names the fields that were not as documented, as
	// Execution.Unreadable does.
	Unreadable []string `json:"-"`
	// Raw is the run's JSON object exactly as the server sent it.
	Raw json.RawMessage `json:"-"`
}

// AsExecution returns the run as an Execution, for code written for
// executions: ID is the run ID, Output the JSON text of Result (nil when
// there is none), ErrorMessage the Error; Unreadable and Raw are the
// run's, and StartTime is zero since a run reports none.
func (run *Run) AsExecution() *Execution {
	e := &Execution{
		ID:           run.ID,
		Status:       run.Status,
		ErrorMessage: run.Error,
		Unreadable:   run.Unreadable,
		Raw:          run.Raw,
	}
	if run.Result != nil {
		out := string(run.Result)
		e.Output = &out
	}
	return e
}

// UnmarshalJSON decodes a run object by the rules the Client's methods
// follow: it fails when run_id or status is missing, null, not a string or
// given twice, and records any other field that is not as documented in
// Unreadable. Member names match exactly.
func (run *Run) UnmarshalJSON(b []byte) error {
	r := getReader()
	defer r.release()
	r.startBytes(b)
	if err := r.run(run, ""); err != nil {
		return err
	}
	return r.end()
}

// MaxRunIDLen is the longest run ID GetRun accepts.
const MaxRunIDLen = 128

// validRunID reports whether id is 1 to MaxRunIDLen characters of
// [A-Za-z0-9_-]: the API documents a run ID only as a string, and these are
// the characters that can stand in a path segment as they are.
func validRunID(id string) bool {
	ok := len(id) > 0 && len(id) <= MaxRunIDLen
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
	}
	return ok
}

// checkRunID returns an error matching ErrInvalidID for a run ID that
// validRunID refuses.
func (c *Client) checkRunID(id string) error {
	if validRunID(id) {
		return nil
	}
	return invalidRunID(c.redact(id))
}

// RunTaskV2 starts a task with POST /v2/tasks/{taskId}/run and returns the
// run: its ID is what GetRun polls. req.TaskID must be a UUID; see
// RunTaskV2Request for what else is checked before sending (a failure
// matches ErrInvalidID or ErrInvalidRequest, and nothing is sent).
//
// A run is not idempotent, so RunTaskV2 retries only when the task cannot
// have started, as RunTask does. An answer whose run_id GetRun could not
// poll is a bad response; the run may have started all the same, and the
// error quotes the ID.
func (c *Client) RunTaskV2(ctx context.Context, req RunTaskV2Request, opts ...CallOption) (*Run, error) {
	task, err := c.checkID("task", req.TaskID)
	if err != nil {
		return nil, fmt.Errorf("run task (v2): %w", err)
	}
	if req.Version != "" {
		if err := CheckVersion(req.Version); err != nil {
			return nil, fmt.Errorf("run task %s (v2): %w", task, c.redactErr(err))
		}
	}
	for k, v := range req.Inputs {
		switch {
		case k == "":
			return nil, fmt.Errorf("run task %s (v2): %w: an input has an empty name", task, ErrInvalidRequest)
		case !utf8.ValidString(k):
			return nil, fmt.Errorf("run task %s (v2): %w: input %q: the name is not valid UTF-8", task, ErrInvalidRequest, k)
		case !utf8.ValidString(v):
			return nil, fmt.Errorf("run task %s (v2): %w: input %q: the value is not valid UTF-8", task, ErrInvalidRequest, k)
		}
	}
	if req.Inputs == nil {
		req.Inputs = map[string]string{}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("run task %s (v2): encode request: %w", task, err)
	}
	t := &runBody{check: true}
	cl := c.endpoint(http.MethodPost, c.prefix+"/v2/tasks/"+task+"/run", false)
	cl.body = body
	err = c.do(ctx, cl, t, opts)
	if err != nil {
		return nil, fmt.Errorf("run task %s (v2): %w", task, err)
	}
	return &t.run, nil
}

// GetRun fetches a v2 run with GET /v2/tasks/runs/{runId}/status: the call
// to poll while it is queued or running. runID must be 1 to MaxRunIDLen
// characters of [A-Za-z0-9_-]; otherwise GetRun returns an error matching
// ErrInvalidID and sends nothing. Transient failures are retried as for
// GetExecution, and the answer's run_id must be runID.
func (c *Client) GetRun(ctx context.Context, runID string, opts ...CallOption) (*Run, error) {
	if err := c.checkRunID(runID); err != nil {
		return nil, fmt.Errorf("get run: %w", err)
	}
	t := &runBody{want: runID}
	err := c.do(ctx, c.endpoint(http.MethodGet, c.prefix+"/v2/tasks/runs/"+runID+"/status", true), t, opts)
	if err != nil {
		return nil, fmt.Errorf("get run %s: %w", c.redact(runID), err)
	}
	return &t.run, nil
}

// runBody is the target of a v2 run's decode: the answer is the run
// object, unwrapped.
type runBody struct {
	run   Run
	want  string // the run ID asked for, or ""
	check bool   // the run ID must be one GetRun accepts
}

func (t *runBody) decode(r *reader) error {
	if err := r.run(&t.run, t.want); err != nil {
		return err
	}
	if t.check && !validRunID(t.run.ID) {
		return fmt.Errorf("the run started has run_id %q, which cannot be polled: want 1 to %d characters of A-Z, a-z, 0-9, - and _", t.run.ID, MaxRunIDLen)
	}
	return r.end()
}

// The fields of a run object, numbered for unreadable sets.
const (
	rnRunID = iota
	rnStatus
	rnResult
	rnError
	rnSessionID
)

var runFields = []string{rnRunID: "run_id", rnStatus: "status", rnResult: "result", rnError: "error", rnSessionID: "session_id"}

func runField(name []byte) int {
	switch string(name) {
	case "run_id":
		return rnRunID
	case "status":
		return rnStatus
	case "result":
		return rnResult
	case "error":
		return rnError
	case "session_id":
		return rnSessionID
	}
	return -1
}

// run reads a run object into *run, replacing what it held. want, when
// not "", is the run ID asked for, which the object's run_id must be,
// byte for byte.
func (r *reader) run(run *Run, want string) error {
	*run = Run{}
	from, err := r.beginObject("the run")
	if err != nil {
		return err
	}
	var seen, bad unreadable
	for {
		name, more, err := r.member()
		if err != nil {
			return err
		}
		if !more {
			break
		}
		i := runField(name)
		if i < 0 {
			if err := r.skip(); err != nil {
				return err
			}
			continue
		}
		v, err := r.value()
		if err != nil {
			return err
		}
		bit := unreadable(1) << i
		if seen&bit != 0 {
			if i == rnRunID || i == rnStatus {
				return fmt.Errorf("%q appears twice in the run", runFields[i])
			}
			bad |= bit
			run.zero(i)
			continue
		}
		seen |= bit
		if !r.runValue(run, i, v, want) {
			if i == rnRunID || i == rnStatus {
				return fmt.Errorf("run %q is %s, want a string", runFields[i], kindName(v.Kind()))
			}
			bad |= bit
			run.zero(i)
		}
	}
	to := r.offset()
	switch {
	case seen&(1<<rnRunID) == 0:
		return errors.New(`the run has no "run_id"`)
	case seen&(1<<rnStatus) == 0:
		return errors.New(`the run has no "status"`)
	case want != "" && run.ID != want:
		return fmt.Errorf("asked for run %s, got %q", want, run.ID)
	}
	run.Unreadable = bad.list(runFields)
	run.Raw = r.raw(from, to)
	return nil
}

// runValue decodes value v of field i into run, and reports whether v was
// of the field's type. A null result, error or session_id counts as absent.
func (r *reader) runValue(run *Run, i int, v jsontext.Value, want string) (ok bool) {
	switch i {
	case rnRunID:
		run.ID, ok = r.strAs(v, want)
	case rnStatus:
		run.Status, ok = r.status(v)
	case rnResult:
		switch v.Kind() {
		case 'n':
			return true
		case '{':
			run.Result = copyValue(v)
			return true
		}
	case rnError:
		run.Error, ok = r.nullableStr(v)
	case rnSessionID:
		if v.Kind() == 'n' {
			return true
		}
		run.SessionID, ok = r.str(v)
	}
	return ok
}

// zero clears field i of run.
func (run *Run) zero(i int) {
	switch i {
	case rnResult:
		run.Result = nil
	case rnError:
		run.Error = nil
	case rnSessionID:
		run.SessionID = ""
	}
}
