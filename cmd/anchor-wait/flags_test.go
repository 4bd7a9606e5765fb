package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// TestUsageErrors checks that each bad input exits 2 with one line on
// stderr saying what was wrong and what is expected, and that no request
// reaches the API.
func TestUsageErrors(t *testing.T) {
	srv := newFake(t)
	dir := t.TempDir()
	emptyFile := filepath.Join(dir, "empty-key")
	if err := os.WriteFile(emptyFile, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	twoWords := filepath.Join(dir, "two-words")
	if err := os.WriteFile(twoWords, []byte(testKey+" "+testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	longKeyFile := filepath.Join(dir, "long-key")
	if err := os.WriteFile(longKeyFile, []byte(longKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := fakeEnv(srv)
	noKey := map[string]string{client.EnvBaseURL: srv.URL}
	withEnv := func(k, v string) map[string]string {
		m := map[string]string{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	long := withEnv(client.EnvAPIKey, longKey)
	longLen := strconv.Itoa(len(longKey))
	tests := []struct {
		name  string
		env   map[string]string
		stdin string
		args  []string
		want  string
	}{
		{"no arguments", good, "", nil, "no task ID: want anchor-wait [flags] TASK_ID EXECUTION_ID..."},
		{"task only", good, "", []string{testTask}, "no execution ID after the task ID"},
		{"unknown flag", good, "", []string{"--frobnicate", testTask, testExec}, "unknown flag --frobnicate: see anchor-wait --help"},
		{"unknown single-dash flag", good, "", []string{testTask, testExec, "-x"}, "unknown flag --x"},
		{"bad task UUID", good, "", []string{"not-a-uuid", testExec}, `task ID "not-a-uuid" is not a UUID: want 36 characters such as`},
		{"bad execution UUID", good, "", []string{testTask, testExec, "1234"}, `execution ID "1234" is not a UUID`},
		{"UUID without dashes", good, "", []string{testTask, strings.ReplaceAll(testExec, "-", "")}, "is not a UUID"},
		{"UUID in braces", good, "", []string{testTask, "{" + testExec + "}"}, "is not a UUID"},
		{"the key as an ID", good, "", []string{testTask, testKey}, `execution ID "[REDACTED]" is not a UUID`},
		{"a long key as an execution ID", long, "", []string{exampleID, longKey}, "execution ID <" + longLen + " characters, not shown> is not a UUID: want 36 characters"},
		{"a long key as the task ID", long, "", []string{longKey, testExec}, "task ID <" + longLen + " characters, not shown> is not a UUID"},
		{"a long key in braces", long, "", []string{testTask, "{" + longKey + "}"}, "is not a UUID"},
		{"a long key from a file as an execution ID", good, "", []string{"--api-key-file", longKeyFile, testTask, longKey}, "execution ID <" + longLen + " characters, not shown>"},
		{"a long key on stdin", long, testExec + "\n" + longKey + "\n", []string{testTask, "-"}, "stdin line 2: <" + longLen + " characters, not shown> is not an execution ID"},
		{"a long key as a flag value", long, "", []string{"--output", longKey, testTask, testExec}, "invalid value <" + longLen + " characters, not shown> for flag --output: want text, json or jsonl"},
		{"a long key as a flag", long, "", []string{"--" + longKey, testTask, testExec}, "unknown flag <"},
		{"a long key as a help topic", long, "", []string{"help", longKey}, "no help on <" + longLen + " characters, not shown>"},
		{"a long key after version", long, "", []string{"version", longKey}, "version takes no arguments, got <"},
		{"a long key after demo", long, "", []string{"demo", longKey}, "demo takes no arguments, got <"},
		{"a short key as an execution ID", withEnv(client.EnvAPIKey, "k1"), "", []string{testTask, "k1"}, `execution ID "[REDACTED]" is not a UUID`},
		{"missing key", noKey, "", []string{testTask, testExec}, "no API key: set ANCHORBROWSER_API_KEY or pass --api-key-file FILE"},
		{"key with a space", withEnv(client.EnvAPIKey, "sk-has a-space"), "", []string{testTask, testExec}, "API key contains white space"},
		{"unreadable key file", good, "", []string{"--api-key-file", filepath.Join(dir, "nope"), testTask, testExec}, "cannot read --api-key-file"},
		{"key file is a directory", good, "", []string{"--api-key-file", dir, testTask, testExec}, "is a directory: want a file holding the API key"},
		{"empty key file", good, "", []string{"--api-key-file", emptyFile, testTask, testExec}, "is empty: want the API key on one line"},
		{"key file with two words", good, "", []string{"--api-key-file", twoWords, testTask, testExec}, "holds more than one word"},
		{"empty stdin", good, "", []string{testTask, "-"}, "no execution IDs on stdin: want UUIDs"},
		{"blank stdin", good, "\n  \n\t\n", []string{testTask, "-"}, "no execution IDs on stdin"},
		{"bad ID on stdin", good, testExec + "\nnope\n", []string{testTask, "-"}, `stdin line 2: "nope" is not an execution ID`},
		{"stdin twice", good, testExec, []string{testTask, "-", "-"}, "- is given twice"},
		{"http to a remote host", good, "", []string{"--base-url", "http://api.example.com", testTask, testExec}, "--base-url: insecure base URL"},
		{"http to a remote host from env", withEnv(client.EnvBaseURL, "http://10.1.2.3:8080"), "", []string{testTask, testExec}, "ANCHORBROWSER_BASE_URL: insecure base URL"},
		{"base URL not a URL", good, "", []string{"--base-url", "api.example.com", testTask, testExec}, "want an https:// URL"},
		{"base URL with a port that cannot be", good, "", []string{"--base-url", "http://127.0.0.1:99999", testTask, testExec}, `--base-url: base URL "http://127.0.0.1:99999": port 99999: want a number from 1 to 65535`},
		{"bad output", good, "", []string{"--output", "xml", testTask, testExec}, `invalid value "xml" for flag --output: want text, json or jsonl`},
		{"negative timeout", good, "", []string{"--timeout", "-5m", testTask, testExec}, "want a duration of 0 or more"},
		{"timeout without unit", good, "", []string{"--timeout=30", testTask, testExec}, "want a duration such as 90s, 5m or 1h30m"},
		{"zero interval", good, "", []string{"--interval", "0s", testTask, testExec}, "for flag --interval: want a duration of at least 10ms"},
		{"interval of a nanosecond", good, "", []string{"--interval", "1ns", testTask, testExec}, `invalid value "1ns" for flag --interval: want a duration of at least 10ms, such as 500ms`},
		{"max interval below 10ms", good, "", []string{"--max-interval=9ms", testTask, testExec}, `invalid value "9ms" for flag --max-interval: want a duration of at least 10ms`},
		{"negative max interval", good, "", []string{"--max-interval", "-1s", testTask, testExec}, "for flag --max-interval"},
		{"max interval below interval", good, "", []string{"--interval", "5s", "--max-interval", "1s", testTask, testExec}, "--max-interval 1s is below --interval 5s"},
		{"zero concurrency", good, "", []string{"--concurrency", "0", testTask, testExec}, "want a whole number from 1 to 1024"},
		{"page size 0", good, "", []string{"--page-size", "0", testTask, testExec}, `invalid value "0" for flag --page-size: want a whole number from 1 to 1000`},
		{"page size over 1000", good, "", []string{"--page-size=1001", testTask, testExec}, `invalid value "1001" for flag --page-size: want a whole number from 1 to 1000`},
		{"negative rate", good, "", []string{"--rate", "-1", testTask, testExec}, "want requests per second, 0 or more"},
		{"rate not a number", good, "", []string{"--rate", "NaN", testTask, testExec}, "want requests per second"},
		{"flag without value", good, "", []string{testTask, testExec, "--timeout"}, "flag --timeout needs a value"},
		{"quiet and verbose", good, "", []string{"--quiet", "--verbose", testTask, testExec}, "--quiet and --verbose contradict each other"},
		{"junit in a missing directory", good, "", []string{"--junit", filepath.Join(dir, "no", "such", "r.xml"), testTask, testExec}, "cannot create --junit file"},
		{"bool flag with a value", good, "", []string{"--fail-fast=maybe", testTask, testExec}, "--fail-fast"},
		{"run without task", good, "", []string{"run"}, "no task ID: want anchor-wait run [flags] TASK_ID"},
		{"run with two arguments", good, "", []string{"run", testTask, testExec}, "run takes one TASK_ID, got 2 arguments"},
		{"run with bad input", good, "", []string{"run", "--input", "URL=https://example.com", testTask}, "want ANCHOR_NAME=value"},
		{"run with input twice", good, "", []string{"run", "--input", "ANCHOR_A=1", "--input", "ANCHOR_A=2", testTask}, "input ANCHOR_A is given twice"},
		{"run with bad version", good, "", []string{"run", "--version", "v2", testTask}, "want a task version: draft, latest or a version number"},
		{"run with zero count", good, "", []string{"run", "--count", "0", testTask}, "want a whole number from 1 to 1000"},
		{"run with bad task", good, "", []string{"run", "nope"}, `task ID "nope" is not a UUID`},
		{"run unknown flag", good, "", []string{"run", "--nope", testTask}, "unknown flag --nope: see anchor-wait run --help"},
		{"demo with an argument", good, "", []string{"demo", "extra"}, `demo takes no arguments, got "extra"`},
		{"demo with a wait flag", good, "", []string{"demo", "--timeout", "1s"}, "unknown flag --timeout: demo does not take it (anchor-wait, run, start, exec, runs do): see anchor-wait demo --help"},
		{"command after a flag", good, "", []string{"--quiet", "run", testTask}, "run must come first, before any flag: want anchor-wait run [flags]"},
		{"command after a flag, no task", good, "", []string{"--quiet", "run"}, "run must come first, before any flag: want anchor-wait run [flags]"},
		{"command after flags that contradict", good, "", []string{"--quiet", "--verbose", "run", testTask}, "run must come first, before any flag"},
		{"command after a flag of its own", good, "", []string{"--count", "3", "run", testTask}, "run must come first, before any flag: want anchor-wait run [flags]"},
		{"command after a bad flag value", good, "", []string{"--timeout", "soon", "run", testTask}, "run must come first, before any flag"},
		{"demo after a flag", good, "", []string{"--output", "json", "demo"}, "demo must come first, before any flag: want anchor-wait demo [flags]"},
		{"help after a flag", good, "", []string{"--quiet", "help"}, "help must come first, before any flag"},
		{"run after --version", good, "", []string{"--version", "run", testTask}, "run must come first, before any flag"},
		{"wait as a command", good, "", []string{"wait", testTask, testExec}, `unknown command "wait": anchor-wait waits when no command is given: want anchor-wait [flags] TASK_ID EXECUTION_ID...`},
		{"a typo of start", good, "", []string{"strat", testTask}, `unknown command "strat": the nearest is start: want anchor-wait start [flags]`},
		{"start before the task, after flags", good, "", []string{"--timeout", "5s", "start", testTask}, `start must come first, before any flag: want anchor-wait start [flags]...`},
		{"a flag of waiting on start", good, "", []string{"start", "--junit", "r.xml", testTask}, `unknown flag --junit: start does not take it (anchor-wait, run, exec, runs, demo do): see anchor-wait start --help for the flags`},
		{"a flag of starting on wait", good, "", []string{"--count", "3", testTask, testExec}, `unknown flag --count: anchor-wait does not take it (run, start do): see anchor-wait --help for the flags`},
		{"start without a task", good, "", []string{"start"}, `no task ID: want anchor-wait start [flags] TASK_ID`},
		{"a list flag on run --v2", good, "", []string{"run", "--v2", "--no-sweeps", testTask}, `--no-sweeps does not apply to --v2: v2 has no list of runs to read; want --v2 without it`},
		{"a page size on run --v2", good, "", []string{"run", "--v2", "--page-size", "50", testTask}, `--page-size does not apply to --v2`},
		{"a page size on start --v2", good, "", []string{"start", "--v2", "--page-size", "50", testTask}, `--page-size does not apply to --v2`},
		{"start with two tasks", good, "", []string{"start", testTask, testTask}, `start takes one TASK_ID, got 2 arguments: want anchor-wait start [flags] TASK_ID`},
		{"a negative stall", good, "", []string{"--stall", "-1s", testTask, testExec}, `invalid value "-1s" for flag --stall: want a duration of 0 or more`},
		{"a typo of a command", good, "", []string{"rnu", testTask}, `unknown command "rnu": the nearest is run`},
		{"a typo of demo", good, "", []string{"dmeo"}, `unknown command "dmeo": the nearest is demo`},
		{"a word far from any command", good, "", []string{"frobnicate", testExec}, `unknown command "frobnicate": want one of run, start, exec, runs, demo, help, version, or anchor-wait [flags] TASK_ID EXECUTION_ID... to wait`},
		{"a command word after flags, as the task", good, "", []string{"--timeout", "5s", "wait", testExec}, `unknown command "wait"`},
		{"help on a typo", good, "", []string{"help", "rnu"}, `no help on "rnu": want anchor-wait help, or help and one of run, start, exec, runs, demo, help, version (the nearest is run)`},
		{"negative not-found grace", good, "", []string{"--not-found-grace", "-1s", testTask, testExec}, `invalid value "-1s" for flag --not-found-grace: want a duration of 0 or more`},
		{"api key file is a directory, run", good, "", []string{"run", "--api-key-file", dir, testTask}, "is a directory: want a file holding the API key"},
		{"help on nothing", good, "", []string{"help", "nope"}, `no help on "nope"`},
		{"version with an argument", good, "", []string{"version", "x"}, "version takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Requests())
			r := runCLI(t, tt.env, tt.stdin, tt.args...)
			if r.code != exitUsage {
				t.Errorf("exit code %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
			}
			if !strings.HasPrefix(r.stderr, "anchor-wait: ") || !strings.HasSuffix(r.stderr, "\n") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr %q: want one line starting with \"anchor-wait: \"", r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q: want it to contain %q", r.stderr, tt.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if n := len(srv.Requests()) - before; n != 0 {
				t.Errorf("%d requests reached the API, want none", n)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "anchor-wait [flags] TASK_ID EXECUTION_ID..."},
		{[]string{"-h"}, "anchor-wait [flags] TASK_ID -"},
		{[]string{"-help"}, "--max-interval DURATION"},
		{[]string{"help"}, "GITHUB_ACTIONS=true"},
		{[]string{testTask, "--help"}, "Examples:"},
		{[]string{"run", "--help"}, "--input NAME=VALUE"},
		{[]string{"help", "run"}, "--count N"},
		{[]string{"run", testTask, "-h"}, "anchor-wait run --version 3"},
		{[]string{"demo", "--help"}, "go run ./cmd/anchor-wait demo"},
		{[]string{"help", "demo"}, "ends in about ten seconds"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCLI(t, nil, "", tt.args...)
			if r.code != exitSuccess || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.want) || !strings.Contains(r.stdout, "Exit codes") {
				t.Errorf("help does not contain %q and the exit codes:\n%s", tt.want, r.stdout)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}, {"--version", testTask, testExec}} {
		r := runCLI(t, nil, "", args...)
		if r.code != exitSuccess || !strings.HasPrefix(r.stdout, "anchor-wait ") || !strings.Contains(r.stdout, toolVersion()) {
			t.Errorf("%v: exit %d, stdout %q; want 0 and the version", args, r.code, r.stdout)
		}
	}
	if v := toolVersion(); v == "" {
		t.Errorf("toolVersion() is empty, want a version or (devel)")
	}
}

// parseCommandLine parses a command line as run does: the command and its
// options.
func parseCommandLine(args []string) (command, commandOptions, error) {
	def, rest := commandFor(args)
	o, err := def.parse(rest)
	return def.name, o, err
}

// positionalOf returns the positional arguments o took.
func positionalOf(o commandOptions) []string {
	switch o := o.(type) {
	case *waitOptions:
		return append([]string{o.taskID}, o.execIDs...)
	case *runOptions:
		return []string{o.taskID}
	}
	return nil
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		cmd        command
		positional []string
		check      func(t flagTargets) string
	}{
		{"defaults", []string{testTask, testExec}, cmdWait, []string{testTask, testExec}, func(t flagTargets) string {
			o, r := t.poll, t.report
			if o.timeout != 30*time.Minute || r.output != formatText || o.concurrency != 8 || o.interval != 4*time.Second || o.maxInterval != 30*time.Second || o.notFoundGrace != 10*time.Second {
				return fmt.Sprintf("defaults %v, %s, %d, %v, %v, %v; want 30m, text, 8, 4s, 30s, 10s", o.timeout, r.output, o.concurrency, o.interval, o.maxInterval, o.notFoundGrace)
			}
			if o.pageSize != 100 || o.noHistory || o.noSweeps {
				return fmt.Sprintf("page size %d, no history %v, no sweeps %v; want 100 with history and sweeps", o.pageSize, o.noHistory, o.noSweeps)
			}
			return ""
		}},
		{"informed waiting off", []string{"--no-history", testTask, "--page-size", "1000", "--no-sweeps", testExec}, cmdWait, []string{testTask, testExec}, func(t flagTargets) string {
			if o := t.poll; o.pageSize != 1000 || !o.noHistory || !o.noSweeps {
				return fmt.Sprintf("page size %d, no history %v, no sweeps %v; want 1000, true, true", o.pageSize, o.noHistory, o.noSweeps)
			}
			return ""
		}},
		{"flags after IDs", []string{testTask, "--output", "json", testExec, "--fail-fast"}, cmdWait, []string{testTask, testExec}, func(t flagTargets) string {
			if t.report.output != formatJSON || !t.poll.failFast {
				return "flags after the IDs were not applied"
			}
			return ""
		}},
		{"double dash ends flags", []string{"--quiet", "--", testTask, "--verbose"}, cmdWait, []string{testTask, "--verbose"}, func(t flagTargets) string {
			if !t.report.quiet || t.report.verbose {
				return "-- did not end the flags"
			}
			return ""
		}},
		{"stdin marker", []string{testTask, "-", "--timeout=0"}, cmdWait, []string{testTask, "-"}, func(t flagTargets) string {
			if t.poll.timeout != 0 {
				return "--timeout=0 not applied"
			}
			return ""
		}},
		{"run flags", []string{"run", "--version", "3", "--input", "ANCHOR_URL=https://x.test/?a=b", "--input=ANCHOR_N=", "--count", "4", testTask}, cmdRun, []string{testTask}, func(t flagTargets) string {
			want := map[string]string{"ANCHOR_URL": "https://x.test/?a=b", "ANCHOR_N": ""}
			if t.start.taskVersion != "3" || t.start.count != 4 || !reflect.DeepEqual(t.start.inputs, want) || t.toolVersion != nil {
				return "run flags not applied as the task version, inputs and count"
			}
			return ""
		}},
		{"shortest intervals", []string{"--interval", "10ms", "--max-interval=10ms", testTask, testExec}, cmdWait, []string{testTask, testExec}, func(t flagTargets) string {
			if t.poll.interval != 10*time.Millisecond || t.poll.maxInterval != 10*time.Millisecond {
				return "10ms intervals not applied"
			}
			return ""
		}},
		{"not-found grace", []string{"--not-found-grace", "0", testTask, testExec}, cmdWait, []string{testTask, testExec}, func(t flagTargets) string {
			if t.poll.notFoundGrace != 0 {
				return "--not-found-grace 0 not applied"
			}
			return ""
		}},
		{"demo", []string{"demo", "--output", "jsonl"}, cmdDemo, nil, func(t flagTargets) string {
			if t.report.output != formatJSONL {
				return "--output not applied"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, o, err := parseCommandLine(tt.args)
			if err != nil {
				t.Fatalf("parse %q: %v", tt.args, err)
			}
			if positional := positionalOf(o); cmd != tt.cmd || !reflect.DeepEqual(positional, tt.positional) {
				t.Errorf("got %s %q, want %s %q", cmd, positional, tt.cmd, tt.positional)
			}
			if msg := tt.check(o.targets()); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestCheckOptionsRaisesMaxInterval(t *testing.T) {
	_, o, err := parseCommandLine([]string{"--interval", "2m", testTask, testExec})
	if err != nil {
		t.Fatal(err)
	}
	poll := o.targets().poll
	if err := poll.check(); err != nil {
		t.Fatalf("check: %v", err)
	}
	if poll.maxInterval != 2*time.Minute {
		t.Errorf("max interval %v, want it raised to the interval 2m0s when not given", poll.maxInterval)
	}
}

func TestLoadAPIKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	if err := os.WriteFile(file, []byte(testKey+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{client.EnvAPIKey: wrongKey})
	if got, err := loadAPIKey(t.Context(), file, env); err != nil || got != testKey {
		t.Errorf("from file: got %q, %v; want the file's key without its newline", got, err)
	}
	if got, err := loadAPIKey(t.Context(), "", env); err != nil || got != wrongKey {
		t.Errorf("from env: got %q, %v; want the env key", got, err)
	}
}
