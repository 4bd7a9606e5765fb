package anchortest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// WithRateLimit makes the server take at most perSecond requests a second
// with the right key, in bursts of up to burst (at least 1), and answer the
// others 429 with a Retry-After in whole seconds, as a rate-limited API
// does. With tell, every answer also carries the IETF draft's headers, as
// Anchor's do where it limits:
//
//	RateLimit: "default";r=<requests left>;t=<seconds to a full quota>
//	RateLimit-Policy: "default";q=<burst>;w=<seconds to earn a burst>
//
// Without tell the limit is enforced without a word until a 429.
func WithRateLimit(perSecond float64, burst int, tell bool) Option {
	return func(c *config) {
		c.rateLimit = &rateLimit{perSecond: perSecond, burst: max(burst, 1), tell: tell}
	}
}

// rateLimit is WithRateLimit's setting, and the bucket it makes.
type rateLimit struct {
	perSecond float64
	burst     int
	tell      bool
	l         *rate.Limiter
}

// admit reports whether the request may be answered now, setting the
// rate-limit headers on w when the limit tells them; when it may not, it
// also sets Retry-After.
func (rl *rateLimit) admit(h http.Header, now time.Time) bool {
	ok := rl.l.AllowN(now, 1)
	tokens := max(rl.l.TokensAt(now), 0)
	if rl.tell {
		left := int(math.Floor(tokens))
		full := int(math.Ceil((float64(rl.burst) - tokens) / rl.perSecond))
		window := int(math.Ceil(float64(rl.burst) / rl.perSecond))
		h.Set("RateLimit", fmt.Sprintf(`"default";r=%d;t=%d`, left, full))
		h.Set("RateLimit-Policy", fmt.Sprintf(`"default";q=%d;w=%d`, rl.burst, window))
	}
	if !ok {
		wait := math.Ceil((1 - tokens) / rl.perSecond)
		h.Set("Retry-After", strconv.Itoa(max(int(wait), 1)))
	}
	return ok
}
