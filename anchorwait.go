package anchorwait

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// Ref names one execution to wait for.
type Ref = poller.Ref

// Result is the outcome of the wait for one execution of WaitAll.
type Result = poller.Result

// maxConns is how many connections the environment's client may open to the
// API. The Poller bounds requests in flight (8 by default, see
// poller.WithConcurrency); this only keeps a higher bound from queuing in
// the transport.
const maxConns = 64

// shared is the client built from the environment, with the Poller of the
// default options over it. They are rebuilt only when the environment
// variables they came from change.
var shared struct {
	mu      sync.Mutex
	key     string
	baseURL string
	client  *client.Client
	poller  *poller.Poller
	// wide is a client for pollers that allow more than maxConns requests
	// in flight, sized to the largest such bound asked for so far.
	wide  *client.Client
	wideN int
}

// setup returns the shared client and default Poller for the current
// environment, building them on first use.
func setup() (*client.Client, *poller.Poller, error) {
	key, baseURL := os.Getenv(client.EnvAPIKey), os.Getenv(client.EnvBaseURL)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.client != nil && shared.key == key && shared.baseURL == baseURL {
		return shared.client, shared.poller, nil
	}
	c, err := client.NewFromEnv(snapshot(key, baseURL))
	if err != nil {
		return nil, nil, fmt.Errorf("anchorwait: client from the environment: %w", err)
	}
	p, err := poller.New(c)
	if err != nil {
		return nil, nil, fmt.Errorf("anchorwait: %w", err)
	}
	shared.key, shared.baseURL, shared.client, shared.poller = key, baseURL, c, p
	shared.wide, shared.wideN = nil, 0
	return c, p, nil
}

// snapshot is a getenv that answers with the environment as setup read it,
// so a client is built from the same values that key the shared state.
func snapshot(key, baseURL string) func(string) string {
	return func(name string) string {
		switch name {
		case client.EnvAPIKey:
			return key
		case client.EnvBaseURL:
			return baseURL
		}
		return ""
	}
}

// wideClient returns a client whose transport opens n connections or more,
// for the environment setup last saw, built once per larger n and shared.
func wideClient(n int) (*client.Client, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.wide != nil && shared.wideN >= n {
		return shared.wide, nil
	}
	c, err := client.NewFromEnv(snapshot(shared.key, shared.baseURL))
	if err != nil {
		return nil, fmt.Errorf("anchorwait: client from the environment: %w", err)
	}
	shared.wide, shared.wideN = c, n
	return c, nil
}

// Client returns the API client that Wait and WaitAll use: built from
// ANCHORBROWSER_API_KEY and ANCHORBROWSER_BASE_URL on first use and shared by
// later calls, and built anew only if those variables change. It is safe for
// concurrent use. The error says what is wrong with the environment (no key,
// an insecure URL) without showing the key.
func Client() (*client.Client, error) {
	c, _, err := setup()
	return c, err
}

// Wait waits for execution execID of task taskID to finish, polling with the
// environment's client (see Client), and returns it. The outcomes are those
// of poller.Poller.Wait: nil for success; an error matching
// poller.ErrUnsuccessful for failure, timeout or cancelled; one matching
// ctx.Err() when ctx ends first; otherwise the API's error.
//
// Without options, all Waits share one Poller, and so its bound on requests in
// flight and its pause after a 429. With options, the wait gets a Poller of
// its own; bad option values are reported as errors, before any request.
// Wait is safe for concurrent use.
func Wait(ctx context.Context, taskID, execID string, opts ...poller.Option) (*client.Execution, error) {
	p, err := pollerFor(opts)
	if err != nil {
		return nil, err
	}
	return p.Wait(ctx, taskID, execID)
}

// WaitAll waits for every execution in refs, polling with the environment's
// client (see Client), and returns one Result per ref, in order, as
// poller.Poller.WaitAll does: every execution is polled on its own schedule,
// requests in flight are bounded (8 unless poller.WithConcurrency says
// otherwise), and the error is nil only when every execution succeeded.
//
// When the client or the options are bad, WaitAll returns no results and an
// error saying why, before any request. It is safe for concurrent use.
func WaitAll(ctx context.Context, refs []Ref, opts ...poller.Option) ([]Result, error) {
	p, err := pollerFor(opts)
	if err != nil {
		return nil, err
	}
	return p.WaitAll(ctx, refs)
}

// pollerFor returns the shared Poller, or a new one when there are options:
// over the shared client, or over a client of its own when the options allow
// more requests in flight than the shared client's transport opens
// connections for (they would queue in the transport, and the queueing would
// count against each request's timeout).
func pollerFor(opts []poller.Option) (*poller.Poller, error) {
	c, p, err := setup()
	if err != nil || len(opts) == 0 {
		return p, err
	}
	p, err = poller.New(c, opts...)
	if err != nil {
		return nil, fmt.Errorf("anchorwait: %w", err)
	}
	if n := p.Concurrency(); n > maxConns {
		if c, err = wideClient(n); err != nil {
			return nil, err
		}
		if p, err = poller.New(c, opts...); err != nil {
			return nil, fmt.Errorf("anchorwait: %w", err)
		}
	}
	return p, nil
}
