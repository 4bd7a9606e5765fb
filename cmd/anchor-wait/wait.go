package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/anchorwait/anchorwait/poller"
)

// errWaitTimeout is the cause of the context that --timeout ends.
var errWaitTimeout = errors.New("--timeout ran out")

// waiter is everything one wait needs, checked before any request: built by
// prepare, used by wait. The demo builds the same thing.
type waiter struct {
	opts     options
	taskID   string
	getter   poller.API
	progress *progress
	stdout   io.Writer
	stderr   io.Writer
	redact   func(string) string
	junit    *os.File // nil without --junit; opened early so a bad path is a usage error
	github   bool     // write the GitHub Actions annotations and files
	getenv   func(string) string

	// priorOutcomes count towards the exit code without a result, such
	// as a failure to start one of the runs of run --count.
	priorOutcomes []outcome
}

// pollerOptions returns the poller's options for the flags, with onUpdate
// as its callback.
func pollerOptions(o *options, onUpdate func(poller.Update)) []poller.Option {
	return []poller.Option{
		poller.WithInitialInterval(o.interval),
		poller.WithMaxInterval(o.maxInterval),
		poller.WithConcurrency(o.concurrency),
		poller.WithRate(o.rate),
		poller.WithFailFast(o.failFast),
		poller.WithOnUpdate(onUpdate),
	}
}

// checkPollerOptions returns a usage error when the poller would refuse
// the flags, so that is known before any request.
func checkPollerOptions(o *options, g poller.API) error {
	if _, err := poller.New(g, pollerOptions(o, nil)...); err != nil {
		return usagef("%s", oneLine(err.Error()))
	}
	return nil
}

// withTimeout returns ctx ended by --timeout, if one is set, with
// errWaitTimeout as the cause.
func (w *waiter) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if w.opts.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, w.opts.timeout, errWaitTimeout)
}

// wait waits for the executions ids, within --timeout, writes the results
// to stdout (and the JUnit and GitHub files), and returns them with the
// exit code.
func (w *waiter) wait(ctx context.Context, ids []string) ([]result, int) {
	start := time.Now()
	ctx, cancel := w.withTimeout(ctx)
	defer cancel()
	return w.waitWithin(ctx, ids, start)
}

// waitWithin is wait when ctx carries --timeout already; the run began at
// start.
func (w *waiter) waitWithin(ctx context.Context, ids []string, start time.Time) ([]result, int) {
	var stream *jsonlStream
	if w.opts.output == formatJSONL {
		stream = newJSONLStream(w.stdout)
	}
	lastErrs := &pollErrors{}
	onUpdate := func(u poller.Update) {
		lastErrs.record(u)
		w.progress.update(u)
		if stream != nil && u.Kind == poller.UpdateDone {
			end := waitEnd{exec: u.Execution, polls: u.Requests, err: u.Err, lastPollErr: lastErrs.last(u.ExecutionID)}
			stream.emit(newResult(u.TaskID, u.ExecutionID, end, w.opts.timeout, w.redact))
		}
	}
	p, err := poller.New(w.getter, pollerOptions(&w.opts, onUpdate)...)
	if err != nil { // checked by checkPollerOptions already
		fmt.Fprintf(w.stderr, "anchor-wait: %s\n", oneLine(err.Error()))
		return nil, exitUsage
	}
	refs := make([]poller.Ref, len(ids))
	for i, id := range ids {
		refs[i] = poller.Ref{TaskID: w.taskID, ExecutionID: id}
	}
	w.progress.begin(w.taskID, ids)
	all, _ := p.WaitAll(ctx, refs) // the results say what happened to each
	w.progress.end()
	results := make([]result, len(all))
	for i, r := range all {
		end := waitEnd{exec: r.Execution, polls: r.Requests, err: r.Err, lastPollErr: lastErrs.last(r.ExecutionID)}
		results[i] = newResult(r.TaskID, r.ExecutionID, end, w.opts.timeout, w.redact)
	}
	code := w.report(results, stream, time.Since(start), start)
	return results, code
}

// pollErrors keeps the error of the last poll of each execution that came
// back with an error, from the poller's updates. It is safe for concurrent
// use.
type pollErrors struct {
	mu   sync.Mutex
	errs map[string]error
}

// record notes what u says about the last poll of its execution.
func (pe *pollErrors) record(u poller.Update) {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	switch u.Kind {
	case poller.UpdateRetry:
		if pe.errs == nil {
			pe.errs = map[string]error{}
		}
		pe.errs[u.ExecutionID] = u.Err
	case poller.UpdatePoll, poller.UpdateStatusChange:
		delete(pe.errs, u.ExecutionID)
	}
}

// last returns the error of the last poll of execution id, nil if it
// brought a status or none failed.
func (pe *pollErrors) last(id string) error {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	return pe.errs[id]
}

// report writes the results in every form asked for, and a summary line to
// stderr, and returns the exit code.
func (w *waiter) report(results []result, stream *jsonlStream, elapsed time.Duration, start time.Time) int {
	outcomes := append(outcomesOf(results), w.priorOutcomes...)
	code := exitCode(outcomes)
	var err error
	switch {
	case stream != nil:
		err = stream.finish(results)
	case w.opts.output == formatJSONL:
		err = newJSONLStream(w.stdout).finish(results)
	default:
		err = writeResults(w.stdout, w.opts.output, results, code)
	}
	if err != nil {
		fmt.Fprintf(w.stderr, "anchor-wait: cannot write the results: %s\n", oneLine(err.Error()))
	}
	if w.junit != nil {
		err := writeJUnit(w.junit, junitReport(results, start, elapsed))
		if cerr := w.junit.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(w.stderr, "anchor-wait: cannot write the JUnit report: %s\n", oneLine(err.Error()))
		}
		w.junit = nil
	}
	if w.github {
		writeGitHub(w.getenv, w.stderr, results, code, elapsed)
	}
	if w.progress.mode != progressOff && len(results) > 0 {
		fmt.Fprintf(w.stderr, "%s in %s: %s; exit %d: %s\n", executions(len(results)), clock(elapsed),
			finishedCounts(results), code, exitReason(code, outcomes))
	}
	return code
}

// finishedCounts counts results by outcome: "4 success, 1 failure".
func finishedCounts(results []result) string {
	order := []outcome{outcomeSuccess, outcomeFailure, outcomeTimeout, outcomeCancelled,
		outcomeAPIError, outcomeWaitTimeout, outcomeInterrupted, outcomeStopped}
	counts := map[outcome]int{}
	for _, r := range results {
		counts[r.outcome]++
	}
	s := ""
	for _, o := range order {
		if counts[o] == 0 {
			continue
		}
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%d %s", counts[o], o)
	}
	if s == "" {
		return "none"
	}
	return s
}
