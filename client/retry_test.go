package client

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		retry int
		rnd   float64
		want  time.Duration
	}{
		{0, 0, 500 * time.Millisecond},
		{1, 0, time.Second},
		{2, 0, 2 * time.Second},
		{3, 0, 4 * time.Second},
		{4, 0, 8 * time.Second},
		{5, 0, 8 * time.Second},
		{1000, 0, 8 * time.Second},
		{-1, 0, 500 * time.Millisecond},
		{0, 0.5, 437500 * time.Microsecond},
		{4, 0.999999, 6000002 * time.Microsecond},
		{4, 1, 6 * time.Second}, // clamped: never below 75 %
		{0, 2, 375 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := backoffDelay(tt.retry, tt.rnd); got != tt.want {
			t.Errorf("backoffDelay(%d, %v) = %v, want %v", tt.retry, tt.rnd, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		wantOK bool
	}{
		{"none", nil, 0, false},
		{"ms", map[string]string{"retry-after-ms": "250"}, 250 * time.Millisecond, true},
		{"ms fraction", map[string]string{"retry-after-ms": "1.5"}, 1500 * time.Microsecond, true},
		{"ms wins over seconds", map[string]string{"retry-after-ms": "100", "Retry-After": "9"}, 100 * time.Millisecond, true},
		{"bad ms falls back to seconds", map[string]string{"retry-after-ms": "soon", "Retry-After": "2"}, 2 * time.Second, true},
		{"negative ms falls back", map[string]string{"retry-after-ms": "-5"}, 0, false},
		{"ms past a Duration is ignored", map[string]string{"retry-after-ms": "1e13"}, 0, false},
		{"ms at the bound", map[string]string{"retry-after-ms": "8589934592000"}, 8589934592 * time.Second, true},
		{"seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{"seconds with space", map[string]string{"Retry-After": " 7 "}, 7 * time.Second, true},
		{"zero seconds", map[string]string{"Retry-After": "0"}, 0, true},
		{"negative seconds", map[string]string{"Retry-After": "-1"}, 0, false},
		{"huge seconds", map[string]string{"Retry-After": "1e300"}, 0, false},
		{"http date", map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second, true},
		{"http date in the past", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{"garbage", map[string]string{"Retry-After": "tomorrow-ish"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			got, ok := parseRetryAfter(h, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseRetryAfter(%v) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	tests := []struct {
		name  string
		retry int
		wait  time.Duration
		has   bool
		want  time.Duration
	}{
		{"own backoff", 1, 0, false, time.Second},
		{"server wait", 1, 3 * time.Second, true, 3 * time.Second},
		{"server wait zero", 3, 0, true, 0},
		{"server wait at 60 s", 0, time.Minute, true, time.Minute},
		{"server wait over 60 s replaced", 2, 61 * time.Second, true, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryDelay(tt.retry, tt.wait, tt.has, 0); got != tt.want {
				t.Errorf("retryDelay(%d, %v, %v) = %v, want %v", tt.retry, tt.wait, tt.has, got, tt.want)
			}
		})
	}
}

func TestParseShouldRetry(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  string
	}{{"", "nil"}, {"true", "true"}, {"FALSE", "false"}, {"maybe", "nil"}} {
		h := http.Header{}
		if tt.value != "" {
			h.Set("x-should-retry", tt.value)
		}
		got := "nil"
		if b := parseShouldRetry(h); b != nil {
			got = map[bool]string{true: "true", false: "false"}[*b]
		}
		if got != tt.want {
			t.Errorf("x-should-retry %q: got %s, want %s", tt.value, got, tt.want)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "1", "1.5", "-1", "1e9", "1e13", "9.3e12", "NaN", "Inf", "Wed, 21 Oct 2015 07:28:00 GMT", "garbage"} {
		f.Add(s, s)
	}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, ms, after string) {
		h := http.Header{}
		h.Set("retry-after-ms", ms)
		h.Set("Retry-After", after)
		d, ok := parseRetryAfter(h, now)
		if d < 0 {
			t.Fatalf("parseRetryAfter(%q, %q) = %v, want a non-negative wait", ms, after, d)
		}
		if !ok && d != 0 {
			t.Fatalf("parseRetryAfter(%q, %q) = %v, false; want 0 when not ok", ms, after, d)
		}
		if got := retryDelay(0, d, ok, 0.5); got < 0 || got > maxServerWait {
			t.Fatalf("RetryDelay from %v = %v, want within [0, %v]", d, got, maxServerWait)
		}
	})
}
