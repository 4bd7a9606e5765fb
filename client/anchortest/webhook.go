package anchortest

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// Defaults of a Webhook.
const (
	// DefaultWebhookDelay is how long after an execution's final status
	// its event is sent, when Webhook.Delay is 0.
	DefaultWebhookDelay = 200 * time.Millisecond
	// DefaultProjectID is the envelope's project_id when
	// Webhook.ProjectID is "".
	DefaultProjectID = "anchortest-project"
)

// Webhook says where and how a Server delivers webhook events, as Anchor
// does: when an execution reaches its first final status on its timeline,
// an event is sent Delay later (fake time inside a testing/synctest
// bubble). See WithWebhook for the events and how they are sent.
//
// A Webhook is a plain value; the server keeps its own copy.
type Webhook struct {
	// URL receives the deliveries, by POST: an absolute http or https URL.
	URL string
	// Secret signs the deliveries (see webhook.Sign); it must not be empty.
	Secret []byte
	// Delay is how long after the final status an event is sent: 0 means
	// DefaultWebhookDelay, and a negative Delay sends it at that moment.
	Delay time.Duration
	// HTTPClient sends the deliveries. nil means a client of the server's
	// own, whose connections Close closes. Inside a synctest bubble give one
	// that reaches the receiver in memory. Redirects are never followed,
	// and its Timeout is replaced by the 10 s each attempt has.
	HTTPClient *http.Client
	// ProjectID is the envelope's project_id; "" means DefaultProjectID.
	ProjectID string

	// Lose, Duplicate and WrongSecret choose events by number: events are
	// numbered from 1 in the order the server schedules them, which is the
	// order their executions were added. Lose(n) true drops event n (it is
	// recorded, never sent); Duplicate(n) true sends it a second time, as a
	// new delivery with the same envelope, once the first has ended;
	// WrongSecret(n) true signs it with a secret other than Secret. nil
	// chooses no event. EveryNthEvent and FractionOfEvents make such
	// functions. They must be safe for concurrent use.
	Lose, Duplicate, WrongSecret func(n int) bool
}

// WithWebhook makes the server deliver webhook events to w.URL.
//
// An execution that reaches a final status on its timeline (the first one,
// if its timeline has several) gets one event, like Anchor's: task.completed
// for success, task.failed for failure and timeout (data.error.type
// "automation_failure" or "timeout"), task.cancelled for cancelled. Its
// body is the envelope
//
//	{"id":"evt_<24 hex digits>","type":"task.failed","created":"<RFC 3339, ms>",
//	 "project_id":"...","text":"Task execution failed",
//	 "data":{"task_id":"...","execution_id":"...","status":"failure",
//	  "error":{"type":"automation_failure"},"artifacts":[],
//	  "recording_url":"https://app.anchorbrowser.io/recordings/<execution id>",
//	  "session_dashboard_url":"https://app.anchorbrowser.io/executions/<execution id>"}}
//
// Which field of data names the execution is not documented by Anchor:
// task_id and execution_id are this fake's choice, and the two URLs hold
// the execution ID too. A receiver should find IDs anywhere in the event
// (webhook.Event.Tokens), not rely on these names.
//
// Each delivery is a POST with the headers Anchor sends: User-Agent
// Anchor-Webhooks/1.0, Content-Type application/json, Anchor-Event (the
// type), Anchor-Delivery-Id (a new UUID per delivery, the same for its
// retries), Anchor-Timestamp and Anchor-Signature (signed at each attempt).
// An attempt that gets no 2xx answer within 10 s, or fails to connect, is
// retried, up to 6 attempts in all, 1 s, 2 s, 4 s, 8 s and 16 s after the
// previous attempt ended. At most 64 attempts are in progress at once;
// others wait their turn. Server.Deliveries records every attempt. Close
// drops the events not yet due and the retries not yet made, and waits for
// the attempts in progress (each ends within 10 s).
//
// NewServer, NewInMemoryServer and Listen panic, saying why, when w.URL is
// not an absolute http or https URL or w.Secret is empty: a mistake in the
// test, as with regexp.MustCompile.
func WithWebhook(w Webhook) Option {
	w.Secret = append([]byte(nil), w.Secret...)
	return func(c *config) { c.webhook = &w }
}

// check says what is wrong with w, or returns nil.
func (w *Webhook) check() error {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("anchortest: WithWebhook: URL %q: want an absolute http or https URL", w.URL)
	}
	if len(w.Secret) == 0 {
		return fmt.Errorf("anchortest: WithWebhook: empty Secret: want the signing secret the receiver checks")
	}
	return nil
}

// EveryNthEvent returns a chooser for Webhook's Lose, Duplicate or
// WrongSecret that picks events k, 2k, 3k and so on; for k < 1 it picks
// none. It is safe for concurrent use.
func EveryNthEvent(k int) func(n int) bool {
	return func(n int) bool { return k >= 1 && n >= 1 && n%k == 0 }
}

// FractionOfEvents returns a chooser for Webhook's Lose, Duplicate or
// WrongSecret that picks about fraction f of the events (0 none, 1 all),
// always the same ones for the same seed: whether event n is picked
// depends on n and seed alone, not on timing. It is safe for concurrent
// use.
func FractionOfEvents(f float64, seed uint64) func(n int) bool {
	return func(n int) bool {
		if !(f > 0) {
			return false
		}
		return float64(splitmix(seed^splitmix(uint64(n)))>>11)/(1<<53) < f
	}
}

// splitmix is the SplitMix64 finalizer: a well-mixed hash of x.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// waitKind is the kind of waitable thing an event is about; it names the
// data field that carries its ID.
type waitKind string

const (
	kindExecution waitKind = "execution" // data.execution_id
	kindRun       waitKind = "run"       // data.run_id, for v2 runs
)

// executionAdded schedules the webhook event of an execution just added,
// from its timeline. The store calls it with its lock held.
func (s *Server) executionAdded(e *execution, run bool) {
	if s.hooks == nil {
		return
	}
	end, ok := e.tl.firstFinal(0)
	if !ok {
		return
	}
	kind := kindExecution
	if run {
		kind = kindRun
	}
	s.terminal(kind, e.taskID, e.id, e.tl.steps[e.tl.at(end)].Status, e.created.Add(end))
}

// terminal schedules the webhook event of a waitable thing of kind, with
// ID id (of task taskID), that reaches final status at the moment at: the
// event goes out at plus the Webhook's delay. Every kind of waitable thing
// the server knows calls it once, when the thing is made and its timeline
// known. It does nothing without WithWebhook, for a status that is not
// final, or once the server is closed. It is safe for concurrent use.
func (s *Server) terminal(kind waitKind, taskID, id string, status client.Status, at time.Time) {
	if s.hooks == nil || !status.Terminal() {
		return
	}
	s.hooks.schedule(&pendingEvent{kind: kind, taskID: taskID, id: id, status: status, at: at})
}

// Deliveries returns the record of every delivery attempt so far, and of
// every event lost on purpose, in the order they happened. Attempts in
// progress are not included. Under WithRecordLimit(n) only the last n
// records are kept (none for 0), as for requests.
func (s *Server) Deliveries() []Delivery {
	if s.hooks == nil {
		return nil
	}
	return s.hooks.deliveries()
}

// retryDelay is the wait before attempt+1 of a delivery.
func retryDelay(attempt int) time.Duration {
	return time.Second << min(attempt-1, 30)
}
