package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// output is the one layer through which anchor-wait writes anything:
// stdout, stderr, the live progress line and the report files (--junit,
// $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY). It redacts secrets, here and
// nowhere else: in every write, and in the seams (line, lines, excerpt,
// commandData, commandProperty, markdownCell, details, json) that make
// text from the server or from errors safe for where it goes, before any
// of it is cut. The standard log package's output comes through it too
// (stdLog).
//
// A failed write to stdout or to a report file is recorded, and fails the
// run (exit 8, see finalCode); stdout is then left alone, and the reports
// are still written. A write that may block (a pipe, a terminal) is given
// up on at the end of --timeout (writeGrace after it at most, for the
// reports of a run that --timeout ended), or writeGrace after an
// interrupt, so that nothing hangs the job.
//
// It is safe for concurrent use.
type output struct {
	red    *redactor
	limits *writeLimits
	stdout *stream
	stderr *stream

	mu          sync.Mutex
	failures    []string // what could not be written: "the results to stdout (broken pipe)"
	cutShort    bool     // an interrupt cut a write short
	annotations int      // GitHub workflow annotations written
}

// newOutput returns the output layer over stdout and stderr.
func newOutput(stdout, stderr io.Writer) *output {
	o := &output{red: &redactor{}, limits: &writeLimits{}}
	o.stdout = &stream{out: o, name: "stdout", w: stdout, bounded: mayBlock(stdout), critical: true}
	o.stderr = &stream{out: o, name: "stderr", w: stderr, bounded: mayBlock(stderr)}
	return o
}

// addSecret makes the layer blank out s, in any form it may be printed in,
// from now on.
func (o *output) addSecret(s string) { o.red.add(s) }

// redact returns s with every secret blanked out.
func (o *output) redact(s string) string { return o.red.redact(s) }

// setDeadline bounds every later write that may block by t, the end of
// --timeout; the zero time leaves them unbounded by time.
func (o *output) setDeadline(t time.Time) {
	o.limits.mu.Lock()
	defer o.limits.mu.Unlock()
	o.limits.deadline = t
}

// setInterrupt makes a blocked write give up writeGrace after done is
// closed.
func (o *output) setInterrupt(done <-chan struct{}) {
	o.limits.mu.Lock()
	defer o.limits.mu.Unlock()
	o.limits.interrupt = done
}

// Stdout returns the writer of results.
func (o *output) Stdout() io.Writer { return o.stdout }

// Stderr returns the writer of progress and messages.
func (o *output) Stderr() io.Writer { return o.stderr }

// errorf writes "anchor-wait: " and the message as one line on stderr.
// Text from the server or from errors must come through line or excerpt.
func (o *output) errorf(format string, args ...any) {
	fmt.Fprintf(o.stderr, "anchor-wait: "+format+"\n", args...)
}

// stdLog returns the writer for the standard log package, through which
// net/http logs what it cannot return as an error (bytes a server sent
// unasked on an idle connection, quoted). Each line of each message goes to
// stderr as "anchor-wait: " and the line, redacted and neutralized.
func (o *output) stdLog() io.Writer { return stdLogWriter{o} }

// stdLogWriter is the writer of output.stdLog.
type stdLogWriter struct{ o *output }

func (w stdLogWriter) Write(p []byte) (int, error) {
	text := strings.TrimSuffix(w.o.redact(string(p)), "\n")
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		b.WriteString("anchor-wait: " + safeLine(line) + "\n")
	}
	if _, err := io.WriteString(w.o.stderr, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// fail records that what (the results, a report) could not be written
// to where (stdout, a path), and says so on stderr.
func (o *output) fail(what, where string, err error) {
	o.mu.Lock()
	reason := osReason(err)
	o.failures = append(o.failures, what+" to "+where+" ("+reason+")")
	if errors.Is(err, errInterruptedWrite) {
		o.cutShort = true
	}
	o.mu.Unlock()
	o.errorf("cannot write %s: %s: %s", what, where, o.line(reason))
}

// failureText says what could not be written: "the results to stdout
// (broken pipe)".
func (o *output) failureText() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.failures, ", ")
}

// finalCode returns code as the failed writes make it: 8 when one failed
// (unless code is more urgent), 130 when an interrupt cut one short.
func (o *output) finalCode(code int) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.failures) > 0 {
		code = worse(code, exitWriteError)
	}
	if o.cutShort {
		code = worse(code, exitInterrupted)
	}
	return code
}

// The seams. Text from the server, or from an error (which may quote the
// server), goes through one of these for the context it is written in;
// each redacts it whole first, so a secret is never cut and left
// unrecognized, then neutralizes it (see safe.go).

// line returns s safe inside a line on a terminal or in a log.
func (o *output) line(s string) string { return safeLine(o.redact(s)) }

// lines returns s, which may span lines, safe for a file people read (the
// JUnit report): each line as line makes it.
func (o *output) lines(s string) string { return safeLines(o.redact(s)) }

// excerpt returns s as line does, with runs of white space made one space,
// cut to n characters with "…" when longer.
func (o *output) excerpt(s string, n int) string { return safeExcerpt(o.redact(s), n) }

// commandData returns s as the message of a GitHub workflow command, such
// as ::error::MESSAGE: on one line, cut to n characters (saying so), and
// escaped as the runner unescapes it.
func (o *output) commandData(s string, n int) string { return safeCommandData(o.redact(s), n) }

// commandProperty returns s as the value of a property of a GitHub
// workflow command, such as its title.
func (o *output) commandProperty(s string) string { return safeCommandProperty(o.redact(s)) }

// markdownCell returns s safe inside a cell of a Markdown table, cut to n
// characters.
func (o *output) markdownCell(s string, n int) string { return safeMarkdownCell(o.redact(s), n) }

// details returns body as a folded block of Markdown under summary, the
// escaped body cut to maxBytes bytes.
func (o *output) details(summary, body string, maxBytes int) string {
	return safeDetails(o.redact(summary), o.redact(body), maxBytes)
}

// json returns b, JSON that json.Marshal wrote, redacted and with every
// string in it safe to print, decoding to the same values.
func (o *output) json(b []byte) []byte { return safeJSON([]byte(o.redact(string(b)))) }

// stream is stdout or stderr behind the layer. Once a write has failed,
// later writes are dropped.
type stream struct {
	out      *output
	name     string
	w        io.Writer
	bounded  bool // writes may block, so each is bounded
	critical bool // a failed write fails the run

	mu  sync.Mutex
	err error
}

func (s *stream) Write(p []byte) (int, error) {
	text := s.out.redact(string(p))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	if err := s.out.limits.write(s.w, []byte(text), s.bounded); err != nil {
		s.err = err
		if s.critical {
			s.out.fail("the results", s.name, err)
		}
		return 0, err
	}
	return len(p), nil
}

// writeGrace is how long a write that blocks is waited for when it began
// near or past the end of --timeout, or after an interrupt: long enough for
// a reader that reads, short enough that nothing hangs the job.
const writeGrace = 2 * time.Second

// minWriteWait is how long any write is waited for, however late: a
// reader that reads takes it at once.
const minWriteWait = 100 * time.Millisecond

// Errors of a write given up on.
var (
	errBlockedWrite     = errors.New("nothing took what was written, past --timeout")
	errInterruptedWrite = errors.New("nothing took what was written, after an interrupt")
)

// writeLimits bound the writes that may block: one that begins well
// before the deadline is given up on at the deadline; none is waited for
// past writeGrace after the deadline, or after the first interrupt a
// blocked write sees.
type writeLimits struct {
	mu            sync.Mutex
	deadline      time.Time       // zero: none
	interrupt     <-chan struct{} // nil: never
	interruptedAt time.Time       // when a blocked write first saw the interrupt
}

// write writes p to w. When bounded, the write runs on a goroutine of its
// own and is given up on as writeLimits says (but never before
// minWriteWait); the goroutine is then left blocked, to end with the
// process.
func (l *writeLimits) write(w io.Writer, p []byte, bounded bool) error {
	if !bounded {
		_, err := w.Write(p)
		return err
	}
	l.mu.Lock()
	deadline, interrupt := l.deadline, l.interrupt
	l.mu.Unlock()
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(p)
		done <- err
	}()
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		// Before the deadline, a write is waited for until the deadline,
		// or writeGrace if that is later; never past writeGrace after it.
		base := time.Now()
		if base.After(deadline) {
			base = deadline
		}
		giveUp := base.Add(writeGrace)
		if giveUp.Before(deadline) {
			giveUp = deadline
		}
		t := time.NewTimer(max(time.Until(giveUp), minWriteWait))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case err := <-done:
		return err
	case <-timeout:
		return errBlockedWrite
	case <-interrupt:
	}
	l.mu.Lock()
	if l.interruptedAt.IsZero() {
		l.interruptedAt = time.Now()
	}
	at := l.interruptedAt
	l.mu.Unlock()
	t := time.NewTimer(max(time.Until(at.Add(writeGrace)), minWriteWait))
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-timeout:
		return errBlockedWrite
	case <-t.C:
		return errInterruptedWrite
	}
}

// mayBlock reports whether a write to w may block for as long as a reader
// likes: w is a file other than a regular one (a pipe, a terminal). Writes
// to memory or to a regular file do not.
func mayBlock(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	st, err := f.Stat()
	return err != nil || !st.Mode().IsRegular()
}
