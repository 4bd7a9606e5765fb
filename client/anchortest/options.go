package anchortest

import (
	"log/slog"
	"time"
)

// DefaultAPIKey is the key a server accepts when no WithAPIKey option is given.
const DefaultAPIKey = "anchortest-fake-api-key"

// Option configures a server made by NewServer, NewInMemoryServer or Listen.
type Option func(*config)

type config struct {
	apiKey   string
	template Script
	// templateFunc, when set, gives the script of the nth start instead
	// (WithTemplateFunc).
	templateFunc func(n int) Script
	faults       []Fault
	latency      time.Duration
	seed         *uint64
	logger       *slog.Logger
	onlyTasks    []string
	records      int // the most request records kept; negative for no limit
	webhook      *Webhook
	// noExecutionResultID leaves executionResultId out of async answers
	// of POST /v1/task/run.
	noExecutionResultID bool
	rateLimit           *rateLimit // nil for no limit
}

func newConfig(opts []Option) config {
	c := config{apiKey: DefaultAPIKey, template: DefaultTemplate(), records: -1}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// WithAPIKey sets the key the server accepts in the anchor-api-key header.
// An empty key keeps DefaultAPIKey.
func WithAPIKey(key string) Option {
	return func(c *config) {
		if key != "" {
			c.apiKey = key
		}
	}
}

// WithTemplate sets the script of every execution that POST /v1/task/run
// starts, and of every run that POST /v2/tasks/{taskId}/run starts (see
// DefaultTemplate for the default).
func WithTemplate(s Script) Option {
	return func(c *config) { c.template = s }
}

// WithFaults sets server-wide faults, checked against every request before the
// API key and before a Script's own faults; the first match wins. Request
// numbers count every request the server receives and time windows count
// from the server's creation, so a window such as {After: time.Minute}
// makes a server that fails from then on.
func WithFaults(faults ...Fault) Option {
	return func(c *config) { c.faults = cloneFaults(faults) }
}

// WithLatency holds every answer back by d, as a distant server would, before
// anything else happens. The wait ends early when the client gives up.
func WithLatency(d time.Duration) Option {
	return func(c *config) { c.latency = max(d, 0) }
}

// WithSeed makes the execution IDs the server generates a fixed sequence for
// a given seed, for reproducible output. Without it IDs are random.
func WithSeed(seed uint64) Option {
	return func(c *config) { c.seed = &seed }
}

// WithLogger logs each request at Info level once it is answered: method,
// path, status, duration, whether the API key was right. The key itself is
// never logged. By default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithTasks makes POST /v1/task/run and POST /v2/tasks/{taskId}/run start
// only these tasks, and tasks that already have executions, answering 404
// for any other. By default it starts
// any task whose ID is a UUID.
func WithTasks(taskIDs ...string) Option {
	return func(c *config) { c.onlyTasks = append(append([]string{}, c.onlyTasks...), taskIDs...) }
}

// WithRecordLimit keeps the records of at most n requests, those that ended
// last, for servers that answer more requests than their records should
// hold in memory: a load test or a long-running fake. WithRecordLimit(0)
// keeps none. A negative n keeps them all, as a server does by default.
//
// Only Server.Requests and Server.RequestsFor see the limit: Stats,
// MaxInFlight, ConnectionsOpened and RequestCountFor count every request
// whatever it is.
func WithRecordLimit(n int) Option {
	return func(c *config) { c.records = n }
}

// WithoutExecutionResultID makes POST /v1/task/run answer an async run
// without executionResultId, as the API's own example of an async answer
// does: the execution is started all the same (Request.ExecutionID names
// it), and a client must find it in the task's list.
func WithoutExecutionResultID() Option {
	return func(c *config) { c.noExecutionResultID = true }
}
