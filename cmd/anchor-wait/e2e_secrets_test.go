package main

// End-to-end tests of the built binary with a long API key, and on a
// terminal.

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// TestE2ELongKeyNeverShown feeds a key longer than any cut anchor-wait
// makes wherever a key could be echoed: as an argument, on stdin, in the
// API's error messages, as a wrong key. runBin scans all output for any
// part of it.
func TestE2ELongKeyNeverShown(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	longSrv := anchortest.NewServer(anchortest.WithAPIKey(longKey), anchortest.WithTemplate(quickSuccess()))
	t.Cleanup(longSrv.Close)
	long := map[string]string{client.EnvAPIKey: longKey, client.EnvBaseURL: longSrv.URL}
	wrongLong := map[string]string{client.EnvAPIKey: longKey, client.EnvBaseURL: srv.URL}
	// The key straddles the cuts of an error message at 60, 120 and 200
	// characters.
	leaky := longSrv.AddExecution(testTask, anchortest.Fail(0, 100*time.Millisecond, strings.Repeat("x", 50)+" "+longKey+" "+strings.Repeat("y", 40)+" "+longKey))
	tests := []struct {
		name  string
		env   map[string]string
		stdin string
		args  []string
		want  int
	}{
		{"as an execution ID", long, "", []string{exampleID, longKey}, exitUsage},
		{"as the task ID", long, "", []string{longKey, exampleID}, exitUsage},
		{"on stdin", long, longKey + "\n", []string{exampleID, "-"}, exitUsage},
		{"as a flag value", long, "", []string{"--timeout", longKey, exampleID, exampleID}, exitUsage},
		{"in the API's error message", long, "", withFastPolls("--verbose", testTask, leaky), exitFailure},
		{"in the API's error message, as JSON", long, "", withFastPolls("--output", "json", testTask, leaky), exitFailure},
		{"in the API's error message, as GitHub annotations", withGitHub(t, long), "", withFastPolls(testTask, leaky), exitFailure},
		{"as a wrong key", wrongLong, "", withFastPolls("--verbose", testTask, srv.AddExecution(testTask, quickSuccess())), exitAPIError},
		{"as the right key, verbose", long, "", runArgs("--verbose", "--count", "2", testTask), exitSuccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runBin(t, tt.env, tt.stdin, tt.args...) // scans stdout and stderr
			if r.code != tt.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.want, r.stdout, r.stderr)
			}
			if tt.want == exitUsage && !strings.Contains(r.stderr, " characters, not shown>") {
				t.Errorf("stderr %q: want the value described by its length", r.stderr)
			}
		})
	}
}

// withGitHub returns env with GitHub Actions on and its files in a temp
// directory; the files are scanned for the keys when the test ends.
func withGitHub(t *testing.T, env map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	m := map[string]string{envGitHubActions: "true", envStepSummary: dir + "/summary.md", envGitHubOutput: dir + "/output"}
	for k, v := range env {
		m[k] = v
	}
	t.Cleanup(func() {
		if b, err := os.ReadFile(m[envStepSummary]); err == nil {
			assertNoSecrets(t, "the step summary", string(b))
		}
	})
	return m
}

// scriptPath is util-linux script, which runs a command on a new terminal;
// the terminal tests are skipped without it.
func scriptPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script command to run anchor-wait on a terminal")
	}
	return p
}

// runOnTerminal runs the binary with args on a new terminal (stdin, stdout
// and stderr), feeding it stdin, and returns all it wrote there.
func runOnTerminal(t *testing.T, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	return runOnTerminalAfter(t, "", env, stdin, args...)
}

// runOnTerminalAfter is runOnTerminal with the shell command setup run on
// the terminal first, such as stty to set its size.
func runOnTerminalAfter(t *testing.T, setup string, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	defer cancel()
	line := quoteShell(binary(t))
	if setup != "" {
		line = setup + "; exec " + line
	}
	for _, a := range args {
		line += " " + quoteShell(a)
	}
	cmd := exec.CommandContext(ctx, scriptPath(t), "-qec", line, "/dev/null")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TERM=xterm", "NO_COLOR=1"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("%v did not end: %v\n%s", args, err, out)
	}
	assertNoSecrets(t, "the terminal", string(out))
	return string(out)
}

// quoteShell quotes s for sh.
func quoteShell(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestE2ETerminalResultsOwnLines: with --output jsonl on a terminal, each
// result starts a line of its own instead of running into the live line.
func TestE2ETerminalResultsOwnLines(t *testing.T) {
	t.Parallel()
	srv := newFake(t, anchortest.WithTemplate(quickSuccess()))
	out := runOnTerminal(t, fakeEnv(srv), "", runArgs("--count", "2", "--output", "jsonl", testTask)...)
	if n := strings.Count(out, `{"taskId":`); n != 2 {
		t.Fatalf("%d results on the terminal, want 2:\n%q", n, out)
	}
	// A result follows a line break or the clearing of the live line.
	if m := regexp.MustCompile(`[^\n]...\{"taskId":`).FindAllString(out, -1); len(m) > 0 {
		for _, s := range m {
			if !strings.HasSuffix(s, "\r\x1b[K"+`{"taskId":`) {
				t.Errorf("a result runs into the live line (%q):\n%q", s, out)
			}
		}
	}
	if !strings.Contains(out, "\r\x1b[K"+`{"taskId":`) {
		t.Errorf("no live line was cleared before a result:\n%q", out)
	}
}

// TestE2EStdinTerminalHint: reading IDs from a terminal says so, and how to
// end; stdin that is not a terminal gets no such line (TestE2EStdinIDs).
func TestE2EStdinTerminalHint(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	id := srv.AddExecution(testTask, quickSuccess())
	out := runOnTerminal(t, fakeEnv(srv), id+"\n", withFastPolls("--quiet", testTask, "-")...)
	if !strings.Contains(out, strings.TrimSuffix(stdinHint, "\n")) {
		t.Errorf("no hint about reading stdin on the terminal:\n%q", out)
	}
	if !strings.Contains(out, id+"  success") {
		t.Errorf("the ID typed on the terminal was not waited for:\n%q", out)
	}
}

// TestE2ETerminalWidth: on a narrow terminal the live line is cut to fit,
// so it never wraps.
func TestE2ETerminalWidth(t *testing.T) {
	t.Parallel()
	srv := newFake(t, anchortest.WithTemplate(anchortest.Succeed(300*time.Millisecond, 1500*time.Millisecond, "ok")))
	out := runOnTerminalAfter(t, "stty cols 30", fakeEnv(srv), "", runArgs("--count", "3", testTask)...)
	live, cut := 0, 0
	for _, seg := range strings.Split(out, "\r\x1b[K") {
		// A line of its own may come first; the live line is what follows.
		if i := strings.LastIndexByte(seg, '\n'); i >= 0 {
			seg = seg[i+1:]
		}
		if seg == "" {
			continue
		}
		live++
		if n := utf8.RuneCountInString(seg); n > 29 {
			t.Errorf("live line of %d characters on a 30-column terminal: %q", n, seg)
		}
		if strings.HasSuffix(seg, "...") {
			cut++
		}
	}
	if live == 0 || cut == 0 {
		t.Errorf("%d live lines drawn, %d of them cut; want some cut to fit:\n%q", live, cut, out)
	}
}

// TestE2ETerminalDumb: TERM=dumb gets no escape codes at all, not even the
// live line's.
func TestE2ETerminalDumb(t *testing.T) {
	t.Parallel()
	srv := newFake(t, anchortest.WithTemplate(quickSuccess()))
	env := fakeEnv(srv)
	env["TERM"] = "dumb"
	env["NO_COLOR"] = "" // colors would be on but for TERM=dumb
	out := runOnTerminal(t, env, "", runArgs("--count", "2", testTask)...)
	if strings.Contains(out, "\x1b") {
		t.Errorf("escape codes with TERM=dumb:\n%q", out)
	}
	if !strings.Contains(out, "-> success") || !strings.Contains(out, "2 executions in") {
		t.Errorf("no progress lines with TERM=dumb:\n%q", out)
	}
}
