package poller

import (
	"errors"
	"fmt"
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
		{"over the body limit: a quarter, the page read again", 100, 100, 3, func(ts *taskState) {
			ts.listFailed(tooLarge, 2, t0, time.Second)
		}, 25, 5},
		{"over the body limit at 1: the list is left alone", 1, 100, 3, func(ts *taskState) {
			ts.listFailed(tooLarge, 2, t0, time.Second)
		}, 1, 3},
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
// longer after each failure in a row, up to listOffMax.
func TestListFailedBacksOff(t *testing.T) {
	ts := newTaskState("task", 100)
	err := errors.New("API answered 500")
	var got []time.Duration
	for range 12 {
		ts.listFailed(err, 1, t0, time.Second)
		got = append(got, ts.listOffUntil.Sub(t0))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("list left alone for %v after each failure, want %v seconds", got, want)
		}
	}
}
