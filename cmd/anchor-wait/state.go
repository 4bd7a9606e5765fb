package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// --state FILE makes run and start safe to run again, as a CI re-run does:
// the IDs of the executions they start are written to FILE (atomically,
// synced) before anything waits for them, and a later run given the same
// FILE waits for those executions instead of starting new ones (no POST
// is sent). A FILE that does not exist yet, or is empty, holds no state.
// A FILE of another task, or one that cannot be read or is not a state
// file, is a usage error: starting anew could bill executions twice.
//
// The file is JSON:
//
//	{"tool":"anchor-wait","format":1,"taskId":"…","executionIds":["…"],
//	 "count":3,"startedAt":"2025-01-02T03:04:05Z"}
//
// count is what --count asked for; executionIds may hold fewer when a
// start failed. run --v2 writes "runIds" in place of "executionIds", and
// a state of v2 runs is only taken with --v2 (and one of executions only
// without it): the IDs of one cannot be waited for as the other.

// stateFormat is the format of the state files this version writes and
// reads.
const stateFormat = 1

// stateTool is the "tool" of a state file.
const stateTool = "anchor-wait"

// maxStateBytes bounds what is read of a state file: maxCount IDs take
// about 40 KiB.
const maxStateBytes = 1 << 20

// stateDoc is the content of a state file.
type stateDoc struct {
	Tool         string    `json:"tool"`
	Format       int       `json:"format"`
	TaskID       string    `json:"taskId"`
	ExecutionIDs []string  `json:"executionIds,omitempty"`
	RunIDs       []string  `json:"runIds,omitempty"` // run --v2
	Count        int       `json:"count"`
	StartedAt    time.Time `json:"startedAt"`
}

// stateWant is what a --state error says is expected.
const stateWant = "want the file that anchor-wait run --state or start --state wrote, or a path that does not exist yet"

// ids are the IDs the state names: its v2 runs or its executions.
func (d *stateDoc) ids() []string {
	if d.v2() {
		return d.RunIDs
	}
	return d.ExecutionIDs
}

// v2 says whether the state names v2 runs.
func (d *stateDoc) v2() bool { return len(d.RunIDs) > 0 }

// what is what the state names, in words: "executions" or "v2 runs".
func (d *stateDoc) what() string {
	if d.v2() {
		return "v2 runs"
	}
	return "executions"
}

// loadState reads the --state file at path for task taskID (lower case)
// and the starts of run --v2 when v2 is set.
// It returns the state it holds, or nil when there is none yet (no file,
// or an empty one). Anything else that is not the state of that task is a
// usage error naming the file and what is expected. Reading it ends with
// ctx (--timeout or a signal), and a file that is not a regular one (a
// named pipe, say) is refused before it is opened for reading.
func loadState(ctx context.Context, path, taskID string, v2 bool) (*stateDoc, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, usagef("cannot read --state %s: %s: %s", quotePath(path), osReason(err), stateWant)
	case !st.Mode().IsRegular():
		return nil, usagef("--state %s is %s: want a regular file, %s", quotePath(path), fileKind(st.Mode()), stateWant)
	}
	b, mode, err := readSmallFile(ctx, path, "--state", maxStateBytes)
	var se *stoppedError
	switch {
	case errors.As(err, &se):
		return nil, err
	case err != nil:
		return nil, usagef("cannot read --state %s: %s: %s", quotePath(path), osReason(err), stateWant)
	case !mode.IsRegular(): // replaced since the Stat
		return nil, usagef("--state %s is %s: want a regular file, %s", quotePath(path), fileKind(mode), stateWant)
	case len(b) > maxStateBytes:
		return nil, usagef("--state %s is over %d KiB, too large for a state file: %s", quotePath(path), maxStateBytes>>10, stateWant)
	case len(bytes.TrimSpace(b)) == 0:
		return nil, nil
	}
	doc, err := parseState(b)
	if err != nil {
		return nil, usagef("--state %s is not a state file of anchor-wait: %s: %s", quotePath(path), err, stateWant)
	}
	if doc.TaskID != taskID {
		return nil, usagef("--state %s holds %s of task %s, not of task %s: want the state file of task %s, or a new path", quotePath(path), doc.what(), doc.TaskID, taskID, taskID)
	}
	switch {
	case doc.v2() && !v2:
		return nil, usagef("--state %s holds v2 runs of task %s, which run --v2 started: want --v2 with it, or a new path", quotePath(path), taskID)
	case !doc.v2() && v2:
		return nil, usagef("--state %s holds executions of task %s, which run started without --v2: want it without --v2, or a new path", quotePath(path), taskID)
	}
	return doc, nil
}

// parseState decodes and checks a state file's content. Its errors say
// what is wrong, in words for a usage error; they never quote the file
// beyond a value that is checked short (quoteValue).
func parseState(b []byte) (*stateDoc, error) {
	var doc stateDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, fmt.Errorf("not JSON (at byte %d)", syn.Offset)
		case errors.As(err, &typ):
			return nil, fmt.Errorf("%s is a JSON %s, not %s", quoteValue(typ.Field), typ.Value, typ.Type)
		}
		return nil, errors.New("not JSON")
	}
	switch {
	case doc.Tool != stateTool:
		return nil, fmt.Errorf("its \"tool\" is %s, not %q", quoteValue(doc.Tool), stateTool)
	case doc.Format > stateFormat:
		return nil, fmt.Errorf("it has format %d, of a later anchor-wait (this one reads format %d)", doc.Format, stateFormat)
	case doc.Format != stateFormat:
		return nil, fmt.Errorf("its \"format\" is %d, not %d", doc.Format, stateFormat)
	case len(doc.ExecutionIDs) > 0 && len(doc.RunIDs) > 0:
		return nil, errors.New("it names both executions and v2 runs")
	case len(doc.ids()) == 0:
		return nil, errors.New("it names no execution")
	case len(doc.ids()) > maxCount:
		return nil, fmt.Errorf("it names %d %s, more than the %d one run starts", len(doc.ids()), doc.what(), maxCount)
	}
	task, err := client.ParseID("task", doc.TaskID)
	if err != nil {
		return nil, fmt.Errorf("its \"taskId\" %s is not a UUID", quoteValue(doc.TaskID))
	}
	doc.TaskID = task
	seen := map[string]bool{}
	ids := doc.ids()[:0]
	for _, raw := range doc.ids() {
		var id string
		var err error
		if doc.v2() {
			id, err = client.ParseRunID(raw)
		} else {
			id, err = client.ParseID("execution", raw)
		}
		switch {
		case err != nil && doc.v2():
			return nil, fmt.Errorf("run ID %s in it is not one (1 to %d characters of A-Z a-z 0-9 - _)", quoteValue(raw), client.MaxRunIDLen)
		case err != nil:
			return nil, fmt.Errorf("execution ID %s in it is not a UUID", quoteValue(raw))
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if doc.v2() {
		doc.RunIDs = ids
	} else {
		doc.ExecutionIDs = ids
	}
	return &doc, nil
}

// checkStateWritable checks, before any start, that a state file can be
// written at path: its directory exists and takes a new file. Its error
// is a usage error.
func checkStateWritable(path string) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".anchor-wait-check-*")
	if err != nil {
		return usagef("cannot write --state %s: %s: want a path in a writable directory", quotePath(path), osReason(err))
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

// saveState writes the state of count starts of task taskID, which
// started ids (v2 runs when v2 is set), to path: through a temporary file that is synced, renamed
// into place, and its directory synced, so the file holds either nothing
// new or all of it, even after a crash. A failure is recorded in o (the
// run exits 8) and said with what it means for a re-run. No ID, no file.
func saveState(o *output, path, taskID string, ids []string, v2 bool, count int, now time.Time) bool {
	if len(ids) == 0 {
		return true
	}
	doc := stateDoc{
		Tool: stateTool, Format: stateFormat, TaskID: taskID,
		Count: count, StartedAt: now.UTC().Truncate(time.Second),
	}
	if v2 {
		doc.RunIDs = ids
	} else {
		doc.ExecutionIDs = ids
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err == nil {
		err = writeFileAtomic(path, append(b, '\n'), true)
	}
	if err != nil {
		o.fail("the state", quotePath(path), err)
		o.errorf("a re-run with --state %s cannot know of these %s and would start new ones", quotePath(path), doc.what())
		return false
	}
	return true
}

// resumeNote says on stderr that the executions come from the state file,
// so that nothing is started: one line, then each ID.
func resumeNote(o *output, path string, doc *stateDoc) {
	when := ""
	if !doc.StartedAt.IsZero() {
		when = ", started " + doc.StartedAt.UTC().Format(time.RFC3339)
	}
	ids := doc.ids()
	n := len(ids)
	short := ""
	if doc.Count > n {
		short = fmt.Sprintf(" (of %d asked for: the other starts had failed)", doc.Count)
	}
	what, noun := executions(n), "execution"
	if doc.v2() {
		what, noun = v2Runs(n), "run"
	}
	o.errorf("--state %s names %s of task %s%s%s: waiting for them, starting none",
		quotePath(path), what, doc.TaskID, short, when)
	for i, id := range ids {
		of := ""
		if n > 1 {
			of = fmt.Sprintf(" (%d of %d)", i+1, n)
		}
		fmt.Fprintf(o.Stderr(), "resumed %s %s%s\n", noun, id, of)
	}
}

// openState prepares --state path for task taskID (its v2 runs when v2
// is set) before any request: it
// returns the state the file holds (the executions to wait for instead of
// starting), or nil when the run is to start them, having checked that the
// file can then be written. "" is no --state: nil, nil.
func openState(ctx context.Context, path, taskID string, v2 bool) (*stateDoc, error) {
	if path == "" {
		return nil, nil
	}
	doc, err := loadState(ctx, path, taskID, v2)
	if err != nil || doc != nil {
		return doc, err
	}
	return nil, checkStateWritable(path)
}
