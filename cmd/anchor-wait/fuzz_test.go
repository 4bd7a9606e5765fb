package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// fuzzKey is the key in the environment of FuzzCLIArgs: the inputs may hold
// it anywhere, and no output may.
const fuzzKey = "sk-fuzz-5d3c1b9a7e6f4a2b"

// fuzzArgSep separates arguments in FuzzCLIArgs' first input: no real
// argument can hold a NUL byte.
const fuzzArgSep = "\x00"

// fuzzGuard bounds one run of FuzzCLIArgs: no input it runs may take
// anywhere near as long.
const fuzzGuard = 20 * time.Second

// FuzzCLIArgs feeds anchor-wait arbitrary arguments and stdin, with a key in
// the environment and, as the API, a server that answers 401 at once (and
// closes each connection, so nothing accumulates across inputs). Whatever
// the input, run does not panic or hang, and exits 0 (help, version), 2 (bad
// usage: one line on stderr, nothing on stdout), 3 (a --timeout so short it
// ran out) or 4 (the input was good and the server refused it); and the key
// appears in neither stdout nor stderr.
//
// Inputs that would touch files (--junit writes one, --api-key-file reads
// one), start the demo's server, reach another server (a valid --base-url)
// or wait on purpose (a --rate under 100 per second) are skipped: those
// paths have tests of their own.
func FuzzCLIArgs(f *testing.F) {
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"code":401,"message":"Invalid API key"}}`)
	}))
	f.Cleanup(refuse.Close)
	for _, seed := range []struct{ args, stdin string }{
		{testTask + "\x00" + testExec, ""},
		{testTask + "\x00-", testExec + "\n" + strings.ToUpper(testExec) + "\t" + testExec},
		{testTask + "\x00-", "not-an-id\n"},
		{testTask + "\x00-", ""},
		{testTask + "\x00-\x00-", testExec},
		{testTask + "\x00" + fuzzKey, ""},
		{fuzzKey, ""},
		{testTask + "\x00-", testExec + " " + fuzzKey + "\n"},
		{"--output\x00yaml\x00" + testTask + "\x00" + testExec, ""},
		{"--output=jsonl\x00--quiet\x00" + testTask + "\x00" + testExec, ""},
		{"--output\x00json\x00" + testTask + "\x00-", testExec},
		{"--timeout\x00-1s\x00" + testTask + "\x00" + testExec, ""},
		{"--timeout\x001ns\x00" + testTask + "\x00" + testExec, ""},
		{"--interval\x000\x00" + testTask + "\x00" + testExec, ""},
		{"--interval\x002s\x00--max-interval\x001s\x00" + testTask + "\x00" + testExec, ""},
		{"--concurrency\x000\x00" + testTask + "\x00" + testExec, ""},
		{"--rate\x00NaN\x00" + testTask + "\x00" + testExec, ""},
		{"--rate\x001000\x00--fail-fast\x00" + testTask + "\x00" + testExec, ""},
		{"--quiet\x00--verbose\x00" + testTask + "\x00" + testExec, ""},
		{"--base-url\x00http://" + fuzzKey + "@127.0.0.1:1\x00" + testTask + "\x00" + testExec, ""},
		{"--base-url\x00http://user:" + fuzzKey + "@example.com\x00" + testTask + "\x00" + testExec, ""},
		{"--base-url\x00http://anchor.example.com\x00" + testTask + "\x00" + testExec, ""},
		{"--bogus\x00" + testTask, ""},
		{"--\x00--timeout\x00" + testTask, ""},
		{"run\x00--count\x000\x00" + testTask, ""},
		{"run\x00--input\x00X=1\x00" + testTask, ""},
		{"run\x00--input\x00ANCHOR_K=" + fuzzKey + "\x00--version\x00latest\x00" + testTask, ""},
		{"run\x00--count\x003\x00" + testTask, ""},
		{"run\x00" + testTask + "\x00" + testExec, ""},
		{"help\x00run", ""},
		{"help\x00nope", ""},
		{"version\x00extra", ""},
		{"demo\x00extra", ""},
		{"-h", ""},
		{"--version", ""},
		{"", ""},
		{testTask + "\x00\x1b[31mred\nline", ""},
		{testTask + "\x00-", strings.Repeat("x", 70000)},
	} {
		f.Add(seed.args, seed.stdin)
	}
	env := map[string]string{client.EnvAPIKey: fuzzKey, client.EnvBaseURL: refuse.URL}
	f.Fuzz(func(t *testing.T, argLine, stdin string) {
		var args []string
		if argLine != "" {
			args = strings.Split(argLine, fuzzArgSep)
		}
		if why := skipFuzzArgs(args); why != "" {
			t.Skip(why)
		}
		ctx, cancel := context.WithTimeout(context.Background(), fuzzGuard)
		defer cancel()
		var stdout, stderr bytes.Buffer
		code := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr, envOf(env))
		if ctx.Err() != nil {
			t.Fatalf("args %q: still running after %v", args, fuzzGuard)
		}
		out, errOut := stdout.String(), stderr.String()
		for _, text := range []string{out, errOut} {
			if strings.Contains(text, fuzzKey) {
				t.Fatalf("the key from the environment was echoed; args %q", args)
			}
		}
		switch code {
		case exitUsage:
			if out != "" {
				t.Errorf("usage error with stdout %q, want nothing on stdout", out)
			}
			if !strings.HasPrefix(errOut, "anchor-wait: ") || strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") {
				t.Errorf("usage error: stderr %q, want one line starting anchor-wait: ", errOut)
			}
		case exitSuccess:
			if out == "" || errOut != "" {
				t.Errorf("exit 0 (help or version): stdout %q, stderr %q; want text on stdout only", out, errOut)
			}
		case exitWaitTimeout, exitAPIError:
		default:
			t.Errorf("exit %d for args %q, want 0, 2, 3 or 4", code, args)
		}
	})
}

// skipFuzzArgs says why FuzzCLIArgs does not run args, or returns "": they
// would write or read a file (--junit, --api-key-file), start the demo's
// server, reach a server other than the test's (a valid --base-url), or
// wait on purpose (a --rate under 100 per second).
func skipFuzzArgs(args []string) string {
	for _, a := range args {
		if strings.HasPrefix(a, "-") && (strings.Contains(a, "junit") || strings.Contains(a, "api-key-file")) {
			return "touches a file"
		}
	}
	cmd, o, err := parseCommandLine(args)
	if err != nil {
		return ""
	}
	t := o.targets()
	switch {
	case cmd == cmdDemo:
		return "starts the demo"
	case t.poll == nil:
	case t.poll.baseURL != "":
		if _, err := client.ParseBaseURL(t.poll.baseURL); err == nil {
			return "reaches another server"
		}
	case t.poll.rate > 0 && t.poll.rate < 100:
		return "waits for its rate limit"
	}
	return ""
}
