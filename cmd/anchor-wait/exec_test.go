package main

// In-process tests of exec, runs and run --v2 against the fake API on
// loopback, under the race detector.

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// otherTask is a second task, for waits that span tasks.
const otherTask = "9f8e7d6c-5b4a-4938-8271-6a5b4c3d2e1f"

// opsOf counts the fake's requests by endpoint.
func opsOf(srv *anchortest.Server) map[anchortest.Operation]int {
	ops := map[anchortest.Operation]int{}
	for _, r := range srv.Requests() {
		ops[r.Op]++
	}
	return ops
}

// TestExecWaitsByID: exec polls GET /v1/executions/{id} alone, whatever
// the task, and each result names the task the API answered with (null
// for one it never found).
func TestExecWaitsByID(t *testing.T) {
	srv := newFake(t)
	a, b := srv.AddExecution(testTask, quickSuccess()), srv.AddExecution(otherTask, quickFailure())
	missing := exampleID
	r := runCLI(t, fakeEnv(srv), "", append([]string{"exec"}, withFastPolls("--not-found-grace", "0", "--output", "json", a, strings.ToUpper(b), missing)...)...)
	if r.code != exitAPIError {
		t.Fatalf("exit %d, want 4 (one not found); stderr:\n%s", r.code, r.stderr)
	}
	d := decodeDoc(t, r.stdout)
	if len(d.Results) != 3 || d.ExitCode != exitAPIError {
		t.Fatalf("document %+v: want 3 results, exitCode 4", d)
	}
	for i, want := range []struct {
		exec, status string
		task         any
	}{{a, "success", testTask}, {b, "failure", otherTask}, {missing, "", nil}} {
		got := d.Results[i]
		if got["executionId"] != want.exec || got["status"] != want.status || got["taskId"] != want.task {
			t.Errorf("result %d = %v, want execution %s, status %q, task %v", i, got, want.exec, want.status, want.task)
		}
	}
	if e, _ := d.Results[2]["error"].(string); !strings.Contains(e, "404") {
		t.Errorf("not-found result's error %q, want the 404", e)
	}
	ops := opsOf(srv)
	if ops[anchortest.OpGetExecutionByID] == 0 || len(ops) != 1 {
		t.Errorf("requests by endpoint %v, want GET /v1/executions/{id} alone", ops)
	}
	for _, want := range []string{"waiting for 3 executions by ID", a + ": ", "exit 4"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
}

func TestExecStdin(t *testing.T) {
	srv := newFake(t)
	a, b := srv.AddExecution(testTask, quickSuccess()), srv.AddExecution(otherTask, quickSuccess())
	r := runCLI(t, fakeEnv(srv), "\uFEFF"+a+"\n"+b+" "+a+"\n", append([]string{"exec"}, withFastPolls("--output", "jsonl", "-")...)...)
	if r.code != exitSuccess {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "\n"); n != 2 {
		t.Errorf("%d lines, want one per execution, each once:\n%s", n, r.stdout)
	}
}

// TestRunsWaitsForRuns: runs polls GET /v2/tasks/runs/{runId}/status and
// reports runs with the exit codes of executions.
func TestRunsWaitsForRuns(t *testing.T) {
	srv := newFake(t)
	ok, bad := srv.AddRun(testTask, quickSuccess()), srv.AddRun(testTask, quickFailure())
	junit := filepath.Join(t.TempDir(), "report.xml")
	r := runCLI(t, fakeEnv(srv), "", append([]string{"runs"}, withFastPolls("--junit", junit, ok, bad)...)...)
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"RUN ", ok + "  success  -", bad + "  failure  -", "selector #buy not found", "v2 runs report no start time"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, r.stdout)
		}
	}
	for _, want := range []string{"waiting for 2 v2 runs", ok + ": ", bad + ": ", "exit 1"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
	if ops := opsOf(srv); ops[anchortest.OpGetRun] < 2 || len(ops) != 1 {
		t.Errorf("requests by endpoint %v, want GET /v2/tasks/runs/{runId}/status alone", ops)
	}
	if rep := readFile(t, junit); !strings.Contains(rep, `classname="anchor-wait.run"`) || !strings.Contains(rep, `name="`+bad+`"`) {
		t.Errorf("JUnit report does not name the runs:\n%s", rep)
	}
}

func TestRunsStdinAndCase(t *testing.T) {
	srv := newFake(t)
	id := srv.AddRun(testTask, quickSuccess())
	r := runCLI(t, fakeEnv(srv), id+"\n"+id+"\n", append([]string{"runs"}, withFastPolls("--output", "json", "-")...)...)
	if r.code != exitSuccess {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	var d struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil || len(d.Results) != 1 || d.Results[0]["runId"] != id {
		t.Fatalf("stdout %s (%v): want the run once", r.stdout, err)
	}
	// Run IDs are matched as given: the same ID in upper case is another run.
	upper := strings.ToUpper(id)
	r = runCLI(t, fakeEnv(srv), "", append([]string{"runs"}, withFastPolls("--not-found-grace", "0", upper)...)...)
	if r.code != exitAPIError || !strings.Contains(r.stdout, upper) {
		t.Errorf("exit %d, stdout %q; want 4 for %s, which the API does not know", r.code, r.stdout, upper)
	}
}

// capturingFront is a front to srv that keeps the bodies of the v2 starts.
type capturingFront struct {
	mu     sync.Mutex
	bodies []string
}

func (c *capturingFront) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v2/") {
			b, _ := io.ReadAll(r.Body)
			c.mu.Lock()
			c.bodies = append(c.bodies, string(b))
			c.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		h.ServeHTTP(w, r)
	})
}

// TestRunV2: run --v2 starts through POST /v2/tasks/{taskId}/run, --count
// times, with inputs that need no ANCHOR_ prefix, and waits for the runs;
// their polls count the start.
func TestRunV2(t *testing.T) {
	srv := newFake(t)
	var c capturingFront
	front := httptest.NewServer(c.wrap(srv.Handler()))
	t.Cleanup(front.Close)
	env := map[string]string{client.EnvAPIKey: testKey, client.EnvBaseURL: front.URL}
	r := runCLI(t, env, "", runArgs("--v2", "--count", "3", "--input", "url=https://example.com", "--input", "Größe=L", "--version", "2", "--output", "json", testTask)...)
	if r.code != exitSuccess {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	var d struct {
		Results  []map[string]any `json:"results"`
		ExitCode int              `json:"exitCode"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil || len(d.Results) != 3 {
		t.Fatalf("stdout %s (%v): want 3 results", r.stdout, err)
	}
	for _, res := range d.Results {
		id, _ := res["runId"].(string)
		if !strings.Contains(r.stderr, "started run "+id+" (") {
			t.Errorf("stderr does not say it started run %q:\n%s", id, r.stderr)
		}
		polls, _ := res["polls"].(float64)
		if res["taskId"] != testTask || res["status"] != "success" || int(polls) != srv.RequestCountFor(id) {
			t.Errorf("result %v: want task %s, success, and polls the %d requests the fake saw for it", res, testTask, srv.RequestCountFor(id))
		}
	}
	if ops := opsOf(srv); ops[anchortest.OpRunTaskV2] != 3 || ops[anchortest.OpRunTask] != 0 || ops[anchortest.OpGetExecution] != 0 {
		t.Errorf("requests by endpoint %v, want 3 v2 starts and no v1 request", ops)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.bodies {
		var body struct {
			Inputs  map[string]string `json:"input_params"`
			Version string            `json:"version"`
			Sync    bool              `json:"sync"`
		}
		if err := json.Unmarshal([]byte(b), &body); err != nil || body.Inputs["url"] != "https://example.com" || body.Inputs["Größe"] != "L" || body.Version != "2" || body.Sync {
			t.Errorf("start body %s (%v): want the inputs as given, version 2, sync false", b, err)
		}
	}
}

// TestRunV2MaybeStarted: a start answered 5xx may have started a run: it
// is said, never guessed at.
func TestRunV2MaybeStarted(t *testing.T) {
	srv := newFake(t, anchortest.WithFaults(anchortest.Fault{Op: anchortest.OpRunTaskV2, Status: 502}))
	r := runCLI(t, fakeEnv(srv), "", runArgs("--v2", "--output", "json", testTask)...)
	if r.code != exitAPIError {
		t.Fatalf("exit %d, want 4; stderr:\n%s", r.code, r.stderr)
	}
	want := "a start request was out, so a v2 run may have started that is not waited for"
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stdout, want) {
		t.Errorf("stderr and the JSON document must say %q:\nstderr:\n%s\nstdout:\n%s", want, r.stderr, r.stdout)
	}
	if ops := opsOf(srv); ops[anchortest.OpRunTaskV2] != 1 || ops[anchortest.OpGetRun] != 0 {
		t.Errorf("requests by endpoint %v, want the one start, not repeated, and no poll", ops)
	}
}

// TestKindUsageErrors: bad input to exec, runs, run --v2 and the webhook
// flags exits 2 with one line saying what was wrong and what is expected,
// and no request reaches the API.
func TestKindUsageErrors(t *testing.T) {
	srv := newFake(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	emptySecret, twoLines, shortSecret := write("empty", "\n"), write("two-lines", testSecret+"\n"+testSecret+"\n"), write("short", "short\n")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	good := fakeEnv(srv)
	withSecret := fakeEnv(srv)
	withSecret[envWebhookSecret] = testSecret
	listen := []string{"--webhook-listen", "127.0.0.1:0"}
	tests := []struct {
		name  string
		env   map[string]string
		stdin string
		args  []string
		want  string
	}{
		{"exec without IDs", good, "", []string{"exec"}, "no execution ID: want anchor-wait exec [flags] EXECUTION_ID... (or - to read the IDs from stdin)"},
		{"exec with a bad ID", good, "", []string{"exec", testExec, "nope"}, `execution ID "nope" is not a UUID: want 36 characters`},
		{"exec with a bad ID on stdin", good, testExec + "\nnope\n", []string{"exec", "-"}, `stdin line 2: "nope" is not an execution ID`},
		{"exec with a task flag", good, "", []string{"exec", "--no-sweeps", testExec}, "unknown flag --no-sweeps: exec does not take it (anchor-wait, run do): see anchor-wait exec --help"},
		{"exec with a start flag", good, "", []string{"exec", "--count", "2", testExec}, "unknown flag --count"},
		{"runs without IDs", good, "", []string{"runs"}, "no run ID: want anchor-wait runs [flags] RUN_ID..."},
		{"runs with a bad ID", good, "", []string{"runs", "run/../x"}, `run ID "run/../x" is not a v2 run ID: want 1 to 128 characters of A-Z, a-z, 0-9, - and _`},
		{"runs with a long ID", good, "", []string{"runs", strings.Repeat("r", 129)}, "run ID <129 characters, not shown> is not a v2 run ID"},
		{"runs with a bad ID on stdin", good, "run_1\nrun 2?\n", []string{"runs", "-"}, `stdin line 2: "2?" is not a v2 run ID`},
		{"runs with nothing on stdin", good, "\n", []string{"runs", "-"}, "no run IDs on stdin"},
		{"runs with stdin twice", good, "run_1", []string{"runs", "-", "-"}, "- is given twice: want it once, to read run IDs from stdin"},
		{"run --v2 with an empty input name", good, "", []string{"run", "--v2", "--input", "=x", testTask}, `invalid value "=x" for flag --input: want NAME=value`},
		{"run --v2 with an input name not UTF-8", good, "", []string{"run", "--v2", "--input", "a\xffb=x", testTask}, "the name is not valid UTF-8"},
		{"run --v2 with an input value not UTF-8", good, "", []string{"run", "--input", "url=\xff", "--v2", testTask}, `invalid --input "url": its value is not valid UTF-8`},
		{"run v1 with a v2 input name", good, "", []string{"run", "--input", "url=x", testTask}, `invalid --input "url": want ANCHOR_NAME=value: v1 input names start with ANCHOR_`},
		{"run --v2 with a bad version", good, "", []string{"run", "--v2", "--version", "beta", testTask}, "want a task version"},
		{"webhook without a secret", good, "", append([]string{"exec"}, append(listen, testExec)...), "--webhook-listen needs the webhook's signing secret: set ANCHORBROWSER_WEBHOOK_SECRET or pass --webhook-secret-file FILE"},
		{"webhook secret too short", withEnvVar(good, envWebhookSecret, "short"), "", append(listen, testTask, testExec), "the webhook signing secret in $ANCHORBROWSER_WEBHOOK_SECRET has 5 characters: want the secret Anchor gave for the webhook, at least 16 characters"},
		{"webhook secret file missing", good, "", append([]string{"runs", "--webhook-secret-file", filepath.Join(dir, "nope")}, append(listen, "run_1")...), "cannot read --webhook-secret-file"},
		{"webhook secret file a directory", good, "", append([]string{"run", "--webhook-secret-file", dir}, append(listen, testTask)...), "is a directory: want a file holding the webhook's signing secret"},
		{"webhook secret file empty", withSecret, "", append([]string{"exec", "--webhook-secret-file", emptySecret}, append(listen, testExec)...), "is empty: want the webhook's signing secret on one line"},
		{"webhook secret file of two lines", good, "", append([]string{"exec", "--webhook-secret-file", twoLines}, append(listen, testExec)...), "holds more than one line"},
		{"webhook secret file too short", good, "", append([]string{"exec", "--webhook-secret-file", shortSecret}, append(listen, testExec)...), "has 5 characters"},
		{"webhook secret file without listen", withSecret, "", []string{"exec", "--webhook-secret-file", twoLines, testExec}, "--webhook-secret-file is given without --webhook-listen"},
		{"webhook max interval without listen", withSecret, "", []string{"--webhook-max-interval", "1m", testTask, testExec}, "--webhook-max-interval is given without --webhook-listen"},
		{"webhook max interval below interval", withSecret, "", append([]string{"--webhook-max-interval", "1s"}, append(listen, testTask, testExec)...), "--webhook-max-interval 1s is below --interval 4s: want --webhook-max-interval at least --interval"},
		{"webhook address in use", withSecret, "", []string{"exec", "--webhook-listen", busy.Addr().String(), testExec}, `--webhook-listen "` + busy.Addr().String() + `": cannot listen: bind: address already in use: want HOST:PORT`},
		{"webhook address without a port", withSecret, "", []string{"exec", "--webhook-listen", "localhost", testExec}, `--webhook-listen "localhost": cannot listen: address localhost: missing port in address`},
		{"webhook on a demo", withSecret, "", []string{"demo", "--webhook-listen", ":0"}, "unknown flag --webhook-listen: demo does not take it (anchor-wait, run, exec, runs do): see anchor-wait demo --help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Requests())
			r := runCLI(t, tt.env, tt.stdin, tt.args...)
			if r.code != exitUsage {
				t.Errorf("exit code %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
			}
			if !strings.HasPrefix(r.stderr, "anchor-wait: ") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr %q: want one line starting with \"anchor-wait: \"", r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q: want it to contain %q", r.stderr, tt.want)
			}
			if strings.Contains(r.stderr, testSecret) || r.stdout != "" {
				t.Errorf("stdout %q, stderr %q: want nothing on stdout, and never the secret", r.stdout, r.stderr)
			}
			if n := len(srv.Requests()) - before; n != 0 {
				t.Errorf("%d requests reached the API, want none", n)
			}
		})
	}
}

// withEnvVar returns a copy of env with k set to v.
func withEnvVar(env map[string]string, k, v string) map[string]string {
	m := map[string]string{k: v}
	for kk, vv := range env {
		if kk != k {
			m[kk] = vv
		}
	}
	return m
}
