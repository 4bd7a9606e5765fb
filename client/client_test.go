package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testKey = "sk-test-7f3a9c1e5b2d4f60"

// testTask is a well-formed ID for requests whose answer does not matter.
const testTask = "3c90c3cc-0d44-4b50-8888-8dd25736052a"

// countingTransport fails every request and counts them, for tests that
// must see no request at all.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, errors.New("no network in this test")
}

func TestParseBaseURL(t *testing.T) {
	tests := []struct {
		url     string
		wantErr string
	}{
		{"https://api.anchorbrowser.io", ""},
		{"https://api.anchorbrowser.io/", ""},
		{"https://proxy.example.com/anchor", ""},
		{"http://127.0.0.1:8080", ""},
		{"http://127.9.9.9", ""},
		{"http://localhost:1234", ""},
		{"http://LOCALHOST", ""},
		{"http://[::1]:8080", ""},
		{"http://api.anchorbrowser.io", "sent only over https"},
		{"http://10.0.0.5:8080", "sent only over https"},
		{"http://localhost.evil.com", "sent only over https"},
		{"ftp://api.anchorbrowser.io", "want an https:// URL"},
		{"api.anchorbrowser.io", "want an https:// URL"},
		{"https://", "has no host"},
		{"https://user:secret@api.anchorbrowser.io", "has user info"},
		{"https://api.anchorbrowser.io/?x=1", "query or fragment"},
		{"https://api.anchorbrowser.io/#x", "query or fragment"},
		{"http://[::1", "does not parse"},
		{"http://127.0.0.1:99999", "port 99999: want a number from 1 to 65535"},
		{"http://127.0.0.1:0", "port 0: want a number from 1 to 65535"},
		{"https://api.anchorbrowser.io:", ""},
		{"https://:443", "has no host"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := ParseBaseURL(tt.url)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the URL's password", err)
			}
		})
	}
	if _, err := ParseBaseURL("http://example.com"); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("http to a remote host: got %v, want ErrInsecureURL", err)
	}
	for raw, want := range map[string]string{"https://API.anchorbrowser.io:": "api.anchorbrowser.io", "http://[::1]:": "[::1]", "http://[::1]:80": "[::1]:80"} {
		if u, err := ParseBaseURL(raw); err != nil || u.Host != want {
			t.Errorf("ParseBaseURL(%s) = %v, %v; want host %s", raw, u, err, want)
		}
	}
	if u, err := ParseBaseURL("http://LocalHost:8080/V1"); err != nil || u.Host != "localhost:8080" || u.Path != "/V1" {
		t.Errorf("ParseBaseURL(http://LocalHost:8080/V1) = %v, %v; want host localhost:8080 and the path as given", u, err)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		opts    []Option
		wantErr string
	}{
		{"defaults", testKey, nil, ""},
		{"empty key", "", nil, "empty API key"},
		{"key with newline", testKey + "\n", nil, "white space"},
		{"key with space", "sk test", nil, "white space"},
		{"insecure url", testKey, []Option{WithBaseURL("http://anchor.example.com")}, "sent only over https"},
		{"negative retries", testKey, []Option{WithMaxRetries(-1)}, "max retries -1"},
		{"zero timeout", testKey, []Option{WithRequestTimeout(0)}, "request timeout 0s"},
		{"zero body cap", testKey, []Option{WithMaxBodySize(0)}, "max body size 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.key, tt.opts...)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("got %v, %v; want a client", c, err)
				}
				if got := c.BaseURL(); got != DefaultBaseURL {
					t.Errorf("BaseURL() = %q, want %q", got, DefaultBaseURL)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), strings.TrimSpace(testKey)) {
				t.Errorf("error %q contains the key", err)
			}
		})
	}
}

func TestNewFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := NewFromEnv(env(map[string]string{EnvAPIKey: testKey, EnvBaseURL: "http://127.0.0.1:9999"}))
	if err != nil || c.BaseURL() != "http://127.0.0.1:9999" {
		t.Fatalf("got %v, %v; want a client for the env base URL", c, err)
	}
	c, err = NewFromEnv(env(map[string]string{EnvAPIKey: testKey, EnvBaseURL: "http://127.0.0.1:9999"}), WithBaseURL("https://override.example.com"))
	if err != nil || c.BaseURL() != "https://override.example.com" {
		t.Fatalf("got %v, %v; want the explicit option to win", c, err)
	}
	_, err = NewFromEnv(env(nil))
	if err == nil || !strings.Contains(err.Error(), EnvAPIKey) {
		t.Fatalf("no key: got %v, want an error naming %s", err, EnvAPIKey)
	}
}

func TestBadIDsSendNothing(t *testing.T) {
	rt := &countingTransport{}
	c, err := New(testKey, WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	const good = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
	ctx := context.Background()
	bad := []string{"", "not-a-uuid", "3c90c3cc0d444b5088888dd25736052a", "{3c90c3cc-0d44-4b50-8888-8dd25736052a}",
		"urn:uuid:3c90c3cc-0d44-4b50-8888-8dd25736052a", "../../v1/task/run", good + "/../x", "3c90c3cc-0d44-4b50-8888-8dd25736052g", testKey}
	for _, id := range bad {
		calls := map[string]func() error{
			"GetExecution task": func() error { _, err := c.GetExecution(ctx, id, good); return err },
			"GetExecution exec": func() error { _, err := c.GetExecution(ctx, good, id); return err },
			"ListExecutions":    func() error { _, err := c.ListExecutions(ctx, id, ListOptions{}); return err },
			"RunTask":           func() error { _, err := c.RunTask(ctx, RunTaskRequest{TaskID: id}); return err },
			"GetExecutionByID":  func() error { _, err := c.GetExecutionByID(ctx, id); return err },
			"RunTaskV2":         func() error { _, err := c.RunTaskV2(ctx, RunTaskV2Request{TaskID: id}); return err },
		}
		if id != "" { // an empty session ID means a new session
			calls["RunTask session"] = func() error { _, err := c.RunTask(ctx, RunTaskRequest{TaskID: good, SessionID: id}); return err }
		}
		for name, call := range calls {
			err := call()
			if !errors.Is(err, ErrInvalidID) {
				t.Errorf("%s(%q): got %v, want ErrInvalidID", name, id, err)
			}
			if err != nil && strings.Contains(err.Error(), testKey) {
				t.Errorf("%s: error %q contains the key", name, err)
			}
		}
	}
	invalid := []struct {
		name string
		call func() error
		want string
	}{
		{"bad version", func() error { _, err := c.RunTask(ctx, RunTaskRequest{TaskID: good, Version: "v2"}); return err }, `version "v2"`},
		{"bad input", func() error {
			_, err := c.RunTask(ctx, RunTaskRequest{TaskID: good, Inputs: map[string]string{"URL": "x"}})
			return err
		}, `input "URL"`},
		{"bad v2 version", func() error { _, err := c.RunTaskV2(ctx, RunTaskV2Request{TaskID: good, Version: "1.2"}); return err }, `version "1.2"`},
		{"empty v2 input name", func() error {
			_, err := c.RunTaskV2(ctx, RunTaskV2Request{TaskID: good, Inputs: map[string]string{"": "x"}})
			return err
		}, "empty name"},
		{"v2 input name not UTF-8", func() error {
			_, err := c.RunTaskV2(ctx, RunTaskV2Request{TaskID: good, Inputs: map[string]string{"a\xff": "x"}})
			return err
		}, "name is not valid UTF-8"},
		{"v2 input value not UTF-8", func() error {
			_, err := c.RunTaskV2(ctx, RunTaskV2Request{TaskID: good, Inputs: map[string]string{"url": "\xfe"}})
			return err
		}, "value is not valid UTF-8"},
		{"negative page", func() error { _, err := c.ListExecutions(ctx, good, ListOptions{Page: -1}); return err }, "page -1"},
		{"negative limit", func() error { _, err := c.ListExecutions(ctx, good, ListOptions{Limit: -3}); return err }, "limit -3"},
		{"unknown status", func() error { _, err := c.ListExecutions(ctx, good, ListOptions{Status: "done"}); return err }, `status "done"`},
	}
	for _, tt := range invalid {
		err := tt.call()
		if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want ErrInvalidRequest naming %s", tt.name, err, tt.want)
		}
	}
	if n := rt.n.Load(); n != 0 {
		t.Errorf("sent %d requests for bad input, want 0", n)
	}
}

func TestBadRunIDsSendNothing(t *testing.T) {
	rt := &countingTransport{}
	c, err := New(testKey, WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range []string{"", "run.1", "../status", "a/b", "run%2F1", "run 1", "run\n", "rün", "run?x=1", "run#1", strings.Repeat("a", MaxRunIDLen+1), testKey + "."} {
		_, err := c.GetRun(ctx, id)
		if !errors.Is(err, ErrInvalidID) {
			t.Errorf("GetRun(%q): got %v, want ErrInvalidID", id, err)
		}
		if err != nil && strings.Contains(err.Error(), testKey) {
			t.Errorf("GetRun: error %q contains the key", err)
		}
	}
	if n := rt.n.Load(); n != 0 {
		t.Errorf("sent %d requests for bad run IDs, want 0", n)
	}
	for _, id := range []string{"r", "run_8f14e45f-CEEA-167a", strings.Repeat("Z", MaxRunIDLen), "3c90c3cc-0d44-4b50-8888-8dd25736052a"} {
		if _, err := c.GetRun(ctx, id); errors.Is(err, ErrInvalidID) {
			t.Errorf("GetRun(%q): got %v, want it sent", id, err)
		}
	}
}

func TestAPIErrorClassification(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		err                                 *APIError
		notFound, unauthorized, rateLimited bool
		temporary                           bool
	}{
		{&APIError{StatusCode: 404}, true, false, false, false},
		{&APIError{StatusCode: 401}, false, true, false, false},
		{&APIError{StatusCode: 403}, false, true, false, false},
		{&APIError{StatusCode: 429}, false, false, true, true},
		{&APIError{StatusCode: 400}, false, false, false, false},
		{&APIError{StatusCode: 408}, false, false, false, true},
		{&APIError{StatusCode: 409}, false, false, false, true},
		{&APIError{StatusCode: 500}, false, false, false, true},
		// IsTransient ignores x-should-retry, which governs immediate retries.
		{&APIError{StatusCode: 503, ShouldRetry: &no}, false, false, false, true},
		{&APIError{StatusCode: 400, ShouldRetry: &yes}, false, false, false, false},
	}
	for _, tt := range tests {
		var err error = tt.err
		wrapped := errors.Join(errors.New("context"), err)
		if got := errors.Is(wrapped, ErrNotFound); got != tt.notFound {
			t.Errorf("%d: Is(ErrNotFound) = %v, want %v", tt.err.StatusCode, got, tt.notFound)
		}
		if got := errors.Is(wrapped, ErrUnauthorized); got != tt.unauthorized {
			t.Errorf("%d: Is(ErrUnauthorized) = %v, want %v", tt.err.StatusCode, got, tt.unauthorized)
		}
		if got := errors.Is(wrapped, ErrRateLimited); got != tt.rateLimited {
			t.Errorf("%d: Is(ErrRateLimited) = %v, want %v", tt.err.StatusCode, got, tt.rateLimited)
		}
		if got := IsTransient(wrapped); got != tt.temporary {
			t.Errorf("%d (should-retry %v): IsTransient = %v, want %v", tt.err.StatusCode, tt.err.ShouldRetry, got, tt.temporary)
		}
	}
	for err, want := range map[error]bool{
		nil: false, ErrTransport: true, ErrBadResponse: true, ErrBodyTooLarge: false, ErrInvalidID: false,
		context.Canceled: false, context.DeadlineExceeded: false,
	} {
		if got := IsTransient(err); got != want {
			t.Errorf("IsTransient(%v) = %v, want %v", err, got, want)
		}
	}
	if (&APIError{StatusCode: 503, ShouldRetry: &no}).temporary() || !(&APIError{StatusCode: 400, ShouldRetry: &yes}).temporary() {
		t.Errorf("temporary() must follow x-should-retry")
	}
	e := &APIError{StatusCode: 429, Code: 1042, Message: "slow down", RetryAfter: 2 * time.Second}
	if got, want := e.Error(), "API answered 429 Too Many Requests: slow down (code 1042)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if d, ok := RetryAfterOf(errors.Join(errors.New("x"), e)); !ok || d != 2*time.Second {
		t.Errorf("RetryAfterOf = %v, %v; want 2s, true", d, ok)
	}
}

func TestNewTransport(t *testing.T) {
	tr := newTransport()
	if tr.MaxConnsPerHost != 0 || tr.MaxIdleConnsPerHost != maxIdleConns || tr.MaxIdleConns != maxIdleConns {
		t.Errorf("newTransport(): conns per host %d, idle per host %d, idle %d; want 0 (no cap), %d, %d",
			tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost, tr.MaxIdleConns, maxIdleConns, maxIdleConns)
	}
}

func TestRedactShortKey(t *testing.T) {
	c, err := New("abc", WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetExecution(context.Background(), "abc", "abc")
	if err == nil || strings.Contains(err.Error(), "abc") {
		t.Fatalf("got %v, want an error that does not show the 3-character key", err)
	}
}

// TestSnippetNeverShowsPartOfKey: a body that echoes the key, even where a
// copy straddles the cut, never shows any part of it.
func TestSnippetNeverShowsPartOfKey(t *testing.T) {
	key := "sk-0123456789abcdef0123456789abcdef01234567"
	c, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	for pad := 0; pad < 80; pad++ {
		for _, body := range []string{
			key + strings.Repeat("x", pad) + key + "tail",
			strings.Repeat("y", pad) + key,
			strings.Repeat("z", pad) + key + key,
		} {
			got := c.snippet([]byte(body))
			for i := 0; i+8 <= len(key); i++ {
				if strings.Contains(got, key[i:i+8]) {
					t.Fatalf("snippet(%q) = %s, shows %q of the key", body, got, key[i:i+8])
				}
			}
		}
	}
	if got := c.snippet([]byte("short body")); got != `"short body"` {
		t.Errorf("snippet of a short body = %s, want it whole", got)
	}
	if got := c.snippet([]byte(strings.Repeat("a", 100))); got != `"`+strings.Repeat("a", 64)+`"...` {
		t.Errorf("snippet of a long body = %s, want 64 bytes and ...", got)
	}
}

// TestLoopbackNeverProxied checks that requests to a loopback http base URL
// never go through the proxy of the transport given, which would see the
// key in clear, however the host is spelled.
func TestLoopbackNeverProxied(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer proxy.Close()
	var direct atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		direct.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}))
	defer api.Close()
	proxyURL, _ := url.Parse(proxy.URL)
	port := api.URL[strings.LastIndex(api.URL, ":")+1:]
	for _, host := range []string{"127.0.0.1", "LOCALHOST", "LocalHost"} {
		t.Run(host, func(t *testing.T) {
			tr := &http.Transport{Proxy: http.ProxyURL(proxyURL)}
			defer tr.CloseIdleConnections()
			c, err := New(testKey, WithBaseURL("http://"+host+":"+port), WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			before := direct.Load()
			_, err = c.GetExecution(context.Background(), testTask, testTask)
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("got %v, want the API's 404", err)
			}
			if proxied.Load() != 0 || direct.Load() != before+1 {
				t.Errorf("proxy saw %d requests, API %d; want 0 and 1", proxied.Load(), direct.Load()-before)
			}
		})
	}
}

// TestTransportErrorsHideKey checks that a transport error quoting what a
// server sent (a status line echoing the request's headers) reaches the
// caller without the key, and still unwraps to the original error.
func TestTransportErrorsHideKey(t *testing.T) {
	quoting := &echoError{`net/http: malformed HTTP status code "anchor-api-key: ` + testKey + `"`}
	c, err := New(testKey, WithBaseURL("http://127.0.0.1:1"), WithHTTPClient(&http.Client{Transport: failWith{quoting}}), WithMaxRetries(1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetExecution(context.Background(), testTask, testTask)
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Fatalf("got %v, want an error without the key", err)
	}
	if !errors.Is(err, quoting) || !errors.Is(err, ErrTransport) {
		t.Errorf("got %v; want it to wrap the transport's error and ErrTransport", err)
	}
	if !strings.Contains(err.Error(), "malformed HTTP status code") {
		t.Errorf("got %q; want the transport's words kept", err)
	}
	// errors.As hands out no error of the chain whose text holds the key:
	// the transport's error is not found, and an error interface finds the
	// redacted error itself.
	var echoErr *echoError
	var urlErr *url.Error
	var netErr net.Error
	var anyErr interface{ Error() string }
	for name, target := range map[string]any{"*echoError": &echoErr, "*url.Error": &urlErr, "net.Error": &netErr, "an error interface": &anyErr} {
		if errors.As(err, target) {
			if found := reflect.ValueOf(target).Elem().Interface().(error); strings.Contains(found.Error(), testKey) {
				t.Errorf("errors.As to %s found %q, want nothing that quotes the key", name, found)
			}
		}
	}
	if errors.As(err, &echoErr) {
		t.Errorf("errors.As found the transport's own error %q, want it kept inside", echoErr)
	}
}

// echoError is a transport error that quotes what a server sent.
type echoError struct{ text string }

func (e *echoError) Error() string { return e.text }

// TestRedactedErrorAsOwnTypes checks that a redacted error still gives
// errors.As the types whose text cannot quote the server: the client's
// *APIError and a *net.OpError, so that Unsent still sees a refused dial.
func TestRedactedErrorAsOwnTypes(t *testing.T) {
	op := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	api := &APIError{StatusCode: http.StatusServiceUnavailable}
	redacted := func(inner error) error {
		t.Helper()
		quoting := fmt.Errorf("%w: echo %s", inner, testKey)
		c, err := New(testKey, WithBaseURL("http://127.0.0.1:1"), WithHTTPClient(&http.Client{Transport: failWith{quoting}}), WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetExecution(context.Background(), testTask, testTask)
		if err == nil || strings.Contains(err.Error(), testKey) {
			t.Fatalf("got %v, want an error without the key", err)
		}
		return err
	}
	err := redacted(op)
	var gotOp *net.OpError
	if !errors.As(err, &gotOp) || gotOp != op {
		t.Errorf("errors.As to *net.OpError: got %v, want the dial error", gotOp)
	}
	if !Unsent(err) {
		t.Errorf("Unsent = false for a refused dial, want true")
	}
	var gotAPI *APIError
	if err := redacted(api); !errors.As(err, &gotAPI) || gotAPI != api {
		t.Errorf("errors.As to *APIError: got %v, want the API error", gotAPI)
	}
}

// TestHTTPSToPlainServer checks that an https base URL pointing at a server
// that speaks plain http says so.
func TestHTTPSToPlainServer(t *testing.T) {
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	c, err := New(testKey, WithBaseURL(strings.Replace(plain.URL, "http://", "https://", 1)), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetExecution(context.Background(), testTask, testTask)
	if err == nil || !strings.Contains(err.Error(), "answers plain http, not https") {
		t.Errorf("got %v, want it to say the server answers plain http", err)
	}
	if !errors.Is(err, ErrInsecureURL) || IsTransient(err) {
		t.Errorf("got %v (transient %v), want ErrInsecureURL, not transient: no retry changes the scheme", err, IsTransient(err))
	}
}

type failWith struct{ err error }

func (f failWith) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }
