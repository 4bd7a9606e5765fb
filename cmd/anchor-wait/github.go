package main

import (
	"fmt"
	"io"
	"os"
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
// that did not succeed, each ending in a newline.
func githubAnnotations(results []result) string {
	var b strings.Builder
	for _, r := range results {
		if r.succeeded() {
			continue
		}
		title := "Anchor execution " + r.ExecutionID + " " + r.outcome.String()
		msg := fmt.Sprintf("Execution %s of task %s ", r.ExecutionID, r.TaskID)
		switch r.outcome {
		case outcomeFailure, outcomeTimeout, outcomeCancelled:
			msg += "ended " + string(r.Status)
			if r.ErrorMessage != nil && *r.ErrorMessage != "" {
				msg += ": " + *r.ErrorMessage
			}
		default:
			msg += "did not finish: " + r.detail()
		}
		fmt.Fprintf(&b, "::error title=%s::%s\n", escapeProperty(title), escapeData(msg))
	}
	return b.String()
}

// markdownCell makes s safe inside a markdown table cell.
func markdownCell(s string) string {
	s = excerpt(s, 120)
	return strings.NewReplacer("|", `\|`, "`", "'", "<", "&lt;", ">", "&gt;").Replace(s)
}

// githubSummary returns the markdown appended to $GITHUB_STEP_SUMMARY: a
// heading with the outcome, then a table of the executions.
func githubSummary(results []result, code int, elapsed time.Duration) string {
	var b strings.Builder
	mark := "✅"
	if code != exitSuccess {
		mark = "❌"
	}
	fmt.Fprintf(&b, "### %s anchor-wait: %s\n\n", mark, exitReason(code, outcomesOf(results)))
	fmt.Fprintf(&b, "Exit code %d after %s.\n\n", code, elapsed.Round(time.Second))
	b.WriteString("| Execution | Status | Duration | Polls | Detail |\n|---|---|---|---|---|\n")
	for _, r := range results {
		status := string(r.Status)
		if status == "" {
			status = "-"
		}
		if !r.succeeded() && r.outcome != outcomeFailure && r.outcome != outcomeTimeout && r.outcome != outcomeCancelled {
			status += " (" + r.outcome.String() + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %d | %s |\n", r.ExecutionID, markdownCell(status), r.duration(), r.Polls, markdownCell(r.detail()))
	}
	b.WriteString("\n")
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

// writeGitHub does what GitHub Actions jobs get at the end of a run:
// annotations on stderr (the runner reads workflow commands from both
// streams, and stdout carries only results), the summary table and the
// step outputs. Problems with the files are reported on stderr; they do not
// change the exit code.
func writeGitHub(getenv func(string) string, stderr io.Writer, results []result, code int, elapsed time.Duration) {
	if a := githubAnnotations(results); a != "" {
		io.WriteString(stderr, a)
	}
	if path := getenv(envStepSummary); path != "" {
		if err := appendFile(path, githubSummary(results, code, elapsed)); err != nil {
			fmt.Fprintf(stderr, "anchor-wait: cannot write the step summary: %s\n", oneLine(err.Error()))
		}
	}
	if path := getenv(envGitHubOutput); path != "" {
		if err := appendFile(path, githubOutputs(results, code)); err != nil {
			fmt.Fprintf(stderr, "anchor-wait: cannot write the step outputs: %s\n", oneLine(err.Error()))
		}
	}
}

// appendFile appends s to the file at path, creating it if needed.
func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
