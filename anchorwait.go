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

// shared is the client built from the environment and the Poller of the
// default options over it, made on first use.
var shared = sync.OnceValues(func() (*setup, error) { return newSetup(os.Getenv) })

type setup struct {
	client *client.Client
	poller *poller.Poller
}

// newSetup builds the client and the default Poller from getenv.
func newSetup(getenv func(string) string) (*setup, error) {
	c, err := client.NewFromEnv(getenv)
	if err != nil {
		return nil, fmt.Errorf("anchorwait: client from the environment: %w", err)
	}
	p, err := poller.New(c)
	if err != nil {
		return nil, fmt.Errorf("anchorwait: %w", err)
	}
	return &setup{client: c, poller: p}, nil
}

// Client returns the API client that Wait and WaitAll use, built from
// ANCHORBROWSER_API_KEY and ANCHORBROWSER_BASE_URL the first time any of
// them is called, and shared from then on: set the variables before. It is
// safe for concurrent use. The error says what is wrong with the
// environment (no key, an insecure URL) without showing the key.
func Client() (*client.Client, error) {
	s, err := shared()
	if err != nil {
		return nil, err
	}
	return s.client, nil
}

// Wait waits for execution execID of task taskID to finish, polling with the
// environment's client (see Client), and returns it. The outcomes are those
// of poller.Poller.Wait: nil for success; an error matching
// poller.ErrUnsuccessful for failure, timeout or cancelled; one matching
// ctx.Err() when ctx ends first; otherwise the API's error.
//
// Without options, all Waits and WaitAlls share one Poller, and so its
// bound on requests in flight and its pause after a 429. With options, the
// call gets a Poller of its own over the same client; bad option values are
// reported as errors, before any request. Wait is safe for concurrent use.
func Wait(ctx context.Context, taskID, execID string, opts ...poller.Option) (*client.Execution, error) {
	p, err := pollerFor(opts)
	if err != nil {
		return nil, err
	}
	return p.Wait(ctx, taskID, execID)
}

// WaitExecution is Wait for an execution known by its ID alone (GET
// /v1/executions/{id}, whose answer names its task): see
// poller.Poller.WaitExecution. It is safe for concurrent use.
func WaitExecution(ctx context.Context, execID string, opts ...poller.Option) (*client.Execution, error) {
	p, err := pollerFor(opts)
	if err != nil {
		return nil, err
	}
	return p.WaitExecution(ctx, execID)
}

// WaitRun waits for a v2 run (POST /v2/tasks/{taskId}/run hands back its
// ID) to finish, with the outcomes of Wait: see poller.Poller.WaitRun. It is
// safe for concurrent use.
func WaitRun(ctx context.Context, runID string, opts ...poller.Option) (*client.Run, error) {
	p, err := pollerFor(opts)
	if err != nil {
		return nil, err
	}
	return p.WaitRun(ctx, runID)
}

// WaitAll waits for every execution in refs, polling with the environment's
// client (see Client), and returns one Result per ref, in order, as
// poller.Poller.WaitAll does: every execution is polled on its own schedule,
// requests in flight are bounded (8 unless poller.WithConcurrency says
// otherwise), and the error is nil only when every execution succeeded.
//
// When the environment, the options or an ID is bad, WaitAll returns no
// results and an error saying why, before any request. It is safe for
// concurrent use.
func WaitAll(ctx context.Context, refs []Ref, opts ...poller.Option) ([]Result, error) {
	p, err := pollerFor(opts)
	if err != nil {
		return nil, err
	}
	return p.WaitAll(ctx, refs)
}

// pollerFor returns the shared Poller, or a new one over the shared client
// when there are options.
func pollerFor(opts []poller.Option) (*poller.Poller, error) {
	s, err := shared()
	if err != nil {
		return nil, err
	}
	if len(opts) == 0 {
		return s.poller, nil
	}
	p, err := poller.New(s.client, opts...)
	if err != nil {
		return nil, fmt.Errorf("anchorwait: %w", err)
	}
	return p, nil
}
