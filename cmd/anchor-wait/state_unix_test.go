//go:build unix

package main

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadStateFIFO: a named pipe as --state, which nobody writes to, is
// refused at once as a usage error rather than read (which would wait for
// a writer); a read that blocks would end with the context in any case.
func TestLoadStateFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "state.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a guard, not a timing assumption
	defer cancel()
	_, err := loadState(ctx, fifo, testTask, false)
	if ctx.Err() != nil {
		t.Fatal("loadState of a FIFO waited for a writer")
	}
	if !isUsage(err) || !strings.Contains(err.Error(), `--state "`+fifo+`" is a named pipe: want a regular file`) {
		t.Errorf("error %v, want a usage error saying it is a named pipe", err)
	}
	if err := checkStateWritable(filepath.Join(fifo, "x")); !isUsage(err) {
		t.Errorf("checkStateWritable under a FIFO = %v, want a usage error", err)
	}
}
