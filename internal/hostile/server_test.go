package hostile

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

func TestRaw(t *testing.T) {
	const answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}trailing junk"
	t.Run("raw", func(t *testing.T) {
		s := newServer(t, Raw(answer))
		c := dial(t, s)
		send(t, c, rawGET("/v1/x?y=1"))
		if got := readAll(t, c); got != answer {
			t.Errorf("got %q, want %q", got, answer)
		}
		want := []Request{{Conn: 0, Method: "GET", Target: "/v1/x?y=1", HasKey: true}}
		if got := s.Requests(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("records: got %+v, want %+v", got, want)
		}
	})
	t.Run("net/http", func(t *testing.T) {
		s := newServer(t, Raw(answer))
		resp, err := newClient(t, guard).Get(s.URL() + "/v1/x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "{}" {
			t.Errorf("got %d %q, want 200 {}", resp.StatusCode, body)
		}
		if got := s.Requests(); len(got) != 1 || got[0].HasKey {
			t.Errorf("records: got %+v, want one request without a key", got)
		}
	})
}

// TestScript checks that requests get the behaviours in order, the last
// one repeating, and that Reply keeps the connection for the next request.
func TestScript(t *testing.T) {
	script := []Behaviour{Reply(200, `"first"`), Reply(201, `"second"`)}
	want := []string{`200 "first"`, `201 "second"`, `201 "second"`}
	t.Run("raw", func(t *testing.T) {
		s := newServer(t, script...)
		c := dial(t, s)
		br := bufio.NewReader(c)
		for i, w := range want {
			send(t, c, rawGET(fmt.Sprintf("/%d", i)))
			resp, body := readResponse(t, c, br)
			if got := fmt.Sprintf("%d %s", resp.StatusCode, body); got != w {
				t.Errorf("answer %d: got %s, want %s", i, got, w)
			}
		}
		if s.Conns() != 1 {
			t.Errorf("got %d connections, want 1", s.Conns())
		}
	})
	t.Run("net/http", func(t *testing.T) {
		s := newServer(t, script...)
		c := newClient(t, guard)
		for i, w := range want {
			resp, err := get(t, c, fmt.Sprintf("%s/%d", s.URL(), i))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got := fmt.Sprintf("%d %s", resp.StatusCode, body); got != w {
				t.Errorf("answer %d: got %s, want %s", i, got, w)
			}
		}
		reqs := s.Requests()
		if s.Conns() != 1 || len(reqs) != 3 {
			t.Fatalf("got %d connections and %d requests, want 1 and 3", s.Conns(), len(reqs))
		}
		for i, r := range reqs {
			if want := (Request{Conn: 0, Method: "GET", Target: fmt.Sprintf("/%d", i), HasKey: true}); r != want {
				t.Errorf("record %d: got %+v, want %+v", i, r, want)
			}
		}
		checkNoKey(t, s)
	})
}

// TestRequestBodies checks that a request's body is read past, whatever
// its framing, so the next request on the connection is read right.
func TestRequestBodies(t *testing.T) {
	s := newServer(t, Reply(200, "{}"))
	c := newClient(t, guard)
	bodies := []io.Reader{strings.NewReader(`{"taskId":"x"}`), io.MultiReader(strings.NewReader(`{"chunked":`), strings.NewReader(`true}`))}
	for _, body := range bodies {
		resp, err := c.Post(s.URL()+"/v1/task/run", "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Method != "POST" || reqs[1].Method != "POST" || reqs[1].Conn != 0 {
		t.Errorf("got records %+v, want two POSTs on connection 0", reqs)
	}
}

func TestTrickle(t *testing.T) {
	answer := Response(200, Execution{ID: execID}.JSON())
	t.Run("raw", func(t *testing.T) {
		const every = 5 * time.Millisecond
		part := answer[:50]
		s := newServer(t, Trickle(part, every))
		c := dial(t, s)
		start := time.Now()
		send(t, c, rawGET("/"))
		if got := readAll(t, c); got != part {
			t.Errorf("got %q, want %q", got, part)
		}
		// A lower bound, so it holds however slow the machine is.
		if min := time.Duration(len(part)-1) * every; time.Since(start) < min {
			t.Errorf("the answer came in %v, want at least %v", time.Since(start), min)
		}
	})
	t.Run("net/http timeout", func(t *testing.T) {
		// 40 bytes at 25 ms take a second; the client gives up after 20 ms.
		s := newServer(t, Trickle(answer[:40], 25*time.Millisecond))
		_, err := get(t, newClient(t, 20*time.Millisecond), s.URL())
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("got %v, want a timeout", err)
		}
	})
	t.Run("net/http whole", func(t *testing.T) {
		s := newServer(t, Trickle(answer, time.Millisecond))
		resp, err := get(t, newClient(t, guard), s.URL())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct{ Data client.Execution }
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.Data.ID != execID {
			t.Errorf("got %+v, %v; want execution %s", v, err, execID)
		}
	})
}

func TestHang(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    Behaviour
	}{{"Hang", Hang()}, {"zero Behaviour", Behaviour{}}} {
		t.Run(tt.name+"/raw", func(t *testing.T) {
			s := newServer(t, tt.b)
			c := dial(t, s)
			send(t, c, rawGET("/"))
			checkSilent(t, c, c)
			checkCut(t, s, c, c)
			if got := s.Requests(); len(got) != 1 {
				t.Errorf("got records %+v, want the one request", got)
			}
		})
	}
	t.Run("no script/raw", func(t *testing.T) {
		s := newServer(t)
		c := dial(t, s)
		send(t, c, rawGET("/"))
		checkSilent(t, c, c)
		checkCut(t, s, c, c)
	})
	t.Run("before the request", func(t *testing.T) {
		s := newServer(t, Reply(200, "{}"))
		c := dial(t, s) // accepted, and nothing sent
		checkSilent(t, c, c)
		checkCut(t, s, c, c)
		if s.Conns() != 1 || len(s.Requests()) != 0 {
			t.Errorf("got %d connections and records %+v, want 1 and none", s.Conns(), s.Requests())
		}
	})
	t.Run("net/http", func(t *testing.T) {
		s := newServer(t, Hang())
		_, err := get(t, newClient(t, 50*time.Millisecond), s.URL())
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("got %v, want a timeout", err)
		}
	})
}

func TestHangAfter(t *testing.T) {
	const head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
	t.Run("raw", func(t *testing.T) {
		s := newServer(t, HangAfter(head))
		c := dial(t, s)
		send(t, c, rawGET("/"))
		if got := readN(t, c, c, len(head)); got != head {
			t.Errorf("got %q, want %q", got, head)
		}
		checkSilent(t, c, c)
		checkCut(t, s, c, c)
	})
	t.Run("net/http", func(t *testing.T) {
		s := newServer(t, HangAfter(head))
		resp, err := get(t, newClient(t, 200*time.Millisecond), s.URL())
		if err != nil {
			t.Fatalf("got %v, want the headers", err)
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		var ne net.Error
		if resp.StatusCode != 200 || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("got %d and %v reading the body, want 200 and a timeout", resp.StatusCode, err)
		}
	})
}

func TestEchoHeaders(t *testing.T) {
	keyLine := "Anchor-Api-Key: " + testKey
	t.Run("InBody", func(t *testing.T) {
		s := newServer(t, EchoHeaders(InBody))
		resp, err := get(t, newClient(t, guard), s.URL())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct{ Error struct{ Code, Message any } }
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			t.Fatal(err)
		}
		msg, _ := v.Error.Message.(string)
		if resp.StatusCode != 401 || v.Error.Code != 401.0 || !strings.Contains(msg, keyLine) {
			t.Errorf("got %d %+v, want 401 with %q in the message", resp.StatusCode, v, keyLine)
		}
		checkNoKey(t, s)
	})
	t.Run("InHeader", func(t *testing.T) {
		s := newServer(t, EchoHeaders(InHeader))
		resp, err := get(t, newClient(t, guard), s.URL())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 {
			t.Errorf("got status %d, want 429", resp.StatusCode)
		}
		for _, h := range []string{"Retry-After", "RateLimit", "RateLimit-Policy", "X-Echo"} {
			if v := resp.Header.Get(h); !strings.Contains(v, keyLine) {
				t.Errorf("%s: got %q, want %q in it", h, v, keyLine)
			}
		}
	})
	t.Run("InStatusLine", func(t *testing.T) {
		s := newServer(t, EchoHeaders(InStatusLine))
		_, err := get(t, newClient(t, guard), s.URL())
		if err == nil || !strings.Contains(err.Error(), `malformed HTTP status code "`) || !strings.Contains(err.Error(), testKey) {
			t.Errorf("got %v, want a malformed status code that quotes the key", err)
		}
		if got := s.Requests(); len(got) != 1 || !got[0].HasKey {
			t.Errorf("got records %+v, want one request with a key", got)
		}
		checkNoKey(t, s)
	})
	t.Run("raw", func(t *testing.T) {
		s := newServer(t, EchoHeaders(InStatusLine))
		c := dial(t, s)
		send(t, c, rawGET("/"))
		want := "HTTP/1.1 Host:api.test;Anchor-Api-Key:" + testKey + ";Accept:application/json OK\r\n"
		if got, _, _ := strings.Cut(readAll(t, c), "\n"); got+"\n" != want {
			t.Errorf("got status line %q, want %q", got, want)
		}
	})
}

func TestEcho(t *testing.T) {
	heads := make(chan string, 1)
	s := newServer(t, Echo(func(head string) Behaviour {
		heads <- head
		return Reply(200, "{}")
	}))
	c := dial(t, s)
	send(t, c, rawGET("/a"))
	readResponse(t, c, bufio.NewReader(c))
	if got := <-heads; got != rawGET("/a") {
		t.Errorf("got head %q, want the request as sent", got)
	}
}

func TestUnsolicited(t *testing.T) {
	ok := Response(200, Execution{ID: execID}.JSON())
	t.Run("raw", func(t *testing.T) {
		s := newServer(t, Unsolicited(ok, "HTTP/1.1 200 OK\r\n\r\nsurprise"))
		c := dial(t, s)
		send(t, c, rawGET("/"))
		if got := readN(t, c, c, len(ok)+len("HTTP/1.1 200 OK\r\n\r\nsurprise")); got != ok+"HTTP/1.1 200 OK\r\n\r\nsurprise" {
			t.Errorf("got %q", got)
		}
		checkSilent(t, c, c)
		checkCut(t, s, c, c)
	})
	t.Run("net/http logs the echoed key", func(t *testing.T) {
		logs := logLines(t)
		s := newServer(t, Echo(func(head string) Behaviour { return Unsolicited(ok, head) }))
		resp, err := get(t, newClient(t, guard), s.URL()+"/v1/task/t/executions/"+execID)
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ Data client.Execution }
		err = json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if err != nil || v.Data.Status != client.StatusRunning {
			t.Fatalf("got %+v, %v; want a running execution", v, err)
		}
		select {
		case line := <-logs:
			if !strings.Contains(line, "Unsolicited response received on idle HTTP channel starting with") || !strings.Contains(line, testKey) {
				t.Errorf("net/http logged %q, want the unsolicited bytes with the key", line)
			}
		case <-time.After(guard):
			t.Error("net/http logged nothing")
		}
	})
}

func TestRedirect(t *testing.T) {
	other := newServer(t, Reply(200, `{"other":true}`))
	t.Run("followed", func(t *testing.T) {
		s := newServer(t, Redirect(http.StatusTemporaryRedirect, other.URL()+"/elsewhere"))
		resp, err := get(t, newClient(t, guard), s.URL()+"/v1/x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != `{"other":true}` {
			t.Errorf("got %q from the redirect, want the other server's answer", body)
		}
		// net/http sends a custom key header on to another host: a client
		// that follows redirects leaks it.
		if got := other.Requests(); len(got) != 1 || got[0].Target != "/elsewhere" || !got[0].HasKey {
			t.Errorf("the other server got %+v, want /elsewhere with the key", got)
		}
	})
	t.Run("not followed", func(t *testing.T) {
		s := newServer(t, Redirect(http.StatusFound, "http://elsewhere.test/"))
		c := newClient(t, guard)
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := get(t, c, s.URL())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 302 || resp.Header.Get("Location") != "http://elsewhere.test/" {
			t.Errorf("got %d to %q, want 302 to http://elsewhere.test/", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestBadChunked(t *testing.T) {
	s := newServer(t, BadChunked())
	resp, err := get(t, newClient(t, guard), s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil || !strings.Contains(err.Error(), "chunk") {
		t.Errorf("reading the body: got %v, want a chunked-encoding error", err)
	}
}

func TestHugeHeader(t *testing.T) {
	t.Run("raw", func(t *testing.T) {
		s := newServer(t, HugeHeader(100))
		c := dial(t, s)
		send(t, c, rawGET("/"))
		want := "HTTP/1.1 200 OK\r\nX-Huge: " + strings.Repeat("a", 92) + "\r\nContent-Length: 0\r\n\r\n"
		if got := readAll(t, c); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("net/http", func(t *testing.T) {
		s := newServer(t, HugeHeader(11<<20))
		_, err := get(t, newClient(t, guard), s.URL())
		if err == nil || !strings.Contains(err.Error(), "server response headers exceeded") {
			t.Errorf("got %v, want headers too large", err)
		}
	})
}

func TestHugeBody(t *testing.T) {
	t.Run("HugeOutput", func(t *testing.T) {
		const n = 3<<20 + 7
		s := newServer(t, HugeOutput(Execution{ID: execID, Status: "success"}, n))
		resp, err := get(t, newClient(t, guard), s.URL())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct{ Data client.Execution }
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			t.Fatal(err)
		}
		if v.Data.ID != execID || v.Data.Status != client.StatusSuccess || v.Data.Output == nil || *v.Data.Output != strings.Repeat("a", n) {
			t.Errorf("got execution %s %s with %d bytes of output, want %s success with %d", v.Data.ID, v.Data.Status, len(*v.Data.Output), execID, n)
		}
	})
	t.Run("cut while the client does not read", func(t *testing.T) {
		s := newServer(t, HugeBody(`{"data":"`, 'x', 1<<40, `"}`))
		c := dial(t, s)
		send(t, c, rawGET("/"))
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ContentLength != 1<<40+11 {
			t.Errorf("got Content-Length %d, want %d", resp.ContentLength, int64(1<<40+11))
		}
		s.Close() // returns although the server is blocked writing
	})
}

func TestTLSClient(t *testing.T) {
	t.Run("net/http", func(t *testing.T) {
		s := newServer(t, Raw(Response(200, "{}")))
		_, err := get(t, newClient(t, guard), "https://"+strings.TrimPrefix(s.URL(), "http://"))
		if !errors.Is(err, http.ErrSchemeMismatch) {
			t.Errorf("got %v, want %v", err, http.ErrSchemeMismatch)
		}
		if got := s.Requests(); len(got) != 1 || got[0] != (Request{Conn: 0, TLS: true}) {
			t.Errorf("got records %+v, want one TLS hello", got)
		}
	})
	t.Run("raw", func(t *testing.T) {
		s := newServer(t, Raw(Response(200, "{}")))
		c := tls.Client(dial(t, s), &tls.Config{ServerName: "api.test"})
		c.SetDeadline(time.Now().Add(guard))
		err := c.Handshake()
		var rh tls.RecordHeaderError
		if !errors.As(err, &rh) || string(rh.RecordHeader[:]) != "HTTP/" {
			t.Errorf("got %v, want a record header of HTTP/", err)
		}
	})
}

func TestExecutionJSON(t *testing.T) {
	out, msg, ms := "##[add-mask]success", "\x1b[31mboom", 1234.5
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		e    Execution
		want client.Execution
	}{
		{Execution{ID: execID}, client.Execution{ID: execID, TaskVersionID: "5b1c3e1e-7a41-4a5e-9a55-1f3f0a6f7c21", Version: "1", Status: "running", StartTime: defaultStart}},
		{Execution{ID: execID, Status: "failure", Output: &out, ErrorMessage: &msg, StartTime: start, ExecutionTime: &ms, TaskVersionID: "v", Version: "7"},
			client.Execution{ID: execID, TaskVersionID: "v", Version: "7", Status: "failure", Output: &out, ErrorMessage: &msg, StartTime: start, ExecutionTime: &ms}},
	}
	for _, tt := range tests {
		t.Run(tt.e.Status, func(t *testing.T) {
			var v struct{ Data client.Execution }
			if err := json.Unmarshal([]byte(tt.e.JSON()), &v); err != nil {
				t.Fatalf("%s: %v", tt.e.JSON(), err)
			}
			if got, want := fmt.Sprintf("%+v", deref(v.Data)), fmt.Sprintf("%+v", deref(tt.want)); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
	t.Run("RunJSON", func(t *testing.T) {
		var v struct {
			Data struct {
				Success, Async            bool
				TaskID, ExecutionResultID string
			}
		}
		if err := json.Unmarshal([]byte(RunJSON("t", execID)), &v); err != nil || !v.Data.Success || !v.Data.Async || v.Data.TaskID != "t" || v.Data.ExecutionResultID != execID {
			t.Errorf("got %+v, %v", v, err)
		}
	})
	t.Run("ErrorJSON", func(t *testing.T) {
		if got, want := ErrorJSON(404, `no "such"`), `{"error":{"code":404,"message":"no \"such\""}}`; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

// deref shows an execution's pointers by value, for comparison.
func deref(e client.Execution) string {
	s := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	f := "<nil>"
	if e.ExecutionTime != nil {
		f = fmt.Sprint(*e.ExecutionTime)
	}
	return fmt.Sprintf("%s %s %s %s out=%q msg=%q %s %s", e.ID, e.TaskVersionID, e.Version, e.Status, s(e.Output), s(e.ErrorMessage), e.StartTime.Format(time.RFC3339Nano), f)
}

// TestClose checks that Close cuts every kind of open connection at once,
// that the server then refuses connections, and that a second Close is
// harmless; TestMain's goleak check finds any goroutine left behind.
func TestClose(t *testing.T) {
	s := NewServer(Hang(), Trickle(strings.Repeat("x", 1000), time.Second), HangAfter("HTTP/1.1 200 OK\r\n"), Unsolicited(Response(200, "{}"), "x"))
	var conns []net.Conn
	for i := range 4 {
		c := dial(t, s)
		send(t, c, rawGET(fmt.Sprintf("/%d", i)))
		conns = append(conns, c)
	}
	idle := dial(t, s) // accepted, nothing sent
	waitFor(t, func() bool { return len(s.Requests()) == 4 && s.Conns() == 5 })
	s.Close()
	for i, c := range append(conns, idle) {
		c.SetReadDeadline(time.Now().Add(guard))
		_, err := io.ReadAll(c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("connection %d is still open after Close", i)
		}
	}
	if c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://")); err == nil {
		c.Close()
		t.Error("the server accepts connections after Close")
	}
	s.Close()
}
