package anchortest

import (
	"net"
	"net/http"
	"sync"
)

// conns keeps the state of every connection the server has accepted, so
// that Close can cut at once those that carry no request: a connection that
// was opened and never used, or one idle between requests. net/http's
// Shutdown closes idle connections too, but counts one that never sent a
// request as busy for its first five seconds, so a client that dialled
// ahead of need would hold Close up that long.
//
// Its methods are safe for concurrent use.
type conns struct {
	mu    sync.Mutex
	state map[net.Conn]http.ConnState // connections not yet closed or hijacked
	// closing is set by cutQuiet: from then on a connection that is new or
	// turns idle is cut as soon as it reports so.
	closing bool
	// cutting holds the connections cutQuiet cut that have not yet
	// reported closed; drained is closed once it is empty.
	cutting map[net.Conn]struct{}
	drained chan struct{}
}

func newConns() *conns {
	return &conns{state: make(map[net.Conn]http.ConnState)}
}

// quiet reports whether a connection in state st carries no request, so
// that cutting it loses nothing.
func quiet(st http.ConnState) bool {
	return st == http.StateNew || st == http.StateIdle
}

// track is the server's http.Server.ConnState hook.
func (cs *conns) track(c net.Conn, st http.ConnState) {
	cs.mu.Lock()
	cutNow := false
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(cs.state, c)
		if _, ok := cs.cutting[c]; ok {
			delete(cs.cutting, c)
			if len(cs.cutting) == 0 {
				close(cs.drained)
			}
		}
	default:
		cs.state[c] = st
		cutNow = cs.closing && quiet(st)
	}
	cs.mu.Unlock()
	if cutNow {
		_ = c.Close()
	}
}

// cutQuiet closes every connection that carries no request, and every one
// that reports so from now on. It returns a channel that is closed once all
// the connections it closed have reported closed: the server's goroutines
// for them are done.
func (cs *conns) cutQuiet() <-chan struct{} {
	cs.mu.Lock()
	cs.closing = true
	cs.drained = make(chan struct{})
	cs.cutting = make(map[net.Conn]struct{})
	for c, st := range cs.state {
		if quiet(st) {
			cs.cutting[c] = struct{}{}
		}
	}
	if len(cs.cutting) == 0 {
		close(cs.drained)
	}
	toCut := make([]net.Conn, 0, len(cs.cutting))
	for c := range cs.cutting {
		toCut = append(toCut, c)
	}
	cs.mu.Unlock()
	for _, c := range toCut {
		_ = c.Close()
	}
	return cs.drained
}
