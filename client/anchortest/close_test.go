package anchortest

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// watchedListener passes on each connection its server accepts, wrapped so
// that the test can see when the server closes it.
type watchedListener struct {
	net.Listener
	accepted chan *watchedConn
}

func (l *watchedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	w := &watchedConn{Conn: c, closed: make(chan struct{})}
	l.accepted <- w
	return w, nil
}

// watchedConn is a connection whose closed channel is closed once the
// server closes it.
type watchedConn struct {
	net.Conn
	once   sync.Once
	closed chan struct{}
}

func (c *watchedConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// serveWatched starts a server on loopback, as NewServer does, and returns
// the connections it accepts, as they come.
func serveWatched(t *testing.T, opts ...Option) (*Server, <-chan *watchedConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wl := &watchedListener{Listener: ln, accepted: make(chan *watchedConn, 8)}
	s := newServer(opts)
	s.URL = "http://" + urlHost(ln.Addr())
	s.start(wl, (&net.Dialer{}).DialContext)
	t.Cleanup(s.Close)
	return s, wl.accepted
}

// dialUnused opens an in-memory connection to s and sends nothing on it, as
// a client that dials ahead of need does. It is closed when the test ends.
func dialUnused(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := s.transport.DialContext(context.Background(), "tcp", "anywhere:1")
	if err != nil {
		t.Fatalf("dial the in-memory server: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// wantCut fails the test unless the server's end of c is closed.
func wantCut(t *testing.T, c net.Conn) {
	t.Helper()
	if n, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("read from a connection Close should have cut: %d bytes, %v; want io.EOF", n, err)
	}
}

func TestCloseCutsQuietConnectionsAtOnce(t *testing.T) {
	tests := []struct {
		name   string
		unused int  // connections opened without a request
		idle   bool // a request answered before Close, its connection kept idle
	}{
		{name: "opened and never used", unused: 1},
		{name: "many never used", unused: 10},
		{name: "idle after a request", idle: true},
		{name: "never used and idle", unused: 3, idle: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := NewInMemoryServer()
				var unused []net.Conn
				for range tt.unused {
					unused = append(unused, dialUnused(t, s))
				}
				wantConns := tt.unused
				if tt.idle {
					if r := get(t, s, "/v1/task/"+taskA+"/executions"); r.err != nil {
						t.Fatalf("request before Close: %v", r.err)
					}
					wantConns++
				}
				synctest.Wait() // the server waits for requests on every connection
				if got := s.Stats().ConnectionsOpen; got != wantConns {
					t.Fatalf("%d connections open before Close, want %d", got, wantConns)
				}

				start := time.Now()
				s.Close()
				if took := time.Since(start); took != 0 {
					t.Errorf("Close took %v of fake time, want 0: nothing was in progress", took)
				}
				if got := s.Stats().ConnectionsOpen; got != 0 {
					t.Errorf("%d connections open after Close, want 0", got)
				}
				for _, c := range unused {
					wantCut(t, c)
				}
			})
		})
	}
}

// TestCloseWaitsForRequestsInProgress: a connection that carries a request
// is not cut while its answer is being read, even as an unused one beside
// it is cut at once.
func TestCloseWaitsForRequestsInProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const size = 1 << 20
		s := NewInMemoryServer(WithFaults(Fault{Body: HugeOutput(size)}))
		id := s.AddExecution(taskA, Script{})
		resp := open(t, s, execPath(taskA, id))
		defer resp.Body.Close()
		unused := dialUnused(t, s)
		synctest.Wait()

		start := time.Now()
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			s.Close()
		}()
		synctest.Wait() // Close is waiting for the answer to be read
		select {
		case <-closed:
			t.Fatal("Close returned while an answer was still being sent")
		default:
		}
		wantCut(t, unused)

		body, err := io.ReadAll(resp.Body)
		if err != nil || len(body) < size {
			t.Errorf("answer in progress: read %d bytes, %v; want over %d and no error", len(body), err, size)
		}
		<-closed
		if took := time.Since(start); took >= closeGrace {
			t.Errorf("Close took %v of fake time after the answer was read, want less than the %v grace", took, closeGrace)
		}
	})
}

// TestCloseCutsUnusedLoopbackConnection opens a TCP connection to a
// loopback server and sends nothing: Close must cut it at once, not count it
// busy as net/http's Shutdown does for its first five seconds.
func TestCloseCutsUnusedLoopbackConnection(t *testing.T) {
	s, accepted := serveWatched(t)
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatalf("dial %s: %v", s.URL, err)
	}
	defer c.Close()
	var conn *watchedConn
	select {
	case conn = <-accepted:
	case <-time.After(time.Minute): // a bound on a broken test, not a timing
		t.Fatal("the server never accepted the connection")
	}

	start := time.Now()
	s.Close()
	// Waiting out the grace would take all of it; cutting at once, a few
	// milliseconds. The bound is the grace itself.
	if took := time.Since(start); took >= closeGrace {
		t.Errorf("Close took %v: it waited out the grace instead of cutting the unused connection", took)
	}
	select {
	case <-conn.closed:
	default:
		t.Error("the server had not closed the connection when Close returned")
	}
	if got := s.Stats().ConnectionsOpen; got != 0 {
		t.Errorf("%d connections open after Close, want 0", got)
	}
	if err := c.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read after Close: %d bytes, %v; want the connection closed by the server", n, err)
	}
}
