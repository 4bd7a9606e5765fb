package hostile

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testKey is the API key the tests send; no record may hold it.
const testKey = "sk-hostile-test-7f3a9c2e"

// guard bounds every wait of a test on the server: a server that works
// answers, hangs or closes well within it, so reaching it is a failure.
const guard = 10 * time.Second

const execID = "0b9a3c2e-4d5f-4a6b-8c7d-9e0f1a2b3c4d"

func newServer(t *testing.T, script ...Behaviour) *Server {
	t.Helper()
	s := NewServer(script...)
	t.Cleanup(s.Close)
	return s
}

// newClient returns an http.Client of its own, so its connections are its
// test's alone; they are closed when the test ends.
func newClient(t *testing.T, timeout time.Duration) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

// get sends a GET with the API key to url.
func get(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("anchor-api-key", testKey)
	return c.Do(req)
}

// dial opens a raw connection to s, closed when the test ends.
func dial(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawGET is a request as a client would send it, with the API key.
func rawGET(target string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: api.test\r\nAnchor-Api-Key: " + testKey + "\r\nAccept: application/json\r\n\r\n"
}

// send writes req on c.
func send(t *testing.T, c net.Conn, req string) {
	t.Helper()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatalf("writing the request: %v", err)
	}
}

// readAll reads c until the server closes it, within guard.
func readAll(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(guard))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading until the server closes: got %v after %q", err, b)
	}
	return string(b)
}

// readN reads exactly n bytes from r, within guard.
func readN(t *testing.T, c net.Conn, r io.Reader, n int) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(guard))
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatalf("reading %d bytes: %v after %q", n, err, b)
	}
	return string(b)
}

// checkSilent fails t unless nothing arrives on c for a while: the server
// is hanging. The wait proves only that nothing came in that time; a
// server that answered would be caught, one that hangs always passes.
func checkSilent(t *testing.T, c net.Conn, r io.Reader) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	var b [1]byte
	n, err := r.Read(b[:])
	var ne net.Error
	if n != 0 || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("got %q, %v from a hanging server, want nothing until the deadline", b[:n], err)
	}
}

// checkCut fails t unless a read on c ends, with no more bytes, once the
// server is closed.
func checkCut(t *testing.T, s *Server, c net.Conn, r io.Reader) {
	t.Helper()
	s.Close()
	c.SetReadDeadline(time.Now().Add(guard))
	b, err := io.ReadAll(r)
	var ne net.Error
	if len(b) != 0 || (errors.As(err, &ne) && ne.Timeout()) {
		t.Errorf("after Close: got %q, %v; want the connection cut", b, err)
	}
}

// checkNoKey fails t if the records of s hold the API key.
func checkNoKey(t *testing.T, s *Server) {
	t.Helper()
	for _, r := range s.Requests() {
		for _, v := range []string{r.Method, r.Target} {
			if strings.Contains(v, testKey) {
				t.Errorf("record %+v holds the key", r)
			}
		}
	}
}

// logLines captures what the standard logger writes for the rest of the
// test (so the package's tests do not run in parallel) and sends each
// write on the channel it returns.
func logLines(t *testing.T) <-chan string {
	t.Helper()
	ch := make(chan string, 16)
	var mu sync.Mutex
	log.SetOutput(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		select {
		case ch <- string(p):
		default:
		}
		return len(p), nil
	}))
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	return ch
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// readResponse reads one response from br for a GET.
func readResponse(t *testing.T, c net.Conn, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(guard))
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatalf("reading a response body: %v", err)
	}
	return resp, b.String()
}

// waitFor polls cond until it holds, and fails t if it does not within
// guard.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(guard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the server did not get there in time")
		}
		time.Sleep(time.Millisecond)
	}
}
