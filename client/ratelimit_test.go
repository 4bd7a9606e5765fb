package client

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRateLimit(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   RateLimit
	}{
		{"none", nil, RateLimit{}},
		{"the documented example", http.Header{
			"Ratelimit":        {`"5-in-1min"; r=0; t=58`},
			"Ratelimit-Policy": {`"5-in-1min"; q=5; w=60`},
		}, RateLimit{Known: true, Remaining: 0, Reset: 58 * time.Second, Quota: 5, Window: time.Minute}},
		{"no policy", http.Header{"Ratelimit": {`"default";r=50;t=30`}},
			RateLimit{Known: true, Remaining: 50, Reset: 30 * time.Second}},
		{"token name, no spaces", http.Header{"Ratelimit": {`burst;r=3;t=1`}, "Ratelimit-Policy": {`burst;q=10;w=1`}},
			RateLimit{Known: true, Remaining: 3, Reset: time.Second, Quota: 10, Window: time.Second}},
		{"the policy that binds hardest wins", http.Header{
			"Ratelimit":        {`"day";r=500;t=3600, "burst";r=1;t=10`},
			"Ratelimit-Policy": {`"day";q=1000;w=86400, "burst";q=5;w=10`},
		}, RateLimit{Known: true, Remaining: 1, Reset: 10 * time.Second, Quota: 5, Window: 10 * time.Second}},
		{"policies in separate header lines", http.Header{
			"Ratelimit": {`"a";r=9;t=1`, `"b";r=2;t=1`},
		}, RateLimit{Known: true, Remaining: 2, Reset: time.Second}},
		{"a comma inside a name", http.Header{"Ratelimit": {`"5,in";r=4;t=2`}, "Ratelimit-Policy": {`"5,in";q=5;w=2`}},
			RateLimit{Known: true, Remaining: 4, Reset: 2 * time.Second, Quota: 5, Window: 2 * time.Second}},
		{"upper-case parameter names", http.Header{"Ratelimit": {`"x"; R=7; T=5`}},
			RateLimit{Known: true, Remaining: 7, Reset: 5 * time.Second}},
		{"r without t is unknown", http.Header{"Ratelimit": {`"x";r=1`}}, RateLimit{}},
		{"negative r is unknown", http.Header{"Ratelimit": {`"x";r=-1;t=5`}}, RateLimit{}},
		{"t of centuries is unknown", http.Header{"Ratelimit": {`"x";r=1;t=99999999999`}}, RateLimit{}},
		{"garbage", http.Header{"Ratelimit": {`;;,,"`}}, RateLimit{}},
		{"older draft", http.Header{"Ratelimit-Limit": {"100"}, "Ratelimit-Remaining": {"7"}, "Ratelimit-Reset": {"12"}},
			RateLimit{Known: true, Remaining: 7, Reset: 12 * time.Second, Quota: 100}},
		{"older draft without reset", http.Header{"Ratelimit-Remaining": {"7"}}, RateLimit{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRateLimit(tt.header); got != tt.want {
				t.Errorf("parseRateLimit(%v) = %+v, want %+v", tt.header, got, tt.want)
			}
		})
	}
}

func FuzzParseRateLimit(f *testing.F) {
	f.Add(`"5-in-1min"; r=0; t=58`, `"5-in-1min"; q=5; w=60`)
	f.Add(`"a";r=1;t=1, "b";r=2;t=0`, ``)
	f.Add(`"\"";r=1;t=1`, `x`)
	f.Fuzz(func(t *testing.T, limit, policy string) {
		rl := parseRateLimit(http.Header{"Ratelimit": {limit}, "Ratelimit-Policy": {policy}})
		if !rl.Known && rl != (RateLimit{}) {
			t.Fatalf("unknown rate limit with fields set: %+v", rl)
		}
		if rl.Remaining < 0 || rl.Reset < 0 || rl.Quota < 0 || rl.Window < 0 ||
			rl.Reset > maxRateLimitSeconds*time.Second || rl.Window > maxRateLimitSeconds*time.Second {
			t.Fatalf("out-of-range rate limit %+v from %q, %q", rl, limit, policy)
		}
	})
}
