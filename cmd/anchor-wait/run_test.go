package main

// In-process tests of run against the fake API on loopback: the same paths
// as the end-to-end tests, under the race detector.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// TestRunFailFast: the first failure stops the other waits. The failing
// execution is answered only once the other has been seen running (its
// line is on stderr), so the stopped wait has a status to report whatever
// the scheduling. Two requests may be in flight, so the held one does not
// keep the other execution from being polled.
func TestRunFailFast(t *testing.T) {
	srv := newFake(t)
	stuck, bad := srv.AddExecution(testTask, anchortest.Always(client.StatusRunning)), srv.AddExecution(testTask, anchortest.Fail(0, 0, "selector #buy not found"))
	stuckSeen := make(chan struct{})
	release := sync.OnceFunc(func() { close(stuckSeen) })
	front := httptest.NewServer(holdRequests(srv.Handler(), bad, stuckSeen))
	t.Cleanup(front.Close)
	t.Cleanup(release) // before front.Close: a failed test leaves no request held
	env := map[string]string{client.EnvAPIKey: testKey, client.EnvBaseURL: front.URL}
	stderr := newLineWriter()
	var stdout bytes.Buffer
	codes := make(chan int, 1)
	go func() {
		codes <- run(context.Background(), withFastPolls("--fail-fast", "--concurrency", "2", "--timeout", "0", "--output", "json", testTask, stuck, bad),
			strings.NewReader(""), &stdout, stderr, envOf(env))
	}()
	stderr.waitLine(t, stuck+": running")
	release()
	if code := <-codes; code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr.String())
	}
	assertNoSecrets(t, "stdout", stdout.String())
	assertNoSecrets(t, "stderr", stderr.String())
	var d jsonDoc
	if err := json.Unmarshal(stdout.Bytes(), &d); err != nil || len(d.Results) != 2 {
		t.Fatalf("stdout %q: %v", stdout.String(), err)
	}
	if e, _ := d.Results[0]["error"].(string); d.Results[0]["status"] != "running" || !strings.HasPrefix(e, "stopped by --fail-fast") {
		t.Errorf("stuck execution %v: want running, stopped by --fail-fast", d.Results[0])
	}
	if d.Results[1]["status"] != "failure" || d.Results[1]["error"] != nil {
		t.Errorf("failed execution %v: want failure with no wait error", d.Results[1])
	}
}

// holdRequests returns h, with the requests for the execution execID held
// until release is closed (or the request's context ends).
func holdRequests(h http.Handler, execID string, release <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(strings.ToLower(r.URL.Path), "/executions/"+execID) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		h.ServeHTTP(w, r)
	})
}

func TestRunConcurrencyBoundsRequests(t *testing.T) {
	srv := newFake(t)
	args := withFastPolls("--concurrency", "1", "--quiet", testTask)
	for range 6 {
		args = append(args, srv.AddExecution(testTask, quickSuccess()))
	}
	r := runCLI(t, fakeEnv(srv), "", args...)
	if r.code != exitSuccess {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	if got := srv.Stats().MaxInFlight; got != 1 {
		t.Errorf("%d requests in flight at once, want at most --concurrency 1", got)
	}
	if r.stderr != "" {
		t.Errorf("--quiet wrote %q to stderr", r.stderr)
	}
}

func TestRunInterruptedByContext(t *testing.T) {
	srv := newFake(t)
	id := srv.AddExecution(testTask, anchortest.Always(client.StatusQueued))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := newLineWriter()
	var stdout bytes.Buffer
	codes := make(chan int, 1)
	go func() {
		codes <- run(ctx, withFastPolls("--output", "json", "--timeout", "0", testTask, id), strings.NewReader(""), &stdout, stderr, envOf(fakeEnv(srv)))
	}()
	stderr.waitLine(t, id+": queued")
	cancel()
	if code := <-codes; code != exitInterrupted {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr.String())
	}
	var d jsonDoc
	if err := json.Unmarshal(stdout.Bytes(), &d); err != nil || d.ExitCode != exitInterrupted || len(d.Results) != 1 ||
		d.Results[0]["status"] != "queued" || d.Results[0]["error"] != "interrupted" {
		t.Errorf("stdout %s (%v): want the execution, queued, error interrupted, exitCode 130", stdout.String(), err)
	}
}

func TestRunInterruptedWhileStarting(t *testing.T) {
	srv := newFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := runCLICtx(t, ctx, fakeEnv(srv), "", runArgs("--output", "json", testTask)...)
	if r.code != exitInterrupted || !strings.Contains(r.stderr, "cannot start task") {
		t.Errorf("exit %d, stderr %q; want 130 and the failed start", r.code, r.stderr)
	}
}

// TestRunStartFailsFirst: when run cannot start the task, the annotation,
// the JSON document, the JUnit report (an errored test case) and the step
// summary say why.
func TestRunStartFailsFirst(t *testing.T) {
	srv := newFake(t, anchortest.WithFaults(anchortest.Fault{Op: anchortest.OpRunTask, Status: 403}))
	env := withGitHub(t, fakeEnv(srv))
	junit := filepath.Join(t.TempDir(), "report.xml")
	r := runCLI(t, env, "", runArgs("--output", "json", "--junit", junit, testTask)...)
	if r.code != exitAPIError {
		t.Fatalf("exit %d, want 4; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "::error title=anchor-wait could not start the task::cannot start task "+testTask) {
		t.Errorf("stderr has no annotation for the failed start:\n%s", r.stderr)
	}
	var d struct {
		jsonDoc
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil || d.ExitCode != exitAPIError || len(d.Results) != 0 {
		t.Errorf("stdout %q (%v): want no results and exitCode 4", r.stdout, err)
	}
	if !strings.HasPrefix(d.Error, "cannot start task "+testTask+": ") || !strings.Contains(d.Error, "403 Forbidden") {
		t.Errorf("document error %q, want why the task could not be started", d.Error)
	}
	var rep junitSuites
	if err := xml.Unmarshal([]byte(readFile(t, junit)), &rep); err != nil || rep.Tests != 1 || rep.Errors != 1 {
		t.Fatalf("JUnit report %+v (%v): want one errored test case", rep, err)
	}
	if c := rep.Suites[0].Cases[0]; c.Name != "start task "+testTask || c.Error == nil || !strings.Contains(c.Error.Text, "403 Forbidden") || c.Error.Type != "start-api-error" {
		t.Errorf("test case %+v: want the failed start, with why", c)
	}
	md := readFile(t, env[envStepSummary])
	for _, want := range []string{"### ❌ anchor-wait: the task could not be started\n", "Could not start the task: ` cannot start task " + testTask, "403 Forbidden"} {
		if !strings.Contains(md, want) {
			t.Errorf("step summary does not contain %q:\n%s", want, md)
		}
	}
	if out := readFile(t, env[envGitHubOutput]); out != "status=api-error\nfailed=0\nexit-code=4\nexecution-ids=\n" {
		t.Errorf("GITHUB_OUTPUT = %q", out)
	}
}

// TestUsageErrorInGitHubActions: a usage error in GitHub Actions is also an
// annotation, and exit-code=2 in the step outputs.
func TestUsageErrorInGitHubActions(t *testing.T) {
	srv := newFake(t)
	env := withGitHub(t, fakeEnv(srv))
	r := runCLI(t, env, "", testTask, "not-an-id")
	if r.code != exitUsage {
		t.Fatalf("exit %d, want 2; stderr:\n%s", r.code, r.stderr)
	}
	want := "anchor-wait: execution ID \"not-an-id\" is not a UUID: want 36 characters such as " + exampleID + "\n" +
		"::error title=anchor-wait usage error::execution ID \"not-an-id\" is not a UUID: want 36 characters such as " + exampleID + "\n"
	if r.stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, want)
	}
	if out := readFile(t, env[envGitHubOutput]); out != "status=usage\nfailed=0\nexit-code=2\nexecution-ids=\n" {
		t.Errorf("GITHUB_OUTPUT = %q", out)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the API, want none", n)
	}
}
