package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	stateExec1 = "aaaaaaaa-0000-4000-8000-000000000001"
	stateExec2 = "bbbbbbbb-0000-4000-8000-000000000002"
)

// stateJSON is a state file's content for task with ids.
func stateJSON(t *testing.T, task string, ids ...string) string {
	t.Helper()
	b, err := json.Marshal(stateDoc{Tool: stateTool, Format: stateFormat, TaskID: task, ExecutionIDs: ids, Count: len(ids)})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseState(t *testing.T) {
	tests := []struct {
		name, content string
		wantIDs       []string
		wantErr       string
	}{
		{"good", stateJSON(t, testTask, stateExec1, stateExec2), []string{stateExec1, stateExec2}, ""},
		{"upper case and repeats", stateJSON(t, strings.ToUpper(testTask), strings.ToUpper(stateExec1), stateExec1), []string{stateExec1}, ""},
		{"later fields are kept out", `{"tool":"anchor-wait","format":1,"taskId":"` + testTask + `","executionIds":["` + stateExec1 + `"],"later":true}`, []string{stateExec1}, ""},
		{"not JSON", `{"tool":`, nil, "not JSON (at byte 8)"},
		{"wrong type", `{"tool":"anchor-wait","format":"1"}`, nil, `"format" is a JSON string, not int`},
		{"another tool", `{"tool":"other","format":1}`, nil, `its "tool" is "other", not "anchor-wait"`},
		{"later format", `{"tool":"anchor-wait","format":2}`, nil, "it has format 2, of a later anchor-wait (this one reads format 1)"},
		{"no format", `{"tool":"anchor-wait"}`, nil, `its "format" is 0, not 1`},
		{"no execution", stateJSON(t, testTask), nil, "it names no execution"},
		{"bad task", stateJSON(t, "not-a-task", stateExec1), nil, `its "taskId" "not-a-task" is not a UUID`},
		{"bad execution", stateJSON(t, testTask, stateExec1, "../../etc/passwd"), nil, `execution ID "../../etc/passwd" in it is not a UUID`},
		{"v2 runs", `{"tool":"anchor-wait","format":1,"taskId":"` + testTask + `","runIds":["run_A1","run_A1","run_b2"]}`, []string{"run_A1", "run_b2"}, ""},
		{"a bad run", `{"tool":"anchor-wait","format":1,"taskId":"` + testTask + `","runIds":["run/../x"]}`, nil, `run ID "run/../x" in it is not one (1 to 128 characters of A-Z a-z 0-9 - _)`},
		{"both kinds", `{"tool":"anchor-wait","format":1,"taskId":"` + testTask + `","executionIds":["` + stateExec1 + `"],"runIds":["run_1"]}`, nil, "it names both executions and v2 runs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parseState([]byte(tt.content))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if doc.TaskID != testTask || strings.Join(doc.ids(), " ") != strings.Join(tt.wantIDs, " ") {
				t.Errorf("task %s, IDs %v; want %s, %v", doc.TaskID, doc.ids(), testTask, tt.wantIDs)
			}
		})
	}
}

func TestLoadState(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", stateJSON(t, testTask, stateExec1))
	runs := write("runs.json", `{"tool":"anchor-wait","format":1,"taskId":"`+testTask+`","runIds":["run_1","run_2"]}`)
	tests := []struct {
		name    string
		path    string
		v2      bool // the state of run --v2 is wanted
		wantIDs int
		wantErr string // a usage error containing this
	}{
		{"missing: no state", filepath.Join(dir, "nope.json"), false, 0, ""},
		{"empty: no state", write("empty.json", " \n"), false, 0, ""},
		{"the task's", good, false, 1, ""},
		{"the task's v2 runs", runs, true, 2, ""},
		{"v2 runs without --v2", runs, false, 0, `--state "` + runs + `" holds v2 runs of task ` + testTask + `, which run --v2 started: want --v2 with it, or a new path`},
		{"executions with --v2", good, true, 0, `--state "` + good + `" holds executions of task ` + testTask + `, which run started without --v2: want it without --v2, or a new path`},
		{"another task's", write("other.json", stateJSON(t, otherTask, stateExec1)),
			false, 0, `--state "` + filepath.Join(dir, "other.json") + `" holds executions of task ` + otherTask + `, not of task ` + testTask + `: want the state file of task ` + testTask + `, or a new path`},
		{"corrupt", write("corrupt.json", "garbage"),
			false, 0, `--state "` + filepath.Join(dir, "corrupt.json") + `" is not a state file of anchor-wait: not JSON (at byte 1): want the file that anchor-wait run --state or start --state wrote, or a path that does not exist yet`},
		{"a directory", dir, false, 0, `--state "` + dir + `" is a directory: want a regular file`},
		{"too large", write("large.json", strings.Repeat(" ", maxStateBytes+1)), false, 0, "is over 1024 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := loadState(context.Background(), tt.path, testTask, tt.v2)
			if tt.wantErr != "" {
				if !isUsage(err) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := 0; doc != nil {
				got = len(doc.ids())
				if got != tt.wantIDs {
					t.Errorf("%d IDs, want %d", got, tt.wantIDs)
				}
			} else if tt.wantIDs != 0 {
				t.Errorf("no state, want %d IDs", tt.wantIDs)
			}
		})
	}
}

// TestSaveState: the file is written whole, in the format loadState reads,
// with no temporary file left beside it; it replaces what was at the
// path; no ID, no file; a directory that cannot take it fails the run
// (exit 8) and says what that means for a re-run.
func TestSaveState(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := newOutput(&strings.Builder{}, &strings.Builder{})
	now := time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC)
	if !saveState(o, path, testTask, []string{stateExec1, stateExec2}, false, 3, now) {
		t.Fatal("saveState failed")
	}
	doc, err := loadState(context.Background(), path, testTask, false)
	if err != nil || doc == nil {
		t.Fatalf("loadState: %v, %v", doc, err)
	}
	if strings.Join(doc.ExecutionIDs, " ") != stateExec1+" "+stateExec2 || doc.Count != 3 || !doc.StartedAt.Equal(now.Truncate(time.Second)) {
		t.Errorf("state %+v, want the two IDs, count 3, started %v", doc, now)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %v, want state.json alone", entries)
	}
	if !saveState(o, filepath.Join(dir, "none.json"), testTask, nil, false, 1, now) {
		t.Error("saveState of no ID failed")
	}
	if _, err := os.Stat(filepath.Join(dir, "none.json")); err == nil {
		t.Error("saveState of no ID wrote a file")
	}
	var stderr strings.Builder
	o = newOutput(&strings.Builder{}, &stderr)
	bad := filepath.Join(dir, "missing", "state.json")
	if saveState(o, bad, testTask, []string{stateExec1}, false, 1, now) {
		t.Fatal("saveState into a missing directory succeeded")
	}
	if code := o.finalCode(exitSuccess); code != exitWriteError {
		t.Errorf("exit code %d after a failed state write, want 8", code)
	}
	if !strings.Contains(stderr.String(), "cannot write the state: \""+bad+"\"") || !strings.Contains(stderr.String(), "would start new ones") {
		t.Errorf("stderr %q, want the failure and what it means for a re-run", stderr.String())
	}
	if err := checkStateWritable(bad); !isUsage(err) || !strings.Contains(err.Error(), "want a path in a writable directory") {
		t.Errorf("checkStateWritable(%s) = %v, want a usage error", bad, err)
	}
}
