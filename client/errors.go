package client

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Sentinel errors for errors.Is. An *APIError matches the one that fits its
// HTTP status; the others wrap the error that caused them.
var (
	// ErrNotFound matches an *APIError for HTTP 404: no such task or execution
	// (a just-started execution may not be visible yet).
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized matches an *APIError for HTTP 401 or 403: the API key is
	// missing, wrong, or not allowed to see the resource.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrRateLimited matches an *APIError for HTTP 429.
	ErrRateLimited = errors.New("rate limited")
	// ErrInvalidID is returned, before any request is sent, for a task or
	// execution ID that is not a UUID.
	ErrInvalidID = errors.New("invalid ID")
	// ErrInvalidRequest is returned, before any request is sent, for a
	// request the API would refuse (an input key without the ANCHOR_ prefix,
	// a bad version, a bad list option).
	ErrInvalidRequest = errors.New("invalid request")
	// ErrBadResponse wraps a response whose body could not be decoded: not
	// JSON, truncated, a required field missing or of the wrong type. It is
	// transient: the next attempt may get a good body.
	ErrBadResponse = errors.New("bad response from API")
	// ErrBodyTooLarge wraps a response whose body is over the client's size
	// cap (see WithMaxBodySize). It is not transient.
	ErrBodyTooLarge = errors.New("response body too large")
	// ErrTransport wraps a failure to get any response: connection refused or
	// dropped, DNS, TLS, or an attempt that ran past its per-request timeout.
	// It is transient.
	ErrTransport = errors.New("transport error")
	// ErrInsecureURL is returned by New for a base URL that would send the API
	// key in clear text: plain http to a host other than loopback. A call
	// returns it when the server of an https base URL answers in plain http
	// (the base URL's scheme is wrong; nothing was sent): it is not
	// transient.
	ErrInsecureURL = errors.New("insecure base URL")
)

// APIError is an HTTP error response from the API. Callers branch on it with
// errors.As, or on StatusCode through the sentinels with errors.Is.
//
// Its text names the method, path, status and the API's own message; it never
// contains the API key.
type APIError struct {
	StatusCode int    // HTTP status, such as 404
	Code       int    // the API's error.code, 0 when the body had none
	Message    string // the API's error.message, else the start of the body
	Method     string // request method
	Path       string // request path, such as /v1/task/{id}/executions/{id}
	// RetryAfter is how long the server asked the client to wait
	// (retry-after-ms or Retry-After), 0 when it did not say.
	RetryAfter time.Duration
	// ShouldRetry is the server's x-should-retry header: nil when absent.
	ShouldRetry *bool
}

// Error implements error. The text is short ("API answered 404 Not Found:
// message"); the calls that return an APIError wrap it with what they were
// doing and which IDs they were doing it for.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("API answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Code != 0 && e.Code != e.StatusCode {
		msg += fmt.Sprintf(" (code %d)", e.Code)
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true for a 404, ErrUnauthorized for a
// 401 or 403, and ErrRateLimited for a 429.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// temporary reports whether the same request may succeed later, as the
// official SDKs judge it: an x-should-retry header decides when present;
// otherwise 408, 409, 429 and every 5xx are temporary.
func (e *APIError) temporary() bool {
	if e.ShouldRetry != nil {
		return *e.ShouldRetry
	}
	switch {
	case e.StatusCode == http.StatusRequestTimeout,
		e.StatusCode == http.StatusConflict,
		e.StatusCode == http.StatusTooManyRequests,
		e.StatusCode >= 500:
		return true
	}
	return false
}

// IsTransient reports whether err is a failure that may pass if the same call
// is made again later, such as at a waiter's next poll: an *APIError with
// status 408, 409, 429 or 5xx, ErrTransport, or ErrBadResponse. A bad ID, a
// body over the cap, an unauthorized key, a 404 and a context that ended are
// not transient.
//
// It ignores x-should-retry: that header tells a client whether to repeat
// the request at once (and the Client obeys it), not whether the server
// will be well later. A 503 that says "x-should-retry:
// false" is still a server failure that a later poll may not meet.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return (&APIError{StatusCode: apiErr.StatusCode}).temporary()
	}
	return errors.Is(err, ErrTransport) || errors.Is(err, ErrBadResponse)
}

// RetryAfterOf returns the wait a server asked for in the *APIError inside
// err, and false when there is none.
func RetryAfterOf(err error) (time.Duration, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter, true
	}
	return 0, false
}

// Unsent reports whether err shows that a call had no effect on the
// server, so that repeating it is safe even for a call that is not
// idempotent, such as RunTask: the connection was refused before anything
// was sent, the server answered 429, or it said x-should-retry: true (and
// not when it said x-should-retry: false).
func Unsent(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		if apiErr.ShouldRetry != nil {
			return *apiErr.ShouldRetry
		}
		return apiErr.StatusCode == http.StatusTooManyRequests
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}
