package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// Keys the tests use. No output or file may ever contain them, or any
// part of them (see assertNoSecrets). longKey is longer than any cut
// anchor-wait makes to a value it quotes (60, 120 and 200 characters).
const (
	testKey  = "sk-test-4f8a9b6c0e1d2f3a"
	wrongKey = "sk-wrong-9d8c7b6a5f4e3d2c"
	longKey  = "sk-long-Q7xK2mV9pL4wZ8nR3tY6bH1cJ5fD0gS7aE2uI9oP4kM8vN3xB6zC1qW5eT0rY7-Zx"
)

// IDs for tests that need no server.
const (
	testTask = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	testExec = "11111111-2222-4333-8444-555555555555"
)

// fastPolls makes waits on the fake poll often, so tests end quickly.
var fastPolls = []string{"--interval", "20ms", "--max-interval", "100ms"}

// withFastPolls returns fastPolls followed by args.
func withFastPolls(args ...string) []string {
	return append(append([]string{}, fastPolls...), args...)
}

// runArgs returns the run command with fastPolls and args.
func runArgs(args ...string) []string {
	return append([]string{"run"}, withFastPolls(args...)...)
}

// newFake starts a fake API on loopback that accepts testKey.
func newFake(t *testing.T, opts ...anchortest.Option) *anchortest.Server {
	t.Helper()
	srv := anchortest.NewServer(append([]anchortest.Option{anchortest.WithAPIKey(testKey)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// envOf returns a getenv over m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// fakeEnv is the environment of a run against srv.
func fakeEnv(srv *anchortest.Server) map[string]string {
	return map[string]string{client.EnvAPIKey: testKey, client.EnvBaseURL: srv.URL}
}

// cliRun is the outcome of one run of the CLI.
type cliRun struct {
	code           int
	stdout, stderr string
}

// runCLI runs the CLI in-process with env, stdin and args.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) cliRun {
	t.Helper()
	return runCLICtx(t, context.Background(), env, stdin, args...)
}

func runCLICtx(t *testing.T, ctx context.Context, env map[string]string, stdin string, args ...string) cliRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr, envOf(env))
	r := cliRun{code: code, stdout: stdout.String(), stderr: stderr.String()}
	assertNoSecrets(t, "stdout", r.stdout)
	assertNoSecrets(t, "stderr", r.stderr)
	return r
}

// secretWindow is the length of the parts of a key that assertNoSecrets
// looks for: a leak of part of a key is a leak.
const secretWindow = 12

// assertNoSecrets fails the test if text holds one of the test keys, or any
// secretWindow characters in a row of one.
func assertNoSecrets(t *testing.T, what, text string) {
	t.Helper()
	for _, k := range []string{testKey, wrongKey, longKey, anchortest.DefaultAPIKey} {
		if part := leakedPart(text, k); part != "" {
			t.Errorf("%s contains the API key or part of it (%q):\n%s", what, part, text)
		}
	}
}

// leakedPart returns a part of key, the whole key or secretWindow
// characters of it, that text holds, or "".
func leakedPart(text, key string) string {
	n := min(secretWindow, len(key))
	for i := 0; i+n <= len(key); i++ {
		if part := key[i : i+n]; strings.Contains(text, part) {
			return part
		}
	}
	return ""
}

// lineWriter is a Writer that is safe for concurrent use and lets a test
// wait for a line, for tests that act on progress.
type lineWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced at each write
}

func newLineWriter() *lineWriter { return &lineWriter{changed: make(chan struct{})} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	close(w.changed)
	w.changed = make(chan struct{})
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitLine waits until a complete line containing every one of subs has
// been written, and returns the first such line.
func (w *lineWriter) waitLine(t *testing.T, subs ...string) string {
	t.Helper()
	guard := time.After(30 * time.Second) // a guard against hanging, not a timing assumption
	for {
		w.mu.Lock()
		text, changed := w.buf.String(), w.changed
		w.mu.Unlock()
		if i := strings.LastIndexByte(text, '\n'); i >= 0 {
			for _, line := range strings.Split(text[:i], "\n") {
				if containsAll(line, subs) {
					return line
				}
			}
		}
		select {
		case <-changed:
		case <-guard:
			t.Fatalf("no line containing %q within 30s; got:\n%s", subs, w.String())
			return ""
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// firstPollClock fronts a fake API so that each execution registered with
// add joins the fake only when the first request for it arrives: its
// scripted timeline (steps, VisibleAfter, time windows of faults) starts
// when the binary first asks for it, not when the test set it up. However
// long the binary takes to start on a loaded machine, its first poll then
// sees the first step of the timeline. It is safe for concurrent use.
type firstPollClock struct {
	srv    *anchortest.Server
	taskID string

	mu      sync.Mutex
	pending map[string]anchortest.Script // by lower-case execution ID
	err     error                        // the first failure to add one
}

func newFirstPollClock(srv *anchortest.Server, taskID string) *firstPollClock {
	return &firstPollClock{srv: srv, taskID: taskID, pending: map[string]anchortest.Script{}}
}

// add registers the execution id of the clock's task, with script sc.
func (c *firstPollClock) add(id string, sc anchortest.Script) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending[strings.ToLower(id)] = sc
}

// wrap returns h behind the clock: a request for a registered execution
// adds it to the fake first, if it is not there yet.
func (c *firstPollClock) wrap(h http.Handler) http.Handler {
	prefix := "/v1/task/" + strings.ToLower(c.taskID) + "/executions/"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := strings.CutPrefix(strings.ToLower(r.URL.Path), prefix); ok {
			c.start(id)
		}
		h.ServeHTTP(w, r)
	})
}

// start adds the execution id to the fake if it is still pending.
func (c *firstPollClock) start(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc, ok := c.pending[id]
	if !ok {
		return
	}
	delete(c.pending, id)
	if err := c.srv.AddExecutionWithID(c.taskID, id, sc); err != nil && c.err == nil {
		c.err = fmt.Errorf("add execution %s on its first request: %w", id, err)
	}
}

// failure returns the first failure to add an execution, or nil.
func (c *firstPollClock) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// lazyFake is a fake API on loopback that accepts testKey, behind a
// firstPollClock for testTask: executions added with add start their
// timelines at the first request for them.
type lazyFake struct {
	*anchortest.Server
	clock *firstPollClock
	// URL is the base URL of the front, the one to give the binary.
	URL string
}

// newLazyFake starts a lazyFake; it is closed with t.
func newLazyFake(t *testing.T, opts ...anchortest.Option) *lazyFake {
	t.Helper()
	srv := newFake(t, opts...)
	clock := newFirstPollClock(srv, testTask)
	front := httptest.NewServer(clock.wrap(srv.Handler()))
	t.Cleanup(func() {
		front.Close()
		if err := clock.failure(); err != nil {
			t.Error(err)
		}
	})
	return &lazyFake{Server: srv, clock: clock, URL: front.URL}
}

// add registers an execution of testTask with script sc, under a new ID,
// and returns the ID.
func (f *lazyFake) add(sc anchortest.Script) string {
	id := uuid.NewString()
	f.clock.add(id, sc)
	return id
}

// env is the environment of a run against f.
func (f *lazyFake) env() map[string]string {
	return map[string]string{client.EnvAPIKey: testKey, client.EnvBaseURL: f.URL}
}
