package client

import "time"

// CallOption changes one call of a Client method, in the manner of gRPC's
// call options: SingleAttempt for callers that decide on retries
// themselves, CaptureResponse to learn what the server said besides the
// data.
type CallOption func(*callConfig)

type callConfig struct {
	single    bool
	resp      *Response
	bodyLimit int64
}

// SingleAttempt makes the call send its request once, whatever
// WithMaxRetries says: a transient failure comes straight back to the
// caller, who decides whether and when to try again. Package poller calls
// the API this way, so that every request it causes passes its own limits.
func SingleAttempt() CallOption { return func(c *callConfig) { c.single = true } }

// CaptureResponse makes the call fill in *r, when it returns, with what the
// server sent besides the data, as of the call's last attempt. r must not
// be read until the call has returned.
func CaptureResponse(r *Response) CallOption { return func(c *callConfig) { c.resp = r } }

// BodyLimit caps the response body of the call at n bytes when n is below
// the Client's cap (see WithMaxBodySize); a larger body is an error
// matching ErrBodyTooLarge, as soon as its Content-Length says so or its
// n+1st byte arrives. Package poller reads the pages of a task's list this
// way, so that a page of large executions costs little before it is
// refused and asked again smaller.
func BodyLimit(n int64) CallOption { return func(c *callConfig) { c.bodyLimit = n } }

// Response is what the server's answer to a call said besides its data:
// see CaptureResponse. The zero Response means no answer came (a refused
// connection, say, or a bad ID that was never sent).
type Response struct {
	// Attempts is the number of HTTP requests the call sent, retries
	// included; 0 when it sent none.
	Attempts int
	// StatusCode is the HTTP status of the last answer, 0 when none came.
	StatusCode int
	// Received is when the last answer's headers arrived, by the local clock.
	Received time.Time
	// Date is the server's Date header, zero when absent or unreadable:
	// with Received, it tells how far the server's clock is from ours.
	Date time.Time
	// RetryAfter is the wait the server asked for (retry-after-ms or
	// Retry-After), 0 when it asked for none.
	RetryAfter time.Duration
	// RateLimit is what the RateLimit and RateLimit-Policy headers said.
	RateLimit RateLimit
}

func newCallConfig(opts []CallOption) callConfig {
	var c callConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}
