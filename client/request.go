package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// call is one API operation: what do sends, and whether sending it twice is
// harmless.
type call struct {
	method string
	path   string // below the base URL's path, starting with /
	query  url.Values
	body   []byte
	// idempotent calls are retried on every transient failure. Others (a run
	// that may already have started) only when nothing can have happened: a
	// refused connection, a 429, or a server that says x-should-retry: true.
	idempotent bool
}

// do sends cl, retrying transient failures unless opts ask for a single
// attempt, and decodes the response's data member into out. Errors are
// *APIError, or wrap ErrTransport, ErrBadResponse, ErrBodyTooLarge or the
// context's error; their text never holds the API key.
//
// backoff.Retry runs the attempts on sdkBackOff, the official SDKs'
// schedule; an error that must not be retried ends it as
// backoff.Permanent.
func (c *Client) do(ctx context.Context, cl call, out any, opts []CallOption) error {
	cfg := newCallConfig(opts)
	var resp Response
	maxRetries := c.maxRetries
	if cfg.single {
		maxRetries = 0
	}
	sched := &sdkBackOff{rnd: c.random}
	var lastErr error
	exhausted := false // the last attempt failed in a way worth retrying
	op := func() error {
		resp.Attempts++
		start := time.Now()
		err := c.attempt(ctx, cl, out, &resp)
		if err == nil {
			c.logger.LogAttrs(ctx, debug, "anchor API call", attrMethod(cl.method), attrPath(cl.path), attrAttempt(resp.Attempts), attrTook(time.Since(start)))
			return nil
		}
		lastErr, exhausted = err, false
		if ctx.Err() != nil || !c.retryable(cl, err) {
			return backoff.Permanent(err)
		}
		if wait, ok := RetryAfterOf(err); ok && wait > maxServerWait {
			// The official SDKs would retry sooner on their own backoff;
			// that undercuts the server. Hand the wait to the caller, who
			// can read it with RetryAfterOf.
			return backoff.Permanent(err)
		}
		sched.last, exhausted = err, true
		return err
	}
	notify := func(err error, delay time.Duration) {
		c.logger.LogAttrs(ctx, debug, "anchor API call failed, retrying", attrMethod(cl.method), attrPath(cl.path), attrAttempt(resp.Attempts), attrErr(c.redactErr(err)), attrDelay(delay))
	}
	b := backoff.WithContext(backoff.WithMaxRetries(sched, uint64(maxRetries)), ctx)
	err := backoff.RetryNotify(op, b, notify)
	switch {
	case err == nil:
	case err != lastErr:
		// The context ended while waiting to retry.
		err = fmt.Errorf("%w (while waiting to retry after: %w)", err, lastErr)
	case exhausted && resp.Attempts > 1:
		err = fmt.Errorf("gave up after %d attempts: %w", resp.Attempts, err)
	}
	if cfg.resp != nil {
		*cfg.resp = resp
	}
	return c.redactErr(err)
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

// attempt sends one request under its own timeout and reads the whole body
// through the size cap.
func (c *Client) attempt(ctx context.Context, cl call, out any, resp *Response) error {
	*resp = Response{Attempts: resp.Attempts}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	u := *c.base
	u.Path = c.basePath + cl.path
	u.RawPath = ""
	u.RawQuery = cl.query.Encode()
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, u.String(), body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("anchor-api-key", c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

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
	if d, err := http.ParseTime(hr.Header.Get("Date")); err == nil {
		resp.Date = d
	}
	if d, ok := parseRetryAfter(hr.Header, now); ok {
		resp.RetryAfter = d
	}
	data, err := c.readBody(hr)
	if err != nil {
		if errors.Is(err, ErrBodyTooLarge) {
			return err
		}
		return c.transportError(ctx, actx, fmt.Errorf("read body: %w", err))
	}
	if hr.StatusCode < 200 || hr.StatusCode > 299 {
		return c.apiError(cl, hr, data, resp.RetryAfter)
	}
	if err := decodeData(data, out); err != nil {
		return fmt.Errorf("%w: %v; body starts %s", ErrBadResponse, err, c.snippet(data))
	}
	return nil
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
		return fmt.Errorf("%w: %w: the server at %s answers plain http, not https: check the base URL", ErrTransport, err, c.base.Host)
	}
	return fmt.Errorf("%w: %w", ErrTransport, err)
}

func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	if resp.ContentLength > c.maxBodySize {
		return nil, fmt.Errorf("%w: %d bytes is over the %d-byte cap (raise it with WithMaxBodySize)", ErrBodyTooLarge, resp.ContentLength, c.maxBodySize)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBodySize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > c.maxBodySize {
		return nil, fmt.Errorf("%w: over the %d-byte cap (raise it with WithMaxBodySize)", ErrBodyTooLarge, c.maxBodySize)
	}
	return data, nil
}

// apiError turns a non-2xx response into an *APIError, the one place where
// that happens.
func (c *Client) apiError(cl call, resp *http.Response, data []byte, retryAfter time.Duration) *APIError {
	e := &APIError{
		StatusCode:  resp.StatusCode,
		Method:      cl.method,
		Path:        cl.path,
		ShouldRetry: parseShouldRetry(resp.Header),
		RetryAfter:  retryAfter,
	}
	var body struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &body) == nil && body.Error != nil {
		e.Code = body.Error.Code
		e.Message = c.redact(body.Error.Message)
	} else if len(bytes.TrimSpace(data)) > 0 {
		e.Message = "body starts " + c.snippet(data)
	}
	return e
}

// decodeData decodes {"data": ...} into out, refusing a body without data.
func decodeData(data []byte, out any) error {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return err
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return errors.New(`no "data" member`)
	}
	return json.Unmarshal(env.Data, out)
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

// redact blanks out the API key wherever it appears in s.
func (c *Client) redact(s string) string {
	if c.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, c.apiKey, "[REDACTED]")
}

// redactedError is an error whose text has the API key blanked out; it
// unwraps to the error it stands for, so errors.Is and errors.As still see
// the whole chain.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactErr returns err, or when its text holds the API key (a transport
// error can quote bytes a hostile server sent, such as a malformed status
// line echoing the request's headers), an error that reads the same with
// the key blanked out.
func (c *Client) redactErr(err error) error {
	if err == nil || c.apiKey == "" {
		return err
	}
	msg := err.Error()
	if !strings.Contains(msg, c.apiKey) {
		return err
	}
	return &redactedError{err: err, msg: c.redact(msg)}
}
