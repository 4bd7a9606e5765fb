package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

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
