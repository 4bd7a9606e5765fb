package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// Status is the state of a task execution as the API reports it.
//
// Queued and running are the only values that are not final. A value the API
// may add later is kept as it is and is not terminal, so a waiter keeps going
// and reports it rather than guessing an outcome.
type Status string

// The statuses the API documents.
const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusSuccess   Status = "success"
	StatusFailure   Status = "failure"
	StatusTimeout   Status = "timeout"
	StatusCancelled Status = "cancelled"
)

// Statuses returns every documented status, non-terminal ones first, in a
// new slice the caller may keep.
func Statuses() []Status {
	return []Status{StatusQueued, StatusRunning, StatusSuccess, StatusFailure, StatusTimeout, StatusCancelled}
}

// Terminal reports whether s is a final status: success, failure, timeout or
// cancelled. Queued, running and any undocumented value are not terminal.
func (s Status) Terminal() bool {
	switch s {
	case StatusSuccess, StatusFailure, StatusTimeout, StatusCancelled:
		return true
	}
	return false
}

// Known reports whether s is one of the six documented statuses.
func (s Status) Known() bool {
	return s.Terminal() || s == StatusQueued || s == StatusRunning
}

// String returns the status as the API spells it.
func (s Status) String() string { return string(s) }

// Execution is one run of a task, as GET /v1/task/{taskId}/executions/{executionId}
// returns it, or GET /v1/executions/{executionId}, which also reports the
// fields from TaskID on. Nullable fields are pointers: nil means the API
// sent null or nothing, which stays distinct from an empty string or zero.
//
// The Client's methods decode leniently what does not decide an outcome: a
// field of the wrong type or out of range is left at its zero value and
// named in Unreadable, and Raw keeps the object as the server sent it. ID
// and Status are decoded strictly: without them there is no Execution.
//
// An Execution is a plain value; it is safe to read from several goroutines.
type Execution struct {
	ID            string    `json:"id"`
	TaskVersionID string    `json:"taskVersionId"`
	Version       string    `json:"version"`
	Status        Status    `json:"status"`
	Output        *string   `json:"output"`
	ErrorMessage  *string   `json:"errorMessage"`
	StartTime     time.Time `json:"startTime"` // zero when unreadable
	// ExecutionTime is the duration in milliseconds; nil while unknown.
	ExecutionTime *float64 `json:"executionTime"`

	// The fields below are reported by GetExecutionByID only, and are zero
	// when a task-scoped endpoint answered.
	TaskID           string          `json:"taskId,omitempty"`
	IsDraft          bool            `json:"isDraft,omitempty"`
	BrowserSessionID *string         `json:"browserSessionId,omitempty"`
	HasLogs          bool            `json:"hasLogs,omitempty"`
	Inputs           json.RawMessage `json:"inputs,omitempty"` // a JSON object, as sent
	Tags             []string        `json:"tags,omitempty"`
	ToolName         *string         `json:"toolName,omitempty"`
	ToolPublicID     *string         `json:"toolPublicId,omitempty"`

	// Unreadable names, as the API spells them, the fields the server
	// sent with a value of the wrong type or out of range (an
	// executionTime past float64's range, a startTime that is not RFC
	// 3339), sent twice, or did not send though the API documents them as
	// required. Each is left at its zero value. nil when every field was
	// as documented.
	Unreadable []string `json:"-"`
	// Raw is the execution's JSON object exactly as the server sent it
	// (nil for an Execution not decoded from a response). It holds a
	// second copy of Output and ErrorMessage: a caller that keeps many
	// executions with large outputs, and has no use for Raw, may set it to
	// nil.
	Raw json.RawMessage `json:"-"`
}

// Duration returns ExecutionTime as a time.Duration, and false when the API
// has not reported one, or reported one that is negative or too long for a
// time.Duration (about 292 years).
func (e *Execution) Duration() (time.Duration, bool) {
	if e == nil || e.ExecutionTime == nil {
		return 0, false
	}
	ns := *e.ExecutionTime * float64(time.Millisecond)
	if !(ns >= 0 && ns < float64(math.MaxInt64)) {
		return 0, false
	}
	return time.Duration(ns), true
}

// UnmarshalJSON decodes an execution object by the rules the Client's
// methods follow (see Execution): it fails when id or status is missing,
// null, not a string or given twice, and records any other field that is
// not as documented in Unreadable. Member names match exactly.
func (e *Execution) UnmarshalJSON(b []byte) error {
	r := getReader()
	defer r.release()
	r.startBytes(b)
	if err := r.execution(e, shapeTask, ""); err != nil {
		return err
	}
	return r.end()
}

// shape is which endpoint's schema an execution object follows.
type shape uint8

const (
	shapeTask shape = iota // the task-scoped endpoints: Execution
	shapeByID              // GET /v1/executions/{id}: ExecutionByID
)

// The fields of an execution object, numbered for unreadable sets.
const (
	exID = iota
	exTaskVersionID
	exVersion
	exStatus
	exOutput
	exErrorMessage
	exStartTime
	exExecutionTime
	exTaskID
	exIsDraft
	exBrowserSessionID
	exHasLogs
	exInputs
	exTags
	exToolName
	exToolPublicID
	exCount
)

var execFields = []string{
	exID: "id", exTaskVersionID: "taskVersionId", exVersion: "version", exStatus: "status",
	exOutput: "output", exErrorMessage: "errorMessage", exStartTime: "startTime",
	exExecutionTime: "executionTime", exTaskID: "taskId", exIsDraft: "isDraft",
	exBrowserSessionID: "browserSessionId", exHasLogs: "hasLogs", exInputs: "inputs",
	exTags: "tags", exToolName: "toolName", exToolPublicID: "toolPublicId",
}

// required are the fields each shape's schema requires besides id and
// status: missing, they are unreadable.
var required = [...]unreadable{
	shapeTask: 1<<exTaskVersionID | 1<<exVersion | 1<<exStartTime,
	shapeByID: 1 << exStartTime,
}

// execField returns the number of the execution field name, or -1.
func execField(name []byte) int {
	switch string(name) {
	case "id":
		return exID
	case "taskVersionId":
		return exTaskVersionID
	case "version":
		return exVersion
	case "status":
		return exStatus
	case "output":
		return exOutput
	case "errorMessage":
		return exErrorMessage
	case "startTime":
		return exStartTime
	case "executionTime":
		return exExecutionTime
	case "taskId":
		return exTaskID
	case "isDraft":
		return exIsDraft
	case "browserSessionId":
		return exBrowserSessionID
	case "hasLogs":
		return exHasLogs
	case "inputs":
		return exInputs
	case "tags":
		return exTags
	case "toolName":
		return exToolName
	case "toolPublicId":
		return exToolPublicID
	}
	return -1
}

// execution reads an execution object into *e, replacing what it held.
// want, when not "", is the ID asked for: the object's id must be it (in
// any case, as UUIDs go), and is then returned without a copy when it is
// spelled the same.
func (r *reader) execution(e *Execution, sh shape, want string) error {
	*e = Execution{}
	from, err := r.beginObject("the execution")
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
		i := execField(name)
		if i < 0 {
			if err := r.skip(); err != nil {
				return err
			}
			continue
		}
		bit := unreadable(1) << i
		if seen&bit != 0 {
			if i == exID || i == exStatus {
				return fmt.Errorf("%q appears twice in the execution", execFields[i])
			}
			// Which one the server meant is anyone's guess.
			bad |= bit
			e.zero(i)
			if err := r.skip(); err != nil {
				return err
			}
			continue
		}
		seen |= bit
		v, err := r.value()
		if err != nil {
			return err
		}
		if !r.executionField(e, i, v, want) {
			switch i {
			case exID, exStatus:
				return fmt.Errorf("execution %q is %s, want a string", execFields[i], kindName(v.Kind()))
			}
			bad |= bit
			e.zero(i)
		}
	}
	to := r.offset()
	switch {
	case seen&(1<<exID) == 0:
		return errors.New(`the execution has no "id"`)
	case seen&(1<<exStatus) == 0:
		return errors.New(`the execution has no "status"`)
	case want != "" && e.ID != want && !strings.EqualFold(e.ID, want):
		return fmt.Errorf("asked for execution %s, got %q", want, e.ID)
	}
	bad |= required[sh] &^ seen
	e.Unreadable = bad.list(execFields)
	e.Raw = r.raw(from, to)
	return nil
}

// executionField decodes value v of field i into e, and reports whether v
// was of the field's type and in its range.
func (r *reader) executionField(e *Execution, i int, v jsontext.Value, want string) (ok bool) {
	switch i {
	case exID:
		e.ID, ok = r.strAs(v, want)
	case exTaskVersionID:
		e.TaskVersionID, ok = r.str(v)
	case exVersion:
		e.Version, ok = r.str(v)
	case exStatus:
		e.Status, ok = r.status(v)
	case exOutput:
		e.Output, ok = r.nullableStr(v)
	case exErrorMessage:
		e.ErrorMessage, ok = r.nullableStr(v)
	case exStartTime:
		e.StartTime, ok = r.timestamp(v)
	case exExecutionTime:
		if v.Kind() == 'n' {
			return true
		}
		var ms float64
		if ms, ok = number(v); ok {
			e.ExecutionTime = &ms
		}
	case exTaskID:
		e.TaskID, ok = r.str(v)
	case exIsDraft:
		e.IsDraft, ok = boolean(v)
	case exBrowserSessionID:
		e.BrowserSessionID, ok = r.nullableStr(v)
	case exHasLogs:
		e.HasLogs, ok = boolean(v)
	case exInputs:
		switch v.Kind() {
		case 'n':
			return true
		case '{':
			e.Inputs = copyValue(v)
			return true
		}
	case exTags:
		if v.Kind() == 'n' {
			return true
		}
		e.Tags, ok = r.stringList(v)
	case exToolName:
		e.ToolName, ok = r.nullableStr(v)
	case exToolPublicID:
		e.ToolPublicID, ok = r.nullableStr(v)
	}
	return ok
}

// zero clears field i of e.
func (e *Execution) zero(i int) {
	switch i {
	case exTaskVersionID:
		e.TaskVersionID = ""
	case exVersion:
		e.Version = ""
	case exOutput:
		e.Output = nil
	case exErrorMessage:
		e.ErrorMessage = nil
	case exStartTime:
		e.StartTime = time.Time{}
	case exExecutionTime:
		e.ExecutionTime = nil
	case exTaskID:
		e.TaskID = ""
	case exIsDraft:
		e.IsDraft = false
	case exBrowserSessionID:
		e.BrowserSessionID = nil
	case exHasLogs:
		e.HasLogs = false
	case exInputs:
		e.Inputs = nil
	case exTags:
		e.Tags = nil
	case exToolName:
		e.ToolName = nil
	case exToolPublicID:
		e.ToolPublicID = nil
	}
}

// stringList decodes v, an array value just read, as an array of strings,
// and false when it is not one.
func (r *reader) stringList(v jsontext.Value) ([]string, bool) {
	if v.Kind() != '[' {
		return nil, false
	}
	var d jsontext.Decoder
	d.Reset(bytes.NewReader(v), decodeOptions...)
	if _, err := d.ReadToken(); err != nil {
		return nil, false
	}
	out := []string{}
	for d.PeekKind() == '"' {
		s, err := d.ReadValue()
		if err != nil {
			return nil, false
		}
		out = append(out, string(r.unquote(s)))
	}
	if d.PeekKind() != ']' {
		return nil, false
	}
	return out, true
}

// ListOptions selects one page of a task's executions. Zero fields are left
// out of the request, so the API's defaults apply (page 1, 10 per page).
type ListOptions struct {
	Page    int    // 1-based page number
	Limit   int    // results per page
	Status  Status // only executions with this status
	Version string // only executions of this task version
}

// Pagination describes where a page stands in the whole list.
type Pagination struct {
	Page       int `json:"page"`
	Limit      int `json:"limit"`
	Total      int `json:"total"`
	TotalPages int `json:"totalPages"`
}

// ExecutionPage is one page of ListExecutions, newest execution first.
//
// Results are decoded as GetExecution decodes one execution: an element
// without a readable id or status makes the whole page a bad response.
// Pagination is lenient: what is not as documented is left at zero and
// named in Unreadable.
type ExecutionPage struct {
	Results    []Execution `json:"results"`
	Pagination Pagination  `json:"pagination"`
	// Unreadable names the pagination fields that were missing or not as
	// documented ("pagination" itself, or "pagination.total", say); nil
	// when all were.
	Unreadable []string `json:"-"`
}

// UnmarshalJSON decodes a page by the rules the Client follows (see
// ExecutionPage). It fails when results is missing, not an array of
// executions, or given twice.
func (p *ExecutionPage) UnmarshalJSON(b []byte) error {
	r := getReader()
	defer r.release()
	r.startBytes(b)
	if err := r.page(p); err != nil {
		return err
	}
	return r.end()
}

// The fields of a page, numbered for unreadable sets.
const (
	pgPagination = iota
	pgPage
	pgLimit
	pgTotal
	pgTotalPages
)

var pageFields = []string{
	pgPagination: "pagination", pgPage: "pagination.page", pgLimit: "pagination.limit",
	pgTotal: "pagination.total", pgTotalPages: "pagination.totalPages",
}

// page reads a page object into *p, replacing what it held.
func (r *reader) page(p *ExecutionPage) error {
	*p = ExecutionPage{}
	if _, err := r.beginObject("the page"); err != nil {
		return err
	}
	var gotResults, gotPagination bool
	var bad unreadable
	for {
		name, more, err := r.member()
		if err != nil {
			return err
		}
		if !more {
			break
		}
		switch string(name) {
		case "results":
			if gotResults {
				return errors.New(`"results" appears twice in the page`)
			}
			gotResults = true
			if p.Results, err = r.results(); err != nil {
				return err
			}
		case "pagination":
			if gotPagination {
				bad |= 1 << pgPagination
				p.Pagination = Pagination{}
				if err := r.skip(); err != nil {
					return err
				}
				continue
			}
			gotPagination = true
			b, err := r.pagination(&p.Pagination)
			if err != nil {
				return err
			}
			bad |= b
		default:
			if err := r.skip(); err != nil {
				return err
			}
		}
	}
	if !gotResults {
		return errors.New(`the page has no "results"`)
	}
	if !gotPagination {
		bad |= 1 << pgPagination
	}
	p.Unreadable = bad.list(pageFields)
	return nil
}

// results reads the array of a page's executions.
func (r *reader) results() ([]Execution, error) {
	if k := r.dec.PeekKind(); k != '[' {
		if k == 0 {
			_, err := r.dec.ReadToken()
			return nil, syntaxError(err)
		}
		return nil, fmt.Errorf(`"results" is %s, want an array`, kindName(k))
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return nil, syntaxError(err)
	}
	out := []Execution{}
	for r.dec.PeekKind() != ']' {
		out = append(out, Execution{})
		if err := r.execution(&out[len(out)-1], shapeTask, ""); err != nil {
			return nil, fmt.Errorf("result %d: %w", len(out)-1, err)
		}
	}
	_, err := r.dec.ReadToken()
	return out, syntaxError(err)
}

// pagination reads a page's pagination leniently, returning what was
// unreadable.
func (r *reader) pagination(pg *Pagination) (unreadable, error) {
	if r.dec.PeekKind() != '{' {
		return 1 << pgPagination, r.skip()
	}
	if _, err := r.beginObject("pagination"); err != nil {
		return 0, err
	}
	var seen, bad unreadable
	for {
		name, more, err := r.member()
		if err != nil {
			return 0, err
		}
		if !more {
			break
		}
		var i int
		var dst *int
		switch string(name) {
		case "page":
			i, dst = pgPage, &pg.Page
		case "limit":
			i, dst = pgLimit, &pg.Limit
		case "total":
			i, dst = pgTotal, &pg.Total
		case "totalPages":
			i, dst = pgTotalPages, &pg.TotalPages
		default:
			if err := r.skip(); err != nil {
				return 0, err
			}
			continue
		}
		v, err := r.value()
		if err != nil {
			return 0, err
		}
		bit := unreadable(1) << i
		n, ok := integer(v)
		switch {
		case seen&bit != 0 || !ok: // a second value, or not a count
			bad |= bit
			*dst = 0
		case bad&bit == 0:
			*dst = n
		}
		seen |= bit
	}
	bad |= (1<<pgPage | 1<<pgLimit | 1<<pgTotal | 1<<pgTotalPages) &^ seen
	return bad, nil
}
