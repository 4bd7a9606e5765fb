package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// output is the one layer through which anchor-wait writes anything:
// stdout, stderr, the live progress line and the report files (--junit,
// $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY). It redacts secrets, here and
// nowhere else: in every write, and in the seams (line, excerpt,
// annotation, markdownCell, markdownBlock) that make text from the server
// or from errors safe for where it goes, before any of it is cut.
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

	mu       sync.Mutex
	failures []string // what could not be written: "the results to stdout (broken pipe)"
	cutShort bool     // an interrupt cut a write short
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
// unrecognized.

// line returns s safe inside a line on a terminal or in a log.
func (o *output) line(s string) string { return safeLine(o.redact(s)) }

// excerpt returns s as line does, with runs of white space made one space,
// cut to n characters with "..." when longer.
func (o *output) excerpt(s string, n int) string {
	return cut(strings.Join(strings.Fields(o.line(s)), " "), n)
}

// annotation returns s safe inside the message of a GitHub workflow
// command (the command's own escaping, escapeData, follows).
func (o *output) annotation(s string) string { return safeAnnotation(o.redact(s)) }

// markdownCell returns s safe inside a cell of a Markdown table, cut to n
// characters.
func (o *output) markdownCell(s string, n int) string {
	return safeMarkdownCell(cut(strings.Join(strings.Fields(oneLine(o.redact(s))), " "), n))
}

// markdownBlock returns s as a block of Markdown that shows it as it is,
// cut to maxBytes bytes.
func (o *output) markdownBlock(s string, maxBytes int) string {
	return safeMarkdownBlock(cutBytes(o.redact(s), maxBytes))
}

// cut returns s cut to n characters with "..." when longer.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-3]) + "..."
}

// cutBytes returns s cut to at most n bytes, on a character boundary, with
// a note saying so when it was cut.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + fmt.Sprintf("\n[cut at %d KiB of %d: the whole of it is in --output json and --junit]", n/1024, len(s)/1024)
}

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
