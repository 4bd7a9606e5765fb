// Package syncbuf provides Buffer, a bytes.Buffer that is safe for
// concurrent use, for tests that collect what several goroutines write
// (logs, a command's stderr) and read it back.
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer is a byte buffer whose methods are safe for concurrent use. The
// zero value is an empty buffer ready to use. A Buffer must not be copied
// after first use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the buffer; it never fails.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns a copy of what has been written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
