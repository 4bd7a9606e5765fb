package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"github.com/anchorwait/anchorwait/internal/syncbuf"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// change is a status change update at the current (fake) time.
func change(id string, prev, now client.Status) poller.Update {
	return poller.Update{Ref: poller.Ref{TaskID: testTask, ExecutionID: id}, Kind: poller.UpdateStatusChange,
		Time: time.Now(), Previous: prev, Status: now, Requests: 1}
}

func done(id string, status client.Status, err error) poller.Update {
	return poller.Update{Ref: poller.Ref{TaskID: testTask, ExecutionID: id}, Kind: poller.UpdateDone,
		Time: time.Now(), Previous: status, Status: status, Err: err}
}

func TestProgressLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf syncbuf.Buffer
		p := testProgress(&buf, progressLines, false, true)
		p.begin(testTask, []string{idA, idB, idC})
		p.update(change(idA, "", client.StatusQueued))
		p.update(poller.Update{Ref: poller.Ref{TaskID: testTask, ExecutionID: idA}, Kind: poller.UpdatePoll, Time: time.Now(), Status: client.StatusQueued, Previous: client.StatusQueued})
		time.Sleep(2 * time.Second)
		p.update(change(idA, client.StatusQueued, client.StatusRunning))
		u := change(idB, "", client.StatusFailure)
		u.Execution = &client.Execution{ErrorMessage: ptr("boom\nbang")}
		p.update(u)
		p.update(done(idB, client.StatusFailure, &poller.UnsuccessfulError{Status: client.StatusFailure}))
		time.Sleep(1500 * time.Millisecond)
		p.update(change(idC, "", "paused"))
		p.update(done(idC, "paused", errors.New("wait for execution: API answered 401 Unauthorized")))
		p.update(done(idA, client.StatusRunning, fmt.Errorf("x: %w", context.Canceled)))
		p.end()
		want := "waiting for 3 executions of task " + testTask + "\n" +
			idA + ": queued (0s)\n" +
			idA + ": queued -> running (2s)\n" +
			idB + ": failure: boom bang (2s)\n" +
			idC + ": paused (undocumented status: still waiting) (4s)\n" +
			idC + ": gave up: wait for execution: API answered 401 Unauthorized (4s)\n"
		if got := buf.String(); got != want {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	})
}

func TestProgressHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf syncbuf.Buffer
		p := testProgress(&buf, progressLines, false, false)
		p.begin(testTask, []string{idA, idB, idC, exampleID})
		p.update(change(idA, "", client.StatusRunning))
		p.update(change(idB, "", client.StatusRunning))
		p.update(change(idC, "", client.StatusQueued))
		time.Sleep(30 * time.Second)
		p.update(change(exampleID, "", client.StatusSuccess))
		p.update(done(exampleID, client.StatusSuccess, nil))
		time.Sleep(10 * time.Minute)
		p.end()
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if got, want := lines[5], "still waiting: 2 running, 1 queued; 1 of 4 finished (1m30s)"; got != want {
			t.Errorf("first heartbeat %q, want %q (60 s after the last line)", got, want)
		}
		// After that, one every 60 s: the log is never silent longer.
		heartbeats := 0
		last := 30 * time.Second
		re := regexp.MustCompile(`\((\S+)\)$`)
		for _, l := range lines[1:] {
			m := re.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("line %q has no time", l)
			}
			at, err := time.ParseDuration(m[1])
			if err != nil {
				t.Fatal(err)
			}
			if gap := at - last; gap > 60*time.Second {
				t.Errorf("%v of silence before %q, want at most 60s", gap, l)
			}
			last = at
			if strings.HasPrefix(l, "still waiting") {
				heartbeats++
			}
		}
		if heartbeats != 10 {
			t.Errorf("%d heartbeats in 10m30s, want 10", heartbeats)
		}
	})
}

func TestProgressLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf syncbuf.Buffer
		p := testProgress(&buf, progressLive, false, true)
		p.begin(testTask, []string{idA, idB})
		time.Sleep(200 * time.Millisecond)
		p.update(change(idA, "", client.StatusRunning))
		p.update(change(idB, "", client.StatusQueued)) // too soon after the last redraw
		time.Sleep(1300 * time.Millisecond)
		p.update(change(idB, client.StatusQueued, client.StatusSuccess))
		p.update(done(idB, client.StatusSuccess, nil))
		p.end()
		out := buf.String()
		for _, want := range []string{
			"\r\x1b[Kwaiting: 1 \x1b[36mrunning\x1b[0m, 1 not seen yet | 0s", // the live line after an update
			"\r\x1b[Kwaiting: 1 \x1b[36mrunning\x1b[0m, 1 queued | 1s",       // redrawn by the clock
			"\r\x1b[K" + idB + ": queued -> \x1b[32msuccess\x1b[0m (2s)\n",   // finished: a line above
			"waiting: 1 \x1b[36mrunning\x1b[0m | done: 1 \x1b[32msuccess\x1b[0m | 2s",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output %q does not contain %q", out, want)
			}
		}
		if strings.Contains(out, "1 queued | 0s") {
			t.Errorf("the live line was redrawn less than %v after the last time: %q", liveMinGap, out)
		}
		if strings.Contains(out, "1 \x1b[32msuccess\x1b[0m | done") || strings.Contains(out, "running\x1b[0m, 1 \x1b[32msuccess") {
			t.Errorf("a finished execution was counted as waiting: %q", out)
		}
		if strings.Contains(out, idA+": ") {
			t.Errorf("a change to a non-final status got its own line in a terminal: %q", out)
		}
		if !strings.HasSuffix(out, "\r\x1b[K") {
			t.Errorf("live line not cleared at the end: %q", out)
		}
	})
}

func TestProgressNoColor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf syncbuf.Buffer
		p := testProgress(&buf, progressLive, false, false)
		p.begin(testTask, []string{idA})
		p.update(change(idA, "", client.StatusSuccess))
		p.end()
		if strings.Contains(buf.String(), "\x1b[3") {
			t.Errorf("colors without color: %q", buf.String())
		}
		var logBuf syncbuf.Buffer
		p = testProgress(&logBuf, progressLines, false, true) // color asked, but not a terminal
		p.begin(testTask, []string{idA})
		p.update(change(idA, "", client.StatusSuccess))
		p.end()
		if strings.Contains(logBuf.String(), "\x1b") {
			t.Errorf("escape codes in a log: %q", logBuf.String())
		}
	})
}

func TestProgressQuietAndVerbose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var quiet syncbuf.Buffer
		p := testProgress(&quiet, progressOff, false, false)
		p.begin(testTask, []string{idA})
		p.update(change(idA, "", client.StatusRunning))
		time.Sleep(5 * time.Minute)
		p.end()
		if quiet.String() != "" {
			t.Errorf("quiet progress wrote %q", quiet.String())
		}

		var verbose syncbuf.Buffer
		p = testProgress(&verbose, progressLines, true, false)
		p.begin(testTask, []string{idA})
		p.update(poller.Update{Ref: poller.Ref{TaskID: testTask, ExecutionID: idA}, Kind: poller.UpdatePoll, Time: time.Now(),
			Requests: 3, Status: client.StatusRunning, Previous: client.StatusRunning, NextDelay: 2250 * time.Millisecond})
		p.update(poller.Update{Ref: poller.Ref{TaskID: testTask, ExecutionID: idA}, Kind: poller.UpdateRetry, Time: time.Now(),
			Requests: 4, Status: client.StatusRunning, Err: errors.New("API answered 503"), NextDelay: time.Second, FinalPoll: true})
		p.update(done(idA, client.StatusRunning, fmt.Errorf("wait: %w", context.Canceled)))
		p.end()
		for _, want := range []string{
			idA + ": poll 3: running, next poll in 2.25s (0s)\n",
			idA + ": poll 4 failed, next poll in 1s (the last before the deadline): API answered 503 (0s)\n",
			idA + ": stopped: wait: context canceled (0s)\n",
		} {
			if !strings.Contains(verbose.String(), want) {
				t.Errorf("verbose output does not contain %q:\n%s", want, verbose.String())
			}
		}
	})
}

func TestClock(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0s", -time.Second: "0s", 1499 * time.Millisecond: "1s", 2 * time.Minute: "2m0s", 90 * time.Minute: "1h30m0s"} {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestProgressRedactsBeforeCut: text from the API is redacted before a
// long line is cut, so a key across the cut is not left in part.
func TestProgressRedactsBeforeCut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf syncbuf.Buffer
		o := newOutput(io.Discard, &buf)
		o.addSecret(longKey)
		p := newProgress(o, progressLines, true, false)
		p.begin(testTask, []string{idA, idB})
		// The key starts before the cut at 120 characters and ends after it.
		u := change(idA, client.StatusRunning, client.StatusFailure)
		u.Execution = &client.Execution{ErrorMessage: ptr(strings.Repeat("x", 100) + " " + longKey)}
		p.update(u)
		// Likewise across the cut at 200 of a failed poll's error.
		p.update(poller.Update{Ref: poller.Ref{TaskID: testTask, ExecutionID: idB}, Kind: poller.UpdateRetry, Time: time.Now(),
			Requests: 2, Err: errors.New(strings.Repeat("y", 180) + " " + longKey), NextDelay: time.Second})
		p.end()
		out := buf.String()
		assertNoSecrets(t, "progress", out)
		if n := strings.Count(out, redacted); n != 2 {
			t.Errorf("%d %s in %q, want 2", n, redacted, out)
		}
	})
}

// TestProgressResultsAroundLiveLine: a result written to stdout while the
// live line is shown clears the line first and redraws it after, so on a
// terminal the result starts a line of its own.
func TestProgressResultsAroundLiveLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var term syncbuf.Buffer // stdout and stderr on one terminal
		p := testProgress(&term, progressLive, false, false)
		stdout := p.results(&term)
		p.begin(testTask, []string{idA, idB})
		p.update(change(idA, "", client.StatusRunning))
		time.Sleep(2 * time.Second)
		// The clock redraws the live line at 2s too: let it draw first, so
		// the result clears the line of 2s, whichever goroutine woke first.
		synctest.Wait()
		fmt.Fprintf(stdout, "{\"executionId\":%q}\n", idA)
		p.end()
		fmt.Fprintf(stdout, "{\"executionId\":%q}\n", idB)
		out := term.String()
		want := "waiting: 1 running, 1 not seen yet | 2s" + // the live line...
			"\r\x1b[K" + `{"executionId":"` + idA + `"}` + "\n" + // ...cleared, the result...
			"\r\x1b[Kwaiting: 1 running, 1 not seen yet | 2s" // ...and the line redrawn
		if !strings.Contains(out, want) {
			t.Errorf("output %q does not contain %q", out, want)
		}
		if !strings.HasSuffix(out, "\r\x1b[K"+`{"executionId":"`+idB+`"}`+"\n") {
			t.Errorf("after the end, output %q: want the result alone, with no live line redrawn", out)
		}
		for _, line := range strings.Split(out, "\n") {
			if i := strings.Index(line, "{"); i >= 0 && !strings.HasSuffix(line[:i], "\r\x1b[K") && i != 0 {
				t.Errorf("a result runs into the live line: %q", line)
			}
		}
	})
}

// TestProgressResultsOffTerminal: without a live line, results are written
// as they are.
func TestProgressResultsOffTerminal(t *testing.T) {
	var stdout bytes.Buffer
	for _, mode := range []progressMode{progressOff, progressLines} {
		p := testProgress(io.Discard, mode, false, false)
		if w := p.results(&stdout); w != io.Writer(&stdout) {
			t.Errorf("mode %d: results wrapped stdout in %T, want it as it is", mode, w)
		}
	}
}

// testProgress is a progress display writing to w through an output layer
// that knows no secret.
func testProgress(w io.Writer, mode progressMode, verbose, color bool) *progress {
	return newProgress(newOutput(io.Discard, w), mode, verbose, color)
}

func TestStatusColor(t *testing.T) {
	tests := []struct{ label, want string }{
		{"success", "\x1b[32m"}, {"failure", "\x1b[31m"}, {labelGaveUp, "\x1b[31m"}, {"timeout", "\x1b[33m"},
		{"cancelled", "\x1b[33m"}, {"running", "\x1b[36m"}, {"queued", ""}, {labelNotSeen, ""}, {"paused", ""},
	}
	for _, tt := range tests {
		if got := statusColor(tt.label); got != tt.want {
			t.Errorf("statusColor(%q) = %q, want %q", tt.label, got, tt.want)
		}
	}
}

// TestProgressLiveFitsWidth: the live line is cut to less than the
// terminal's width, colors included, so it never wraps; it asks for the
// width at each redraw.
func TestProgressLiveFitsWidth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf syncbuf.Buffer
		p := testProgress(&buf, progressLive, false, true)
		var width atomic.Int64 // the display's clock asks for it while the test changes it
		width.Store(30)
		p.width = func() int { return int(width.Load()) }
		ids := []string{idA, idB, idC, exampleID}
		p.begin(testTask, ids)
		p.update(change(idA, "", client.StatusRunning))
		p.update(change(idB, "", client.StatusQueued))
		p.update(change(idC, "", "paused-for-a-very-long-undocumented-reason"))
		time.Sleep(1100 * time.Millisecond)
		width.Store(200)
		time.Sleep(time.Second)
		p.end()
		out := buf.String()
		draws := strings.Split(out, "\r\x1b[K")
		sawCut, sawWhole := false, false
		for _, d := range draws {
			if d == "" || strings.Contains(d, "\n") {
				continue // a line of its own, or the clearing at the end
			}
			visible := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(d, "")
			if n := utf8.RuneCountInString(visible); n > 199 {
				t.Errorf("live line of %d characters on a 200-column terminal: %q", n, d)
			}
			if strings.HasSuffix(visible, "...") {
				sawCut = true
				if n := utf8.RuneCountInString(visible); n != 29 {
					t.Errorf("cut live line %q has %d characters, want 29 on a 30-column terminal", visible, n)
				}
				if i := strings.LastIndex(d, "\x1b[3"); i >= 0 && !strings.Contains(d[i:], "\x1b[0m") {
					t.Errorf("cut live line leaves a color open: %q", d)
				}
			} else if strings.Contains(visible, "paused-for") {
				sawWhole = true
			}
		}
		if !sawCut || !sawWhole {
			t.Errorf("want a live line cut at 30 columns and one whole at 200; got %q", out)
		}
	})
}

func TestFitWidth(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"0123456789", 10, "0123456789"},
		{"0123456789abc", 10, "0123456..."},
		{"\x1b[32msuccess\x1b[0m and more", 10, "\x1b[32msuccess\x1b[0m..."},
		{"ab \x1b[32msuccess\x1b[0m", 8, "ab \x1b[32msu\x1b[0m..."},
		{"ééééééé", 5, "éé..."},
	}
	for _, tt := range tests {
		if got := fitWidth(tt.in, tt.n); got != tt.want {
			t.Errorf("fitWidth(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
