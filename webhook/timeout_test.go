package webhook

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// pipeListener is a net.Listener of net.Pipe connections, so an
// http.Server runs inside a synctest bubble.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	near, far := net.Pipe()
	select {
	case l.conns <- far:
		return near, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// serve runs h on an http.Server over pipes, closed at the end of the test.
func serve(t *testing.T, h http.Handler) *pipeListener {
	t.Helper()
	ln := newPipeListener()
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return ln
}

// A sender that stops halfway through its body is answered 408 after
// ReadTimeout, and its event never reaches the callback.
func TestReceiverSlowBodyTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &sink{}
		rv, err := NewReceiver(testSecret, s.add) // the bubble's clock
		if err != nil {
			t.Fatal(err)
		}
		ln := serve(t, rv)
		conn, err := ln.dial(t.Context(), "", "")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		h := signed(testSecret, time.Now(), testBody)
		head := "POST /hook HTTP/1.1\r\nHost: receiver\r\nContent-Length: " + strconv.Itoa(len(testBody)) + "\r\n"
		for k := range h {
			head += k + ": " + h.Get(k) + "\r\n"
		}
		start := time.Now()
		go func() { _, _ = io.WriteString(conn, head+"\r\n"+testBody[:20]) }() // then nothing
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if took := time.Since(start); resp.StatusCode != http.StatusRequestTimeout || took != ReadTimeout {
			t.Errorf("answer %d after %v, want 408 after %v", resp.StatusCode, took, ReadTimeout)
		}
		if len(s.got()) != 0 {
			t.Error("a half-sent delivery reached the callback")
		}
	})
}

// Over real HTTP (in memory), a signed event is accepted, and the read
// deadline set for its body does not outlive it: the next request on the
// same connection, long after, is served too.
func TestReceiverOverHTTPKeepAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &sink{}
		rv, err := NewReceiver(testSecret, s.add)
		if err != nil {
			t.Fatal(err)
		}
		ln := serve(t, rv)
		dials := 0
		tr := &http.Transport{MaxIdleConnsPerHost: 1, DialContext: func(ctx context.Context, n, a string) (net.Conn, error) {
			dials++
			return ln.dial(ctx, n, a)
		}}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}
		send := func(id string) int {
			body := `{"id":"` + id + `"}`
			req, _ := http.NewRequest(http.MethodPost, "http://receiver/any/path", stringsReader(body))
			req.Header = signed(testSecret, time.Now(), body)
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := send("evt_a"); code != http.StatusOK {
			t.Fatalf("first: %d, want 200", code)
		}
		time.Sleep(2 * ReadTimeout)
		if code := send("evt_b"); code != http.StatusOK {
			t.Fatalf("second, on the same connection: %d, want 200", code)
		}
		if n := len(s.got()); n != 2 || dials != 1 {
			t.Errorf("%d events over %d connections, want 2 over 1", n, dials)
		}
	})
}

// A delivery refused on its headers is answered at once, however slowly
// its body comes, and the connection is closed after the answer.
func TestReceiverRefusesSlowSenderAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rv, err := NewReceiver(testSecret, func(Event) { t.Error("callback called") })
		if err != nil {
			t.Fatal(err)
		}
		ln := serve(t, rv)
		conn, err := ln.dial(t.Context(), "", "")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		head := "POST / HTTP/1.1\r\nHost: receiver\r\nContent-Length: 1000\r\nAnchor-Signature: t=1,v1=00\r\n\r\n{"
		go func() { _, _ = io.WriteString(conn, head) }()
		start := time.Now()
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if took := time.Since(start); resp.StatusCode != http.StatusUnauthorized || took != 0 || !resp.Close {
			t.Errorf("answer %d after %v, close %v; want 401 at once, closing", resp.StatusCode, took, resp.Close)
		}
	})
}
