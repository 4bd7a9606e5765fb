package main

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/internal/syncbuf"
	"github.com/anchorwait/anchorwait/webhook"
)

const hookSecret = "whsec_fake_cmd_secret_42"

// writeFile writes content to a new file in the test's directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunWebhookUsageErrors(t *testing.T) {
	env := map[string]string{client.EnvAPIKey: "k", webhook.EnvSecret: hookSecret}
	noSecret := map[string]string{client.EnvAPIKey: "k"}
	url := []string{"--webhook-url", "http://127.0.0.1:9/hook"}
	empty := writeFile(t, "empty", "\n")
	twoWords := writeFile(t, "two", "whsec_a whsec_b\n")
	big := writeFile(t, "big", strings.Repeat("x", maxSecretFileSize+1))
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"not a URL", []string{"--webhook-url", "hooks"}, env, `--webhook-url "hooks": want an absolute http or https URL`},
		{"other scheme", []string{"--webhook-url", "ftp://x/"}, env, `--webhook-url "ftp://x/"`},
		{"no host", []string{"--webhook-url", "http:///hook"}, env, `--webhook-url "http:///hook"`},
		{"no secret", url, noSecret, "no webhook secret: set ANCHORBROWSER_WEBHOOK_SECRET or pass --webhook-secret-file FILE"},
		{"secret of two words", url, map[string]string{client.EnvAPIKey: "k", webhook.EnvSecret: "a b"}, "ANCHORBROWSER_WEBHOOK_SECRET holds more than one word"},
		{"missing secret file", append([]string{"--webhook-secret-file", "/nonexistent/secret"}, url...), noSecret, `cannot read --webhook-secret-file "/nonexistent/secret": no such file or directory`},
		{"secret file is a directory", append([]string{"--webhook-secret-file", t.TempDir()}, url...), noSecret, "is not a regular file (a directory)"},
		{"empty secret file", append([]string{"--webhook-secret-file", empty}, url...), env, "is empty: want the secret on one line"},
		{"secret file of two words", append([]string{"--webhook-secret-file", twoWords}, url...), env, "holds more than one word"},
		{"huge secret file", append([]string{"--webhook-secret-file", big}, url...), env, "is over 65536 bytes"},
		{"negative delay", append([]string{"--webhook-delay", "-1s"}, url...), env, "--webhook-delay -1s: want 0 or more"},
		{"bad delay", append([]string{"--webhook-delay", "soon"}, url...), env, `"soon"`},
		{"loss over 1", append([]string{"--webhook-loss", "1.5"}, url...), env, `invalid value "1.5" for flag --webhook-loss: want a fraction from 0 to 1, such as 0.05`},
		{"loss negative", append([]string{"--webhook-loss", "-0.1"}, url...), env, `"-0.1" for flag --webhook-loss`},
		{"loss NaN", append([]string{"--webhook-loss", "NaN"}, url...), env, `"NaN" for flag --webhook-loss`},
		{"duplicate not a number", append([]string{"--webhook-duplicate", "some"}, url...), env, `invalid value "some" for flag --webhook-duplicate: want a fraction`},
		{"delay without URL", []string{"--webhook-delay", "1s"}, env, "--webhook-delay needs --webhook-url"},
		{"wrong secret without URL", []string{"--webhook-wrong-secret"}, env, "--webhook-wrong-secret needs --webhook-url"},
		{"secret file without URL", []string{"--webhook-secret-file", empty}, env, "--webhook-secret-file needs --webhook-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"--addr", "127.0.0.1:0"}, tt.args...), &stdout, &stderr, func(k string) string { return tt.env[k] })
			if code != exitUsage {
				t.Errorf("exit status %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tt.wantErr)
			}
			if strings.Contains(stderr.String(), hookSecret) || strings.Contains(stderr.String(), "whsec_a") {
				t.Errorf("stderr %q holds the secret", stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

func TestParseArgsWebhook(t *testing.T) {
	file := writeFile(t, "secret", "  whsec_from_file\n")
	env := func(k string) string {
		return map[string]string{client.EnvAPIKey: "k", webhook.EnvSecret: " whsec_from_env\n"}[k]
	}
	tests := []struct {
		name       string
		args       []string
		wantSecret string
		wantDelay  time.Duration
		lose, dup  bool
		wrong      bool
	}{
		{"defaults", []string{"--webhook-url", "http://127.0.0.1:9/h"}, "whsec_from_env", 200 * time.Millisecond, false, false, false},
		{"file over environment", []string{"--webhook-url", "https://hooks.example/h", "--webhook-secret-file", file}, "whsec_from_file", 200 * time.Millisecond, false, false, false},
		{"delay 0 is at once", []string{"--webhook-url", "http://127.0.0.1:9/h", "--webhook-delay", "0"}, "whsec_from_env", -1, false, false, false},
		{"everything", []string{"--webhook-url", "http://127.0.0.1:9/h", "--webhook-delay", "2s", "--webhook-loss", "0.05", "--webhook-duplicate", "1", "--webhook-wrong-secret"}, "whsec_from_env", 2 * time.Second, true, true, true},
		{"fractions of 0 choose none", []string{"--webhook-url", "http://127.0.0.1:9/h", "--webhook-loss", "0", "--webhook-duplicate", "0.0"}, "whsec_from_env", 200 * time.Millisecond, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseArgs(tt.args, env)
			if err != nil {
				t.Fatal(err)
			}
			h := cfg.webhook
			if h == nil {
				t.Fatal("no webhook")
			}
			if string(h.Secret) != tt.wantSecret || h.Delay != tt.wantDelay || (h.Lose != nil) != tt.lose || (h.Duplicate != nil) != tt.dup || (h.WrongSecret != nil) != tt.wrong {
				t.Errorf("webhook %q delay %v lose %v dup %v wrong %v; want %q %v %v %v %v", h.Secret, h.Delay, h.Lose != nil, h.Duplicate != nil, h.WrongSecret != nil, tt.wantSecret, tt.wantDelay, tt.lose, tt.dup, tt.wrong)
			}
		})
	}
	cfg, err := parseArgs(nil, env)
	if err != nil || cfg.webhook != nil {
		t.Errorf("no --webhook-url: webhook %v, %v; want none", cfg.webhook, err)
	}
	// The same --seed loses the same events.
	a, _ := parseArgs([]string{"--webhook-url", "http://127.0.0.1:9/h", "--webhook-loss", "0.3", "--seed", "9"}, env)
	b, _ := parseArgs([]string{"--webhook-url", "http://127.0.0.1:9/h", "--webhook-loss", "0.3", "--seed", "9"}, env)
	lost := 0
	for n := 1; n <= 1000; n++ {
		if a.webhook.Lose(n) != b.webhook.Lose(n) {
			t.Fatalf("event %d: lost by one run and not the other", n)
		}
		if a.webhook.Lose(n) {
			lost++
		}
	}
	if lost < 250 || lost > 350 {
		t.Errorf("--webhook-loss 0.3 lost %d of 1000, want about 300", lost)
	}
}

// hookReceiver is a webhook.Receiver on loopback that reports what it
// receives.
type hookReceiver struct {
	url    string
	rv     *webhook.Receiver
	events chan webhook.Event
	tries  chan http.Header // every request, accepted or not
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	r := &hookReceiver{events: make(chan webhook.Event, 16), tries: make(chan http.Header, 64)}
	rv, err := webhook.NewReceiver([]byte(hookSecret), func(ev webhook.Event) { r.events <- ev })
	if err != nil {
		t.Fatal(err)
	}
	r.rv = rv
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rv.ServeHTTP(w, req)
		select {
		case r.tries <- req.Header.Clone():
		default:
		}
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/anchor/webhook?token=route-secret"
	return r
}

// event waits for the next event, failing the test after a generous bound.
func (r *hookReceiver) event(t *testing.T) webhook.Event {
	t.Helper()
	select {
	case ev := <-r.events:
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook event within 30 s")
	}
	return webhook.Event{}
}

func TestRunDeliversWebhooks(t *testing.T) {
	tests := []struct {
		status client.Status
		typ    string
	}{
		{client.StatusSuccess, "task.completed"},
		{client.StatusFailure, "task.failed"},
		{client.StatusCancelled, "task.cancelled"},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			r := newHookReceiver(t)
			f := start(t, []string{"--addr", "127.0.0.1:0", "--api-key", "k", "--queued", "0s", "--running", "0s", "--status", string(tt.status),
				"--webhook-url", r.url, "--webhook-delay", "0", "--verbose"}, map[string]string{webhook.EnvSecret: hookSecret})
			res, err := newClient(t, f, "k").RunTask(context.Background(), client.RunTaskRequest{TaskID: taskID, Async: true})
			if err != nil {
				t.Fatal(err)
			}
			ev := r.event(t)
			if ev.Type != tt.typ || !ev.Mentions(res.ExecutionResultID) || !ev.Mentions(taskID) {
				t.Errorf("event %s %s, want %s naming the execution and task", ev.Type, ev.Raw, tt.typ)
			}
			if code := f.stop(t); code != 0 {
				t.Errorf("exit status %d, want 0", code)
			}
			logs := f.stderr.String()
			for _, want := range []string{"delivering webhook events", "/anchor/webhook", "webhook delivery", "status=200"} {
				if !strings.Contains(logs, want) {
					t.Errorf("stderr lacks %q:\n%s", want, logs)
				}
			}
			for _, secret := range []string{hookSecret, "route-secret"} {
				if strings.Contains(logs, secret) || strings.Contains(f.stdout.String(), secret) {
					t.Errorf("output holds %q:\n%s", secret, logs)
				}
			}
		})
	}
}

func TestRunWebhookWrongSecret(t *testing.T) {
	r := newHookReceiver(t)
	f := start(t, []string{"--addr", "127.0.0.1:0", "--api-key", "k", "--queued", "0s", "--running", "0s",
		"--webhook-url", r.url, "--webhook-delay", "0", "--webhook-wrong-secret"}, map[string]string{webhook.EnvSecret: hookSecret})
	if _, err := newClient(t, f, "k").RunTask(context.Background(), client.RunTaskRequest{TaskID: taskID, Async: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case h := <-r.tries:
		if h.Get(webhook.HeaderSignature) == "" || h.Get("User-Agent") != "Anchor-Webhooks/1.0" || h.Get(webhook.HeaderEvent) != "task.completed" {
			t.Errorf("delivery headers %v, want Anchor's, signed", h)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no delivery within 30 s")
	}
	f.stop(t) // ends the retries
	if st := r.rv.Stats(); st.Accepted != 0 || st.Unauthorized < 1 {
		t.Errorf("receiver stats %+v, want only refusals", st)
	}
}

// The built program, run as a user runs it: the secret from the
// environment or a file, a receiver on loopback, and the time from the
// execution's end to the event's arrival.
func TestMainDeliversWebhook(t *testing.T) {
	secretFile := writeFile(t, "secret", hookSecret+"\n")
	tests := []struct {
		name string
		args string
		env  []string
	}{
		{"secret from the environment", "", []string{webhook.EnvSecret + "=" + hookSecret}},
		{"secret from a file", " --webhook-secret-file " + secretFile, []string{webhook.EnvSecret + "=whsec_not_this_one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newHookReceiver(t)
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), append(tt.env,
				mainArgsEnv+"=--addr 127.0.0.1:0 --queued 0s --running 500ms -v --webhook-url "+r.url+tt.args,
				client.EnvAPIKey+"=sk-main", "GORACE=atexit_sleep_ms=0")...)
			var stderr syncbuf.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				_ = cmd.Process.Signal(os.Interrupt)
				if err := cmd.Wait(); err != nil {
					t.Errorf("exit: %v; stderr %q", err, stderr.String())
				}
				logs := stderr.String()
				if strings.Contains(logs, hookSecret) {
					t.Errorf("stderr holds the secret:\n%s", logs)
				}
				if !strings.Contains(logs, "webhook delivery") {
					t.Errorf("stderr lacks the delivery:\n%s", logs)
				}
			}()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatalf("no URL on stdout: %v; stderr %q", err, stderr.String())
			}
			f := &fake{url: strings.TrimSpace(line)}
			c := newClient(t, f, "sk-main")
			res, err := c.RunTask(context.Background(), client.RunTaskRequest{TaskID: taskID, Async: true})
			if err != nil {
				t.Fatal(err)
			}
			ev := r.event(t)
			arrived := time.Now()
			if ev.Type != "task.completed" || !ev.Mentions(res.ExecutionResultID) {
				t.Fatalf("event %s %s, want task.completed naming %s", ev.Type, ev.Raw, res.ExecutionResultID)
			}
			exec, err := c.GetExecution(context.Background(), taskID, res.ExecutionResultID)
			if err != nil || exec.Status != client.StatusSuccess {
				t.Fatalf("poll after the event: %+v, %v; want success", exec, err)
			}
			ended := exec.StartTime.Add(500 * time.Millisecond)
			lag := arrived.Sub(ended)
			t.Logf("event arrived %v after the execution ended (delay 200ms)", lag.Round(time.Millisecond))
			if lag < 150*time.Millisecond {
				t.Errorf("event %v after the end, want the 200ms delay first", lag)
			}
		})
	}
}
