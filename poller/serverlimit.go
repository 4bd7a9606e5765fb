package poller

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/anchorwait/anchorwait/client"
)

// serverLimit paces a Poller's requests by what the server says, or shows,
// of its rate limit for the API key. It is safe for concurrent use; a nil
// *serverLimit paces nothing.
//
// A server that sends RateLimit headers is believed: with none left the
// Poller holds every request until the reset, and otherwise it spreads the
// requests left evenly over the time to the reset, or sends at the
// policy's rate (quota over window) when that is faster. A server that answers
// 429 without them is probed: each 429 cuts the pace by a third (from the
// pace of the last requests, the first time), and each answer without one
// raises it a little, so the Poller settles just under a limit it was
// never told, with few 429s.
type serverLimit struct {
	l *rate.Limiter // rate.Inf while nothing limits

	mu        sync.Mutex
	toldUntil time.Time // headers said how to pace until then
	probing   bool      // 429s without headers set the pace
	cut       time.Time // when a 429 last cut the pace
	sent      [16]time.Time
	n         int
}

// Probing's steps: the share of the pace a 429 leaves, and what each good
// answer adds (requests per second).
const (
	probeCut  = 2.0 / 3
	probeStep = 0.05
	probeMin  = 0.1
	// probeCalm is how long after a cut further 429s, from requests sent
	// before it took effect, cut nothing more.
	probeCalm = time.Second
)

func newServerLimit() *serverLimit {
	return &serverLimit{l: rate.NewLimiter(rate.Inf, 1)}
}

// limiter returns the limiter to wait on, nil for none.
func (s *serverLimit) limiter() *rate.Limiter {
	if s == nil {
		return nil
	}
	return s.l
}

// observe learns from an answer, described by resp, that came at now;
// limited says it was a 429. It returns a time before which no request
// should be sent (the reset, when none is left), and true, or false.
func (s *serverLimit) observe(resp *client.Response, limited bool, now time.Time) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent[s.n%len(s.sent)] = now
	s.n++
	if rl := resp.RateLimit; rl.Known {
		reset := max(rl.Reset, time.Second)
		s.toldUntil, s.probing = now.Add(reset), false
		if rl.Remaining == 0 {
			// Nothing is left: hold every request until the reset, and
			// go on from there at the policy's pace, when it was told,
			// until the next answer says more.
			limit := rate.Inf
			if rl.Quota > 0 && rl.Window > 0 {
				limit = rate.Limit(float64(rl.Quota) / rl.Window.Seconds())
			}
			s.l.SetLimitAt(now, limit)
			return now.Add(rl.Reset), true
		}
		pace := float64(rl.Remaining) / reset.Seconds()
		if rl.Quota > 0 && rl.Window > 0 {
			// The policy's own rate is allowed for good: what is left
			// may be spent faster, not slower.
			pace = max(pace, float64(rl.Quota)/rl.Window.Seconds())
		}
		s.l.SetLimitAt(now, rate.Limit(pace))
		return time.Time{}, false
	}
	if now.Before(s.toldUntil) {
		return time.Time{}, false // the last headers still hold
	}
	switch cur := s.l.Limit(); {
	case limited && now.Sub(s.cut) < probeCalm:
		// The 429s of one burst: the pace was cut for it already.
	case limited && cur == rate.Inf:
		s.probing, s.cut = true, now
		s.l.SetLimitAt(now, rate.Limit(max(s.recentRate(now)*probeCut, probeMin)))
	case limited:
		s.probing, s.cut = true, now
		s.l.SetLimitAt(now, rate.Limit(max(float64(cur)*probeCut, probeMin)))
	case s.probing:
		s.l.SetLimitAt(now, cur+probeStep)
	case !s.toldUntil.IsZero():
		// The headers have lapsed and nothing else limits.
		s.toldUntil = time.Time{}
		s.l.SetLimitAt(now, rate.Inf)
	}
	return time.Time{}, false
}

// recentRate is the pace of the last answers, in requests per second.
func (s *serverLimit) recentRate(now time.Time) float64 {
	n := min(s.n, len(s.sent))
	oldest := s.sent[(s.n-n)%len(s.sent)]
	if n < 2 {
		return 1
	}
	d := now.Sub(oldest).Seconds()
	if d <= 0 {
		return math.Max(float64(n), 1)
	}
	return float64(n) / d
}
