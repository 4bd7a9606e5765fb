package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

var update = flag.Bool("update", false, "rewrite the golden file of --help")

// runMain runs the command to its end (it must not serve) and returns its
// exit status, stdout and stderr.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, func(string) string { return "" })
	return code, stdout.String(), stderr.String()
}

// TestHelpGolden: --help and -h print the help on stdout, exit 0, and the
// help is testdata/help.golden; go test -update rewrites it.
func TestHelpGolden(t *testing.T) {
	code, stdout, stderr := runMain(t, "--help")
	if code != exitOK || stderr != "" {
		t.Fatalf("--help: exit %d, stderr %q; want 0 and nothing", code, stderr)
	}
	golden := filepath.Join("testdata", "help.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if stdout != string(want) {
		t.Errorf("--help differs from %s (go test -update rewrites it):\ngot:\n%s", golden, stdout)
	}
	if _, short, _ := runMain(t, "-h"); short != stdout {
		t.Error("-h differs from --help")
	}
}

// TestHelpLayout: the help has anchor-wait's sections in its order, lists
// every flag of the flag table once in order, spelled --name, and every
// flag it names is one anchor-fake takes.
func TestHelpLayout(t *testing.T) {
	help := helpText()
	var at []int
	for _, section := range []string{"\nUsage:\n", "\nExamples:\n", "\nFlags:\n", "\nEnvironment:\n", "\nExit codes:\n"} {
		i := strings.Index(help, section)
		if i < 0 {
			t.Fatalf("the help has no %q section", strings.TrimSpace(section))
		}
		at = append(at, i)
	}
	if !slices.IsSorted(at) {
		t.Errorf("sections at %v, want them in anchor-wait's order", at)
	}
	line := regexp.MustCompile(`(?m)^  (?:-([a-z]), )?--([a-z][a-z-]*)`)
	var listed []string
	for _, m := range line.FindAllStringSubmatch(help, -1) {
		listed = append(listed, m[2])
	}
	var want []string
	for _, f := range flagTable {
		want = append(want, f.name)
	}
	if !slices.Equal(listed, want) {
		t.Errorf("the help lists %v, the flag table %v", listed, want)
	}
	for _, m := range regexp.MustCompile(`--([a-z][a-z-]*)`).FindAllStringSubmatch(help, -1) {
		known := slices.ContainsFunc(flagTable, func(f fakeFlag) bool { return f.name == m[1] })
		if !known && m[1] != "stall" { // anchor-wait --stall, in an example
			t.Errorf("the help names --%s, which anchor-fake does not take", m[1])
		}
	}
	if strings.Contains(help, "\n  -addr") || strings.Contains(help, " -queued") {
		t.Error("the help spells a flag with one dash")
	}
	// Each flag of the table parses as --name (with a value it takes).
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range flagTable {
		if f.name == "help" || f.name == "version" {
			continue
		}
		args := []string{"--api-key", "k", "--" + f.name}
		switch {
		case f.name == "webhook-secret-file":
			args = append(args, secret)
		case f.arg != "":
			args = append(args, sampleValue(f.name))
		}
		if strings.HasPrefix(f.name, "webhook-") && f.name != "webhook-url" {
			args = append(args, "--webhook-url", "http://127.0.0.1:9/h")
		}
		env := func(k string) string {
			if k == "ANCHORBROWSER_WEBHOOK_SECRET" {
				return "s"
			}
			return ""
		}
		if _, err := parseArgs(args, env); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// sampleValue is a value the flag name takes.
func sampleValue(name string) string {
	switch name {
	case "outcomes":
		return "success=1"
	case "status":
		return "failure"
	case "seed":
		return "7"
	case "webhook-loss", "webhook-duplicate":
		return "0.5"
	case "webhook-url":
		return "http://127.0.0.1:9/h"
	}
	if strings.HasSuffix(flagArg(name), "DURATION") {
		return "2s"
	}
	return "x"
}

func flagArg(name string) string {
	for _, f := range flagTable {
		if f.name == name {
			return f.arg
		}
	}
	return ""
}

// TestVersion: --version prints the version of anchor-fake and Go on
// stdout and exits 0 without serving; a release build's version is the
// one the linker set.
func TestVersion(t *testing.T) {
	code, stdout, stderr := runMain(t, "--version")
	if code != exitOK || stderr != "" || !strings.HasPrefix(stdout, "anchor-fake ") || !strings.HasSuffix(stdout, " ("+runtime.Version()+")\n") {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	old := version
	t.Cleanup(func() { version = old })
	version = "v2.0.0"
	if got := versionText(); got != "anchor-fake v2.0.0 ("+runtime.Version()+")\n" {
		t.Errorf("with the release version v2.0.0: %q", got)
	}
}

// TestOutcomesStatusOf: the nth execution started ends as the pattern
// says, in turn and then again from the start.
func TestOutcomesStatusOf(t *testing.T) {
	var o outcomes
	if err := o.Set("success=3, failure=1,timeout=2"); err != nil {
		t.Fatal(err)
	}
	want := []client.Status{"success", "success", "success", "failure", "timeout", "timeout", "success", "success", "success", "failure"}
	for i, w := range want {
		if got := o.statusOf(i + 1); got != w {
			t.Errorf("execution %d ends %s, want %s", i+1, got, w)
		}
	}
	if got := o.String(); got != "success=3,failure=1,timeout=2" {
		t.Errorf("String() = %q", got)
	}
}

// TestRunMixedOutcomes: one server whose executions end as --outcomes
// says, with --error-message on those that fail.
func TestRunMixedOutcomes(t *testing.T) {
	f := start(t, []string{"--addr", "127.0.0.1:0", "--api-key", "k", "--queued", "0s", "--running", "0s",
		"--outcomes", "success=2,failure=1", "--error-message", "selector #buy not found"}, nil)
	c := newClient(t, f, "k")
	ctx := context.Background()
	want := []client.Status{"success", "success", "failure", "success", "success", "failure"}
	for i, w := range want {
		res, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskID, Async: true})
		if err != nil {
			t.Fatal(err)
		}
		var got *client.Execution
		for deadline := time.Now().Add(10 * time.Second); ; { // a guard against a hang, not a timing assumption
			got, err = c.GetExecution(ctx, taskID, res.ExecutionResultID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status.Terminal() || time.Now().After(deadline) {
				break
			}
		}
		if got.Status != w {
			t.Errorf("execution %d ended %s, want %s", i+1, got.Status, w)
		}
		if w == client.StatusFailure && deref(got.ErrorMessage) != "selector #buy not found" {
			t.Errorf("execution %d: error message %q", i+1, deref(got.ErrorMessage))
		}
	}
}
