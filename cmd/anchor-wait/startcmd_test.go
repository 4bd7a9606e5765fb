package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/anchorwait/anchorwait/client/anchortest"
)

// TestStartFormats: start's stdout in each --output format, and --quiet
// leaving only the lines that name the executions started on stderr.
func TestStartFormats(t *testing.T) {
	srv := newFake(t, anchortest.WithTemplate(quickSuccess()))
	r := runCLI(t, fakeEnv(srv), "", startArgs("--output", "jsonl", "--count", "2", "--quiet", testTask)...)
	if r.code != exitSuccess {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout %q, want two JSON lines", r.stdout)
	}
	for _, l := range lines {
		var v struct{ TaskID, ExecutionID string }
		if err := json.Unmarshal([]byte(l), &v); err != nil || v.TaskID != testTask || v.ExecutionID == "" {
			t.Errorf("line %q: %+v, %v; want the task and an execution", l, v, err)
		}
		if !strings.Contains(r.stderr, "started execution "+v.ExecutionID) {
			t.Errorf("stderr does not name %s even with --quiet:\n%s", v.ExecutionID, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "exit 0") {
		t.Errorf("--quiet, yet a closing line:\n%s", r.stderr)
	}
	if got := startOutputs(nil, false, exitAPIError); got != "execution-ids=\nexit-code=4\n" {
		t.Errorf("startOutputs(none, 4) = %q", got)
	}
	if got := startOutputs([]string{"run_a", "run_b"}, true, exitSuccess); got != "run-ids=run_a run_b\nexit-code=0\n" {
		t.Errorf("startOutputs(2 runs, 0) = %q", got)
	}
}
