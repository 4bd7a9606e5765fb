package main

// End-to-end tests of the built binary for what CI pipelines use besides
// waiting: start, --state across a re-run, --stall, --output-dir.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// startArgs returns the start command with fastPolls and args.
func startArgs(args ...string) []string {
	return append([]string{"start"}, withFastPolls(args...)...)
}

// postsOf counts the POST /v1/task/run requests srv received.
func postsOf(srv *anchortest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Op == anchortest.OpRunTask {
			n++
		}
	}
	return n
}

// ghEnv is env in GitHub Actions, with its files in a temporary directory:
// it returns the environment and the paths of the step outputs and the
// step summary.
func ghEnv(t *testing.T, env map[string]string) (map[string]string, string, string) {
	t.Helper()
	dir := t.TempDir()
	out, summary := filepath.Join(dir, "output"), filepath.Join(dir, "summary.md")
	e := map[string]string{envGitHubActions: "true", envGitHubOutput: out, envStepSummary: summary}
	for k, v := range env {
		e[k] = v
	}
	return e, out, summary
}

// TestE2EStartThenWait: start prints the IDs it started, one per line,
// and writes them to the step outputs, and exits without waiting; a later
// anchor-wait TASK_ID - waits for exactly those.
func TestE2EStartThenWait(t *testing.T) {
	t.Parallel()
	srv := newFake(t, anchortest.WithTemplate(quickSuccess()))
	env, ghOut, summary := ghEnv(t, fakeEnv(srv))
	r := runBin(t, env, "", startArgs("--count", "3", "--input", "ANCHOR_URL=https://example.com", testTask)...)
	if r.code != exitSuccess {
		t.Fatalf("start: exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	ids := strings.Fields(r.stdout)
	if len(ids) != 3 || r.stdout != strings.Join(ids, "\n")+"\n" {
		t.Fatalf("stdout %q, want 3 IDs, one per line", r.stdout)
	}
	for _, id := range ids {
		if _, err := client.ParseID("execution", id); err != nil {
			t.Errorf("%q on stdout is not an execution ID", id)
		}
		if !strings.Contains(r.stderr, "started execution "+id) {
			t.Errorf("stderr does not say it started %s:\n%s", id, r.stderr)
		}
		if n := srv.RequestCountFor(id); n != 1 {
			t.Errorf("%d requests for %s, want 1: the start alone, no poll", n, id)
		}
	}
	if !strings.Contains(r.stderr, "started 3 executions of task "+testTask) || !strings.Contains(r.stderr, "exit 0: every execution started") {
		t.Errorf("stderr has no closing line:\n%s", r.stderr)
	}
	if got, want := readFile(t, ghOut), "execution-ids="+strings.Join(ids, " ")+"\nexit-code=0\n"; got != want {
		t.Errorf("GITHUB_OUTPUT = %q, want %q", got, want)
	}
	if md := readFile(t, summary); !strings.Contains(md, "anchor-wait start: started 3 executions") || !strings.Contains(md, "- `"+ids[2]+"`") {
		t.Errorf("step summary:\n%s", md)
	}

	w := runBin(t, fakeEnv(srv), r.stdout, withFastPolls("--output", "json", testTask, "-")...)
	if w.code != exitSuccess {
		t.Fatalf("wait: exit %d; stderr:\n%s", w.code, w.stderr)
	}
	doc := decodeDoc(t, w.stdout)
	if len(doc.Results) != 3 {
		t.Fatalf("%d results, want 3", len(doc.Results))
	}
	for i, res := range doc.Results {
		if res["executionId"] != ids[i] || res["status"] != "success" {
			t.Errorf("result %d: %v, want %s success", i, res, ids[i])
		}
	}
	if n := postsOf(srv); n != 3 {
		t.Errorf("%d starts, want 3", n)
	}
}

// TestE2EStartJSON: --output json gives one document with the IDs.
// TestE2EStartV2ThenRuns: start --v2 starts v2 runs, prints their run IDs
// one per line, writes run-ids= to GITHUB_OUTPUT and records them with
// --state; runs - waits for what it printed.
func TestE2EStartV2ThenRuns(t *testing.T) {
	t.Parallel()
	srv := newFake(t, anchortest.WithTemplate(quickSuccess()))
	env, ghOut, _ := ghEnv(t, fakeEnv(srv))
	state := filepath.Join(t.TempDir(), "state.json")
	r := runBin(t, env, "", startArgs("--v2", "--count", "2", "--state", state, "--input", "url=https://example.com", testTask)...)
	if r.code != exitSuccess {
		t.Fatalf("start --v2: exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	ids := strings.Fields(r.stdout)
	if len(ids) != 2 || opsOf(srv)[anchortest.OpRunTaskV2] != 2 {
		t.Fatalf("stdout %q after %d v2 starts, want 2 run IDs", r.stdout, opsOf(srv)[anchortest.OpRunTaskV2])
	}
	for _, id := range ids {
		if _, err := client.ParseRunID(id); err != nil || !strings.Contains(r.stderr, "started run "+id) {
			t.Errorf("%q: %v; stderr:\n%s\nwant a run ID it says it started", id, err, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, "started 2 v2 runs of task "+testTask) || !strings.Contains(r.stderr, "exit 0: every run started") {
		t.Errorf("stderr has no closing line about runs:\n%s", r.stderr)
	}
	if got, want := readFile(t, ghOut), "run-ids="+strings.Join(ids, " ")+"\nexit-code=0\n"; got != want {
		t.Errorf("GITHUB_OUTPUT = %q, want %q", got, want)
	}
	if doc, err := loadState(t.Context(), state, testTask, true); err != nil || doc == nil || strings.Join(doc.RunIDs, " ") != strings.Join(ids, " ") {
		t.Errorf("state holds %+v (%v), want the runs %v", doc, err, ids)
	}
	w := runBin(t, fakeEnv(srv), r.stdout, append([]string{"runs"}, withFastPolls("--output", "jsonl", "-")...)...)
	if w.code != exitSuccess || strings.Count(w.stdout, `"status":"success"`) != 2 {
		t.Errorf("runs -: exit %d, stdout:\n%s\nwant both runs succeeded; stderr:\n%s", w.code, w.stdout, w.stderr)
	}
}

func TestE2EStartJSON(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	r := runBin(t, fakeEnv(srv), "", startArgs("--output", "json", "--count", "2", testTask)...)
	var doc struct {
		TaskID       string   `json:"taskId"`
		ExecutionIDs []string `json:"executionIds"`
		FromState    bool     `json:"fromState"`
		ExitCode     int      `json:"exitCode"`
		Error        *string  `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if r.code != exitSuccess || doc.TaskID != testTask || len(doc.ExecutionIDs) != 2 || doc.FromState || doc.ExitCode != 0 || doc.Error != nil {
		t.Errorf("exit %d, document %+v; want 0, 2 IDs of %s, not from state, no error", r.code, doc, testTask)
	}
}

// TestE2EStartFails: when the API cannot start the task, start says why
// with exit 4, prints no ID, and the step outputs say so.
func TestE2EStartFails(t *testing.T) {
	t.Parallel()
	srv := newFake(t, anchortest.WithTasks(otherTask)) // testTask is not found
	env, ghOut, _ := ghEnv(t, fakeEnv(srv))
	r := runBin(t, env, "", startArgs("--output", "json", testTask)...)
	if r.code != exitAPIError || !strings.Contains(r.stderr, "cannot start task "+testTask) {
		t.Errorf("exit %d, want 4 and why; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, `"executionIds": []`) || !strings.Contains(r.stdout, `"error": "cannot start task `) {
		t.Errorf("stdout:\n%s\nwant no ID and the error", r.stdout)
	}
	if got := readFile(t, ghOut); got != "execution-ids=\nexit-code=4\n" {
		t.Errorf("GITHUB_OUTPUT = %q", got)
	}
}

// TestE2EStateRerun: run --state records what it started before it waits;
// run again with the file (a re-run of the job) and it waits for the same
// executions without a single POST; start with the same file prints them.
// A state file of another task is a usage error, and no request is sent.
func TestE2EStateRerun(t *testing.T) {
	t.Parallel()
	srv := newFake(t, anchortest.WithTemplate(quickSuccess()))
	state := filepath.Join(t.TempDir(), "anchor-state.json")
	first := runBin(t, fakeEnv(srv), "", runArgs("--count", "2", "--state", state, "--output", "json", testTask)...)
	if first.code != exitSuccess {
		t.Fatalf("first run: exit %d; stderr:\n%s", first.code, first.stderr)
	}
	started := resultIDs(t, first.stdout)
	if len(started) != 2 || postsOf(srv) != 2 {
		t.Fatalf("first run waited for %v after %d starts, want 2 of each", started, postsOf(srv))
	}
	doc, err := loadState(t.Context(), state, testTask, false)
	if err != nil || doc == nil || strings.Join(doc.ExecutionIDs, " ") != strings.Join(started, " ") {
		t.Fatalf("state file holds %+v (%v), want %v", doc, err, started)
	}

	again := runBin(t, fakeEnv(srv), "", runArgs("--count", "2", "--state", state, "--output", "json", testTask)...)
	if again.code != exitSuccess {
		t.Fatalf("re-run: exit %d; stderr:\n%s", again.code, again.stderr)
	}
	if n := postsOf(srv); n != 2 {
		t.Errorf("%d POST /v1/task/run after the re-run, want still 2: the re-run must start nothing", n)
	}
	if got := resultIDs(t, again.stdout); strings.Join(got, " ") != strings.Join(started, " ") {
		t.Errorf("re-run waited for %v, want %v", got, started)
	}
	for _, want := range []string{`--state "` + state + `" names 2 executions of task ` + testTask, "waiting for them, starting none", "resumed execution " + started[0] + " (1 of 2)"} {
		if !strings.Contains(again.stderr, want) {
			t.Errorf("re-run's stderr lacks %q:\n%s", want, again.stderr)
		}
	}
	if strings.Contains(again.stderr, "started execution") {
		t.Errorf("re-run says it started something:\n%s", again.stderr)
	}

	s := runBin(t, fakeEnv(srv), "", startArgs("--state", state, testTask)...)
	if s.code != exitSuccess || s.stdout != strings.Join(started, "\n")+"\n" || postsOf(srv) != 2 {
		t.Errorf("start with the state: exit %d, stdout %q, %d starts; want 0, the recorded IDs, still 2 starts; stderr:\n%s", s.code, s.stdout, postsOf(srv), s.stderr)
	}

	before := len(srv.Requests())
	other := runBin(t, fakeEnv(srv), "", runArgs("--state", state, otherTask)...)
	want := `anchor-wait: --state "` + state + `" holds executions of task ` + testTask + `, not of task ` + otherTask
	if other.code != exitUsage || !strings.Contains(other.stderr, want) {
		t.Errorf("another task: exit %d, want 2 and %q; stderr:\n%s", other.code, want, other.stderr)
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("%d requests for a state file of another task, want none", n)
	}
}

// TestE2EStateRerunV2: run --v2 --state records the v2 runs it started;
// the re-run waits for those runs with no v2 start, and the same file
// without --v2 is a usage error, sent nowhere.
func TestE2EStateRerunV2(t *testing.T) {
	t.Parallel()
	srv := newFake(t, anchortest.WithTemplate(quickSuccess()))
	state := filepath.Join(t.TempDir(), "anchor-state.json")
	first := runBin(t, fakeEnv(srv), "", runArgs("--v2", "--count", "2", "--state", state, testTask)...)
	if first.code != exitSuccess {
		t.Fatalf("first run: exit %d; stderr:\n%s", first.code, first.stderr)
	}
	doc, err := loadState(t.Context(), state, testTask, true)
	if err != nil || doc == nil || len(doc.RunIDs) != 2 || len(doc.ExecutionIDs) != 0 {
		t.Fatalf("state file holds %+v (%v), want the 2 runs started", doc, err)
	}
	again := runBin(t, fakeEnv(srv), "", runArgs("--v2", "--count", "2", "--state", state, "--output", "jsonl", testTask)...)
	if again.code != exitSuccess {
		t.Fatalf("re-run: exit %d; stderr:\n%s", again.code, again.stderr)
	}
	if n := opsOf(srv)[anchortest.OpRunTaskV2]; n != 2 {
		t.Errorf("%d v2 starts after the re-run, want still 2", n)
	}
	for _, id := range doc.RunIDs {
		if !strings.Contains(again.stdout, `"runId":"`+id+`"`) || !strings.Contains(again.stderr, "resumed run "+id) {
			t.Errorf("re-run does not wait for run %s; stdout:\n%s\nstderr:\n%s", id, again.stdout, again.stderr)
		}
	}
	before := len(srv.Requests())
	v1 := runBin(t, fakeEnv(srv), "", runArgs("--state", state, testTask)...)
	if want := "holds v2 runs of task " + testTask; v1.code != exitUsage || !strings.Contains(v1.stderr, want) {
		t.Errorf("without --v2: exit %d, want 2 and %q; stderr:\n%s", v1.code, want, v1.stderr)
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("%d requests for a state file of v2 runs without --v2, want none", n)
	}
}

// resultIDs returns the execution IDs of a --output json document.
func resultIDs(t *testing.T, stdout string) []string {
	t.Helper()
	var ids []string
	for _, r := range decodeDoc(t, stdout).Results {
		id, _ := r["executionId"].(string)
		ids = append(ids, id)
	}
	return ids
}

// TestE2EStateUsable: a corrupt state file, or one in a directory that
// does not exist, is a usage error naming the file before any request.
func TestE2EStateUsable(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.json")
	if err := os.WriteFile(corrupt, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no", "such", "state.json")
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"corrupt, run", []string{"run", "--state", corrupt, testTask}, `--state "` + corrupt + `" is not a state file of anchor-wait: not JSON (at byte 2): want the file that anchor-wait run --state or start --state wrote`},
		{"corrupt, start", []string{"start", "--state", corrupt, testTask}, `--state "` + corrupt + `" is not a state file of anchor-wait`},
		{"unwritable", []string{"start", "--state", missing, testTask}, `cannot write --state "` + missing + `": no such file or directory: want a path in a writable directory`},
		{"a directory", []string{"run", "--state", dir, testTask}, `--state "` + dir + `" is a directory: want a regular file`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runBin(t, fakeEnv(srv), "", tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want 2 and %q; stderr:\n%s", r.code, tt.want, r.stderr)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

// TestE2EStall: an execution stuck in queued ends its wait at --stall with
// exit 7 and a message naming the status; with another that fails, 7
// still wins (it comes before 1), and --timeout had not run out.
func TestE2EStall(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	stuck := srv.AddExecution(testTask, anchortest.Always(client.StatusQueued))
	failed := srv.AddExecution(testTask, quickFailure())
	env, ghOut, _ := ghEnv(t, fakeEnv(srv))
	r := runBin(t, env, "", withFastPolls("--stall", "1s", "--timeout", "1m", testTask, stuck, failed)...)
	if r.code != exitStalled {
		t.Fatalf("exit %d, want 7; stderr:\n%s", r.code, r.stderr)
	}
	var row string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, stuck) {
			row = l
		}
	}
	if !strings.Contains(row, "queued") || !strings.Contains(row, "--stall ran out: status queued unchanged for ") {
		t.Errorf("row of the stuck execution %q, want its status and the stall; stdout:\n%s", row, r.stdout)
	}
	if !strings.Contains(r.stderr, stuck+": --stall ran out: status queued unchanged for ") {
		t.Errorf("stderr does not say the wait of %s ended at --stall:\n%s", stuck, r.stderr)
	}
	if !strings.Contains(r.stderr, "exit 7: one execution kept one status past --stall") {
		t.Errorf("stderr lacks the reason:\n%s", r.stderr)
	}
	if out := readFile(t, ghOut); !strings.Contains(out, "status=stalled\n") || !strings.Contains(out, "exit-code=7\n") {
		t.Errorf("GITHUB_OUTPUT = %q, want status=stalled and exit-code=7", out)
	}
	if !strings.Contains(r.stdout, "1 failure, 1 stalled") {
		t.Errorf("closing line does not count the stall:\n%s", r.stdout)
	}
}

// TestE2EOutputDir: --output-dir writes each execution's whole output,
// and its error message when it has one, byte-exact (beyond the 64 KiB the
// table keeps), in files named by the execution ID; a path that cannot be
// a directory is a usage error; a file that cannot be written fails the
// run with exit 8.
func TestE2EOutputDir(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	big := strings.Repeat("é", 50_000) + "\x1b[31m::error::not a command\n" + strings.Repeat("x", 40_000)
	ok := srv.AddExecution(testTask, anchortest.Succeed(0, 100e6, big))
	bad := srv.AddExecution(testTask, anchortest.Fail(0, 100e6, "selector #buy not found\n##[error]x"))
	dir := filepath.Join(t.TempDir(), "outputs", "here")
	r := runBin(t, fakeEnv(srv), "", withFastPolls("--output-dir", dir, testTask, ok, bad)...)
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	if got := readFile(t, filepath.Join(dir, ok+outputSuffix)); got != big {
		t.Errorf("%s.output has %d bytes, want the %d the API sent, byte-exact", ok, len(got), len(big))
	}
	if got := readFile(t, filepath.Join(dir, bad+errorSuffix)); got != "selector #buy not found\n##[error]x" {
		t.Errorf("%s.error = %q", bad, got)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 {
		t.Errorf("the directory holds %v, want %s.output and %s.error alone (a failed execution has no output)", names, ok, bad)
	}

	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	u := runBin(t, fakeEnv(srv), "", withFastPolls("--output-dir", file, testTask, ok)...)
	if u.code != exitUsage || !strings.Contains(u.stderr, `anchor-wait: --output-dir "`+file+`" is a file: want a directory, or a path where one can be made`) {
		t.Errorf("a file as --output-dir: exit %d; stderr:\n%s", u.code, u.stderr)
	}

	// A directory at the place of an output file cannot be replaced.
	blocked := t.TempDir()
	if err := os.Mkdir(filepath.Join(blocked, ok+outputSuffix), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blocked, ok+outputSuffix, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	w := runBin(t, fakeEnv(srv), "", withFastPolls("--output-dir", blocked, testTask, ok)...)
	if w.code != exitWriteError || !strings.Contains(w.stderr, "cannot write the output of execution "+ok) {
		t.Errorf("an output file that cannot be written: exit %d, want 8; stderr:\n%s", w.code, w.stderr)
	}
}

// TestE2EMessages: the messages of the commands and flags this file is
// about, from the built binary, each a usage error (exit 2) before any
// request.
func TestE2EMessages(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"flags before start", []string{"--timeout", "5s", "start", testTask}, "anchor-wait: start must come first, before any flag: want anchor-wait start [flags]..."},
		{"a typo of start", []string{"strat", testTask}, `anchor-wait: unknown command "strat": the nearest is start: want anchor-wait start [flags]... (see anchor-wait start --help)`},
		{"a wait flag on start", []string{"start", "--output-dir", "out", testTask}, "anchor-wait: unknown flag --output-dir: start does not take it (anchor-wait, run, exec, runs, demo do)"},
		{"--state on wait", []string{"--state", "s.json", testTask, testExec}, "anchor-wait: unknown flag --state: anchor-wait does not take it (run, start do)"},
		{"a bad stall", []string{"--stall", "soon", testTask, testExec}, `anchor-wait: invalid value "soon" for flag --stall: want a duration such as 90s, 5m or 1h30m`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runBin(t, fakeEnv(srv), "", tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want 2 and %q; stderr:\n%s", r.code, tt.want, r.stderr)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
	h := runBin(t, nil, "", "start", "--help")
	if h.code != 0 || !strings.Contains(h.stdout, "anchor-wait start [flags] TASK_ID") || !strings.Contains(h.stdout, "--state FILE") {
		t.Errorf("start --help: exit %d:\n%s", h.code, h.stdout)
	}
}
