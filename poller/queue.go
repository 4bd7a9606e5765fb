package poller

import (
	"container/heap"
	"time"
)

// queue holds the waiting executions of one WaitAll (or Wait) in the order
// they are due. It is not safe for concurrent use: its waiting's mutex
// guards it.
//
// The dispatcher takes entries as they come due (see waiting.next), so
// however many executions wait, the one due first is polled first, and
// the ten-thousandth is polled as promptly as the first.
type queue struct {
	entries entryHeap
	seq     uint64 // push order, which breaks ties between equal due times
	pending int    // entries not yet finished, queued or not
	wake    chan struct{}
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

// push queues e to be polled at due, and wakes the dispatcher when e is
// now the first due.
func (q *queue) push(e *entry, due time.Time) {
	e.due, e.seq = due.UnixNano(), q.seq
	q.seq++
	heap.Push(&q.entries, e)
	if q.entries[0] == e {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

// remove takes e out of the queue, if it is in it.
func (q *queue) remove(e *entry) {
	if e.pos >= 0 {
		heap.Remove(&q.entries, e.pos)
	}
}

// first returns the entry due first and how long until it is due, or nil.
func (q *queue) first() (*entry, time.Duration) {
	if len(q.entries) == 0 {
		return nil, 0
	}
	e := q.entries[0]
	return e, time.Duration(e.due - time.Now().UnixNano())
}

// pop removes the entry due first.
func (q *queue) pop() *entry { return heap.Pop(&q.entries).(*entry) }

// finish counts an entry as finished, and reports whether it was the last.
func (q *queue) finish() bool {
	q.pending--
	if q.pending == 0 {
		close(q.done)
		return true
	}
	return false
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
