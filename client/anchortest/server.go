package anchortest

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/anchorwait/anchorwait/client"
)

// inMemoryURL is the URL of every in-memory server: a loopback address, so
// clients accept plain http to it, on a port where nothing listens, so a
// client that bypasses the in-memory transport fails at once.
const inMemoryURL = "http://127.0.0.1:1"

// closeGrace is how long Close lets answers in progress finish before it
// cuts their connections.
const closeGrace = 5 * time.Second

// Server is a fake Anchor Browser API. Create one with NewServer,
// NewInMemoryServer or Listen, and Close it when done.
//
// All methods are safe for concurrent use, also while the server is
// answering requests.
type Server struct {
	// URL is the base URL of the API, such as http://127.0.0.1:41234, with
	// no trailing slash.
	URL string

	apiKey   string
	latency  time.Duration
	logger   *slog.Logger
	started  time.Time
	store    *store
	rec      recorder
	conns    *conns
	template *timeline // what the POSTs start runs from
	// templateFunc, when set, gives the script of each start instead
	// (WithTemplateFunc); starts counts the starts it was called for.
	templateFunc func(n int) Script
	templateMu   sync.Mutex
	starts       int
	faults       []Fault   // server-wide
	hooks        *webhooks // nil without WithWebhook
	// noExecutionResultID: see WithoutExecutionResultID.
	noExecutionResultID bool
	rateLimit           *rateLimit // nil without WithRateLimit

	handler   http.Handler
	srv       *http.Server
	hc        *http.Client
	transport *http.Transport
	serveDone chan struct{}

	// baseCtx is every request's parent context; Close cancels it, which
	// ends delays and synchronous runs.
	baseCtx context.Context
	cancel  context.CancelFunc

	closeMu   sync.RWMutex
	closed    bool
	handlers  sync.WaitGroup
	closeOnce sync.Once
}

// newServer makes a server that is not yet serving.
func newServer(opts []Option) *Server {
	cfg := newConfig(opts)
	s := &Server{
		apiKey:              cfg.apiKey,
		latency:             cfg.latency,
		noExecutionResultID: cfg.noExecutionResultID,
		logger:              cfg.logger,
		started:             time.Now(),
		store:               newStore(cfg.seed, cfg.onlyTasks),
		rec:                 recorder{limit: cfg.records},
		conns:               newConns(),
	}
	s.hooks = newWebhooks(&cfg)
	if rl := cfg.rateLimit; rl != nil && rl.perSecond > 0 {
		rl.l = rate.NewLimiter(rate.Limit(rl.perSecond), rl.burst)
		s.rateLimit = rl
	}
	s.store.onAdd = s.executionAdded
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	s.template = compile(cfg.template)
	s.templateFunc = cfg.templateFunc
	s.faults = cfg.faults
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s
}

// NewServer starts a server on a free loopback port (127.0.0.1, or [::1]
// when IPv4 is missing) and returns it. It is the way to start one in a test:
//
//	s := anchortest.NewServer()
//	defer s.Close()
//	c := s.Client()
//
// Like httptest.NewServer, it panics if no loopback port can be had; use
// Listen to get an error instead, or to choose the address.
func NewServer(opts ...Option) *Server {
	s, err := Listen("127.0.0.1:0", opts...)
	if err != nil {
		var err6 error
		if s, err6 = Listen("[::1]:0", opts...); err6 != nil {
			panic(fmt.Sprintf("anchortest: cannot listen on a loopback port: %v; %v", err, err6))
		}
	}
	return s
}

// Listen starts a server on the TCP address addr, such as "127.0.0.1:8080"
// or "127.0.0.1:0" for any free port. URL names a loopback address when addr
// leaves the host open.
func Listen(addr string, opts ...Option) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("anchortest: listen on %s: %w", addr, err)
	}
	s := newServer(opts)
	s.URL = "http://" + urlHost(ln.Addr())
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	s.start(ln, dialer.DialContext)
	return s, nil
}

// urlHost returns host:port for a URL to reach a listener's address,
// replacing an unspecified IP (0.0.0.0, or :: which Go listens on for an
// address such as ":8080") with 127.0.0.1.
func urlHost(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// NewInMemoryServer starts a server reached through in-memory connections
// instead of sockets: only the *http.Client from HTTPClient (and so Client)
// can reach it. Each connection is a net.Pipe served by a real http.Server,
// so requests go through real HTTP/1.1, connection reuse included.
//
// Made inside a testing/synctest bubble, it runs on the bubble's fake clock:
// scripts, delays and timeouts that span hours take milliseconds, and Close
// leaves no goroutine behind. It must then be used and closed inside that
// same bubble.
//
// URL is a loopback http URL on a port where nothing listens, so clients
// accept it and only the in-memory transport reaches the server.
func NewInMemoryServer(opts ...Option) *Server {
	s := newServer(opts)
	s.URL = inMemoryURL
	ln := newMemListener()
	s.start(ln, ln.dial)
	return s
}

// start serves on ln and sets up the client side with dial.
func (s *Server) start(ln net.Listener, dial func(ctx context.Context, network, addr string) (net.Conn, error)) {
	errLog := log.New(io.Discard, "", 0)
	if s.logger != nil {
		errLog = slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)
	}
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          errLog,
		BaseContext:       func(net.Listener) context.Context { return s.baseCtx },
		ConnState:         s.connState,
	}
	s.transport = &http.Transport{
		DialContext:         dial,
		MaxIdleConns:        0, // no limit overall; per host below
		MaxIdleConnsPerHost: 1024,
		ForceAttemptHTTP2:   false,
	}
	s.hc = &http.Client{Transport: s.transport}
	s.serveDone = make(chan struct{})
	go func() {
		defer close(s.serveDone)
		_ = s.srv.Serve(ln) // returns http.ErrServerClosed once Close runs
	}()
}

func (s *Server) connState(c net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		s.rec.connsOpened.Add(1)
		s.rec.connsOpen.Add(1)
	case http.StateClosed, http.StateHijacked:
		s.rec.connsOpen.Add(-1)
	}
	s.conns.track(c, state)
}

// Close stops the server and waits until it is fully stopped: it refuses new
// requests, ends delays and synchronous runs in progress, and closes the
// idle connections of HTTPClient's transport.
//
// Connections that carry no request, because they were opened and never
// used or are idle between requests, are cut at once. Close waits for the
// requests in progress to be answered, and cuts the connections of those
// still unanswered after a grace period of five seconds. It is safe to call
// more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.closeMu.Lock()
		s.closed = true
		s.closeMu.Unlock()
		s.hooks.close()
		s.cancel()
		if s.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
			// Once the connections just cut are gone, Shutdown finds only
			// those with a request in progress, and waits for them alone.
			select {
			case <-s.conns.cutQuiet():
			case <-ctx.Done():
			}
			if err := s.srv.Shutdown(ctx); err != nil {
				_ = s.srv.Close() // cut what did not finish within the grace
			}
			cancel()
			<-s.serveDone
		}
		s.handlers.Wait()
		if s.transport != nil {
			s.transport.CloseIdleConnections()
		}
	})
}

// APIKey returns the key the server accepts in the anchor-api-key header.
func (s *Server) APIKey() string { return s.apiKey }

// Handler returns the server's HTTP handler, to serve the fake API from a
// server of one's own. Requests it handles are recorded like any other.
func (s *Server) Handler() http.Handler { return s.handler }

// HTTPClient returns an *http.Client that reaches the server: the only one
// that can, for an in-memory server. Its transport keeps up to 1024 idle
// connections, so heavy fan-outs reuse them. Close closes its idle
// connections.
func (s *Server) HTTPClient() *http.Client { return s.hc }

// Client returns an API client for the server: its URL, its API key and
// HTTPClient's transport. opts come after those, so they may override them
// (WithBaseURL or WithHTTPClient would point the client elsewhere).
//
// Every call returns a new client. It panics only when opts make
// client.New fail, such as a negative WithMaxRetries: a mistake in the test,
// as with regexp.MustCompile.
func (s *Server) Client(opts ...client.Option) *client.Client {
	all := append([]client.Option{client.WithBaseURL(s.URL), client.WithHTTPClient(s.hc)}, opts...)
	c, err := client.New(s.apiKey, all...)
	if err != nil {
		panic(fmt.Sprintf("anchortest: Server.Client: %v", err))
	}
	return c
}

// AddExecution adds an execution of taskID that behaves as sc says from now
// on (the bubble's fake now inside testing/synctest), and returns its new
// random execution ID.
//
// taskID should be a UUID: the server answers 400 to requests naming any
// other, so an execution added under one can never be fetched.
func (s *Server) AddExecution(taskID string, sc Script) string {
	for {
		e, err := s.store.add(taskID, "", compile(sc), "")
		if err == nil {
			return e.id
		}
		// A random ID collided with one given to AddExecutionWithID: draw again.
	}
}

// AddExecutionWithID is AddExecution with a chosen execution ID. It fails
// for an ID that is not a UUID or is already in use.
func (s *Server) AddExecutionWithID(taskID, execID string, sc Script) error {
	if !validID(execID) {
		return fmt.Errorf("anchortest: execution ID %q: want a UUID such as 123e4567-e89b-42d3-a456-426614174000", execID)
	}
	if _, err := s.store.add(taskID, execID, compile(sc), ""); err != nil {
		return fmt.Errorf("anchortest: %w", err)
	}
	return nil
}

// AddRun adds a v2 run of taskID that behaves as sc says from now on, and
// returns its new run ID, which GET /v2/tasks/runs/{runId}/status answers
// for. Run IDs are not UUIDs ("run_" and 32 hexadecimal digits), as the
// API promises only a string.
//
// A run follows its Script as an execution does. Once it succeeds, its
// result is the step's Output when that is the text of a JSON object, else
// {"output": Output}; once it ends otherwise, its error is the step's
// ErrorMessage, else a message naming the status.
func (s *Server) AddRun(taskID string, sc Script) string {
	return s.store.addRun(taskID, compile(sc), "", "").id
}

// Execution returns execution execID as a GET of it would show it now, and
// false for an ID the server does not know. It ignores VisibleAfter and
// faults, and is not recorded as a request.
func (s *Server) Execution(execID string) (client.Execution, bool) {
	e := s.store.byID(execID)
	if e == nil {
		return client.Execution{}, false
	}
	return e.snapshot(time.Since(e.created)), true
}

// Requests returns the record of every request answered so far (or dropped),
// in order of arrival. Requests still in progress are not included.
//
// Under WithRecordLimit(n) it returns only the records of the last n
// requests to end, so Seq numbers may skip, and none at all for
// WithRecordLimit(0); Stats still counts every request.
func (s *Server) Requests() []Request { return s.rec.requests(nil) }

// RequestsFor returns the records of the answered requests that named
// execution or v2 run id, in order of arrival.
//
// Under WithRecordLimit it searches only the records kept (none for
// WithRecordLimit(0)); RequestCountFor counts them all.
func (s *Server) RequestsFor(id string) []Request {
	execID := canonicalID(id)
	return s.rec.requests(func(r *Request) bool { return r.ExecutionID == execID || r.RunID != "" && r.RunID == id })
}

// RequestCountFor returns how many requests that named execution or v2 run
// id have been answered (or dropped), whatever WithRecordLimit says: with
// every record kept, it is len(RequestsFor(id)). Requests that ended
// before the execution or run was added are not counted, and for one the
// server does not know it returns 0.
func (s *Server) RequestCountFor(id string) int {
	e := s.store.execOrRun(id)
	if e == nil {
		return 0
	}
	return int(e.ended.Load())
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats { return s.rec.stats() }
