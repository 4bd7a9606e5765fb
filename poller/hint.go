package poller

import (
	"strings"
	"time"
)

// hintAllEvery is how often, at most, a hint that names none of the
// waits makes them all due; hintSpread is the time over which they are
// then spread.
const (
	hintAllEvery = 30 * time.Second
	hintSpread   = 5 * time.Second
)

// Hint tells the Poller that something may have happened to the
// executions or runs whose IDs are among ids (the tokens of a webhook
// event, say: see webhook.Event.Tokens). Each of its waits for one of them
// is polled at once, within its budget, or as soon as the request under way
// for it is answered. When ids name none of its waits (the event is for
// something else, or names it in a way not recognized), every wait of the
// Poller is polled soon, spread over a few seconds, at most once every 30
// seconds. A hint is never an outcome: the poll that follows decides.
//
// IDs are matched exactly and in lower case. Hint is safe for concurrent
// use and does not block on requests; it returns at once. Pair it with
// WithHints, so that the waits rely on hints and poll seldom.
func (p *Poller) Hint(ids ...string) {
	p.liveMu.Lock()
	ws := make([]*waiting, 0, len(p.live))
	for w := range p.live {
		ws = append(ws, w)
	}
	p.liveMu.Unlock()
	now := time.Now()
	named := false
	for _, w := range ws {
		if w.hint(ids, now) {
			named = true
		}
	}
	if named || len(ws) == 0 {
		return
	}
	last := p.hintedAll.Load()
	if now.UnixNano()-last < int64(hintAllEvery) || !p.hintedAll.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	for _, w := range ws {
		w.hintAll(now)
	}
}

// hint makes the waits for ids due at now, and reports whether any was.
func (w *waiting) hint(ids []string, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	hit := false
	for _, id := range ids {
		e := w.byID[id]
		if e == nil {
			e = w.byID[strings.ToLower(id)]
		}
		if e == nil || e.finished {
			continue
		}
		hit = true
		w.dueAt(e, now)
	}
	return hit
}

// hintAll makes every wait due by now plus a share of hintSpread.
func (w *waiting) hintAll(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.entries)
	for i, e := range w.entries {
		if !e.finished {
			w.dueAt(e, now.Add(hintSpread*time.Duration(i)/time.Duration(max(n, 1))))
		}
	}
}

// dueAt brings e's next poll forward to t: at once when e is queued, or
// once the job that holds it lets it go. w.mu must be held.
func (w *waiting) dueAt(e *entry, t time.Time) {
	if e.pos < 0 {
		e.hinted = true
		return
	}
	if t.UnixNano() < e.due {
		w.queue.remove(e)
		w.queue.push(e, t)
	}
}

// register makes w reachable by Hint while it runs.
func (p *Poller) register(w *waiting) func() {
	p.liveMu.Lock()
	p.live[w] = struct{}{}
	p.liveMu.Unlock()
	return func() {
		p.liveMu.Lock()
		delete(p.live, w)
		p.liveMu.Unlock()
	}
}
