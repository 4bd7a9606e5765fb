package client

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is what a server said about its rate limit for the API key, in
// the IETF httpapi draft's headers, which Anchor sends:
//
//	RateLimit: "5-in-1min"; r=0; t=58
//	RateLimit-Policy: "5-in-1min"; q=5; w=60
//
// When the headers name several policies, RateLimit holds the one that
// binds hardest: the fewest requests left per second until its reset. The
// older form of the draft (RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset in seconds) is read too.
type RateLimit struct {
	// Known is true when the answer said how many requests remain; the other
	// fields mean nothing without it.
	Known bool
	// Remaining is how many requests the key may still send before Reset (r).
	Remaining int
	// Reset is how long until the quota is restored (t).
	Reset time.Duration
	// Quota and Window are the policy's requests per window (q and w), 0
	// when the server did not send them.
	Quota  int
	Window time.Duration
}

// Header names of the rate-limit drafts.
const (
	headerRateLimit       = "Ratelimit"
	headerRateLimitPolicy = "Ratelimit-Policy"
	headerRateLimitLimit  = "Ratelimit-Limit"
	headerRateLimitRemain = "Ratelimit-Remaining"
	headerRateLimitReset  = "Ratelimit-Reset"
)

// maxRateLimitSeconds bounds t and w (a year): a larger value is not a
// rate-limit window anyone means, and is ignored.
const maxRateLimitSeconds = 365 * 24 * 3600

// parseRateLimit reads the rate-limit headers of an answer. It never fails:
// what it cannot read it leaves out.
func parseRateLimit(h http.Header) RateLimit {
	if v := h.Values(headerRateLimit); len(v) > 0 {
		return parseRateLimitFields(strings.Join(v, ","), strings.Join(h.Values(headerRateLimitPolicy), ","))
	}
	remain, okR := sfInt(h.Get(headerRateLimitRemain))
	reset, okT := sfInt(h.Get(headerRateLimitReset))
	if !okR || !okT || reset > maxRateLimitSeconds {
		return RateLimit{}
	}
	rl := RateLimit{Known: true, Remaining: remain, Reset: time.Duration(reset) * time.Second}
	if q, ok := sfInt(h.Get(headerRateLimitLimit)); ok {
		rl.Quota = q
	}
	return rl
}

// parseRateLimitFields reads the structured-field lists of the RateLimit and
// RateLimit-Policy headers.
func parseRateLimitFields(limits, policies string) RateLimit {
	var best RateLimit
	bestName := ""
	for _, item := range splitOutsideQuotes(limits, ',') {
		name, params := sfItem(item)
		r, okR := params["r"]
		t, okT := params["t"]
		if !okR || !okT || t > maxRateLimitSeconds {
			continue
		}
		cand := RateLimit{Known: true, Remaining: r, Reset: time.Duration(t) * time.Second}
		if !best.Known || binds(cand, best) {
			best, bestName = cand, name
		}
	}
	if !best.Known {
		return RateLimit{}
	}
	for _, item := range splitOutsideQuotes(policies, ',') {
		name, params := sfItem(item)
		if name != bestName {
			continue
		}
		if q, ok := params["q"]; ok {
			best.Quota = q
		}
		if w, ok := params["w"]; ok && w <= maxRateLimitSeconds {
			best.Window = time.Duration(w) * time.Second
		}
		break
	}
	return best
}

// binds reports whether a leaves fewer requests per second than b until
// their resets: a.Remaining/a.Reset < b.Remaining/b.Reset, compared without
// division (a reset of 0 counts as one second).
func binds(a, b RateLimit) bool {
	at, bt := max(a.Reset, time.Second), max(b.Reset, time.Second)
	return float64(a.Remaining)*float64(bt) < float64(b.Remaining)*float64(at)
}

// sfItem splits one structured-field list member, `"name"; k=v; k2=v2` or
// `name;k=v`, into its name and its non-negative integer parameters.
func sfItem(s string) (name string, params map[string]int) {
	parts := splitOutsideQuotes(s, ';')
	if len(parts) == 0 {
		return "", nil
	}
	name = strings.Trim(strings.TrimSpace(parts[0]), `"`)
	params = make(map[string]int, len(parts)-1)
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		if n, ok := sfInt(v); ok {
			params[strings.ToLower(strings.TrimSpace(k))] = n
		}
	}
	return name, params
}

// sfInt reads a non-negative integer of at most 15 digits, as structured
// fields allow.
func sfInt(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 15 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// splitOutsideQuotes splits s at each sep that is not inside a quoted
// string.
func splitOutsideQuotes(s string, sep byte) []string {
	if s == "" {
		return nil
	}
	var out []string
	quoted, escaped, from := false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			out = append(out, s[from:i])
			from = i + 1
		}
	}
	return append(out, s[from:])
}
