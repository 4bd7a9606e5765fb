package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
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

// do sends c, retrying transient failures, and decodes the response's data
// member into out. Errors are *APIError, or wrap ErrTransport,
// ErrBadResponse, ErrBodyTooLarge or the context's error.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	for retry := 0; ; retry++ {
		start := time.Now()
		err := c.attempt(ctx, cl, out)
		if err == nil {
			c.logger.LogAttrs(ctx, debug, "anchor API call", attrMethod(cl.method), attrPath(cl.path), attrAttempt(retry+1), attrTook(time.Since(start)))
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		if !c.retryable(cl, err) {
			return err
		}
		if retry >= c.maxRetries {
			if retry == 0 {
				return err
			}
			return fmt.Errorf("gave up after %d attempts: %w", retry+1, err)
		}
		wait, ok := RetryAfterOf(err)
		if ok && wait > maxServerWait {
			// The official SDKs would retry sooner on their own backoff;
			// that undercuts the server. Hand the wait to the caller, who
			// can read it with RetryAfterOf.
			return err
		}
		delay := RetryDelay(retry, wait, ok, c.random())
		if t := traceFrom(ctx); t != nil && t.Retry != nil {
			t.Retry(err, delay)
		}
		c.logger.LogAttrs(ctx, debug, "anchor API call failed, retrying", attrMethod(cl.method), attrPath(cl.path), attrAttempt(retry+1), attrErr(err), attrDelay(delay))
		if serr := sleep(ctx, delay); serr != nil {
			return fmt.Errorf("%w (while waiting to retry after: %v)", serr, err)
		}
	}
}

// retryable applies the SDKs' retry rules, narrowed for calls that are not
// idempotent.
func (c *Client) retryable(cl call, err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		if apiErr.ShouldRetry != nil {
			return *apiErr.ShouldRetry
		}
		if !cl.idempotent {
			return apiErr.StatusCode == http.StatusTooManyRequests
		}
		return apiErr.Temporary()
	}
	if !cl.idempotent {
		var opErr *net.OpError
		return errors.As(err, &opErr) && opErr.Op == "dial"
	}
	return errors.Is(err, ErrTransport) || errors.Is(err, ErrBadResponse)
}

// sleep waits for d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// attempt sends one request under its own timeout and reads the whole body
// through the size cap.
func (c *Client) attempt(ctx context.Context, cl call, out any) error {
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

	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(ctx, actx, err)
	}
	defer resp.Body.Close()
	data, err := c.readBody(resp)
	if err != nil {
		if errors.Is(err, ErrBodyTooLarge) {
			return err
		}
		return c.transportError(ctx, actx, fmt.Errorf("read body: %w", err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.apiError(cl, resp, data)
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
func (c *Client) apiError(cl call, resp *http.Response, data []byte) *APIError {
	e := &APIError{
		StatusCode:  resp.StatusCode,
		Method:      cl.method,
		Path:        cl.path,
		ShouldRetry: parseShouldRetry(resp.Header),
	}
	if d, ok := ParseRetryAfter(resp.Header, time.Now()); ok {
		e.RetryAfter = d
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
