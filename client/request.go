package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// call is one API operation: what do sends, and whether sending it twice is
// harmless.
type call struct {
	method string
	url    string // the base URL's prefix and path; the path needs no escaping
	path   string // url below the base URL's path, starting with /
	query  url.Values
	body   []byte
	// idempotent calls are retried on every transient failure. Others (a run
	// that may already have started) only when nothing can have happened: a
	// refused connection, a 429, or a server that says x-should-retry: true.
	idempotent bool
	// maxBody caps the response body (the Client's cap, or a call's
	// BodyLimit below it).
	maxBody int64
}

// endpoint returns a call of method to u, which is c.prefix and a path.
func (c *Client) endpoint(method, u string, idempotent bool) call {
	return call{method: method, url: u, path: u[len(c.prefix):], idempotent: idempotent}
}

// target is what a 2xx body is decoded into. decode reads the whole body
// and replaces whatever an earlier attempt left.
type target interface {
	decode(r *reader) error
}

// do sends cl, retrying transient failures unless opts ask for a single
// attempt, and decodes the response into out. Errors are *APIError, or
// wrap ErrTransport, ErrBadResponse, ErrBodyTooLarge or the context's
// error; their text never holds the API key.
//
// The first attempt is made here; when it fails in a way worth retrying,
// retry runs the rest on backoff.RetryNotify.
func (c *Client) do(ctx context.Context, cl call, out target, opts []CallOption) error {
	var cfg callConfig
	if len(opts) > 0 {
		cfg = newCallConfig(opts)
	}
	cl.maxBody = c.maxBodySize
	if cfg.bodyLimit > 0 && cfg.bodyLimit < cl.maxBody {
		cl.maxBody = cfg.bodyLimit
	}
	resp := Response{Attempts: 1}
	start := time.Now()
	err := c.attempt(ctx, &cl, out, &resp)
	switch {
	case err == nil:
		if c.logger.Enabled(ctx, debug) {
			c.logger.LogAttrs(ctx, debug, "anchor API call", attrMethod(cl.method), attrPath(cl.path), attrAttempt(1), attrTook(time.Since(start)))
		}
	case !cfg.single && c.maxRetries > 0 && c.worthRetrying(ctx, cl, err):
		resp, err = c.retry(ctx, cl, out, resp, err)
	}
	if cfg.resp != nil {
		*cfg.resp = resp
	}
	return c.redactErr(err)
}

// worthRetrying reports whether err, the failure of an attempt of cl, may
// be retried at once.
func (c *Client) worthRetrying(ctx context.Context, cl call, err error) bool {
	if ctx.Err() != nil || !c.retryable(cl, err) {
		return false
	}
	if wait, ok := RetryAfterOf(err); ok && wait > maxServerWait {
		// The official SDKs would retry sooner on their own backoff; that
		// undercuts the server. Hand the wait to the caller, who can read
		// it with RetryAfterOf.
		return false
	}
	return true
}

// retry makes the retries after a first attempt that failed with first,
// on sdkBackOff, the official SDKs' schedule, run by backoff.RetryNotify.
// An error that must not be retried ends it as backoff.Permanent. It
// returns what the last attempt said.
func (c *Client) retry(ctx context.Context, cl call, out target, resp Response, first error) (Response, error) {
	sched := &sdkBackOff{rnd: c.random}
	lastErr := first
	exhausted := true // the last attempt failed in a way worth retrying
	firstDone := false
	op := func() error {
		if !firstDone {
			// RetryNotify starts with an attempt (after resetting sched):
			// the first one, already made.
			firstDone = true
			sched.last = first
			return first
		}
		resp.Attempts++
		start := time.Now()
		err := c.attempt(ctx, &cl, out, &resp)
		if err == nil {
			c.logger.LogAttrs(ctx, debug, "anchor API call", attrMethod(cl.method), attrPath(cl.path), attrAttempt(resp.Attempts), attrTook(time.Since(start)))
			return nil
		}
		lastErr, exhausted = err, false
		if !c.worthRetrying(ctx, cl, err) {
			return backoff.Permanent(err)
		}
		sched.last, exhausted = err, true
		return err
	}
	notify := func(err error, delay time.Duration) {
		c.logger.LogAttrs(ctx, debug, "anchor API call failed, retrying", attrMethod(cl.method), attrPath(cl.path), attrAttempt(resp.Attempts), attrErr(c.redactErr(err)), attrDelay(delay))
	}
	b := backoff.WithContext(backoff.WithMaxRetries(sched, uint64(c.maxRetries)), ctx)
	err := backoff.RetryNotify(op, b, notify)
	switch {
	case err == nil:
	case err != lastErr:
		// The context ended while waiting to retry.
		err = fmt.Errorf("%w (while waiting to retry after: %w)", err, lastErr)
	case exhausted && resp.Attempts > 1:
		err = fmt.Errorf("gave up after %d attempts: %w", resp.Attempts, err)
	}
	return resp, err
}

// retryable applies the SDKs' retry rules, narrowed for calls that are not
// idempotent.
func (c *Client) retryable(cl call, err error) bool {
	if !cl.idempotent {
		return Unsent(err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.temporary() // x-should-retry decides when present
	}
	return errors.Is(err, ErrTransport) || errors.Is(err, ErrBadResponse)
}

// attempt sends one request under its own timeout, reads the whole body
// through the size cap into a pooled buffer, and decodes it.
func (c *Client) attempt(ctx context.Context, cl *call, out target, resp *Response) error {
	*resp = Response{Attempts: resp.Attempts}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	u := cl.url
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, u, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	// The Host header comes from the URL (lower case, no empty port: see
	// ParseBaseURL); a req.Host of its own would cost http.Client a copy
	// of the URL.
	req.Host = ""
	req.Header = c.header(cl.body != nil)

	hr, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(ctx, actx, err)
	}
	defer hr.Body.Close()
	now := time.Now()
	*resp = Response{
		Attempts:   resp.Attempts,
		StatusCode: hr.StatusCode,
		Received:   now,
		RateLimit:  parseRateLimit(hr.Header),
	}
	if v := hr.Header.Get("Date"); v != "" {
		if d, err := http.ParseTime(v); err == nil {
			resp.Date = d
		}
	}
	if d, ok := parseRetryAfter(hr.Header, now); ok {
		resp.RetryAfter = d
	}
	r := getReader()
	defer r.release()
	if err := r.readAll(hr.Body, hr.ContentLength, cl.maxBody); err != nil {
		var tooLarge errTooLarge
		switch {
		case errors.As(err, &tooLarge) && cl.maxBody < c.maxBodySize:
			return fmt.Errorf("%w: %v (the call's BodyLimit)", ErrBodyTooLarge, err)
		case errors.As(err, &tooLarge):
			return fmt.Errorf("%w: %v (raise the cap with WithMaxBodySize)", ErrBodyTooLarge, err)
		}
		return c.transportError(ctx, actx, fmt.Errorf("read body: %w", err))
	}
	r.start()
	if hr.StatusCode < 200 || hr.StatusCode > 299 {
		return c.apiError(cl, hr, r, resp.RetryAfter)
	}
	if err := out.decode(r); err != nil {
		return fmt.Errorf("%w: %v; body starts %s", ErrBadResponse, err, c.snippet(r.data))
	}
	return nil
}

// header returns the headers of a request, built once per Client. They
// are shared by every request unless the http.Client has a cookie jar,
// which adds to them: net/http and RoundTrippers only read a request's
// headers.
func (c *Client) header(withBody bool) http.Header {
	h := c.getHeader
	if withBody {
		h = c.postHeader
	}
	if c.hc.Jar != nil {
		return h.Clone()
	}
	return h
}

// transportError explains a failure to get a whole response. The caller's
// ctx ending is reported as such; the attempt's own timeout as ErrTransport.
func (c *Client) transportError(ctx, actx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if actx.Err() != nil {
		return fmt.Errorf("%w: no complete response within the %v request timeout", ErrTransport, c.timeout)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // its URL repeats what the caller already says
	}
	if c.base.Scheme == "https" && strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		// Not transient: the base URL names the wrong scheme, and no
		// number of tries will change what the server speaks. (Nothing
		// was sent in clear: the TLS handshake failed before the request.)
		return fmt.Errorf("%w: %w: the server at %s answers plain http, not https: check the base URL", ErrInsecureURL, err, c.base.Host)
	}
	return fmt.Errorf("%w: %w", ErrTransport, err)
}

// apiError turns a non-2xx response into an *APIError, the one place where
// that happens. The body is read leniently: the API's error document gives
// Code and Message, any other body the start of it.
func (c *Client) apiError(cl *call, resp *http.Response, r *reader, retryAfter time.Duration) *APIError {
	e := &APIError{
		StatusCode:  resp.StatusCode,
		Method:      cl.method,
		Path:        cl.path,
		ShouldRetry: parseShouldRetry(resp.Header),
		RetryAfter:  retryAfter,
	}
	code, msg, ok := r.errorDocument()
	switch {
	case ok:
		e.Code, e.Message = code, c.redact(msg)
	case len(bytes.TrimSpace(r.data)) > 0:
		e.Message = "body starts " + c.snippet(r.data)
	}
	return e
}

const snippetLen = 64

// snippet quotes the first bytes of a body for an error message, with the
// API key blanked out should the body echo it.
func (c *Client) snippet(data []byte) string {
	if len(data) == 0 {
		return "(empty body)"
	}
	// Cut after snippetLen bytes, moved past the end of any copy of the key
	// that starts before it, then redact: no part of a key can be left.
	cut := min(len(data), snippetLen)
	if key := []byte(c.apiKey); len(key) > 0 {
		for i := 0; i < cut; {
			j := bytes.Index(data[i:], key)
			if j < 0 || i+j >= cut {
				break
			}
			cut = max(cut, i+j+len(key))
			i += j + 1
		}
	}
	more := ""
	if cut < len(data) {
		more = "..."
	}
	return fmt.Sprintf("%q%s", c.redact(string(data[:cut])), more)
}

// redact blanks out the API key wherever it appears in s: as it is, and
// as Go quotes it (%q, strconv.Quote), the way net/http's errors quote the
// bytes a server sent, such as a malformed status line that echoes the
// request's headers.
func (c *Client) redact(s string) string {
	if c.apiKey == "" {
		return s
	}
	s = strings.ReplaceAll(s, c.apiKey, "[REDACTED]")
	if q := quotedKey(c.apiKey); q != c.apiKey {
		s = strings.ReplaceAll(s, q, "[REDACTED]")
	}
	return s
}

// quotedKey is key as strconv.Quote writes it, without the quotes.
func quotedKey(key string) string {
	q := strconv.Quote(key)
	return q[1 : len(q)-1]
}

// redactedError is an error whose text has the API key blanked out. It
// does not unwrap to the error it stands for, whose text (and that of the
// errors it wraps) still holds the key. errors.Is still sees that chain
// (a sentinel holds no text of the server's); errors.As reaches only the
// types whose text cannot quote the server: the *APIError the client made
// (its message redacted) and a *net.OpError (a dial or socket error). A
// *url.Error or any other error of the chain, which may quote what a
// hostile server sent, is never handed out.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string        { return e.msg }
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }
func (e *redactedError) As(target any) bool {
	switch target.(type) {
	case **APIError, **net.OpError:
		return errors.As(e.err, target)
	}
	return false
}

// redactErr returns err, or when its text holds the API key (a transport
// error can quote bytes a hostile server sent, such as a malformed status
// line echoing the request's headers), an error that reads the same with
// the key blanked out.
func (c *Client) redactErr(err error) error {
	if err == nil || c.apiKey == "" {
		return err
	}
	msg := err.Error()
	if redacted := c.redact(msg); redacted != msg {
		return &redactedError{err: err, msg: redacted}
	}
	return err
}
