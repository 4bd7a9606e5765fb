package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// waiter is everything one wait needs, checked before any request: built
// by newWaiter (the demo builds the same with waiterFor), used by startRuns,
// waitFor and reportResults.
type waiter struct {
	poll   pollFlags
	report reportFlags
	taskID string
	// poller makes every request of the command, starts and polls alike,
	// within one budget (--concurrency, --rate, the pause after a 429).
	poller   *poller.Poller
	out      *output
	progress *progress
	stdout   io.Writer   // results: the layer's stdout, around the live line
	junit    *reportFile // nil without --junit; opened early so a bad path is a usage error
	outputs  *outputDir  // nil without --output-dir
	github   *githubEnv  // nil outside GitHub Actions
	start    time.Time   // when the command began; --timeout counts from it
	// startFailure says why the task could not be started, all of it or
	// some; nil when it was (or nothing was to be started).
	startFailure *startFailure
	// startRequests counts, by execution ID, the requests that started
	// the execution (run): they count in its polls.
	startRequests map[string]int
	// hooks receives webhook events (--webhook-listen); nil without.
	hooks *webhookServer
}

// pollerOptions returns the poller's options for the flags, with onUpdate
// as its callback. It is the only place that turns flags into poller
// options.
func pollerOptions(o *pollFlags, onUpdate func(poller.Update)) []poller.Option {
	opts := []poller.Option{
		poller.WithInitialInterval(o.interval),
		poller.WithMaxInterval(o.maxInterval),
		poller.WithNotFoundGrace(o.notFoundGrace),
		poller.WithStall(o.stall),
		poller.WithConcurrency(o.concurrency),
		poller.WithRate(o.rate),
		poller.WithFailFast(o.failFast),
		poller.WithHistory(!o.noHistory),
		poller.WithListSweeps(!o.noSweeps),
		poller.WithOnUpdate(onUpdate),
	}
	if o.pageSize > 0 { // 0 for the commands without --page-size: the poller's default
		opts = append(opts, poller.WithPageSize(o.pageSize))
	}
	return append(opts, o.webhook.pollerOptions()...)
}

// apiKey loads the API key (see loadAPIKey) and has the output layer
// blank it out from now on.
func (e *cliEnv) apiKey(ctx context.Context, o *pollFlags) (string, error) {
	key, err := loadAPIKey(ctx, o.apiKeyFile, e.getenv)
	if err != nil {
		return "", err
	}
	e.out.addSecret(key)
	return key, nil
}

// newWaiter checks what a wait needs before any request (the base URL,
// the poll options, the GitHub Actions files) and builds the waiter, with
// its client, for task taskID.
func (e *cliEnv) newWaiter(key, taskID string, poll *pollFlags, report *reportFlags, start time.Time) (*waiter, error) {
	baseURL, err := baseURLFrom(poll, e.getenv)
	if err != nil {
		return nil, err
	}
	c, err := newClient(key, baseURL)
	if err != nil {
		return nil, err
	}
	gh, err := githubFrom(e.getenv)
	if err != nil {
		return nil, err
	}
	w, err := e.waiterFor(taskID, c, poll, report, start)
	if err != nil {
		return nil, err
	}
	w.github = gh
	return w, nil
}

// waiterFor builds the waiter of task taskID on api, with the progress
// display the flags and the terminal call for. Its error, for poll
// options the poller refuses, is a usage error.
func (e *cliEnv) waiterFor(taskID string, api poller.API, poll *pollFlags, report *reportFlags, start time.Time) (*waiter, error) {
	mode := progressLines
	dumb := e.getenv("TERM") == "dumb"
	switch {
	case report.quiet:
		mode = progressOff
	case e.terminal && !dumb:
		mode = progressLive
	}
	color := !report.noColor && e.getenv("NO_COLOR") == "" && !dumb
	prog := newProgress(e.out, mode, report.verbose, color)
	prog.width = e.width
	p, err := poller.New(api, pollerOptions(poll, func(u poller.Update) { prog.update(asExecutionUpdate(u)) })...)
	if err != nil {
		return nil, usagef("%s", oneLine(err.Error()))
	}
	return &waiter{
		poll: *poll, report: *report, taskID: strings.ToLower(taskID), poller: p,
		out: e.out, progress: prog, stdout: prog.results(e.out.Stdout()), start: start,
	}, nil
}

// openReports opens the --junit file and the --output-dir directory, if
// asked for, before any request, so a bad path is a usage error rather
// than a surprise at the end.
func (w *waiter) openReports() error {
	if w.report.outputDir != "" {
		d, err := openOutputDir(w.report.outputDir)
		if err != nil {
			return err
		}
		w.outputs = d
	}
	if w.report.junit == "" {
		return nil
	}
	rf := &reportFile{what: "the JUnit report", path: w.report.junit}
	if err := openReport(rf, "--junit"); err != nil {
		return err
	}
	w.junit = rf
	return nil
}

// close closes what the waiter holds open, as when the run ended before
// writing it, and stops the webhook receiver.
func (w *waiter) close() {
	w.junit.close()
	w.hooks.stop()
}

// newClient builds the API client; its errors are usage errors (a key with
// spaces in it, say) that never contain the key.
func newClient(key, baseURL string) (*client.Client, error) {
	c, err := client.New(key,
		client.WithBaseURL(baseURL),
		client.WithUserAgent("anchor-wait/"+toolVersion()))
	if err != nil {
		return nil, usagef("%s", oneLine(err.Error()))
	}
	return c, nil
}

// baseURLFrom picks the API server: --base-url, else ANCHORBROWSER_BASE_URL,
// else the default; and checks it.
func baseURLFrom(o *pollFlags, getenv func(string) string) (string, error) {
	raw, source := o.baseURL, "--base-url"
	if raw == "" {
		raw, source = getenv(client.EnvBaseURL), client.EnvBaseURL
	}
	if raw == "" {
		return client.DefaultBaseURL, nil
	}
	if _, err := client.ParseBaseURL(raw); err != nil {
		return "", usagef("%s: %s", source, oneLine(err.Error()))
	}
	return raw, nil
}

// waitFor waits for the executions ids within ctx (which carries
// --timeout), writes the results to stdout and the reports, and returns
// them with the exit code. Each result is taken as its wait ends: with
// --output jsonl its line is written then (on the poller's worker, which
// polls nothing meanwhile; a write that blocks is bounded by the output
// layer), and but for --output json, which prints every output at the end,
// only bounded excerpts of its output and error message are kept (see
// result.keepExcerpts).
func (w *waiter) waitFor(ctx context.Context, ids []string) ([]result, int) {
	refs := make([]poller.Ref, len(ids))
	for i, id := range ids {
		refs[i] = poller.Ref{TaskID: w.taskID, ExecutionID: id}
	}
	return w.waitRefs(ctx, refs)
}

// waitRefs is waitFor for any refs: executions of w's task, executions by
// ID alone, or v2 runs (see poller.Ref).
func (w *waiter) waitRefs(ctx context.Context, refs []poller.Ref) ([]result, int) {
	var stream *jsonlStream
	if w.report.output == formatJSONL {
		stream = newJSONLStream(w.out, w.stdout)
	}
	ids := make([]string, len(refs))
	for i, ref := range refs {
		ids[i] = refID(ref)
	}
	results := make([]result, len(refs))
	handed := 0
	unreadable := map[string]bool{} // the fields noteUnreadable said already
	w.progress.beginWith(waitingLine(w.taskID, refs), ids)
	w.hooks.began()
	err := w.poller.WaitEach(ctx, refs, func(i int, pr poller.Result) {
		handed++
		pr, kind := w.asExecutionResult(pr)
		w.noteUnreadable(pr, unreadable)
		r := resultOf(pr, w.startRequests[pr.ExecutionID], w.poll.timeout)
		r.setKind(kind, pr.Run)
		w.outputs.save(w.out, ids[i], refs[i].RunID != "", r.Output, r.ErrorMessage) // whole, before any cut
		if stream != nil {
			stream.emit(r)
		}
		if w.report.output != formatJSON {
			r.keepExcerpts(w.out)
		}
		results[i] = r
	})
	w.progress.end()
	w.hooks.stop() // no event matters any more; its summary comes before the results'
	if handed == 0 && len(ids) > 0 && err != nil {
		// The poller refused the refs before any request: an ID, say
		// (the command line's are checked before, so this is a bug).
		w.out.errorf("%s", w.out.line(err.Error()))
		if isUsage(err) {
			return nil, w.out.finalCode(exitUsage)
		}
		return nil, w.out.finalCode(exitAPIError)
	}
	return results, w.reportResults(results, stream)
}

// noteUnreadable says on stderr, once per field for the whole run, that the
// API sent a field of pr's execution in a form it does not document (see
// client.Execution.Unreadable): the results show it as null. said holds
// the fields said already.
func (w *waiter) noteUnreadable(pr poller.Result, said map[string]bool) {
	if pr.Execution == nil {
		return
	}
	for _, name := range pr.Execution.Unreadable {
		if said[name] {
			continue
		}
		said[name] = true
		w.out.errorf("the API sent %s of execution %s in a form it does not document: it is shown as null (said once for the run)",
			w.out.line(name), pr.ExecutionID)
	}
}

// reportResults writes the results in every form asked for, and a summary
// line to stderr, and returns the exit code. The reports come first, so
// that they are written whatever happens to stdout: the JUnit report and
// the step summary, then stdout, then the step outputs, whose exit-code=
// is the one the run exits with.
func (w *waiter) reportResults(results []result, stream *jsonlStream) int {
	elapsed := time.Since(w.start)
	outcomes := outcomesOf(results)
	code := exitCode(outcomes)
	if sf := w.startFailure; sf != nil {
		if len(results) == 0 {
			code = sf.code
		} else {
			code = worse(code, sf.code)
		}
	}
	code = w.out.finalCode(code)

	if w.junit != nil {
		w.out.writeReport(w.junit, junitXML(w.out, results, w.start, elapsed, w.startFailure))
		w.junit = nil
	}
	if w.github != nil && w.github.summary != nil {
		w.out.writeReport(w.github.summary, githubSummary(w.out, results, code, w.reason(code, outcomes, thingsOf(results)), elapsed, w.startFailure))
	}
	code = w.out.finalCode(code)

	switch {
	case stream != nil:
		stream.finish(results)
	case w.report.output == formatJSONL:
		newJSONLStream(w.out, w.stdout).finish(results)
	case w.report.output == formatJSON:
		writeJSON(w.out, w.stdout, results, code, w.startFailure)
	default:
		writeText(w.out, w.stdout, results)
	}
	code = w.out.finalCode(code)

	if w.github != nil {
		githubAnnotations(w.out, results)
		if w.github.outputs != nil {
			w.out.writeReport(w.github.outputs, githubOutputs(results, code))
		}
		code = w.out.finalCode(code)
	}
	if w.progress.mode != progressOff && (len(results) > 0 || w.startFailure != nil) {
		reason := w.reason(code, outcomes, thingsOf(results))
		if len(results) == 0 {
			fmt.Fprintf(w.out.Stderr(), "no execution to wait for; exit %d: %s\n", code, reason)
		} else {
			fmt.Fprintf(w.out.Stderr(), "%s in %s: %s; exit %d: %s\n", thingsOf(results)(len(results)), clock(elapsed),
				finishedCounts(results), code, reason)
		}
	}
	return code
}

// reason explains code: by the executions' outcomes when they explain it,
// else by what does (a failed start, a failed write).
func (w *waiter) reason(code int, outcomes []outcome, things func(int) string) string {
	if r := exitReason(code, outcomes, things); r != "" {
		return r
	}
	switch {
	case code == exitWriteError:
		return "could not write " + w.out.failureText()
	case w.startFailure != nil && w.startFailure.code == code:
		return w.startFailure.reason()
	case code == exitInterrupted:
		return "interrupted while writing the reports"
	}
	return statusWord(code)
}
