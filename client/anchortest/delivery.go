package anchortest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/webhook"
)

// Delivery is the record of one attempt to deliver a webhook event, or of
// an event lost on purpose.
type Delivery struct {
	// Time is when the attempt was sent, or when a lost event was due (fake
	// time inside a synctest bubble).
	Time time.Time
	// EventID and Type are the envelope's id and type.
	EventID, Type string
	// TaskID and SubjectID name the task and the execution (or v2 run) the
	// event is about; both are "" for Server.SendEvent.
	TaskID, SubjectID string
	// DeliveryID is the Anchor-Delivery-Id header, shared by the attempts
	// of one delivery; "" for a lost event.
	DeliveryID string
	// Attempt counts the attempts of one delivery from 1; it is 0 for a
	// lost event.
	Attempt int
	// Status is the HTTP status answered, or 0 when none was.
	Status int
	// Err is why the attempt got no answer (connection refused, timeout),
	// or nil.
	Err error
	// Lost is true for an event that Webhook.Lose dropped: it was never sent.
	Lost bool
	// Duplicate is true for the attempts of an event's second delivery
	// (Webhook.Duplicate).
	Duplicate bool
	// WrongSecret is true when the delivery was signed with a wrong secret
	// (Webhook.WrongSecret).
	WrongSecret bool
}

// Delivery limits.
const (
	webhookAttempts       = 6                // attempts of one delivery, as Anchor makes
	webhookAttemptTimeout = 10 * time.Second // Anchor's limit for a 2xx answer
	webhookAnswerMax      = 64 << 10         // bytes of an answer read, then dropped
	webhookInFlight       = 64               // attempts in progress at once, at most
	webhookUserAgent      = "Anchor-Webhooks/1.0"
)

// pendingEvent is an event scheduled for delivery.
type pendingEvent struct {
	n      int // its number, from 1
	kind   waitKind
	taskID string
	id     string
	status client.Status
	at     time.Time // when the final status was reached
}

// webhooks delivers a server's webhook events. It is safe for concurrent use.
type webhooks struct {
	w        Webhook
	hc       *http.Client
	own      *http.Transport // hc's transport, when it is the server's own
	logger   *slog.Logger
	limit    int // the most records kept; negative for no limit
	ctx      context.Context
	cancel   context.CancelFunc
	inFlight sync.WaitGroup
	slots    chan struct{} // one per attempt in progress

	mu      sync.Mutex
	closed  bool
	n       int                      // events numbered so far
	pending map[*time.Timer]struct{} // scheduled, not yet fired

	recMu   sync.Mutex
	records []Delivery
}

// newWebhooks returns the deliverer cfg asks for, or nil without
// WithWebhook. It panics for a Webhook that cannot work (see WithWebhook).
func newWebhooks(cfg *config) *webhooks {
	if cfg.webhook == nil {
		return nil
	}
	w := *cfg.webhook
	if err := w.check(); err != nil {
		panic(err.Error())
	}
	switch {
	case w.Delay == 0:
		w.Delay = DefaultWebhookDelay
	case w.Delay < 0:
		w.Delay = 0
	}
	if w.ProjectID == "" {
		w.ProjectID = DefaultProjectID
	}
	h := &webhooks{w: w, logger: cfg.logger, limit: cfg.records, pending: make(map[*time.Timer]struct{}), slots: make(chan struct{}, webhookInFlight)}
	if w.HTTPClient == nil {
		h.own = http.DefaultTransport.(*http.Transport).Clone()
		h.own.MaxIdleConnsPerHost = webhookInFlight
		h.hc = &http.Client{Transport: h.own}
	} else {
		own := *w.HTTPClient
		h.hc = &own
	}
	h.hc.Timeout = 0 // each attempt has its own, from its context
	h.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h
}

// schedule numbers ev and sends it once its time comes.
func (h *webhooks) schedule(ev *pendingEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.n++
	ev.n = h.n
	var t *time.Timer
	t = time.AfterFunc(time.Until(ev.at.Add(h.w.Delay)), func() {
		h.mu.Lock()
		if _, ok := h.pending[t]; !ok { // Close stopped it
			h.mu.Unlock()
			return
		}
		delete(h.pending, t)
		h.inFlight.Add(1)
		h.mu.Unlock()
		defer h.inFlight.Done()
		h.deliver(ev)
	})
	h.pending[t] = struct{}{}
}

// begin counts a delivery in, unless Close has begun.
func (h *webhooks) begin() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.inFlight.Add(1)
	return true
}

// close stops the deliveries not yet due and the waits between attempts,
// and waits for the attempts in progress to end. It is nil-safe and may be
// called more than once.
func (h *webhooks) close() {
	if h == nil {
		return
	}
	h.mu.Lock()
	h.closed = true
	for t := range h.pending {
		t.Stop()
	}
	clear(h.pending)
	h.mu.Unlock()
	h.cancel()
	h.inFlight.Wait()
	if h.own != nil {
		h.own.CloseIdleConnections()
	}
}

// deliver sends ev: or loses it, or sends it twice, as the Webhook says.
func (h *webhooks) deliver(ev *pendingEvent) {
	id := newEventID()
	typ, body := eventBody(ev, id, h.w.ProjectID)
	base := Delivery{EventID: id, Type: typ, TaskID: ev.taskID, SubjectID: ev.id}
	if chosen(h.w.Lose, ev.n) {
		base.Time, base.Lost = time.Now(), true
		h.record(base)
		return
	}
	base.WrongSecret = chosen(h.w.WrongSecret, ev.n)
	h.send(base, body)
	if chosen(h.w.Duplicate, ev.n) && h.ctx.Err() == nil {
		base.Duplicate = true
		h.send(base, body)
	}
}

func chosen(f func(int) bool, n int) bool { return f != nil && f(n) }

// send makes one delivery: attempts until one is answered 2xx, the
// attempts run out, or Close.
func (h *webhooks) send(base Delivery, body []byte) {
	base.DeliveryID = uuid.NewString()
	for attempt := 1; ; attempt++ {
		rec, ok := h.attempt(context.Background(), base, attempt, body)
		if !ok || rec.Status/100 == 2 || attempt == webhookAttempts {
			return
		}
		t := time.NewTimer(retryDelay(attempt))
		select {
		case <-t.C:
		case <-h.ctx.Done():
			t.Stop()
			return
		}
	}
}

// attempt sends body once, signed now, and records it. It waits for a
// free slot first; ok is false when ctx or Close ended that wait, and
// nothing was sent or recorded.
func (h *webhooks) attempt(ctx context.Context, rec Delivery, attempt int, body []byte) (_ Delivery, ok bool) {
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	case <-ctx.Done():
		return rec, false
	case <-h.ctx.Done():
		return rec, false
	}
	ctx, cancel := context.WithTimeout(ctx, webhookAttemptTimeout)
	defer cancel()
	rec.Attempt = attempt
	rec.Time = time.Now()
	secret := h.w.Secret
	if rec.WrongSecret {
		secret = append([]byte("wrong-"), secret...)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.w.URL, bytes.NewReader(body))
	if err == nil {
		hd := req.Header
		hd.Set("User-Agent", webhookUserAgent)
		hd.Set("Content-Type", "application/json")
		hd.Set(webhook.HeaderEvent, rec.Type)
		hd.Set(webhook.HeaderDeliveryID, rec.DeliveryID)
		hd.Set(webhook.HeaderTimestamp, strconv.FormatInt(rec.Time.Unix(), 10))
		hd.Set(webhook.HeaderSignature, webhook.Sign(secret, rec.Time, body))
		var resp *http.Response
		if resp, err = h.hc.Do(req); err == nil {
			rec.Status = resp.StatusCode
			_, _ = io.CopyN(io.Discard, resp.Body, webhookAnswerMax)
			_ = resp.Body.Close()
		}
	}
	rec.Err = err
	h.record(rec)
	return rec, true
}

// record keeps rec, within the record limit, and logs it.
func (h *webhooks) record(rec Delivery) {
	if l := h.logger; l != nil {
		attrs := []slog.Attr{
			slog.String("event", rec.EventID), slog.String("type", rec.Type),
			slog.Int("attempt", rec.Attempt), slog.Int("status", rec.Status),
		}
		if err := rec.Err; err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // without the URL, whose query may hold a credential of the receiver
			}
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		for _, f := range []struct {
			name string
			on   bool
		}{{"lost", rec.Lost}, {"duplicate", rec.Duplicate}, {"wrong_secret", rec.WrongSecret}} {
			if f.on {
				attrs = append(attrs, slog.Bool(f.name, true))
			}
		}
		l.LogAttrs(context.Background(), slog.LevelInfo, "webhook delivery", attrs...)
	}
	if h.limit == 0 {
		return
	}
	h.recMu.Lock()
	defer h.recMu.Unlock()
	h.records = append(h.records, rec)
	if h.limit > 0 && len(h.records) >= 2*h.limit {
		n := copy(h.records, h.records[len(h.records)-h.limit:])
		clear(h.records[n:])
		h.records = h.records[:n]
	}
}

// deliveries returns a copy of the records kept.
func (h *webhooks) deliveries() []Delivery {
	h.recMu.Lock()
	defer h.recMu.Unlock()
	recs := h.records
	if h.limit > 0 && len(recs) > h.limit {
		recs = recs[len(recs)-h.limit:]
	}
	return append([]Delivery(nil), recs...)
}

// SendEvent delivers body now, once, to the Webhook's URL, with Anchor's
// headers (Anchor-Event set to eventType) and signed with the Webhook's
// secret: for tests of events that name no execution, or of any body at
// all. Lose, Duplicate and WrongSecret do not apply, and a failed attempt
// is not retried. It returns the record of the attempt (also kept for
// Deliveries) and the attempt's error, if it got no answer; any HTTP status
// is an answer. It fails without WithWebhook and once the server is closed.
func (s *Server) SendEvent(ctx context.Context, eventType string, body []byte) (Delivery, error) {
	h := s.hooks
	if h == nil {
		return Delivery{}, errNoWebhook
	}
	if !h.begin() {
		return Delivery{}, errWebhookClosed
	}
	defer h.inFlight.Done()
	rec, ok := h.attempt(ctx, Delivery{EventID: eventID(body), Type: eventType, DeliveryID: uuid.NewString()}, 1, body)
	if !ok {
		if err := ctx.Err(); err != nil {
			return rec, err
		}
		return rec, errWebhookClosed
	}
	return rec, rec.Err
}

var (
	errNoWebhook     = errors.New("anchortest: SendEvent: the server has no webhook: make it with WithWebhook")
	errWebhookClosed = errors.New("anchortest: SendEvent: the server is closed")
)

// newEventID returns "evt_" and 24 random hex digits.
func newEventID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "evt_" + hex.EncodeToString(b[:])
}

// eventID returns the envelope id of body, or "" when it has none.
func eventID(body []byte) string {
	var env struct {
		ID json.RawMessage `json:"id"`
	}
	var id string
	if json.Unmarshal(body, &env) != nil || json.Unmarshal(env.ID, &id) != nil {
		return ""
	}
	return id
}
