//go:build unix

package main

// Tests of the GitHub Action (action.yml at the root of the module): its
// steps run as the runner runs them, with bash and the environment the
// runner sets (GITHUB_ACTION_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
// RUNNER_TEMP, ...) and with the ${{ }} expressions of action.yml
// evaluated, against the fake API on loopback.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// actionMeta is what the tests read of action.yml.
type actionMeta struct {
	Name   string `yaml:"name"`
	Inputs map[string]struct {
		Required bool   `yaml:"required"`
		Default  string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

// actionStep is a step of a composite action.
type actionStep struct {
	ID    string            `yaml:"id"`
	If    string            `yaml:"if"`
	Uses  string            `yaml:"uses"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
	Env   map[string]string `yaml:"env"`
	With  map[string]string `yaml:"with"`
}

// actionRef is the ref of the action the tests use: GITHUB_ACTION_REF.
const actionRef = "v1"

// actionRoot is the action's directory: GITHUB_ACTION_PATH.
func actionRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func readAction(t *testing.T) *actionMeta {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(actionRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var m actionMeta
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return &m
}

// pinnedUse matches an action used at a full commit, as owner/repo[/path]@SHA.
var pinnedUse = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$`)

// TestActionShape: a composite action whose scripts take every value from
// the environment (an expression in a script is a script injection), whose
// actions are pinned by commit, whose inputs are the CLI's, and whose
// outputs are those anchor-wait writes.
func TestActionShape(t *testing.T) {
	m := readAction(t)
	if m.Runs.Using != "composite" {
		t.Errorf("runs.using %q, want composite", m.Runs.Using)
	}
	for i, s := range m.Runs.Steps {
		switch {
		case s.Run != "" && strings.Contains(s.Run, "${{"):
			t.Errorf("step %d (%s) has an expression in its script: pass it through env", i, s.ID)
		case s.Run != "" && s.Shell != "bash":
			t.Errorf("step %d (%s) runs with shell %q, want bash (the same on every runner)", i, s.ID, s.Shell)
		case s.Uses != "" && !pinnedUse.MatchString(s.Uses):
			t.Errorf("step %d uses %q, want an action pinned by its full commit", i, s.Uses)
		}
	}
	for _, in := range []string{"task-id", "command", "execution-ids", "count", "inputs", "task-version", "state", "timeout", "stall", "fail-fast", "junit", "output-dir", "api-key", "base-url", "results-file"} {
		if _, ok := m.Inputs[in]; !ok {
			t.Errorf("no input %s", in)
		}
	}
	if !m.Inputs["task-id"].Required {
		t.Error("task-id is not required")
	}
	for _, out := range []string{"execution-ids", "status", "failed", "exit-code", "results-file"} {
		if got, want := m.Outputs[out].Value, "${{ steps.anchor-wait.outputs."+out+" }}"; got != want {
			t.Errorf("output %s is %q, want %q", out, got, want)
		}
	}
	// Every flag an input names is one of the commands' flags.
	for _, s := range m.Runs.Steps {
		for _, f := range regexp.MustCompile(`(?:flag|switch) --([a-z-]+)`).FindAllStringSubmatch(s.Run, -1) {
			if !anyCommandTakes(f[1]) {
				t.Errorf("step %s passes --%s, which no command takes", s.ID, f[1])
			}
		}
	}
}

// anyCommandTakes reports whether a command of anchor-wait takes --name.
func anyCommandTakes(name string) bool {
	for _, f := range flagTable {
		if f.name == name {
			return true
		}
	}
	return false
}

// actionRunner runs the action's steps as the runner does. The caches of
// actions/cache are kept in memory across runs of one runner, so a second
// run restores the binary the first one saved.
type actionRunner struct {
	t         *testing.T
	meta      *actionMeta
	root      string            // GITHUB_ACTION_PATH
	workspace string            // GITHUB_WORKSPACE, the working directory
	temp      string            // RUNNER_TEMP
	jobEnv    map[string]string // the job's environment

	mu     sync.Mutex
	caches map[string]map[string][]byte // by key: file name -> content
}

func newActionRunner(t *testing.T, jobEnv map[string]string) *actionRunner {
	t.Helper()
	return &actionRunner{t: t, meta: readAction(t), root: actionRoot(t), workspace: t.TempDir(), temp: t.TempDir(),
		jobEnv: jobEnv, caches: map[string]map[string][]byte{}}
}

// actionResult is what one use of the action did.
type actionResult struct {
	code    int               // the exit code of the step that failed, else 0
	outputs map[string]string // the action's outputs
	ran     []string          // the IDs (or uses) of the steps that ran
	log     string            // what the steps wrote to stdout and stderr
	summary string            // what they appended to the step summary
}

// use runs the action with inputs (the with: of a workflow step).
func (r *actionRunner) use(inputs map[string]string) actionResult {
	t := r.t
	t.Helper()
	for k := range inputs {
		if _, ok := r.meta.Inputs[k]; !ok {
			t.Fatalf("input %s is not in action.yml", k)
		}
	}
	steps := map[string]map[string]string{}
	var res actionResult
	var log, summary strings.Builder
	for i, s := range r.meta.Runs.Steps {
		name := s.ID
		if name == "" {
			name = s.Uses
		}
		if s.If != "" && !r.cond(s.If, steps) {
			continue
		}
		res.ran = append(res.ran, name)
		env := map[string]string{}
		for k, v := range s.Env {
			env[k] = r.expr(v, inputs, steps)
		}
		with := map[string]string{}
		for k, v := range s.With {
			with[k] = r.expr(v, inputs, steps)
		}
		var outputs map[string]string
		var code int
		switch {
		case s.Uses != "":
			outputs = r.uses(s.Uses, with)
		default:
			outputs, code = r.runScript(i, s.Run, env, &log, &summary)
		}
		if s.ID != "" {
			steps[s.ID] = outputs
		}
		if code != 0 {
			res.code = code
			break
		}
	}
	res.outputs = map[string]string{}
	for k, o := range r.meta.Outputs {
		res.outputs[k] = r.expr(o.Value, inputs, steps)
	}
	res.log, res.summary = log.String(), summary.String()
	assertNoSecrets(t, "the action's log", res.log)
	assertNoSecrets(t, "the action's summary", res.summary)
	return res
}

// uses does what the actions the action uses do, as far as the steps
// after them see it: setup-go puts Go on the PATH (it is there already);
// cache/restore and cache/save restore and save paths by key.
func (r *actionRunner) uses(action string, with map[string]string) map[string]string {
	t := r.t
	t.Helper()
	name, _, _ := strings.Cut(action, "@")
	switch name {
	case "actions/setup-go":
		if _, err := os.Stat(with["go-version-file"]); err != nil {
			t.Fatalf("setup-go's go-version-file: %v", err)
		}
		return nil
	case "actions/cache/restore", "actions/cache/save":
		dir, key := with["path"], with["key"]
		if dir == "" || key == "" {
			t.Fatalf("%s without a path or a key: %v", name, with)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if name == "actions/cache/save" {
			files := map[string][]byte{}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatalf("cache/save of %s: %v", dir, err)
			}
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				files[e.Name()] = b
			}
			r.caches[key] = files
			return nil
		}
		files, ok := r.caches[key]
		if !ok {
			return map[string]string{"cache-hit": "false"}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, b := range files {
			if err := os.WriteFile(filepath.Join(dir, n), b, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return map[string]string{"cache-hit": "true"}
	}
	t.Fatalf("the test does not know what %s does", action)
	return nil
}

// runScript runs script as the runner runs a bash step (bash --noprofile
// --norc -eo pipefail FILE), with the runner's environment, the job's and
// env, in the workspace; it returns the step's outputs and exit code.
func (r *actionRunner) runScript(i int, script string, env map[string]string, log, summary *strings.Builder) (map[string]string, int) {
	t := r.t
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "step.sh")
	output, stepSummary := filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	for _, p := range []string{output, stepSummary} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*procGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", file)
	cmd.Dir = r.workspace
	cmd.Env = nil
	// What the build needs of this machine's environment: Go's settings.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "PATH" || k == "HOME" || strings.HasPrefix(k, "GO") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": r.root, "GITHUB_ACTION_REF": actionRef,
		"GITHUB_WORKSPACE": r.workspace, "GITHUB_OUTPUT": output, "GITHUB_STEP_SUMMARY": stepSummary,
		"RUNNER_TEMP": r.temp, "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "CI": "true",
	} {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for _, m := range []map[string]string{r.jobEnv, env} {
		for k, v := range m {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	log.WriteString(out.String())
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("step %d: %v", i, err)
		}
		code = ee.ExitCode()
	}
	b, err := os.ReadFile(stepSummary)
	if err != nil {
		t.Fatal(err)
	}
	summary.Write(b)
	b, err = os.ReadFile(output)
	if err != nil {
		t.Fatal(err)
	}
	return parseGitHubOutput(t, string(b)), code
}

// parseGitHubOutput reads a $GITHUB_OUTPUT file: NAME=VALUE lines and
// NAME<<DELIMITER blocks; a later value of a name wins, as on the runner.
func parseGitHubOutput(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if name, delim, ok := strings.Cut(l, "<<"); ok && !strings.Contains(name, "=") {
			var v []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				v = append(v, lines[i])
			}
			out[name] = strings.Join(v, "\n")
			continue
		}
		name, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT line %q is neither NAME=VALUE nor NAME<<DELIMITER", l)
		}
		out[name] = v
	}
	return out
}

var exprPattern = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// expr evaluates the ${{ }} expressions in s that action.yml uses.
func (r *actionRunner) expr(s string, inputs map[string]string, steps map[string]map[string]string) string {
	t := r.t
	t.Helper()
	return exprPattern.ReplaceAllStringFunc(s, func(m string) string {
		e := exprPattern.FindStringSubmatch(m)[1]
		parts := strings.Split(e, ".")
		switch {
		case len(parts) == 2 && parts[0] == "inputs":
			if v, ok := inputs[parts[1]]; ok {
				return v
			}
			in, ok := r.meta.Inputs[parts[1]]
			if !ok {
				t.Fatalf("expression %q names an input action.yml does not declare", m)
			}
			return in.Default
		case e == "github.action_path":
			return r.root
		case e == "runner.temp":
			return r.temp
		case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
			return steps[parts[1]][parts[3]]
		}
		t.Fatalf("the test cannot evaluate the expression %q", m)
		return ""
	})
}

var condPattern = regexp.MustCompile(`^(steps\.[a-z-]+\.outputs\.[a-z-]+) (==|!=) '([^']*)'$`)

// cond evaluates an if: of action.yml.
func (r *actionRunner) cond(s string, steps map[string]map[string]string) bool {
	r.t.Helper()
	m := condPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		r.t.Fatalf("the test cannot evaluate the condition %q", s)
	}
	v := r.expr("${{ "+m[1]+" }}", nil, steps)
	return (v == m[3]) == (m[2] == "==")
}

// TestAction runs the action's steps as a workflow would use it: run with
// --state, a re-run that restores the binary from the cache and starts
// nothing, start and a wait in a later step, a failure, and mistakes in
// the inputs.
func TestAction(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	srv := newFake(t, anchortest.WithTemplate(quickSuccess()))
	r := newActionRunner(t, map[string]string{client.EnvAPIKey: testKey, client.EnvBaseURL: srv.URL})
	fast := map[string]string{"task-id": testTask, "not-found-grace": "5s"}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range fast {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}

	state := filepath.Join(r.temp, "anchor-state.json")
	first := r.use(with(map[string]string{"command": "run", "count": "2", "state": state, "junit": "report.xml",
		"output-dir": "outputs", "inputs": "ANCHOR_URL=https://example.com\n\nANCHOR_MODE=a b\n"}))
	if first.code != 0 {
		t.Fatalf("run: exit %d; log:\n%s", first.code, first.log)
	}
	if !contains(first.ran, "build") || !strings.Contains(first.log, "anchor-wait "+actionRef+" (") {
		t.Errorf("the first use ran %v, want the build (nothing is cached yet), of a binary whose version is the action's ref; log:\n%s", first.ran, first.log)
	}
	ids := strings.Fields(first.outputs["execution-ids"])
	if o := first.outputs; len(ids) != 2 || o["status"] != "success" || o["failed"] != "0" || o["exit-code"] != "0" {
		t.Fatalf("outputs %v; want 2 execution IDs, success, 0 failed, exit code 0; log:\n%s", o, first.log)
	}
	var doc jsonDoc
	if err := json.Unmarshal([]byte(readFile(t, first.outputs["results-file"])), &doc); err != nil || len(doc.Results) != 2 || doc.ExitCode != 0 {
		t.Errorf("the results file holds %+v (%v), want the 2 results and exit code 0", doc, err)
	}
	if _, err := os.Stat(filepath.Join(r.workspace, "report.xml")); err != nil {
		t.Errorf("no JUnit report in the workspace: %v", err)
	}
	for _, id := range ids {
		if got := readFile(t, filepath.Join(r.workspace, "outputs", id+outputSuffix)); got != `{"ok":true}` {
			t.Errorf("outputs/%s.output = %q", id, got)
		}
		if reqs := srv.RequestsFor(id); len(reqs) == 0 {
			t.Errorf("no request for %s", id)
		}
	}
	if !strings.Contains(first.summary, "anchor-wait: all 2 executions succeeded") {
		t.Errorf("step summary:\n%s", first.summary)
	}
	posts := postsOf(srv)
	again := r.use(with(map[string]string{"command": "run", "count": "2", "state": state}))
	if again.code != 0 || again.outputs["execution-ids"] != first.outputs["execution-ids"] {
		t.Errorf("re-run: exit %d, execution-ids %q; want 0 and %q; log:\n%s", again.code, again.outputs["execution-ids"], first.outputs["execution-ids"], again.log)
	}
	if n := postsOf(srv); n != posts {
		t.Errorf("the re-run sent %d POST /v1/task/run, want none", n-posts)
	}
	if contains(again.ran, "build") || contains(again.ran, "actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e") {
		t.Errorf("the re-run ran %v: the binary is cached, so neither Go nor the build should run", again.ran)
	}

	started := r.use(with(map[string]string{"command": "start"}))
	startedIDs := strings.Fields(started.outputs["execution-ids"])
	if started.code != 0 || len(startedIDs) != 1 || started.outputs["status"] != "" || started.outputs["exit-code"] != "0" {
		t.Fatalf("start: exit %d, outputs %v; want one ID, no status, exit code 0; log:\n%s", started.code, started.outputs, started.log)
	}
	waited := r.use(with(map[string]string{"execution-ids": started.outputs["execution-ids"]}))
	if waited.code != 0 || waited.outputs["status"] != "success" || waited.outputs["execution-ids"] != startedIDs[0] {
		t.Errorf("wait: exit %d, outputs %v; want success for %s; log:\n%s", waited.code, waited.outputs, startedIDs[0], waited.log)
	}

	bad := srv.AddExecution(testTask, quickFailure())
	failed := r.use(with(map[string]string{"execution-ids": bad + "\n" + startedIDs[0]}))
	if o := failed.outputs; failed.code != exitFailure || o["status"] != "failure" || o["failed"] != "1" || o["exit-code"] != "1" {
		t.Errorf("a failure: exit %d, outputs %v; want 1, failure, 1 failed; log:\n%s", failed.code, o, failed.log)
	}
	if !strings.Contains(failed.log, "::error title=Anchor execution "+bad+" failure::") {
		t.Errorf("no annotation for the failure; log:\n%s", failed.log)
	}

	for _, tt := range []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"unknown command", map[string]string{"command": "frobnicate"}, "::error title=anchor-wait action::input command is 'frobnicate': want wait, run or start"},
		{"no IDs to wait for", map[string]string{}, "input execution-ids is empty: want the IDs to wait for, or command run or start"},
		{"a run input with wait", map[string]string{"execution-ids": bad, "count": "3"}, "input count is for command run or start, not wait"},
		{"IDs with run", map[string]string{"command": "run", "execution-ids": bad}, "input execution-ids is for command wait"},
		{"not a boolean", map[string]string{"execution-ids": bad, "fail-fast": "yes"}, "input fail-fast is 'yes': want true or false"},
		{"anchor-wait's own usage error", map[string]string{"execution-ids": bad, "timeout": "soon"}, `::error title=anchor-wait usage error::invalid value "soon" for flag --timeout`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := r.use(with(tt.inputs))
			if res.code != exitUsage || res.outputs["exit-code"] != "2" || res.outputs["status"] != "usage" {
				t.Errorf("exit %d, outputs %v; want 2 and status usage", res.code, res.outputs)
			}
			if !strings.Contains(res.log, tt.want) {
				t.Errorf("log lacks %q:\n%s", tt.want, res.log)
			}
		})
	}

	// The key from the api-key input, when the job's environment has none.
	keyless := newActionRunner(t, map[string]string{client.EnvBaseURL: srv.URL})
	keyless.caches = r.caches
	withKey := keyless.use(with(map[string]string{"execution-ids": startedIDs[0], "api-key": testKey}))
	if withKey.code != 0 || withKey.outputs["status"] != "success" {
		t.Errorf("api-key input: exit %d, outputs %v; log:\n%s", withKey.code, withKey.outputs, withKey.log)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
