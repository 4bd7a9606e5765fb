package client

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// seedExample is the 200 example of GET /v1/task/{taskId}/executions/{executionId}
// in the API reference.
const seedExample = `{"data":{"id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","taskVersionId":"3c90c3cc-0d44-4b50-8888-8dd25736052a","version":"<string>","status":"success","output":"<string>","errorMessage":"<string>","startTime":"2023-11-07T05:31:56Z","executionTime":123}}`

func TestDecodeSeedExample(t *testing.T) {
	var e Execution
	if err := decodeData([]byte(seedExample), &e); err != nil {
		t.Fatalf("decode seed example: %v", err)
	}
	wantStart := time.Date(2023, 11, 7, 5, 31, 56, 0, time.UTC)
	switch {
	case e.ID != "3c90c3cc-0d44-4b50-8888-8dd25736052a":
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
	}
	if d, ok := e.Duration(); !ok || d != 123*time.Millisecond {
		t.Errorf("Duration() = %v, %v; want 123ms, true", d, ok)
	}
}

func TestDecodeExecution(t *testing.T) {
	const base = `"id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","taskVersionId":"3c90c3cc-0d44-4b50-8888-8dd25736052a","version":"1","startTime":"2026-11-28T10:00:00.5+01:00"`
	tests := []struct {
		name    string
		body    string
		wantErr string // substring; "" for success
		check   func(t *testing.T, e Execution)
	}{
		{"nulls stay nil", `{` + base + `,"status":"running","output":null,"errorMessage":null,"executionTime":null}`, "", func(t *testing.T, e Execution) {
			if e.Output != nil || e.ErrorMessage != nil || e.ExecutionTime != nil {
				t.Errorf("got %v %v %v, want all nil", e.Output, e.ErrorMessage, e.ExecutionTime)
			}
		}},
		{"absent nullable fields stay nil", `{` + base + `,"status":"queued"}`, "", func(t *testing.T, e Execution) {
			if e.Output != nil || e.ErrorMessage != nil || e.ExecutionTime != nil {
				t.Errorf("got %v %v %v, want all nil", e.Output, e.ErrorMessage, e.ExecutionTime)
			}
		}},
		{"empty strings stay empty, not nil", `{` + base + `,"status":"failure","output":"","errorMessage":"","executionTime":0}`, "", func(t *testing.T, e Execution) {
			if e.Output == nil || *e.Output != "" || e.ErrorMessage == nil || e.ExecutionTime == nil || *e.ExecutionTime != 0 {
				t.Errorf("got %v %v %v, want empty values that are not nil", e.Output, e.ErrorMessage, e.ExecutionTime)
			}
		}},
		{"unknown fields ignored", `{` + base + `,"status":"success","shiny":{"new":[1,2]}}`, "", nil},
		{"unknown status kept", `{` + base + `,"status":"paused"}`, "", func(t *testing.T, e Execution) {
			if e.Status != "paused" || e.Status.Terminal() || e.Status.Known() {
				t.Errorf("status %q: Terminal %v Known %v, want kept, not terminal, not known", e.Status, e.Status.Terminal(), e.Status.Known())
			}
		}},
		{"start time with offset", `{` + base + `,"status":"queued"}`, "", func(t *testing.T, e Execution) {
			want := time.Date(2026, 11, 28, 9, 0, 0, 5e8, time.UTC)
			if !e.StartTime.Equal(want) {
				t.Errorf("StartTime = %v, want %v", e.StartTime, want)
			}
		}},
		{"missing status", `{` + base + `}`, "missing required field(s): status", nil},
		{"missing several", `{"status":"queued"}`, "id, taskVersionId, version, startTime", nil},
		{"null required", `{` + base + `,"status":null}`, "status", nil},
		{"wrong type", `{` + base + `,"status":"success","executionTime":"fast"}`, "cannot unmarshal", nil},
		{"bad time", `{"id":"a","taskVersionId":"b","version":"1","status":"queued","startTime":"yesterday"}`, "cannot parse", nil},
		{"not an object", `[]`, "cannot unmarshal", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Execution
			err := json.Unmarshal([]byte(tt.body), &e)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if tt.check != nil {
					tt.check(t, e)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
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
	if !strings.Contains(string(b), `"errorMessage":null`) {
		t.Errorf("marshalled %s, want errorMessage null", b)
	}
	var back Execution
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != in.ID || *back.Output != out || back.ErrorMessage != nil || *back.ExecutionTime != ms || !back.StartTime.Equal(in.StartTime) {
		t.Errorf("round trip: got %+v, want %+v", back, in)
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

func TestDecodeData(t *testing.T) {
	for _, body := range []string{``, `{}`, `{"data":null}`, `<html>oops</html>`, `{"data":{"id":`} {
		var e Execution
		if err := decodeData([]byte(body), &e); err == nil {
			t.Errorf("decodeData(%q) = nil, want an error", body)
		}
	}
	var p ExecutionPage
	if err := decodeData([]byte(`{"data":{"results":[]}}`), &p); err == nil {
		t.Errorf("page without pagination decoded, want an error")
	}
	err := decodeData([]byte(`{"data":{"results":[],"pagination":{"page":1,"limit":10,"total":0,"totalPages":0}}}`), &p)
	if err != nil || p.Results == nil || p.Pagination.Limit != 10 {
		t.Errorf("empty page: got %+v, %v; want decoded", p, err)
	}
}

// FuzzDecodeExecution feeds arbitrary bodies through the response decoding:
// it must never panic, and whatever it accepts has every required field.
func FuzzDecodeExecution(f *testing.F) {
	f.Add([]byte(seedExample))
	f.Add([]byte(`{"data":{"status":"queued"}}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`<!doctype html><title>502</title>`))
	f.Add([]byte(`{"data":{"id":"x","taskVersionId":"y","version":"1","status":"running","startTime":"2026-01-01T00:00:00Z","executionTime":1e308}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var e Execution
		if err := decodeData(body, &e); err != nil {
			return
		}
		var raw struct {
			Data map[string]json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("decodeData accepted %q, which is not a JSON object: %v", body, err)
		}
		for _, k := range []string{"id", "taskVersionId", "version", "status", "startTime"} {
			if v, ok := raw.Data[k]; !ok || string(v) == "null" {
				// encoding/json matches keys case-insensitively; accept that.
				found := false
				for rk, rv := range raw.Data {
					if strings.EqualFold(rk, k) && string(rv) != "null" {
						found = true
					}
				}
				if !found {
					t.Fatalf("decodeData accepted %q without required field %s", body, k)
				}
			}
		}
	})
}
