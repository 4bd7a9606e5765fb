//go:build linux

package main

import (
	"context"
	"flag"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client/anchortest"
)

// BenchmarkRSS measures the peak resident memory of the built anchor-wait
// (the child process alone: the fake API runs in the test process) while
// it waits over loopback HTTP:
//
//   - outputs=200x1MiB: 200 executions that each end success with an
//     output of 1 MiB, in each --output format: what anchor-wait holds of
//     the outputs;
//   - execs=10000: 10,000 executions that end within 10 s, polled from
//     250 ms up to 2.4 s apart: what anchor-wait holds per execution
//     (target: at most 100 MiB).
//
// It reports peak-rss-MiB (GNU time's %M for the binary alone) and wall-s.
// Run it with
//
//	go test ./cmd/anchor-wait -run '^$' -bench RSS -benchtime 1x
//
// and add -rss.bin PATH to measure another build of anchor-wait (an
// earlier commit's, say) the same way.
func BenchmarkRSS(b *testing.B) {
	big := strings.Repeat("a", 1<<20)
	for _, format := range []string{formatText, formatJSONL, formatJSON} {
		b.Run("outputs=200x1MiB/output="+format, func(b *testing.B) {
			srv := anchortest.NewServer(anchortest.WithAPIKey(testKey))
			defer srv.Close()
			ids := make([]string, 200)
			for i := range ids {
				ids[i] = srv.AddExecution(testTask, anchortest.Succeed(0, 0, big))
			}
			args := []string{"--quiet", "--output", format, "--timeout", "5m", testTask, "-"}
			measureRSS(b, fakeEnv(srv), ids, args)
		})
	}
	b.Run("execs=10000", func(b *testing.B) {
		srv := anchortest.NewServer(anchortest.WithAPIKey(testKey))
		defer srv.Close()
		rng := rand.New(rand.NewPCG(10, 10))
		ids := make([]string, 10_000)
		for i := range ids {
			finish := time.Second + time.Duration(rng.Int64N(int64(9*time.Second)))
			queued := finish / 4
			ids[i] = srv.AddExecution(testTask, anchortest.Succeed(queued, finish-queued, `{"ok":true}`))
		}
		args := []string{"--quiet", "--interval", "250ms", "--max-interval", "2400ms", "--timeout", "5m", testTask, "-"}
		measureRSS(b, fakeEnv(srv), ids, args)
	})
}

// rssBin is the anchor-wait that BenchmarkRSS measures; "" for the one
// built from this tree.
var rssBin = flag.String("rss.bin", "", "the anchor-wait binary BenchmarkRSS measures (default: the one built from this tree)")

// measureRSS runs the binary with args, the IDs on stdin, once per
// iteration, and reports the child's peak RSS and wall time of the last.
func measureRSS(b *testing.B, env map[string]string, ids, args []string) {
	b.Helper()
	if *rssBin != "" {
		saved := binPath
		binPath = *rssBin
		defer func() { binPath = saved }()
	}
	var rssKiB int64
	var wall time.Duration
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		cmd := binCommand(b, ctx, env, args...)
		cmd.Stdin = strings.NewReader(strings.Join(ids, "\n") + "\n")
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		peak := withPeakRSS(b, cmd)
		start := time.Now()
		err := cmd.Run()
		wall = time.Since(start)
		cancel()
		if err != nil {
			b.Fatalf("anchor-wait %s: %v", strings.Join(args, " "), err)
		}
		rss, ok := peak()
		if !ok {
			b.Skip("no GNU time to measure the peak RSS of anchor-wait alone")
		}
		rssKiB = rss >> 10
	}
	b.ReportMetric(float64(rssKiB)/1024, "peak-rss-MiB")
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(0, "ns/op")
	b.Logf("anchor-wait %s (%d IDs on stdin): peak RSS %.1f MiB, %.1fs", strings.Join(args, " "), len(ids), float64(rssKiB)/1024, wall.Seconds())
}
