package main

// End-to-end tests: the built binary against the fake API on loopback.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// procGuard bounds a run of the binary, so a bug fails the test instead of
// hanging it. No test relies on it for timing.
const procGuard = 60 * time.Second

// e2eTimeout is the --timeout of the runs that --timeout ends: long enough
// for the binary, however slow to start on a loaded machine, to have its
// first answers well before it. How --timeout ends a wait, to the
// millisecond, is tested on fake time (TestWaitEnds,
// TestRunTaskTimeoutCoversStarting).
const e2eTimeout = "3s"

// quick scripts: every execution the tests wait for ends well within 2 s.
func quickSuccess() anchortest.Script {
	return anchortest.Succeed(100*time.Millisecond, 200*time.Millisecond, `{"ok":true}`)
}

func quickFailure() anchortest.Script {
	return anchortest.Fail(100*time.Millisecond, 200*time.Millisecond, "selector #buy not found")
}

// binCommand returns the binary as a command with env as its whole
// environment (plus PATH).
func binCommand(t testing.TB, ctx context.Context, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// runBin runs the binary to its end and checks its output holds no key.
func runBin(t *testing.T, env map[string]string, stdin string, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	defer cancel()
	cmd := binCommand(t, ctx, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %v: %v", args, err)
	}
	r := cliRun{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	assertNoSecrets(t, "stdout", r.stdout)
	assertNoSecrets(t, "stderr", r.stderr)
	return r
}

// readFile reads a file the binary wrote and checks it holds no key.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecrets(t, path, string(b))
	return string(b)
}

// jsonDoc is the --output json document, decoded loosely to check the
// shape.
type jsonDoc struct {
	Results  []map[string]any `json:"results"`
	ExitCode int              `json:"exitCode"`
}

func decodeDoc(t *testing.T, s string) jsonDoc {
	t.Helper()
	var d jsonDoc
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("stdout is not the JSON document: %v\n%s", err, s)
	}
	for i, r := range d.Results {
		if len(r) != len(resultKeys) {
			t.Errorf("result %d has keys %v, want exactly %v", i, r, resultKeys)
		}
	}
	return d
}

// TestE2EExitCodes runs the binary once per exit code.
func TestE2EExitCodes(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	env := fakeEnv(srv)
	add := func(s anchortest.Script) string { return srv.AddExecution(testTask, s) }
	unauthorized := map[string]string{client.EnvAPIKey: wrongKey, client.EnvBaseURL: srv.URL}
	tests := []struct {
		name   string
		env    map[string]string
		args   func() []string // adds the executions when the subtest starts
		want   int
		stdout []string
		stderr []string
	}{
		{"0 all success", env, func() []string { return []string{testTask, add(quickSuccess()), add(quickSuccess())} }, exitSuccess,
			[]string{"EXECUTION", "success", `{"ok":true}`}, []string{"2 executions in", "exit 0: all 2 executions succeeded"}},
		{"1 failure", env, func() []string { return []string{testTask, add(quickSuccess()), add(quickFailure())} }, exitFailure,
			[]string{"failure", "selector #buy not found"}, []string{"failure: selector #buy not found", "exit 1: one execution failed"}},
		{"2 usage", env, func() []string { return []string{testTask, "not-an-id"} }, exitUsage,
			nil, []string{`anchor-wait: execution ID "not-an-id" is not a UUID`}},
		{"3 our timeout", env, func() []string {
			return []string{"--timeout", e2eTimeout, testTask, add(anchortest.Always(client.StatusRunning)), add(quickSuccess())}
		}, exitWaitTimeout,
			[]string{"running", "--timeout " + e2eTimeout + " ran out before the execution finished (last status running)"}, []string{"exit 3: --timeout ran out with one execution still queued or running"}},
		{"4 unauthorized", unauthorized, func() []string { return []string{"--verbose", testTask, add(quickSuccess())} }, exitAPIError,
			[]string{"API answered 401"}, []string{"gave up:", "exit 4: the API could not answer for one execution"}},
		// A Script's faults are those of the execution's own requests, so
		// the task's list is kept out of the next two: it would answer
		// around them.
		{"4 every poll fails until --timeout", env, func() []string {
			return []string{"--timeout", e2eTimeout, "--no-history", "--no-sweeps", testTask, add(anchortest.Script{Faults: []anchortest.Fault{{Status: 503, Header: http.Header{"Retry-After-Ms": {"1"}}}}})}
		}, exitAPIError,
			[]string{"--timeout " + e2eTimeout + " ran out before the API gave any status (", "last poll error: ", "503"}, []string{"exit 4: the API could not answer for one execution"}},
		{"4 hung server", env, func() []string {
			return []string{"--timeout", "1s", "--no-history", "--no-sweeps", testTask, add(anchortest.Script{Faults: []anchortest.Fault{{Delay: time.Hour}}})}
		}, exitAPIError,
			[]string{"--timeout 1s ran out before the API gave any status (the first poll had not come back)"}, []string{"exit 4: the API could not answer for one execution"}},
		{"5 anchor timeout", env, func() []string {
			return []string{testTask, add(anchortest.Finish(client.StatusTimeout, 100*time.Millisecond, 200*time.Millisecond)), add(quickSuccess())}
		}, exitTimeout,
			[]string{"timeout"}, []string{"exit 5: one execution ended timeout"}},
		{"6 cancelled", env, func() []string {
			return []string{testTask, add(anchortest.Finish(client.StatusCancelled, 300*time.Millisecond, 0))}
		}, exitCancelled,
			[]string{"cancelled"}, []string{"exit 6: one execution ended cancelled"}},
		{"1 beats 5 and 6", env, func() []string {
			return []string{testTask, add(anchortest.Finish(client.StatusCancelled, 0, 0)), add(quickFailure()), add(anchortest.Finish(client.StatusTimeout, 0, 0))}
		}, exitFailure,
			nil, []string{"exit 1: one execution failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runBin(t, tt.env, "", withFastPolls(tt.args()...)...)
			if r.code != tt.want {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.want, r.stdout, r.stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout does not contain %q:\n%s", s, r.stdout)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr does not contain %q:\n%s", s, r.stderr)
				}
			}
		})
	}
}

func TestE2EUsageSendsNothing(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	env := fakeEnv(srv)
	for _, args := range [][]string{
		{testTask, "-"},
		{"--output", "yaml", testTask, testExec},
		{"--bogus", testTask, testExec},
		{"--base-url", "http://anchor.example.com", testTask, testExec},
		{"run", "--input", "X=1", testTask},
	} {
		r := runBin(t, env, "", args...)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want 2, one line, nothing", args, r.code, r.stderr, r.stdout)
		}
	}
	r := runBin(t, map[string]string{client.EnvBaseURL: srv.URL}, "", testTask, testExec)
	if r.code != exitUsage || !strings.Contains(r.stderr, "no API key") {
		t.Errorf("no key: exit %d, stderr %q; want 2 and no API key", r.code, r.stderr)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the API, want none", n)
	}
}

func TestE2EOutputJSON(t *testing.T) {
	t.Parallel()
	// The timelines start at the first poll of each execution, which so
	// sees it queued, however late the binary starts: polls are at least 2.
	srv := newLazyFake(t)
	ok, bad := srv.add(quickSuccess()), srv.add(quickFailure())
	r := runBin(t, srv.env(), "", withFastPolls("--output", "json", "--quiet", testTask, ok, bad)...)
	if r.code != exitFailure || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 1 and nothing with --quiet", r.code, r.stderr)
	}
	d := decodeDoc(t, r.stdout)
	if d.ExitCode != exitFailure || len(d.Results) != 2 {
		t.Fatalf("document %+v: want exitCode 1 and 2 results", d)
	}
	a, b := d.Results[0], d.Results[1]
	if a["executionId"] != ok || a["taskId"] != testTask || a["status"] != "success" || a["output"] != `{"ok":true}` ||
		a["errorMessage"] != nil || a["error"] != nil || a["version"] != "1" || a["taskVersionId"] == nil || a["startTime"] == nil {
		t.Errorf("success result %v", a)
	}
	if et, _ := a["executionTime"].(float64); et < 150 || et > 250 {
		t.Errorf("executionTime %v, want about 200 ms", a["executionTime"])
	}
	if polls, _ := a["polls"].(float64); polls < 2 {
		t.Errorf("polls %v, want at least 2", a["polls"])
	}
	if b["executionId"] != bad || b["status"] != "failure" || b["errorMessage"] != "selector #buy not found" || b["output"] != nil || b["error"] != nil {
		t.Errorf("failure result %v", b)
	}
}

func TestE2EOutputJSONLStreams(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	fast, never := srv.AddExecution(testTask, quickSuccess()), srv.AddExecution(testTask, anchortest.Always(client.StatusQueued))
	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	defer cancel()
	cmd := binCommand(t, ctx, fakeEnv(srv), withFastPolls("--output", "jsonl", "--timeout", "0", testTask, never, fast)...)
	stdout, stderr := newLineWriter(), newLineWriter()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The fast one's line arrives while the other is still waited on (with
	// no --timeout, only the interrupt below can end the run).
	first := stdout.waitLine(t, "executionId")
	var r map[string]any
	if err := json.Unmarshal([]byte(first), &r); err != nil || r["executionId"] != fast || r["status"] != "success" || len(r) != len(resultKeys) {
		t.Fatalf("first line %q (%v): want the fast execution's result", first, err)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit %d (%v), want 130; stderr:\n%s", code, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), stdout.String())
	}
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil || r["executionId"] != never || r["status"] != "queued" || r["error"] != "interrupted" {
		t.Errorf("second line %q: want the unfinished execution, queued, error interrupted", lines[1])
	}
	assertNoSecrets(t, "stdout", stdout.String())
	assertNoSecrets(t, "stderr", stderr.String())
}

func TestE2EInterrupt(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	done, running := srv.AddExecution(testTask, anchortest.Succeed(0, 50*time.Millisecond, "x")), srv.AddExecution(testTask, anchortest.Always(client.StatusRunning))
	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	defer cancel()
	junit := filepath.Join(t.TempDir(), "report.xml")
	cmd := binCommand(t, ctx, fakeEnv(srv), withFastPolls("--output", "json", "--junit", junit, testTask, done, running)...)
	var stdout bytes.Buffer
	stderr := newLineWriter()
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stderr.waitLine(t, done+": ", "success")
	stderr.waitLine(t, running+": ", "running")
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	took := time.Since(start)
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr.String())
	}
	// A guard against an interrupt that does not end the wait (it would
	// go on until procGuard), not a measure of how prompt the exit is.
	if took > 15*time.Second {
		t.Errorf("took %v to exit after SIGINT, want it prompt", took)
	}
	d := decodeDoc(t, stdout.String())
	if d.ExitCode != exitInterrupted || len(d.Results) != 2 {
		t.Fatalf("document %+v: want exitCode 130 and both results", d)
	}
	if r := d.Results[0]; r["status"] != "success" || r["error"] != nil {
		t.Errorf("finished execution: %v, want success with no error", r)
	}
	if r := d.Results[1]; r["status"] != "running" || r["error"] != "interrupted" {
		t.Errorf("unfinished execution: %v, want running and error interrupted", r)
	}
	if !strings.Contains(stderr.String(), "exit 130: interrupted with one execution still waiting") {
		t.Errorf("stderr has no summary of the interrupt:\n%s", stderr.String())
	}
	assertNoSecrets(t, "stderr", stderr.String())
	var rep junitSuites
	if err := xml.Unmarshal([]byte(readFile(t, junit)), &rep); err != nil || rep.Tests != 2 || rep.Errors != 1 {
		t.Errorf("JUnit report after an interrupt: %+v, %v; want 2 tests, 1 error", rep, err)
	}
}

func TestE2EStdinIDs(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	a, b := srv.AddExecution(testTask, quickSuccess()), srv.AddExecution(testTask, quickSuccess())
	stdin := "\uFEFF\n  " + a + "\n\n" + strings.ToUpper(b) + "\t" + a + "\n\n" // a byte order mark first
	r := runBin(t, fakeEnv(srv), stdin, withFastPolls("--output", "jsonl", testTask, "-")...)
	if r.code != exitSuccess {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.Contains(r.stdout, a) || !strings.Contains(r.stdout, b) {
		t.Errorf("got %d lines, want one per distinct ID:\n%s", len(lines), r.stdout)
	}
	if strings.Contains(r.stderr, "reading execution IDs") {
		t.Errorf("stdin is not a terminal, yet stderr has the hint for one:\n%s", r.stderr)
	}
}

func TestE2ERun(t *testing.T) {
	t.Parallel()
	srv := newFake(t, anchortest.WithTemplate(quickSuccess()))
	r := runBin(t, fakeEnv(srv), "", runArgs("--count", "2", "--version", "3", "--input", "ANCHOR_URL=https://example.com", "--output", "json", testTask)...)
	if r.code != exitSuccess {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	// "started execution ID (N of 2)", in the order the starts ended.
	started := make([]string, 2)
	for _, m := range regexp.MustCompile(`(?m)^started execution (\S+) \(([12]) of 2\)$`).FindAllStringSubmatch(r.stderr, -1) {
		i, _ := strconv.Atoi(m[2])
		started[i-1] = m[1]
	}
	if started[0] == "" || started[1] == "" {
		t.Fatalf("stderr does not name both started executions:\n%s", r.stderr)
	}
	d := decodeDoc(t, r.stdout)
	if len(d.Results) != 2 || d.ExitCode != 0 {
		t.Fatalf("document %+v, want 2 results and exit 0", d)
	}
	for i, res := range d.Results {
		if res["executionId"] != started[i] || res["status"] != "success" || res["version"] != "3" {
			t.Errorf("result %d: %v; want %s, success, version 3", i, res, started[i])
		}
	}
	runs := 0
	for _, req := range srv.Requests() {
		if req.Op == anchortest.OpRunTask {
			runs++
		}
	}
	if runs != 2 {
		t.Errorf("%d POST /v1/task/run, want 2", runs)
	}
}

func TestE2ERunStartFails(t *testing.T) {
	t.Parallel()
	srv := newFake(t, anchortest.WithTemplate(quickSuccess()),
		anchortest.WithFaults(anchortest.Fault{Op: anchortest.OpRunTask, FromRequest: 2, Status: 500}))
	r := runBin(t, fakeEnv(srv), "", runArgs("--count", "3", "--output", "json", testTask)...)
	if r.code != exitAPIError {
		t.Fatalf("exit %d, want 4; stderr:\n%s", r.code, r.stderr)
	}
	// The starts run at once: which of them got the first answer is not
	// known.
	if !strings.Contains(r.stderr, "started execution ") || !regexp.MustCompile(`cannot start task `+testTask+`: start [1-3] of 3: `).MatchString(r.stderr) {
		t.Errorf("stderr does not name the started execution and the failed start:\n%s", r.stderr)
	}
	d := decodeDoc(t, r.stdout)
	if len(d.Results) != 1 || d.Results[0]["status"] != "success" || d.ExitCode != exitAPIError {
		t.Errorf("document %+v: want the one started execution, waited to success, and exit code 4", d)
	}
}

func TestE2EGitHubActionsAndJUnit(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	ok, bad := srv.AddExecution(testTask, quickSuccess()), srv.AddExecution(testTask, quickFailure())
	dir := t.TempDir()
	summary, output, junit := filepath.Join(dir, "summary.md"), filepath.Join(dir, "output"), filepath.Join(dir, "junit.xml")
	env := fakeEnv(srv)
	env[envGitHubActions] = "true"
	env[envStepSummary] = summary
	env[envGitHubOutput] = output
	r := runBin(t, env, "", withFastPolls("--junit", junit, testTask, ok, bad)...)
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	if want := "::error title=Anchor execution " + bad + " failure::Execution " + bad + " of task " + testTask + " ended failure: selector #buy not found\n"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr has no annotation %q:\n%s", want, r.stderr)
	}
	if strings.Count(r.stderr, "::error") != 1 || strings.Contains(r.stdout, "::error") {
		t.Errorf("want exactly one annotation, on stderr; stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if got := readFile(t, output); got != "status=failure\nfailed=1\nexit-code=1\nexecution-ids="+ok+" "+bad+"\n" {
		t.Errorf("GITHUB_OUTPUT = %q", got)
	}
	md := readFile(t, summary)
	for _, want := range []string{"anchor-wait: one execution failed", "| `" + ok + "` | ` success ` |", "| `" + bad + "` | ` failure ` |", "selector #buy not found"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary does not contain %q:\n%s", want, md)
		}
	}
	var rep junitSuites
	if err := xml.Unmarshal([]byte(readFile(t, junit)), &rep); err != nil {
		t.Fatalf("JUnit report does not parse: %v", err)
	}
	if rep.Tests != 2 || rep.Failures != 1 || rep.Errors != 0 || len(rep.Suites) != 1 {
		t.Fatalf("report totals %+v: want 2 tests, 1 failure", rep)
	}
	cases := rep.Suites[0].Cases
	if cases[0].Name != ok || cases[0].Failure != nil || cases[0].SystemOut != `{"ok":true}` {
		t.Errorf("first case %+v: want the success, with its output", cases[0])
	}
	if cases[1].Name != bad || cases[1].Failure == nil || cases[1].Failure.Type != "failure" || cases[1].Failure.Text != "selector #buy not found" {
		t.Errorf("second case %+v: want a failure with the error message", cases[1])
	}
}

func TestE2EKeyFileAndNoLeak(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	// The first GET of the execution fails with a 503 that the client does
	// not repeat, so --verbose has a poll to detail however fast the
	// execution goes (the task's list, read first, is not faulted).
	unavailable := anchortest.Fault{ToRequest: 1, Status: http.StatusServiceUnavailable, Header: http.Header{"X-Should-Retry": {"false"}}}
	script := quickSuccess()
	script.Faults = []anchortest.Fault{unavailable}
	id := srv.AddExecution(testTask, script)
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The wrong key in the environment loses to the file; --verbose
	// prints every poll, and never the key.
	env := map[string]string{client.EnvAPIKey: wrongKey, client.EnvBaseURL: srv.URL}
	r := runBin(t, env, "", withFastPolls("--verbose", "--api-key-file", keyFile, testTask, id)...)
	if r.code != exitSuccess || !regexp.MustCompile(regexp.QuoteMeta(id)+`: poll \d+ failed, next poll in `).MatchString(r.stderr) {
		t.Fatalf("exit %d, want 0 with poll-by-poll detail; stderr:\n%s", r.code, r.stderr)
	}
	for _, req := range srv.Requests() {
		if req.Auth != anchortest.AuthOK {
			t.Errorf("request %d sent a %s key, want the file's", req.Seq, req.Auth)
		}
	}
}

func TestE2EHelpAndVersion(t *testing.T) {
	t.Parallel()
	r := runBin(t, nil, "", "--help")
	if r.code != exitSuccess || !strings.Contains(r.stdout, "Exit codes") || r.stderr != "" {
		t.Errorf("--help: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runBin(t, nil, "", "--version")
	if r.code != exitSuccess || !strings.HasPrefix(r.stdout, "anchor-wait ") {
		t.Errorf("--version: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestE2EDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes about ten seconds")
	}
	t.Parallel()
	start := time.Now()
	r := runBin(t, map[string]string{"NO_COLOR": "1"}, "", "demo")
	took := time.Since(start)
	if r.code != exitSuccess {
		t.Fatalf("demo exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	if took > 20*time.Second {
		t.Errorf("demo took %v, want under 20s", took)
	}
	t.Logf("demo took %v", took.Round(100*time.Millisecond))
	if n := strings.Count(r.stdout, "\n"); n != 7 {
		t.Errorf("stdout has %d lines, want a header, 5 rows and the closing line:\n%s", n, r.stdout)
	}
	for _, want := range []string{"A real run would exit 1: one execution failed.", "running -> failure", "http://127.0.0.1:"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, r.stderr)
		}
	}
}
