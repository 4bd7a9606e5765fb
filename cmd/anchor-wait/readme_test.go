//go:build unix

package main

// The README's examples, checked as a reader would use them: the shell
// quickstart runs as pasted against the built binaries, and each Go block,
// a complete file, is compiled (and a test file run) in the module.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// readme returns the README of the module.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(actionRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// codeBlockAfter returns the fenced code block that follows marker in s.
func codeBlockAfter(t *testing.T, s, marker string) string {
	t.Helper()
	i := strings.Index(s, marker)
	if i < 0 {
		t.Fatalf("README has no %q", marker)
	}
	m := regexp.MustCompile("(?s)```[a-z]*\n(.*?)```").FindStringSubmatch(s[i:])
	if m == nil {
		t.Fatalf("no code block after %q", marker)
	}
	return m[1]
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestREADMEQuickstart runs the README's "Try it against anchor-fake"
// block with bash, the built anchor-wait and anchor-fake on the PATH, as
// pasted but for the fake's port (8080 may be taken on this machine): each
// line does what its comment says.
func TestREADMEQuickstart(t *testing.T) {
	t.Parallel()
	script := codeBlockAfter(t, readme(t), "<!-- TestREADMEQuickstart runs this block. -->")
	if !strings.Contains(script, "127.0.0.1:8080") {
		t.Fatal("the quickstart no longer uses 127.0.0.1:8080: update the test")
	}
	script = strings.ReplaceAll(script, "127.0.0.1:8080", freeAddr(t))

	bin := filepath.Dir(binary(t))
	fake := filepath.Join(t.TempDir(), "anchor-fake")
	if out, err := goCommand(t, "../anchor-fake", nil, "build", "-o", fake, ".").CombinedOutput(); err != nil {
		t.Fatalf("build anchor-fake: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), procGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + bin + ":" + filepath.Dir(fake) + ":" + os.Getenv("PATH"), "HOME=" + dir}
	// Its own process group, so that a fake left running by a failure is
	// stopped with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		t.Fatalf("the quickstart failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	ids, err := os.ReadFile(filepath.Join(dir, "ids.txt"))
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(string(ids))
	for _, want := range []string{"2 executions: 2 success", "exit 1\n", id + errorSuffix + "\n"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, want := range []string{"exit 0: all 2 executions succeeded", "started execution " + id, "exit 1: one execution failed"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// TestREADMEGoExamples compiles each Go block of the README, a complete
// file, as a package of the module of its own (through an overlay, so the
// tree is not touched); a _test package is run.
func TestREADMEGoExamples(t *testing.T) {
	t.Parallel()
	root := actionRoot(t)
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(readme(t), -1)
	if len(blocks) < 3 {
		t.Fatalf("README has %d Go blocks, want the 3 examples at least", len(blocks))
	}
	tmp := t.TempDir()
	replace := map[string]string{}
	var mains, tests []string
	for i, b := range blocks {
		src := b[1]
		name := "main.go"
		if strings.Contains(src, "_test\n") {
			name = "readme_test.go"
		}
		pkg := fmt.Sprintf("./internal/readmeexample%d", i)
		file := filepath.Join(tmp, fmt.Sprintf("%d-%s", i, name))
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		replace[filepath.Join(root, pkg, name)] = file
		if name == "main.go" {
			mains = append(mains, pkg)
		} else {
			tests = append(tests, pkg)
		}
	}
	overlay := filepath.Join(tmp, "overlay.json")
	b, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(overlay, b, 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"build", "-overlay", overlay, "-o", tmp + string(filepath.Separator)}, mains...)
	if out, err := goCommand(t, root, nil, args...).CombinedOutput(); err != nil {
		t.Errorf("the README's Go programs do not build: %v\n%s", err, out)
	}
	// A test is built, then run in a directory of its own: its package's
	// directory exists only in the overlay.
	for i, pkg := range tests {
		testBin := filepath.Join(tmp, fmt.Sprintf("readme-%d.test", i))
		if out, err := goCommand(t, root, nil, "test", "-c", "-vet=off", "-overlay", overlay, "-o", testBin, pkg).CombinedOutput(); err != nil {
			t.Errorf("the README's Go test %s does not build: %v\n%s", pkg, err, out)
			continue
		}
		run := exec.Command(testBin, "-test.v")
		run.Dir = tmp
		if out, err := run.CombinedOutput(); err != nil || !strings.Contains(string(out), "--- PASS") {
			t.Errorf("the README's Go test %s does not pass: %v\n%s", pkg, err, out)
		}
	}
}
