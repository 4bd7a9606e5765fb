//go:build unix

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/anchorwait/anchorwait/client"
)

// A named pipe with no writer would block a read forever: it is refused
// without being opened.
func TestRunWebhookSecretFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "secret")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--addr", "127.0.0.1:0", "--webhook-url", "http://127.0.0.1:9/", "--webhook-secret-file", fifo}, &stdout, &stderr,
		func(k string) string { return map[string]string{client.EnvAPIKey: "k"}[k] })
	if code != exitUsage || !strings.Contains(stderr.String(), "is not a regular file (a named pipe)") {
		t.Errorf("exit %d stderr %q; want %d and a message naming the pipe", code, stderr.String(), exitUsage)
	}
}
