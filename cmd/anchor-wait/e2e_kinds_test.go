package main

// End-to-end tests of exec, runs, run --v2 and --webhook-listen: the built
// binary against the fake API on loopback, the fake delivering signed
// webhook events as Anchor does.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// byIDFake is a lazyFake whose executions also start their timelines at
// the first GET /v1/executions/{id} for them.
type byIDFake struct {
	*anchortest.Server
	clock *firstPollClock
	URL   string
}

func newByIDFake(t *testing.T, opts ...anchortest.Option) *byIDFake {
	t.Helper()
	srv := newFake(t, opts...)
	clock := newFirstPollClock(srv, testTask)
	h := clock.wrap(srv.Handler())
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := strings.CutPrefix(strings.ToLower(r.URL.Path), "/v1/executions/"); ok {
			clock.start(id)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		front.Close()
		if err := clock.failure(); err != nil {
			t.Error(err)
		}
	})
	return &byIDFake{Server: srv, clock: clock, URL: front.URL}
}

func (f *byIDFake) add(sc anchortest.Script) string {
	id := uuid.NewString()
	f.clock.add(id, sc)
	return id
}

func (f *byIDFake) env() map[string]string {
	return map[string]string{client.EnvAPIKey: testKey, client.EnvBaseURL: f.URL, envWebhookSecret: testSecret}
}

// relay is where the fake delivers its webhook events: it passes each on
// to the binary's receiver once the binary has said where that listens,
// and answers 503 before (the fake then tries again, as Anchor does).
type relay struct {
	*httptest.Server
	target atomic.Pointer[string]
}

func newRelay(t *testing.T) *relay {
	t.Helper()
	rl := &relay{}
	rl.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := rl.target.Load()
		if target == nil {
			http.Error(w, "the receiver is not listening yet", http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, strings.TrimSuffix(*target, "/")+r.URL.Path, bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(rl.Close)
	return rl
}

// webhookTo is the fake's webhook option for deliveries to rl, signed
// with testSecret, 200 ms after each end (Anchor's own delay is not
// documented).
func webhookTo(rl *relay) anchortest.Option {
	return anchortest.WithWebhook(anchortest.Webhook{URL: rl.URL + "/anchor/events", Secret: []byte(testSecret), Delay: 200 * time.Millisecond})
}

// binRun is the built binary, running.
type binRun struct {
	cmd            *exec.Cmd
	stdout, stderr *lineWriter
}

// startBin starts the binary with env and args. It is killed at the end of
// the test if still running.
func startBin(t *testing.T, env map[string]string, args ...string) *binRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	b := &binRun{cmd: binCommand(t, ctx, env, args...), stdout: newLineWriter(), stderr: newLineWriter()}
	b.cmd.Stdout, b.cmd.Stderr = b.stdout, b.stderr
	if err := b.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		b.cmd.Wait()
		assertNoSecrets(t, "stdout", b.stdout.String())
		assertNoSecrets(t, "stderr", b.stderr.String())
		for what, text := range map[string]string{"stdout": b.stdout.String(), "stderr": b.stderr.String()} {
			if strings.Contains(text, testSecret) {
				t.Errorf("%s holds the webhook secret:\n%s", what, text)
			}
		}
	})
	return b
}

// wait waits for the binary to exit and returns its exit code.
func (b *binRun) wait() int {
	b.cmd.Wait()
	return b.cmd.ProcessState.ExitCode()
}

func TestE2EExecByID(t *testing.T) {
	t.Parallel()
	srv := newByIDFake(t)
	ok, bad := srv.add(quickSuccess()), srv.add(quickFailure())
	r := runBin(t, srv.env(), "", append([]string{"exec"}, withFastPolls("--output", "json", ok, bad)...)...)
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	d := decodeDoc(t, r.stdout)
	if len(d.Results) != 2 || d.Results[0]["taskId"] != testTask || d.Results[0]["status"] != "success" || d.Results[1]["status"] != "failure" {
		t.Errorf("results %v: want the task the API names, success then failure", d.Results)
	}
	if ops := opsOf(srv.Server); ops[anchortest.OpGetExecutionByID] < 4 || len(ops) != 1 {
		t.Errorf("requests by endpoint %v, want only GET /v1/executions/{id}, at least two each", ops)
	}
}

func TestE2ERuns(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	ok, cancelled := srv.AddRun(testTask, quickSuccess()), srv.AddRun(testTask, anchortest.Finish(client.StatusCancelled, 100*time.Millisecond, 200*time.Millisecond))
	r := runBin(t, fakeEnv(srv), ok+"\n"+cancelled+"\n", append([]string{"runs"}, withFastPolls("--output", "jsonl", "-")...)...)
	if r.code != exitCancelled {
		t.Fatalf("exit %d, want 6; stderr:\n%s", r.code, r.stderr)
	}
	got := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		id, _ := m["runId"].(string)
		got[id] = m
	}
	if got[ok]["status"] != "success" || got[cancelled]["status"] != "cancelled" || got[cancelled]["startTime"] != nil || got[ok]["notReported"] == nil {
		t.Errorf("lines %v: want each run once, success and cancelled, saying what a run does not report", got)
	}
	if !strings.Contains(r.stderr, "2 v2 runs in ") || !strings.Contains(r.stderr, "exit 6: one v2 run ended cancelled") {
		t.Errorf("stderr does not count runs, or give the exit code's reason:\n%s", r.stderr)
	}
}

// TestE2ERunsOutputDir: --output-dir names a v2 run's files by its run
// ID, and holds its result as the JSON text the output shows.
func TestE2ERunsOutputDir(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	ok := srv.AddRun(testTask, quickSuccess())
	dir := t.TempDir()
	r := runBin(t, fakeEnv(srv), "", append([]string{"runs"}, withFastPolls("--output", "jsonl", "--output-dir", dir, ok)...)...)
	if r.code != exitSuccess {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	var line struct {
		Output *string `json:"output"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &line); err != nil || line.Output == nil {
		t.Fatalf("stdout %q: %v, want a line with the run's output", r.stdout, err)
	}
	if got := readFile(t, filepath.Join(dir, ok+outputSuffix)); got != *line.Output {
		t.Errorf("%s.output = %q, want the run's result %q", ok, got, *line.Output)
	}
}

func TestE2ERunV2(t *testing.T) {
	t.Parallel()
	srv := newFake(t, anchortest.WithTemplate(quickSuccess()))
	r := runBin(t, fakeEnv(srv), "", runArgs("--v2", "--count", "2", "--input", "url=https://example.com", testTask)...)
	if r.code != exitSuccess {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "started run run_"); n != 2 {
		t.Errorf("stderr names %d started runs, want 2:\n%s", n, r.stderr)
	}
	if ops := opsOf(srv); ops[anchortest.OpRunTaskV2] != 2 || ops[anchortest.OpGetRun] < 2 || len(ops) != 2 {
		t.Errorf("requests by endpoint %v, want 2 v2 starts and their polls only", ops)
	}
	if !strings.Contains(r.stdout, "RUN ") || strings.Count(r.stdout, "  success  -") != 2 || !strings.Contains(r.stdout, "2 v2 runs: 2 success") {
		t.Errorf("stdout is not the table of 2 runs:\n%s", r.stdout)
	}
}

// webhookArgs receive webhook events on a free loopback port, with polls
// 5 minutes apart behind them.
var webhookArgs = []string{"--webhook-listen", "127.0.0.1:0", "--webhook-max-interval", "5m"}

// The timeline of the executions and runs the webhook tests wait for.
const (
	hookQueued  = 500 * time.Millisecond
	hookRunning = time.Second
)

// deliveredTo returns the first delivery to id that the receiver took
// (200), and whether there is one.
func deliveredTo(srv *anchortest.Server, id string) (anchortest.Delivery, bool) {
	for _, d := range srv.Deliveries() {
		if d.SubjectID == id && d.Status == http.StatusOK {
			return d, true
		}
	}
	return anchortest.Delivery{}, false
}

// TestE2EWebhookExec: with --webhook-listen and --webhook-max-interval 5m,
// the wait for an execution makes the first poll, then, once the fake's
// signed event for its end comes, the poll that confirms it: two
// requests, not a ramp of polls, and the end seen within moments of the
// event, not 5 minutes later.
func TestE2EWebhookExec(t *testing.T) {
	t.Parallel()
	rl := newRelay(t)
	srv := newByIDFake(t, webhookTo(rl))
	id := srv.add(anchortest.Succeed(hookQueued, hookRunning, `{"ok":true}`))
	b := startBin(t, srv.env(), append([]string{"exec", "--output", "json"}, append(webhookArgs, id)...)...)
	url := webhookURL(t, b.stderr)
	rl.target.Store(&url)
	if code := b.wait(); code != exitSuccess {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, b.stderr.String())
	}
	exited := time.Now()
	d := decodeDoc(t, b.stdout.String())
	if len(d.Results) != 1 || d.Results[0]["status"] != "success" || d.Results[0]["polls"] != 2.0 || d.Results[0]["taskId"] != testTask {
		t.Errorf("results %v: want success after 2 polls, with the task the API names", d.Results)
	}
	reqs := srv.RequestsFor(id)
	if len(reqs) != 2 {
		t.Fatalf("the fake saw %d requests for the execution, want 2 (the first poll and the confirming one): %+v", len(reqs), reqs)
	}
	delivery, ok := deliveredTo(srv.Server, id)
	if !ok {
		t.Fatalf("no delivery of the event was taken: %+v", srv.Deliveries())
	}
	first, confirm := reqs[0], reqs[1]
	ended := first.Time.Add(hookQueued + hookRunning) // its timeline starts at the first poll
	lag := confirm.Time.Sub(delivery.Time)
	// Bounds that no loaded machine should reach, and far below the 5
	// minutes the wait would take without the event.
	if confirm.Time.Before(delivery.Time) || lag > 10*time.Second {
		t.Errorf("the confirming poll came %v after the delivery, want after it and within 10s", lag)
	}
	if detect := confirm.Time.Sub(ended); detect > 15*time.Second {
		t.Errorf("the end was seen %v after it happened, want within 15s", detect)
	}
	t.Logf("requests for the execution: %d; the end seen %v after it happened (the event sent %v after it); the poll %v after the delivery; exit %v after the end",
		len(reqs), confirm.Time.Sub(ended).Round(time.Millisecond), delivery.Time.Sub(ended).Round(time.Millisecond), lag.Round(time.Millisecond), exited.Sub(ended).Round(time.Millisecond))
	if !strings.Contains(b.stderr.String(), "webhook: 1 event received") {
		t.Errorf("stderr does not sum up the events:\n%s", b.stderr.String())
	}
}

// TestE2EWebhookRunV2: run --v2 --count 3 with webhooks: each run costs
// its start, the first poll and the confirming one.
func TestE2EWebhookRunV2(t *testing.T) {
	t.Parallel()
	rl := newRelay(t)
	srv := newFake(t, webhookTo(rl), anchortest.WithTemplate(anchortest.Succeed(hookQueued, hookRunning, `{"ok":true}`)))
	env := fakeEnv(srv)
	env[envWebhookSecret] = testSecret
	b := startBin(t, env, append([]string{"run", "--v2", "--count", "3", "--output", "json"}, append(webhookArgs, testTask)...)...)
	url := webhookURL(t, b.stderr)
	rl.target.Store(&url)
	if code := b.wait(); code != exitSuccess {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, b.stderr.String())
	}
	var doc struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(b.stdout.String()), &doc); err != nil || len(doc.Results) != 3 {
		t.Fatalf("stdout %s (%v): want 3 results", b.stdout.String(), err)
	}
	var worst time.Duration
	for _, res := range doc.Results {
		id, _ := res["runId"].(string)
		reqs := srv.RequestsFor(id)
		if len(reqs) != 3 || reqs[0].Op != anchortest.OpRunTaskV2 || res["polls"] != 3.0 || res["status"] != "success" {
			t.Errorf("run %s: %d requests (%+v), result %v; want the start, the first poll and the confirming one", id, len(reqs), reqs, res)
			continue
		}
		delivery, ok := deliveredTo(srv, id)
		if !ok {
			t.Errorf("run %s: no delivery of its event was taken", id)
			continue
		}
		lag := reqs[2].Time.Sub(delivery.Time)
		if lag < 0 || lag > 10*time.Second {
			t.Errorf("run %s: the confirming poll came %v after the delivery, want after it and within 10s", id, lag)
		}
		worst = max(worst, reqs[2].Time.Sub(reqs[0].Time.Add(hookQueued+hookRunning)))
	}
	t.Logf("3 runs, 3 requests each; the last end seen %v after it happened", worst.Round(time.Millisecond))
}

// TestE2EWebhookRefusedAndUnnamed: a delivery signed with another secret
// is answered 401 and makes no poll; one that names the waited execution
// makes one at once; one that names none makes every wait due soon, but
// not again within 30 s. The polls are counted to the end: the first, the
// named event's, the unnamed event's, and the last one before --timeout.
func TestE2EWebhookRefusedAndUnnamed(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	id := srv.AddExecution(testTask, anchortest.Always(client.StatusRunning))
	env := fakeEnv(srv)
	env[envWebhookSecret] = testSecret
	b := startBin(t, env, append([]string{"exec", "--timeout", "6s"}, append(webhookArgs, id)...)...)
	url := webhookURL(t, b.stderr)
	polls := func(n int) func() bool { return func() bool { return srv.RequestCountFor(id) == n } }
	waitFor(t, "the first poll", polls(1))

	if code := postEvent(t, url, wrongSecret, eventFor("evt_wrong", id)); code != http.StatusUnauthorized {
		t.Errorf("a delivery signed with another secret was answered %d, want 401", code)
	}
	if code := postEvent(t, url, testSecret, eventFor("evt_named", id)); code != http.StatusOK {
		t.Errorf("the named event was answered %d, want 200", code)
	}
	waitFor(t, "the poll the named event asks for", polls(2))
	other := uuid.NewString()
	if code := postEvent(t, url, testSecret, eventFor("evt_other_1", other)); code != http.StatusOK {
		t.Errorf("the event naming another execution was answered %d, want 200", code)
	}
	waitFor(t, "the poll an event naming no wait asks for", polls(3))
	if code := postEvent(t, url, testSecret, eventFor("evt_other_2", other)); code != http.StatusOK {
		t.Errorf("the second event naming another execution was answered %d, want 200", code)
	}
	if code := b.wait(); code != exitWaitTimeout {
		t.Fatalf("exit %d, want 3; stderr:\n%s", code, b.stderr.String())
	}
	if n := srv.RequestCountFor(id); n != 4 {
		t.Errorf("%d polls, want 4: the first, the named event's, the first unnamed event's and the last before --timeout (none for the refused delivery, none for the second unnamed event)", n)
	}
	if want := "webhook: 3 events received, 1 delivery refused for a bad signature or timestamp (401"; !strings.Contains(b.stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, b.stderr.String())
	}
}

// TestE2EWebhookTaskWaits: the wait for a task's executions and run take
// --webhook-listen too: the wait makes its first request, then the one
// the event asks for; run adds its start.
func TestE2EWebhookTaskWaits(t *testing.T) {
	t.Parallel()
	script := anchortest.Succeed(hookQueued, hookRunning, `{"ok":true}`)
	t.Run("wait", func(t *testing.T) {
		t.Parallel()
		rl := newRelay(t)
		srv := newLazyFake(t, webhookTo(rl))
		id := srv.add(script)
		env := srv.env()
		env[envWebhookSecret] = testSecret
		b := startBin(t, env, append([]string{"--no-history", "--output", "json"}, append(webhookArgs, testTask, id)...)...)
		url := webhookURL(t, b.stderr)
		rl.target.Store(&url)
		if code := b.wait(); code != exitSuccess {
			t.Fatalf("exit %d, want 0; stderr:\n%s", code, b.stderr.String())
		}
		if d := decodeDoc(t, b.stdout.String()); len(d.Results) != 1 || d.Results[0]["polls"] != 2.0 {
			t.Errorf("results %v: want one, after 2 polls", d.Results)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("the fake saw %d requests, want 2: the first poll and the confirming one", n)
		}
	})
	t.Run("run", func(t *testing.T) {
		t.Parallel()
		rl := newRelay(t)
		srv := newFake(t, webhookTo(rl), anchortest.WithTemplate(script))
		env := fakeEnv(srv)
		env[envWebhookSecret] = testSecret
		b := startBin(t, env, append([]string{"run", "--output", "json"}, append(webhookArgs, testTask)...)...)
		url := webhookURL(t, b.stderr)
		rl.target.Store(&url)
		if code := b.wait(); code != exitSuccess {
			t.Fatalf("exit %d, want 0; stderr:\n%s", code, b.stderr.String())
		}
		if d := decodeDoc(t, b.stdout.String()); len(d.Results) != 1 || d.Results[0]["polls"] != 3.0 {
			t.Errorf("results %v: want one, after 3 requests", d.Results)
		}
		// The start, the task's list (its history, which answers for the
		// execution too) and the poll the event asks for.
		if ops := opsOf(srv); len(srv.Requests()) != 3 || ops[anchortest.OpRunTask] != 1 {
			t.Errorf("the fake saw %d requests (%v), want 3: the start, the first request and the confirming one", len(srv.Requests()), ops)
		}
	})
}
