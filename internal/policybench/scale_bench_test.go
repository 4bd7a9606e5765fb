package policybench_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/poller"
)

// The scale benchmark's parameters: 10,000 executions that end within 10 s,
// polled on a short schedule: from 250 ms, growing to 2 s before jitter, so
// no delay is above 2.4 s with the default ±20 % jitter (the schedule of the
// runs recorded before the max interval came to include the jitter).
const (
	scaleExecs     = 10_000
	scaleMinFinish = time.Second
	scaleMaxFinish = 10 * time.Second
	scaleInitial   = 250 * time.Millisecond
	scaleMax       = 2400 * time.Millisecond
	scaleSeed      = 10
)

// BenchmarkScale waits with one WaitAll for 10,000 executions that end
// within 10 s, in real time, over real loopback HTTP against
// anchortest.NewServer, polling from 250 ms up to 2.4 s apart. The client's
// transport and the Poller share one bound on requests in flight (the
// sub-benchmark's concurrency). One op is the whole WaitAll. It reports:
//
//	requests        requests the fake answered
//	req/exec        requests per execution
//	peak-in-flight  the most requests the fake served at once
//	conns-opened    connections the fake accepted (target: concurrency + a few)
//	peak-rss-MB     the process's peak resident memory (VmHWM; target < 150)
//	peak-heap-MB    the most Go heap and goroutine stack memory in use,
//	peak-stack-MB   sampled every 250 ms
//	cpu-s           CPU seconds, user plus system
//	wall-s          real seconds of the WaitAll
//	lag-p50-s       real seconds from an execution's end to its wait's end
//	lag-p99-s
//
// The fake runs in the same process, so memory and CPU include its share.
// Run it with
//
//	go test ./poller -run '^$' -bench Scale
func BenchmarkScale(b *testing.B) {
	limit, limitErr := openFileLimit()
	for _, conc := range []int{poller.DefaultConcurrency, 64} {
		b.Run(fmt.Sprintf("execs=%d/concurrency=%d", scaleExecs, conc), func(b *testing.B) {
			if limitErr == nil {
				b.Logf("open file limit (ulimit -n): %d; the client's transport opens at most %d connections", limit, conc)
			}
			var m scaleResult
			for b.Loop() {
				m = runScale(b, conc)
			}
			b.ReportMetric(float64(m.requests), "requests")
			b.ReportMetric(float64(m.requests)/scaleExecs, "req/exec")
			b.ReportMetric(float64(m.peakInFlight), "peak-in-flight")
			b.ReportMetric(float64(m.connsOpened), "conns-opened")
			b.ReportMetric(float64(m.peakRSSKiB)/1024, "peak-rss-MB")
			b.ReportMetric(float64(m.peakHeap)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(m.peakStack)/(1<<20), "peak-stack-MB")
			b.ReportMetric(m.cpu.Seconds(), "cpu-s")
			b.ReportMetric(m.wall.Seconds(), "wall-s")
			b.ReportMetric(m.lagP50, "lag-p50-s")
			b.ReportMetric(m.lagP99, "lag-p99-s")
			if !m.rssReset {
				b.Log("peak RSS could not be reset before the run: it may include earlier runs in this process")
			}
		})
	}
}

// scaleResult is what one run of the scale benchmark measured.
type scaleResult struct {
	requests, peakInFlight, connsOpened int
	peakRSSKiB                          int64
	peakHeap, peakStack                 uint64 // bytes
	rssReset                            bool
	cpu, wall                           time.Duration
	lagP50, lagP99                      float64
}

// runScale runs the scale benchmark once with the given bound on requests
// in flight.
func runScale(b *testing.B, concurrency int) scaleResult {
	b.Helper()
	var res scaleResult
	res.rssReset = resetPeakRSS() == nil
	cpu0, cpuErr := cpuTime()

	s := anchortest.NewServer()
	defer s.Close()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = concurrency
	defer transport.CloseIdleConnections()
	c, err := client.New(s.APIKey(), client.WithBaseURL(s.URL), client.WithHTTPClient(&http.Client{Transport: transport}))
	if err != nil {
		b.Fatalf("client.New: %v", err)
	}

	rng := rand.New(rand.NewPCG(scaleSeed, 0))
	refs := make([]poller.Ref, scaleExecs)
	ends := make([]time.Time, scaleExecs)
	index := make(map[string]int, scaleExecs)
	for i := range refs {
		finish := scaleMinFinish + time.Duration(rng.Float64()*float64(scaleMaxFinish-scaleMinFinish))
		queued := time.Duration(rng.Float64() * float64(finish) / 2)
		// Taken before the execution exists, so a lag is never understated.
		ends[i] = time.Now().Add(finish)
		id := s.AddExecution(benchTaskID, anchortest.Succeed(queued, finish-queued, "done"))
		refs[i] = poller.Ref{TaskID: benchTaskID, ExecutionID: id}
		index[id] = i
	}

	done := make([]time.Time, scaleExecs)
	p, err := poller.New(c,
		poller.WithConcurrency(concurrency),
		poller.WithInitialInterval(scaleInitial),
		poller.WithMaxInterval(scaleMax),
		poller.WithRand(rand.New(rand.NewPCG(scaleSeed, 1)).Float64),
		poller.WithOnUpdate(func(u poller.Update) {
			if u.Kind == poller.UpdateDone {
				done[index[u.ExecutionID]] = u.Time // one write per index, read after WaitAll
			}
		}))
	if err != nil {
		b.Fatalf("poller.New: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	stopSampling := sampleMemory(250*time.Millisecond, &res.peakHeap, &res.peakStack)
	start := time.Now()
	results, err := p.WaitAll(ctx, refs)
	res.wall = time.Since(start)
	stopSampling()
	if err != nil {
		b.Fatalf("WaitAll: %v", err)
	}
	for i, r := range results {
		if r.Status() != client.StatusSuccess {
			b.Fatalf("execution %d: status %q, want success", i, r.Status())
		}
	}

	st := s.Stats()
	res.requests, res.peakInFlight, res.connsOpened = st.Requests, st.MaxInFlight, st.ConnectionsOpened
	if res.peakRSSKiB, err = peakRSS(); err != nil {
		b.Logf("peak RSS not measured: %v", err)
	}
	if cpu1, err := cpuTime(); err == nil && cpuErr == nil {
		res.cpu = cpu1 - cpu0
	} else {
		b.Logf("CPU time not measured: %v", firstNonNil(err, cpuErr))
	}
	lags := make([]float64, scaleExecs)
	for i := range lags {
		lags[i] = max(done[i].Sub(ends[i]), 0).Seconds()
	}
	res.lagP50, res.lagP99 = benchQuantile(lags, 0.50), benchQuantile(lags, 0.99)
	return res
}

// sampleMemory samples the Go runtime's heap and stack memory in use every
// period, keeping the largest values in *heap and *stack, until the function
// it returns is called; that function returns once sampling has stopped.
func sampleMemory(period time.Duration, heap, stack *uint64) (stop func()) {
	quit, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(period)
		defer ticker.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			*heap = max(*heap, ms.HeapInuse)
			*stack = max(*stack, ms.StackInuse)
			select {
			case <-quit:
				return
			case <-ticker.C:
			}
		}
	}()
	return func() {
		close(quit)
		<-stopped
	}
}

// firstNonNil returns the first of errs that is not nil.
func firstNonNil(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// resetPeakRSS resets the process's peak resident set size (VmHWM) to its
// current size, by writing 5 to /proc/self/clear_refs (Linux 4.0 and later).
func resetPeakRSS() error {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS returns the process's peak resident set size in KiB, from
// /proc/self/status.
func peakRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseVmHWM(bufio.NewScanner(f))
}

// parseVmHWM returns the VmHWM value, in KiB, of a /proc/PID/status text
// read through sc.
func parseVmHWM(sc *bufio.Scanner) (int64, error) {
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("VmHWM line %q: want a number of kB", sc.Text())
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmHWM line %q: %w", sc.Text(), err)
		}
		return n, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmHWM line in the status text")
}
