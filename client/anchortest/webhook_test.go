package anchortest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/webhook"
)

var hookSecret = []byte("whsec_anchortest_secret")

// handlerTransport is an http.RoundTripper that serves each request with a
// handler, in memory: a receiver reached without sockets, inside a synctest
// bubble.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	sr := r.Clone(r.Context())
	sr.RequestURI = r.URL.RequestURI()
	sr.RemoteAddr = "192.0.2.1:4000"
	if sr.Body == nil {
		sr.Body = http.NoBody
	}
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, sr)
	resp := w.Result()
	resp.Request = r
	return resp, nil
}

// hookSink is a webhook.Receiver, its events, and the requests that
// reached it.
type hookSink struct {
	rv *webhook.Receiver

	mu      sync.Mutex
	events  []webhook.Event
	at      []time.Time
	headers []http.Header
	paths   []string
	// answer, when set, answers a request instead of the receiver; 0 lets
	// the receiver answer.
	answer func(n int) int
}

func newHookSink(t *testing.T) *hookSink {
	t.Helper()
	k := &hookSink{}
	rv, err := webhook.NewReceiver(hookSecret, func(ev webhook.Event) {
		k.mu.Lock()
		k.events = append(k.events, ev)
		k.at = append(k.at, time.Now())
		k.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	k.rv = rv
	return k
}

func (k *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	k.headers = append(k.headers, r.Header.Clone())
	k.paths = append(k.paths, r.URL.Path)
	n, answer := len(k.headers), k.answer
	k.mu.Unlock()
	if answer != nil {
		if code := answer(n); code != 0 {
			w.WriteHeader(code)
			return
		}
	}
	k.rv.ServeHTTP(w, r)
}

func (k *hookSink) got() ([]webhook.Event, []time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.events), slices.Clone(k.at)
}

func (k *hookSink) requests() []http.Header {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.headers)
}

// inMemoryHook returns a Webhook that delivers to k in memory.
func inMemoryHook(k *hookSink) Webhook {
	return Webhook{URL: "https://hooks.example.test/anchor/events", Secret: hookSecret, HTTPClient: &http.Client{Transport: handlerTransport{k}}}
}

// The whole path in memory, inside a bubble: the fake runs executions to
// their ends and delivers an event for each, signed, to a webhook.Receiver,
// the delay after the final status.
func TestWebhookDeliversInMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newHookSink(t)
		s := NewInMemoryServer(WithWebhook(inMemoryHook(k)))
		defer s.Close()
		start := time.Now()
		type want struct {
			id, typ, errType string
			at               time.Duration
		}
		var wants []want
		add := func(sc Script, typ, errType string, end time.Duration) {
			wants = append(wants, want{s.AddExecution(taskA, sc), typ, errType, end + DefaultWebhookDelay})
		}
		add(Succeed(time.Second, 3*time.Second, "ok"), "task.completed", "", 4*time.Second)
		add(Fail(0, 2*time.Second, "boom"), "task.failed", "automation_failure", 2*time.Second)
		add(Finish(client.StatusTimeout, time.Second, time.Minute), "task.failed", "timeout", 61*time.Second)
		add(Finish(client.StatusCancelled, 5*time.Second, 0), "task.cancelled", "", 5*time.Second)
		s.AddExecution(taskA, Always(client.StatusRunning)) // never ends: no event
		run, err := s.Client().RunTask(context.Background(), client.RunTaskRequest{TaskID: taskB, Async: true})
		if err != nil {
			t.Fatal(err)
		}
		wants = append(wants, want{run.ExecutionResultID, "task.completed", "", 4*time.Second + DefaultWebhookDelay}) // the default template

		time.Sleep(time.Hour)
		synctest.Wait()
		events, at := k.got()
		if len(events) != len(wants) {
			t.Fatalf("%d events, want %d", len(events), len(wants))
		}
		for _, w := range wants {
			i := slices.IndexFunc(events, func(e webhook.Event) bool { return slices.Contains(e.Tokens(), w.id) })
			if i < 0 {
				t.Errorf("no event has execution %s among its tokens", w.id)
				continue
			}
			ev := events[i]
			if got := at[i].Sub(start); got != w.at {
				t.Errorf("%s: delivered %v after the start, want %v", w.typ, got, w.at)
			}
			var data struct {
				TaskID              string `json:"task_id"`
				ExecutionID         string `json:"execution_id"`
				Status              string `json:"status"`
				RecordingURL        string `json:"recording_url"`
				SessionDashboardURL string `json:"session_dashboard_url"`
				Error               *struct{ Type string }
				Artifacts           []any `json:"artifacts"`
			}
			if err := json.Unmarshal(ev.Data, &data); err != nil {
				t.Fatal(err)
			}
			if ev.Type != w.typ || ev.EventName != w.typ || !strings.HasPrefix(ev.ID, "evt_") || len(ev.ID) != 28 || ev.ProjectID != DefaultProjectID || ev.Text == "" {
				t.Errorf("envelope %q (header %q) %q %q %q, want %s, an evt_ ID, the default project, a text", ev.Type, ev.EventName, ev.ID, ev.ProjectID, ev.Text, w.typ)
			}
			if errType := ""; data.Error != nil {
				errType = data.Error.Type
				if errType != w.errType {
					t.Errorf("%s: error.type %q, want %q", w.id, errType, w.errType)
				}
			} else if w.errType != "" {
				t.Errorf("%s: no error, want type %q", w.id, w.errType)
			}
			if data.ExecutionID != w.id || data.TaskID == "" || data.Status == "" || data.Artifacts == nil || len(data.Artifacts) != 0 || !strings.HasSuffix(data.SessionDashboardURL, "/"+w.id) || !strings.Contains(data.RecordingURL, w.id) {
				t.Errorf("data %s: want execution_id, artifacts [] and URLs naming %s", ev.Data, w.id)
			}
			if !ev.Created.Equal(start.Add(w.at - DefaultWebhookDelay)) {
				t.Errorf("created %v, want the final status's moment %v", ev.Created, start.Add(w.at-DefaultWebhookDelay))
			}
		}
		for _, h := range k.requests() {
			if h.Get("User-Agent") != "Anchor-Webhooks/1.0" || h.Get("Content-Type") != "application/json" ||
				h.Get(webhook.HeaderTimestamp) == "" || !strings.HasPrefix(h.Get(webhook.HeaderSignature), "t="+h.Get(webhook.HeaderTimestamp)+",v1=") {
				t.Errorf("headers %v, want Anchor's", h)
			}
			if !validID(h.Get(webhook.HeaderDeliveryID)) {
				t.Errorf("Anchor-Delivery-Id %q, want a UUID", h.Get(webhook.HeaderDeliveryID))
			}
		}
		if st := k.rv.Stats(); st != (webhook.Stats{Accepted: int64(len(wants))}) {
			t.Errorf("receiver stats %+v, want %d accepted", st, len(wants))
		}
		for _, d := range s.Deliveries() {
			if d.Attempt != 1 || d.Status != http.StatusOK || d.Err != nil || d.Lost || d.Duplicate || d.WrongSecret || d.TaskID == "" {
				t.Errorf("delivery %+v, want one plain attempt answered 200", d)
			}
		}
	})
}

// An event goes out at the first final status of a timeline, even one
// that later changes; with a negative delay, at that very moment.
func TestWebhookFirstFinalStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newHookSink(t)
		w := inMemoryHook(k)
		w.Delay = -1
		s := NewInMemoryServer(WithWebhook(w))
		defer s.Close()
		start := time.Now()
		s.AddExecution(taskA, Script{Steps: []Step{
			{At: time.Second, Status: client.StatusRunning},
			{At: 2 * time.Second, Status: client.StatusFailure},
			{At: 3 * time.Second, Status: client.StatusRunning},
			{At: 4 * time.Second, Status: client.StatusSuccess},
		}})
		time.Sleep(time.Minute)
		synctest.Wait()
		events, at := k.got()
		if len(events) != 1 || events[0].Type != "task.failed" || at[0].Sub(start) != 2*time.Second {
			t.Fatalf("%d events (%v at %v), want one task.failed at 2s", len(events), events, at)
		}
	})
}

// A delivery not answered 2xx is retried 1, 2, 4, 8 and 16 s later, six
// attempts in all, with one delivery ID and a new signature each time.
func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name     string
		answer   func(n int) int
		attempts []time.Duration // after the first
		statuses []int
	}{
		{"recovers on the third", func(n int) int { return map[int]int{1: 500, 2: 503}[n] }, []time.Duration{0, time.Second, 3 * time.Second}, []int{500, 503, 200}},
		{"never 2xx", func(int) int { return http.StatusBadGateway }, []time.Duration{0, 1 * time.Second, 3 * time.Second, 7 * time.Second, 15 * time.Second, 31 * time.Second}, []int{502, 502, 502, 502, 502, 502}},
		{"redirect is not followed", func(n int) int { return map[int]int{1: http.StatusFound}[n] }, []time.Duration{0, time.Second}, []int{302, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				k := newHookSink(t)
				k.answer = tt.answer
				s := NewInMemoryServer(WithWebhook(inMemoryHook(k)))
				defer s.Close()
				s.AddExecution(taskA, Always(client.StatusSuccess))
				time.Sleep(time.Hour)
				synctest.Wait()
				ds := s.Deliveries()
				if len(ds) != len(tt.attempts) {
					t.Fatalf("%d attempts %+v, want %d", len(ds), ds, len(tt.attempts))
				}
				sigs := map[string]bool{}
				for i, d := range ds {
					if d.Attempt != i+1 || d.Status != tt.statuses[i] || d.Time.Sub(ds[0].Time) != tt.attempts[i] || d.DeliveryID != ds[0].DeliveryID || d.EventID != ds[0].EventID {
						t.Errorf("attempt %d: %+v, want attempt %d answered %d at +%v, same delivery and event", i+1, d, i+1, tt.statuses[i], tt.attempts[i])
					}
				}
				for _, h := range k.requests() {
					sigs[h.Get(webhook.HeaderSignature)] = true
				}
				if len(sigs) != len(ds) {
					t.Errorf("%d distinct signatures over %d attempts, want one per attempt", len(sigs), len(ds))
				}
			})
		})
	}
}

// A receiver that cannot be reached: every attempt records the error.
func TestWebhookTransportFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("connection refused")
		w := Webhook{URL: "http://127.0.0.1:1/", Secret: hookSecret, HTTPClient: &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, boom })}}
		s := NewInMemoryServer(WithWebhook(w))
		defer s.Close()
		s.AddExecution(taskA, Always(client.StatusCancelled))
		time.Sleep(time.Hour)
		synctest.Wait()
		ds := s.Deliveries()
		if len(ds) != 6 {
			t.Fatalf("%d attempts, want 6", len(ds))
		}
		for _, d := range ds {
			if d.Status != 0 || !errors.Is(d.Err, boom) {
				t.Errorf("attempt %d: status %d err %v, want no status and the transport's error", d.Attempt, d.Status, d.Err)
			}
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Loss, duplication and a wrong secret, chosen by event number.
func TestWebhookLossDuplicateWrongSecret(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newHookSink(t)
		w := inMemoryHook(k)
		w.Lose = EveryNthEvent(3)                                  // 3, 6
		w.Duplicate = func(n int) bool { return n == 1 || n == 6 } // 6 is lost: nothing to duplicate
		w.WrongSecret = func(n int) bool { return n == 2 }
		s := NewInMemoryServer(WithWebhook(w))
		defer s.Close()
		ids := make([]string, 6)
		for i := range ids {
			ids[i] = s.AddExecution(taskA, Finish(client.StatusSuccess, time.Duration(i)*time.Second, 0))
		}
		time.Sleep(time.Hour)
		synctest.Wait()

		byExec := map[string][]Delivery{}
		for _, d := range s.Deliveries() {
			byExec[d.SubjectID] = append(byExec[d.SubjectID], d)
		}
		check := func(i int, want string) {
			t.Helper()
			var parts []string
			for _, d := range byExec[ids[i]] {
				p := strconv.Itoa(d.Status)
				switch {
				case d.Lost:
					p = "lost"
				case d.Duplicate:
					p = "dup:" + p
				case d.WrongSecret:
					p = "wrong:" + p
				}
				parts = append(parts, p)
			}
			if got := strings.Join(parts, " "); got != want {
				t.Errorf("event %d: %q, want %q", i+1, got, want)
			}
		}
		check(0, "200 dup:200")
		check(1, "wrong:401 wrong:401 wrong:401 wrong:401 wrong:401 wrong:401")
		check(2, "lost")
		check(3, "200")
		check(4, "200")
		check(5, "lost")

		events, _ := k.got()
		if len(events) != 3 {
			t.Errorf("%d events passed on, want 3 (1, 4, 5)", len(events))
		}
		if st := k.rv.Stats(); st.Duplicates != 1 || st.Unauthorized != 6 {
			t.Errorf("receiver stats %+v, want 1 duplicate and 6 unauthorized", st)
		}
		ds := byExec[ids[0]]
		if ds[0].EventID != ds[1].EventID || ds[0].DeliveryID == ds[1].DeliveryID {
			t.Errorf("duplicate: event %s/%s delivery %s/%s, want the same event in a new delivery", ds[0].EventID, ds[1].EventID, ds[0].DeliveryID, ds[1].DeliveryID)
		}
	})
}

func TestEventChoosers(t *testing.T) {
	count := func(f func(int) bool, n int) int {
		c := 0
		for i := 1; i <= n; i++ {
			if f(i) {
				c++
			}
		}
		return c
	}
	if got := count(EveryNthEvent(4), 100); got != 25 {
		t.Errorf("EveryNthEvent(4) picks %d of 100, want 25", got)
	}
	for _, k := range []int{0, -1} {
		if got := count(EveryNthEvent(k), 100); got != 0 {
			t.Errorf("EveryNthEvent(%d) picks %d, want none", k, got)
		}
	}
	const n = 100_000
	for _, f := range []float64{0.01, 0.05, 0.5, 0.99} {
		got := float64(count(FractionOfEvents(f, 7), n)) / n
		if got < f-0.005 || got > f+0.005 {
			t.Errorf("FractionOfEvents(%v) picks %.4f, want within 0.005", f, got)
		}
	}
	for _, f := range []float64{0, -1, float64(0) / zero()} {
		if got := count(FractionOfEvents(f, 7), 1000); got != 0 {
			t.Errorf("FractionOfEvents(%v) picks %d, want none", f, got)
		}
	}
	if got := count(FractionOfEvents(1, 7), 1000); got != 1000 {
		t.Errorf("FractionOfEvents(1) picks %d of 1000, want all", got)
	}
	a, b, c := FractionOfEvents(0.3, 1), FractionOfEvents(0.3, 1), FractionOfEvents(0.3, 2)
	same, other := true, 0
	for i := 1; i <= 1000; i++ {
		same = same && a(i) == b(i)
		if a(i) != c(i) {
			other++
		}
	}
	if !same || other == 0 {
		t.Errorf("same seed same picks: %v; another seed differs on %d of 1000, want some", same, other)
	}
}

func zero() float64 { return 0 }

// Close drops what is not yet due and the waits between attempts, and
// returns at once when nothing is in progress.
func TestWebhookCloseDropsPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newHookSink(t)
		k.answer = func(int) int { return http.StatusServiceUnavailable }
		s := NewInMemoryServer(WithWebhook(inMemoryHook(k)))
		s.AddExecution(taskA, Always(client.StatusSuccess))               // due at once: attempt 1, then a wait
		s.AddExecution(taskA, Finish(client.StatusSuccess, time.Hour, 0)) // due in an hour
		time.Sleep(time.Second / 2)
		start := time.Now()
		s.Close()
		if took := time.Since(start); took != 0 {
			t.Errorf("Close took %v, want no wait", took)
		}
		time.Sleep(2 * time.Hour)
		synctest.Wait()
		if n := len(s.Deliveries()); n != 1 {
			t.Errorf("%d attempts, want 1: none after Close", n)
		}
		if id := s.AddExecution(taskA, Always(client.StatusSuccess)); id == "" {
			t.Fatal("no ID")
		}
		time.Sleep(time.Second)
		if n := len(s.Deliveries()); n != 1 {
			t.Errorf("%d attempts, want 1: an execution added after Close gets no event", n)
		}
	})
}

// Close waits for an attempt in progress to be answered.
func TestWebhookCloseWaitsForAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		k := newHookSink(t)
		k.answer = func(int) int { <-release; return 0 }
		s := NewInMemoryServer(WithWebhook(inMemoryHook(k)))
		s.AddExecution(taskA, Always(client.StatusSuccess))
		time.Sleep(time.Second)
		synctest.Wait() // the attempt is blocked in the receiver
		closed := make(chan struct{})
		go func() { s.Close(); close(closed) }()
		synctest.Wait()
		select {
		case <-closed:
			t.Fatal("Close returned with an attempt in progress")
		default:
		}
		close(release)
		<-closed
		if ds := s.Deliveries(); len(ds) != 1 || ds[0].Status != http.StatusOK {
			t.Errorf("deliveries %+v, want the attempt answered 200", ds)
		}
	})
}

// An attempt that gets no answer in 10 s is given up and retried.
func TestWebhookAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newHookSink(t)
		k.answer = func(n int) int {
			if n == 1 {
				time.Sleep(time.Minute) // the receiver hangs
			}
			return 0
		}
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			done := make(chan *http.Response, 1)
			go func() { resp, _ := handlerTransport{k}.RoundTrip(r); done <- resp }()
			select {
			case resp := <-done:
				return resp, nil
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
		})}
		s := NewInMemoryServer(WithWebhook(Webhook{URL: "https://hooks.example.test/", Secret: hookSecret, HTTPClient: hc}))
		defer s.Close()
		s.AddExecution(taskA, Always(client.StatusSuccess))
		time.Sleep(time.Hour)
		synctest.Wait()
		ds := s.Deliveries()
		if len(ds) != 2 || !errors.Is(ds[0].Err, context.DeadlineExceeded) || ds[1].Status != http.StatusOK || ds[1].Time.Sub(ds[0].Time) != 11*time.Second {
			t.Errorf("deliveries %+v, want a timeout after 10 s, then 200 a second later", ds)
		}
	})
}

// Other waitable things (v2 runs) get events through the same entry.
func TestWebhookTerminalOtherKinds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newHookSink(t)
		s := NewInMemoryServer(WithWebhook(inMemoryHook(k)))
		defer s.Close()
		const runID = "9b2e7d41-6a3c-4f0e-8d15-2c7b9e0a4f63"
		s.terminal(kindRun, taskA, runID, client.StatusTimeout, time.Now().Add(time.Second))
		s.terminal(kindRun, taskA, execX, client.StatusRunning, time.Now()) // not final: no event
		time.Sleep(time.Minute)
		synctest.Wait()
		events, _ := k.got()
		if len(events) != 1 {
			t.Fatalf("%d events, want 1", len(events))
		}
		var data map[string]any
		if err := json.Unmarshal(events[0].Data, &data); err != nil {
			t.Fatal(err)
		}
		if data["run_id"] != runID || data["execution_id"] != nil || events[0].Type != "task.failed" || !events[0].Mentions(runID) {
			t.Errorf("event %s %s, want task.failed with run_id %s", events[0].Type, events[0].Data, runID)
		}
		if d := s.Deliveries(); len(d) != 1 || d[0].SubjectID != runID || d[0].TaskID != taskA {
			t.Errorf("deliveries %+v, want one about the run", d)
		}
	})
}

func TestSendEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newHookSink(t)
		s := NewInMemoryServer(WithWebhook(inMemoryHook(k)))
		body := []byte(`{"id":"evt_healed","type":"task.healed","data":{"note":"no execution named here"}}`)
		d, err := s.SendEvent(context.Background(), "task.healed", body)
		if err != nil || d.Status != http.StatusOK || d.EventID != "evt_healed" || d.Type != "task.healed" || d.Attempt != 1 || d.SubjectID != "" {
			t.Errorf("SendEvent = %+v, %v; want 200 for evt_healed", d, err)
		}
		events, _ := k.got()
		if len(events) != 1 || string(events[0].Raw) != string(body) || events[0].EventName != "task.healed" {
			t.Fatalf("events %v, want the body as sent", events)
		}
		if d, err := s.SendEvent(context.Background(), "x", []byte("not json")); err != nil || d.Status != http.StatusBadRequest || d.EventID != "" {
			t.Errorf("SendEvent(not json) = %+v, %v; want the receiver's 400 and no error", d, err)
		}
		if n := len(s.Deliveries()); n != 2 {
			t.Errorf("%d records, want 2", n)
		}
		s.Close()
		if _, err := s.SendEvent(context.Background(), "x", body); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("after Close: %v, want an error saying closed", err)
		}
		plain := NewInMemoryServer()
		defer plain.Close()
		if _, err := plain.SendEvent(context.Background(), "x", body); err == nil || !strings.Contains(err.Error(), "WithWebhook") {
			t.Errorf("without a webhook: %v, want an error naming WithWebhook", err)
		}
		if plain.Deliveries() != nil {
			t.Error("Deliveries without a webhook: want nil")
		}
	})
}

func TestWebhookRecordLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newHookSink(t)
		s := NewInMemoryServer(WithWebhook(inMemoryHook(k)), WithRecordLimit(3))
		defer s.Close()
		var ids []string
		for i := range 10 {
			ids = append(ids, s.AddExecution(taskA, Finish(client.StatusSuccess, time.Duration(i)*time.Second, 0)))
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		ds := s.Deliveries()
		if len(ds) != 3 || ds[0].SubjectID != ids[7] || ds[2].SubjectID != ids[9] {
			t.Errorf("records %+v, want the last 3", ds)
		}
		none := NewInMemoryServer(WithWebhook(inMemoryHook(k)), WithRecordLimit(0))
		defer none.Close()
		none.AddExecution(taskA, Always(client.StatusSuccess))
		time.Sleep(time.Minute)
		synctest.Wait()
		if ds := none.Deliveries(); len(ds) != 0 {
			t.Errorf("WithRecordLimit(0): %d records, want none", len(ds))
		}
	})
}

func TestWithWebhookPanics(t *testing.T) {
	tests := []struct {
		name string
		w    Webhook
		want string
	}{
		{"no URL", Webhook{Secret: hookSecret}, `URL "": want an absolute http or https URL`},
		{"relative URL", Webhook{URL: "/hook", Secret: hookSecret}, `URL "/hook"`},
		{"other scheme", Webhook{URL: "ftp://example.test/", Secret: hookSecret}, `URL "ftp://example.test/"`},
		{"no secret", Webhook{URL: "http://127.0.0.1:9/"}, "empty Secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.Contains(msg, tt.want) {
					t.Errorf("panic %v, want one with %q", r, tt.want)
				}
			}()
			s := NewInMemoryServer(WithWebhook(tt.w))
			s.Close()
		})
	}
}

// Over loopback, with the server's own HTTP client: real sockets, and
// Close leaves no connection behind (goleak checks).
func TestWebhookLoopback(t *testing.T) {
	got := make(chan webhook.Event, 1)
	rv, err := webhook.NewReceiver(hookSecret, func(ev webhook.Event) { got <- ev })
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(rv)
	defer hs.Close()
	s := NewServer(WithWebhook(Webhook{URL: hs.URL + "/any/path", Secret: hookSecret, Delay: -1}))
	defer s.Close()
	id := s.AddExecution(taskA, Always(client.StatusSuccess))
	select {
	case ev := <-got:
		if !ev.Mentions(id) || ev.Type != "task.completed" {
			t.Errorf("event %s %s, want task.completed naming %s", ev.Type, ev.Raw, id)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no event within 30 s; deliveries %+v", s.Deliveries())
	}
	s.Close()
	if ds := s.Deliveries(); len(ds) != 1 || ds[0].Status != http.StatusOK {
		t.Errorf("deliveries %+v, want one answered 200", ds)
	}
}

// Events due together are sent at most 64 at a time.
func TestWebhookInFlightBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		k := newHookSink(t)
		k.answer = func(int) int { <-release; return 0 }
		s := NewInMemoryServer(WithWebhook(inMemoryHook(k)))
		defer s.Close()
		for range 100 {
			s.AddExecution(taskA, Always(client.StatusSuccess))
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if n := len(k.requests()); n != webhookInFlight {
			t.Errorf("%d attempts in progress, want %d", n, webhookInFlight)
		}
		close(release)
		time.Sleep(time.Second)
		synctest.Wait()
		if events, _ := k.got(); len(events) != 100 {
			t.Errorf("%d events, want all 100", len(events))
		}
	})
}
