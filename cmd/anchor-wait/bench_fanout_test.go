//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client/anchortest"
)

// The loopback fan-out: the built anchor-wait waits for 10,000 executions
// of one task, in real time, over HTTP on 127.0.0.1, against anchortest.
const (
	fanOutExecs = 10_000
	// fanOutOver is how long the executions start over (queued until
	// then), and fanOutMaxRun the longest any runs: the policy benchmark's
	// fan-out is 10 minutes and up to an hour, shortened here to keep a run
	// to a few minutes of real time.
	fanOutOver   = 2 * time.Minute
	fanOutMaxRun = 2 * time.Minute
)

// BenchmarkFanOutLoopback measures the built anchor-wait waiting for
// 10,000 executions of one task over loopback HTTP: the executions are
// added at once and start at uniformly random moments over 2 minutes, then
// run log-normal(median 30 s, sigma 1) clamped to [1 s, 2 min], and the
// command waits for them all with its default flags and --output jsonl.
// Three servers:
//
//   - limit=none: anchortest as it is, and anchor-wait without a limit;
//   - limit=rate-10: the same, and anchor-wait --rate 10;
//   - limit=server-10-untold: a server that allows 10 requests a second
//     (burst 10) and answers 429 past that, with Retry-After but no
//     RateLimit headers, and anchor-wait without a limit.
//
// It reports req/exec (every request the server received, 429s included),
// 429-pct (the share of them answered 429), lag-p50-s and lag-p99-s (from
// an execution's end to its line on stdout, as the test reads it),
// peak-rss-MiB (the binary alone, GNU time's %M) and wall-s. Run it with
//
//	go test ./cmd/anchor-wait -run '^$' -bench FanOutLoopback -benchtime 1x -timeout 30m
func BenchmarkFanOutLoopback(b *testing.B) {
	cases := []struct {
		name  string
		opts  []anchortest.Option
		flags []string
	}{
		{"limit=none", nil, nil},
		{"limit=rate-10", nil, []string{"--rate", "10"}},
		{"limit=server-10-untold", []anchortest.Option{anchortest.WithRateLimit(10, 10, false)}, nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				r := fanOutOnce(b, c.opts, c.flags)
				b.ReportMetric(float64(r.requests)/fanOutExecs, "req/exec")
				b.ReportMetric(100*float64(r.limited)/float64(max(r.requests, 1)), "429-pct")
				b.ReportMetric(r.lagP50.Seconds(), "lag-p50-s")
				b.ReportMetric(r.lagP99.Seconds(), "lag-p99-s")
				b.ReportMetric(float64(r.rss)/(1<<20), "peak-rss-MiB")
				b.ReportMetric(r.wall.Seconds(), "wall-s")
				b.ReportMetric(0, "ns/op")
			}
		})
	}
}

// fanOutRun is what one loopback fan-out measured.
type fanOutRun struct {
	requests, limited int
	lagP50, lagP99    time.Duration
	rss               int64
	wall              time.Duration
}

// fanOutOnce runs the loopback fan-out once on a server made with opts,
// with anchor-wait's extra flags.
func fanOutOnce(b *testing.B, opts []anchortest.Option, flags []string) fanOutRun {
	b.Helper()
	srv := anchortest.NewServer(append([]anchortest.Option{anchortest.WithAPIKey(testKey)}, opts...)...)
	defer srv.Close()
	rng := rand.New(rand.NewPCG(11, 11))
	ids := make([]string, fanOutExecs)
	ends := make(map[string]time.Time, fanOutExecs)
	for i := range ids {
		queued := time.Duration(rng.Float64() * float64(fanOutOver))
		running := time.Duration(float64(30*time.Second) * math.Exp(rng.NormFloat64()))
		running = min(max(running, time.Second), fanOutMaxRun)
		added := time.Now()
		ids[i] = srv.AddExecution(testTask, anchortest.Succeed(queued, running, `{"ok":true}`))
		ends[ids[i]] = added.Add(queued + running)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	args := append([]string{"--quiet", "--output", "jsonl", "--timeout", "15m"}, flags...)
	args = append(args, testTask, "-")
	cmd := binCommand(b, ctx, fakeEnv(srv), args...)
	cmd.Stdin = strings.NewReader(strings.Join(ids, "\n") + "\n")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	peak := withPeakRSS(b, cmd)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var lags []time.Duration
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		now := time.Now()
		var line struct {
			ExecutionID string `json:"executionId"`
			Status      string `json:"status"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			b.Fatalf("a line of stdout is not a result: %v: %q", err, sc.Text())
		}
		if line.Status != "success" {
			b.Errorf("execution %s: status %q, want success", line.ExecutionID, line.Status)
		}
		lags = append(lags, now.Sub(ends[line.ExecutionID]))
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("anchor-wait %s: %v", strings.Join(args, " "), err)
	}
	wall := time.Since(start)
	if len(lags) != fanOutExecs {
		b.Fatalf("%d results, want %d", len(lags), fanOutExecs)
	}
	r := fanOutRun{requests: srv.Stats().Requests, wall: wall}
	for _, q := range srv.Requests() {
		if q.Status == http.StatusTooManyRequests {
			r.limited++
		}
	}
	slices.Sort(lags)
	r.lagP50, r.lagP99 = lags[len(lags)/2], lags[len(lags)*99/100]
	if rss, ok := peak(); ok {
		r.rss = rss
	}
	b.Logf("anchor-wait %s: %d requests (%d answered 429) for %d executions, lag p50 %v p99 %v max %v, peak RSS %.1f MiB, %v",
		strings.Join(args, " "), r.requests, r.limited, fanOutExecs, r.lagP50.Round(time.Millisecond), r.lagP99.Round(time.Millisecond),
		lags[len(lags)-1].Round(time.Millisecond), float64(r.rss)/(1<<20), wall.Round(time.Second))
	return r
}
