//go:build unix

package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// TestWebhookSecretFromIdlePipe: reading --webhook-secret-file from a pipe
// that nobody writes to ends with --timeout, as --api-key-file does.
func TestWebhookSecretFromIdlePipe(t *testing.T) {
	fifo := mkfifo(t, "secret")
	writer, err := os.OpenFile(fifo, os.O_RDWR, 0) // holds the pipe open, writes nothing
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	ctx, cancel := context.WithTimeoutCause(context.Background(), 50*time.Millisecond, errWaitTimeout)
	defer cancel()
	_, err = loadWebhookSecret(ctx, fifo, envOf(nil))
	var se *stoppedError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "--timeout ran out while reading --webhook-secret-file") {
		t.Errorf("error %v: want the read stopped by --timeout", err)
	}
}
