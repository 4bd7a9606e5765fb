package anchortest

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Auth is what a request's anchor-api-key header held. The key itself is
// never recorded.
type Auth uint8

const (
	// AuthOK is the server's key.
	AuthOK Auth = iota
	// AuthMissing is no key, or an empty one.
	AuthMissing
	// AuthWrong is a key other than the server's.
	AuthWrong
)

// String returns "ok", "missing" or "wrong".
func (a Auth) String() string {
	switch a {
	case AuthOK:
		return "ok"
	case AuthMissing:
		return "missing"
	case AuthWrong:
		return "wrong"
	}
	return "unknown"
}

// Request is the record of one request the server answered (or dropped).
type Request struct {
	// Seq numbers requests in order of arrival, from 1.
	Seq int64
	// Time is when the request arrived (fake time inside a synctest bubble).
	Time time.Time
	// Duration is how long the server took to answer, delays included.
	Duration time.Duration
	// Method and Path are the request's, such as GET and
	// /v1/task/{taskId}/executions/{executionId}.
	Method, Path string
	// Query is the request's query string, without the '?': the page and
	// limit of a list, say.
	Query string
	// Op is the endpoint the path names, "" for none.
	Op Operation
	// TaskID and ExecutionID are the IDs the request named, "" when it named
	// none. For POST /v1/task/run, ExecutionID is the execution it started.
	TaskID, ExecutionID string
	// RunID is the v2 run the request named, "" for none. For
	// POST /v2/tasks/{taskId}/run it is the run it started.
	RunID string
	// Status is the HTTP status sent, or 0 when no answer was sent: the
	// connection was dropped, or the client gave up during a delay.
	Status int
	// Auth says whether the API key was right, missing or wrong.
	Auth Auth
	// Fault is true when a Fault shaped the answer.
	Fault bool
}

// recorder keeps request records and counters. It is safe for concurrent use.
type recorder struct {
	seq         atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	connsOpened atomic.Int64
	connsOpen   atomic.Int64
	faults      atomic.Int64

	// limit is the most records kept: the latest to end replace the
	// oldest. It is negative for no limit, and 0 keeps none. It is set
	// before the server starts and never changes.
	limit int

	mu sync.Mutex
	// chunks hold the records in fixed-size blocks, so keeping hundreds of
	// thousands never copies the earlier ones. With a limit they form a
	// ring: record number i (counting from 0) is in slot i%limit.
	chunks [][]Request
	n      int // records ever kept, including those since replaced
}

// chunkSize is the number of records per block.
const chunkSize = 4096

// begin counts a request in and returns its sequence number.
func (r *recorder) begin() int64 {
	n := r.inFlight.Add(1)
	for {
		m := r.maxInFlight.Load()
		if n <= m || r.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	return r.seq.Add(1)
}

// end counts a request out and keeps its record, unless the limit is 0.
func (r *recorder) end(req *Request) {
	r.inFlight.Add(-1)
	if req.Fault {
		r.faults.Add(1)
	}
	if r.limit == 0 {
		return
	}
	r.mu.Lock()
	slot := r.n
	if r.limit > 0 {
		slot %= r.limit
	}
	c, i := slot/chunkSize, slot%chunkSize
	if c == len(r.chunks) {
		size := chunkSize
		if r.limit > 0 {
			size = min(size, r.limit-c*chunkSize) // the ring's last block may be shorter
		}
		r.chunks = append(r.chunks, make([]Request, size))
	}
	r.chunks[c][i] = *req
	r.n++
	r.mu.Unlock()
}

// requests returns a copy of the records kept, in order of arrival, those
// for which keep returns true.
func (r *recorder) requests(keep func(*Request) bool) []Request {
	r.mu.Lock()
	first := 0 // the oldest record still kept
	if r.limit >= 0 {
		first = max(r.n-r.limit, 0)
	}
	var out []Request
	if keep == nil {
		out = make([]Request, 0, r.n-first)
	}
	for k := first; k < r.n; k++ {
		slot := k
		if r.limit > 0 {
			slot %= r.limit
		}
		if rec := &r.chunks[slot/chunkSize][slot%chunkSize]; keep == nil || keep(rec) {
			out = append(out, *rec)
		}
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b Request) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// Stats are the server's counters at one moment.
type Stats struct {
	Requests          int // requests received, answered or not yet
	InFlight          int // requests being handled now
	MaxInFlight       int // the most requests handled at once
	Faults            int // answered requests that a Fault shaped
	ConnectionsOpened int // connections accepted
	ConnectionsOpen   int // connections accepted and not yet closed or dropped
}

func (r *recorder) stats() Stats {
	return Stats{
		Requests:          int(r.seq.Load()),
		InFlight:          int(r.inFlight.Load()),
		MaxInFlight:       int(r.maxInFlight.Load()),
		Faults:            int(r.faults.Load()),
		ConnectionsOpened: int(r.connsOpened.Load()),
		ConnectionsOpen:   int(r.connsOpen.Load()),
	}
}
