package webhook

import (
	"sync"
	"time"
)

// seenSet remembers event IDs for at least ttl after they are first seen,
// and at most max of them: once full, the oldest is forgotten first. It is
// safe for concurrent use.
type seenSet struct {
	ttl time.Duration
	max int

	mu   sync.Mutex
	ids  map[string]struct{}
	fifo []seenEntry // in order of first sight; fifo[head:] are live
	head int
}

type seenEntry struct {
	id string
	at time.Time
}

func newSeenSet(ttl time.Duration, max int) *seenSet {
	return &seenSet{ttl: ttl, max: max, ids: make(map[string]struct{})}
}

// add records id as seen at now and reports whether it is new.
func (s *seenSet) add(id string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Forget what is older than ttl. Entries are in order of arrival; a
	// clock that went back leaves some later than they need be, never
	// earlier.
	for s.head < len(s.fifo) && now.Sub(s.fifo[s.head].at) >= s.ttl {
		s.pop()
	}
	if _, dup := s.ids[id]; dup {
		return false
	}
	if len(s.ids) >= s.max {
		s.pop()
	}
	s.ids[id] = struct{}{}
	s.fifo = append(s.fifo, seenEntry{id: id, at: now})
	return true
}

// pop forgets the oldest entry, and compacts the queue once its dead part
// is the larger.
func (s *seenSet) pop() {
	delete(s.ids, s.fifo[s.head].id)
	s.fifo[s.head] = seenEntry{}
	s.head++
	if s.head >= 1024 && s.head*2 >= len(s.fifo) {
		n := copy(s.fifo, s.fifo[s.head:])
		clear(s.fifo[n:])
		s.fifo = s.fifo[:n]
		s.head = 0
	}
}

// len returns how many IDs are remembered.
func (s *seenSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}
