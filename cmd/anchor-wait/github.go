package main

import (
	"fmt"
	"strings"
	"time"
)

// GitHub Actions environment variables.
const (
	envGitHubActions = "GITHUB_ACTIONS"
	envStepSummary   = "GITHUB_STEP_SUMMARY"
	envGitHubOutput  = "GITHUB_OUTPUT"
)

// inGitHubActions reports whether anchor-wait runs in a GitHub Actions job.
func inGitHubActions(getenv func(string) string) bool {
	return getenv(envGitHubActions) == "true"
}

// githubEnv is what a run in GitHub Actions writes besides stdout and
// stderr: the step summary and the step outputs, each nil when its
// variable is not set.
type githubEnv struct {
	summary *reportFile
	outputs *reportFile
}

// githubFrom returns the GitHub Actions files of the environment, nil
// outside GitHub Actions. A file that is there but not a regular file (a
// named pipe, say) is a usage error: the runner creates regular files, and
// anything else could hang the job.
func githubFrom(getenv func(string) string) (*githubEnv, error) {
	if !inGitHubActions(getenv) {
		return nil, nil
	}
	gh := &githubEnv{}
	for _, f := range []struct {
		env, what string
		rf        **reportFile
	}{
		{envStepSummary, "the step summary", &gh.summary},
		{envGitHubOutput, "the step outputs", &gh.outputs},
	} {
		path := getenv(f.env)
		if path == "" {
			continue
		}
		rf := &reportFile{what: f.what, path: path, regularOnly: true, append: true}
		if err := rf.checkPath(f.env); err != nil {
			return nil, err
		}
		*f.rf = rf
	}
	return gh, nil
}

// escapeData escapes the message of a workflow command.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value (such as title) of a workflow
// command.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// githubAnnotations returns one ::error:: workflow command per execution
// that did not succeed, each ending in a newline. The API's text goes
// through o's annotation seam.
func githubAnnotations(o *output, results []result) string {
	var b strings.Builder
	for _, r := range results {
		if r.succeeded() {
			continue
		}
		title := "Anchor execution " + r.ExecutionID + " " + r.outcome.String()
		msg := fmt.Sprintf("Execution %s of task %s ", r.ExecutionID, r.TaskID)
		switch r.outcome {
		case outcomeFailure, outcomeTimeout, outcomeCancelled:
			msg += "ended " + o.annotation(string(r.Status))
			if r.ErrorMessage != nil && *r.ErrorMessage != "" {
				msg += ": " + o.annotation(*r.ErrorMessage)
			}
		default:
			msg += "did not finish: " + o.annotation(r.detail())
		}
		fmt.Fprintf(&b, "::error title=%s::%s\n", escapeProperty(title), escapeData(msg))
	}
	return b.String()
}

// Limits of the step summary, which GitHub caps at 1 MiB a step: each
// output (or error message) shown at most blockBytes, all of them at most
// blocksBytes.
const (
	blockBytes  = 16 << 10
	blocksBytes = 512 << 10
)

// githubSummary returns the Markdown appended to $GITHUB_STEP_SUMMARY: a
// heading with the outcome, why the task could not be started (sf), a
// table of the executions, the closing line, and each execution's output
// and error message in a collapsed <details> block. The API's text goes
// through o's Markdown seams.
func githubSummary(o *output, results []result, code int, reason string, elapsed time.Duration, sf *startFailure) string {
	var b strings.Builder
	mark := "✅"
	if code != exitSuccess {
		mark = "❌"
	}
	fmt.Fprintf(&b, "### %s anchor-wait: %s\n\n", mark, o.markdownCell(reason, 200))
	fmt.Fprintf(&b, "Exit code %d after %s.\n\n", code, elapsed.Round(time.Second))
	if sf != nil {
		fmt.Fprintf(&b, "Could not start the task: %s\n\n", o.markdownCell(sf.message, 500))
	}
	if len(results) == 0 {
		return b.String()
	}
	b.WriteString("| Execution | Status | Execution time | Waited | Polls | Detail |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		status := string(r.Status)
		if status == "" {
			status = "-"
		}
		if !r.succeeded() && r.outcome != outcomeFailure && r.outcome != outcomeTimeout && r.outcome != outcomeCancelled {
			status += " (" + r.outcome.String() + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %d | %s |\n", r.ExecutionID, o.markdownCell(status, 120), r.duration(), r.waitedText(), r.Polls, o.markdownCell(r.detail(), 120))
	}
	b.WriteString("\n" + closingLine(results) + "\n\n")
	budget, left := blocksBytes, 0
	for _, r := range results {
		var blocks []string
		if r.Output != nil && *r.Output != "" {
			blocks = append(blocks, "Output:\n\n"+o.markdownBlock(*r.Output, blockBytes))
		}
		if r.ErrorMessage != nil && *r.ErrorMessage != "" {
			blocks = append(blocks, "Error message:\n\n"+o.markdownBlock(*r.ErrorMessage, blockBytes))
		}
		if len(blocks) == 0 {
			continue
		}
		text := strings.Join(blocks, "\n")
		if len(text) > budget {
			left++
			continue
		}
		budget -= len(text)
		fmt.Fprintf(&b, "<details><summary><code>%s</code> %s</summary>\n\n%s\n</details>\n\n", r.ExecutionID, o.markdownCell(string(r.Status), 40), text)
	}
	if left > 0 {
		fmt.Fprintf(&b, "The outputs of %s are left out of this summary (it has a size limit): see `--output json` or `--junit`.\n\n", executions(left))
	}
	return b.String()
}

// githubOutputs returns the step outputs written to $GITHUB_OUTPUT:
// status (the one-word outcome of the run), failed (how many executions did
// not succeed) and exit-code.
func githubOutputs(results []result, code int) string {
	failed := 0
	for _, r := range results {
		if !r.succeeded() {
			failed++
		}
	}
	return fmt.Sprintf("status=%s\nfailed=%d\nexit-code=%d\n", statusWord(code), failed, code)
}
