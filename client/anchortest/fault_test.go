package anchortest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

func TestFaultMatches(t *testing.T) {
	tests := []struct {
		name    string
		fault   Fault
		n       int64
		elapsed time.Duration
		op      Operation
		want    bool
	}{
		{"zero fault matches all", Fault{}, 1, 0, OpGetExecution, true},
		{"zero fault matches unknown route", Fault{}, 99, time.Hour, "", true},
		{"before FromRequest", Fault{FromRequest: 2, ToRequest: 4}, 1, 0, "", false},
		{"at FromRequest", Fault{FromRequest: 2, ToRequest: 4}, 2, 0, "", true},
		{"at ToRequest", Fault{FromRequest: 2, ToRequest: 4}, 4, 0, "", true},
		{"after ToRequest", Fault{FromRequest: 2, ToRequest: 4}, 5, 0, "", false},
		{"open end", Fault{FromRequest: 3}, 1000, 0, "", true},
		{"open start", Fault{ToRequest: 3}, 1, 0, "", true},
		{"from after to never matches", Fault{FromRequest: 5, ToRequest: 4}, 5, 0, "", false},
		{"before After", Fault{After: time.Second}, 1, time.Second - 1, "", false},
		{"at After", Fault{After: time.Second}, 1, time.Second, "", true},
		{"just before Before", Fault{Before: time.Second}, 1, time.Second - 1, "", true},
		{"at Before", Fault{Before: time.Second}, 1, time.Second, "", false},
		{"other operation", Fault{Op: OpRunTask}, 1, 0, OpGetExecution, false},
		{"same operation", Fault{Op: OpRunTask}, 1, 0, OpRunTask, true},
		{"all conditions", Fault{FromRequest: 2, After: time.Second, Before: time.Minute, Op: OpGetExecution}, 2, 30 * time.Second, OpGetExecution, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fault.matches(tt.n, tt.elapsed, tt.op); got != tt.want {
				t.Errorf("matches(%d, %v, %q) = %v, want %v", tt.n, tt.elapsed, tt.op, got, tt.want)
			}
		})
	}
}

// statuses GETs path n times and returns the statuses (0 for a failed request).
func statuses(t *testing.T, s *Server, path string, n int) []int {
	t.Helper()
	var got []int
	for range n {
		got = append(got, get(t, s, path).status)
	}
	return got
}

func TestFaultSelection(t *testing.T) {
	tests := []struct {
		name       string
		opts       []Option
		faults     []Fault // the execution's
		want       []int   // statuses of successive GETs of the execution
		wantFaults []bool
	}{
		{"requests 2 to 4", nil, []Fault{{FromRequest: 2, ToRequest: 4, Status: 503}},
			[]int{200, 503, 503, 503, 200, 200}, []bool{false, true, true, true, false, false}},
		{"every request", nil, []Fault{{Status: 500}},
			[]int{500, 500, 500}, []bool{true, true, true}},
		{"a window of 404s", nil, []Fault{{FromRequest: 1, ToRequest: 2, Status: 404}},
			[]int{404, 404, 200}, []bool{true, true, false}},
		{"first matching fault wins", nil, []Fault{{ToRequest: 1, Status: 429}, {Status: 502}},
			[]int{429, 502, 502}, []bool{true, true, true}},
		{"server-wide first, and its requests do not count for the execution",
			[]Option{WithFaults(Fault{ToRequest: 2, Status: 502})},
			[]Fault{{ToRequest: 1, Status: 503}},
			[]int{502, 502, 503, 200}, []bool{true, true, true, false}},
		{"server-wide fault for another endpoint", []Option{WithFaults(Fault{Op: OpRunTask, Status: 500})}, nil,
			[]int{200, 200}, []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(tt.opts...)
			defer s.Close()
			id := s.AddExecution(taskA, Script{Steps: []Step{{Status: client.StatusRunning}}, Faults: tt.faults})
			got := statuses(t, s, execPath(taskA, id), len(tt.want))
			if !slices.Equal(got, tt.want) {
				t.Errorf("statuses %v, want %v", got, tt.want)
			}
			recs := s.RequestsFor(id)
			if len(recs) != len(tt.want) {
				t.Fatalf("%d records, want %d", len(recs), len(tt.want))
			}
			for i, r := range recs {
				if r.Fault != tt.wantFaults[i] || r.Status != tt.want[i] || r.Seq != int64(i+1) {
					t.Errorf("record %d: %+v; want seq %d, status %d, fault %v", i, r, i+1, tt.want[i], tt.wantFaults[i])
				}
			}
			faults := 0
			for _, f := range tt.wantFaults {
				if f {
					faults++
				}
			}
			if got := s.Stats().Faults; got != faults {
				t.Errorf("Stats().Faults = %d, want %d", got, faults)
			}
		})
	}
}

func TestFaultTimeWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer(WithFaults(Fault{After: time.Minute, Before: 2 * time.Minute, Status: 502}))
		defer s.Close()
		time.Sleep(30 * time.Second) // the execution's clock starts later than the server's
		start := time.Now()
		id := s.AddExecution(taskA, Script{Faults: []Fault{{After: 10 * time.Second, Before: 20 * time.Second, Status: 503}}})
		tests := []struct {
			at   time.Duration // since the execution was added
			want int
		}{
			{0, 200},
			{10*time.Second - time.Nanosecond, 200},
			{10 * time.Second, 503},
			{20*time.Second - time.Nanosecond, 503},
			{20 * time.Second, 200},
			{30*time.Second - time.Nanosecond, 200},
			{30 * time.Second, 502}, // a minute after the server started
			{90*time.Second - time.Nanosecond, 502},
			{90 * time.Second, 200},
		}
		for _, tt := range tests {
			time.Sleep(tt.at - time.Since(start))
			if got := get(t, s, execPath(taskA, id)).status; got != tt.want {
				t.Errorf("at %v: status %d, want %d", tt.at, got, tt.want)
			}
		}
	})
}

func TestVisibleAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer()
		defer s.Close()
		c := s.Client(client.WithMaxRetries(0))
		start := time.Now()
		id := s.AddExecution(taskA, Script{Steps: []Step{{Status: client.StatusRunning}}, VisibleAfter: 5 * time.Second})
		for _, tt := range []struct {
			at      time.Duration
			wantErr error
		}{
			{0, client.ErrNotFound},
			{5*time.Second - time.Nanosecond, client.ErrNotFound},
			{5 * time.Second, nil},
		} {
			time.Sleep(tt.at - time.Since(start))
			_, err := c.GetExecution(context.Background(), taskA, id)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("at %v: error %v, want %v", tt.at, err, tt.wantErr)
			}
		}
		if n := len(s.RequestsFor(id)); n != 3 {
			t.Errorf("%d requests recorded for the execution, want 3", n)
		}
	})
}

func TestFaultAnswers(t *testing.T) {
	type check func(t *testing.T, r reply, normal []byte)
	hasHeader := func(k, v string) check {
		return func(t *testing.T, r reply, _ []byte) {
			t.Helper()
			if got := r.header.Get(k); got != v {
				t.Errorf("header %s = %q, want %q", k, got, v)
			}
		}
	}
	isAPIError := func(code int) check {
		return func(t *testing.T, r reply, _ []byte) {
			t.Helper()
			if got, _ := apiErr(t, r); got != code {
				t.Errorf("error.code %d, want %d", got, code)
			}
		}
	}
	dataField := func(field string, want any) check {
		return func(t *testing.T, r reply, _ []byte) {
			t.Helper()
			var doc struct{ Data map[string]any }
			if err := json.Unmarshal(r.body, &doc); err != nil {
				t.Fatalf("body %q: %v", r.body, err)
			}
			got, ok := doc.Data[field]
			if want == nil && ok {
				t.Errorf("data.%s = %v, want it missing", field, got)
			}
			if want != nil && (!ok || fmtAny(got) != fmtAny(want)) {
				t.Errorf("data.%s = %v (present %v), want %v", field, got, ok, want)
			}
			if _, ok := doc.Data["id"]; !ok {
				t.Errorf("data.id missing: the rest of the body should be kept")
			}
		}
	}
	bodyIs := func(want []byte) check {
		return func(t *testing.T, r reply, _ []byte) {
			t.Helper()
			if !bytes.Equal(r.body, want) {
				t.Errorf("body %q, want %q", r.body, want)
			}
		}
	}
	tests := []struct {
		name       string
		fault      Fault
		wantStatus int
		wantCT     string
		checks     []check
	}{
		{"429 with Retry-After seconds", Fault{Status: 429, Header: http.Header{"Retry-After": {"2"}}}, 429, "application/json",
			[]check{hasHeader("Retry-After", "2"), isAPIError(429)}},
		{"503 with retry-after-ms, lower-case key", Fault{Status: 503, Header: http.Header{"retry-after-ms": {"1500"}}}, 503, "application/json",
			[]check{hasHeader("Retry-After-Ms", "1500"), isAPIError(503)}},
		{"500 with x-should-retry false", Fault{Status: 500, Header: http.Header{"X-Should-Retry": {"false"}}}, 500, "application/json",
			[]check{hasHeader("X-Should-Retry", "false"), isAPIError(500)}},
		{"header on a normal answer", Fault{Header: http.Header{"X-Extra": {"1"}}}, 200, "application/json",
			[]check{hasHeader("X-Extra", "1"), dataField("status", "running")}},
		{"HTML error page", Fault{Status: 502, Body: HTMLBody()}, 502, "text/html",
			[]check{func(t *testing.T, r reply, _ []byte) {
				if !bytes.Contains(r.body, []byte("<h1>502 Bad Gateway</h1>")) {
					t.Errorf("body %q is not the HTML page", r.body)
				}
			}}},
		{"empty body", Fault{Body: EmptyBody()}, 200, "application/json", []check{bodyIs(nil)}},
		{"truncated JSON", Fault{Body: TruncatedBody()}, 200, "application/json",
			[]check{func(t *testing.T, r reply, normal []byte) {
				if len(r.body) != len(normal)/2 || !bytes.HasPrefix(normal, r.body) || json.Valid(r.body) {
					t.Errorf("body %q is not the invalid first half of %q", r.body, normal)
				}
			}}},
		{"missing status", Fault{Body: MissingField("status")}, 200, "application/json", []check{dataField("status", nil)}},
		{"missing startTime", Fault{Body: MissingField("startTime")}, 200, "application/json", []check{dataField("startTime", nil)}},
		{"status of wrong type", Fault{Body: WrongType("status")}, 200, "application/json", []check{dataField("status", 12345)}},
		{"null executionTime of wrong type", Fault{Body: WrongType("executionTime")}, 200, "application/json", []check{dataField("executionTime", []any{})}},
		{"raw bytes", Fault{Body: RawBody("application/octet-stream", []byte{0, 1, 0xfe, 0xff})}, 200, "application/octet-stream",
			[]check{bodyIs([]byte{0, 1, 0xfe, 0xff})}},
		{"raw bytes keeping JSON type", Fault{Body: RawBody("", []byte("{"))}, 200, "application/json", []check{bodyIs([]byte("{"))}},
		{"invalid fault status", Fault{Status: 42, Header: http.Header{"X-Extra": {"1"}}}, 500, "application/json",
			[]check{isAPIError(500), hasHeader("X-Extra", ""), func(t *testing.T, r reply, _ []byte) {
				if _, msg := apiErr(t, r); !strings.Contains(msg, "fault status 42") {
					t.Errorf("message %q does not name the bad status", msg)
				}
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer()
			defer s.Close()
			id := s.AddExecution(taskA, Script{Steps: []Step{{Status: client.StatusRunning}}, Faults: []Fault{{ToRequest: 1}, tt.fault}})
			// The first request matches the fault that changes nothing: a normal
			// answer to compare with.
			normal := get(t, s, execPath(taskA, id))
			r := get(t, s, execPath(taskA, id))
			if r.err != nil {
				t.Fatalf("request failed: %v", r.err)
			}
			if r.status != tt.wantStatus {
				t.Errorf("status %d, want %d", r.status, tt.wantStatus)
			}
			if ct := r.header.Get("Content-Type"); ct != tt.wantCT {
				t.Errorf("Content-Type %q, want %q", ct, tt.wantCT)
			}
			for _, c := range tt.checks {
				c(t, r, normal.body)
			}
		})
	}
}

func fmtAny(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestHugeOutput(t *testing.T) {
	const n = client.DefaultMaxBodySize + 1<<20
	s := NewServer()
	defer s.Close()
	id := s.AddExecution(taskA, Script{Steps: []Step{{Status: client.StatusSuccess}}, Faults: []Fault{{Body: HugeOutput(n)}}})
	r := get(t, s, execPath(taskA, id))
	if r.err != nil || r.status != 200 {
		t.Fatalf("status %d error %v, want 200", r.status, r.err)
	}
	// Find the output's text without decoding tens of megabytes.
	prefix := []byte(`"output":"`)
	i := bytes.Index(r.body, prefix)
	if i < 0 {
		t.Fatalf("no output string in body starting %q", r.body[:min(len(r.body), 200)])
	}
	text := r.body[i+len(prefix):]
	text = text[:bytes.IndexByte(text, '"')]
	if len(text) != n || bytes.Count(text, []byte("x")) != n {
		t.Errorf("output of %d bytes, want %d", len(text), n)
	}
	rest := append(append(append([]byte{}, r.body[:i+len(prefix)]...), '"'), r.body[i+len(prefix)+n+1:]...)
	if !json.Valid(rest) {
		t.Errorf("body without the output text %q is not JSON", rest)
	}
	// The client refuses such a body under its default cap.
	_, err := s.Client(client.WithMaxRetries(0)).GetExecution(context.Background(), taskA, id)
	if !errors.Is(err, client.ErrBodyTooLarge) {
		t.Errorf("client error %v, want one matching client.ErrBodyTooLarge", err)
	}
}

func TestRetryAfterDate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer(WithFaults(Fault{Status: 429, RetryAfterDate: 90 * time.Second}))
		defer s.Close()
		time.Sleep(1500 * time.Millisecond) // not on a whole second: the date rounds up
		r := get(t, s, "/v1/task/run")
		want := time.Now().Add(90*time.Second + 500*time.Millisecond).UTC().Format(http.TimeFormat)
		if got := r.header.Get("Retry-After"); r.status != 429 || got != want {
			t.Errorf("status %d Retry-After %q, want 429 and %q", r.status, got, want)
		}
	})
}

func TestDropConnection(t *testing.T) {
	tests := []struct {
		name       string
		drop       Drop
		wantStatus int // recorded
	}{
		{"before answering", DropConnection, 0},
		{"mid body", DropMidBody, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := NewInMemoryServer()
				defer s.Close()
				id := s.AddExecution(taskA, Script{Faults: []Fault{{ToRequest: 1, Drop: tt.drop}}})
				r := get(t, s, execPath(taskA, id))
				switch tt.drop {
				case DropConnection:
					if r.err == nil {
						t.Errorf("got status %d body %q, want the request to fail", r.status, r.body)
					}
				case DropMidBody:
					if r.status != 200 || !errors.Is(r.err, io.ErrUnexpectedEOF) || len(r.body) == 0 {
						t.Errorf("got status %d, %d bytes, error %v; want 200, part of the body, unexpected EOF", r.status, len(r.body), r.err)
					}
				}
				if r := get(t, s, execPath(taskA, id)); r.status != 200 || r.err != nil {
					t.Errorf("next request: status %d error %v, want 200 on a new connection", r.status, r.err)
				}
				// A dropped request is recorded when its handler returns,
				// which may be after the client has seen the connection
				// close: let every handler finish first.
				synctest.Wait()
				if n := s.Stats().ConnectionsOpened; n != 2 {
					t.Errorf("%d connections opened, want 2", n)
				}
				recs := s.RequestsFor(id)
				if len(recs) != 2 || recs[0].Status != tt.wantStatus || !recs[0].Fault {
					t.Errorf("records %+v; want the first with status %d and fault", recs, tt.wantStatus)
				}
			})
		})
	}
}

func TestDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer(WithFaults(Fault{Op: OpRunTask, Delay: time.Hour}))
		defer s.Close()
		id := s.AddExecution(taskA, Script{Steps: []Step{
			{Status: client.StatusRunning},
			{At: 30 * time.Second, Status: client.StatusSuccess},
		}, Faults: []Fault{{ToRequest: 1, Delay: 30 * time.Second}}})

		// A delayed answer shows the execution as of when it is sent.
		start := time.Now()
		r := get(t, s, execPath(taskA, id))
		if took := time.Since(start); took != 30*time.Second {
			t.Errorf("answered after %v, want 30s", took)
		}
		if got := decodeData[client.Execution](t, r); got.Status != client.StatusSuccess {
			t.Errorf("status %q, want success (as of the answer)", got.Status)
		}

		// A client that gives up ends the delay at once.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start = time.Now()
		r = do(t, ctx, s, http.MethodPost, "/v1/task/run", s.APIKey(), `{"taskId":"`+taskA+`"}`)
		if !errors.Is(r.err, context.DeadlineExceeded) || time.Since(start) != 2*time.Second {
			t.Errorf("got %+v after %v, want the 2s deadline to end it", r, time.Since(start))
		}
		synctest.Wait()
		if recs := s.Requests(); len(recs) != 2 || recs[1].Status != 0 || recs[1].Duration != 2*time.Second {
			t.Errorf("records %+v; want the second unanswered after 2s", recs)
		}
	})
}

func TestLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewInMemoryServer(WithLatency(250 * time.Millisecond))
		defer s.Close()
		c := s.Client()
		id := s.AddExecution(taskA, Script{})
		start := time.Now()
		for range 4 {
			if _, err := c.GetExecution(context.Background(), taskA, id); err != nil {
				t.Fatal(err)
			}
		}
		if took := time.Since(start); took != time.Second {
			t.Errorf("4 requests took %v, want 1s", took)
		}
	})
}

func TestFaultsAreCopied(t *testing.T) {
	header := http.Header{"Retry-After": {"1"}}
	faults := []Fault{{Status: 429, Header: header}}
	s := NewServer(WithFaults(Fault{Op: OpRunTask, Status: 503, Header: header}))
	defer s.Close()
	id := s.AddExecution(taskA, Script{Faults: faults})
	header.Set("Retry-After", "99")
	faults[0].Status = 500
	r := get(t, s, execPath(taskA, id))
	if got := r.header.Get("Retry-After"); r.status != 429 || got != "1" {
		t.Errorf("status %d Retry-After %q, want 429 and 1 as configured", r.status, got)
	}
	r = do(t, context.Background(), s, http.MethodPost, "/v1/task/run", s.APIKey(), "{}")
	if got := r.header.Get("Retry-After"); r.status != 503 || got != "1" {
		t.Errorf("server-wide: status %d Retry-After %q, want 503 and 1 as configured", r.status, got)
	}
}

func TestBodyRewrites(t *testing.T) {
	const list = `{"data":{"results":[{"id":"a","status":"queued"},{"id":"b","status":"running"}],"pagination":{"page":1,"limit":10,"total":2,"totalPages":1}}}`
	tests := []struct {
		name, in string
		body     Body
		want     string
		wantName string
	}{
		{"missing field in each listed execution", list, MissingField("status"),
			`{"data":{"pagination":{"limit":10,"page":1,"total":2,"totalPages":1},"results":[{"id":"a"},{"id":"b"}]}}`, "missing field status"},
		{"missing pagination", list, MissingField("pagination"),
			`{"data":{"results":[{"id":"a","status":"queued"},{"id":"b","status":"running"}]}}`, "missing field pagination"},
		{"wrong type in an error", `{"error":{"code":404,"message":"gone"}}`, WrongType("code"),
			`{"error":{"code":"not-a-code","message":"gone"}}`, "wrong type for code"},
		{"huge output on a run result", `{"data":{"success":true}}`, HugeOutput(3),
			`{"data":{"output":"xxx","success":true}}`, "huge output"},
		{"not JSON is left alone", `<html>`, MissingField("id"), `<html>`, "missing field id"},
		{"JSON without data or error is left alone", `[1,2]`, WrongType("id"), `[1,2]`, "wrong type for id"},
		{"zero Body", list, Body{}, list, "unchanged"},
		{"empty", list, EmptyBody(), ``, "empty"},
		{"truncated", `{"data":{}}`, TruncatedBody(), `{"dat`, "truncated JSON"},
		{"raw", list, RawBody("", []byte("raw")), `raw`, "raw bytes"},
		{"HTML", list, HTMLBody(), htmlPage, "HTML page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, got := tt.body.apply("application/json", []byte(tt.in))
			if string(got) != tt.want {
				t.Errorf("body %s, want %s", got, tt.want)
			}
			wantCT := "application/json"
			if tt.wantName == "HTML page" {
				wantCT = "text/html"
			}
			if ct != wantCT {
				t.Errorf("content type %q, want %q", ct, wantCT)
			}
			if s := tt.body.String(); s != tt.wantName {
				t.Errorf("String() = %q, want %q", s, tt.wantName)
			}
		})
	}
}
