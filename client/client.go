package client

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DefaultBaseURL is the Anchor Browser API server.
const DefaultBaseURL = "https://api.anchorbrowser.io"

// The environment variables the official SDKs read, and so does NewFromEnv.
const (
	EnvAPIKey  = "ANCHORBROWSER_API_KEY"
	EnvBaseURL = "ANCHORBROWSER_BASE_URL"
)

// Defaults for the options.
const (
	DefaultMaxRetries     = 2                // retries after the first attempt, as the official SDKs do
	DefaultRequestTimeout = 15 * time.Second // per attempt
	DefaultMaxBodySize    = 32 << 20         // bytes
)

// maxIdleConns is how many idle connections the default transport keeps to
// the API: enough for the widest fan-out a caller bounds its requests to,
// so none has to be opened again. The bound on requests in flight is the
// caller's (package poller's); connections are opened only as needed.
const maxIdleConns = 1024

// Client calls the Anchor Browser API. Create one with New or NewFromEnv and
// share it: a Client is safe for concurrent use by many goroutines, and its
// connection pool is sized for the concurrency it was built with.
type Client struct {
	apiKey string
	base   *url.URL
	// prefix is the base URL without a trailing slash: request URLs are
	// prefix and a path.
	prefix string
	// getHeader and postHeader are the headers of every request without
	// and with a body; see header.
	getHeader  http.Header
	postHeader http.Header

	hc          *http.Client
	userAgent   string
	maxRetries  int
	timeout     time.Duration
	maxBodySize int64
	logger      *slog.Logger
	random      func() float64
}

type config struct {
	baseURL     string
	hc          *http.Client
	userAgent   string
	maxRetries  int
	timeout     time.Duration
	maxBodySize int64
	logger      *slog.Logger
	random      func() float64
}

// Option configures a Client in New or NewFromEnv.
type Option func(*config)

// WithBaseURL sets the API server, such as "https://api.anchorbrowser.io" (the
// default) or a fake's URL. Plain http is accepted only for loopback hosts.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithHTTPClient makes the Client send requests through a copy of hc: its
// Transport and cookie jar are used, but redirects are never followed,
// since they would carry the API key elsewhere, and hc.Timeout is ignored:
// each attempt's timeout comes from WithRequestTimeout, through the
// request's context. When the base URL is plain http to a loopback address
// and hc's Transport is an *http.Transport, a clone of it is used that
// never sends those requests through a proxy, which would see the key in
// clear; any other RoundTripper is used as it is.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.hc = hc } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *config) { c.userAgent = ua } }

// WithMaxRetries sets how many times a call is retried after a transient
// failure (0 for no retries). The default is DefaultMaxRetries. A failure
// whose server asks for a wait over 60 s is never retried within the call.
func WithMaxRetries(n int) Option { return func(c *config) { c.maxRetries = n } }

// WithRequestTimeout bounds each attempt, from sending the request to reading
// the whole body, so one hung connection cannot stall a caller. The default is
// DefaultRequestTimeout.
func WithRequestTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithMaxBodySize caps the bytes read from one response body; a larger body
// is an error matching ErrBodyTooLarge. The default is DefaultMaxBodySize.
func WithMaxBodySize(n int64) Option { return func(c *config) { c.maxBodySize = n } }

// WithLogger makes the Client log each attempt and retry at debug level. The
// API key is never logged. By default nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithRandom sets the source of retry jitter, a function returning values in
// [0, 1). It must be safe for concurrent use. The default is math/rand/v2.
func WithRandom(f func() float64) Option { return func(c *config) { c.random = f } }

// New returns a Client that authenticates with apiKey. It fails, saying why,
// for an empty key, a key with spaces or control characters, a base URL that
// does not parse, or one that would send the key in clear text over the
// network (see ErrInsecureURL). The error never contains the key.
func New(apiKey string, opts ...Option) (*Client, error) {
	cfg := config{
		baseURL:     DefaultBaseURL,
		userAgent:   "anchorwait-go",
		maxRetries:  DefaultMaxRetries,
		timeout:     DefaultRequestTimeout,
		maxBodySize: DefaultMaxBodySize,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if err := checkAPIKey(apiKey); err != nil {
		return nil, err
	}
	base, err := ParseBaseURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.maxRetries < 0:
		return nil, fmt.Errorf("max retries %d: want 0 or more", cfg.maxRetries)
	case cfg.timeout <= 0:
		return nil, fmt.Errorf("request timeout %v: want more than 0", cfg.timeout)
	case cfg.maxBodySize <= 0:
		return nil, fmt.Errorf("max body size %d: want more than 0 bytes", cfg.maxBodySize)
	}
	hc := &http.Client{Transport: newTransport()}
	if cfg.hc != nil {
		own := *cfg.hc
		own.Timeout = 0 // each attempt has its own timeout, from ctx
		hc = &own
	}
	if base.Scheme == "http" {
		// Loopback only (ParseBaseURL): keep the key off any proxy.
		hc.Transport = withoutProxy(hc.Transport)
	}
	// A redirect would carry the anchor-api-key header to wherever it
	// points (Go strips only its own sensitive headers), so none is followed:
	// a 3xx comes back as an *APIError.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if cfg.random == nil {
		cfg.random = rand.Float64
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	prefix := *base
	prefix.Path = strings.TrimRight(base.Path, "/")
	prefix.RawPath = ""
	getHeader := http.Header{
		"Anchor-Api-Key": {apiKey},
		"Accept":         {"application/json"},
		"User-Agent":     {cfg.userAgent},
	}
	postHeader := getHeader.Clone()
	postHeader["Content-Type"] = []string{"application/json"}
	return &Client{
		apiKey:      apiKey,
		base:        base,
		prefix:      prefix.String(),
		getHeader:   getHeader,
		postHeader:  postHeader,
		hc:          hc,
		userAgent:   cfg.userAgent,
		maxRetries:  cfg.maxRetries,
		timeout:     cfg.timeout,
		maxBodySize: cfg.maxBodySize,
		logger:      cfg.logger,
		random:      cfg.random,
	}, nil
}

// NewFromEnv returns a Client configured from the environment the official
// SDKs read: the key from ANCHORBROWSER_API_KEY and, when set, the server from
// ANCHORBROWSER_BASE_URL. Options given here override the environment.
// getenv looks variables up; nil means os.Getenv.
func NewFromEnv(getenv func(string) string, opts ...Option) (*Client, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	key := getenv(EnvAPIKey)
	if key == "" {
		return nil, fmt.Errorf("no API key: set %s to your Anchor Browser API key", EnvAPIKey)
	}
	if u := getenv(EnvBaseURL); u != "" {
		opts = append([]Option{WithBaseURL(u)}, opts...)
	}
	return New(key, opts...)
}

// BaseURL returns the API server the Client sends requests to.
func (c *Client) BaseURL() string { return c.base.String() }

// newTransport returns the default transport: Go's, keeping up to
// maxIdleConns idle connections to the API (Go's default keeps 2 per host,
// so a fan-out would keep opening new ones). It does not bound connections:
// the caller bounds requests in flight.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = maxIdleConns
	t.MaxIdleConnsPerHost = maxIdleConns
	return t
}

// withoutProxy returns rt, or for an *http.Transport (nil meaning Go's
// default) a clone of it that sends no request through a proxy. Go's
// ProxyFromEnvironment exempts only the exact host "localhost" and
// loopback IPs written as such; a base URL such as http://LOCALHOST:8080,
// or a NO_PROXY that does not list it, would send the key to the proxy in
// clear.
func withoutProxy(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, ok := rt.(*http.Transport)
	if !ok || t.Proxy == nil {
		return rt
	}
	t = t.Clone()
	t.Proxy = nil
	return t
}

// Redact returns s with the Client's API key blanked out, for callers that
// put API data (an errorMessage that echoes the key, say) into errors and
// logs of their own. The Client's methods return API data as it came; their
// errors never hold the key.
func (c *Client) Redact(s string) string { return c.redact(s) }

// ParseBaseURL parses and checks an API base URL: it must be absolute, https
// or http to a loopback host (localhost, 127.0.0.0/8, ::1), with no user
// info, query or fragment, and a port, if any, from 1 to 65535. The host is
// returned in lower case and without an empty port ("host:"), so that every
// later check of it (the loopback rule, a proxy's NO_PROXY) and every
// request's Host header sees one spelling. Errors match
// ErrInsecureURL for plain http elsewhere.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("base URL %q does not parse: want a URL such as %s", raw, DefaultBaseURL)
	}
	shown := u.Redacted()
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("base URL %q: want an https:// URL such as %s", shown, DefaultBaseURL)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("base URL %q has no host: want a URL such as %s", shown, DefaultBaseURL)
	case u.User != nil:
		return nil, fmt.Errorf("base URL %q has user info: the API key goes in the anchor-api-key header, not the URL", shown)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("base URL %q has a query or fragment: want scheme, host and an optional path only", shown)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("%w %q: the API key is sent only over https, or over http to a loopback address (localhost, 127.0.0.1, ::1)", ErrInsecureURL, shown)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("base URL %q: port %s: want a number from 1 to 65535", shown, p)
		}
	}
	u.Host = strings.ToLower(u.Host)
	if u.Port() == "" {
		u.Host = strings.TrimSuffix(u.Host, ":") // an empty port, as in https://host:
	}
	return u, nil
}

// isLoopback reports whether host, as url.URL.Hostname returns it, names
// this machine: localhost in any case, or a loopback IP.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkAPIKey(key string) error {
	if key == "" {
		return errors.New("empty API key: want the key from your Anchor Browser dashboard")
	}
	for _, r := range key {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return errors.New("API key contains white space or a control character: want the key alone, without quotes or line breaks")
		}
	}
	return nil
}
