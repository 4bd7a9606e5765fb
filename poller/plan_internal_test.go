package poller

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// TestPageSizing checks how a task's page size follows the pages it gets:
// smaller for pages over pageBytes, back up towards the size asked for
// when full pages are small, a quarter after a page over the body limit,
// and the next page to read kept at its place in the list throughout.
func TestPageSizing(t *testing.T) {
	tooLarge := fmt.Errorf("%w: over 4194304 bytes", client.ErrBodyTooLarge)
	tests := []struct {
		name         string
		limit, want  int
		nextPage     int
		do           func(ts *taskState)
		wantLimit    int
		wantNextPage int
	}{
		{"a page of 2 MiB halves", 100, 100, 3, func(ts *taskState) { ts.fitPage(100, 2*pageBytes) }, 50, 5},
		{"a page of 10 MiB: a tenth", 100, 100, 1, func(ts *taskState) { ts.fitPage(100, 10*pageBytes) }, 10, 1},
		{"never below 1", 10, 100, 1, func(ts *taskState) { ts.fitPage(1, 50*pageBytes) }, 1, 1},
		{"a small full page doubles", 25, 100, 2, func(ts *taskState) { ts.fitPage(25, pageBytes/8) }, 50, 1},
		{"up to the size asked for", 80, 100, 1, func(ts *taskState) { ts.fitPage(80, 1000) }, 100, 1},
		{"a small page not full stays", 25, 100, 1, func(ts *taskState) { ts.fitPage(3, 1000) }, 25, 1},
		{"a page between stays", 25, 100, 1, func(ts *taskState) { ts.fitPage(25, pageBytes/2) }, 25, 1},
		{"an empty page says nothing", 25, 100, 1, func(ts *taskState) { ts.fitPage(0, 0) }, 25, 1},
		{"a slower pace raises the pages", 100, 100, 3, func(ts *taskState) { ts.fitPace(200) }, 200, 2},
		{"a quarter more moves nothing", 100, 100, 3, func(ts *taskState) { ts.fitPace(125) }, 100, 3},
		{"a faster pace never lowers them", 200, 200, 3, func(ts *taskState) { ts.fitPace(100) }, 200, 3},
		{"large executions keep theirs", 10, 100, 3, func(ts *taskState) { ts.fitPace(200) }, 10, 3},
		{"over the body limit: a quarter, the page read again", 100, 100, 3, func(ts *taskState) {
			ts.pageFailed(&job{ts: ts, page: 2, limit: 100, discovery: true}, tooLarge, t0, time.Second)
		}, 25, 5},
		{"over the body limit at 1: the list is left alone", 1, 100, 3, func(ts *taskState) {
			ts.pageFailed(&job{ts: ts, page: 2, limit: 1}, tooLarge, t0, time.Second)
		}, 1, 3},
		{"a 429 on a page that looked for entries: read again", 100, 100, 6, func(ts *taskState) {
			ts.pageFailed(&job{ts: ts, page: 4, limit: 100, discovery: true}, fmt.Errorf("%w: slow down", client.ErrRateLimited), t0, time.Second)
		}, 100, 4},
		{"a failed page asked in an older page size", 50, 100, 9, func(ts *taskState) {
			ts.pageFailed(&job{ts: ts, page: 3, limit: 100, discovery: true}, errors.New("API answered 500"), t0, time.Second)
		}, 50, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTaskState("task", tt.want)
			ts.limit, ts.nextPage = tt.limit, tt.nextPage
			tt.do(ts)
			if ts.limit != tt.wantLimit || ts.nextPage != tt.wantNextPage {
				t.Errorf("page size %d, next page %d; want %d, %d", ts.limit, ts.nextPage, tt.wantLimit, tt.wantNextPage)
			}
		})
	}
}

// TestListFailedBacksOff checks that a list that fails is left alone for
// longer after each failure in a row, up to listOffMax, and that a 429
// leaves it be.
func TestListFailedBacksOff(t *testing.T) {
	ts := newTaskState("task", 100)
	ts.pageFailed(&job{ts: ts, page: 1, limit: 100}, fmt.Errorf("%w: slow down", client.ErrRateLimited), t0, time.Second)
	if !ts.listOffUntil.IsZero() {
		t.Fatalf("after a 429 the list is left alone until %v, want not at all", ts.listOffUntil)
	}
	err := errors.New("API answered 500")
	var got []time.Duration
	for range 12 {
		ts.pageFailed(&job{ts: ts, page: 1, limit: 100}, err, t0, time.Second)
		got = append(got, ts.listOffUntil.Sub(t0))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("list left alone for %v after each failure, want %v seconds", got, want)
		}
	}
}

// TestDiscoveryReadsAgain checks that entries the pages did not find are
// looked for again from page 1, after again, then twice as long each
// time, and not while a page that looks for them is being read.
func TestDiscoveryReadsAgain(t *testing.T) {
	ts := newTaskState("task", 10)
	ts.entries = []*entry{{listPos: -1}, {listPos: 3}}
	ts.total = 1000
	var pages []int
	now := t0
	step := func(d time.Duration) {
		now = now.Add(d)
		page := ts.discoveryPage(now, 10*time.Second)
		pages = append(pages, page)
		if page > 0 {
			ts.nextPage = page + 1 // read
		}
	}
	for _, d := range []time.Duration{0, 0, 0, 0, 9 * time.Second, time.Second, 0, 0, 0, 19 * time.Second, time.Second} {
		step(d)
	}
	// 2 entries, pages of 10: 2*1+1 = 3 pages are worth reading.
	want := []int{1, 2, 3, 0, 0, 1, 2, 3, 0, 0, 1}
	if !slices.Equal(pages, want) {
		t.Errorf("pages asked %v, want %v", pages, want)
	}
	ts.discovery = 1 // a page looking for entries is out
	ts.nextPage = 4
	if page := ts.discoveryPage(now.Add(time.Hour), 10*time.Second); page != 0 {
		t.Errorf("page %d asked while one is out, want none", page)
	}
}
