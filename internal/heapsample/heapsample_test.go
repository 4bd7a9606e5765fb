package heapsample

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestSampler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := Start(1000, 10*time.Second)
		hold := make([][]byte, 1000)
		for i := range hold {
			hold[i] = make([]byte, 16<<10)
		}
		time.Sleep(15 * time.Second) // past the second sample
		r := s.Stop()
		if r.PeakHeap == 0 {
			t.Errorf("PeakHeap = 0, want the heap in use")
		}
		if r.PerItem < 15<<10 {
			t.Errorf("PerItem = %.0f B, want about the 16 KiB each item holds", r.PerItem)
		}
		_ = hold[len(hold)-1][0]
	})
}
