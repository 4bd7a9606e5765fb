// Package heapsample measures the memory a fan-out of waits holds, for the
// benchmarks that wait for thousands of executions inside a
// testing/synctest bubble, where its sampling ticks in fake time.
package heapsample

import (
	"runtime"
	"time"
)

// Result is what a Sampler measured.
type Result struct {
	PeakHeap     uint64  // the most heap in use at any sample, in bytes
	PerItem      float64 // heap and stacks per item at the second sample, over the baseline
	StackPerItem float64 // goroutine stacks per item at the second sample, over the baseline
}

// Sampler samples the heap in a goroutine of its own until Stop. Its
// methods are for the goroutine that started it.
type Sampler struct {
	stop chan struct{}
	done chan Result
}

// Start records the baseline (after a collection), then samples the heap at
// once and every interval: the peak in use, and at the second sample, once
// the first round of work is in flight, the memory per item of n.
func Start(n int, every time.Duration) *Sampler {
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	s := &Sampler{stop: make(chan struct{}), done: make(chan Result, 1)}
	go func() {
		var r Result
		var ms runtime.MemStats
		t := time.NewTicker(every)
		defer t.Stop()
		for i := 0; ; i++ {
			runtime.ReadMemStats(&ms)
			r.PeakHeap = max(r.PeakHeap, ms.HeapInuse)
			if i == 1 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				r.PerItem = float64(ms.HeapInuse+ms.StackInuse-base.HeapInuse-base.StackInuse) / float64(n)
				r.StackPerItem = float64(ms.StackInuse-base.StackInuse) / float64(n)
			}
			select {
			case <-s.stop:
				s.done <- r
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends the sampling and returns what it measured. It blocks until the
// sampling goroutine has ended.
func (s *Sampler) Stop() Result {
	close(s.stop)
	return <-s.done
}
