package hostile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// A Behaviour is how the server answers one request: the bytes it writes,
// when, and whether the connection then serves another request. Build one
// with the functions below. The zero Behaviour hangs, like Hang. A
// Behaviour is safe for concurrent use: many requests, on many
// connections at once, may share one.
type Behaviour struct {
	serve func(x *exchange) (keepAlive bool)
}

func (b Behaviour) run(x *exchange) bool {
	if b.serve == nil {
		return Hang().serve(x)
	}
	return b.serve(x)
}

// exchange is one request being answered on its connection.
type exchange struct {
	conn net.Conn
	br   *bufio.Reader
	head []byte // the request line and headers as they came; nil for a TLS hello
	req  Request
	done <-chan struct{} // closed by Server.Close
}

// write writes s and reports whether it all went out.
func (x *exchange) write(s string) bool {
	_, err := io.WriteString(x.conn, s)
	return err == nil
}

// pause waits d and reports whether the server is still open.
func (x *exchange) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-x.done:
		return false
	}
}

// hang reads and discards what the client sends until it closes the
// connection or the server closes.
func (x *exchange) hang() bool {
	io.Copy(io.Discard, x.br)
	return false
}

// Raw writes b, which may be any bytes at all (status line, headers and
// body, or not), and closes the connection.
func Raw(b string) Behaviour {
	return Behaviour{func(x *exchange) bool {
		x.write(b)
		return false
	}}
}

// Reply answers with Response(status, body) and keeps the connection open
// for the next request, as a well-behaved server does.
func Reply(status int, body string) Behaviour {
	r := Response(status, body)
	return Behaviour{func(x *exchange) bool { return x.write(r) }}
}

// Trickle writes b one byte at a time, waiting every between two bytes,
// then closes the connection. It stops early when the client goes away
// or the server closes.
func Trickle(b string, every time.Duration) Behaviour {
	return Behaviour{func(x *exchange) bool {
		for i := 0; i < len(b); i++ {
			if i > 0 && !x.pause(every) {
				return false
			}
			if !x.write(b[i : i+1]) {
				return false
			}
		}
		return false
	}}
}

// Hang never answers: it reads and discards what the client sends until
// the client closes the connection or the server closes.
func Hang() Behaviour { return HangAfter("") }

// HangAfter writes b, such as a status line and headers that promise a
// body, and then never writes anything else, as Hang.
func HangAfter(b string) Behaviour {
	return Behaviour{func(x *exchange) bool {
		if b != "" && !x.write(b) {
			return false
		}
		return x.hang()
	}}
}

// Unsolicited answers with response, a complete keep-alive response such
// as Response makes, then at once writes extra, bytes the client never
// asked for, and keeps the connection open until the client closes it.
// net/http's client then logs "Unsolicited response received on idle HTTP
// channel starting with ..." through the standard log package, quoting
// extra, and closes the connection.
func Unsolicited(response, extra string) Behaviour {
	return Behaviour{func(x *exchange) bool {
		if !x.write(response) || !x.write(extra) {
			return false
		}
		return x.hang()
	}}
}

// Echo answers with the behaviour f builds from the request's line and
// headers, exactly as they came ("" for a TLS hello). They hold the API
// key: f must not log them. f runs on the connection's goroutine, so it
// may run for several requests at once.
func Echo(f func(head string) Behaviour) Behaviour {
	return Behaviour{func(x *exchange) bool { return f(string(x.head)).run(x) }}
}

// Place is where EchoHeaders puts the request's headers.
type Place int

const (
	// InBody answers 401 with the API's error shape, the headers (one a
	// line) as its message: {"error":{"code":401,"message":"..."}}.
	InBody Place = iota
	// InHeader answers 429 with the headers, joined by "; ", as the value
	// of Retry-After, RateLimit, RateLimit-Policy and X-Echo.
	InHeader
	// InStatusLine answers with a status line whose status code is the
	// headers, spaces removed and joined by ';', and closes the
	// connection: net/http's client fails with
	// malformed HTTP status code "Anchor-Api-Key:...".
	InStatusLine
)

// EchoHeaders answers with the request's headers (not its request line)
// where p says.
func EchoHeaders(p Place) Behaviour {
	return Echo(func(head string) Behaviour {
		lines := headerLines(head)
		switch p {
		case InBody:
			return Reply(http.StatusUnauthorized, ErrorJSON(http.StatusUnauthorized, strings.Join(lines, "\n")))
		case InHeader:
			v := strings.Join(lines, "; ")
			body := ErrorJSON(http.StatusTooManyRequests, "slow down")
			return Raw(fmt.Sprintf("HTTP/1.1 429 Too Many Requests\r\nRetry-After: %s\r\nRateLimit: %s\r\nRateLimit-Policy: %s\r\nX-Echo: %s\r\n"+
				"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", v, v, v, v, len(body), body))
		default:
			code := strings.Join(lines, ";")
			code = strings.NewReplacer(" ", "", "\t", "").Replace(code)
			return Raw("HTTP/1.1 " + code + " OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		}
	})
}

// headerLines returns the header lines of a request head, without the
// request line and line ends.
func headerLines(head string) []string {
	var lines []string
	for i, line := range strings.Split(head, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if i > 0 && line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// Redirect answers with a redirect of the given status (such as 302 or
// 307) to location, another host for instance, and keeps the connection.
func Redirect(status int, location string) Behaviour {
	return Behaviour{func(x *exchange) bool {
		return x.write(fmt.Sprintf("HTTP/1.1 %d %s\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n", status, http.StatusText(status), location))
	}}
}

// BadChunked answers 200 with a chunked body whose second chunk size is
// not a number, then closes the connection.
func BadChunked() Behaviour {
	return Raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\n{\"dat\r\nzz\r\n")
}

// HugeHeader answers 200 with one header line of n bytes (an X-Huge
// header whose value is n-8 'a's), written as the client reads it, then
// closes the connection. net/http's client refuses headers above 10 MiB
// unless Transport.MaxResponseHeaderBytes says otherwise.
func HugeHeader(n int64) Behaviour {
	return Behaviour{func(x *exchange) bool {
		if x.write("HTTP/1.1 200 OK\r\nX-Huge: ") && x.fill('a', n-len64("X-Huge: ")) {
			x.write("\r\nContent-Length: 0\r\n\r\n")
		}
		return false
	}}
}

// HugeBody answers 200 with a JSON body of prefix, n times the byte fill,
// and suffix, framed by its Content-Length and written as the client reads
// it, then keeps the connection. A client that stops reading holds the
// write until it closes the connection or the server closes.
func HugeBody(prefix string, fill byte, n int64, suffix string) Behaviour {
	return Behaviour{func(x *exchange) bool {
		return x.write(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len64(prefix)+n+len64(suffix), prefix)) &&
			x.fill(fill, n) && x.write(suffix)
	}}
}

// HugeOutput answers 200 with e as GET .../executions/{id} returns it,
// its output n bytes of 'a', as HugeBody.
func HugeOutput(e Execution, n int64) Behaviour {
	const mark = "\x00hostile-output\x00"
	e.Output = new(mark)
	b, _ := json.Marshal(mark)
	prefix, suffix, _ := strings.Cut(e.JSON(), string(b))
	return HugeBody(prefix+`"`, 'a', n, `"`+suffix)
}

// fill writes n bytes c, 64 KiB at a time, and reports whether they all
// went out.
func (x *exchange) fill(c byte, n int64) bool {
	chunk := strings.Repeat(string(c), 64<<10)
	for n > 0 {
		k := min(n, int64(len(chunk)))
		if !x.write(chunk[:k]) {
			return false
		}
		n -= k
	}
	return true
}

func len64(s string) int64 { return int64(len(s)) }
