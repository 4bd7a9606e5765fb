package main

// Tests of how anchor-wait uses the poller: results taken as waits end,
// what is kept of them, starts found in the task's list, and the limits of
// what it writes for GitHub Actions.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/internal/runnercmd"
	"github.com/anchorwait/anchorwait/internal/syncbuf"
	"github.com/anchorwait/anchorwait/poller"
)

// TestWaitEndsEmptyStatus: an API that answers every poll with an empty
// status is not reported as one whose first poll never came back.
func TestWaitEndsEmptyStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		empty := func(ctx context.Context, _, id string) (*client.Execution, error) {
			return &client.Execution{ID: id, Status: ""}, nil
		}
		var stdout, stderr syncbuf.Buffer
		w := testWaiter(empty, 3*time.Second, &stdout, &stderr)
		_, code := waitWithin(w, []string{testExec})
		if code != exitAPIError {
			t.Errorf("exit %d, want 4: the API gave no status", code)
		}
		d := decodeResults(t, stdout.String())
		msg, _ := d.Results[0]["error"].(string)
		polls, _ := d.Results[0]["polls"].(float64)
		want := fmt.Sprintf(`--timeout 3s ran out before the API gave any status (%d polls; the API answered with an empty status (""))`, int(polls))
		if polls < 2 || msg != want {
			t.Errorf("error %q after %v polls, want %q", msg, polls, want)
		}
	})
}

// TestJSONLWrittenAsWaitsEnd: with --output jsonl, the line of an
// execution that has finished is on stdout while another is still waited
// for.
func TestJSONLWrittenAsWaitsEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const fast, slow = "aaaaaaaa-0000-4000-8000-00000000000a", "bbbbbbbb-0000-4000-8000-00000000000b"
		start := time.Now()
		get := func(ctx context.Context, _, id string) (*client.Execution, error) {
			if id == slow && time.Since(start) < 10*time.Second {
				return running(id), nil
			}
			return &client.Execution{ID: id, Status: client.StatusSuccess, Output: ptr("done")}, nil
		}
		var stdout, stderr syncbuf.Buffer
		w := testWaiter(get, time.Minute, &stdout, &stderr)
		w.report.output = formatJSONL
		done := make(chan int)
		go func() {
			_, code := waitWithin(w, []string{slow, fast})
			done <- code
		}()
		time.Sleep(5 * time.Second)
		synctest.Wait()
		lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], `"executionId":"`+fast+`"`) {
			t.Errorf("stdout at 5s:\n%s\nwant the line of %s alone", stdout.String(), fast)
		}
		if code := <-done; code != exitSuccess {
			t.Errorf("exit %d, want 0", code)
		}
		lines = strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
		if len(lines) != 2 || !strings.Contains(lines[1], `"executionId":"`+slow+`"`) {
			t.Errorf("stdout at the end:\n%s\nwant the line of %s after that of %s", stdout.String(), slow, fast)
		}
	})
}

// TestResultsKeepExcerpts: but for --output json, a result keeps only the
// start of a large output, redacted before the cut; --output json keeps it
// whole. The execution the poller handed over is left as it came (the
// poller keeps nothing of an ended wait: see package poller's
// TestWaitEachKeepsNoEndedResult).
func TestResultsKeepExcerpts(t *testing.T) {
	// The key straddles the cut.
	big := strings.Repeat("a", keptBytes-5) + testKey + strings.Repeat("b", 1<<20)
	for _, format := range []string{formatText, formatJSONL, formatJSON} {
		t.Run(format, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				exec := &client.Execution{ID: testExec, Status: client.StatusFailure, Output: ptr(big), ErrorMessage: ptr(big), Raw: []byte(`{"raw":true}`)}
				get := func(context.Context, string, string) (*client.Execution, error) { return exec, nil }
				var stdout, stderr syncbuf.Buffer
				w := testWaiter(get, time.Minute, &stdout, &stderr)
				w.out.addSecret(testKey)
				w.report.output = format
				results, code := waitWithin(w, []string{testExec})
				if code != exitFailure || len(results) != 1 {
					t.Fatalf("exit %d with %d results, want 1 and 1", code, len(results))
				}
				r := results[0]
				if format == formatJSON {
					if *r.Output != big || r.outputBytes != 0 {
						t.Errorf("json: output of %d bytes kept (%d said), want it whole", len(*r.Output), r.outputBytes)
					}
				}
				if *exec.Output != big || *exec.ErrorMessage != big || string(exec.Raw) != `{"raw":true}` {
					t.Error("the execution the poller handed over was changed")
				}
				if format == formatJSON {
					return
				}
				for what, kept := range map[string]*string{"output": r.Output, "errorMessage": r.ErrorMessage} {
					if len(*kept) > keptBytes || strings.Contains(*kept, testKey[:8]) || !strings.HasSuffix(*kept, redacted[:5]) {
						t.Errorf("%s kept: %d bytes ending %q; want at most %d, redacted before the cut", what, len(*kept), (*kept)[len(*kept)-20:], keptBytes)
					}
				}
				if r.outputBytes != len(big) || r.errorBytes != len(big) {
					t.Errorf("sizes %d and %d said, want %d", r.outputBytes, r.errorBytes, len(big))
				}
				if format == formatJSONL && !strings.Contains(stdout.String(), strings.Repeat("b", 1<<20)) {
					t.Error("the jsonl line does not hold the whole output")
				}
			})
		})
	}
}

// TestUnreadableFieldsSaidOnce: a field the API sent in a form it does not
// document is shown as null, and said once for the run on stderr.
func TestUnreadableFieldsSaidOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		get := func(_ context.Context, _, id string) (*client.Execution, error) {
			return &client.Execution{ID: id, Status: client.StatusSuccess, Version: "", Unreadable: []string{"version", "executionTime"}}, nil
		}
		var stdout, stderr syncbuf.Buffer
		w := testWaiter(get, time.Minute, &stdout, &stderr)
		w.progress.mode = progressOff
		_, code := waitWithin(w, []string{idA, idB})
		if code != exitSuccess {
			t.Fatalf("exit %d, want 0: the outcome does not hang on those fields", code)
		}
		d := decodeResults(t, stdout.String())
		for i, r := range d.Results {
			if r["version"] != nil || r["executionTime"] != nil {
				t.Errorf("result %d: version %v, executionTime %v; want null", i, r["version"], r["executionTime"])
			}
		}
		lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], "the API sent version of execution ") ||
			!strings.Contains(lines[1], "the API sent executionTime of execution ") ||
			!strings.HasSuffix(lines[1], "in a form it does not document: it is shown as null (said once for the run)") {
			t.Errorf("stderr:\n%s\nwant one line for each field", stderr.String())
		}
	})
}

// listingStarter is an API whose start names no execution; the task's
// list shows it once the start was made.
type listingStarter struct {
	mu      sync.Mutex
	started time.Time
	id      string
}

func (s *listingStarter) GetExecution(ctx context.Context, _, id string, _ ...client.CallOption) (*client.Execution, error) {
	return &client.Execution{ID: id, Status: client.StatusSuccess}, nil
}

func (s *listingStarter) RunTask(ctx context.Context, req client.RunTaskRequest, _ ...client.CallOption) (*client.RunTaskResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = time.Now()
	return &client.RunTaskResult{Success: true, Async: true, TaskID: req.TaskID}, nil
}

func (s *listingStarter) ListExecutions(ctx context.Context, _ string, _ client.ListOptions, _ ...client.CallOption) (*client.ExecutionPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	page := &client.ExecutionPage{}
	if !s.started.IsZero() {
		page.Results = []client.Execution{{ID: s.id, Status: client.StatusRunning, StartTime: s.started}}
	}
	return page, nil
}

// TestStartFoundInList: an execution the API's answer did not name, found
// in the task's list, is said so on stderr before it is waited for.
func TestStartFoundInList(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &listingStarter{id: testExec}
		p, err := poller.New(api)
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		st := startRuns(context.Background(), p, &startFlags{count: 1}, 1, testTask, &stderr)
		if st.err != nil || len(st.ids) != 1 || st.ids[0] != testExec {
			t.Fatalf("started %q, %v; want %s", st.ids, st.err, testExec)
		}
		want := "the API named no execution: waiting for " + testExec + ", the newest execution of the task started after the request\n" +
			"started execution " + testExec + "\n"
		if stderr.String() != want {
			t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), want)
		}
	})
}

// TestStartMaybeStarted: a start the server answered 5xx may have started
// an execution, and the failure says so.
func TestStartMaybeStarted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &fakeStarter{failFrom: 1}
		st := startRuns(context.Background(), testPoller(s), &startFlags{count: 1}, 1, testTask, io.Discard)
		if !errors.Is(st.err, poller.ErrMaybeStarted) || st.maybe != 1 {
			t.Fatalf("error %v (%d may have started), want one matching poller.ErrMaybeStarted", st.err, st.maybe)
		}
		sf := newStartFailure(context.Background(), st, testTask, time.Minute)
		if sf.code != exitAPIError || !strings.Contains(sf.message, "so an execution may have started that is not waited for") {
			t.Errorf("exit %d, message %q: want 4, saying an execution may have started", sf.code, sf.message)
		}
	})
}

// failedResults returns n results of executions that ended failure.
func failedResults(n int, errorMessage string) []result {
	rs := make([]result, n)
	for i := range rs {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		e := &client.Execution{ID: id, Status: client.StatusFailure, ErrorMessage: &errorMessage}
		rs[i] = resultOf(poller.Result{Ref: poller.Ref{TaskID: testTask, ExecutionID: id}, Execution: e, Requests: 1,
			Err: &poller.UnsuccessfulError{Status: client.StatusFailure, ErrorMessage: errorMessage, Execution: e}}, 0, time.Minute)
	}
	return rs
}

// TestAnnotationsWithinRunnerLimits: at most 10 error annotations a step
// (the last saying how many are left out), each at most 4096 characters
// as the runner reads it.
func TestAnnotationsWithinRunnerLimits(t *testing.T) {
	var stderr bytes.Buffer
	o := newOutput(io.Discard, &stderr)
	o.annotate("anchor-wait usage error", "one before") // a step's annotations are counted together
	githubAnnotations(o, failedResults(15, "boom\n"+strings.Repeat("é", 5000)))
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if len(lines) != maxAnnotations {
		t.Fatalf("%d annotations, want %d:\n%s", len(lines), maxAnnotations, stderr.String())
	}
	for i, line := range lines {
		c, ok := runnercmd.Parse(line)
		if !ok || c.Name != "error" {
			t.Errorf("line %d is not an error annotation: %q", i+1, line)
			continue
		}
		if n := utf8.RuneCountInString(c.Data); n > 4096 {
			t.Errorf("annotation %d: %d characters, want at most 4096", i+1, n)
		}
		if i > 0 && i < maxAnnotations-1 && (!strings.HasSuffix(c.Data, cutNote) || !strings.HasPrefix(c.Data, "Execution ")) {
			t.Errorf("annotation %d: %q…, want it cut, saying so", i+1, c.Data[:80])
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "7 executions of task "+testTask+" did not succeed; GitHub shows 10 error annotations a step, so theirs are left out") {
		t.Errorf("last annotation %q: want it to say how many are left out", last)
	}
}

// TestSummaryWithinRunnerLimit: the step summary stays within GitHub's 1
// MiB, however many executions and outputs, and says what it left out.
func TestSummaryWithinRunnerLimit(t *testing.T) {
	o := newOutput(io.Discard, io.Discard)
	many := failedResults(20_000, "boom")
	md := githubSummary(o, many, exitFailure, "20000 executions failed", time.Minute, nil)
	if len(md) > 1<<20 || !strings.Contains(md, " executions are left out of this table: GitHub takes 1 MiB of step summary a step") {
		t.Errorf("summary of 20,000 executions: %d bytes, want at most 1 MiB, saying rows are left out", len(md))
	}
	big := failedResults(200, strings.Repeat("x", keptBytes))
	md = githubSummary(o, big, exitFailure, "200 executions failed", time.Minute, nil)
	if len(md) > 1<<20 || !strings.Contains(md, " executions are left out of this summary: GitHub takes 1 MiB") ||
		!strings.Contains(md, "is cut here at 16 KiB: it has 64 KiB, all of it in --output json") {
		t.Errorf("summary of 200 large error messages: %d bytes, want at most 1 MiB, saying what is cut and left out", len(md))
	}
}

// TestStdLogThroughOutputLayer: what the standard log package is given
// (net/http quotes a server's unsolicited bytes) reaches stderr redacted,
// neutralized and after anchor-wait's own text.
func TestStdLogThroughOutputLayer(t *testing.T) {
	var stderr bytes.Buffer
	o := newOutput(io.Discard, &stderr)
	o.addSecret(testKey)
	l := log.New(o.stdLog(), "", 0)
	l.Printf("Unsolicited response received on idle HTTP channel starting with %q; err=%v", "HTTP/1.1 200 OK\r\nX: "+testKey+"\r\n##[add-mask]success\x1b]0;t\x07\u202e", nil)
	l.Print("two\nlines ::error::x")
	got := stderr.String()
	for _, bad := range []string{testKey, "##[", "\x1b", "\u202e", "::error"} {
		if strings.Contains(got, bad) {
			t.Errorf("stderr holds %q:\n%s", bad, got)
		}
	}
	for i, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if !strings.HasPrefix(line, "anchor-wait: ") {
			t.Errorf("line %d %q: want it to start with anchor-wait's own text", i+1, line)
		}
	}
	if n := strings.Count(got, "\n"); n != 3 {
		t.Errorf("%d lines, want 3:\n%s", n, got)
	}
}
