package poller

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// queue holds the waiting executions of one WaitAll (or Wait) in the order
// they are due. It is safe for concurrent use: one goroutine takes entries
// with next, any number push them back.
//
// next blocks until the earliest entry is due, so however many executions
// wait, the one due first is polled first, and the ten-thousandth is polled
// as promptly as the first. Entries being polled
// are out of the queue; an entry is either queued, in a worker's hands, or
// parked (no poll fits before the deadline) until the wait ends.
type queue struct {
	mu      sync.Mutex
	entries entryHeap
	seq     uint64        // push order, which breaks ties between equal due times
	pending int           // entries not yet finished, queued or not
	wake    chan struct{} // next re-reads the queue; capacity 1
	done    chan struct{} // closed once pending reaches 0
}

func newQueue(n int) *queue {
	q := &queue{
		entries: make(entryHeap, 0, n),
		pending: n,
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	if n == 0 {
		close(q.done)
	}
	return q
}

// push queues e to be polled at due.
func (q *queue) push(e *entry, due time.Time) {
	q.mu.Lock()
	e.due, e.seq = due.UnixNano(), q.seq
	q.seq++
	heap.Push(&q.entries, e)
	first := q.entries[0] == e
	q.mu.Unlock()
	if first {
		// e is due before whatever next sleeps until.
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

// finish counts an entry as finished; once every entry is, next returns
// nil.
func (q *queue) finish() {
	q.mu.Lock()
	q.pending--
	last := q.pending == 0
	q.mu.Unlock()
	if last {
		close(q.done)
	}
}

// next blocks until the earliest queued entry is due, removes it and
// returns it. It returns nil once every entry has finished, or when ctx
// ends. timer is the caller's own, stopped or expired; it is left so.
func (q *queue) next(ctx context.Context, timer *time.Timer) *entry {
	for {
		q.mu.Lock()
		var wait time.Duration
		if len(q.entries) > 0 {
			e := q.entries[0]
			if wait = time.Duration(e.due - time.Now().UnixNano()); wait <= 0 {
				heap.Pop(&q.entries)
				q.mu.Unlock()
				return e
			}
		}
		q.mu.Unlock()
		var fire <-chan time.Time // nil: nothing queued, wait for a push
		if wait > 0 {
			timer.Reset(wait)
			fire = timer.C
		}
		select {
		case <-fire:
		case <-q.wake:
		case <-q.done:
			timer.Stop()
			return nil
		case <-ctx.Done():
			timer.Stop()
			return nil
		}
		timer.Stop()
	}
}

// entryHeap is a min-heap of entries by due time, then push order.
type entryHeap []*entry

func (h entryHeap) Len() int { return len(h) }
func (h entryHeap) Less(i, j int) bool {
	if h[i].due != h[j].due {
		return h[i].due < h[j].due
	}
	return h[i].seq < h[j].seq
}
func (h entryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos, h[j].pos = i, j
}
func (h *entryHeap) Push(x any) {
	e := x.(*entry)
	e.pos = len(*h)
	*h = append(*h, e)
}
func (h *entryHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	e.pos = -1
	*h = old[:n-1]
	return e
}
