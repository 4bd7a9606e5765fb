package client

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// The retry policy of the official SDKs: 0.5 s doubling to at most 8 s, minus
// up to 25 % jitter; a server-given wait is used when it is at most 60 s.
const (
	retryInitial     = 500 * time.Millisecond
	retryMax         = 8 * time.Second
	retryJitter      = 0.25
	maxServerWait    = 60 * time.Second
	headerRetryMS    = "Retry-After-Ms"
	headerRetryAfter = "Retry-After"
	headerShould     = "X-Should-Retry"

	// maxRetryAfterSeconds bounds a server's wait (about 272 years) so that
	// it always fits a time.Duration; anything larger is ignored.
	maxRetryAfterSeconds = float64(1 << 33)
)

// sdkBackOff is the SDKs' retry schedule as a backoff.BackOff, for
// backoff.Retry to run: before each retry it waits what the failure's server
// asked for, when that is at most 60 s, else its own exponential delay with
// jitter from rnd. The operation records each failure in last before
// returning it. It is used by one call at a time.
type sdkBackOff struct {
	rnd   func() float64
	retry int   // retries so far
	last  error // the failure that the next delay is for
}

// NextBackOff implements backoff.BackOff.
func (b *sdkBackOff) NextBackOff() time.Duration {
	wait, ok := RetryAfterOf(b.last)
	d := retryDelay(b.retry, wait, ok, b.rnd())
	b.retry++
	return d
}

// Reset implements backoff.BackOff.
func (b *sdkBackOff) Reset() { b.retry, b.last = 0, nil }

var _ backoff.BackOff = (*sdkBackOff)(nil)

// backoffDelay is the client's own wait before retry number retry (0 for the
// first retry): 0.5 s doubling to at most 8 s, less up to 25 % jitter, where
// rnd in [0, 1) picks the jitter.
func backoffDelay(retry int, rnd float64) time.Duration {
	d := retryMax
	if retry < 5 { // 0.5 s << 4 = 8 s: past that the cap holds
		d = min(retryInitial<<max(retry, 0), retryMax)
	}
	rnd = min(max(rnd, 0), 1)
	return time.Duration(float64(d) * (1 - retryJitter*rnd))
}

// retryDelay is the wait before retry number retry: the server's wait when it
// gave one between 0 and 60 s, else backoffDelay.
//
// The official SDKs replace a server wait over 60 s with their own backoff;
// a Client does not retry at all then, and returns the error so that its
// caller can honour the wait (see RetryAfterOf).
func retryDelay(retry int, serverWait time.Duration, hasServerWait bool, rnd float64) time.Duration {
	if hasServerWait && serverWait <= maxServerWait {
		return serverWait
	}
	return backoffDelay(retry, rnd)
}

// parseRetryAfter reads the wait a response asks for: retry-after-ms
// (milliseconds), else Retry-After as seconds or as an HTTP date relative to
// now. It returns false when neither header holds a usable, non-negative
// value.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get(headerRetryMS)); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && ms <= maxRetryAfterSeconds*1000 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get(headerRetryAfter))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if !(s >= 0 && s <= maxRetryAfterSeconds) { // negative, NaN, or past any useful wait
			return 0, false
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// parseShouldRetry reads x-should-retry: nil when absent or not a boolean.
func parseShouldRetry(h http.Header) *bool {
	switch strings.ToLower(strings.TrimSpace(h.Get(headerShould))) {
	case "true":
		t := true
		return &t
	case "false":
		f := false
		return &f
	}
	return nil
}
