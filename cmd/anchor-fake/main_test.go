package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/anchorwait/anchorwait/internal/syncbuf"

	"go.uber.org/goleak"

	"github.com/anchorwait/anchorwait/client"
)

// TestMain runs main itself when the test binary is started by
// TestMainStopsOnSignal, and the tests otherwise.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(mainArgsEnv); ok {
		os.Args = append([]string{"anchor-fake"}, strings.Fields(args)...)
		main()
		return
	}
	goleak.VerifyTestMain(m)
}

// mainArgsEnv holds the arguments for main when the test binary runs it.
const mainArgsEnv = "ANCHOR_FAKE_TEST_MAIN_ARGS"

func TestMainStopsOnSignal(t *testing.T) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0])
			// GORACE: a race-enabled binary otherwise sleeps a second at exit.
			cmd.Env = append(os.Environ(), mainArgsEnv+"=--addr 127.0.0.1:0", client.EnvAPIKey+"=sk-main", "GORACE=atexit_sleep_ms=0")
			var stderr syncbuf.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("no URL on stdout: %v; stderr %q", err, stderr.String())
			}
			f := &fake{url: strings.TrimSpace(line)}
			if _, err := newClient(t, f, "sk-main").RunTask(context.Background(), client.RunTaskRequest{TaskID: taskID, Async: true}); err != nil {
				t.Errorf("RunTask: %v", err)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("after %v: %v, want exit status 0; stderr %q", sig, err, stderr.String())
			}
		})
	}
}

const taskID = "550e8400-e29b-41d4-a716-446655440000"

// fake is a run of the command in the background.
type fake struct {
	url    string
	stdout *syncbuf.Buffer // after the URL line
	stderr *syncbuf.Buffer
	cancel context.CancelFunc
	code   chan int

	stopOnce sync.Once
	exit     int
}

// start runs the command with args and waits for it to print its URL. It
// fails the test if the command exits first.
func start(t *testing.T, args []string, env map[string]string) *fake {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	f := &fake{stdout: &syncbuf.Buffer{}, stderr: &syncbuf.Buffer{}, cancel: cancel, code: make(chan int, 1)}
	go func() {
		f.code <- run(ctx, args, pw, f.stderr, func(k string) string { return env[k] })
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no URL on stdout (%v); exit %d; stderr %q", err, <-f.code, f.stderr)
	}
	go io.Copy(f.stdout, pr) // anything after the URL; ends when run returns
	f.url = strings.TrimSuffix(line, "\n")
	t.Cleanup(func() { f.stop(t) })
	return f
}

// stop cancels the command's context and returns its exit status. It may
// be called more than once.
func (f *fake) stop(t *testing.T) int {
	t.Helper()
	f.stopOnce.Do(func() {
		f.cancel()
		f.exit = <-f.code
	})
	return f.exit
}

// newClient returns an API client for f with key, over a transport closed
// at the end of the test.
func newClient(t *testing.T, f *fake, key string) *client.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := client.New(key, client.WithBaseURL(f.url), client.WithHTTPClient(&http.Client{Transport: tr}), client.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRunServesUntilCancelled(t *testing.T) {
	f := start(t, []string{"--addr", "127.0.0.1:0", "--api-key", "sk-test-1", "--queued", "0s", "--running", "0s", "--output", "hello"}, nil)
	if !strings.HasPrefix(f.url, "http://127.0.0.1:") {
		t.Errorf("URL %q, want http://127.0.0.1:PORT", f.url)
	}
	ctx := context.Background()
	c := newClient(t, f, "sk-test-1")
	res, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskID, Async: true})
	if err != nil {
		t.Fatalf("RunTask: %v", err)
	}
	got, err := c.GetExecution(ctx, taskID, res.ExecutionResultID)
	if err != nil || got.Status != client.StatusSuccess || got.Output == nil || *got.Output != "hello" {
		t.Errorf("GetExecution = %+v, %v; want success with output hello", got, err)
	}
	_, err = newClient(t, f, "sk-other").GetExecution(ctx, taskID, res.ExecutionResultID)
	if !errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("wrong key: %v, want unauthorized", err)
	}
	if code := f.stop(t); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if s := f.stderr.String(); s != "" {
		t.Errorf("stderr %q without -v, want nothing", s)
	}
	if s := f.stdout.String(); s != "" {
		t.Errorf("stdout after the URL %q, want nothing", s)
	}
}

func TestRunAPIKeySource(t *testing.T) {
	tests := []struct {
		name           string
		args           []string
		env            map[string]string
		accept, refuse string
	}{
		{"from the environment", nil, map[string]string{client.EnvAPIKey: "sk-env"}, "sk-env", "sk-flag"},
		{"flag over environment", []string{"--api-key", "sk-flag"}, map[string]string{client.EnvAPIKey: "sk-env"}, "sk-flag", "sk-env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, append([]string{"--addr", "127.0.0.1:0"}, tt.args...), tt.env)
			ctx := context.Background()
			if _, err := newClient(t, f, tt.accept).RunTask(ctx, client.RunTaskRequest{TaskID: taskID, Async: true}); err != nil {
				t.Errorf("key %s refused: %v", tt.accept, err)
			}
			if _, err := newClient(t, f, tt.refuse).RunTask(ctx, client.RunTaskRequest{TaskID: taskID, Async: true}); !errors.Is(err, client.ErrUnauthorized) {
				t.Errorf("key %s: %v, want unauthorized", tt.refuse, err)
			}
		})
	}
}

func TestRunVerboseLogsWithoutKey(t *testing.T) {
	const key, wrong = "sk-secret-key-42", "sk-wrong-key-43"
	f := start(t, []string{"--addr", "127.0.0.1:0", "-v"}, map[string]string{client.EnvAPIKey: key})
	ctx := context.Background()
	res, err := newClient(t, f, key).RunTask(ctx, client.RunTaskRequest{TaskID: taskID, Async: true})
	if err != nil {
		t.Fatal(err)
	}
	newClient(t, f, wrong).GetExecution(ctx, taskID, res.ExecutionResultID)
	if code := f.stop(t); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	logs := f.stderr.String()
	for _, want := range []string{"serving the fake Anchor Browser API", "path=/v1/task/run status=200", "status=401", "auth=wrong", "stopping"} {
		if !strings.Contains(logs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, key) || strings.Contains(logs, wrong) {
		t.Errorf("stderr holds an API key:\n%s", logs)
	}
}

func TestRunOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStatus client.Status
		wantOutput string
		wantError  string
	}{
		{"failure with message", []string{"--status", "failure", "--error-message", "page not found"}, client.StatusFailure, "", "page not found"},
		{"timeout with default message", []string{"--status", "timeout"}, client.StatusTimeout, "", "Task timed out"},
		{"never ends", []string{"--status", "running"}, client.StatusRunning, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, append([]string{"--addr", "127.0.0.1:0", "--api-key", "k", "--queued", "0s", "--running", "0s"}, tt.args...), nil)
			c := newClient(t, f, "k")
			ctx := context.Background()
			res, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskID, Async: true})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.GetExecution(ctx, taskID, res.ExecutionResultID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.wantStatus || deref(got.Output) != tt.wantOutput || deref(got.ErrorMessage) != tt.wantError {
				t.Errorf("got %s output %q error %q; want %s, %q, %q", got.Status, deref(got.Output), deref(got.ErrorMessage), tt.wantStatus, tt.wantOutput, tt.wantError)
			}
		})
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func TestRunSeed(t *testing.T) {
	first := func() string {
		f := start(t, []string{"--addr", "127.0.0.1:0", "--api-key", "k", "--seed", "5"}, nil)
		defer f.stop(t)
		res, err := newClient(t, f, "k").RunTask(context.Background(), client.RunTaskRequest{TaskID: taskID, Async: true})
		if err != nil {
			t.Fatal(err)
		}
		return res.ExecutionResultID
	}
	if a, b := first(), first(); a != b {
		t.Errorf("--seed 5 gave %s then %s, want the same ID", a, b)
	}
}

func TestRunUsageErrors(t *testing.T) {
	key := map[string]string{client.EnvAPIKey: "k"}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
	}{
		{"unknown flag", []string{"--bogus"}, key, 2, "anchor-fake: unknown flag --bogus: see anchor-fake --help for the flags"},
		{"unknown single-dash flag", []string{"-bogus"}, key, 2, "unknown flag --bogus"},
		{"status and outcomes", []string{"--status", "failure", "--outcomes", "success=1"}, key, 2, "--status and --outcomes both say how executions end: want one of them"},
		{"outcomes without a count", []string{"--outcomes", "success"}, key, 2, `invalid value "success" for flag --outcomes: "success" is not STATUS=N: want such as success=3,failure=1`},
		{"outcomes with a bad status", []string{"--outcomes", "success=1,paused=2"}, key, 2, `"paused" is not a status: want success, failure, timeout, cancelled, running or queued`},
		{"outcomes with a zero count", []string{"--outcomes", "failure=0"}, key, 2, `"failure=0": want a count from 1 to 1000000 after the =`},
		{"bad duration", []string{"--queued", "soon"}, key, 2, `"soon"`},
		{"negative queued", []string{"--queued", "-1s"}, key, 2, "--queued -1s"},
		{"negative running", []string{"--running", "-2s"}, key, 2, "--running -2s"},
		{"negative visible-after", []string{"--visible-after", "-1s"}, key, 2, "--visible-after -1s"},
		{"unknown status", []string{"--status", "paused"}, key, 2, `--status "paused"`},
		{"bad seed", []string{"--seed", "x"}, key, 2, `"x"`},
		{"no API key", nil, nil, 2, "no API key: pass --api-key or set ANCHORBROWSER_API_KEY"},
		{"key with space", []string{"--api-key", "a b"}, nil, 2, "white space"},
		{"argument", []string{"serve"}, key, 2, `unexpected argument "serve": anchor-fake takes flags only (see anchor-fake --help)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr, func(k string) string { return tt.env[k] })
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

func TestRunAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--addr", ln.Addr().String(), "--api-key", "k"}, &stdout, &stderr, func(string) string { return "" })
	if code != 1 || !strings.Contains(stderr.String(), ln.Addr().String()) || stdout.Len() != 0 {
		t.Errorf("exit %d stderr %q stdout %q; want 1, an error naming %s, no URL", code, stderr.String(), stdout.String(), ln.Addr())
	}
}
