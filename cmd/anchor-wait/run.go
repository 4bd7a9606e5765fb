package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/anchorwait/anchorwait/client"
)

// run is anchor-wait: it parses args, does the command and returns the exit
// code. stdout gets results only; stderr gets progress and errors. getenv
// looks up environment variables. Nothing in it calls os.Exit, so tests call
// it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	live := isTerminal(stderr)
	red := &redactor{}
	red.add(strings.TrimSpace(getenv(client.EnvAPIKey)))
	stdout, stderr = red.writer(stdout), red.writer(stderr)

	cmd, o, positional, err := parseArgs(args)
	var help *helpRequest
	switch {
	case errors.As(err, &help):
		io.WriteString(stdout, helpText(help.cmd))
		return exitSuccess
	case err != nil:
		return fail(stderr, err)
	}
	switch {
	case cmd == cmdVersion, cmd == cmdWait && o.showVersion:
		io.WriteString(stdout, versionText())
		return exitSuccess
	}
	if err := checkOptions(&o); err != nil {
		return fail(stderr, err)
	}
	mode := progressLines
	switch {
	case o.quiet:
		mode = progressOff
	case live:
		mode = progressLive
	}
	color := !o.noColor && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
	prog := newProgress(stderr, mode, o.verbose, color, red.redact)
	stdout = prog.results(stdout)
	if cmd == cmdDemo {
		if len(positional) > 0 {
			return fail(stderr, usagef("demo takes no arguments, got %s: want anchor-wait demo [flags]", quoteValue(positional[0])))
		}
		return runDemo(ctx, o, prog, stdout, stderr, red)
	}

	w, c, err := prepare(cmd, &o, positional, getenv, red)
	if err != nil {
		return fail(stderr, err)
	}
	w.progress, w.stdout, w.stderr = prog, stdout, stderr
	defer w.closeJUnit()
	if cmd == cmdRun {
		if err := w.openJUnit(); err != nil {
			return fail(stderr, err)
		}
		return runTask(ctx, w, c)
	}
	// --timeout covers reading the IDs too: a producer that never closes
	// the pipe must not hang the job.
	start := time.Now()
	tctx, cancel := w.withTimeout(ctx)
	defer cancel()
	ids, err := executionIDs(tctx, positional[1:], stdin, stderr)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			fmt.Fprintf(stderr, "anchor-wait: %s\n", oneLine(err.Error()))
			return exitInterrupted
		case context.Cause(tctx) == errWaitTimeout:
			fmt.Fprintf(stderr, "anchor-wait: --timeout %v ran out while reading execution IDs from stdin\n", w.opts.timeout)
			return exitWaitTimeout
		}
		return fail(stderr, err)
	}
	if err := w.openJUnit(); err != nil {
		return fail(stderr, err)
	}
	_, code := w.waitWithin(tctx, ids, start)
	return code
}

// prepare checks everything a wait or run command needs before any request
// is sent: the arguments, the key, the base URL, the poll options and the
// JUnit file. It returns the waiter and the client.
func prepare(cmd command, o *options, positional []string, getenv func(string) string, red *redactor) (*waiter, *client.Client, error) {
	switch {
	case len(positional) == 0 && cmd == cmdRun:
		return nil, nil, usagef("no task ID: want anchor-wait run [flags] TASK_ID")
	case len(positional) == 0:
		return nil, nil, usagef("no task ID: want anchor-wait [flags] TASK_ID EXECUTION_ID... (or TASK_ID - to read the IDs from stdin)")
	case cmd == cmdRun && len(positional) > 1:
		return nil, nil, usagef("run takes one TASK_ID, got %d arguments: want anchor-wait run [flags] TASK_ID", len(positional))
	case cmd == cmdWait && len(positional) == 1:
		return nil, nil, usagef("no execution ID after the task ID: want anchor-wait [flags] TASK_ID EXECUTION_ID... (or TASK_ID - to read the IDs from stdin)")
	}
	switch c := command(positional[0]); {
	case cmd == cmdWait && (c == cmdRun || c == cmdDemo || c == cmdHelp || c == cmdVersion):
		return nil, nil, usagef("%s must come first, before any flag: want anchor-wait %s [flags]...", c, c)
	}
	key, err := loadAPIKey(o.apiKeyFile, getenv)
	if err != nil {
		return nil, nil, err
	}
	red.add(key)
	if err := checkUUID("task ID", positional[0]); err != nil {
		return nil, nil, err
	}
	if cmd == cmdWait {
		for _, id := range positional[1:] {
			if id != stdinMarker {
				if err := checkUUID("execution ID", id); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	baseURL, err := baseURLFrom(o, getenv)
	if err != nil {
		return nil, nil, err
	}
	c, err := newClient(key, baseURL, o)
	if err != nil {
		return nil, nil, err
	}
	if err := checkPollerOptions(o, c); err != nil {
		return nil, nil, err
	}
	w := &waiter{
		opts:   *o,
		taskID: strings.ToLower(positional[0]),
		getter: c,
		redact: red.redact,
		github: inGitHubActions(getenv),
		getenv: getenv,
	}
	return w, c, nil
}

// openJUnit creates the --junit file, if asked for, before any request, so
// a bad path is a usage error rather than a surprise at the end.
func (w *waiter) openJUnit() error {
	if w.opts.junit == "" {
		return nil
	}
	f, err := os.Create(w.opts.junit)
	if err != nil {
		return usagef("cannot create --junit file %s: %s: want a writable path", quotePath(w.opts.junit), osReason(err))
	}
	w.junit = f
	return nil
}

// newClient builds the API client; its errors are usage errors (a key with
// spaces in it, say) that never contain the key.
func newClient(key, baseURL string, o *options) (*client.Client, error) {
	c, err := client.New(key,
		client.WithBaseURL(baseURL),
		client.WithUserAgent("anchor-wait/"+toolVersion()))
	if err != nil {
		return nil, usagef("%s", oneLine(err.Error()))
	}
	return c, nil
}

// closeJUnit closes the JUnit file if the run ended before writing it.
func (w *waiter) closeJUnit() {
	if w.junit != nil {
		w.junit.Close()
		w.junit = nil
	}
}

// fail prints err as one line on stderr and returns its exit code: 2 for
// usage errors, else 4 (the API could not answer).
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "anchor-wait: %s\n", oneLine(err.Error()))
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitAPIError
}

// isTerminal reports whether f, a stream such as stdin or stderr, is a
// terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && file != nil && term.IsTerminal(int(file.Fd()))
}
