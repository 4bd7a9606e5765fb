package poller

import (
	"errors"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// DefaultPageSize is how many executions a list page asks for (see
// WithPageSize).
const DefaultPageSize = 100

// MaxPageSize is the largest page WithPageSize takes.
const MaxPageSize = 1000

// listOffMax bounds how long a task's list is left alone after it failed.
const listOffMax = 5 * time.Minute

// pageBytes is about the most a page of a list should hold, in bytes of
// JSON: about what a GET of a large execution costs. A page in flight
// costs some multiple of it in memory (the body, and the executions made
// of it), so a task whose executions carry large outputs gets pages with
// fewer of them.
const pageBytes = 1 << 20

// pageBodyLimit caps the body of a page: over it, the page is refused
// after at most this much and asked again with a quarter of the
// executions (see taskState.listFailed).
const pageBodyLimit = 4 * pageBytes

// minSweepPage is the smallest page worth sweeping with: below it, the
// pages that find where executions stand cost about as many requests as
// a GET of each, and the task's executions are polled one by one.
const minSweepPage = 4

// taskState is what one WaitAll knows of one task: its waiting entries
// and its list. The waiting's mutex guards it.
type taskState struct {
	id      string
	entries []*entry
	waiting int // entries not finished
	limit   int // page size
	want    int // the page size asked for; limit is less for large executions
	total   int // the list's pagination.total when last seen; -1 before

	historyAsked bool // the task's first request went to its list, or will not
	// nextPage is the next page to read to find entries whose place in
	// the list is not known.
	nextPage int
	// reading holds the pages being read, each by one job, and discovery
	// how many of them look for entries whose place is not known.
	reading   map[int]bool
	discovery int
	// parked holds the entries waiting for a page being read (by its
	// number) or, under 0, for the pages that look for entries not placed
	// yet: the answer refreshes them, and any left over go back to the
	// queue.
	parked map[int][]*entry
	// listOffUntil is when the list may be asked again after failing
	// listFails times in a row.
	listOffUntil time.Time
	listFails    int
	// againAt is when the pages that look for entries not placed are read
	// again, once all were read and some were not found; againEvery is
	// the last wait for that.
	againAt    time.Time
	againEvery time.Duration
}

// fitPage sizes ts's pages by one that held n executions in size bytes of
// JSON: smaller while pages are over pageBytes, and back towards the size
// asked for once full pages are well under it.
func (ts *taskState) fitPage(n, size int) {
	switch {
	case n == 0:
	case size > pageBytes:
		ts.setLimit(max(min(ts.limit, n*pageBytes/size), 1))
	case n >= ts.limit && size <= pageBytes/4 && ts.limit < ts.want:
		ts.setLimit(min(ts.limit*2, ts.want))
	}
}

// fitPace raises the page size asked for to want, when want is more than
// a quarter over it (a pace that moves a little moves no page), and the
// page size with it, unless large executions hold it lower. It is never
// lowered: smaller pages would take more requests to cover the same
// executions.
func (ts *taskState) fitPace(want int) {
	if 4*want <= 5*ts.want {
		return
	}
	if ts.limit == ts.want {
		ts.setLimit(want)
	}
	ts.want = want
}

// setLimit makes n the page size, with the next page to read where the
// last one left off in the list.
func (ts *taskState) setLimit(n int) {
	from := (ts.nextPage - 1) * ts.limit
	ts.limit = n
	ts.nextPage = from/n + 1
}

func newTaskState(id string, limit int) *taskState {
	return &taskState{id: id, limit: limit, want: limit, total: -1, nextPage: 1, reading: make(map[int]bool), parked: make(map[int][]*entry)}
}

// job is one request: a GET of e, or a page of a task's list that answers
// for every member. The request is counted on e's account.
type job struct {
	e         *entry
	ts        *taskState
	page      int      // 0 for a GET of e
	limit     int      // the page's size
	discovery bool     // the page looks for entries not placed yet
	members   []*entry // held for the page, e first
}

// plan picks the cheapest request that answers for e, which has just come
// due, and holds the entries it answers for; or, when a request under way
// will answer for e, parks e on it and returns nil. w.mu must be held.
//
// A task's first request is a page of its list when the Poller keeps a
// history and has not read the task's yet: it tells how long the task's
// executions run, and answers for e, and for others of the task, when
// they are on it. Then, for a task with several waiting entries, e is
// refreshed with the page of the list it stands on, which answers for
// every waiting entry there too, due or not; entries whose place is not
// known are looked for in the pages not read yet, down to as many as the
// waiting entries fill (twice over, plus one), and past that polled one by
// one. An entry alone on its page, or of a task waited for alone, is
// polled with a GET. A page is read by one request at a time.
func (w *waiting) plan(e *entry) *job {
	e.held = true
	j := &job{e: e, members: []*entry{e}}
	ts := w.tasks[e.ref.TaskID] // nil for an execution by ID, or a run: they have no list
	if _, ok := w.p.api.(lister); !ok || ts == nil || time.Now().Before(ts.listOffUntil) {
		return j
	}
	if w.p.cfg.history && !ts.historyAsked {
		ts.historyAsked = true
		if !w.p.history.markListed(ts.id) {
			return w.pageJob(j, ts, 1, e.listPos < 0)
		}
	}
	if !w.p.cfg.sweeps || ts.waiting < 2 {
		return j
	}
	ts.fitPace(w.p.cfg.sweepPageSize(ts.waiting, w.p.budget.pace()))
	if ts.limit < minSweepPage {
		return j
	}
	if e.listPos < 0 {
		again := max(w.p.cfg.sweepInterval, w.p.cfg.policy.InitialInterval)
		switch page := ts.discoveryPage(time.Now(), again); {
		case page > 0:
			return w.pageJob(j, ts, page, true)
		case ts.discovery > 0:
			ts.park(e, 0) // a page being read may find it
			return nil
		}
		return j // not in the pages worth reading
	}
	page := ts.pageOf(e)
	if ts.reading[page] {
		ts.park(e, page)
		return nil
	}
	for _, x := range ts.entries {
		if x != e && !x.finished && !x.held && x.listPos >= 0 && ts.pageOf(x) == page {
			w.queue.remove(x)
			x.held = true
			j.members = append(j.members, x)
		}
	}
	if len(j.members) == 1 {
		return j // alone on its page: a GET says the same, and less
	}
	return w.pageJob(j, ts, page, false)
}

// pageJob makes j a request for page of ts's list.
func (w *waiting) pageJob(j *job, ts *taskState, page int, discovery bool) *job {
	j.ts, j.page, j.limit, j.discovery = ts, page, ts.limit, discovery
	ts.reading[page] = true
	if discovery {
		ts.discovery++
	}
	if page >= ts.nextPage {
		ts.nextPage = page + 1
	}
	return j
}

// park holds e until page (0: the pages looking for entries not placed
// yet) has been read.
func (ts *taskState) park(e *entry, page int) {
	e.parkedOn = page
	ts.parked[page] = append(ts.parked[page], e)
}

// unpark returns the entries parked on page that are parked there still.
func (ts *taskState) unpark(page int) []*entry {
	var out []*entry
	for _, x := range ts.parked[page] {
		if x.parkedOn == page && !x.finished {
			x.parkedOn = -1
			out = append(out, x)
		}
	}
	delete(ts.parked, page)
	return out
}

// pageOf returns the page e stands on now, from where it stood and how
// many executions have been added above it since.
func (ts *taskState) pageOf(e *entry) int {
	pos := e.listPos
	if ts.total > e.listTotal {
		pos += ts.total - e.listTotal
	}
	return pos/ts.limit + 1
}

// discoveryPage returns the next page to read to find the entries whose
// place is not known, or 0 when there is none worth reading now: every
// entry has been found; or the pages read hold as many executions as the
// waiting entries twice over (those not found are polled one by one, and
// looked for again from page 1 again after now, then twice as long after
// each time: a page may have failed, or they moved); or the list's size
// is not known yet and its first page is being read.
func (ts *taskState) discoveryPage(now time.Time, again time.Duration) int {
	unknown := 0
	for _, x := range ts.entries {
		if !x.finished && x.listPos < 0 {
			unknown++
		}
	}
	if unknown == 0 {
		return 0
	}
	if ts.total < 0 && ts.discovery > 0 {
		return 0 // how many pages there are comes with the first
	}
	last := 2*((len(ts.entries)+ts.limit-1)/ts.limit) + 1
	if ts.total >= 0 {
		last = min(last, max((ts.total+ts.limit-1)/ts.limit, 1))
	}
	for ts.nextPage <= last && ts.reading[ts.nextPage] {
		ts.nextPage++
	}
	if ts.nextPage > last {
		// The pages worth reading are read: they are read again later.
		switch {
		case ts.discovery > 0:
			return 0
		case ts.againAt.IsZero():
			ts.againEvery = min(max(2*ts.againEvery, again), listOffMax)
			ts.againAt = now.Add(ts.againEvery)
			return 0
		case now.Before(ts.againAt):
			return 0
		}
		ts.againAt, ts.nextPage = time.Time{}, 1
	}
	return ts.nextPage
}

// pageFailed records that j's page could not be read (err). A page that
// looked for entries is to be read again. A 429 is the key's limit, not
// the list's (GETs would meet it too, many more of them): the budget's
// pause holds the page back until it is asked again. A page over the body
// cap is asked again with a quarter of the executions. Any other failure
// leaves the list alone for a while, its entries polled one by one
// meanwhile: twice as long after each failure in a row, from the policy's
// initial interval to listOffMax.
func (ts *taskState) pageFailed(j *job, err error, now time.Time, initial time.Duration) {
	tooLarge := errors.Is(err, client.ErrBodyTooLarge) && j.limit > 1
	if tooLarge {
		ts.setLimit(max(min(ts.limit, j.limit)/4, 1))
	}
	if j.discovery {
		from := (j.page - 1) * j.limit // the first place it held
		ts.nextPage = min(ts.nextPage, from/ts.limit+1)
	}
	if tooLarge || errors.Is(err, client.ErrRateLimited) {
		return
	}
	ts.listFails++
	off := min(initial<<min(ts.listFails-1, 20), listOffMax)
	ts.listOffUntil = now.Add(off)
}
