package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/anchorwait/anchorwait/client"
)

// maxStdinIDs bounds how many IDs are read from stdin, so a wrong pipe
// cannot exhaust memory.
const maxStdinIDs = 100_000

// parseID returns id checked and in lower case, as client.ParseID says
// (kind is "task" or "execution"); what names the argument in the error,
// which quotes id as quoteValue does (never cut) and matches
// client.ErrInvalidID.
func parseID(what, kind, id string) (string, error) {
	canon, err := client.ParseID(kind, id)
	if err != nil {
		return "", &usageError{msg: fmt.Sprintf("%s %s is not a UUID: want 36 characters such as %s", what, quoteValue(id), exampleID), err: err}
	}
	return canon, nil
}

// stdinMarker, in place of the execution IDs, reads them from stdin.
const stdinMarker = "-"

// byteOrderMark is what some editors on Windows put at the start of a
// UTF-8 file.
const byteOrderMark = "\uFEFF"

// stdinHint is written to stderr when the execution IDs are read from a
// terminal, so a forgotten pipe does not look like a hang.
const stdinHint = "reading execution IDs from stdin; end with Ctrl-D\n"

// idSyntax is what the IDs of one kind look like on stdin, and how the
// messages about them read.
type idSyntax struct {
	noun  string                             // "execution IDs", "run IDs"
	parse func(word string) (string, error)  // checks a word and returns the ID
	bad   func(line int, word string) string // the message for a word that is not one
	none  string                             // the message for a stdin that holds none
}

// executionIDSyntax is the syntax of execution IDs: UUIDs, lower-cased.
var executionIDSyntax = idSyntax{
	noun:  "execution IDs",
	parse: func(word string) (string, error) { return client.ParseID("execution", word) },
	bad: func(line int, word string) string {
		return fmt.Sprintf("stdin line %d: %s is not an execution ID: want UUIDs such as %s separated by white space", line, quoteValue(word), exampleID)
	},
	none: fmt.Sprintf("no execution IDs on stdin: want UUIDs such as %s separated by white space", exampleID),
}

// parseIDs reads execution IDs separated by white space (spaces, tabs,
// line breaks) from r, as parseIDsOf says.
func parseIDs(r io.Reader) ([]string, error) { return parseIDsOf(r, executionIDSyntax) }

// parseIDsOf reads IDs of syntax syn separated by white space (spaces,
// tabs, line breaks) from r. A byte order mark at the start is skipped, as
// are blank lines; each ID is as syn.parse returns it (an execution ID
// lower-cased), and a repeated ID is kept once, in the order first seen.
// It fails, naming the line, on a word that is not an ID, and when r holds
// no ID at all.
func parseIDsOf(r io.Reader, syn idSyntax) ([]string, error) {
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
			id, err := syn.parse(word)
			if err != nil {
				return nil, &usageError{msg: syn.bad(line, word), err: err}
			}
			if seen[id] {
				continue
			}
			if len(ids) == maxStdinIDs {
				return nil, usagef("stdin holds more than %d %s: want at most %d per run", maxStdinIDs, syn.noun, maxStdinIDs)
			}
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, usagef("stdin has a line over 1 MiB: want %s separated by white space", syn.noun)
		}
		return nil, usagef("cannot read %s from stdin: %s", syn.noun, oneLine(err.Error()))
	}
	if len(ids) == 0 {
		return nil, usagef("%s", syn.none)
	}
	return ids, nil
}

// readIDs is parseIDsOf that gives up when ctx ends, so an interrupt is
// not held up by a stdin that never closes. The goroutine reading stdin is
// then left behind; the process is about to exit.
func readIDs(ctx context.Context, r io.Reader, syn idSyntax) ([]string, error) {
	type answer struct {
		ids []string
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		ids, err := parseIDsOf(r, syn)
		ch <- answer{ids, err}
	}()
	select {
	case a := <-ch:
		return a.ids, a.err
	case <-ctx.Done():
		return nil, stopped(ctx, "reading "+syn.noun+" from stdin")
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
		id, err := parseID("execution ID", "execution", a)
		if err != nil {
			return nil, err
		}
		add(id)
	}
	if fromStdin {
		if isTerminal(stdin) {
			io.WriteString(stderr, stdinHint)
		}
		read, err := readIDs(ctx, stdin, executionIDSyntax)
		if err != nil {
			return nil, err
		}
		for _, id := range read {
			add(id)
		}
	}
	return ids, nil
}
