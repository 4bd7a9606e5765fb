package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGitHubAnnotations(t *testing.T) {
	var stderr bytes.Buffer
	o := newOutput(io.Discard, &stderr)
	githubAnnotations(o, sampleResults())
	got := stderr.String()
	want := "::error title=Anchor execution " + idB + " failure::Execution " + idB + " of task " + testTask + " ended failure: selector #pay%0Anot found\n" +
		"::error title=Anchor execution " + idC + " wait-timeout::Execution " + idC + " of task " + testTask + " did not finish: --timeout 1m0s ran out before the execution finished (last status running)\n" +
		"::error title=Anchor execution " + exampleID + " api-error::Execution " + exampleID + " of task " + testTask + " did not finish: wait for execution: API answered 401 Unauthorized: bad key\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	stderr.Reset()
	if githubAnnotations(o, sampleResults()[:1]); stderr.Len() != 0 {
		t.Errorf("a success got annotations %q, want none", stderr.String())
	}
}

func TestWriteGitHubFiles(t *testing.T) {
	dir := t.TempDir()
	summary := filepath.Join(dir, "summary.md")
	output := filepath.Join(dir, "output")
	// The runner may have written to them already: anchor-wait appends.
	if err := os.WriteFile(output, []byte("earlier=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{envGitHubActions: "true", envStepSummary: summary, envGitHubOutput: output})
	if !inGitHubActions(env) || inGitHubActions(envOf(map[string]string{envGitHubActions: "false"})) {
		t.Fatal("inGitHubActions does not follow GITHUB_ACTIONS=true")
	}
	results := sampleResults()
	results[0].Output = ptr("a | b")
	var stderr bytes.Buffer
	if code := reportGitHub(t, env, &stderr, results, 75*time.Second); code != exitAPIError {
		t.Errorf("exit code %d, want %d", code, exitAPIError)
	}
	if n := strings.Count(stderr.String(), "::error title="); n != 3 {
		t.Errorf("stderr has %d annotations, want 3:\n%s", n, stderr.String())
	}
	out, err := os.ReadFile(output)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range results {
		ids = append(ids, r.ExecutionID)
	}
	if got, want := string(out), "earlier=1\nstatus=api-error\nfailed=3\nexit-code=4\nexecution-ids="+strings.Join(ids, " ")+"\n"; got != want {
		t.Errorf("GITHUB_OUTPUT = %q, want %q", got, want)
	}
	md, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"### ❌ anchor-wait: the API could not answer for one execution\n",
		"Exit code 4 after 1m15s.",
		"| Execution | Status | Execution time | Waited | Polls | Detail |\n|---|---|---|---|---|---|\n",
		"| `" + idA + "` | ` success ` | 1.2s | 3s | 4 | ` a \\| b ` |\n",
		"| `" + idB + "` | ` failure ` | 4s | 5s | 6 | ` selector #pay not found ` |\n",
		"| `" + idC + "` | ` running (wait-timeout) ` | - | 1m0s | 9 |",
		"| `" + exampleID + "` | ` - (api-error) ` | - | 200ms | 1 |",
		"\n4 executions: 1 success, 1 failure, 1 api-error, 1 wait-timeout; exec time of 2 min 1.2s, median 2.6s, max 4s\n",
		"\n<details><summary>Output of " + idA + " (success)</summary>\n\n<pre>\na | b\n</pre>\n\n</details>\n\n",
		"\n<details><summary>Error message of " + idB + " (failure)</summary>\n\n<pre>\nselector #pay\nnot found\n</pre>\n\n</details>\n\n",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary does not contain %q:\n%s", want, md)
		}
	}
	// A second run appends.
	reportGitHub(t, env, &stderr, results[:1], time.Second)
	md, _ = os.ReadFile(summary)
	if strings.Count(string(md), "| Execution |") != 2 || !strings.Contains(string(md), "### ✅ anchor-wait: the execution succeeded") {
		t.Errorf("second summary not appended:\n%s", md)
	}
}

func TestWriteGitHubBadPath(t *testing.T) {
	env := envOf(map[string]string{envGitHubActions: "true", envGitHubOutput: filepath.Join(t.TempDir(), "no", "dir", "out")})
	var stderr bytes.Buffer
	code := reportGitHub(t, env, &stderr, sampleResults()[:1], time.Second)
	if !strings.Contains(stderr.String(), "anchor-wait: cannot write the step outputs:") {
		t.Errorf("stderr %q: want a warning about the step outputs", stderr.String())
	}
	if code != exitWriteError {
		t.Errorf("exit code %d, want %d: a report that could not be written fails the run", code, exitWriteError)
	}
}

// reportGitHub reports results as a run in GitHub Actions with env would,
// after elapsed, and returns the exit code.
func reportGitHub(t *testing.T, env func(string) string, stderr io.Writer, results []result, elapsed time.Duration) int {
	t.Helper()
	gh, err := githubFrom(env)
	if err != nil {
		t.Fatal(err)
	}
	o := newOutput(io.Discard, stderr)
	w := &waiter{out: o, progress: newProgress(o, progressOff, false, false), stdout: o.Stdout(), github: gh,
		start: time.Now().Add(-elapsed), report: reportFlags{output: formatText}}
	return w.reportResults(results, nil)
}
