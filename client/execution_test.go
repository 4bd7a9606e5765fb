package client

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// seedExample is the 200 example of GET /v1/task/{taskId}/executions/{executionId}
// in the API reference.
const seedExample = `{"data":{"id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","taskVersionId":"3c90c3cc-0d44-4b50-8888-8dd25736052a","version":"<string>","status":"success","output":"<string>","errorMessage":"<string>","startTime":"2023-11-07T05:31:56Z","executionTime":123}}`

// seedExecID is the execution ID of seedExample.
const seedExecID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"

// decodeString decodes body into tg as the Client decodes a 2xx answer.
func decodeString(tg target, body string) error {
	r := getReader()
	defer r.release()
	if err := r.readAll(strings.NewReader(body), int64(len(body)), DefaultMaxBodySize); err != nil {
		return err
	}
	r.start()
	return tg.decode(r)
}

// decodeExecution decodes body as GetExecution's answer for seedExecID.
func decodeExecution(body string) (*Execution, error) {
	t := &executionBody{want: seedExecID, wrapped: true}
	if err := decodeString(t, body); err != nil {
		return nil, err
	}
	return &t.exec, nil
}

func TestDecodeSeedExample(t *testing.T) {
	e, err := decodeExecution(seedExample)
	if err != nil {
		t.Fatalf("decode seed example: %v", err)
	}
	wantStart := time.Date(2023, 11, 7, 5, 31, 56, 0, time.UTC)
	switch {
	case e.ID != seedExecID:
		t.Errorf("ID = %q", e.ID)
	case e.Status != StatusSuccess || !e.Status.Terminal():
		t.Errorf("Status = %q, want terminal success", e.Status)
	case e.Output == nil || *e.Output != "<string>":
		t.Errorf("Output = %v, want <string>", e.Output)
	case e.ErrorMessage == nil || *e.ErrorMessage != "<string>":
		t.Errorf("ErrorMessage = %v, want <string>", e.ErrorMessage)
	case !e.StartTime.Equal(wantStart):
		t.Errorf("StartTime = %v, want %v", e.StartTime, wantStart)
	case e.ExecutionTime == nil || *e.ExecutionTime != 123:
		t.Errorf("ExecutionTime = %v, want 123", e.ExecutionTime)
	case e.Unreadable != nil:
		t.Errorf("Unreadable = %q, want nil", e.Unreadable)
	case string(e.Raw) != seedExample[len(`{"data":`):len(seedExample)-1]:
		t.Errorf("Raw = %s, want the data object as sent", e.Raw)
	}
	if d, ok := e.Duration(); !ok || d != 123*time.Millisecond {
		t.Errorf("Duration() = %v, %v; want 123ms, true", d, ok)
	}
}

// execBody is a GetExecution answer for seedExecID with members added to
// the required ones (or, for fields named in drop, replacing them).
func execBody(extra string, drop ...string) string {
	fields := []struct{ k, v string }{
		{"id", `"` + seedExecID + `"`},
		{"taskVersionId", `"3c90c3cc-0d44-4b50-8888-8dd25736052b"`},
		{"version", `"1"`},
		{"startTime", `"2026-11-28T10:00:00.5+01:00"`},
	}
	var b strings.Builder
	b.WriteString(`{"data":{`)
	n := 0
	for _, f := range fields {
		if slices.Contains(drop, f.k) {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + f.k + `":` + f.v)
		n++
	}
	if extra != "" {
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(extra)
	}
	b.WriteString(`}}`)
	return b.String()
}

func TestDecodeExecutionLenient(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		name           string
		body           string
		wantStatus     Status
		wantUnreadable []string
		check          func(t *testing.T, e *Execution)
	}{
		{"lower-case t in startTime", execBody(`"status":"success","startTime":"2026-11-28t10:00:00Z"`, "startTime"), StatusSuccess, nil, func(t *testing.T, e *Execution) {
			if want := utc(2026, 11, 28, 10, 0, 0, 0); !e.StartTime.Equal(want) {
				t.Errorf("StartTime = %v, want %v", e.StartTime, want)
			}
		}},
		{"lower-case z in startTime", execBody(`"status":"success","startTime":"2026-11-28T10:00:00.25z"`, "startTime"), StatusSuccess, nil, func(t *testing.T, e *Execution) {
			if want := utc(2026, 11, 28, 10, 0, 0, 25e7); !e.StartTime.Equal(want) {
				t.Errorf("StartTime = %v, want %v", e.StartTime, want)
			}
		}},
		{"lower-case t and z", execBody(`"status":"failure","startTime":"2026-11-28t10:00:00z"`, "startTime"), StatusFailure, nil, nil},
		{"leap second", execBody(`"status":"success","startTime":"2016-12-31T23:59:60Z"`, "startTime"), StatusSuccess, nil, func(t *testing.T, e *Execution) {
			if want := utc(2017, 1, 1, 0, 0, 0, 0); !e.StartTime.Equal(want) {
				t.Errorf("StartTime = %v, want %v", e.StartTime, want)
			}
		}},
		{"leap second with fraction and offset", execBody(`"status":"success","startTime":"2016-12-31t18:59:60.5-05:00"`, "startTime"), StatusSuccess, nil, func(t *testing.T, e *Execution) {
			if want := utc(2017, 1, 1, 0, 0, 0, 5e8); !e.StartTime.Equal(want) {
				t.Errorf("StartTime = %v, want %v", e.StartTime, want)
			}
		}},
		{"space between date and time", execBody(`"status":"success","startTime":"2026-11-28 10:00:00Z"`, "startTime"), StatusSuccess, nil, nil},
		{"startTime not a date", execBody(`"status":"success","startTime":"yesterday"`, "startTime"), StatusSuccess, []string{"startTime"}, func(t *testing.T, e *Execution) {
			if !e.StartTime.IsZero() {
				t.Errorf("StartTime = %v, want zero", e.StartTime)
			}
		}},
		{"startTime a number", execBody(`"status":"success","startTime":1700000000`, "startTime"), StatusSuccess, []string{"startTime"}, nil},
		{"startTime missing", execBody(`"status":"success"`, "startTime"), StatusSuccess, []string{"startTime"}, nil},
		{"startTime null", execBody(`"status":"success","startTime":null`, "startTime"), StatusSuccess, []string{"startTime"}, nil},
		{"executionTime 1e400", execBody(`"status":"success","executionTime":1e400`), StatusSuccess, []string{"executionTime"}, func(t *testing.T, e *Execution) {
			if e.ExecutionTime != nil {
				t.Errorf("ExecutionTime = %v, want nil", *e.ExecutionTime)
			}
		}},
		{"executionTime a string", execBody(`"status":"success","executionTime":"fast"`), StatusSuccess, []string{"executionTime"}, nil},
		{"executionTime negative kept as sent", execBody(`"status":"success","executionTime":-5`), StatusSuccess, nil, func(t *testing.T, e *Execution) {
			if e.ExecutionTime == nil || *e.ExecutionTime != -5 {
				t.Errorf("ExecutionTime = %v, want -5", e.ExecutionTime)
			}
			if _, ok := e.Duration(); ok {
				t.Error("Duration() of -5 ms is ok, want false")
			}
		}},
		{"executionTime 1e308 kept, too long for a Duration", execBody(`"status":"success","executionTime":1e308`), StatusSuccess, nil, func(t *testing.T, e *Execution) {
			if e.ExecutionTime == nil || *e.ExecutionTime != 1e308 {
				t.Errorf("ExecutionTime = %v, want 1e308", e.ExecutionTime)
			}
			if d, ok := e.Duration(); ok {
				t.Errorf("Duration() = %v, true; want false", d)
			}
		}},
		{"version a number", execBody(`"status":"success","version":3`, "version"), StatusSuccess, []string{"version"}, func(t *testing.T, e *Execution) {
			if e.Version != "" {
				t.Errorf("Version = %q, want empty", e.Version)
			}
		}},
		{"errorMessage an object", execBody(`"status":"failure","errorMessage":{"code":"E1","text":"boom"}`), StatusFailure, []string{"errorMessage"}, func(t *testing.T, e *Execution) {
			if e.ErrorMessage != nil {
				t.Errorf("ErrorMessage = %q, want nil", *e.ErrorMessage)
			}
			if !strings.Contains(string(e.Raw), `"errorMessage":{"code":"E1","text":"boom"}`) {
				t.Errorf("Raw = %s, want the errorMessage object kept", e.Raw)
			}
		}},
		{"output an object", execBody(`"status":"success","output":{"title":"x"}`), StatusSuccess, []string{"output"}, nil},
		{"several unreadable, in schema order", execBody(`"executionTime":"x","status":"success","output":[],"version":false`, "version"), StatusSuccess, []string{"version", "output", "executionTime"}, nil},
		{"output twice", execBody(`"status":"success","output":"a","output":"b"`), StatusSuccess, []string{"output"}, func(t *testing.T, e *Execution) {
			if e.Output != nil {
				t.Errorf("Output = %q, want nil: which one the server meant is unknown", *e.Output)
			}
		}},
		{"upper-case STATUS ignored", execBody(`"status":"running","STATUS":"success"`), StatusRunning, nil, nil},
		{"Status ignored before status", execBody(`"Status":"success","status":"running"`), StatusRunning, nil, nil},
		{"escaped name is the name", execBody(`"st\u0061tus":"success"`), StatusSuccess, nil, nil},
		{"unknown status kept", execBody(`"status":"paused"`), "paused", nil, nil},
		{"empty status kept", execBody(`"status":""`), "", nil, nil},
		{"unknown fields ignored", execBody(`"status":"success","shiny":{"new":[1,2,{"status":"failure"}]}`), StatusSuccess, nil, nil},
		{"invalid UTF-8 in output", execBody("\"status\":\"success\",\"output\":\"a\xffb\""), StatusSuccess, nil, func(t *testing.T, e *Execution) {
			if e.Output == nil || *e.Output != "a\uFFFDb" {
				t.Errorf("Output = %q, want the invalid byte as U+FFFD", deref(e.Output))
			}
		}},
		{"output with escapes", execBody(`"status":"success","output":"line\n\"q\" \u00e9 \ud83d\ude00"`), StatusSuccess, nil, func(t *testing.T, e *Execution) {
			if e.Output == nil || *e.Output != "line\n\"q\" é 😀" {
				t.Errorf("Output = %q", deref(e.Output))
			}
		}},
		{"nulls stay nil", execBody(`"status":"running","output":null,"errorMessage":null,"executionTime":null`), StatusRunning, nil, func(t *testing.T, e *Execution) {
			if e.Output != nil || e.ErrorMessage != nil || e.ExecutionTime != nil {
				t.Errorf("got %v %v %v, want all nil", e.Output, e.ErrorMessage, e.ExecutionTime)
			}
		}},
		{"empty strings stay empty, not nil", execBody(`"status":"failure","output":"","errorMessage":"","executionTime":0`), StatusFailure, nil, func(t *testing.T, e *Execution) {
			if e.Output == nil || *e.Output != "" || e.ErrorMessage == nil || e.ExecutionTime == nil || *e.ExecutionTime != 0 {
				t.Errorf("got %v %v %v, want empty values that are not nil", e.Output, e.ErrorMessage, e.ExecutionTime)
			}
		}},
		{"start time with offset", execBody(`"status":"queued"`), StatusQueued, nil, func(t *testing.T, e *Execution) {
			if want := utc(2026, 11, 28, 9, 0, 0, 5e8); !e.StartTime.Equal(want) {
				t.Errorf("StartTime = %v, want %v", e.StartTime, want)
			}
		}},
		{"ID in upper case, returned as sent", strings.Replace(execBody(`"status":"queued"`), seedExecID, strings.ToUpper(seedExecID), 1), StatusQueued, nil, func(t *testing.T, e *Execution) {
			if e.ID != strings.ToUpper(seedExecID) {
				t.Errorf("ID = %q, want it as sent", e.ID)
			}
		}},
		{"other members of the envelope ignored", `{"meta":{"data":1},` + execBody(`"status":"success"`)[1:], StatusSuccess, nil, nil},
		{"required fields missing are unreadable", `{"data":{"id":"` + seedExecID + `","status":"running"}}`, StatusRunning, []string{"taskVersionId", "version", "startTime"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := decodeExecution(tt.body)
			if err != nil {
				t.Fatalf("got error %v, want the execution decoded", err)
			}
			if e.Status != tt.wantStatus {
				t.Errorf("Status = %q, want %q", e.Status, tt.wantStatus)
			}
			if !slices.Equal(e.Unreadable, tt.wantUnreadable) {
				t.Errorf("Unreadable = %q, want %q", e.Unreadable, tt.wantUnreadable)
			}
			if !json.Valid(e.Raw) || !strings.Contains(tt.body, string(e.Raw)) {
				t.Errorf("Raw = %q, want the execution object byte for byte", e.Raw)
			}
			if tt.check != nil {
				tt.check(t, e)
			}
		})
	}
}

func TestDecodeExecutionStrict(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{"DATA does not stand for data", `{"data":{"id":"` + seedExecID + `","status":"failure"},"DATA":{"id":"` + seedExecID + `","status":"success"}}`, ""},
		{"data twice", `{"data":{"id":"` + seedExecID + `","status":"failure"},"data":{"id":"` + seedExecID + `","status":"success"}}`, `"data" appears twice`},
		{"status twice", execBody(`"status":"running","status":"success"`), `"status" appears twice`},
		{"id twice", execBody(`"status":"running","id":"` + seedExecID + `"`), `"id" appears twice`},
		{"status missing", execBody(``), `no "status"`},
		{"only STATUS", execBody(`"STATUS":"success"`), `no "status"`},
		{"status null", execBody(`"status":null`), `"status" is null, want a string`},
		{"status a number", execBody(`"status":1`), `"status" is a number, want a string`},
		{"status an object", execBody(`"status":{"value":"success"}`), `"status" is an object`},
		{"id missing", execBody(`"status":"success"`, "id"), `no "id"`},
		{"id a number", execBody(`"status":"success","id":7`, "id"), `"id" is a number`},
		{"another execution", strings.Replace(execBody(`"status":"success"`), seedExecID, "00000000-0000-4000-8000-000000000000", 1), "asked for execution " + seedExecID},
		{"no data", `{"result":{}}`, `no "data" member`},
		{"data null", `{"data":null}`, `"data" is null`},
		{"data an array", `{"data":[]}`, "the execution is an array, want an object"},
		{"not an object", `[]`, "the body is an array, want an object"},
		{"empty body", ``, "ends too early"},
		{"HTML", `<html>oops</html>`, "invalid character"},
		{"truncated", execBody(`"status":"success"`)[:40], "unexpected EOF"},
		{"data after the document", execBody(`"status":"success"`) + ` {}`, "more data after the JSON document"},
		{"bad JSON in an ignored member", execBody(`"status":"success","x":[1,}`), "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := decodeExecution(tt.body)
			if tt.wantErr == "" {
				if err != nil || e.Status != StatusFailure {
					t.Fatalf("got %+v, %v; want the failure under \"data\"", e, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestDecodeExecutionByID(t *testing.T) {
	full := `{"id":"` + seedExecID + `","taskId":"550e8400-e29b-41d4-a716-446655440000","taskVersionId":"3c90c3cc-0d44-4b50-8888-8dd25736052b",` +
		`"version":"draft","isDraft":true,"status":"running","output":null,"errorMessage":null,"browserSessionId":"b-1",` +
		`"startTime":"2026-11-28T10:00:00Z","executionTime":null,"hasLogs":true,"inputs":{"ANCHOR_URL":"https://example.com","n":2},` +
		`"toolName":"crawler","toolPublicId":null,"tags":["nightly","eu"]}`
	tests := []struct {
		name           string
		body           string
		wantErr        string
		wantUnreadable []string
		check          func(t *testing.T, e *Execution)
	}{
		{"every field", full, "", nil, func(t *testing.T, e *Execution) {
			switch {
			case e.TaskID != "550e8400-e29b-41d4-a716-446655440000" || !e.IsDraft || !e.HasLogs:
				t.Errorf("TaskID, IsDraft, HasLogs = %q, %v, %v", e.TaskID, e.IsDraft, e.HasLogs)
			case e.BrowserSessionID == nil || *e.BrowserSessionID != "b-1":
				t.Errorf("BrowserSessionID = %v, want b-1", e.BrowserSessionID)
			case string(e.Inputs) != `{"ANCHOR_URL":"https://example.com","n":2}`:
				t.Errorf("Inputs = %s, want the object as sent", e.Inputs)
			case e.ToolName == nil || *e.ToolName != "crawler" || e.ToolPublicID != nil:
				t.Errorf("ToolName, ToolPublicID = %v, %v", e.ToolName, e.ToolPublicID)
			case !slices.Equal(e.Tags, []string{"nightly", "eu"}):
				t.Errorf("Tags = %q", e.Tags)
			case string(e.Raw) != full:
				t.Errorf("Raw = %s, want the body", e.Raw)
			}
		}},
		{"only the required fields", `{"id":"` + seedExecID + `","status":"success","startTime":"2026-11-28T10:00:00Z"}`, "", nil, nil},
		{"empty tags", `{"id":"` + seedExecID + `","status":"success","startTime":"2026-11-28T10:00:00Z","tags":[]}`, "", nil, func(t *testing.T, e *Execution) {
			if e.Tags == nil || len(e.Tags) != 0 {
				t.Errorf("Tags = %#v, want empty, not nil", e.Tags)
			}
		}},
		{"wrong types are unreadable", `{"id":"` + seedExecID + `","status":"success","startTime":"2026-11-28T10:00:00Z","isDraft":"yes","hasLogs":1,"inputs":[],"tags":["a",1],"toolName":5,"taskId":false}`,
			"", []string{"taskId", "isDraft", "hasLogs", "inputs", "tags", "toolName"}, func(t *testing.T, e *Execution) {
				if e.IsDraft || e.HasLogs || e.Inputs != nil || e.Tags != nil || e.ToolName != nil || e.TaskID != "" {
					t.Errorf("unreadable fields not zero: %+v", e)
				}
			}},
		{"startTime missing", `{"id":"` + seedExecID + `","status":"success"}`, "", []string{"startTime"}, nil},
		{"wrapped in data", `{"data":` + full + `}`, `no "id"`, nil, nil},
		{"status missing", `{"id":"` + seedExecID + `","startTime":"2026-11-28T10:00:00Z"}`, `no "status"`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := &executionBody{want: seedExecID, byID: true}
			err := decodeString(tg, tt.body)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !slices.Equal(tg.exec.Unreadable, tt.wantUnreadable) {
				t.Errorf("Unreadable = %q, want %q", tg.exec.Unreadable, tt.wantUnreadable)
			}
			if tt.check != nil {
				tt.check(t, &tg.exec)
			}
		})
	}
}

func TestExecutionUnmarshalJSON(t *testing.T) {
	var e Execution
	if err := json.Unmarshal([]byte(`{"id":"x","status":"running","STATUS":"success","version":2}`), &e); err != nil {
		t.Fatal(err)
	}
	if e.Status != StatusRunning || !slices.Equal(e.Unreadable, []string{"taskVersionId", "version", "startTime"}) {
		t.Errorf("got status %q, unreadable %q; want running and the fields not as documented", e.Status, e.Unreadable)
	}
	for _, body := range []string{`{"status":"queued"}`, `{"id":"x","status":null}`, `{"id":"x","status":"a","status":"b"}`} {
		if err := json.Unmarshal([]byte(body), &e); err == nil {
			t.Errorf("Unmarshal(%s) = nil, want an error", body)
		}
	}
}

func TestExecutionRoundTrip(t *testing.T) {
	out, ms := "done", 1500.0
	in := Execution{ID: "3c90c3cc-0d44-4b50-8888-8dd25736052a", TaskVersionID: "3c90c3cc-0d44-4b50-8888-8dd25736052b",
		Version: "latest", Status: StatusSuccess, Output: &out, StartTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ExecutionTime: &ms}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"errorMessage":null`) || strings.Contains(string(b), "taskId") {
		t.Errorf("marshalled %s, want errorMessage null and none of the by-ID fields", b)
	}
	var back Execution
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != in.ID || *back.Output != out || back.ErrorMessage != nil || *back.ExecutionTime != ms || !back.StartTime.Equal(in.StartTime) || back.Unreadable != nil {
		t.Errorf("round trip: got %+v, want %+v", back, in)
	}
	if string(back.Raw) != string(b) {
		t.Errorf("Raw = %s, want %s", back.Raw, b)
	}
}

func TestDuration(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		ms     *float64
		want   time.Duration
		wantOK bool
	}{
		{nil, 0, false},
		{f(0), 0, true},
		{f(1500), 1500 * time.Millisecond, true},
		{f(0.5), 500 * time.Microsecond, true},
		{f(1e308), 0, false},
		{f(math.MaxInt64 / 1e6), 0, false},
		{f(-1), 0, false},
		{f(math.Inf(1)), 0, false},
		{f(math.NaN()), 0, false},
	}
	for _, tt := range tests {
		got, ok := (&Execution{ExecutionTime: tt.ms}).Duration()
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Duration() of %v = %v, %v; want %v, %v", tt.ms, got, ok, tt.want, tt.wantOK)
		}
	}
	if _, ok := (*Execution)(nil).Duration(); ok {
		t.Error("nil Execution has a duration")
	}
}

func TestStatusTerminal(t *testing.T) {
	want := map[Status]bool{StatusQueued: false, StatusRunning: false, StatusSuccess: true, StatusFailure: true,
		StatusTimeout: true, StatusCancelled: true, "": false, "paused": false, "SUCCESS": false}
	for s, w := range want {
		if got := s.Terminal(); got != w {
			t.Errorf("Status(%q).Terminal() = %v, want %v", s, got, w)
		}
	}
	for _, s := range Statuses() {
		if !s.Known() {
			t.Errorf("Status(%q).Known() = false, want true", s)
		}
	}
}

func TestDecodePage(t *testing.T) {
	item := func(status string) string {
		return `{"id":"` + seedExecID + `","taskVersionId":"t","version":"1","status":` + status + `,"startTime":"2026-01-01T00:00:00Z"}`
	}
	tests := []struct {
		name           string
		body           string
		wantErr        string
		wantStatuses   []Status
		wantUnreadable []string
		wantPage       Pagination
	}{
		{"empty page", `{"data":{"results":[],"pagination":{"page":1,"limit":10,"total":0,"totalPages":0}}}`, "", []Status{}, nil, Pagination{1, 10, 0, 0}},
		{"two results", `{"data":{"results":[` + item(`"running"`) + `,` + item(`"success"`) + `],"pagination":{"page":2,"limit":2,"total":4,"totalPages":2}}}`, "", []Status{StatusRunning, StatusSuccess}, nil, Pagination{2, 2, 4, 2}},
		{"pagination missing", `{"data":{"results":[]}}`, "", []Status{}, []string{"pagination"}, Pagination{}},
		{"pagination a string", `{"data":{"results":[],"pagination":"p1"}}`, "", []Status{}, []string{"pagination"}, Pagination{}},
		{"pagination fields not counts", `{"data":{"results":[],"pagination":{"page":1,"limit":1.5,"total":"3","totalPages":-1}}}`, "", []Status{}, []string{"pagination.limit", "pagination.total", "pagination.totalPages"}, Pagination{Page: 1}},
		{"pagination field twice", `{"data":{"results":[],"pagination":{"page":1,"page":2,"limit":1,"total":1,"totalPages":1}}}`, "", []Status{}, []string{"pagination.page"}, Pagination{0, 1, 1, 1}},
		{"results missing", `{"data":{"pagination":{}}}`, `no "results"`, nil, nil, Pagination{}},
		{"results not an array", `{"data":{"results":{},"pagination":{}}}`, `"results" is an object`, nil, nil, Pagination{}},
		{"results twice", `{"data":{"results":[],"results":[` + item(`"success"`) + `]}}`, `"results" appears twice`, nil, nil, Pagination{}},
		{"a result without a readable status", `{"data":{"results":[` + item(`"success"`) + `,` + item(`7`) + `]}}`, `result 1: execution "status" is a number`, nil, nil, Pagination{}},
		{"a result that is not an object", `{"data":{"results":["x"]}}`, "result 0: the execution is a string", nil, nil, Pagination{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := &pageBody{}
			err := decodeString(tg, tt.body)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			var got []Status
			for _, e := range tg.page.Results {
				got = append(got, e.Status)
			}
			if len(got) != len(tt.wantStatuses) || !slices.Equal(got, tt.wantStatuses) || tg.page.Results == nil {
				t.Errorf("statuses %q, want %q", got, tt.wantStatuses)
			}
			if !slices.Equal(tg.page.Unreadable, tt.wantUnreadable) || tg.page.Pagination != tt.wantPage {
				t.Errorf("pagination %+v, unreadable %q; want %+v, %q", tg.page.Pagination, tg.page.Unreadable, tt.wantPage, tt.wantUnreadable)
			}
		})
	}
}

func TestDecodeRunTaskResult(t *testing.T) {
	const id = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
	tests := []struct {
		name           string
		body           string
		wantErr        string
		wantID         string
		wantUnreadable []string
	}{
		{"async", `{"data":{"success":true,"async":true,"message":"started","taskId":"t","executionResultId":"` + id + `"}}`, "", id, nil},
		{"async without executionResultId", `{"data":{"success":true,"async":true,"message":"started","taskId":"t"}}`, "", "", nil},
		{"executionResultId null", `{"data":{"success":true,"async":true,"message":"started","taskId":"t","executionResultId":null}}`, "", "", nil},
		{"lenient fields", `{"data":{"success":false,"async":"no","message":1,"taskId":"t","executionTime":"1s","output":{},"error":"boom"}}`, "", "", []string{"async", "message", "executionTime", "output"}},
		{"required lenient fields missing", `{"data":{"success":true}}`, "", "", []string{"async", "message", "taskId"}},
		{"EXECUTIONRESULTID ignored", `{"data":{"success":true,"async":true,"message":"m","taskId":"t","EXECUTIONRESULTID":"nope"}}`, "", "", nil},
		{"success missing", `{"data":{"async":true}}`, `no "success"`, "", nil},
		{"success a string", `{"data":{"success":"true"}}`, `"success" is a string, want a boolean`, "", nil},
		{"success twice", `{"data":{"success":false,"success":true}}`, `"success" appears twice`, "", nil},
		{"executionResultId not a UUID", `{"data":{"success":true,"executionResultId":"42"}}`, `executionResultId "42", want a UUID`, "", nil},
		{"executionResultId a number", `{"data":{"success":true,"executionResultId":42}}`, `is a number, want a UUID string`, "", nil},
		{"executionResultId twice", `{"data":{"success":true,"executionResultId":"` + id + `","executionResultId":"` + id + `"}}`, `appears twice`, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := &runTaskBody{}
			err := decodeString(tg, tt.body)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if tg.res.ExecutionResultID != tt.wantID || !slices.Equal(tg.res.Unreadable, tt.wantUnreadable) {
				t.Errorf("got ID %q, unreadable %q; want %q, %q", tg.res.ExecutionResultID, tg.res.Unreadable, tt.wantID, tt.wantUnreadable)
			}
			if !json.Valid(tg.res.Raw) {
				t.Errorf("Raw %q is not JSON", tg.res.Raw)
			}
		})
	}
}

func TestDecodeRun(t *testing.T) {
	tests := []struct {
		name           string
		want           string // the run ID asked for
		check          bool   // as RunTaskV2 decodes
		body           string
		wantErr        string
		wantStatus     Status
		wantUnreadable []string
		checkRun       func(t *testing.T, r *Run)
	}{
		{"success with result", "run_1", false, `{"run_id":"run_1","status":"success","result":{"title":"x","n":[1, 2]},"session_id":"s-1"}`, "", StatusSuccess, nil, func(t *testing.T, r *Run) {
			if string(r.Result) != `{"title":"x","n":[1, 2]}` || r.SessionID != "s-1" || r.Error != nil {
				t.Errorf("got %+v", r)
			}
			e := r.AsExecution()
			if e.ID != "run_1" || e.Status != StatusSuccess || e.Output == nil || *e.Output != string(r.Result) || !e.StartTime.IsZero() {
				t.Errorf("AsExecution() = %+v", e)
			}
		}},
		{"failure with error", "run_1", false, `{"run_id":"run_1","status":"failure","error":"boom"}`, "", StatusFailure, nil, func(t *testing.T, r *Run) {
			if r.Error == nil || *r.Error != "boom" || r.Result != nil {
				t.Errorf("got %+v", r)
			}
			if e := r.AsExecution(); e.ErrorMessage == nil || *e.ErrorMessage != "boom" || e.Output != nil {
				t.Errorf("AsExecution() = %+v", e)
			}
		}},
		{"nulls are absent", "r", false, `{"run_id":"r","status":"running","result":null,"error":null,"session_id":null}`, "", StatusRunning, nil, nil},
		{"lenient fields", "r", false, `{"run_id":"r","status":"success","result":"done","error":{"m":1},"session_id":7}`, "", StatusSuccess, []string{"result", "error", "session_id"}, nil},
		{"result twice", "r", false, `{"run_id":"r","status":"success","result":{},"result":{"a":1}}`, "", StatusSuccess, []string{"result"}, nil},
		{"upper-case STATUS ignored", "r", false, `{"run_id":"r","status":"running","STATUS":"success"}`, "", StatusRunning, nil, nil},
		{"another run", "r", false, `{"run_id":"R","status":"success"}`, `asked for run r, got "R"`, "", nil, nil},
		{"run_id missing", "r", false, `{"status":"success"}`, `no "run_id"`, "", nil, nil},
		{"run_id a number", "r", false, `{"run_id":1,"status":"success"}`, `"run_id" is a number`, "", nil, nil},
		{"status missing", "r", false, `{"run_id":"r"}`, `no "status"`, "", nil, nil},
		{"status twice", "r", false, `{"run_id":"r","status":"running","status":"success"}`, `"status" appears twice`, "", nil, nil},
		{"wrapped in data", "r", false, `{"data":{"run_id":"r","status":"success"}}`, `no "run_id"`, "", nil, nil},
		{"started run ID that cannot be polled", "", true, `{"run_id":"../x","status":"queued"}`, `run_id "../x", which cannot be polled`, "", nil, nil},
		{"started run", "", true, `{"run_id":"run_AZ-09_","status":"queued"}`, "", StatusQueued, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := &runBody{want: tt.want, check: tt.check}
			err := decodeString(tg, tt.body)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if tg.run.Status != tt.wantStatus || !slices.Equal(tg.run.Unreadable, tt.wantUnreadable) {
				t.Errorf("got status %q, unreadable %q; want %q, %q", tg.run.Status, tg.run.Unreadable, tt.wantStatus, tt.wantUnreadable)
			}
			if string(tg.run.Raw) != tt.body {
				t.Errorf("Raw = %s, want the body", tg.run.Raw)
			}
			if tt.checkRun != nil {
				tt.checkRun(t, &tg.run)
			}
		})
	}
}

func TestDecodeErrorDocument(t *testing.T) {
	tests := []struct {
		body     string
		wantCode int
		wantMsg  string
		wantOK   bool
	}{
		{`{"error":{"code":404,"message":"Execution not found"}}`, 404, "Execution not found", true},
		{`{"error":{"message":"no code"}}`, 0, "no code", true},
		{`{"error":{"code":"x","message":5}}`, 0, "", true},
		{`{"ERROR":{"code":1,"message":"m"}}`, 0, "", false},
		{`{"error":"flat"}`, 0, "", false},
		{`{"message":"oops"}`, 0, "", false},
		{`<html>`, 0, "", false},
		{``, 0, "", false},
	}
	for _, tt := range tests {
		r := getReader()
		if err := r.readAll(strings.NewReader(tt.body), -1, 1<<10); err != nil {
			t.Fatal(err)
		}
		r.start()
		code, msg, ok := r.errorDocument()
		r.release()
		if code != tt.wantCode || msg != tt.wantMsg || ok != tt.wantOK {
			t.Errorf("errorDocument(%s) = %d, %q, %v; want %d, %q, %v", tt.body, code, msg, ok, tt.wantCode, tt.wantMsg, tt.wantOK)
		}
	}
}

func TestReadAllCap(t *testing.T) {
	r := getReader()
	defer r.release()
	var tooLarge errTooLarge
	if err := r.readAll(strings.NewReader("12345"), -1, 4); !errors.As(err, &tooLarge) {
		t.Errorf("5 bytes with no length under a 4-byte cap: got %v, want errTooLarge", err)
	}
	if err := r.readAll(strings.NewReader("1"), 5, 4); !errors.As(err, &tooLarge) {
		t.Errorf("Content-Length 5 under a 4-byte cap: got %v, want errTooLarge", err)
	}
	if err := r.readAll(strings.NewReader("1234"), -1, 4); err != nil || r.buf.String() != "1234" {
		t.Errorf("4 bytes under a 4-byte cap: got %q, %v; want them read", r.buf.String(), err)
	}
}

// deref shows a *string in test messages.
func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
