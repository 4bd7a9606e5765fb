package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/client"
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

// The runner's limits (actions/runner, src/Runner.Worker: IssueCommand
// and FileCommandManager): at most 10 annotations of each type per step
// are shown, a message is cut at 4096 characters, and a step summary may
// hold 1 MiB.
const (
	maxAnnotations     = 10
	maxAnnotationChars = 4000 // below the runner's 4096, with room for the command
)

// annotate writes a GitHub ::error workflow command to stderr, with the
// title and message made safe through o's seams, unless the step's
// annotations are used up; it reports whether it wrote one.
func (o *output) annotate(title, msg string) bool {
	o.mu.Lock()
	if o.annotations >= maxAnnotations {
		o.mu.Unlock()
		return false
	}
	o.annotations++
	o.mu.Unlock()
	fmt.Fprintf(o.stderr, "::error title=%s::%s\n", o.commandProperty(title), o.commandData(msg, maxAnnotationChars))
	return true
}

// annotationsLeft is how many annotations the step may still show.
func (o *output) annotationsLeft() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return maxAnnotations - o.annotations
}

// githubAnnotations writes one ::error workflow command per execution that
// did not succeed, as many as the step shows; when there are more, the
// last one it may write says how many are left out.
func githubAnnotations(o *output, results []result) {
	var failed []*result
	for i := range results {
		if !results[i].succeeded() {
			failed = append(failed, &results[i])
		}
	}
	room := o.annotationsLeft()
	for i, r := range failed {
		if i == room-1 && len(failed) > room {
			left := len(failed) - i
			o.annotate("Anchor executions left out",
				fmt.Sprintf("%s%s did not succeed; GitHub shows %d error annotations a step, so theirs are left out: see the step summary, --junit or --output json", executions(left), ofTask(r.TaskID), maxAnnotations))
			return
		}
		title := "Anchor " + r.noun() + " " + r.ExecutionID + " " + r.outcome.String()
		msg := capitalized(r.subject()) + " "
		switch r.outcome {
		case outcomeFailure, outcomeTimeout, outcomeCancelled:
			msg += "ended " + string(r.Status)
			if r.ErrorMessage != nil && *r.ErrorMessage != "" {
				msg += ": " + *r.ErrorMessage
			}
		default:
			msg += "did not finish: " + r.detail()
		}
		if !o.annotate(title, msg) {
			return
		}
	}
}

// Limits of the step summary, which GitHub caps at 1 MiB a step: each
// output (or error message) is shown at most blockBytes of it, the table
// takes at most tableBytes, the whole summary at most summaryBytes (room
// is left for what other tools of the step write).
const (
	blockBytes   = 16 << 10
	tableBytes   = 400 << 10
	summaryBytes = 900 << 10
)

// githubSummary returns the Markdown appended to $GITHUB_STEP_SUMMARY: a
// heading with the outcome, why the task could not be started (sf), a
// table of the executions, the closing line, and each execution's output
// and error message in a collapsed <details> block. The API's text goes
// through o's Markdown seams. What does not fit GitHub's limit is left
// out, and the summary says so.
func githubSummary(o *output, results []result, code int, reason string, elapsed time.Duration, sf *startFailure) string {
	var b strings.Builder
	mark := "✅"
	if code != exitSuccess {
		mark = "❌"
	}
	fmt.Fprintf(&b, "### %s anchor-wait: %s\n\n", mark, markdownText(o.excerpt(reason, 200)))
	fmt.Fprintf(&b, "Exit code %d after %s.\n\n", code, elapsed.Round(time.Second))
	if sf != nil {
		fmt.Fprintf(&b, "Could not start the task: %s\n\n", o.markdownCell(sf.message, 500))
	}
	if len(results) == 0 {
		return b.String()
	}
	b.WriteString("| " + idHeading(results) + " | Status | Execution time | Waited | Polls | Detail |\n|---|---|---|---|---|---|\n")
	tableEnd := b.Len() + tableBytes
	for i, r := range results {
		status := string(r.Status)
		if status == "" {
			status = "-"
		}
		if !r.succeeded() && r.outcome != outcomeFailure && r.outcome != outcomeTimeout && r.outcome != outcomeCancelled {
			status += " (" + r.outcome.String() + ")"
		}
		row := fmt.Sprintf("| `%s` | %s | %s | %s | %d | %s |\n", r.ExecutionID, o.markdownCell(status, 120), r.duration(), r.waitedText(), r.Polls, o.markdownCell(r.detail(), 120))
		if b.Len()+len(row) > tableEnd {
			fmt.Fprintf(&b, "\n%s left out of this table: GitHub takes 1 MiB of step summary a step (see --output json or --junit).\n", leftOut(len(results)-i))
			break
		}
		b.WriteString(row)
	}
	b.WriteString("\n" + markdownText(closingLine(results)) + "\n")
	left := 0
	for _, r := range results {
		blocks := summaryBlock(o, "Output", r.ExecutionID, r.Status, r.Output, r.outputBytes) +
			summaryBlock(o, "Error message", r.ExecutionID, r.Status, r.ErrorMessage, r.errorBytes)
		if blocks == "" {
			continue
		}
		if b.Len()+len(blocks) > summaryBytes {
			left++
			continue
		}
		b.WriteString(blocks)
	}
	if left > 0 {
		fmt.Fprintf(&b, "\nThe outputs of %s are left out of this summary: GitHub takes 1 MiB of step summary a step (see --output json or --junit).\n\n", executions(left))
	}
	return b.String()
}

// leftOut says "one execution is" or "N executions are".
func leftOut(n int) string {
	if n == 1 {
		return "One execution is"
	}
	return fmt.Sprintf("%d executions are", n)
}

// summaryBlock is the folded block of the step summary that shows text,
// the output or error message (what) of an execution, "" when there is
// none. full is the size the API sent when text is only its start (see
// result.keepExcerpts). A note follows the block when it is cut.
func summaryBlock(o *output, what, execID string, status client.Status, text *string, full int) string {
	if text == nil || *text == "" {
		return ""
	}
	shown := string(status)
	if shown == "" {
		shown = "no status"
	}
	block := o.details(fmt.Sprintf("%s of %s (%s)", what, execID, shown), *text, blockBytes)
	size := max(full, len(*text))
	if size > blockBytes {
		block += fmt.Sprintf("The %s of `%s` is cut here at %d KiB: it has %d KiB, all of it in --output json.\n\n", strings.ToLower(what), execID, blockBytes>>10, (size+1023)>>10)
	}
	return block
}

// markdownText returns s, text of anchor-wait's own on one line, as
// Markdown text that shows it as it is: neutralized, with each character
// that could start emphasis, code, a link, an image, HTML, an entity or a
// cell boundary backslash-escaped, as CommonMark allows.
func markdownText(s string) string {
	var b strings.Builder
	for _, r := range safeLine(s) {
		if strings.ContainsRune("!#&*<>[\\]_`|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// githubOutputs returns the step outputs written to $GITHUB_OUTPUT:
// status (the one-word outcome of the run), failed (how many executions did
// not succeed), exit-code, and execution-ids (the executions waited for,
// separated by spaces).
func githubOutputs(results []result, code int) string {
	failed := 0
	ids := make([]string, 0, len(results))
	for _, r := range results {
		if !r.succeeded() {
			failed++
		}
		ids = append(ids, r.ExecutionID)
	}
	return fmt.Sprintf("status=%s\nfailed=%d\nexit-code=%d\nexecution-ids=%s\n", statusWord(code), failed, code, strings.Join(ids, " "))
}
