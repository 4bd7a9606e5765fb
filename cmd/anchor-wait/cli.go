package main

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/anchorwait/anchorwait/client"
)

// run is anchor-wait: it picks the command, parses its options, runs it
// and returns the exit code. stdout gets results only; stderr gets
// progress and errors; getenv looks up environment variables. ctx ends at
// the first interrupt. Nothing in it calls os.Exit, so tests call it
// directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	out := newOutput(stdout, stderr)
	out.addSecret(strings.TrimSpace(getenv(client.EnvAPIKey)))
	out.setInterrupt(ctx.Done())
	if setStdLog != nil {
		setStdLog(out.stdLog())
	}
	e := &cliEnv{out: out, stdin: stdin, getenv: getenv, terminal: isTerminal(stderr), width: terminalWidth(stderr)}

	def, rest := commandFor(args)
	o, err := def.parse(rest)
	var help *helpRequest
	switch {
	case errors.As(err, &help):
		io.WriteString(out.Stdout(), helpText(help.cmd))
		return out.finalCode(exitSuccess)
	case err != nil:
		return out.finalCode(e.fail(err))
	}
	return out.finalCode(def.run(ctx, e, o))
}

// setStdLog, when not nil, sends the standard log package's output to w.
// main sets it: the log package is the process's, and tests run the
// command many times at once in one process.
var setStdLog func(w io.Writer)

// cliEnv is what every command runs with: the output layer, stdin, the
// environment and the terminal.
type cliEnv struct {
	out      *output
	stdin    io.Reader
	getenv   func(string) string
	terminal bool       // stderr is a terminal
	width    func() int // its width in columns, 0 when unknown
	timeout  time.Duration
}

// errWaitTimeout is the cause of the context that --timeout ends.
var errWaitTimeout = errors.New("--timeout ran out")

// withTimeout returns ctx ended by --timeout d, if d is not 0, with
// errWaitTimeout as the cause; the output layer bounds its writes by the
// same deadline.
func (e *cliEnv) withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	e.timeout = d
	if d > 0 {
		e.out.setDeadline(time.Now().Add(d))
	}
	return timeoutContext(ctx, d)
}

// timeoutContext returns ctx ended after d, if d is not 0, with
// errWaitTimeout as the cause.
func timeoutContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, d, errWaitTimeout)
}

// github reports whether anchor-wait runs in a GitHub Actions job.
func (e *cliEnv) github() bool { return inGitHubActions(e.getenv) }

// fail reports err, which ended a command before any result, as one line
// on stderr and returns its exit code: 2 for usage errors (in GitHub
// Actions also an annotation and the step outputs), 3 or 130 for a local
// read that --timeout or a signal cut short, else 4 (the API could not
// answer).
func (e *cliEnv) fail(err error) int {
	var se *stoppedError
	switch {
	case isUsage(err):
		msg := e.out.line(err.Error())
		e.out.errorf("%s", msg)
		if e.github() {
			e.githubUsage(msg)
		}
		return exitUsage
	case errors.As(err, &se) && errors.Is(se.cause, errWaitTimeout):
		e.out.errorf("--timeout %v ran out while %s", e.timeout, se.doing)
		return exitWaitTimeout
	case errors.As(err, &se):
		e.out.errorf("interrupted while %s", se.doing)
		return exitInterrupted
	}
	e.out.errorf("%s", e.out.line(err.Error()))
	return exitAPIError
}

// isUsage reports whether err is bad usage, exit 2: a usage error of the
// command line, or the library refusing an ID or a request before sending
// it (client.ErrInvalidID, client.ErrInvalidRequest). It is the one place
// where the library's typed errors become exit 2.
func isUsage(err error) bool {
	var ue *usageError
	return errors.As(err, &ue) || errors.Is(err, client.ErrInvalidID) || errors.Is(err, client.ErrInvalidRequest)
}

// githubUsage writes what a GitHub Actions job gets for a usage error: an
// annotation, and the step outputs with exit code 2.
func (e *cliEnv) githubUsage(msg string) {
	e.out.annotate("anchor-wait usage error", msg)
	if path := e.getenv(envGitHubOutput); path != "" {
		rf := &reportFile{what: "the step outputs", path: path, regularOnly: true, append: true}
		if rf.checkPath(envGitHubOutput) == nil {
			e.out.writeReport(rf, githubOutputs(nil, exitUsage))
		}
	}
}

// isTerminal reports whether f, a stream such as stdin or stderr, is a
// terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && file != nil && term.IsTerminal(int(file.Fd()))
}

// terminalWidth returns a function that asks the terminal f is for its
// width in columns, each time (it may be resized), 0 when f is none.
func terminalWidth(f any) func() int {
	file, ok := f.(*os.File)
	if !ok || file == nil {
		return func() int { return 0 }
	}
	fd := int(file.Fd())
	return func() int {
		w, _, err := term.GetSize(fd)
		if err != nil {
			return 0
		}
		return w
	}
}
