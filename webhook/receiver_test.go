package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestReceiverAcceptsSignedEvent(t *testing.T) {
	for _, path := range []string{"/", "/anchor/webhook", "/deep/er/path?token=x"} {
		t.Run(path, func(t *testing.T) {
			rv, s, _ := newTestReceiver(t)
			w := post(t, rv, http.MethodPost, path, signed(testSecret, testNow, testBody), testBody)
			if w.Code != http.StatusOK || w.Body.String() != "accepted\n" {
				t.Fatalf("answer %d %q, want 200 accepted", w.Code, w.Body.String())
			}
			got := s.got()
			if len(got) != 1 {
				t.Fatalf("%d events passed on, want 1", len(got))
			}
			ev := got[0]
			wantCreated := time.Date(2025, 6, 15, 15, 6, 40, 0, time.UTC)
			if ev.ID != "evt_0001" || ev.Type != "task.completed" || !ev.Created.Equal(wantCreated) || ev.ProjectID != "proj_1" || ev.Text != "done" {
				t.Errorf("envelope %q %q %v %q %q, want evt_0001 task.completed %v proj_1 done", ev.ID, ev.Type, ev.Created, ev.ProjectID, ev.Text, wantCreated)
			}
			if string(ev.Raw) != testBody {
				t.Errorf("Raw %q, want the body byte for byte", ev.Raw)
			}
			if want := `{"execution_id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","artifacts":[]}`; string(ev.Data) != want {
				t.Errorf("Data %s, want %s", ev.Data, want)
			}
			if ev.DeliveryID != "0b6f6f0e-4c1e-4f59-9f7b-6b5e8f0a1c2d" || ev.EventName != "task.completed" || !ev.SignedAt.Equal(testNow) {
				t.Errorf("delivery %q event %q signed %v, want the headers' values and %v", ev.DeliveryID, ev.EventName, ev.SignedAt, testNow)
			}
			if !ev.Mentions("3C90C3CC-0D44-4B50-8888-8DD25736052A") {
				t.Error("Mentions(execution ID in upper case) = false, want true")
			}
			if st := rv.Stats(); st != (Stats{Accepted: 1}) {
				t.Errorf("Stats %+v, want 1 accepted", st)
			}
		})
	}
}

// Anchor's retries carry the same envelope ID, with a new signature and
// delivery ID; a replay is the very same request. Both are answered 200 and
// passed on once.
func TestReceiverDedupes(t *testing.T) {
	rv, s, c := newTestReceiver(t)
	first := signed(testSecret, testNow, testBody)
	post(t, rv, http.MethodPost, "/", first, testBody)

	if w := post(t, rv, http.MethodPost, "/", first, testBody); w.Code != http.StatusOK || w.Body.String() != "duplicate\n" {
		t.Errorf("replay: %d %q, want 200 duplicate", w.Code, w.Body.String())
	}
	c.add(90 * time.Second)
	retry := signed(testSecret, c.Now(), testBody)
	retry.Set(HeaderDeliveryID, "11111111-2222-4333-8444-555555555555")
	if w := post(t, rv, http.MethodPost, "/", retry, testBody); w.Code != http.StatusOK || w.Body.String() != "duplicate\n" {
		t.Errorf("retry: %d %q, want 200 duplicate", w.Code, w.Body.String())
	}
	if n := len(s.got()); n != 1 {
		t.Errorf("%d events passed on, want 1", n)
	}
	if st := rv.Stats(); st != (Stats{Accepted: 1, Duplicates: 2}) {
		t.Errorf("Stats %+v, want 1 accepted, 2 duplicates", st)
	}
}

// An event ID is remembered for at least the dedupe time, then forgotten.
func TestReceiverDedupeTime(t *testing.T) {
	rv, s, c := newTestReceiver(t)
	deliver := func() string {
		return post(t, rv, http.MethodPost, "/", signed(testSecret, c.Now(), testBody), testBody).Body.String()
	}
	deliver()
	c.add(DefaultDedupeTTL - time.Second)
	if got := deliver(); got != "duplicate\n" {
		t.Errorf("a second before the dedupe time: %q, want duplicate", got)
	}
	c.add(time.Second)
	if got := deliver(); got != "accepted\n" {
		t.Errorf("at the dedupe time: %q, want accepted again", got)
	}
	if n := len(s.got()); n != 2 {
		t.Errorf("%d events passed on, want 2", n)
	}
}

// At most the dedupe size of IDs are remembered; the oldest goes first.
func TestReceiverDedupeBound(t *testing.T) {
	const max = 3
	rv, s, _ := newTestReceiver(t, WithDedupe(time.Hour, max))
	deliver := func(id string) string {
		body := `{"id":"` + id + `"}`
		return post(t, rv, http.MethodPost, "/", signed(testSecret, testNow, body), body).Body.String()
	}
	for i := range 10 {
		if got := deliver(fmt.Sprintf("evt_%d", i)); got != "accepted\n" {
			t.Fatalf("evt_%d: %q, want accepted", i, got)
		}
		if n := rv.seen.len(); n > max {
			t.Fatalf("after %d events %d IDs remembered, want at most %d", i+1, n, max)
		}
	}
	if got := deliver("evt_9"); got != "duplicate\n" {
		t.Errorf("newest again: %q, want duplicate", got)
	}
	if got := deliver("evt_6"); got != "accepted\n" {
		t.Errorf("an ID pushed out again: %q, want accepted (forgotten)", got)
	}
	if n := len(s.got()); n != 11 {
		t.Errorf("%d events passed on, want 11", n)
	}
}

func TestReceiverTimestamps(t *testing.T) {
	tests := []struct {
		name      string
		opts      []Option
		offset    time.Duration // signed at testNow + offset
		wantCode  int
		wantInErr string
	}{
		{"now", nil, 0, http.StatusOK, ""},
		{"oldest allowed", nil, -DefaultTolerance, http.StatusOK, ""},
		{"stale", nil, -DefaultTolerance - time.Second, http.StatusUnauthorized, "more than 2m0s from now"},
		{"an hour old", nil, -time.Hour, http.StatusUnauthorized, "more than 2m0s from now"},
		{"latest allowed", nil, DefaultTolerance, http.StatusOK, ""},
		{"future", nil, DefaultTolerance + time.Second, http.StatusUnauthorized, "more than 2m0s from now"},
		{"own tolerance: within", []Option{WithTolerance(10 * time.Second)}, -10 * time.Second, http.StatusOK, ""},
		{"own tolerance: stale", []Option{WithTolerance(10 * time.Second)}, -11 * time.Second, http.StatusUnauthorized, "more than 10s"},
		{"own tolerance: future", []Option{WithTolerance(10 * time.Second)}, 11 * time.Second, http.StatusUnauthorized, "more than 10s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv, s, _ := newTestReceiver(t, tt.opts...)
			w := post(t, rv, http.MethodPost, "/", signed(testSecret, testNow.Add(tt.offset), testBody), testBody)
			if w.Code != tt.wantCode || !strings.Contains(w.Body.String(), tt.wantInErr) {
				t.Errorf("answer %d %q, want %d with %q", w.Code, w.Body.String(), tt.wantCode, tt.wantInErr)
			}
			if n, want := len(s.got()), map[bool]int{true: 1, false: 0}[tt.wantCode == http.StatusOK]; n != want {
				t.Errorf("%d events passed on, want %d", n, want)
			}
		})
	}
}

func TestReceiverSecretRotation(t *testing.T) {
	other := []byte("whsec_someone_else")
	both := signed(testSecret, testNow, testBody)
	both.Set(HeaderSignature, both.Get(HeaderSignature)+",v1="+Sign(oldSecret, testNow, []byte(testBody))[len("t=1750000000,v1="):])
	tests := []struct {
		name     string
		opts     []Option
		header   http.Header
		wantCode int
	}{
		{"current secret", nil, signed(testSecret, testNow, testBody), http.StatusOK},
		{"previous secret not configured", nil, signed(oldSecret, testNow, testBody), http.StatusUnauthorized},
		{"previous secret configured", []Option{WithPreviousSecret(oldSecret)}, signed(oldSecret, testNow, testBody), http.StatusOK},
		{"current with previous configured", []Option{WithPreviousSecret(oldSecret)}, signed(testSecret, testNow, testBody), http.StatusOK},
		{"another secret with previous configured", []Option{WithPreviousSecret(oldSecret)}, signed(other, testNow, testBody), http.StatusUnauthorized},
		{"empty previous means none", []Option{WithPreviousSecret(nil)}, signed(oldSecret, testNow, testBody), http.StatusUnauthorized},
		{"signed with both, one known", nil, both, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv, s, _ := newTestReceiver(t, tt.opts...)
			w := post(t, rv, http.MethodPost, "/", tt.header, testBody)
			if w.Code != tt.wantCode {
				t.Errorf("answer %d %q, want %d", w.Code, w.Body.String(), tt.wantCode)
			}
			if tt.wantCode != http.StatusOK && len(s.got()) != 0 {
				t.Error("a refused delivery reached the callback")
			}
		})
	}
}

func TestReceiverRefuses(t *testing.T) {
	good := func() http.Header { return signed(testSecret, testNow, testBody) }
	with := func(k, v string) http.Header { h := good(); h.Set(k, v); return h }
	without := func(k string) http.Header { h := good(); h.Del(k); return h }
	altered := strings.Replace(testBody, "evt_0001", "evt_0002", 1)
	big := `{"id":"evt_big","pad":"` + strings.Repeat("x", DefaultMaxBodySize) + `"}`
	tests := []struct {
		name      string
		method    string
		header    http.Header
		body      string
		wantCode  int
		wantInErr string
	}{
		{"GET", http.MethodGet, good(), testBody, http.StatusMethodNotAllowed, "POST"},
		{"PUT", http.MethodPut, good(), testBody, http.StatusMethodNotAllowed, "POST"},
		{"HEAD", http.MethodHead, good(), "", http.StatusMethodNotAllowed, ""},
		{"no signature", http.MethodPost, without(HeaderSignature), testBody, http.StatusUnauthorized, "no Anchor-Signature"},
		{"empty signature", http.MethodPost, with(HeaderSignature, ""), testBody, http.StatusUnauthorized, "garbled"},
		{"garbled signature", http.MethodPost, with(HeaderSignature, "sha256=abc"), testBody, http.StatusUnauthorized, "garbled"},
		{"signature of another body", http.MethodPost, signed(testSecret, testNow, altered), testBody, http.StatusUnauthorized, "does not match"},
		{"body altered by one byte", http.MethodPost, good(), altered, http.StatusUnauthorized, "does not match"},
		{"wrong secret", http.MethodPost, signed([]byte("whsec_wrong"), testNow, testBody), testBody, http.StatusUnauthorized, "does not match"},
		{"timestamp header disagrees", http.MethodPost, with(HeaderTimestamp, strconv.FormatInt(testNow.Unix()+1, 10)), testBody, http.StatusUnauthorized, "Anchor-Timestamp disagrees"},
		{"timestamp header not a number", http.MethodPost, with(HeaderTimestamp, "soon"), testBody, http.StatusUnauthorized, "Anchor-Timestamp disagrees"},
		{"two timestamp headers", http.MethodPost, func() http.Header { h := good(); h.Add(HeaderTimestamp, h.Get(HeaderTimestamp)); return h }(), testBody, http.StatusUnauthorized, "Anchor-Timestamp disagrees"},
		{"oversize body", http.MethodPost, signed(testSecret, testNow, big), big, http.StatusRequestEntityTooLarge, "body over 1048576 bytes"},
		{"not JSON", http.MethodPost, signed(testSecret, testNow, "hello"), "hello", http.StatusBadRequest, "not a JSON object"},
		{"JSON array", http.MethodPost, signed(testSecret, testNow, `[{"id":"evt_1"}]`), `[{"id":"evt_1"}]`, http.StatusBadRequest, "not a JSON object"},
		{"JSON null", http.MethodPost, signed(testSecret, testNow, `null`), `null`, http.StatusBadRequest, "not a JSON object"},
		{"trailing data", http.MethodPost, signed(testSecret, testNow, `{"id":"evt_1"} {}`), `{"id":"evt_1"} {}`, http.StatusBadRequest, "not a JSON object"},
		{"empty body", http.MethodPost, signed(testSecret, testNow, ""), "", http.StatusBadRequest, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv, s, _ := newTestReceiver(t)
			w := post(t, rv, tt.method, "/hook", tt.header, tt.body)
			if w.Code != tt.wantCode || !strings.Contains(w.Body.String(), tt.wantInErr) {
				t.Errorf("answer %d %q, want %d with %q", w.Code, w.Body.String(), tt.wantCode, tt.wantInErr)
			}
			if tt.wantCode == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow %q, want POST", w.Header().Get("Allow"))
			}
			if len(s.got()) != 0 {
				t.Error("a refused delivery reached the callback")
			}
			checkNoLeak(t, w.Body.String(), tt.body)
			st := rv.Stats()
			if st.Accepted != 0 || st.Unauthorized+st.Refused != 1 || (st.Unauthorized == 1) != (tt.wantCode == http.StatusUnauthorized) {
				t.Errorf("Stats %+v, want one refusal counted as %d", st, tt.wantCode)
			}
		})
	}
}

// checkNoLeak fails when an answer holds a secret or a piece of the body.
func checkNoLeak(t *testing.T, answer, body string) {
	t.Helper()
	for _, secret := range [][]byte{testSecret, oldSecret} {
		if strings.Contains(answer, string(secret)) {
			t.Errorf("answer %q holds a secret", answer)
		}
	}
	if len(answer) > 100 {
		t.Errorf("answer is %d bytes long, want a short reason", len(answer))
	}
	for _, piece := range []string{"evt_", "execution_id", "xxxxxxxx", "hello"} {
		if strings.Contains(body, piece) && strings.Contains(answer, piece) {
			t.Errorf("answer %q echoes the body (%q)", answer, piece)
		}
	}
}

// A body without Content-Length is cut at the limit, too.
func TestReceiverOversizeStreamedBody(t *testing.T) {
	rv, s, _ := newTestReceiver(t, WithMaxBodySize(64))
	body := `{"id":"evt_big","pad":"` + strings.Repeat("x", 100) + `"}`
	for _, n := range []int{64, len(body)} {
		b := body[:n]
		if n == 64 {
			b = `{"id":"evt_fits","pad":"` + strings.Repeat("y", 64-26) + `"}`
		}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(b))
		r.ContentLength = -1 // as a chunked request
		for k, vs := range signed(testSecret, testNow, b) {
			r.Header[k] = vs
		}
		w := httptest.NewRecorder()
		rv.ServeHTTP(w, r)
		want := http.StatusRequestEntityTooLarge
		if len(b) <= 64 {
			want = http.StatusOK
		}
		if w.Code != want {
			t.Errorf("%d-byte body: %d %q, want %d", len(b), w.Code, w.Body.String(), want)
		}
	}
	if n := len(s.got()); n != 1 {
		t.Errorf("%d events passed on, want 1 (the one that fits)", n)
	}
}

// Deliveries that arrive together: each event is passed on exactly once,
// whichever delivery of it wins.
func TestReceiverConcurrentDeliveries(t *testing.T) {
	rv, s, _ := newTestReceiver(t)
	const events, copies = 20, 8
	var wg sync.WaitGroup
	for i := range events {
		body := fmt.Sprintf(`{"id":"evt_%03d","type":"task.completed"}`, i)
		h := signed(testSecret, testNow, body)
		for range copies {
			wg.Go(func() {
				if w := post(t, rv, http.MethodPost, "/", h, body); w.Code != http.StatusOK {
					t.Errorf("answer %d %q, want 200", w.Code, w.Body.String())
				}
			})
		}
	}
	wg.Wait()
	seen := map[string]int{}
	for _, e := range s.got() {
		seen[e.ID]++
	}
	if len(seen) != events {
		t.Errorf("%d distinct events passed on, want %d", len(seen), events)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s passed on %d times, want once", id, n)
		}
	}
	if st := rv.Stats(); st.Accepted != events || st.Duplicates != events*(copies-1) {
		t.Errorf("Stats %+v, want %d accepted and %d duplicates", st, events, events*(copies-1))
	}
}

// An envelope without an ID is deduped on its delivery ID; without either,
// it is passed on every time.
func TestReceiverDedupeKey(t *testing.T) {
	rv, s, _ := newTestReceiver(t)
	body := `{"type":"task.completed"}`
	h := signed(testSecret, testNow, body)
	post(t, rv, http.MethodPost, "/", h, body)
	post(t, rv, http.MethodPost, "/", h, body)
	h.Del(HeaderDeliveryID)
	post(t, rv, http.MethodPost, "/", h, body)
	post(t, rv, http.MethodPost, "/", h, body)
	if n := len(s.got()); n != 3 {
		t.Errorf("%d events passed on, want 3: once by delivery ID, twice with neither", n)
	}
}

func TestNewReceiverErrors(t *testing.T) {
	cb := func(Event) {}
	tests := []struct {
		name    string
		secret  []byte
		cb      func(Event)
		opts    []Option
		wantErr string
	}{
		{"no secret", nil, cb, nil, "empty secret"},
		{"newline", []byte("whsec_abc\n"), cb, nil, "white space"},
		{"leading space", []byte(" whsec_abc"), cb, nil, "white space"},
		{"previous with newline", testSecret, cb, []Option{WithPreviousSecret([]byte("old\n"))}, "previous secret begins or ends with white space"},
		{"no callback", testSecret, nil, nil, "callback is nil"},
		{"zero tolerance", testSecret, cb, []Option{WithTolerance(0)}, "tolerance 0s: want more than 0"},
		{"negative tolerance", testSecret, cb, []Option{WithTolerance(-time.Second)}, "tolerance -1s"},
		{"zero body", testSecret, cb, []Option{WithMaxBodySize(0)}, "max body size 0"},
		{"dedupe shorter than tolerance", testSecret, cb, []Option{WithDedupe(time.Minute, 10)}, "dedupe time 1m0s: want at least the tolerance (2m0s)"},
		{"dedupe of none", testSecret, cb, []Option{WithDedupe(time.Hour, 0)}, "dedupe size 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv, err := NewReceiver(tt.secret, tt.cb, tt.opts...)
			if err == nil || rv != nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewReceiver = %v, %v; want an error with %q", rv, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "whsec_") || strings.Contains(err.Error(), "old") {
				t.Errorf("error %q holds a secret", err)
			}
		})
	}
	if _, err := NewReceiver(testSecret, cb, nil, WithClock(nil), WithDedupe(DefaultTolerance, 1)); err != nil {
		t.Errorf("nil option, nil clock, dedupe as long as the tolerance: %v, want no error", err)
	}
}

func TestReceiverLogsWithoutSecretsOrBodies(t *testing.T) {
	var buf bytes.Buffer
	rv, _, _ := newTestReceiver(t, WithLogger(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))), WithPreviousSecret(oldSecret))
	post(t, rv, http.MethodPost, "/", signed(testSecret, testNow, testBody), testBody)
	post(t, rv, http.MethodPost, "/", signed(testSecret, testNow, testBody), testBody)
	post(t, rv, http.MethodPost, "/", signed([]byte("nope"), testNow, testBody), testBody)
	type line struct {
		Msg, Reason, Event string
		Status             int
	}
	var got []line
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		got = append(got, x)
	}
	want := []line{
		{Msg: "webhook delivery accepted", Event: "evt_0001"},
		{Msg: "webhook delivery repeated", Event: "evt_0001"},
		{Msg: "webhook delivery refused", Reason: "signature does not match", Status: 401},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("logs %+v, want %+v", got, want)
	}
	for _, bad := range []string{string(testSecret), string(oldSecret), "execution_id", "3c90c3cc"} {
		if strings.Contains(buf.String(), bad) {
			t.Errorf("logs hold %q:\n%s", bad, buf.String())
		}
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r *strings.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A body declared larger than the limit is refused unread.
func TestReceiverOversizeDeclaredBodyUnread(t *testing.T) {
	rv, s, _ := newTestReceiver(t, WithMaxBodySize(1000))
	body := `{"id":"evt_1","pad":"` + strings.Repeat("x", 2000) + `"}`
	cr := &countingReader{r: strings.NewReader(body)}
	r := httptest.NewRequest(http.MethodPost, "/", cr)
	r.ContentLength = int64(len(body))
	r.Header = signed(testSecret, testNow, body)
	w := httptest.NewRecorder()
	rv.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge || cr.n != 0 || len(s.got()) != 0 {
		t.Errorf("answer %d after reading %d bytes, %d events; want 413, nothing read, none passed on", w.Code, cr.n, len(s.got()))
	}
}
