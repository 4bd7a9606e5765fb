package anchortest

import (
	"context"
	"fmt"
	"net"
	"sync"
)

// memAddr is the address of an in-memory listener.
type memAddr struct{}

func (memAddr) Network() string { return "memory" }
func (memAddr) String() string  { return "anchortest.memory" }

// errMemClosed is returned by Accept and dial once the listener is closed.
var errMemClosed = fmt.Errorf("anchortest in-memory server: %w", net.ErrClosed)

// memListener is a net.Listener whose connections are the far ends of
// net.Pipe pairs made by dial. It uses only channels, so goroutines blocked
// on it are durably blocked inside a testing/synctest bubble.
type memListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newMemListener() *memListener {
	return &memListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept waits for the next dial.
func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, errMemClosed
	}
}

// Close stops Accept and dial. It is safe to call more than once.
func (l *memListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

// Addr returns the listener's address.
func (l *memListener) Addr() net.Addr { return memAddr{} }

// dial connects to the listener whatever the network and address; it has the
// signature of http.Transport.DialContext.
func (l *memListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	near, far := net.Pipe()
	var err error
	select {
	case l.conns <- far:
		return near, nil
	case <-l.done:
		err = errMemClosed
	case <-ctx.Done():
		err = ctx.Err()
	}
	_ = near.Close()
	_ = far.Close()
	return nil, err
}
