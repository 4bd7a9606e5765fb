package main

// The fault matrix (internal/faultmatrix) in CLI mode: the built binary
// against the fake API on loopback, in real time.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/internal/syncbuf"

	"github.com/google/uuid"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/internal/faultmatrix"
)

// cliGuard is how long past its time bound a run of the binary is killed:
// the bound is checked anyway, this only keeps a hung binary from hanging
// the test.
const cliGuard = 10 * time.Second

// TestFaultMatrixCLI runs every case of the matrix through the binary. The
// runs are started all at once (parallel subtests would run only GOMAXPROCS
// at a time, while these processes mostly sleep on real clocks), then each
// is checked in its own subtest.
func TestFaultMatrixCLI(t *testing.T) {
	start := time.Now()
	cases := faultmatrix.Cases()
	runs := make([]*cliCase, len(cases))
	var wg sync.WaitGroup
	n := 0
	for i, c := range cases {
		r := c.In(faultmatrix.CLI)
		if r.Skip != "" {
			continue
		}
		runs[i] = newCLICase(t, r)
		wg.Go(runs[i].run)
		n++
	}
	wg.Wait()
	t.Logf("CLI matrix: %d runs in %v of real time", n, time.Since(start).Round(time.Millisecond))
	for i, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			r := c.In(faultmatrix.CLI)
			if r.Skip != "" {
				t.Skip(r.Skip)
			}
			runs[i].check(t, r.Want)
		})
	}
}

// cliCase is one run of the binary: set up by newCLICase on the test's
// goroutine, run by run on its own, checked by check.
type cliCase struct {
	setup faultmatrix.Setup
	want  faultmatrix.Want
	bin   string
	args  []string
	env   map[string]string
	stdin string
	ids   []string           // the executions' IDs, one per execution
	srv   *anchortest.Server // nil when nothing listens (Refused)
	clock *firstPollClock    // adds the executions to srv; nil with srv
	count *requestCounter
	logs  *syncbuf.Buffer // the fake's log

	junit, summary, ghOutput string // the files of --junit and GitHub Actions

	// Filled by run.
	code           int
	stdout, stderr string
	elapsed        time.Duration
	runErr         error
}

// newCLICase starts the fake for r (behind a counter of its requests) and
// prepares the command line; both are cleaned up with t.
func newCLICase(t *testing.T, r faultmatrix.Run) *cliCase {
	t.Helper()
	s := r.Setup
	cc := &cliCase{setup: s, want: r.Want, bin: binary(t), count: newRequestCounter(), logs: &syncbuf.Buffer{}}
	baseURL := ""
	var srv *anchortest.Server
	if s.Refused {
		baseURL = closedLoopbackURL(t)
	} else {
		srv = anchortest.NewServer(anchortest.WithAPIKey(faultmatrix.Key), anchortest.WithFaults(s.ServerFaults...),
			anchortest.WithLogger(slog.New(slog.NewTextHandler(cc.logs, nil))))
		t.Cleanup(srv.Close)
		cc.clock = newFirstPollClock(srv, faultmatrix.TaskID)
		front := httptest.NewServer(cc.count.wrap(cc.clock.wrap(srv.Handler())))
		t.Cleanup(front.Close)
		baseURL = front.URL
	}
	cc.srv = srv
	// Each execution joins the fake at the first request for it, so its
	// timeline starts when the binary first asks for it: a binary slow to
	// start on a loaded machine cannot miss the first steps.
	for _, e := range s.Executions {
		id := e.ID
		if id == "" {
			id = uuid.NewString()
		}
		cc.ids = append(cc.ids, id)
		if cc.clock != nil {
			cc.clock.add(id, e.Script)
		}
	}

	// Every report anchor-wait can write is written, and searched for the
	// key: JUnit, and the GitHub Actions annotations, summary and outputs.
	dir := t.TempDir()
	cc.junit, cc.summary, cc.ghOutput = filepath.Join(dir, "junit.xml"), filepath.Join(dir, "summary.md"), filepath.Join(dir, "output")
	// Lists off, as in the library's matrix: the faults are those of one
	// execution's requests, and a page of the task's list would answer
	// around them.
	cc.args = []string{"--output", "json", "--verbose", "--junit", cc.junit, "--no-history", "--no-sweeps",
		"--interval", s.Interval.String(), "--max-interval", s.MaxInterval.String(), "--timeout", s.Timeout.String(),
		faultmatrix.TaskID}
	// Copies alternate between lower and upper case: the same ID either way.
	var listed []string
	for k, id := range faultmatrix.Refs(s, cc.ids) {
		if k%2 == 1 {
			id = strings.ToUpper(id)
		}
		listed = append(listed, id)
	}
	cc.args = append(cc.args, listed...)
	if s.Stdin {
		cc.args = append(cc.args, "-")
		cc.stdin = "\n" + strings.Join(listed, "\n\t ") + "\n"
	}
	key := faultmatrix.Key
	if s.WrongKey {
		key = faultmatrix.WrongKey
	}
	cc.env = map[string]string{client.EnvAPIKey: key, client.EnvBaseURL: baseURL, "NO_COLOR": "1",
		envGitHubActions: "true", envStepSummary: cc.summary, envGitHubOutput: cc.ghOutput}
	return cc
}

// run runs the binary to its end, interrupting it as the setup says. It
// uses no *testing.T: it runs on a goroutine of its own.
func (cc *cliCase) run() {
	ctx, cancel := context.WithTimeout(context.Background(), cc.want.MaxTime+cliGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, cc.bin, cc.args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range cc.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdin = strings.NewReader(cc.stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	cc.count.startClock(start)
	if err := cmd.Start(); err != nil {
		cc.runErr = err
		return
	}
	done := make(chan struct{})
	var signalled sync.WaitGroup
	if c := cc.setup.Cancel; c != nil {
		signalled.Go(func() {
			if cc.count.waitFor(c.Request, c.Answered, done) {
				cc.runErr = cmd.Process.Signal(os.Interrupt)
			}
		})
	}
	err := cmd.Wait()
	cc.elapsed = time.Since(start)
	close(done)
	signalled.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		cc.runErr = err
	}
	if ctx.Err() != nil {
		cc.runErr = fmt.Errorf("killed after %v: the binary did not end by itself", cc.want.MaxTime+cliGuard)
	}
	cc.code = cmd.ProcessState.ExitCode()
	cc.stdout, cc.stderr = stdout.String(), stderr.String()
}

// cliResult is a result of --output json, read as the contract says.
type cliResult struct {
	TaskID        string     `json:"taskId"`
	ExecutionID   string     `json:"executionId"`
	Status        string     `json:"status"`
	Output        *string    `json:"output"`
	ErrorMessage  *string    `json:"errorMessage"`
	StartTime     *time.Time `json:"startTime"`
	ExecutionTime *float64   `json:"executionTime"`
	Version       *string    `json:"version"`
	TaskVersionID *string    `json:"taskVersionId"`
	Polls         int        `json:"polls"`
	Error         *string    `json:"error"`
}

// execution is the result as a client.Execution, nil for one never seen.
func (r *cliResult) execution() *client.Execution {
	if r.Status == "" {
		return nil
	}
	e := &client.Execution{ID: r.ExecutionID, Status: client.Status(r.Status), Output: r.Output, ErrorMessage: r.ErrorMessage, ExecutionTime: r.ExecutionTime}
	if r.StartTime != nil {
		e.StartTime = *r.StartTime
	}
	return e
}

// check compares the run with want.
func (cc *cliCase) check(t *testing.T, want faultmatrix.Want) {
	t.Helper()
	if cc.runErr != nil {
		t.Fatalf("run: %v\nstderr:\n%s", cc.runErr, hideMatrixKeys(cc.stderr))
	}
	if cc.clock != nil {
		if err := cc.clock.failure(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("exit %d in %v, %d requests, the first %v after the start", cc.code, cc.elapsed.Round(time.Millisecond),
		cc.count.received(), cc.count.firstAfter().Round(time.Millisecond))
	junit, summary, ghOutput := readOptional(t, cc.junit), readOptional(t, cc.summary), readOptional(t, cc.ghOutput)
	for _, out := range []struct{ name, text string }{
		{"stdout", cc.stdout}, {"stderr", cc.stderr}, {"the fake's log", cc.logs.String()},
		{"the JUnit report", junit}, {"the step summary", summary}, {"the GitHub outputs", ghOutput},
	} {
		assertNoSecrets(t, out.name, out.text)
		for _, k := range []string{faultmatrix.Key, faultmatrix.WrongKey} {
			if strings.Contains(out.text, k) {
				t.Errorf("%s contains the API key", out.name)
			}
		}
		for _, crash := range []string{"panic:", "fatal error:", "goroutine ", "DATA RACE"} {
			if strings.Contains(out.text, crash) {
				t.Errorf("%s shows a crash (%q):\n%s", out.name, crash, hideMatrixKeys(out.text))
			}
		}
	}
	if cc.code != want.Exit {
		t.Errorf("exit code %d, want %d\nstderr:\n%s", cc.code, want.Exit, hideMatrixKeys(cc.stderr))
	}
	if cc.elapsed < want.MinTime || cc.elapsed > want.MaxTime {
		t.Errorf("the run took %v, want %v to %v", cc.elapsed, want.MinTime, want.MaxTime)
	}
	var doc struct {
		Results  []cliResult `json:"results"`
		ExitCode int         `json:"exitCode"`
	}
	if err := json.Unmarshal([]byte(cc.stdout), &doc); err != nil {
		t.Fatalf("stdout is not the JSON document: %v\n%.2000s", err, hideMatrixKeys(cc.stdout))
	}
	if doc.ExitCode != cc.code {
		t.Errorf("the document says exit %d, the process exited %d", doc.ExitCode, cc.code)
	}
	if len(doc.Results) != len(cc.ids) {
		t.Fatalf("%d results, want one per execution (%d), duplicates merged", len(doc.Results), len(cc.ids))
	}
	execs := make([]*client.Execution, len(doc.Results))
	polls := 0
	for i, r := range doc.Results {
		if r.ExecutionID != cc.ids[i] || r.TaskID != faultmatrix.TaskID {
			t.Errorf("result %d is for %s/%s, want %s/%s", i, r.TaskID, r.ExecutionID, faultmatrix.TaskID, cc.ids[i])
		}
		if client.Status(r.Status) != want.Status[i] {
			t.Errorf("result %d: status %q, want %q (error: %s)", i, r.Status, want.Status[i], hideMatrixKeys(strPtr(r.Error)))
		}
		// A wait that did not see a final status must say why.
		if !client.Status(r.Status).Terminal() && r.Error == nil {
			t.Errorf("result %d ended %q with no error saying why", i, r.Status)
		}
		execs[i] = r.execution()
		polls += r.Polls
	}
	if want.Check != nil {
		if err := want.Check(execs); err != nil {
			t.Error(err)
		}
	}
	var report junitSuites
	if err := xml.Unmarshal([]byte(junit), &report); err != nil || report.Tests != len(cc.ids) {
		t.Errorf("JUnit report: %d test cases (%v), want one per execution (%d)", report.Tests, err, len(cc.ids))
	}
	if want := fmt.Sprintf("exit-code=%d\n", cc.code); !strings.Contains(ghOutput, want) {
		t.Errorf("GitHub outputs %q lack %q", ghOutput, want)
	}
	requests := cc.count.received()
	if cc.setup.Refused {
		requests = polls // the fake is never reached
	}
	if requests < want.MinRequests || requests > want.MaxRequests {
		t.Errorf("%d requests, want %d to %d", requests, want.MinRequests, want.MaxRequests)
	}
}

// readOptional returns the content of the file at path, "" when there is
// none.
func readOptional(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

// hideMatrixKeys replaces the matrix's keys in s, for test output.
func hideMatrixKeys(s string) string {
	return strings.NewReplacer(faultmatrix.Key, "<KEY>", faultmatrix.WrongKey, "<WRONG KEY>").Replace(s)
}

func strPtr(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

// requestCounter counts the requests a handler receives and answers, and
// lets a goroutine wait for a count. It is safe for concurrent use.
type requestCounter struct {
	mu                 sync.Mutex
	arrived, completed int
	changed            chan struct{} // closed and replaced at each change
	start, first       time.Time     // when the run started, when the first request arrived
}

// startClock sets the time the run started, for firstAfter.
func (c *requestCounter) startClock(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.start = t
}

// firstAfter returns how long after the start the first request arrived,
// or 0 when none did.
func (c *requestCounter) firstAfter() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first.IsZero() {
		return 0
	}
	return c.first.Sub(c.start)
}

func newRequestCounter() *requestCounter { return &requestCounter{changed: make(chan struct{})} }

// wrap returns h, counted.
func (c *requestCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.bump(&c.arrived)
		defer c.bump(&c.completed)
		h.ServeHTTP(w, r)
	})
}

func (c *requestCounter) bump(n *int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*n++
	if c.first.IsZero() {
		c.first = time.Now()
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// received returns how many requests have arrived.
func (c *requestCounter) received() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.arrived
}

// waitFor waits until n requests have arrived (or been answered, with
// answered) and returns true, or returns false when done is closed first.
func (c *requestCounter) waitFor(n int, answered bool, done <-chan struct{}) bool {
	for {
		c.mu.Lock()
		got, changed := c.arrived, c.changed
		if answered {
			got = c.completed
		}
		c.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-changed:
		case <-done:
			return false
		}
	}
}

// closedLoopbackURL is faultmatrix.ClosedLoopbackURL for a test.
func closedLoopbackURL(t *testing.T) string {
	t.Helper()
	u, release, err := faultmatrix.ClosedLoopbackURL()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	return u
}
