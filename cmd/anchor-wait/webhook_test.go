package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/webhook"
)

// The webhook signing secrets of the tests: no output may contain them.
const (
	envWebhookSecret = webhook.EnvSecret
	testSecret       = "whsec-test-7Qm2Lp9Xv4Rk"
	wrongSecret      = "whsec-wrong-3Hd8Nc5Tw1Jy"
)

// listeningAt matches the line that says where the receiver listens.
var listeningAt = regexp.MustCompile(`receiving webhook events at (http://\S+/) \(any path\)`)

// webhookURL waits for the line saying where the receiver listens, on
// stderr, and returns the URL.
func webhookURL(t *testing.T, stderr *lineWriter) string {
	t.Helper()
	line := stderr.waitLine(t, "receiving webhook events at ")
	m := listeningAt.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("line %q does not say where it listens", line)
	}
	return m[1]
}

// postEvent delivers body to url as Anchor does, signed with secret, and
// returns the answer's status.
func postEvent(t *testing.T, url, secret, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"some/path", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderSignature, webhook.Sign([]byte(secret), now, []byte(body)))
	req.Header.Set(webhook.HeaderEvent, "task.completed")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("deliver the event: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// eventFor is an event body that names id, with envelope ID evtID.
func eventFor(evtID, id string) string {
	return `{"id":"` + evtID + `","type":"task.completed","data":{"execution_id":"` + id + `","status":"success"}}`
}

// waitFor waits until cond holds, checking it whenever the fake may have
// changed; the guard only keeps a bug from hanging the test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	guard := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(guard) {
			t.Fatalf("%s: not within 30s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWebhookHintsTheWait: in process, a verified event makes the wait
// poll at once, where --webhook-max-interval would have it wait 5
// minutes; one signed with another secret is refused (401) and makes no
// poll; the secret is blanked out of everything printed; the receiver is
// stopped before run returns (goleak checks for what it leaves).
func TestWebhookHintsTheWait(t *testing.T) {
	srv := newFake(t)
	id := srv.AddExecution(testTask, anchortest.Succeed(0, 100*time.Millisecond, "echoes "+testSecret))
	env := fakeEnv(srv)
	env[envWebhookSecret] = testSecret
	stderr := newLineWriter()
	var stdout bytes.Buffer
	codes := make(chan int, 1)
	go func() {
		codes <- run(context.Background(), []string{"exec", "--webhook-listen", "127.0.0.1:0", "--webhook-max-interval", "5m", "--verbose", id},
			strings.NewReader(""), &stdout, stderr, envOf(env))
	}()
	url := webhookURL(t, stderr)
	stderr.waitLine(t, id+": running")
	waitFor(t, "the execution ends on the fake", func() bool {
		e, _ := srv.Execution(id)
		return e.Status == client.StatusSuccess
	})
	if code := postEvent(t, url, wrongSecret, eventFor("evt_wrong", id)); code != http.StatusUnauthorized {
		t.Errorf("a delivery signed with another secret was answered %d, want 401", code)
	}
	if n := srv.RequestCountFor(id); n != 1 {
		t.Errorf("%d requests after the refused delivery, want only the first poll", n)
	}
	if code := postEvent(t, url, testSecret, eventFor("evt_1", id)); code != http.StatusOK {
		t.Errorf("the delivery was answered %d, want 200", code)
	}
	select {
	case code := <-codes:
		if code != exitSuccess {
			t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second): // a guard: without the hint it would wait 5 minutes
		t.Fatalf("the event did not end the wait; stderr:\n%s", stderr.String())
	}
	if n := srv.RequestCountFor(id); n != 2 {
		t.Errorf("%d requests for the execution, want 2: the first poll and the one the event asked for", n)
	}
	for _, want := range []string{"webhook event evt_1 (task.completed): polling what it names", "webhook: 1 event received, 1 delivery refused for a bad signature or timestamp (401"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
		}
	}
	for what, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
		if strings.Contains(text, testSecret) {
			t.Errorf("%s holds the webhook secret:\n%s", what, text)
		}
	}
	if !strings.Contains(stdout.String(), "echoes [REDACTED]") {
		t.Errorf("stdout does not show the output with the secret blanked out:\n%s", stdout.String())
	}
	// The receiver is gone with the command.
	if resp, err := http.Post(url, "application/json", strings.NewReader("{}")); err == nil {
		resp.Body.Close()
		t.Errorf("the receiver still answers (%s) after the command returned", resp.Status)
	}
}

func TestLoadWebhookSecret(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte("  "+testSecret+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{envWebhookSecret: " " + wrongSecret + "\n"})
	got, err := loadWebhookSecret(context.Background(), "", env)
	if err != nil || got != wrongSecret {
		t.Errorf("from the environment: %q, %v; want it without the white space", got, err)
	}
	got, err = loadWebhookSecret(context.Background(), file, env)
	if err != nil || got != testSecret {
		t.Errorf("from the file: %q, %v; want the file's, which wins over the environment", got, err)
	}
}

func TestWebhookSummary(t *testing.T) {
	for _, tt := range []struct {
		st   webhook.Stats
		want string
	}{
		{webhook.Stats{}, "webhook: 0 events received"},
		{webhook.Stats{Accepted: 1}, "webhook: 1 event received"},
		{webhook.Stats{Accepted: 3, Duplicates: 2, Unauthorized: 1, Refused: 4}, "webhook: 3 events received, 2 repeats dropped, 1 delivery refused for a bad signature or timestamp (401: is the secret the webhook's, and the clock right?), 4 deliveries refused as malformed (400, 405, 408 or 413)"},
	} {
		if got := webhookSummary(tt.st); got != tt.want {
			t.Errorf("webhookSummary(%+v) = %q, want %q", tt.st, got, tt.want)
		}
	}
}
