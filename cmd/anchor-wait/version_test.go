package main

import (
	"archive/zip"
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// goCommand returns go with args in dir, with env added to the
// environment, bounded by procGuard.
func goCommand(t *testing.T, dir string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*procGuard)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// versionLine runs bin --version and returns what it printed.
func versionLine(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", bin, err)
	}
	return string(out)
}

// TestVersionOfReleaseBuild: a binary built as GoReleaser builds it
// (-ldflags -X main.version=...) prints the release version.
func TestVersionOfReleaseBuild(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "anchor-wait")
	if out, err := goCommand(t, ".", nil, "build", "-ldflags", "-X main.version=v9.8.7", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if got, want := versionLine(t, bin), "anchor-wait v9.8.7 ("+runtime.Version()+")\n"; got != want {
		t.Errorf("--version printed %q, want %q", got, want)
	}
}

// TestVersionOfGoInstall: go install github.com/anchorwait/anchorwait/cmd/anchor-wait@VERSION
// gives a binary that prints VERSION. The module is served at that
// version from a module proxy in a directory (the working tree, zipped as
// the proxy protocol has it), its dependencies from the local module
// cache, into a module cache of the test's own: nothing is fetched from the
// network and the machine's module cache is left as it was.
func TestVersionOfGoInstall(t *testing.T) {
	t.Parallel()
	const modPath, modVersion = "github.com/anchorwait/anchorwait", "v1.2.3-test.1"
	out, err := goCommand(t, ".", nil, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	cacheProxy := filepath.Join(strings.TrimSpace(string(out)), "cache", "download")
	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	writeModuleVersion(t, proxy, root, modPath, modVersion)

	modcache, gobin := filepath.Join(tmp, "modcache"), filepath.Join(tmp, "bin")
	env := []string{
		"GOPROXY=" + fileURL(proxy) + "," + fileURL(cacheProxy),
		"GOSUMDB=off", // the dependencies are checked against the module's go.sum all the same
		"GOMODCACHE=" + modcache,
		"GOFLAGS=-modcacherw", // so the test's module cache can be removed
		"GOBIN=" + gobin,
	}
	if out, err := goCommand(t, tmp, env, "install", modPath+"/cmd/anchor-wait@"+modVersion).CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	bin := filepath.Join(gobin, "anchor-wait")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if got, want := versionLine(t, bin), "anchor-wait "+modVersion+" ("; !strings.HasPrefix(got, want) {
		t.Errorf("--version printed %q, want it to start %q", got, want)
	}
}

// fileURL is the file:// URL of the directory dir.
func fileURL(dir string) string {
	return "file://" + filepath.ToSlash(dir)
}

// writeModuleVersion lays out version of module modPath, made of the
// files under root, in the module proxy directory proxy: its .info, .mod
// and .zip (the files under the module path and version, as go mod
// download would find them). Hidden directories and node_modules are left
// out.
func writeModuleVersion(t *testing.T, proxy, root, modPath, version string) {
	t.Helper()
	dir := filepath.Join(proxy, filepath.FromSlash(modPath), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"list":            version + "\n",
		version + ".info": `{"Version":"` + version + `","Time":"2025-01-01T00:00:00Z"}`,
		version + ".mod":  string(gomod),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	prefix := modPath + "@" + version + "/"
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		w, err := zw.Create(prefix + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(w, src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}
