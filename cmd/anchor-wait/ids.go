package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"

	"github.com/google/uuid"
)

// maxStdinIDs bounds how many IDs are read from stdin, so a wrong pipe
// cannot exhaust memory.
const maxStdinIDs = 100_000

// isUUID reports whether id is a UUID in its canonical 36-character form.
func isUUID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil && len(id) == 36
}

// stdinMarker, in place of the execution IDs, reads them from stdin.
const stdinMarker = "-"

// byteOrderMark is what some editors on Windows put at the start of a
// UTF-8 file.
const byteOrderMark = "\uFEFF"

// stdinHint is written to stderr when the execution IDs are read from a
// terminal, so a forgotten pipe does not look like a hang.
const stdinHint = "reading execution IDs from stdin; end with Ctrl-D\n"

// parseIDs reads execution IDs separated by white space (spaces, tabs,
// line breaks) from r. A byte order mark at the start is skipped, as are
// blank lines; IDs are lower-cased and a repeated ID is kept once, in the
// order first seen. It fails, naming the line, on a word that is not a
// UUID, and when r holds no ID at all.
func parseIDs(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	var ids []string
	seen := map[string]bool{}
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, byteOrderMark)
		}
		for _, word := range strings.Fields(text) {
			if !isUUID(word) {
				return nil, usagef("stdin line %d: %s is not an execution ID: want UUIDs such as %s separated by white space", line, quoteValue(word), exampleID)
			}
			id := strings.ToLower(word)
			if seen[id] {
				continue
			}
			if len(ids) == maxStdinIDs {
				return nil, usagef("stdin holds more than %d execution IDs: want at most %d per run", maxStdinIDs, maxStdinIDs)
			}
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, usagef("stdin has a line over 1 MiB: want execution IDs separated by white space")
		}
		return nil, usagef("cannot read execution IDs from stdin: %s", oneLine(err.Error()))
	}
	if len(ids) == 0 {
		return nil, usagef("no execution IDs on stdin: want UUIDs such as %s separated by white space", exampleID)
	}
	return ids, nil
}

// readIDs is parseIDs that gives up when ctx ends, so an interrupt is not
// held up by a stdin that never closes. The goroutine reading stdin is then
// left behind; the process is about to exit.
func readIDs(ctx context.Context, r io.Reader) ([]string, error) {
	type answer struct {
		ids []string
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		ids, err := parseIDs(r)
		ch <- answer{ids, err}
	}()
	select {
	case a := <-ch:
		return a.ids, a.err
	case <-ctx.Done():
		return nil, stopped(ctx, "reading execution IDs from stdin")
	}
}

// executionIDs returns the execution IDs of the command line: args after
// the task ID, or the IDs on stdin where args hold "-". They are checked,
// lower-cased and kept once each. When the IDs are read from a terminal, a
// line on stderr says so first.
func executionIDs(ctx context.Context, args []string, stdin io.Reader, stderr io.Writer) ([]string, error) {
	if len(args) == 0 {
		return nil, usagef("no execution ID: want anchor-wait [flags] TASK_ID EXECUTION_ID... or TASK_ID - to read them from stdin")
	}
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.ToLower(id)
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	fromStdin := false
	for _, a := range args {
		if a == stdinMarker {
			if fromStdin {
				return nil, usagef("- is given twice: want it once, to read execution IDs from stdin")
			}
			fromStdin = true
			continue
		}
		if err := checkUUID("execution ID", a); err != nil {
			return nil, err
		}
		add(a)
	}
	if fromStdin {
		if isTerminal(stdin) {
			io.WriteString(stderr, stdinHint)
		}
		read, err := readIDs(ctx, stdin)
		if err != nil {
			return nil, err
		}
		for _, id := range read {
			add(id)
		}
	}
	return ids, nil
}
