package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

func ptr[T any](v T) *T { return &v }

// sampleResults are one result of each kind, built the way the CLI builds
// them.
func sampleResults() []result {
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	exec := func(id string, s client.Status, out, msg *string, ms *float64) *client.Execution {
		return &client.Execution{ID: id, TaskVersionID: "tv-1", Version: "3", Status: s, Output: out, ErrorMessage: msg, StartTime: start, ExecutionTime: ms}
	}
	res := func(id string, e *client.Execution, polls int, waited time.Duration, err error) result {
		return resultOf(poller.Result{Ref: poller.Ref{TaskID: testTask, ExecutionID: id}, Execution: e, Requests: polls, Waited: waited, Err: err}, 0, time.Minute)
	}
	failed := exec(idB, client.StatusFailure, nil, ptr("selector #pay\nnot found"), ptr(4000.0))
	return []result{
		res(idA, exec(idA, client.StatusSuccess, ptr(`{"ok":true}`), nil, ptr(1234.0)), 4, 3*time.Second, nil),
		res(idB, failed, 6, 5*time.Second, &poller.UnsuccessfulError{Status: client.StatusFailure, Execution: failed}),
		res(idC, exec(idC, client.StatusRunning, nil, nil, nil), 9, time.Minute, fmt.Errorf("wait: %w: %w", context.DeadlineExceeded, errWaitTimeout)),
		res(exampleID, nil, 1, 200*time.Millisecond, errors.New("wait for execution: API answered 401 Unauthorized: bad key")),
	}
}

func TestWriteText(t *testing.T) {
	var buf bytes.Buffer
	o := newOutput(&buf, io.Discard)
	if err := writeText(o, o.Stdout(), sampleResults()); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"EXECUTION                             STATUS   EXEC TIME  WAITED  POLLS  DETAIL",
		idA + "  success  1.2s       3s      4      {\"ok\":true}",
		idB + "  failure  4s         5s      6      selector #pay not found",
		idC + "  running  -          1m0s    9      --timeout 1m0s ran out before the execution finished (last status running)",
		exampleID + "  -        -          200ms   1      wait for execution: API answered 401 Unauthorized: bad key",
		"4 executions: 1 success, 1 failure, 1 api-error, 1 wait-timeout; exec time of 2 min 1.2s, median 2.6s, max 4s",
		"",
	}, "\n")
	if got := buf.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	buf.Reset()
	if err := writeText(o, o.Stdout(), nil); err != nil || buf.Len() != 0 {
		t.Errorf("no results: got %q, %v; want nothing", buf.String(), err)
	}
}

// resultKeys are the keys of the result object, in order.
var resultKeys = []string{"taskId", "executionId", "status", "output", "errorMessage", "startTime", "executionTime", "version", "taskVersionId", "polls", "error"}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := writeJSON(newOutput(io.Discard, io.Discard), &buf, sampleResults(), exitAPIError, nil); err != nil {
		t.Fatal(err)
	}
	// Written a result at a time, it is the document json.MarshalIndent
	// writes.
	whole, err := json.MarshalIndent(struct {
		Results  []result `json:"results"`
		ExitCode int      `json:"exitCode"`
		Error    string   `json:"error,omitempty"`
	}{sampleResults(), exitAPIError, ""}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), string(whole)+"\n"; got != want {
		t.Errorf("document:\n%s\nwant, as json.MarshalIndent writes it:\n%s", got, want)
	}
	var doc struct {
		Results  []map[string]any `json:"results"`
		ExitCode int              `json:"exitCode"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	if doc.ExitCode != exitAPIError || len(doc.Results) != 4 {
		t.Fatalf("got exit code %d and %d results, want 4 and 4", doc.ExitCode, len(doc.Results))
	}
	for i, r := range doc.Results {
		if len(r) != len(resultKeys) {
			t.Errorf("result %d has %d keys, want %d: %v", i, len(r), len(resultKeys), r)
		}
		for _, k := range resultKeys {
			if _, ok := r[k]; !ok {
				t.Errorf("result %d has no %q", i, k)
			}
		}
	}
	wantValues := []map[string]any{
		{"status": "success", "output": `{"ok":true}`, "errorMessage": nil, "executionTime": 1234.0, "version": "3", "taskVersionId": "tv-1", "polls": 4.0, "error": nil, "startTime": "2026-11-28T12:00:00Z"},
		{"status": "failure", "output": nil, "errorMessage": "selector #pay\nnot found", "error": nil},
		{"status": "running", "executionTime": nil, "error": "--timeout 1m0s ran out before the execution finished (last status running)"},
		{"status": "", "output": nil, "startTime": nil, "executionTime": nil, "version": nil, "taskVersionId": nil, "polls": 1.0, "executionId": exampleID, "taskId": testTask},
	}
	for i, want := range wantValues {
		for k, v := range want {
			if got := doc.Results[i][k]; got != v {
				t.Errorf("result %d: %s = %#v, want %#v", i, k, got, v)
			}
		}
	}
	// The keys come in the documented order.
	first := buf.String()[strings.Index(buf.String(), "{\n      "):]
	last := -1
	for _, k := range resultKeys {
		i := strings.Index(first, `"`+k+`"`)
		if i < last {
			t.Errorf("key %q out of order", k)
		}
		last = i
	}
}

func TestWriteJSONEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := writeJSON(newOutput(io.Discard, io.Discard), &buf, nil, exitAPIError, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "{\n  \"results\": [],\n  \"exitCode\": 4\n}\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestJSONLStream(t *testing.T) {
	var buf bytes.Buffer
	s := newJSONLStream(newOutput(io.Discard, io.Discard), &buf)
	rs := sampleResults()
	s.emit(rs[2])
	s.emit(rs[2]) // written once
	if err := s.finish(rs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 4:\n%s", len(lines), buf.String())
	}
	wantOrder := []string{idC, idA, idB, exampleID}
	for i, line := range lines {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d is not JSON: %v", i+1, err)
		}
		if r["executionId"] != wantOrder[i] || len(r) != len(resultKeys) {
			t.Errorf("line %d: execution %v with %d keys, want %s with %d", i+1, r["executionId"], len(r), wantOrder[i], len(resultKeys))
		}
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"a\nb\r\nc\td", 20, "a b c d"},
		{"0123456789abc", 10, "012345678…"},
		{"ééééééééééé", 6, "ééééé…"},
		{"\x1b[31mred\x1b[0m", 20, `\x1b[31mred\x1b[0m`},
		{"\x1b[31mred\x1b[0m", 12, `\x1b[31mred…`}, // never cut inside an escape
		{"ok ##[add-mask]success ::error::x \u202eDESSAP", 60, `ok ##\[add-mask]success :\:error:\:x \u202eDESSAP`},
	}
	o := newOutput(io.Discard, io.Discard)
	for _, tt := range tests {
		if got := o.excerpt(tt.in, tt.n); got != tt.want {
			t.Errorf("excerpt(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestFormatMillis(t *testing.T) {
	tests := []struct {
		ms   float64
		want string
	}{
		{0, "0s"}, {850.4, "850ms"}, {1234, "1.2s"}, {59_960, "1m0s"}, {123_456, "2m3s"},
	}
	for _, tt := range tests {
		if got := formatMillis(tt.ms); got != tt.want {
			t.Errorf("formatMillis(%v) = %q, want %q", tt.ms, got, tt.want)
		}
	}
}

// TestResultsRedactedOnOutput: a result holds the API's text as sent; what
// the output layer writes of it has the key blanked out.
func TestResultsRedactedOnOutput(t *testing.T) {
	var buf bytes.Buffer
	o := newOutput(&buf, io.Discard)
	o.addSecret(testKey)
	exec := &client.Execution{ID: idA, Status: client.StatusFailure, Output: ptr("out " + testKey), ErrorMessage: ptr("msg " + testKey)}
	r := resultOf(poller.Result{Ref: poller.Ref{TaskID: testTask, ExecutionID: idA}, Execution: exec, Requests: 1, Err: errors.New("boom " + testKey)}, 0, time.Minute)
	if err := writeJSON(o, o.Stdout(), []result{r}, exitFailure, nil); err != nil {
		t.Fatal(err)
	}
	assertNoSecrets(t, "result JSON", buf.String())
	if !strings.Contains(buf.String(), redacted) {
		t.Errorf("result %s: want %s in place of the key", buf.String(), redacted)
	}
}

// blockingWriter is a Writer whose writes block until release is closed.
type blockingWriter struct{ release chan struct{} }

func (b blockingWriter) Write(p []byte) (int, error) {
	<-b.release
	return len(p), nil
}

// TestWriteLimits: a write that blocks is given up on at the deadline, or
// writeGrace after it for one that began near or past it, or writeGrace
// after an interrupt; one that does not block is waited for, however late.
func TestWriteLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		blocked := blockingWriter{release: make(chan struct{})}
		defer close(blocked.release) // lets the abandoned writes end
		start := time.Now()
		l := &writeLimits{deadline: start.Add(5 * time.Second)}
		for _, tt := range []struct {
			name string
			wait time.Duration
		}{
			{"well before the deadline: until the deadline", 5 * time.Second},
			{"at the deadline: writeGrace", writeGrace},
			{"past the deadline and its grace: minWriteWait", minWriteWait},
		} {
			at := time.Now()
			if err := l.write(blocked, []byte("x"), true); !errors.Is(err, errBlockedWrite) || time.Since(at) != tt.wait {
				t.Errorf("blocked write %s: %v after %v; want %v after %v", tt.name, err, time.Since(at), errBlockedWrite, tt.wait)
			}
		}
		l = &writeLimits{deadline: time.Now().Add(time.Second)}
		at := time.Now()
		if err := l.write(blocked, []byte("x"), true); !errors.Is(err, errBlockedWrite) || time.Since(at) != writeGrace {
			t.Errorf("blocked write within writeGrace of the deadline: %v after %v; want %v", err, time.Since(at), writeGrace)
		}
		var buf bytes.Buffer
		if err := l.write(&buf, []byte("late"), true); err != nil || buf.String() != "late" {
			t.Errorf("a write that does not block, past the deadline: %v, wrote %q", err, buf.String())
		}

		interrupt := make(chan struct{})
		l = &writeLimits{interrupt: interrupt}
		go func() {
			time.Sleep(3 * time.Second)
			close(interrupt)
		}()
		at = time.Now()
		if err := l.write(blocked, []byte("x"), true); !errors.Is(err, errInterruptedWrite) || time.Since(at) != 3*time.Second+writeGrace {
			t.Errorf("blocked write, then an interrupt: %v after %v; want %v after %v", err, time.Since(at), errInterruptedWrite, 3*time.Second+writeGrace)
		}
		// The grace counts from the interrupt, not from each write.
		time.Sleep(time.Second)
		at = time.Now()
		if err := l.write(blocked, []byte("x"), true); !errors.Is(err, errInterruptedWrite) || time.Since(at) != minWriteWait {
			t.Errorf("blocked write after the interrupt's grace: %v after %v; want %v", err, time.Since(at), minWriteWait)
		}
	})
}

// TestOutputFinalCode: a failed write makes the run exit 8 unless a more
// urgent code applies; an interrupt that cut a write short makes it 130.
func TestOutputFinalCode(t *testing.T) {
	o := newOutput(io.Discard, io.Discard)
	for _, code := range []int{exitSuccess, exitFailure, exitAPIError, exitUsage, exitInterrupted} {
		if got := o.finalCode(code); got != code {
			t.Errorf("no failure: finalCode(%d) = %d, want it unchanged", code, got)
		}
	}
	o.fail("the results", "stdout", errors.New("broken pipe"))
	for code, want := range map[int]int{exitSuccess: exitWriteError, exitFailure: exitWriteError, exitAPIError: exitWriteError, exitUsage: exitUsage, exitInterrupted: exitInterrupted} {
		if got := o.finalCode(code); got != want {
			t.Errorf("after a failed write: finalCode(%d) = %d, want %d", code, got, want)
		}
	}
	o.fail("the JUnit report", `"r.xml"`, errInterruptedWrite)
	if got := o.finalCode(exitWriteError); got != exitInterrupted {
		t.Errorf("after an interrupted write: finalCode(8) = %d, want 130", got)
	}
	if got, want := o.failureText(), `the results to stdout (broken pipe), the JUnit report to "r.xml" (`+errInterruptedWrite.Error()+`)`; got != want {
		t.Errorf("failureText() = %q, want %q", got, want)
	}
}
