//go:build unix

package main

// End-to-end tests of the built binary against local files and streams
// that fail or block: a closed stdout, a full disk, named pipes as the key
// file and as reports, and signals meanwhile.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// ioGuard is how much longer than its bound a run may take on a loaded
// machine before the bound counts as broken.
const ioGuard = 5 * time.Second

// ioRun is a run of the binary with its reports in a temporary directory.
type ioRun struct {
	t                        *testing.T
	env                      map[string]string
	junit, summary, ghOutput string
}

// newIORun returns a run against srv in GitHub Actions, with --junit.
func newIORun(t *testing.T, baseURL string) *ioRun {
	t.Helper()
	dir := t.TempDir()
	r := &ioRun{t: t, junit: filepath.Join(dir, "junit.xml"), summary: filepath.Join(dir, "summary.md"), ghOutput: filepath.Join(dir, "output")}
	r.env = map[string]string{client.EnvAPIKey: testKey, client.EnvBaseURL: baseURL, "NO_COLOR": "1",
		envGitHubActions: "true", envStepSummary: r.summary, envGitHubOutput: r.ghOutput}
	return r
}

// command returns the binary with args, its stdout set to stdout and its
// stderr collected.
func (r *ioRun) command(ctx context.Context, stdout *os.File, args ...string) (*exec.Cmd, *lineWriter) {
	cmd := binCommand(r.t, ctx, r.env, args...)
	stderr := newLineWriter()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd, stderr
}

// exitOf returns the exit code of a finished command, failing the test if
// it did not run to an exit.
func exitOf(t *testing.T, cmd *exec.Cmd, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run: %v", err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("the binary was killed by %v, want an exit code", ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// checkReports checks the reports a run wrote: the JUnit report with cases
// test cases, and the step outputs and summary with exit code code.
func (r *ioRun) checkReports(cases, code int) {
	t := r.t
	t.Helper()
	var rep junitSuites
	if err := xml.Unmarshal([]byte(readFile(t, r.junit)), &rep); err != nil || rep.Tests != cases {
		t.Errorf("JUnit report: %d test cases (%v), want %d", rep.Tests, err, cases)
	}
	if out := readFile(t, r.ghOutput); !strings.Contains(out, "exit-code="+strconv.Itoa(code)+"\n") || !strings.Contains(out, "status="+statusWord(code)+"\n") {
		t.Errorf("GITHUB_OUTPUT = %q, want exit code %d", out, code)
	}
	if md := readFile(t, r.summary); !strings.Contains(md, "| Execution |") {
		t.Errorf("step summary has no table:\n%s", md)
	}
}

// TestE2EStdoutClosed: a stdout whose reader is gone fails the run with
// exit 8 (not a death by SIGPIPE), and the reports are still written.
func TestE2EStdoutClosed(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	id := srv.AddExecution(testTask, quickSuccess())
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pr.Close()
	defer pw.Close()
	r := newIORun(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	defer cancel()
	cmd, stderr := r.command(ctx, pw, withFastPolls("--junit", r.junit, testTask, id)...)
	code := exitOf(t, cmd, cmd.Run())
	if code != exitWriteError || !strings.Contains(stderr.String(), "anchor-wait: cannot write the results: stdout: broken pipe") {
		t.Errorf("exit %d, want %d and a message about stdout; stderr:\n%s", code, exitWriteError, stderr.String())
	}
	if !strings.Contains(stderr.String(), "exit 8: could not write the results to stdout (broken pipe)") {
		t.Errorf("the closing line does not say why the exit is 8:\n%s", stderr.String())
	}
	r.checkReports(1, exitWriteError)
}

// TestE2EStdoutClosedMidway is anchor-wait ... | head -n 1: the reader
// leaves after the first line of --output jsonl; the next line fails the
// run, and the reports are still written.
func TestE2EStdoutClosedMidway(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	first, second := srv.AddExecution(testTask, quickSuccess()), srv.AddExecution(testTask, quickSuccess())
	release := make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	front := httptest.NewServer(holdRequests(srv.Handler(), second, release))
	t.Cleanup(front.Close)
	t.Cleanup(releaseOnce)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	r := newIORun(t, front.URL)
	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	defer cancel()
	// Lists off: the hold is on the second execution's own requests.
	cmd, stderr := r.command(ctx, pw, withFastPolls("--output", "jsonl", "--junit", r.junit, "--concurrency", "2", "--no-history", "--no-sweeps", testTask, first, second)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close() // the binary holds its own copy
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || !strings.Contains(line, first) {
		t.Fatalf("first line %q (%v), want the first execution's", line, err)
	}
	pr.Close() // head has what it wanted
	releaseOnce()
	code := exitOf(t, cmd, cmd.Wait())
	if code != exitWriteError || !strings.Contains(stderr.String(), "cannot write the results: stdout: broken pipe") {
		t.Errorf("exit %d, want %d and a message about stdout; stderr:\n%s", code, exitWriteError, stderr.String())
	}
	r.checkReports(2, exitWriteError)
}

// TestE2EStdoutFull: stdout on a full disk (/dev/full) fails the run, and
// the reports are still written.
func TestE2EStdoutFull(t *testing.T) {
	t.Parallel()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	srv := newFake(t)
	id := srv.AddExecution(testTask, quickSuccess())
	r := newIORun(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	defer cancel()
	cmd, stderr := r.command(ctx, full, withFastPolls("--output", "json", "--junit", r.junit, testTask, id)...)
	code := exitOf(t, cmd, cmd.Run())
	if code != exitWriteError || !strings.Contains(stderr.String(), "cannot write the results: stdout: no space left on device") {
		t.Errorf("exit %d, want %d and a message about stdout; stderr:\n%s", code, exitWriteError, stderr.String())
	}
	r.checkReports(1, exitWriteError)
}

// TestE2EJUnitFull: a --junit file that cannot be written fails the run;
// the JSON document and the step outputs say exit 8 too.
func TestE2EJUnitFull(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	srv := newFake(t)
	id := srv.AddExecution(testTask, quickSuccess())
	r := newIORun(t, srv.URL)
	res := runBin(t, r.env, "", withFastPolls("--output", "json", "--junit", "/dev/full", testTask, id)...)
	if res.code != exitWriteError || !strings.Contains(res.stderr, `cannot write the JUnit report: "/dev/full": no space left on device`) {
		t.Errorf("exit %d, want %d and a message about the report; stderr:\n%s", res.code, exitWriteError, res.stderr)
	}
	if d := decodeDoc(t, res.stdout); d.ExitCode != exitWriteError || len(d.Results) != 1 {
		t.Errorf("document %+v: want exit code 8 and the result", d)
	}
	if out := readFile(t, r.ghOutput); out != "status=write-error\nfailed=0\nexit-code=8\nexecution-ids="+id+"\n" {
		t.Errorf("GITHUB_OUTPUT = %q", out)
	}
}

// TestE2EStdoutBlocked: a stdout that nobody reads (anchor-wait ... |
// sleep) does not hold the job past --timeout; the run fails and the
// reports are still written.
func TestE2EStdoutBlocked(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	id := srv.AddExecution(testTask, anchortest.Succeed(0, 100*time.Millisecond, strings.Repeat("x", 1<<20)))
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close() // never read
	defer pw.Close()
	r := newIORun(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	defer cancel()
	const timeout = 3 * time.Second
	cmd, stderr := r.command(ctx, pw, withFastPolls("--output", "json", "--timeout", timeout.String(), "--junit", r.junit, testTask, id)...)
	start := time.Now()
	code := exitOf(t, cmd, cmd.Run())
	took := time.Since(start)
	t.Logf("a stdout nobody reads, --timeout %v: exit %d after %v", timeout, code, took.Round(time.Millisecond))
	if code != exitWriteError || !strings.Contains(stderr.String(), "cannot write the results: stdout: nothing took what was written, past --timeout") {
		t.Errorf("exit %d, want %d and a message about stdout; stderr:\n%s", code, exitWriteError, stderr.String())
	}
	if took > timeout+writeGrace+ioGuard {
		t.Errorf("took %v, want about --timeout %v", took, timeout)
	}
	r.checkReports(1, exitWriteError)
}

// mkfifo makes a named pipe in a temporary directory.
func mkfifo(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return path
}

// holdFIFO opens both ends of the named pipe at path (Linux allows it
// without blocking) and keeps them open until the test ends: the binary
// then finds a writer that writes nothing, or a reader that reads nothing.
func holdFIFO(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Skipf("cannot hold both ends of a named pipe here: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// waitOpened waits until the process pid has the file at path open, as
// /proc shows, so that a signal sent next finds its handlers installed.
func waitOpened(t *testing.T, pid int, path string) {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no %s: %v", dir, err)
	}
	guard := time.Now().Add(procGuard)
	for time.Now().Before(guard) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if target, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && target == path {
				return
			}
		}
		time.Sleep(10 * time.Millisecond) // polling /proc for a condition, not a timing assumption
	}
	t.Fatalf("process %d never opened %s", pid, path)
}

// TestE2EAPIKeyFileFIFO: a named pipe as --api-key-file is read as its
// writer writes, and never hangs the job: no writer is a usage error at
// once, a writer that writes nothing is cut short by --timeout or SIGTERM.
func TestE2EAPIKeyFileFIFO(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	env := map[string]string{client.EnvBaseURL: srv.URL, "NO_COLOR": "1"}

	t.Run("no writer", func(t *testing.T) {
		t.Parallel()
		fifo := mkfifo(t, "key")
		start := time.Now()
		r := runBin(t, env, "", testTask, testExec, "--api-key-file", fifo)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--api-key-file "+quotePath(fifo)+" is a pipe that gave nothing") {
			t.Errorf("exit %d, stderr %q; want 2 and the pipe named", r.code, r.stderr)
		}
		if took := time.Since(start); took > ioGuard {
			t.Errorf("took %v, want at once", took)
		}
	})
	t.Run("a writer that keeps it open", func(t *testing.T) {
		t.Parallel()
		fifo := mkfifo(t, "key")
		f := holdFIFO(t, fifo)
		if _, err := f.WriteString(testKey + "\n"); err != nil {
			t.Fatal(err)
		}
		r := runBin(t, env, "", withFastPolls("--api-key-file", fifo, testTask, srv.AddExecution(testTask, quickSuccess()))...)
		if r.code != exitSuccess {
			t.Errorf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
		}
	})
	t.Run("a writer that writes nothing, until --timeout", func(t *testing.T) {
		t.Parallel()
		fifo := mkfifo(t, "key")
		holdFIFO(t, fifo)
		start := time.Now()
		r := runBin(t, env, "", "--timeout", "1s", "--api-key-file", fifo, testTask, testExec)
		took := time.Since(start)
		t.Logf("exit %d after %v", r.code, took.Round(time.Millisecond))
		if r.code != exitWaitTimeout || !strings.Contains(r.stderr, "--timeout 1s ran out while reading --api-key-file "+quotePath(fifo)) {
			t.Errorf("exit %d, stderr %q; want 3 and the pipe named", r.code, r.stderr)
		}
		if took > time.Second+ioGuard {
			t.Errorf("took %v, want about --timeout 1s", took)
		}
	})
	t.Run("a writer that writes nothing, until SIGTERM", func(t *testing.T) {
		t.Parallel()
		fifo := mkfifo(t, "key")
		holdFIFO(t, fifo)
		ctx, cancel := context.WithTimeout(context.Background(), procGuard)
		defer cancel()
		cmd := binCommand(t, ctx, env, "--timeout", "0", "--api-key-file", fifo, testTask, testExec)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitOpened(t, cmd.Process.Pid, fifo)
		start := time.Now()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		code := exitOf(t, cmd, cmd.Wait())
		t.Logf("exit %d %v after SIGTERM", code, time.Since(start).Round(time.Millisecond))
		if code != exitInterrupted || !strings.Contains(stderr.String(), "interrupted while reading --api-key-file") {
			t.Errorf("exit %d, stderr %q; want 130 and what was interrupted", code, stderr.String())
		}
		if took := time.Since(start); took > ioGuard {
			t.Errorf("took %v after SIGTERM, want at once", took)
		}
	})
}

// TestE2EJUnitFIFO: a named pipe as --junit never hangs the job: no
// reader is a usage error at once; a reader that reads nothing is given up
// on at --timeout, or soon after SIGTERM, and the other reports are still
// written.
func TestE2EJUnitFIFO(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	// An output bigger than a pipe's buffer: writing the report blocks.
	big := func() string {
		return srv.AddExecution(testTask, anchortest.Succeed(0, 100*time.Millisecond, strings.Repeat("y", 1<<20)))
	}

	t.Run("no reader", func(t *testing.T) {
		t.Parallel()
		fifo := mkfifo(t, "junit.xml")
		r := newIORun(t, srv.URL)
		start := time.Now()
		res := runBin(t, r.env, "", "--junit", fifo, testTask, testExec)
		if res.code != exitUsage || !strings.Contains(res.stderr, "cannot create --junit file "+quotePath(fifo)+": it is a named pipe that nobody reads") {
			t.Errorf("exit %d, stderr %q; want 2 and the pipe named", res.code, res.stderr)
		}
		if took := time.Since(start); took > ioGuard {
			t.Errorf("took %v, want at once", took)
		}
	})
	t.Run("a reader that reads nothing, until --timeout", func(t *testing.T) {
		t.Parallel()
		fifo := mkfifo(t, "junit.xml")
		holdFIFO(t, fifo)
		r := newIORun(t, srv.URL)
		const timeout = 3 * time.Second
		start := time.Now()
		res := runBin(t, r.env, "", withFastPolls("--timeout", timeout.String(), "--junit", fifo, testTask, big())...)
		took := time.Since(start)
		t.Logf("exit %d after %v", res.code, took.Round(time.Millisecond))
		if res.code != exitWriteError || !strings.Contains(res.stderr, "cannot write the JUnit report: "+quotePath(fifo)+": nothing took what was written, past --timeout") {
			t.Errorf("exit %d, want 8 and the report named; stderr:\n%s", res.code, res.stderr)
		}
		if took > timeout+writeGrace+ioGuard {
			t.Errorf("took %v, want about --timeout %v", took, timeout)
		}
		if !strings.Contains(res.stdout, "success") {
			t.Errorf("stdout has no results:\n%s", res.stdout)
		}
		if out := readFile(t, r.ghOutput); !strings.Contains(out, "exit-code=8\n") {
			t.Errorf("GITHUB_OUTPUT = %q, want exit code 8", out)
		}
	})
	t.Run("a reader that reads nothing, until SIGTERM", func(t *testing.T) {
		t.Parallel()
		fifo := mkfifo(t, "junit.xml")
		holdFIFO(t, fifo)
		r := newIORun(t, srv.URL)
		ctx, cancel := context.WithTimeout(context.Background(), procGuard)
		defer cancel()
		var stdout bytes.Buffer
		cmd := binCommand(t, ctx, r.env, withFastPolls("--timeout", "0", "--junit", fifo, testTask, big())...)
		stderr := newLineWriter()
		cmd.Stdout, cmd.Stderr = &stdout, stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Once the wait is over, the report is written and blocks; the
		// signal comes at that point or just before: either way it must end
		// the run promptly, with what is known reported.
		stderr.waitLine(t, "-> success")
		start := time.Now()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		code := exitOf(t, cmd, cmd.Wait())
		t.Logf("exit %d %v after SIGTERM", code, time.Since(start).Round(time.Millisecond))
		if code != exitInterrupted {
			t.Errorf("exit %d, want 130; stderr:\n%s", code, stderr.String())
		}
		if took := time.Since(start); took > writeGrace+ioGuard {
			t.Errorf("took %v after SIGTERM, want at most about %v", took, writeGrace)
		}
		if !strings.Contains(stdout.String(), "success") {
			t.Errorf("stdout has no results:\n%s", stdout.String())
		}
		if out := readFile(t, r.ghOutput); !strings.Contains(out, "exit-code=130\n") {
			t.Errorf("GITHUB_OUTPUT = %q, want exit code 130", out)
		}
	})
}

// TestE2EGitHubFilesFIFO: $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY must be
// regular files: a named pipe is a usage error at once, naming it, before
// any request.
func TestE2EGitHubFilesFIFO(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	for _, name := range []string{envGitHubOutput, envStepSummary} {
		t.Run(name, func(t *testing.T) {
			fifo := mkfifo(t, "gh")
			r := newIORun(t, srv.URL)
			r.env[name] = fifo
			start := time.Now()
			res := runBin(t, r.env, "", testTask, testExec)
			if want := name + " " + quotePath(fifo) + " is a named pipe: want the regular file the runner creates"; res.code != exitUsage || !strings.Contains(res.stderr, want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, want)
			}
			if took := time.Since(start); took > ioGuard {
				t.Errorf("took %v, want at once", took)
			}
			if !strings.Contains(res.stderr, "::error title=anchor-wait usage error::") {
				t.Errorf("no annotation for the usage error:\n%s", res.stderr)
			}
			if name == envStepSummary {
				if out := readFile(t, r.ghOutput); out != "status=usage\nfailed=0\nexit-code=2\nexecution-ids=\n" {
					t.Errorf("GITHUB_OUTPUT = %q, want the usage error's outputs", out)
				}
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the API, want none", n)
	}
}

// TestE2ESIGHUP: SIGHUP (a closed terminal, a runner going away) ends the
// wait like SIGTERM: exit 130, with the results and the JUnit report.
func TestE2ESIGHUP(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	done, running := srv.AddExecution(testTask, anchortest.Succeed(0, 50*time.Millisecond, "x")), srv.AddExecution(testTask, anchortest.Always(client.StatusRunning))
	r := newIORun(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	defer cancel()
	var stdout bytes.Buffer
	cmd := binCommand(t, ctx, r.env, withFastPolls("--output", "json", "--junit", r.junit, testTask, done, running)...)
	stderr := newLineWriter()
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stderr.waitLine(t, running+": ", "running")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if code := exitOf(t, cmd, cmd.Wait()); code != exitInterrupted {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr.String())
	}
	var d jsonDoc
	if err := json.Unmarshal(stdout.Bytes(), &d); err != nil || d.ExitCode != exitInterrupted || len(d.Results) != 2 {
		t.Errorf("stdout %q (%v): want both results and exit code 130", stdout.String(), err)
	}
	r.checkReports(2, exitInterrupted)
}
