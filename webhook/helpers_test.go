package webhook

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	testSecret = []byte("whsec_current_secret")
	oldSecret  = []byte("whsec_previous_secret")
	testNow    = time.Unix(1_750_000_000, 0)
)

const testBody = `{"id":"evt_0001","type":"task.completed","created":"2025-06-15T15:06:40Z","project_id":"proj_1","text":"done","data":{"execution_id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","artifacts":[]}}`

// sink collects the events a Receiver passes on.
type sink struct {
	mu     sync.Mutex
	events []Event
}

func (s *sink) add(e Event) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
}

func (s *sink) got() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// clock is a settable clock, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newTestReceiver returns a Receiver on a clock at testNow and what it
// passes on.
func newTestReceiver(t *testing.T, opts ...Option) (*Receiver, *sink, *clock) {
	t.Helper()
	s, c := &sink{}, &clock{now: testNow}
	rv, err := NewReceiver(testSecret, s.add, append([]Option{WithClock(c.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return rv, s, c
}

// signed returns the headers of a delivery of body signed with secret at t.
func signed(secret []byte, t time.Time, body string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Anchor-Webhooks/1.0")
	h.Set(HeaderEvent, "task.completed")
	h.Set(HeaderDeliveryID, "0b6f6f0e-4c1e-4f59-9f7b-6b5e8f0a1c2d")
	h.Set(HeaderTimestamp, strconv.FormatInt(t.Unix(), 10))
	h.Set(HeaderSignature, Sign(secret, t, []byte(body)))
	return h
}

// post sends one request to h and returns the recorded answer.
func post(t *testing.T, h http.Handler, method, path string, header http.Header, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, vs := range header {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
