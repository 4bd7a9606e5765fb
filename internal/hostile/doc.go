// Package hostile is a fake API server for tests that misbehaves in the
// ways net/http's server cannot: it speaks raw TCP on loopback
// (127.0.0.1, a port of its own) and answers each request with bytes a
// test scripts. It can trickle an answer byte by byte, hang before or
// after the headers, echo the request's headers (API key included) into
// the body, the headers or the status line, send unsolicited bytes on an
// idle keep-alive connection, send huge headers or bodies, bad chunked
// encoding, a redirect to another host, and plain HTTP to a client that
// speaks TLS.
//
// A test builds a Server from Behaviours, one per request in order of
// arrival (the last one answers every request after it), points the code
// under test at URL, and reads the records of what came in afterwards:
//
//	srv := hostile.NewServer(hostile.EchoHeaders(hostile.InStatusLine))
//	defer srv.Close()
//	_, err := http.Get(srv.URL() + "/v1/task/...")
//	// err quotes the request's headers: code under test must not repeat it
//
// The records name each connection and request (method, target, whether
// an anchor-api-key header came with it) but never hold the key. All
// waiting is in real time, on sockets, and every wait ends at Close, which
// cuts the connections still open and returns once every goroutine of the
// server has.
package hostile
