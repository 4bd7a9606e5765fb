package webhook

import (
	"log/slog"
	"time"
)

// Defaults of a Receiver.
const (
	DefaultTolerance   = 2 * time.Minute // how far a delivery's timestamp may be from the clock, either way
	DefaultMaxBodySize = 1 << 20         // bytes; a larger body is refused with 413
	DefaultDedupeTTL   = 24 * time.Hour  // how long an event ID is remembered, at least
	DefaultDedupeMax   = 100_000         // the most event IDs remembered at once
)

// ReadTimeout is the longest a Receiver waits for a delivery's body, well
// within the 10 s Anchor allows for the answer.
const ReadTimeout = 5 * time.Second

// Option configures a Receiver in NewReceiver.
type Option func(*config)

type config struct {
	previous  []byte
	tolerance time.Duration
	now       func() time.Time
	maxBody   int64
	dedupeTTL time.Duration
	dedupeMax int
	logger    *slog.Logger
}

// WithPreviousSecret makes the Receiver accept deliveries signed with the
// secret used before the last rotation, as well as the current one. Anchor
// keeps signing with the previous secret for 24 hours after a rotation;
// remove it once they are over. An empty secret means none.
func WithPreviousSecret(secret []byte) Option {
	return func(c *config) { c.previous = secret }
}

// WithTolerance sets how far a delivery's signed timestamp may be from the
// Receiver's clock, in the past or the future, before the delivery is
// refused. The default is DefaultTolerance; it must be more than 0.
func WithTolerance(d time.Duration) Option {
	return func(c *config) { c.tolerance = d }
}

// WithClock sets the clock timestamps are checked against and event IDs
// are remembered by. nil means time.Now, the default. It must be safe for
// concurrent use.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithMaxBodySize sets the largest body accepted, in bytes; a larger one is
// answered 413 and never read past the limit. The default is
// DefaultMaxBodySize; it must be more than 0.
func WithMaxBodySize(n int64) Option {
	return func(c *config) { c.maxBody = n }
}

// WithDedupe sets how the Receiver remembers the IDs of the events it has
// passed on, to pass each on once: for at least ttl after first sight
// (Anchor retries a delivery for up to a day, so the default is
// DefaultDedupeTTL), and at most max IDs at once (DefaultDedupeMax), so that
// a flood of events cannot grow memory without limit: about 160 bytes an
// ID, 16 MiB at the default when full. Once max IDs are
// remembered the oldest is forgotten first: a repeat of it would be passed
// on again, which costs a waiter one poll. ttl must be at least the
// tolerance, so a delivery replayed within it is always caught, and max
// must be 1 or more.
func WithDedupe(ttl time.Duration, max int) Option {
	return func(c *config) { c.dedupeTTL, c.dedupeMax = ttl, max }
}

// WithLogger makes the Receiver log each refused delivery at Warn level and
// each accepted one at Debug level: why, the remote address and the
// delivery and event IDs. Secrets and bodies are never logged. By default
// nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}
