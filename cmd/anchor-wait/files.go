package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// Local files are read and written so that none can hang the job: every
// file is opened with O_NONBLOCK, so opening a named pipe never waits for
// the other end; reading --api-key-file stops when the run's context ends
// (--timeout or a signal); a write to anything that may block goes through
// the output layer's bounds; and the files GitHub Actions names
// ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY), which the runner creates as
// regular files, must be regular files.

// stoppedError is a local read cut short by the end of the run's context:
// --timeout (cause errWaitTimeout) or a signal.
type stoppedError struct {
	doing string // "reading execution IDs from stdin"
	cause error
}

func (e *stoppedError) Error() string {
	if errors.Is(e.cause, errWaitTimeout) {
		return "--timeout ran out while " + e.doing
	}
	return "interrupted while " + e.doing
}

func (e *stoppedError) Unwrap() error { return e.cause }

// stopped returns the stoppedError of ctx for doing.
func stopped(ctx context.Context, doing string) error {
	return &stoppedError{doing: doing, cause: context.Cause(ctx)}
}

// fileKind names what a file that is not a regular one is.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// readSmallFile reads at most limit+1 bytes of the file at path, giving up
// when ctx ends. A file other than a regular one (a pipe, as of process
// substitution) is read up to its first line that is not blank, so a
// writer that keeps it open does not hold the read up; a named pipe nobody
// writes to reads as empty. what names the file in errors, such as
// "--api-key-file".
func readSmallFile(ctx context.Context, path, what string, limit int64) ([]byte, fs.FileMode, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if st.IsDir() {
		return nil, st.Mode(), nil
	}
	// A read that blocks (a pipe with a writer that writes nothing) ends
	// when ctx does: its deadline is moved to the past.
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	r := io.LimitReader(f, limit+1)
	var b []byte
	if st.Mode().IsRegular() {
		b, err = io.ReadAll(r)
	} else {
		b, err = readFirstLine(r)
	}
	if ctx.Err() != nil {
		return nil, st.Mode(), stopped(ctx, "reading "+what+" "+quotePath(path))
	}
	return b, st.Mode(), err
}

// readFirstLine reads r up to the end of its first line that is not
// blank, or to its end.
func readFirstLine(r io.Reader) ([]byte, error) {
	var b []byte
	buf := make([]byte, 512)
	for {
		n, err := r.Read(buf)
		b = append(b, buf[:n]...)
		for start := 0; ; {
			i := bytes.IndexByte(b[start:], '\n')
			if i < 0 {
				break
			}
			if len(bytes.TrimSpace(b[start:start+i])) > 0 {
				return b[:start+i+1], nil
			}
			start += i + 1
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// reportFile is a file anchor-wait writes its results to: --junit,
// $GITHUB_OUTPUT or $GITHUB_STEP_SUMMARY.
type reportFile struct {
	what string // how messages name it: "the JUnit report"
	path string
	// regularOnly refuses anything but a regular file (or a path where
	// one can be created).
	regularOnly bool
	append      bool
	f           *os.File // opened early (--junit); nil until written otherwise
}

// checkPath returns an error when the file at rf.path exists and cannot
// be a report: a directory, or a file other than a regular one when only a
// regular one will do. A path that does not exist yet is fine.
func (rf *reportFile) checkPath(source string) error {
	st, err := os.Stat(rf.path)
	if err != nil {
		return nil // opening it says what is wrong, if anything
	}
	if m := st.Mode(); m.IsDir() || (rf.regularOnly && !m.IsRegular()) {
		want := "a regular file, or a path where one can be created"
		if source == envGitHubOutput || source == envStepSummary {
			want = "the regular file the runner creates"
		}
		return usagef("%s %s is %s: want %s", source, quotePath(rf.path), fileKind(m), want)
	}
	return nil
}

// open opens rf for writing without blocking: a named pipe that nobody
// reads is an error at once, not a wait.
func (rf *reportFile) open() (*os.File, error) {
	flags := os.O_WRONLY | os.O_CREATE | syscall.O_NONBLOCK
	if rf.append {
		flags |= os.O_APPEND
	} else {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(rf.path, flags, 0o644)
	if err != nil {
		if errors.Is(err, syscall.ENXIO) {
			return nil, errors.New("it is a named pipe that nobody reads")
		}
		return nil, err
	}
	if rf.regularOnly {
		if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
			f.Close()
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("it is %s, not a regular file", fileKind(st.Mode()))
		}
	}
	return f, nil
}

// openReport opens rf now (so that a bad path is known before any
// request), and returns a usage error naming the path when it cannot be
// used.
func openReport(rf *reportFile, source string) error {
	if err := rf.checkPath(source); err != nil {
		return err
	}
	f, err := rf.open()
	if err != nil {
		return usagef("cannot create %s file %s: %s: want a writable path", source, quotePath(rf.path), osReason(err))
	}
	rf.f = f
	return nil
}

// close closes rf if it is still open, as when the run ends before it is
// written.
func (rf *reportFile) close() {
	if rf != nil && rf.f != nil {
		rf.f.Close()
		rf.f = nil
	}
}

// writeReport writes content to rf, redacted, and closes it; it records
// a failure in the layer (the run then fails) and reports whether the
// write succeeded.
func (o *output) writeReport(rf *reportFile, content string) bool {
	f := rf.f
	rf.f = nil
	var err error
	if f == nil {
		f, err = rf.open()
	}
	if err == nil {
		err = o.limits.write(f, []byte(o.redact(content)), mayBlock(f))
		if errors.Is(err, errBlockedWrite) || errors.Is(err, errInterruptedWrite) {
			// The write goroutine may still hold f: leave it open.
		} else if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		o.fail(rf.what, quotePath(rf.path), err)
		return false
	}
	return true
}
