package webhook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// Receiver is an http.Handler that accepts Anchor webhook deliveries on
// any path. A POST is passed on only when: the body is at most the size
// limit (else 413, and a body declared larger is not read at all); the
// Anchor-Signature header parses (else 401); its timestamp is within the
// tolerance, and an Anchor-Timestamp header, if any, agrees with it (else
// 401); a v1 value is the body's signature under the secret or the
// previous secret (else 401); and the body is a JSON object (else 400).
// Other methods get 405. A refused delivery never reaches the callback, and
// no answer holds a secret or any part of the body.
//
// A verified event whose envelope ID was already passed on (Anchor's
// retries, a replay) is answered 200 and dropped; so is one without an ID
// whose Anchor-Delivery-Id was. Any other is passed to the callback, then
// answered 200. See WithDedupe for how long IDs are remembered.
//
// The callback runs on the goroutine serving the request, before the
// answer is sent: it must return quickly (Anchor allows 10 s for the
// answer, and retries one that is late), and deliveries that arrive
// together call it concurrently. Where the server supports deadlines
// (net/http's does), reading the body takes at most ReadTimeout and so
// does writing the answer, so a delivery is answered well within Anchor's
// 10 s unless the callback is slow; elsewhere set the server's own
// ReadTimeout and WriteTimeout.
//
// A Receiver is safe for concurrent use.
type Receiver struct {
	secrets   [][]byte
	tolerance time.Duration
	now       func() time.Time
	maxBody   int64
	seen      *seenSet
	onEvent   func(Event)
	logger    *slog.Logger

	accepted, duplicates, unauthorized, refused atomic.Int64
}

// NewReceiver returns a Receiver that verifies deliveries with secret (the
// signing secret Anchor showed when the webhook was made, used as the HMAC
// key byte for byte) and passes each verified, first-seen event to
// onEvent. It fails, naming the bad value but never a secret, for an empty
// secret or one with white space at either end (a file's final newline?),
// a nil onEvent, and options out of range.
func NewReceiver(secret []byte, onEvent func(Event), opts ...Option) (*Receiver, error) {
	cfg := config{
		tolerance: DefaultTolerance,
		maxBody:   DefaultMaxBodySize,
		dedupeTTL: DefaultDedupeTTL,
		dedupeMax: DefaultDedupeMax,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := checkSecret("secret", secret); err != nil {
		return nil, err
	}
	secrets := [][]byte{bytes.Clone(secret)}
	if len(cfg.previous) > 0 {
		if err := checkSecret("previous secret", cfg.previous); err != nil {
			return nil, err
		}
		secrets = append(secrets, bytes.Clone(cfg.previous))
	}
	switch {
	case onEvent == nil:
		return nil, errors.New("webhook: the event callback is nil: want a func(Event) that receives each event")
	case cfg.tolerance <= 0:
		return nil, fmt.Errorf("webhook: tolerance %v: want more than 0, such as %v", cfg.tolerance, DefaultTolerance)
	case cfg.maxBody <= 0:
		return nil, fmt.Errorf("webhook: max body size %d: want more than 0 bytes, such as %d", cfg.maxBody, DefaultMaxBodySize)
	case cfg.dedupeTTL < cfg.tolerance:
		return nil, fmt.Errorf("webhook: dedupe time %v: want at least the tolerance (%v), such as %v", cfg.dedupeTTL, cfg.tolerance, DefaultDedupeTTL)
	case cfg.dedupeMax < 1:
		return nil, fmt.Errorf("webhook: dedupe size %d: want 1 or more event IDs, such as %d", cfg.dedupeMax, DefaultDedupeMax)
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	return &Receiver{
		secrets:   secrets,
		tolerance: cfg.tolerance,
		now:       cfg.now,
		maxBody:   cfg.maxBody,
		seen:      newSeenSet(cfg.dedupeTTL, cfg.dedupeMax),
		onEvent:   onEvent,
		logger:    cfg.logger,
	}, nil
}

// checkSecret refuses an empty secret and one with white space at an end.
// The error names what, never the secret.
func checkSecret(what string, secret []byte) error {
	switch {
	case len(secret) == 0:
		return fmt.Errorf("webhook: empty %s: want the signing secret Anchor showed when the webhook was made", what)
	case len(bytes.TrimSpace(secret)) != len(secret):
		return fmt.Errorf("webhook: the %s begins or ends with white space (a file's final newline?): want the secret alone", what)
	}
	return nil
}

// Stats are a Receiver's counters of deliveries.
type Stats struct {
	Accepted     int64 // passed to the callback
	Duplicates   int64 // verified, but an event already passed on: answered 200, dropped
	Unauthorized int64 // answered 401: no, garbled or wrong signature, or a timestamp out of tolerance
	Refused      int64 // answered 400, 405, 408 or 413
}

// Stats returns the counters so far. It is safe for concurrent use.
func (rv *Receiver) Stats() Stats {
	return Stats{
		Accepted:     rv.accepted.Load(),
		Duplicates:   rv.duplicates.Load(),
		Unauthorized: rv.unauthorized.Load(),
		Refused:      rv.refused.Load(),
	}
}

// ServeHTTP handles one delivery; see Receiver.
func (rv *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		rv.refuse(w, r, http.StatusMethodNotAllowed, "method not allowed: deliveries are POST", true)
		return
	}
	if r.ContentLength > rv.maxBody {
		rv.refuse(w, r, http.StatusRequestEntityTooLarge, "body over "+strconv.FormatInt(rv.maxBody, 10)+" bytes", true)
		return
	}
	now := rv.now()
	sig, err := parseSignature(r.Header.Values(HeaderSignature))
	if len(r.Header.Values(HeaderSignature)) == 0 {
		err = errors.New("no " + HeaderSignature + " header")
	}
	if err != nil {
		rv.refuse(w, r, http.StatusUnauthorized, err.Error(), true)
		return
	}
	if ts := r.Header.Values(HeaderTimestamp); len(ts) > 1 || len(ts) == 1 && trimOWS(ts[0]) != sig.ts {
		rv.refuse(w, r, http.StatusUnauthorized, HeaderTimestamp+" disagrees with the signature's t", true)
		return
	}
	signedAt := time.Unix(sig.unix, 0)
	if d := now.Sub(signedAt); d > rv.tolerance || d < -rv.tolerance {
		rv.refuse(w, r, http.StatusUnauthorized, "timestamp "+strconv.FormatInt(sig.unix, 10)+" is more than "+rv.tolerance.String()+" from now", true)
		return
	}

	body, status, why := rv.readBody(w, r)
	if status != 0 {
		rv.refuse(w, r, status, why, true)
		return
	}
	if !sig.matches(rv.secrets, body) {
		rv.refuse(w, r, http.StatusUnauthorized, "signature does not match", false)
		return
	}
	ev, err := ParseEvent(body)
	if err != nil {
		rv.refuse(w, r, http.StatusBadRequest, err.Error(), false)
		return
	}
	ev.DeliveryID = r.Header.Get(HeaderDeliveryID)
	ev.EventName = r.Header.Get(HeaderEvent)
	ev.SignedAt = signedAt

	if key := dedupeKey(&ev); key != "" && !rv.seen.add(key, now) {
		rv.duplicates.Add(1)
		rv.logger.Debug("webhook delivery repeated", "remote", r.RemoteAddr, "event", ev.ID, "delivery", ev.DeliveryID)
		reply(w, http.StatusOK, "duplicate")
		return
	}
	rv.accepted.Add(1)
	rv.logger.Debug("webhook delivery accepted", "remote", r.RemoteAddr, "event", ev.ID, "type", ev.Type, "delivery", ev.DeliveryID)
	rv.onEvent(ev)
	reply(w, http.StatusOK, "accepted")
}

// dedupeKey is what repeated deliveries of ev share: its envelope ID, or
// when it has none its delivery ID, or "" (never deduped) without either.
func dedupeKey(ev *Event) string {
	if ev.ID != "" {
		return "id:" + ev.ID
	}
	if ev.DeliveryID != "" {
		return "delivery:" + ev.DeliveryID
	}
	return ""
}

// readBody reads the whole body, at most maxBody bytes within ReadTimeout.
// status is 0 on success, else the answer to send and why.
func (rv *Receiver) readBody(w http.ResponseWriter, r *http.Request) (body []byte, status int, why string) {
	if r.Body == nil {
		return nil, 0, ""
	}
	// A server without deadlines (ErrNotSupported) relies on its own
	// ReadTimeout. net/http's sets the deadline afresh for the connection's
	// next request.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(ReadTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rv.maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return body, 0, ""
	case errors.As(err, &tooLarge):
		return nil, http.StatusRequestEntityTooLarge, "body over " + strconv.FormatInt(rv.maxBody, 10) + " bytes"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, http.StatusRequestTimeout, "body not received within " + ReadTimeout.String()
	}
	return nil, http.StatusBadRequest, "body unreadable"
}

// refuse answers a delivery that is not acted on, and counts and logs it.
// A body left unread closes an HTTP/1 connection after the answer, so the
// server neither waits for the rest of it (from a slow or stalled sender)
// nor reads it as the next request.
func (rv *Receiver) refuse(w http.ResponseWriter, r *http.Request, status int, why string, unread bool) {
	if unread && r.ProtoMajor == 1 && r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	if status == http.StatusUnauthorized {
		rv.unauthorized.Add(1)
	} else {
		rv.refused.Add(1)
	}
	rv.logger.Warn("webhook delivery refused", "status", status, "reason", why, "remote", r.RemoteAddr, "delivery", r.Header.Get(HeaderDeliveryID))
	reply(w, status, why)
}

// reply sends a short plain-text answer, within ReadTimeout where the
// server supports write deadlines.
func reply(w http.ResponseWriter, status int, text string) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(ReadTimeout))
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(text)+1))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text+"\n")
}

// trimOWS drops the spaces and tabs HTTP allows around a header value.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
