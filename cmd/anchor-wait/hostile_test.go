//go:build unix

package main

// The hostile table (internal/faultmatrix, HostileCases) in CLI mode: the
// built binary against internal/hostile, a server that attacks on purpose,
// in real time on loopback, with every report it can write.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/internal/faultmatrix"
	"github.com/anchorwait/anchorwait/internal/hostile"
	"github.com/anchorwait/anchorwait/internal/runnercmd"
)

func TestHostileCLI(t *testing.T) {
	t.Parallel()
	for _, c := range faultmatrix.HostileCases() {
		formats := c.Formats
		if formats == nil {
			formats = []string{formatJSON}
		}
		for _, format := range formats {
			t.Run(c.Name+"/"+format, func(t *testing.T) {
				t.Parallel()
				runHostileCLI(t, c, format)
			})
		}
	}
}

// runHostileCLI runs one hostile case through the binary with --output
// format and checks it.
func runHostileCLI(t *testing.T, c faultmatrix.HostileCase, format string) {
	r := c.CLI
	var second *hostile.Server
	secondURL := ""
	if c.Second {
		second = hostile.NewServer(hostile.Hang())
		defer second.Close()
		secondURL = second.URL()
	}
	srv := hostile.NewServer(c.Serve(secondURL)...)
	defer srv.Close()

	dir := t.TempDir()
	files := map[string]string{
		"the JUnit report": filepath.Join(dir, "junit.xml"),
		"the step summary": filepath.Join(dir, "summary.md"),
		"the step outputs": filepath.Join(dir, "outputs"),
	}
	env := map[string]string{
		client.EnvAPIKey:  faultmatrix.HostileKey,
		client.EnvBaseURL: c.Base.URL(srv.URL()),
		envGitHubActions:  "true",
		envStepSummary:    files["the step summary"],
		envGitHubOutput:   files["the step outputs"],
	}
	if c.Proxy {
		for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"} {
			env[k] = secondURL
		}
	}
	// Lists off, as in the library's runs: every request is the
	// attacked poll.
	args := []string{"--output", format, "--junit", files["the JUnit report"], "--verbose", "--no-history", "--no-sweeps",
		"--interval", faultmatrix.HostileInterval.String(), "--max-interval", faultmatrix.HostileMaxInterval.String(),
		"--timeout", r.Timeout.String(), faultmatrix.TaskID}
	if c.Start {
		args = append([]string{"run"}, args...)
	} else {
		args = append(args, faultmatrix.HostileExecution)
	}

	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	defer cancel()
	cmd := binCommand(t, ctx, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	peak := func() (int64, bool) { return 0, false }
	if r.MaxRSS > 0 && !r.Interrupt {
		peak = withPeakRSS(t, cmd)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if r.Interrupt {
		waitForHostileRequests(srv, 1)
		start = time.Now()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	err := cmd.Wait()
	took := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %v: %v", args, err)
	}
	code := cmd.ProcessState.ExitCode()
	out, errOut := stdout.String(), stderr.String()
	show := func() string { return "\nstdout:\n" + out + "\nstderr:\n" + errOut }

	if code != r.Exit {
		t.Errorf("exit %d, want %d%s", code, r.Exit, show())
	}
	if took > r.MaxTime {
		t.Errorf("took %v, want at most %v", took, r.MaxTime)
	}
	if n := len(srv.Requests()); n < r.MinRequests || n > r.MaxRequests {
		t.Errorf("the server read %d requests, want %d to %d", n, r.MinRequests, r.MaxRequests)
	}
	if second != nil {
		if n := len(second.Requests()) + second.Conns(); n != 0 {
			t.Errorf("the second server saw %d requests and %d connections, want none", len(second.Requests()), second.Conns())
		}
	}
	for _, s := range r.Says {
		if !strings.Contains(out+errOut, s) {
			t.Errorf("the output does not say %q%s", s, show())
		}
	}
	if r.MaxRSS > 0 {
		if rss, ok := peak(); ok {
			t.Logf("peak RSS %d MiB", rss>>20)
			if rss > r.MaxRSS {
				t.Errorf("peak RSS %d MiB, want at most %d MiB", rss>>20, r.MaxRSS>>20)
			}
		}
	}

	// The key is nowhere, and nothing written holds a live command or a
	// raw control character.
	texts := map[string]string{"stdout": out, "stderr": errOut}
	for what, path := range files {
		b, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		texts[what] = string(b)
	}
	for what, text := range texts {
		if leaks := faultmatrix.HostileKeyLeaks(text); len(leaks) > 0 {
			t.Errorf("%s holds the key as %q:\n%s", what, leaks, text)
		}
		for _, p := range faultmatrix.CheckHostileText(text, false) {
			t.Errorf("%s: %s", what, p)
		}
	}
	errorCommands := 0
	for _, cmd := range runnercmd.Commands(errOut) {
		if cmd.Name == "error" {
			errorCommands++
		}
	}
	if want := min(code, 1); errorCommands != want {
		t.Errorf("%d error annotations on stderr, want %d (one for the execution, or the start, that did not succeed)%s", errorCommands, want, show())
	}

	// JSON on stdout is neutralized, yet decodes to what the API sent.
	if check := c.Library.Check; check != nil && (format == formatJSON || format == formatJSONL) {
		for _, e := range decodedExecutions(t, format, out) {
			if err := check(e); err != nil {
				t.Errorf("decoded from stdout: %v", err)
			}
		}
	}
	t.Logf("exit %d in %v, %d requests", code, took.Round(time.Millisecond), len(srv.Requests()))
}

// decodedExecutions decodes the results on stdout, in format json or
// jsonl, as executions.
func decodedExecutions(t *testing.T, format, stdout string) []*client.Execution {
	t.Helper()
	type res struct {
		Output       *string `json:"output"`
		ErrorMessage *string `json:"errorMessage"`
	}
	var rs []res
	if format == formatJSON {
		var doc struct{ Results []res }
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("stdout is not the JSON document: %v", err)
		}
		rs = doc.Results
	} else {
		for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
			var r res
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("line %q is not JSON: %v", line, err)
			}
			rs = append(rs, r)
		}
	}
	out := make([]*client.Execution, len(rs))
	for i, r := range rs {
		out[i] = &client.Execution{Output: r.Output, ErrorMessage: r.ErrorMessage}
	}
	return out
}

// waitForHostileRequests returns once srv has read n requests, or after a
// minute (a guard, not a timing assumption).
func waitForHostileRequests(srv *hostile.Server, n int) {
	guard := time.Now().Add(time.Minute)
	for len(srv.Requests()) < n && time.Now().Before(guard) {
		time.Sleep(5 * time.Millisecond)
	}
}
