package anchortest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

// Operation names an endpoint by its operationId in the API spec.
type Operation string

// The endpoints the server answers. A request for any other path has the
// empty Operation.
const (
	OpGetExecution     Operation = "getExecution"       // GET /v1/task/{taskId}/executions/{executionId}
	OpListExecutions   Operation = "listExecutions"     // GET /v1/task/{taskId}/executions
	OpRunTask          Operation = "runTask"            // POST /v1/task/run
	OpGetExecutionByID Operation = "getExecutionByID"   // GET /v1/executions/{executionId}
	OpRunTaskV2        Operation = "runTaskV2"          // POST /v2/tasks/{taskId}/run
	OpGetRun           Operation = "getTaskRunStatusV2" // GET /v2/tasks/runs/{runId}/status
)

// Drop says how a faulted answer breaks its connection.
type Drop uint8

const (
	// NoDrop answers normally.
	NoDrop Drop = iota
	// DropConnection closes the connection without sending anything.
	DropConnection
	// DropMidBody sends the status line, the headers (with the full
	// Content-Length) and the first half of the body, then closes the
	// connection.
	DropMidBody
)

// Fault makes chosen requests misbehave. The zero Fault matches every request
// and changes nothing; set the selection fields to choose requests and the
// effect fields to say what happens to them.
//
// A Fault is a plain value; the server keeps its own copy.
type Fault struct {
	// FromRequest and ToRequest select requests by number, 1-based and
	// inclusive: for a fault in a Script, the nth GET of that execution or
	// run, by either endpoint (counted once the API key and IDs are
	// checked); for a
	// server-wide fault, the nth request the server received. 0 leaves that
	// end open. {FromRequest: 2, ToRequest: 4} is the 2nd, 3rd and 4th.
	FromRequest, ToRequest int
	// After and Before select requests by arrival time: at or after After,
	// and before Before (0 leaves that end open), counted from the moment
	// the execution was added, or for a server-wide fault, from when the
	// server was created.
	After, Before time.Duration
	// Op, when set, selects only requests for that endpoint. A Script's
	// faults see only the GETs of their execution (OpGetExecution and
	// OpGetExecutionByID) or run (OpGetRun).
	Op Operation

	// Delay holds the answer back this long. The wait ends early, with no
	// answer, when the client gives up or the server closes.
	Delay time.Duration
	// Status, when not 0, answers with this HTTP status and the API's error
	// body instead of the normal answer. It must be from 200 to 599; any
	// other value gets a 500 whose message names it.
	Status int
	// Header is added to the answer, such as
	// {"Retry-After": {"2"}}, {"Retry-After-Ms": {"1500"}} or
	// {"X-Should-Retry": {"false"}}.
	Header http.Header
	// RetryAfterDate, when above 0, adds a Retry-After header holding the
	// HTTP date this long after the answer is sent.
	RetryAfterDate time.Duration
	// Body replaces or corrupts the body; the zero Body leaves it alone.
	Body Body
	// Drop breaks the connection instead of, or in the middle of, answering.
	Drop Drop
}

// matches reports whether the fault applies to the nth request, arriving
// elapsed after the start, for endpoint op.
func (f *Fault) matches(n int64, elapsed time.Duration, op Operation) bool {
	switch {
	case f.FromRequest > 0 && n < int64(f.FromRequest),
		f.ToRequest > 0 && n > int64(f.ToRequest),
		elapsed < f.After,
		f.Before > 0 && elapsed >= f.Before,
		f.Op != "" && f.Op != op:
		return false
	}
	return true
}

// cloneFaults copies faults deeply enough that later changes to the
// caller's values, headers included, do not reach the server.
func cloneFaults(faults []Fault) []Fault {
	out := make([]Fault, len(faults))
	for i, f := range faults {
		f.Header = f.Header.Clone()
		out[i] = f
	}
	return out
}

// matchFault returns the first fault in faults that matches, or nil.
func matchFault(faults []Fault, n int64, elapsed time.Duration, op Operation) *Fault {
	for i := range faults {
		if faults[i].matches(n, elapsed, op) {
			return &faults[i]
		}
	}
	return nil
}

// Body is a replacement or corruption of an answer's body, for a Fault. Make
// one with HTMLBody, EmptyBody, TruncatedBody, MissingField, WrongType,
// HugeOutput or RawBody. The zero Body leaves the body alone.
type Body struct {
	name        string
	contentType string // "" keeps the normal one
	rewrite     func(normal []byte) []byte
}

// String names the body change, for test output.
func (b Body) String() string {
	if b.rewrite == nil {
		return "unchanged"
	}
	return b.name
}

// apply returns the new content type and body.
func (b Body) apply(contentType string, normal []byte) (string, []byte) {
	if b.rewrite == nil {
		return contentType, normal
	}
	if b.contentType != "" {
		contentType = b.contentType
	}
	return contentType, b.rewrite(normal)
}

// htmlPage is what a proxy in front of an API typically sends when it fails.
const htmlPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"

// HTMLBody replaces the body with a proxy's HTML error page, sent as text/html.
func HTMLBody() Body {
	return Body{name: "HTML page", contentType: "text/html", rewrite: func([]byte) []byte { return []byte(htmlPage) }}
}

// EmptyBody replaces the body with nothing, keeping the JSON content type.
func EmptyBody() Body {
	return Body{name: "empty", rewrite: func([]byte) []byte { return nil }}
}

// TruncatedBody cuts the body in half, so the JSON ends too early. The
// Content-Length matches the shorter body: the connection stays sound.
func TruncatedBody() Body {
	return Body{name: "truncated JSON", rewrite: func(b []byte) []byte { return b[:len(b)/2] }}
}

// RawBody replaces the body with b, sent with contentType ("" keeps the JSON
// one). b is used as is; do not change it afterwards.
func RawBody(contentType string, b []byte) Body {
	return Body{name: "raw bytes", contentType: contentType, rewrite: func([]byte) []byte { return b }}
}

// MissingField removes field from the answer: from the execution, or from
// every execution of a list, or from the run result or v2 run.
func MissingField(field string) Body {
	return Body{name: "missing field " + field, rewrite: editJSON(field, func(obj map[string]any) {
		delete(obj, field)
	})}
}

// WrongType replaces field in the answer (the object MissingField would
// edit) with a value of the wrong JSON type: a number for a string, an
// empty array for null (wrong for every field the API sends), a string for
// anything else.
func WrongType(field string) Body {
	return Body{name: "wrong type for " + field, rewrite: editJSON(field, func(obj map[string]any) {
		switch obj[field].(type) {
		case string:
			obj[field] = 12345
		case nil:
			obj[field] = []any{}
		default:
			obj[field] = "not-a-" + field
		}
	})}
}

// HugeOutput sets the output field of the answer (the object MissingField
// would edit) to n bytes of text: tens of megabytes test a client's cap on
// body size.
func HugeOutput(n int) Body {
	// A short placeholder goes through the JSON edit; the n bytes are then
	// spliced in its place, so the huge text is written once.
	const placeholder = "\x00anchortest-huge-output\x00"
	edit := editJSON("output", func(obj map[string]any) { obj["output"] = placeholder })
	return Body{name: "huge output", rewrite: func(b []byte) []byte {
		b = edit(b)
		quoted, _ := json.Marshal(placeholder)
		i := bytes.Index(b, quoted)
		if i < 0 {
			return b
		}
		n := max(n, 0)
		out := make([]byte, 0, len(b)-len(quoted)+n+2)
		out = append(out, b[:i]...)
		out = append(out, '"')
		out = append(out, bytes.Repeat([]byte{'x'}, n)...)
		out = append(out, '"')
		return append(out, b[i+len(quoted):]...)
	}}
}

// editJSON returns a rewrite that applies edit to the objects of a body that
// should hold field: data itself when it has field (or is not a list), else
// each of data.results, else the error object. A body that is not JSON is
// left alone.
func editJSON(field string, edit func(map[string]any)) func([]byte) []byte {
	return func(b []byte) []byte {
		var doc map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return b
		}
		for _, obj := range objectsFor(doc, field) {
			edit(obj)
		}
		out, err := json.Marshal(doc)
		if err != nil {
			return b
		}
		return out
	}
}

// objectsFor finds the objects of doc that field belongs in: those under
// "data" for the wrapped answers, else the error object, else doc itself
// (the unwrapped answers: GET /v1/executions/{id} and v2 runs).
func objectsFor(doc map[string]any, field string) []map[string]any {
	if data, ok := doc["data"].(map[string]any); ok {
		results, isList := data["results"].([]any)
		if _, has := data[field]; has || !isList {
			return []map[string]any{data}
		}
		objs := make([]map[string]any, 0, len(results))
		for _, r := range results {
			if obj, ok := r.(map[string]any); ok {
				objs = append(objs, obj)
			}
		}
		return objs
	}
	if e, ok := doc["error"].(map[string]any); ok {
		return []map[string]any{e}
	}
	if _, wrapped := doc["data"]; wrapped {
		return nil
	}
	return []map[string]any{doc}
}
