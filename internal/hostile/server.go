package hostile

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
)

// maxHead bounds the request line and headers the server reads.
const maxHead = 1 << 20

// Request is the record of one request the server read: an HTTP request,
// or the first bytes of a TLS handshake. It never holds the API key. It is
// a plain value, safe to share.
type Request struct {
	// Conn is the connection the request came on, numbered from 0 in the
	// order the server accepted them.
	Conn int
	// TLS is true when the client opened the connection with a TLS
	// handshake; nothing else of it was read, and the fields below are
	// empty.
	TLS bool
	// Method and Target are the request's, such as GET and
	// /v1/task/{taskId}/executions/{executionId}.
	Method, Target string
	// HasKey is true when the request carried an anchor-api-key header.
	HasKey bool
}

// Server is a hostile HTTP server on a loopback port of its own. Its
// methods are safe for concurrent use.
type Server struct {
	ln     net.Listener
	script []Behaviour
	done   chan struct{} // closed by Close
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	nconns int
	reqs   []Request

	closeOnce sync.Once
}

// NewServer starts a server on 127.0.0.1 at a free port. The n-th request
// it reads is answered by script[n], and every request after the last
// behaviour by the last one; with no script, every request hangs.
// NewServer panics if it cannot listen, as httptest.NewServer does.
func NewServer(script ...Behaviour) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("hostile: cannot listen on loopback: " + err.Error())
	}
	s := &Server{
		ln:     ln,
		script: script,
		done:   make(chan struct{}),
		conns:  map[net.Conn]struct{}{},
	}
	s.wg.Add(1)
	go s.accept()
	return s
}

// URL returns the server's base URL, such as http://127.0.0.1:41234.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Requests returns the records of the requests read so far, in order of
// arrival, in a new slice.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Conns returns how many connections the server has accepted.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nconns
}

// Close stops accepting, cuts every open connection (hung ones included),
// ends every wait of every behaviour, and returns once all the server's
// goroutines have. Calling it again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		s.ln.Close()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // closed, or the listener broke: either way no more connections
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		id := s.nconns
		s.nconns++
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c, id)
	}
}

// serve reads requests from c one after the other and answers each with
// its behaviour, until a behaviour or the client ends the connection.
func (s *Server) serve(c net.Conn, id int) {
	defer s.wg.Done()
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	br := bufio.NewReader(c)
	for {
		first, err := br.Peek(1)
		if err != nil {
			return
		}
		x := &exchange{conn: c, br: br, done: s.done}
		closeAfter := false
		if first[0] == 0x16 { // a TLS record of type handshake: a ClientHello
			x.req = Request{Conn: id, TLS: true}
			closeAfter = true
		} else {
			head, req, err := readRequest(br)
			if err != nil {
				return
			}
			x.head = head
			x.req = Request{Conn: id, Method: req.Method, Target: req.RequestURI, HasKey: hasKey(req.Header)}
			closeAfter = req.Close
		}
		keep := s.record(x.req).run(x)
		if !keep || closeAfter {
			return
		}
	}
}

// record keeps the record of r and returns the behaviour that answers it.
func (s *Server) record(r Request) Behaviour {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.reqs)
	s.reqs = append(s.reqs, r)
	if len(s.script) == 0 {
		return Hang()
	}
	return s.script[min(n, len(s.script)-1)]
}

// hasKey reports whether h holds an anchor-api-key header, empty or not.
func hasKey(h http.Header) bool {
	_, ok := h[http.CanonicalHeaderKey("anchor-api-key")]
	return ok
}

// readRequest reads one request from br: its request line and headers as
// they came (returned as head), and its body, which it discards.
func readRequest(br *bufio.Reader) (head []byte, req *http.Request, err error) {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, nil, err
		}
		head = append(head, line...)
		if len(head) > maxHead {
			return nil, nil, errors.New("request head too large")
		}
		if err == nil && (bytes.Equal(line, []byte("\r\n")) || bytes.Equal(line, []byte("\n"))) {
			break
		}
	}
	req, err = http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
	if err != nil {
		return nil, nil, err
	}
	switch {
	case len(req.TransferEncoding) > 0 && strings.EqualFold(req.TransferEncoding[0], "chunked"):
		_, err = io.Copy(io.Discard, httputil.NewChunkedReader(br))
	case req.ContentLength > 0:
		_, err = io.CopyN(io.Discard, br, req.ContentLength)
	}
	return head, req, err
}
